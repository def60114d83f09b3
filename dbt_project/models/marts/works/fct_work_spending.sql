-- SIAF spending of the investments InfObras works belong to, grain CUI x fiscal year x month. A project's CUI is
-- SIAF's producto_proyecto on lines with tipo_act_proy = '2' (Invierte.pe CODIGO_UNICO = SIAF PRODUCTO_PROYECTO =
-- InfObras CUI). Amounts are summed over every budget line of the project (all executing units, sources of funds and
-- classifiers) from fct_budget_execution, so they add up to it. The grain is the CUI, not the work: one CUI can have
-- several InfObras works (work_count says how many), and SIAF does not split a project's spending by work.

with

budget_execution as (

    select * from {{ ref('fct_budget_execution') }}

),

works as (

    select * from {{ ref('fct_works') }}

),

work_cuis as (

    select cui, count(*) as work_count
    from works
    where cui is not null
    group by cui

),

project_lines as (

    select
        producto_proyecto as cui,
        year,
        month,
        sec_ejec,
        monto_pim,
        monto_certificado,
        monto_devengado,
        monto_girado,
        source_row_count
    from budget_execution
    where tipo_act_proy = '2'

),

aggregated as (

    select
        project_lines.cui,
        project_lines.year,
        project_lines.month,
        cast(sum(project_lines.monto_pim) as decimal(18, 2)) as monto_pim,
        cast(sum(project_lines.monto_certificado) as decimal(18, 2)) as monto_certificado,
        cast(sum(project_lines.monto_devengado) as decimal(18, 2)) as monto_devengado,
        cast(sum(project_lines.monto_girado) as decimal(18, 2)) as monto_girado,
        count(distinct project_lines.sec_ejec) as executing_unit_count,
        sum(project_lines.source_row_count) as source_row_count,
        any_value(work_cuis.work_count) as work_count
    from project_lines
    inner join work_cuis
        on project_lines.cui = work_cuis.cui
    group by project_lines.cui, project_lines.year, project_lines.month

),

final as (

    select
        {{ hash_key(['cui', 'year', 'month']) }} as work_spending_key,
        cui,
        year,
        month,
        make_date(year, greatest(month, 1), 1) as month_start,
        work_count,
        monto_pim,
        monto_certificado,
        monto_devengado,
        monto_girado,
        cast(sum(monto_devengado) over (
            partition by cui order by year, month rows between unbounded preceding and current row
        ) as decimal(18, 2)) as devengado_cumulative,
        executing_unit_count,
        source_row_count
    from aggregated

)

select * from final
