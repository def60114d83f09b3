{{ config(severity='warn') }}
-- Each SIAF annual file (Gasto-Diario, YYYY-Gasto) is a cumulative snapshot of its fiscal year. If raw ever
-- holds rows of two files for one year, every mart sums both snapshots and double counts: this warns so the
-- load can be checked (the loader is expected to replace a year's file, not add to it).

with

files_per_year as (

    select
        year,
        count(distinct _source_sha256) as source_file_count
    from {{ ref('stg_siaf__gasto') }}
    group by year

),

final as (

    select * from files_per_year
    where source_file_count > 1

)

select * from final
