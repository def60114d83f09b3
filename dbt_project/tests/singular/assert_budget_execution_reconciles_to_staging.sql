-- Every amount of fct_budget_execution adds up to staging (collisions and duplicates are summed, nothing is
-- dropped), and every staged row is counted once in source_row_count. Returns the years that differ.

with

staged as (

    select
        year,
        count(*) as row_count,
        sum(monto_pia) as monto_pia,
        sum(monto_pim) as monto_pim,
        sum(monto_certificado) as monto_certificado,
        sum(monto_comprometido_anual) as monto_comprometido_anual,
        sum(monto_comprometido) as monto_comprometido,
        sum(monto_devengado) as monto_devengado,
        sum(monto_girado) as monto_girado
    from {{ ref('stg_siaf__gasto') }}
    group by year

),

facts as (

    select
        year,
        sum(source_row_count) as row_count,
        sum(len(_source_rows)) as listed_row_count,
        sum(monto_pia) as monto_pia,
        sum(monto_pim) as monto_pim,
        sum(monto_certificado) as monto_certificado,
        sum(monto_comprometido_anual) as monto_comprometido_anual,
        sum(monto_comprometido) as monto_comprometido,
        sum(monto_devengado) as monto_devengado,
        sum(monto_girado) as monto_girado
    from {{ ref('fct_budget_execution') }}
    group by year

),

final as (

    select
        staged.year as staged_year,
        facts.year as fact_year,
        staged.row_count as staged_rows,
        facts.row_count as fact_rows,
        staged.monto_devengado as staged_devengado,
        facts.monto_devengado as fact_devengado
    from staged
    full outer join facts
        on staged.year = facts.year
    where staged.year is null
        or facts.year is null
        or staged.row_count <> facts.row_count
        or staged.row_count <> facts.listed_row_count
        or staged.monto_pia <> facts.monto_pia
        or staged.monto_pim <> facts.monto_pim
        or staged.monto_certificado <> facts.monto_certificado
        or staged.monto_comprometido_anual <> facts.monto_comprometido_anual
        or staged.monto_comprometido <> facts.monto_comprometido
        or staged.monto_devengado <> facts.monto_devengado
        or staged.monto_girado <> facts.monto_girado

)

select * from final
