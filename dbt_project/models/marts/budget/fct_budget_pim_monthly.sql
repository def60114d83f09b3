-- PIM through the year: the budget as it stood at each month end, its modification within the month, and the
-- month's devengado beside it, by fiscal year x month x sec_ejec x programa_ppto x funcion x department_code.
--
-- * State at a month end = the budget-line versions of snp_budget_state__line_budget valid at that instant,
--   summed over the group's lines. It is given only for a month in which a load of the year was observed
--   (int_budget_state__observations); any other month is NULL with pim_observed false, never carried over.
-- * pim_change_month = month-end PIM minus the previous observed month end (or minus the opening PIA for the
--   first observed month): additive over months. After unobserved months it covers them too
--   (change_months_covered), so the sum over the year is still last observed PIM - opening PIA.
-- * Months run from 1 to the month of the year's last observation (all 12 once a load dated after the year's
--   end was seen).

with

line_versions as (

    select * from {{ ref('snp_budget_state__line_budget') }}

),

observations as (

    select * from {{ ref('int_budget_state__observations') }}

),

budget_execution as (

    select * from {{ ref('fct_budget_execution') }}

),

year_spans as (

    select
        year,
        case
            when max(observed_at) >= make_timestamp(year + 1, 1, 1, 0, 0, 0) then 12
            when max(observed_at) < make_timestamp(year, 1, 1, 0, 0, 0) then 0
            else month(max(observed_at))
        end as last_month
    from observations
    group by year

),

month_spine as (

    select
        year,
        cast(unnest(range(1, last_month + 1)) as smallint) as month
    from year_spans

),

month_observations as (

    select
        year,
        cast(month(observed_at) as smallint) as month,
        max(observed_at) as last_observed_at
    from observations
    where year(observed_at) = year
    group by all

),

months as (

    select
        month_spine.year,
        month_spine.month,
        month_observations.month is not null as pim_observed,
        month_observations.last_observed_at,
        -- the first instant after the month: the state at the month end is the one valid just before it
        make_timestamp(month_spine.year, month_spine.month, 1, 0, 0, 0) + interval 1 month as month_end_exclusive
    from month_spine
    left join month_observations
        on month_spine.year = month_observations.year
        and month_spine.month = month_observations.month

),

groups as (

    select distinct year, sec_ejec, programa_ppto, funcion, department_code from line_versions
    union
    select distinct year, sec_ejec, programa_ppto, funcion, department_code from budget_execution

),

month_end_states as (

    select
        months.year,
        months.month,
        line_versions.sec_ejec,
        line_versions.programa_ppto,
        line_versions.funcion,
        line_versions.department_code,
        sum(line_versions.pia) as pia,
        sum(line_versions.pim) as pim,
        count(*) as budget_line_count
    from months
    inner join line_versions
        on months.year = line_versions.year
        and line_versions.dbt_valid_from < months.month_end_exclusive
        and (line_versions.dbt_valid_to is null or line_versions.dbt_valid_to >= months.month_end_exclusive)
    where months.pim_observed
    group by all

),

monthly_devengado as (

    select
        year,
        month,
        sec_ejec,
        programa_ppto,
        funcion,
        department_code,
        sum(monto_devengado) as devengado_month
    from budget_execution
    where month >= 1
    group by all

),

group_months as (

    select
        groups.year,
        months.month,
        groups.sec_ejec,
        groups.programa_ppto,
        groups.funcion,
        groups.department_code,
        months.pim_observed,
        months.last_observed_at,
        -- a group with no line yet at an observed month end had no budget then: 0, not unknown
        case when months.pim_observed then coalesce(month_end_states.pia, 0) end as pia_month_end,
        case when months.pim_observed then coalesce(month_end_states.pim, 0) end as pim_month_end,
        case when months.pim_observed then coalesce(month_end_states.budget_line_count, 0) end as budget_line_count,
        coalesce(monthly_devengado.devengado_month, 0) as devengado_month
    from groups
    inner join months
        on groups.year = months.year
    left join month_end_states
        on groups.year = month_end_states.year
        and months.month = month_end_states.month
        {{ same_progress_group('groups', 'month_end_states') }}
    left join monthly_devengado
        on groups.year = monthly_devengado.year
        and months.month = monthly_devengado.month
        {{ same_progress_group('groups', 'monthly_devengado') }}

),

with_previous as (

    select
        *,
        first_value(pia_month_end ignore nulls) over group_year as pia_opening,
        last_value(pim_month_end ignore nulls) over group_year_before as previous_pim_month_end,
        last_value(case when pim_observed then month end ignore nulls) over group_year_before
            as previous_observed_month
    from group_months
    window
        group_year as (
            partition by year, sec_ejec, programa_ppto, funcion, department_code
            order by month
            rows between unbounded preceding and unbounded following
        ),
        group_year_before as (
            partition by year, sec_ejec, programa_ppto, funcion, department_code
            order by month
            rows between unbounded preceding and 1 preceding
        )

),

final as (

    select
        {{ hash_key(['year', 'month', 'sec_ejec', 'programa_ppto', 'funcion', 'department_code']) }}
            as budget_pim_monthly_key,
        year,
        month,
        sec_ejec,
        programa_ppto,
        funcion,
        department_code,
        pim_observed,
        last_observed_at,
        cast(pia_month_end as decimal(18, 2)) as pia_month_end,
        cast(pim_month_end as decimal(18, 2)) as pim_month_end,
        cast(pia_opening as decimal(18, 2)) as pia_opening,
        cast(
            case when pim_observed then pim_month_end - coalesce(previous_pim_month_end, pia_opening) end
            as decimal(18, 2)
        ) as pim_change_month,
        case when pim_observed then month - coalesce(previous_observed_month, 0) end as change_months_covered,
        budget_line_count,
        cast(devengado_month as decimal(18, 2)) as devengado_month
    from with_previous

)

select * from final
