-- At the latest month of each year, the progress mart's YTD figures and annual PIM/PIA add up to the year's
-- totals in fct_budget_execution (PIM counted once per year, YTD carrying every month including month 0).
-- Years with no monthly row yet (PIA/PIM only) have no progress rows and are skipped.
-- Returns the years that differ.

with

progress_last_month as (

    select *
    from {{ ref('fct_execution_progress') }}
    qualify month = max(month) over (partition by year)

),

progress_totals as (

    select
        year,
        sum(pia) as pia,
        sum(pim) as pim,
        sum(certificado) as certificado,
        sum(devengado_ytd) as devengado,
        sum(girado_ytd) as girado
    from progress_last_month
    group by year

),

fact_totals as (

    select
        year,
        sum(monto_pia) as pia,
        sum(monto_pim) as pim,
        sum(monto_certificado) as certificado,
        sum(monto_devengado) as devengado,
        sum(monto_girado) as girado
    from {{ ref('fct_budget_execution') }}
    group by year
    having max(month) >= 1

),

final as (

    select
        fact_totals.year,
        fact_totals.pim as fact_pim,
        progress_totals.pim as progress_pim,
        fact_totals.devengado as fact_devengado,
        progress_totals.devengado as progress_devengado_ytd
    from fact_totals
    left join progress_totals
        on fact_totals.year = progress_totals.year
    where progress_totals.year is null
        or fact_totals.pia <> progress_totals.pia
        or fact_totals.pim <> progress_totals.pim
        or fact_totals.certificado <> progress_totals.certificado
        or fact_totals.devengado <> progress_totals.devengado
        or fact_totals.girado <> progress_totals.girado

)

select * from final
