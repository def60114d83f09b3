-- One row per project prioritised by a participatory-budgeting process (stg_municipal__pp_acuerdos), with where its
-- investment (CUI) stands in SIAF and InfObras (fct_investment_status). A process held in year Y decides projects
-- for the budgets that follow (the next fiscal year, often later ones), so an agreement counts every SIAF fiscal year
-- from Y on: it entered the budget when its CUI has PIM > 0 in any of them, was executed when it has devengado > 0
-- in any of them, and was built when every current InfObras work of the CUI reports 100 % physical progress.
-- Without a CUI nothing can be verified: the three are NULL and the agreement is not fulfilled.

with

agreements as (

    select * from {{ ref('stg_municipal__pp_acuerdos') }}

),

investment_status as (

    select * from {{ ref('fct_investment_status') }}

),

status_since_process as (

    select
        agreements.ubigeo,
        agreements.year,
        agreements.prioridad,
        count(investment_status.year) as siaf_year_count,
        min(investment_status.year) filter (where investment_status.in_budget) as first_budget_year,
        max(investment_status.year) as last_siaf_year,
        cast(sum(investment_status.monto_pim) as decimal(18, 2)) as monto_pim,
        cast(sum(investment_status.monto_devengado) as decimal(18, 2)) as monto_devengado,
        coalesce(bool_or(investment_status.in_budget), false) as in_budget,
        coalesce(bool_or(investment_status.executed), false) as executed,
        max(investment_status.work_count) as work_count,
        min(investment_status.avance_fisico_real_pct_min) as avance_fisico_real_pct_min,
        bool_and(investment_status.built) as built,
        max(investment_status.infobras_as_of_date) as infobras_as_of_date,
        max(investment_status.siaf_loaded_at) as siaf_loaded_at
    from agreements
    left join investment_status
        on agreements.cui = investment_status.cui
        and investment_status.year >= agreements.year
    where agreements.cui is not null
    group by agreements.ubigeo, agreements.year, agreements.prioridad

),

final as (

    select
        {{ hash_key(['agreements.ubigeo', 'agreements.year', 'agreements.prioridad']) }} as agreement_key,
        agreements.ubigeo,
        agreements.year,
        agreements.prioridad as priority,
        agreements.proyecto as project_name,
        agreements.cui,
        agreements.monto as amount_agreed,
        agreements.added_to_investment_programme,
        status.siaf_year_count,
        status.first_budget_year,
        status.last_siaf_year,
        status.monto_pim,
        status.monto_devengado,
        status.in_budget,
        status.executed,
        coalesce(status.work_count, case when agreements.cui is not null then 0 end) as work_count,
        status.avance_fisico_real_pct_min,
        case when agreements.cui is not null then coalesce(status.built, false) end as built,
        coalesce(status.in_budget and status.executed and status.built, false) as is_fulfilled,
        status.infobras_as_of_date,
        status.siaf_loaded_at,
        agreements._source_sha256,
        agreements._source_row,
        agreements._load_id,
        agreements._loaded_at
    from agreements
    left join status_since_process as status
        on agreements.ubigeo = status.ubigeo
        and agreements.year = status.year
        and agreements.prioridad = status.prioridad

)

select * from final
