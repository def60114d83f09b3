-- Red flags on InfObras works, one row per work x flag raised (a work with no flag has no row). Each flag, its
-- threshold (a dbt var in dbt_project.yml, default in brackets) and its measured value are documented in
-- _works__models.yml. The as-of date is var works_as_of_date, or by default the date of the current InfObras load
-- (never the wall clock, so a rebuild gives the same flags):
--   spending_without_progress  devengado rose while physical progress stayed flat for works_flat_progress_months [6]
--                              (devengado after the month progress last changed > works_devengado_rising_min_soles [0])
--   no_progress_not_paralysed  in execution, not marked paralysed, physical progress flat for works_flat_progress_months
--   cost_overrun               costo_actualizado above monto_viable by more than works_cost_overrun_pct [20] %
--   late_end                   real end (or the as-of date while unfinished) later than the reprogrammed end (else the
--                              programmed one) by more than works_end_delay_days [0]
--   financial_ahead_of_physical  avance_financiero_pct - avance_fisico_real_pct > works_financial_ahead_points [30]

{%- set flat_months = var('works_flat_progress_months') %}
{%- set as_of = var('works_as_of_date') %}

with

fct_works as (

    select * from {{ ref('fct_works') }}

),

spending as (

    select * from {{ ref('fct_work_spending') }}

),

works as (

    select
        *,
        {% if as_of %}cast('{{ as_of }}' as date){% else %}as_of_date{% endif %} as flag_as_of_date,
        upper(strip_accents(coalesce(estado_ejecucion, ''))) as status_key
    from fct_works

),

flat_works as (

    -- physical progress unchanged for at least works_flat_progress_months on the as-of date, work not finished
    select
        *,
        date_diff('month', physical_progress_since, flag_as_of_date) as flat_months
    from works
    where physical_progress_since <= flag_as_of_date - interval {{ flat_months }} month
        and fecha_fin_real is null
        and status_key <> 'FINALIZADA'

),

spending_while_flat as (

    select
        flat_works.codigo_infobras,
        cast(sum(spending.monto_devengado) as decimal(18, 2)) as devengado_while_flat
    from flat_works
    inner join spending
        on flat_works.cui = spending.cui
        and spending.month between 1 and 12
        and spending.month_start > date_trunc('month', flat_works.physical_progress_since)
        and spending.month_start <= flag_as_of_date
    group by flat_works.codigo_infobras

),

spending_without_progress as (

    select
        flat_works.*,
        'spending_without_progress' as flag_code,
        spending_while_flat.devengado_while_flat as measured_value,
        cast({{ var('works_devengado_rising_min_soles') }} as decimal(18, 2)) as threshold,
        'soles' as unit,
        'SIAF devengado of ' || spending_while_flat.devengado_while_flat || ' soles for CUI ' || flat_works.cui
        || ' after physical progress stopped at ' || coalesce(cast(flat_works.avance_fisico_real_pct as varchar), '?')
        || ' % on ' || flat_works.physical_progress_since || ' (' || flat_works.flat_months || ' months flat)'
            as detail
    from flat_works
    inner join spending_while_flat
        on flat_works.codigo_infobras = spending_while_flat.codigo_infobras
    where spending_while_flat.devengado_while_flat > {{ var('works_devengado_rising_min_soles') }}

),

no_progress_not_paralysed as (

    select
        *,
        'no_progress_not_paralysed' as flag_code,
        cast(flat_months as decimal(18, 2)) as measured_value,
        cast({{ flat_months }} as decimal(18, 2)) as threshold,
        'months' as unit,
        'In execution and not marked paralysed, physical progress unchanged at '
        || coalesce(cast(avance_fisico_real_pct as varchar), '?') || ' % since ' || physical_progress_since
            as detail
    from flat_works
    where status_key = 'EN EJECUCION'
        and not is_paralysed

),

cost_overrun as (

    select
        *,
        'cost_overrun' as flag_code,
        cast(100 * costo_actualizado / monto_viable - 100 as decimal(18, 2)) as measured_value,
        cast({{ var('works_cost_overrun_pct') }} as decimal(18, 2)) as threshold,
        '% over viable amount' as unit,
        'Updated cost ' || costo_actualizado || ' vs viable amount ' || monto_viable as detail
    from works
    where monto_viable > 0
        and costo_actualizado > monto_viable * (1 + {{ var('works_cost_overrun_pct') }} / 100.0)

),

late_end as (

    select
        *,
        'late_end' as flag_code,
        cast(date_diff('day', planned_end_date, coalesce(fecha_fin_real, flag_as_of_date)) as decimal(18, 2))
            as measured_value,
        cast({{ var('works_end_delay_days') }} as decimal(18, 2)) as threshold,
        'days late' as unit,
        case
            when fecha_fin_real is not null then 'Finished ' || fecha_fin_real
            else 'Unfinished on ' || flag_as_of_date
        end || ', planned end ' || planned_end_date
        || case when fecha_fin_reprogramada is not null then ' (reprogrammed)' else '' end as detail
    from works
    where planned_end_date is not null
        and date_diff('day', planned_end_date, coalesce(fecha_fin_real, flag_as_of_date))
            > {{ var('works_end_delay_days') }}

),

financial_ahead_of_physical as (

    select
        *,
        'financial_ahead_of_physical' as flag_code,
        cast(avance_financiero_pct - avance_fisico_real_pct as decimal(18, 2)) as measured_value,
        cast({{ var('works_financial_ahead_points') }} as decimal(18, 2)) as threshold,
        'percentage points' as unit,
        'Financial progress ' || avance_financiero_pct || ' % vs physical ' || avance_fisico_real_pct || ' %'
            as detail
    from works
    where avance_financiero_pct - avance_fisico_real_pct > {{ var('works_financial_ahead_points') }}

),

flags as (

    {%- for cte in ['spending_without_progress', 'no_progress_not_paralysed', 'cost_overrun', 'late_end',
                    'financial_ahead_of_physical'] %}
    select
        codigo_infobras, cui, flag_code, measured_value, threshold, unit, detail, flag_as_of_date,
        entidad, nivel_gobierno, department_code, department_name, ubigeo, estado_ejecucion, is_paralysed,
        _source_sha256, _source_row, _load_id
    from {{ cte }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

final as (

    select
        {{ hash_key(['codigo_infobras', 'flag_code']) }} as red_flag_key,
        codigo_infobras,
        cui,
        flag_code,
        measured_value,
        threshold,
        unit,
        detail,
        flag_as_of_date as as_of_date,
        entidad,
        nivel_gobierno,
        department_code,
        department_name,
        ubigeo,
        estado_ejecucion,
        is_paralysed,
        _source_sha256,
        _source_row,
        _load_id
    from flags

)

select * from final
