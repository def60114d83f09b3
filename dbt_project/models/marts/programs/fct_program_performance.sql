-- Budget programmes by fiscal year and area, budget beside results: one row per programa_ppto x year x ambito
-- ('PE' = the whole country, or a 2-digit department of the goal) that has SIAF budget rows, indicators, or both.
-- PIA, PIM, devengado, execution % and its status come from fct_program_budget; the indicator counts by status
-- come from fct_program_indicators (district indicators count in no row here: SIAF has no district of the goal).
-- 'PE' rows add up every department: never sum across area_level.

with

budget as (

    select * from {{ ref('fct_program_budget') }}

),

indicators as (

    select * from {{ ref('fct_program_indicators') }}

),

programs as (

    select * from {{ ref('dim_budget_program') }}

),

indicator_summary as (

    select
        year,
        programa_ppto,
        ambito,
        any_value(area_level) as area_level,
        any_value(department_code) as department_code,
        any_value(programa_ppto_nombre) as programa_ppto_nombre,
        count(*) as indicator_count,
        count_if(status = 'on_track') as on_track_count,
        count_if(status = 'at_risk') as at_risk_count,
        count_if(status = 'off_track') as off_track_count,
        count_if(status is null) as unrated_count,
        list(indicador_codigo || ': ' || coalesce(status, 'unrated (' || status_reason || ')')
            order by indicador_codigo) as indicator_statuses,
        array_to_string(list_sort(list_distinct(list(_source_sha256))), ',') as indicator_source_sha256,
        list(_source_row order by _source_row) as indicator_source_rows
    from indicators
    where area_level in ('pais', 'departamento')
    group by year, programa_ppto, ambito

),

joined as (

    select
        coalesce(budget.year, indicator_summary.year) as year,
        coalesce(budget.programa_ppto, indicator_summary.programa_ppto) as programa_ppto,
        coalesce(budget.ambito, indicator_summary.ambito) as ambito,
        coalesce(budget.area_level, indicator_summary.area_level) as area_level,
        coalesce(budget.department_code, indicator_summary.department_code) as department_code,
        indicator_summary.programa_ppto_nombre as indicator_programa_nombre,
        budget.monto_pia,
        budget.monto_pim,
        budget.monto_devengado,
        budget.execution_pct,
        budget.execution_status,
        case
            when budget.program_budget_key is null then 'no_siaf_budget'
            else budget.execution_status_reason
        end as execution_status_reason,
        coalesce(indicator_summary.indicator_count, 0) as indicator_count,
        coalesce(indicator_summary.on_track_count, 0) as on_track_count,
        coalesce(indicator_summary.at_risk_count, 0) as at_risk_count,
        coalesce(indicator_summary.off_track_count, 0) as off_track_count,
        coalesce(indicator_summary.unrated_count, 0) as unrated_count,
        indicator_summary.indicator_statuses,
        budget.budget_execution_row_count,
        budget.source_row_count,
        budget._source_sha256,
        budget._load_id,
        budget._loaded_at,
        indicator_summary.indicator_source_sha256,
        indicator_summary.indicator_source_rows
    from budget
    full outer join indicator_summary
        on budget.year = indicator_summary.year
        and budget.programa_ppto = indicator_summary.programa_ppto
        and budget.ambito = indicator_summary.ambito

),

final as (

    select
        {{ hash_key(['joined.year', 'joined.programa_ppto', 'joined.ambito']) }} as program_performance_key,
        joined.year,
        joined.programa_ppto,
        coalesce(programs.programa_ppto_nombre, joined.indicator_programa_nombre) as programa_ppto_nombre,
        joined.ambito,
        joined.area_level,
        joined.department_code,
        joined.monto_pia,
        joined.monto_pim,
        joined.monto_devengado,
        joined.execution_pct,
        joined.execution_status,
        joined.execution_status_reason,
        joined.indicator_count,
        joined.on_track_count,
        joined.at_risk_count,
        joined.off_track_count,
        joined.unrated_count,
        joined.indicator_statuses,
        joined.budget_execution_row_count,
        joined.source_row_count,
        joined._source_sha256,
        joined._load_id,
        joined._loaded_at,
        joined.indicator_source_sha256,
        joined.indicator_source_rows
    from joined
    left join programs
        on joined.programa_ppto = programs.programa_ppto

)

select * from final
