-- INEI departments rolled up from the district table: one row per 2-digit department code.

with

districts as (

    select * from {{ ref('stg_reference__ubigeo_districts') }}

),

departments as (

    select
        department_code,
        -- one name per code in INEI's table (tested); min() only makes the pick deterministic
        min(department_name) as department_name,
        count(distinct department_name) as department_name_count,
        count(distinct province_code) as province_count,
        count(*) as district_count,
        cast(sum(population) as bigint) as population
    from districts
    group by department_code

),

final as (

    select * from departments

)

select * from final
