-- fct_budget_execution adds up, year by year, to the staged file the rule picks for that year
-- (docs/siaf-expenditure-files.md): the gasto file for a year it covers, else the Devengado mensual file. Every
-- amount, the source rows counted, and source_contract must match; nothing is dropped and nothing counted twice.
-- For a Devengado year: devengado = sum of the twelve month columns, certificado / comprometido anual / girado =
-- the annual columns, comprometido (no such figure) NULL, and one fact source row per raw row (year row) plus one
-- per month with devengado. Returns the years that differ.

with

gasto as (

    select
        year,
        'siaf-gasto' as source_contract,
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

devengado_rows as (

    select
        *,
        [
            monto_devengado_enero, monto_devengado_febrero, monto_devengado_marzo, monto_devengado_abril,
            monto_devengado_mayo, monto_devengado_junio, monto_devengado_julio, monto_devengado_agosto,
            monto_devengado_septiembre, monto_devengado_octubre, monto_devengado_noviembre,
            monto_devengado_diciembre
        ] as months
    from {{ ref('stg_siaf__devengado_mensual') }}

),

devengado as (

    select
        year,
        'siaf-devengado-mensual' as source_contract,
        count(*) + sum(len(list_filter(months, lambda m: m <> 0))) as row_count,
        sum(monto_pia) as monto_pia,
        sum(monto_pim) as monto_pim,
        sum(monto_certificado_anual) as monto_certificado,
        sum(monto_comprometido_anual) as monto_comprometido_anual,
        cast(null as decimal(38, 2)) as monto_comprometido,
        sum(list_sum(months)) as monto_devengado,
        sum(monto_girado_anual) as monto_girado
    from devengado_rows
    where year not in (select year from gasto)
    group by year

),

expected as (

    select * from gasto
    union all
    select * from devengado

),

facts as (

    select
        year,
        string_agg(distinct source_contract, ',') as source_contract,
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
        coalesce(expected.year, facts.year) as year,
        expected.source_contract as expected_source_contract,
        facts.source_contract as fact_source_contract,
        expected.row_count as expected_rows,
        facts.row_count as fact_rows,
        expected.monto_devengado as expected_devengado,
        facts.monto_devengado as fact_devengado
    from expected
    full outer join facts
        on expected.year = facts.year
    where expected.year is null
        or facts.year is null
        or expected.source_contract <> facts.source_contract
        or expected.row_count <> facts.row_count
        or expected.row_count <> facts.listed_row_count
        or expected.monto_pia is distinct from facts.monto_pia
        or expected.monto_pim is distinct from facts.monto_pim
        or expected.monto_certificado is distinct from facts.monto_certificado
        or expected.monto_comprometido_anual is distinct from facts.monto_comprometido_anual
        or expected.monto_comprometido is distinct from facts.monto_comprometido
        or expected.monto_devengado is distinct from facts.monto_devengado
        or expected.monto_girado is distinct from facts.monto_girado

)

select * from final
