-- fct_program_budget adds up to fct_budget_execution: for every programme and year, each department row equals the
-- sum of that department's rows, and the 'PE' row equals the sum of all the programme's rows (PIA, PIM, devengado).
-- Returns the programme x year x area rows that differ or are missing on either side.

with

expected as (

    select
        year,
        programa_ppto,
        department_code as ambito,
        sum(monto_pia) as pia,
        sum(monto_pim) as pim,
        sum(monto_devengado) as devengado
    from {{ ref('fct_budget_execution') }}
    where department_code is not null
    group by year, programa_ppto, department_code

    union all

    select
        year,
        programa_ppto,
        'PE' as ambito,
        sum(monto_pia) as pia,
        sum(monto_pim) as pim,
        sum(monto_devengado) as devengado
    from {{ ref('fct_budget_execution') }}
    group by year, programa_ppto

),

actual as (

    select * from {{ ref('fct_program_budget') }}

),

final as (

    select
        coalesce(expected.year, actual.year) as year,
        coalesce(expected.programa_ppto, actual.programa_ppto) as programa_ppto,
        coalesce(expected.ambito, actual.ambito) as ambito,
        expected.pim as expected_pim,
        actual.monto_pim as actual_pim,
        expected.devengado as expected_devengado,
        actual.monto_devengado as actual_devengado
    from expected
    full outer join actual
        on expected.year = actual.year
        and expected.programa_ppto = actual.programa_ppto
        and expected.ambito = actual.ambito
    where expected.year is null
        or actual.year is null
        or expected.pia <> actual.monto_pia
        or expected.pim <> actual.monto_pim
        or expected.devengado <> actual.monto_devengado

)

select * from final
