-- Year over year: grain executing unit (sec_ejec) x budget programme (programa_ppto) x fiscal year x month. PIM,
-- devengado year to date and execution % at month m, next to the same unit and programme in the year before at the
-- same month m, and the differences.
--
-- * PIM is the group's annual PIM as the CURRENT load of each year has it (today's PIM for this year, the closing
--   PIM for a finished year): the SIAF file is a snapshot, so "the PIM the year before had at month m" is not in
--   the data. A PIM-at-month-end mart (built from the daily snapshots) can replace annual_budget below.
-- * Devengado YTD at month m = months 1..m plus any month-0 (opening) amounts, as in fct_execution_progress.
-- * The month spine runs 1..the latest month present in that year, for every group with any row in the year; the
--   previous year's figures are NULL when the group has no row in that year or that year's data stops before m.
-- * Percentages are NULL when PIM = 0.

with

budget_execution as (

    select * from {{ ref('fct_budget_execution') }}

),

entities as (

    select * from {{ ref('dim_entity') }}

),

programs as (

    select * from {{ ref('dim_budget_program') }}

),

annual_budget as (

    select
        year,
        sec_ejec,
        programa_ppto,
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

monthly_amounts as (

    select
        year,
        month,
        sec_ejec,
        programa_ppto,
        sum(monto_devengado) as devengado
    from budget_execution
    group by all

),

group_months as (

    select
        annual_budget.year,
        cast(month_spine.month as smallint) as month,
        annual_budget.sec_ejec,
        annual_budget.programa_ppto,
        annual_budget.pia,
        annual_budget.pim,
        coalesce(monthly_amounts.devengado, 0) as devengado_month,
        coalesce(opening_amounts.devengado, 0) as devengado_opening
    from annual_budget
    inner join month_spine
        on annual_budget.year = month_spine.year
    left join monthly_amounts
        on annual_budget.year = monthly_amounts.year
        and month_spine.month = monthly_amounts.month
        and annual_budget.sec_ejec = monthly_amounts.sec_ejec
        and annual_budget.programa_ppto is not distinct from monthly_amounts.programa_ppto
    left join monthly_amounts as opening_amounts
        on annual_budget.year = opening_amounts.year
        and opening_amounts.month = 0
        and annual_budget.sec_ejec = opening_amounts.sec_ejec
        and annual_budget.programa_ppto is not distinct from opening_amounts.programa_ppto

),

year_to_date as (

    select
        year,
        month,
        sec_ejec,
        programa_ppto,
        pia,
        pim,
        devengado_opening + sum(devengado_month) over (
            partition by year, sec_ejec, programa_ppto
            order by month
            rows between unbounded preceding and current row
        ) as devengado_ytd
    from group_months

),

compared as (

    select
        current_year.year,
        current_year.month,
        current_year.sec_ejec,
        current_year.programa_ppto,
        cast(current_year.pia as decimal(18, 2)) as pia,
        cast(current_year.pim as decimal(18, 2)) as pim,
        cast(current_year.devengado_ytd as decimal(18, 2)) as devengado_ytd,
        cast(previous_year.pia as decimal(18, 2)) as pia_prev_year,
        cast(previous_year.pim as decimal(18, 2)) as pim_prev_year,
        cast(previous_year.devengado_ytd as decimal(18, 2)) as devengado_ytd_prev_year
    from year_to_date as current_year
    left join year_to_date as previous_year
        on previous_year.year = current_year.year - 1
        and previous_year.month = current_year.month
        and previous_year.sec_ejec = current_year.sec_ejec
        and previous_year.programa_ppto is not distinct from current_year.programa_ppto

),

with_percentages as (

    select
        *,
        {{ percent_of('devengado_ytd', 'pim') }} as pct_execution_ytd,
        {{ percent_of('devengado_ytd_prev_year', 'pim_prev_year') }} as pct_execution_ytd_prev_year
    from compared

),

final as (

    select
        {{ hash_key(['with_percentages.sec_ejec', 'with_percentages.programa_ppto', 'with_percentages.year',
            'with_percentages.month']) }} as execution_yoy_key,
        with_percentages.year,
        with_percentages.month,
        with_percentages.sec_ejec,
        entities.pliego,
        entities.pliego_nombre,
        entities.ejecutora_nombre,
        with_percentages.programa_ppto,
        programs.programa_ppto_nombre,
        with_percentages.pia,
        with_percentages.pim,
        with_percentages.devengado_ytd,
        with_percentages.pct_execution_ytd,
        with_percentages.pia_prev_year,
        with_percentages.pim_prev_year,
        with_percentages.devengado_ytd_prev_year,
        with_percentages.pct_execution_ytd_prev_year,
        with_percentages.pim - with_percentages.pim_prev_year as pim_change,
        with_percentages.devengado_ytd - with_percentages.devengado_ytd_prev_year as devengado_ytd_change,
        with_percentages.pct_execution_ytd - with_percentages.pct_execution_ytd_prev_year
            as pct_execution_ytd_change_points
    from with_percentages
    left join entities
        on with_percentages.sec_ejec = entities.sec_ejec
    left join programs
        on with_percentages.programa_ppto = programs.programa_ppto

)

select * from final
