-- Every amount of fct_revenue adds up to staging (collisions and duplicates are summed, nothing is dropped), and
-- every staged row is counted and listed once. Returns the years that differ.

with

staged as (

    select
        year,
        count(*) as row_count,
        sum(monto_pia) as monto_pia,
        sum(monto_pim) as monto_pim,
        sum(monto_recaudado) as monto_recaudado
    from {{ ref('stg_siaf__ingreso') }}
    group by year

),

facts as (

    select
        year,
        sum(source_row_count) as row_count,
        sum(len(_source_rows)) as listed_row_count,
        sum(monto_pia) as monto_pia,
        sum(monto_pim) as monto_pim,
        sum(monto_recaudado) as monto_recaudado
    from {{ ref('fct_revenue') }}
    group by year

),

final as (

    select
        staged.year as staged_year,
        facts.year as fact_year,
        staged.row_count as staged_rows,
        facts.row_count as fact_rows,
        staged.monto_recaudado as staged_recaudado,
        facts.monto_recaudado as fact_recaudado
    from staged
    full outer join facts
        on staged.year = facts.year
    where staged.year is null
        or facts.year is null
        or staged.row_count <> facts.row_count
        or staged.row_count <> facts.listed_row_count
        or staged.monto_pia <> facts.monto_pia
        or staged.monto_pim <> facts.monto_pim
        or staged.monto_recaudado <> facts.monto_recaudado

)

select * from final
