-- fct_municipal_execution keeps every staged Consulta Amigable row exactly once (no join fans out, no row is
-- dropped) and its amounts add up to staging, per fiscal year. Returns the years that differ.

with

staged as (

    select
        year,
        count(*) as row_count,
        count(distinct (_source_sha256, _source_row)) as distinct_source_rows,
        sum(monto_pia) as monto_pia,
        sum(monto_pim) as monto_pim,
        sum(monto_certificado) as monto_certificado,
        sum(monto_comprometido_anual) as monto_comprometido_anual,
        sum(monto_comprometido_mensual) as monto_comprometido_mensual,
        sum(monto_devengado) as monto_devengado,
        sum(monto_girado) as monto_girado
    from {{ ref('stg_consulta_amigable__municipalidades') }}
    group by year

),

facts as (

    select
        year,
        count(*) as row_count,
        count(distinct (_source_sha256, _source_row)) as distinct_source_rows,
        sum(monto_pia) as monto_pia,
        sum(monto_pim) as monto_pim,
        sum(monto_certificado) as monto_certificado,
        sum(monto_comprometido_anual) as monto_comprometido_anual,
        sum(monto_comprometido_mensual) as monto_comprometido_mensual,
        sum(monto_devengado) as monto_devengado,
        sum(monto_girado) as monto_girado
    from {{ ref('fct_municipal_execution') }}
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
        or facts.row_count <> facts.distinct_source_rows
        or staged.distinct_source_rows <> facts.distinct_source_rows
        or staged.monto_pia is distinct from facts.monto_pia
        or staged.monto_pim is distinct from facts.monto_pim
        or staged.monto_certificado is distinct from facts.monto_certificado
        or staged.monto_comprometido_anual is distinct from facts.monto_comprometido_anual
        or staged.monto_comprometido_mensual is distinct from facts.monto_comprometido_mensual
        or staged.monto_devengado is distinct from facts.monto_devengado
        or staged.monto_girado is distinct from facts.monto_girado

)

select * from final
