-- Where each investment (CUI) stands, per fiscal year: did it enter the budget (SIAF PIM), was money executed
-- (devengado), and how far is its work built (InfObras). The grain is CUI x year, for every CUI SIAF has a project
-- line for (tipo_act_proy = '2', producto_proyecto = CUI) in that year; InfObras figures are the current works of
-- the CUI (one CUI can have several works: the least advanced one is reported, so "built" means every work is).
-- A CUI known only to InfObras gets no row here: it has no budget year. This is the CUI status the municipal
-- agreement-compliance and campaign marts join to.

with

budget_execution as (

    select * from {{ ref('fct_budget_execution') }}

),

works as (

    select * from {{ ref('fct_works') }}

),

project_years as (

    select
        producto_proyecto as cui,
        year,
        cast(sum(monto_pia) as decimal(18, 2)) as monto_pia,
        cast(sum(monto_pim) as decimal(18, 2)) as monto_pim,
        cast(sum(monto_devengado) as decimal(18, 2)) as monto_devengado,
        count(distinct sec_ejec) as executing_unit_count,
        max(_loaded_at) as siaf_loaded_at
    from budget_execution
    where tipo_act_proy = '2' and producto_proyecto is not null
    group by producto_proyecto, year

),

cui_works as (

    select
        cui,
        count(*) as work_count,
        min(avance_fisico_real_pct) as avance_fisico_real_pct_min,
        max(avance_fisico_real_pct) as avance_fisico_real_pct_max,
        bool_or(is_paralysed) as any_work_paralysed,
        max(as_of_date) as infobras_as_of_date
    from works
    where cui is not null
    group by cui

),

final as (

    select
        {{ hash_key(['project_years.cui', 'project_years.year']) }} as investment_status_key,
        project_years.cui,
        project_years.year,
        project_years.monto_pia,
        project_years.monto_pim,
        project_years.monto_devengado,
        {{ percent_of('project_years.monto_devengado', 'project_years.monto_pim') }} as pct_execution,
        project_years.monto_pim > 0 as in_budget,
        project_years.monto_devengado > 0 as executed,
        project_years.executing_unit_count,
        coalesce(cui_works.work_count, 0) as work_count,
        cui_works.avance_fisico_real_pct_min,
        cui_works.avance_fisico_real_pct_max,
        cui_works.any_work_paralysed,
        cui_works.avance_fisico_real_pct_min >= 100 as built,
        cui_works.infobras_as_of_date,
        project_years.siaf_loaded_at
    from project_years
    left join cui_works
        on project_years.cui = cui_works.cui

)

select * from final
