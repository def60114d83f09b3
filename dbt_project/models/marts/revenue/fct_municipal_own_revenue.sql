-- Municipal own revenue: RUBRO 08 IMPUESTOS MUNICIPALES collected by each municipality (an executing unit of a
-- local government, tipo_gobierno M) by fiscal year x month, in total and by tax, month and year to date, next to
-- the annual PIA/PIM of RUBRO 08. The revenue side of local tax campaigns: joins to municipal data by sec_ejec or
-- by the 6-digit ubigeo of the executing unit.
-- * Municipalities: those with any RUBRO 08 row in the year (a PIA/PIM row is enough); nothing else is read.
-- * Month spine 1..latest month present in that year's file (any entity, any rubro), so a month without
--   collection gets its row (0, year to date carried over). Month-0 rows, if a file has them, enter the YTD as
--   opening amounts, as in fct_execution_progress: the last month's YTD is the year's total.
-- * Taxes as columns (fct_revenue.municipal_tax): predial, alcabala, patrimonio_vehicular, otros_impuestos (other
--   1.1 taxes: juegos, espectaculos...), saldo_balance (1.9, last year's balance carried in RUBRO 08) and otros
--   (any other RUBRO 08 classifier); they add up to recaudado. Tax campaigns compare with impuestos_recaudado
--   (the four tax columns, without saldo de balance).
-- * pia / pim are ANNUAL (all RUBRO 08 rows of the year, whatever month they sit on) and repeated on every month
--   row: NOT additive over months. Month and YTD amounts are additive (month) or cumulative (YTD).

{%- set taxes = ['predial', 'alcabala', 'patrimonio_vehicular', 'otros_impuestos', 'saldo_balance', 'otros'] %}

with

own_revenue as (

    select * from {{ ref('fct_revenue') }}
    where tipo_gobierno = 'M'
        and rubro = '08'

),

municipalities as (

    select
        year,
        sec_ejec,
        max(ubigeo) as ubigeo,
        max(departamento_ejecutora) as department_code,
        max(departamento_ejecutora || provincia_ejecutora) as province_code,
        max(ejecutora_nombre) as municipality_name,
        max(departamento_ejecutora_nombre) as department_name,
        max(provincia_ejecutora_nombre) as province_name,
        max(distrito_ejecutora_nombre) as district_name,
        sum(monto_pia) as pia,
        sum(monto_pim) as pim
    from own_revenue
    group by year, sec_ejec

),

month_spine as (

    select
        year,
        unnest(range(1, cast(max(month) as bigint) + 1)) as month
    from {{ ref('fct_revenue') }}
    where month >= 1
    group by year

),

municipality_months as (

    select
        municipalities.*,
        cast(month_spine.month as smallint) as month
    from municipalities
    inner join month_spine
        on municipalities.year = month_spine.year

),

monthly_amounts as (

    -- month 0, if any, stays its own month here so that it enters the YTD below as an opening amount
    select
        year,
        month,
        sec_ejec,
        sum(monto_recaudado) as recaudado,
        {%- for tax in taxes %}
        sum(monto_recaudado) filter (where municipal_tax = '{{ tax }}') as recaudado_{{ tax }},
        {%- endfor %}
        sum(source_row_count) as source_row_count,
        string_agg(distinct _source_sha256, ',' order by _source_sha256) as _source_sha256,
        list_sort(flatten(list(_source_rows))) as _source_rows,
        max(_load_id) as _load_id,
        max(_loaded_at) as _loaded_at
    from own_revenue
    group by year, month, sec_ejec

),

opening_amounts as (

    select * from monthly_amounts
    where month = 0

),

municipality_month_amounts as (

    select
        municipality_months.*,
        coalesce(monthly_amounts.recaudado, 0) as recaudado_month,
        coalesce(opening_amounts.recaudado, 0) as recaudado_opening,
        {%- for tax in taxes %}
        coalesce(monthly_amounts.recaudado_{{ tax }}, 0) as recaudado_{{ tax }}_month,
        coalesce(opening_amounts.recaudado_{{ tax }}, 0) as recaudado_{{ tax }}_opening,
        {%- endfor %}
        coalesce(monthly_amounts.source_row_count, 0) as source_row_count,
        monthly_amounts._source_sha256,
        coalesce(monthly_amounts._source_rows, []) as _source_rows,
        monthly_amounts._load_id,
        monthly_amounts._loaded_at
    from municipality_months
    left join monthly_amounts
        on municipality_months.year = monthly_amounts.year
        and municipality_months.month = monthly_amounts.month
        and municipality_months.sec_ejec = monthly_amounts.sec_ejec
    left join opening_amounts
        on municipality_months.year = opening_amounts.year
        and municipality_months.sec_ejec = opening_amounts.sec_ejec

),

year_to_date as (

    select
        *,
        {%- for tax in taxes %}
        recaudado_{{ tax }}_opening + sum(recaudado_{{ tax }}_month) over municipality_year_to_month
            as recaudado_{{ tax }}_ytd,
        {%- endfor %}
        recaudado_opening + sum(recaudado_month) over municipality_year_to_month as recaudado_ytd
    from municipality_month_amounts
    window municipality_year_to_month as (
        partition by year, sec_ejec
        order by month
        rows between unbounded preceding and current row
    )

),

final as (

    select
        {{ hash_key(['sec_ejec', 'year', 'month']) }} as municipal_own_revenue_key,
        sec_ejec,
        year,
        month,
        ubigeo,
        department_code,
        province_code,
        municipality_name,
        department_name,
        province_name,
        district_name,
        cast(recaudado_month as decimal(18, 2)) as recaudado_month,
        cast(recaudado_ytd as decimal(18, 2)) as recaudado_ytd,
        cast(
            recaudado_predial_month + recaudado_alcabala_month + recaudado_patrimonio_vehicular_month
            + recaudado_otros_impuestos_month as decimal(18, 2)
        ) as impuestos_recaudado_month,
        cast(
            recaudado_predial_ytd + recaudado_alcabala_ytd + recaudado_patrimonio_vehicular_ytd
            + recaudado_otros_impuestos_ytd as decimal(18, 2)
        ) as impuestos_recaudado_ytd,
        {%- for tax in taxes %}
        cast(recaudado_{{ tax }}_month as decimal(18, 2)) as recaudado_{{ tax }}_month,
        cast(recaudado_{{ tax }}_ytd as decimal(18, 2)) as recaudado_{{ tax }}_ytd,
        {%- endfor %}
        cast(pia as decimal(18, 2)) as pia_annual,
        cast(pim as decimal(18, 2)) as pim_annual,
        {{ percent_of('recaudado_ytd', 'pim') }} as pct_pim_collected_ytd,
        source_row_count,
        _source_sha256,
        _source_rows,
        _load_id,
        _loaded_at
    from year_to_date

)

select * from final
