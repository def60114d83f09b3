-- The InfObras place names (department, province, district as published) that match no INEI district after
-- normalisation (int_works__places), one row per distinct normalised triple, with how many works carry it and one
-- spelling as published: the list to review (or to add a correction table for) when the resolved share drops.

with

places as (

    select * from {{ ref('int_works__places') }}

),

unresolved as (

    select
        coalesce(department_key, '') as department_key,
        coalesce(province_key, '') as province_key,
        coalesce(district_key, '') as district_key,
        min(departamento) as departamento,
        min(provincia) as provincia,
        min(distrito) as distrito,
        count(*) as work_count,
        min(codigo_infobras) as example_codigo_infobras
    from places
    where not ubigeo_resolved
    group by all

),

final as (

    select * from unresolved

)

select * from final
