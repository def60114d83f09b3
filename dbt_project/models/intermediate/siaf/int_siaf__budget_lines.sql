-- Every SIAF expenditure row with the key of its budget line: md5 of the fiscal year and the full classification
-- (macros/budget_line_columns.sql). One row per source row and month: a budget line has one row per month it moved,
-- its own PIA/PIM row(s), and sometimes several colliding rows in one month; fct_budget_execution aggregates them.
--
-- Two files feed it in the same grain (docs/siaf-expenditure-files.md): the gasto file (stg_siaf__gasto) and the
-- Devengado mensual file unpivoted (int_siaf__devengado_months). One rule decides a year both cover: the gasto file
-- wins, because it carries every amount by month; the Devengado file fills only the years with no gasto rows.
-- source_contract names the file kind each row came from.

with

gasto as (

    select
        *,
        'siaf-gasto' as source_contract
    from {{ ref('stg_siaf__gasto') }}

),

devengado_months as (

    select
        *,
        'siaf-devengado-mensual' as source_contract
    from {{ ref('int_siaf__devengado_months') }}

),

gasto_years as (

    select distinct year from gasto

),

devengado_years_without_gasto as (

    select * from devengado_months
    where year not in (select year from gasto_years)

),

unioned as (

    select * from gasto
    union all by name
    select * from devengado_years_without_gasto

),

keyed as (

    select
        {{ hash_key(['year'] + budget_line_columns()) }} as budget_line_key,
        *
    from unioned

),

final as (

    select * from keyed

)

select * from final
