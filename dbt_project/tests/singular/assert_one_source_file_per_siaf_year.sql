{{ config(severity='warn') }}
-- Each SIAF expenditure file (Gasto-Diario, YYYY-Gasto, YYYY-Gasto-Devengado-Mensual) is a cumulative snapshot of
-- its fiscal year. If the facts of one year came from two files, every mart would sum both snapshots and double
-- count: this warns so the load can be checked. It reads int_siaf__budget_lines, what the marts read, after the rule
-- that picks one file kind per year (the gasto file wins a year both cover, docs/siaf-expenditure-files.md); the
-- loader replaces a year's file within each raw table, so one file kind gives one file.

with

files_per_year as (

    select
        year,
        count(distinct _source_sha256) as source_file_count,
        count(distinct source_contract) as source_contract_count
    from {{ ref('int_siaf__budget_lines') }}
    group by year

),

final as (

    select * from files_per_year
    where source_file_count > 1

)

select * from final
