-- One row per department code that the facts can carry: the 25 INEI departments ('01'..'25', from the INEI
-- district table) plus every department code SIAF uses that is not an INEI department (MEF's own codes for goals
-- outside any single department, e.g. spending abroad). Those extra rows take their name from SIAF and have no
-- INEI figures, so the facts always relate to this table and the dashboard can still tell them apart.

with

inei_departments as (

    select * from {{ ref('int_geography__departments') }}

),

gasto as (

    -- every SIAF expenditure file's rows (gasto and Devengado mensual: int_siaf__budget_lines)
    select * from {{ ref('int_siaf__budget_lines') }}

),

siaf_department_rows as (

    select
        departamento_meta as department_code,
        departamento_meta_nombre as department_name,
        year,
        _loaded_at,
        _load_id,
        _source_sha256,
        _source_row
    from gasto
    where departamento_meta is not null

    union all

    select
        departamento_ejecutora as department_code,
        departamento_ejecutora_nombre as department_name,
        year,
        _loaded_at,
        _load_id,
        _source_sha256,
        _source_row
    from gasto
    where departamento_ejecutora is not null

),

siaf_departments as (

    select
        department_code,
        department_name
    from siaf_department_rows
    qualify row_number() over (
        partition by department_code
        order by {{ latest_row_first() }},
            department_name desc
    ) = 1

),

inei_rows as (

    select
        inei_departments.department_code,
        inei_departments.department_name,
        siaf_departments.department_name as siaf_department_name,
        true as is_inei_department,
        inei_departments.province_count,
        inei_departments.district_count,
        inei_departments.population
    from inei_departments
    left join siaf_departments
        on inei_departments.department_code = siaf_departments.department_code

),

siaf_only_rows as (

    select
        siaf_departments.department_code,
        siaf_departments.department_name,
        siaf_departments.department_name as siaf_department_name,
        false as is_inei_department,
        cast(null as bigint) as province_count,
        cast(null as bigint) as district_count,
        cast(null as bigint) as population
    from siaf_departments
    anti join inei_departments
        on siaf_departments.department_code = inei_departments.department_code

),

final as (

    select * from inei_rows
    union all by name
    select * from siaf_only_rows

)

select * from final
