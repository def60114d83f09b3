-- Every SIAF row with the key of its budget line: md5 of the fiscal year and the full classification
-- (macros/budget_line_columns.sql). One row per source row: a budget line has one row per month it moved,
-- its own PIA/PIM row(s), and sometimes several colliding rows in one month; fct_budget_execution aggregates them.

with

gasto as (

    select * from {{ ref('stg_siaf__gasto') }}

),

keyed as (

    select
        {{ hash_key(['year'] + budget_line_columns()) }} as budget_line_key,
        *
    from gasto

),

final as (

    select * from keyed

)

select * from final
