-- One row per row of marts.fct_budget_execution and marts.fct_execution_progress: does it reach a known executing
-- unit (dim_entity), the unit's INEI district (raw.ubigeo_inei) and its department (dim_geography). Suite
-- cross_mart_references (expectations/gx) validates the flags. The lineage (_source_sha256, _source_rows) is filled
-- only on rows that fail a check (the rows GX shows as examples); for fct_execution_progress it is the first 100 file
-- rows of its group in the year.

with

inei_districts as (

    select distinct ubigeo from {{ source('raw', 'ubigeo_inei') }}

),

mart_rows as (

    select
        'fct_budget_execution' as mart,
        budget_execution_key as row_key,
        year,
        month,
        sec_ejec,
        programa_ppto,
        funcion,
        department_code
    from {{ ref('fct_budget_execution') }}
    union all
    select
        'fct_execution_progress' as mart,
        execution_progress_key as row_key,
        year,
        month,
        sec_ejec,
        programa_ppto,
        funcion,
        department_code
    from {{ ref('fct_execution_progress') }}

),

checked as (

    select
        mart_rows.*,
        dim_entity.sec_ejec is not null as entity_known,
        dim_entity.ubigeo as entity_ubigeo,
        case when dim_entity.sec_ejec is not null then inei_districts.ubigeo is not null end as entity_ubigeo_in_inei,
        dim_geography.department_code is not null as department_known
    from mart_rows
    left join {{ ref('dim_entity') }} as dim_entity
        on dim_entity.sec_ejec = mart_rows.sec_ejec
    left join inei_districts
        on inei_districts.ubigeo = dim_entity.ubigeo
    left join {{ ref('dim_geography') }} as dim_geography
        on dim_geography.department_code = mart_rows.department_code

),

failing as (

    select * from checked
    where not entity_known or entity_ubigeo_in_inei is false or not department_known

),

budget_lineage as (

    select facts.budget_execution_key as row_key, facts._source_sha256, facts._source_rows
    from {{ ref('fct_budget_execution') }} as facts
    where facts.budget_execution_key in (select row_key from failing where mart = 'fct_budget_execution')

),

progress_lineage as (

    select
        failing.row_key,
        string_agg(distinct facts._source_sha256, ',') as _source_sha256,
        list_slice(list_sort(flatten(list(facts._source_rows))), 1, 100) as _source_rows
    from failing
    inner join {{ ref('fct_budget_execution') }} as facts
        on facts.year = failing.year
        and facts.sec_ejec is not distinct from failing.sec_ejec
        and facts.programa_ppto is not distinct from failing.programa_ppto
        and facts.funcion is not distinct from failing.funcion
        and facts.department_code is not distinct from failing.department_code
    where failing.mart = 'fct_execution_progress'
    group by failing.row_key

),

final as (

    select
        checked.mart,
        checked.row_key,
        checked.year,
        checked.month,
        checked.sec_ejec,
        checked.department_code,
        coalesce(budget_lineage._source_sha256, progress_lineage._source_sha256) as _source_sha256,
        coalesce(budget_lineage._source_rows, progress_lineage._source_rows) as _source_rows,
        checked.entity_known,
        checked.entity_ubigeo,
        checked.entity_ubigeo_in_inei,
        checked.department_known
    from checked
    left join budget_lineage
        on checked.mart = 'fct_budget_execution' and budget_lineage.row_key = checked.row_key
    left join progress_lineage
        on checked.mart = 'fct_execution_progress' and progress_lineage.row_key = checked.row_key

)

select * from final
