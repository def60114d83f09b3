-- Budget execution progress (devengado / PIM) by fiscal year x month x executing unit x budget programme x
-- function x department of the goal, month by month and year to date.
--
-- * pim and pia are annual stocks as the current file shows them: the sum over ALL rows of the group in the year,
--   whatever month they sit on (month 0 in older files), repeated on every month row as the denominator of the %.
--   They cannot be added over months; the PIM as it stood at each month end and its change within the month
--   (additive over months) come from fct_budget_pim_monthly, NULL with pim_observed false where no load of the
--   month was seen.
-- * The month spine runs 1..latest month present in that year's data, for every group with any row in the year,
--   so a group with no activity in a month still gets its row (month amount 0, YTD carried over).
-- * YTD = amounts of months 1..m plus any month-0 amounts (opening rows), so December YTD is the annual total.
-- * Percentages are NULL when PIM = 0: without a budget there is no meaningful share executed.

with

budget_execution as (

    select * from {{ ref('fct_budget_execution') }}

),

devengado_file_years as (

    -- years from the SIAF Devengado mensual file: it has certificado and girado for the year only (on month 0),
    -- so those years get no month or YTD certificado / girado here (NULL), never the annual figure as January's
    select distinct year from budget_execution
    where source_contract = 'siaf-devengado-mensual'

),

pim_monthly as (

    select * from {{ ref('fct_budget_pim_monthly') }}

),

annual_budget as (

    select
        year,
        sec_ejec,
        programa_ppto,
        funcion,
        department_code,
        sum(monto_pia) as pia,
        sum(monto_pim) as pim
    from budget_execution
    group by all

),

month_spine as (

    select
        year,
        unnest(range(1, cast(max(month) as bigint) + 1)) as month
    from budget_execution
    where month >= 1
    group by year

),

group_months as (

    select
        annual_budget.*,
        cast(month_spine.month as smallint) as month
    from annual_budget
    inner join month_spine
        on annual_budget.year = month_spine.year

),

monthly_amounts as (

    -- month 0 (opening rows) stays here as its own month so that it enters the YTD below
    select
        year,
        month,
        sec_ejec,
        programa_ppto,
        funcion,
        department_code,
        sum(monto_devengado) as devengado,
        sum(monto_girado) as girado,
        sum(monto_certificado) as certificado
    from budget_execution
    group by all

),

opening_amounts as (

    select * from monthly_amounts
    where month = 0

),

group_month_amounts as (

    select
        group_months.year,
        group_months.month,
        group_months.sec_ejec,
        group_months.programa_ppto,
        group_months.funcion,
        group_months.department_code,
        group_months.pia,
        group_months.pim,
        coalesce(monthly_amounts.devengado, 0) as devengado_month,
        coalesce(monthly_amounts.girado, 0) as girado_month,
        coalesce(monthly_amounts.certificado, 0) as certificado_month,
        coalesce(opening_amounts.devengado, 0) as devengado_opening,
        coalesce(opening_amounts.girado, 0) as girado_opening,
        coalesce(opening_amounts.certificado, 0) as certificado_opening
    from group_months
    left join monthly_amounts
        on group_months.year = monthly_amounts.year
        and group_months.month = monthly_amounts.month
        {{ same_progress_group('group_months', 'monthly_amounts') }}
    left join opening_amounts
        on group_months.year = opening_amounts.year
        {{ same_progress_group('group_months', 'opening_amounts') }}

),

year_to_date as (

    select
        *,
        devengado_opening + sum(devengado_month) over group_year_to_month as devengado_ytd,
        girado_opening + sum(girado_month) over group_year_to_month as girado_ytd,
        certificado_opening + sum(certificado_month) over group_year_to_month as certificado_ytd
    from group_month_amounts
    window group_year_to_month as (
        partition by year, sec_ejec, programa_ppto, funcion, department_code
        order by month
        rows between unbounded preceding and current row
    )

),

with_month_end as (

    select
        year_to_date.*,
        coalesce(pim_monthly.pim_observed, false) as pim_observed,
        pim_monthly.pim_month_end,
        pim_monthly.pim_change_month
    from year_to_date
    left join pim_monthly
        on year_to_date.year = pim_monthly.year
        and year_to_date.month = pim_monthly.month
        {{ same_progress_group('year_to_date', 'pim_monthly') }}

),

final as (

    select
        {{ hash_key(['year', 'month', 'sec_ejec', 'programa_ppto', 'funcion', 'department_code']) }}
            as execution_progress_key,
        year,
        month,
        sec_ejec,
        programa_ppto,
        funcion,
        department_code,
        cast(pia as decimal(18, 2)) as pia,
        cast(pim as decimal(18, 2)) as pim,
        case when year not in (select year from devengado_file_years)
            then cast(certificado_ytd as decimal(18, 2)) end as certificado,
        cast(devengado_month as decimal(18, 2)) as devengado_month,
        cast(devengado_ytd as decimal(18, 2)) as devengado_ytd,
        case when year not in (select year from devengado_file_years)
            then cast(girado_month as decimal(18, 2)) end as girado_month,
        case when year not in (select year from devengado_file_years)
            then cast(girado_ytd as decimal(18, 2)) end as girado_ytd,
        {{ percent_of('devengado_month', 'pim') }} as pct_execution_month,
        {{ percent_of('devengado_ytd', 'pim') }} as pct_execution_ytd,
        pim_observed,
        cast(pim_month_end as decimal(18, 2)) as pim_month_end,
        cast(pim_change_month as decimal(18, 2)) as pim_change_month
    from with_month_end

)

select * from final
