-- The SIAF Devengado mensual file in the gasto file's grain (stg_siaf__gasto's columns, same names and types), so
-- int_siaf__budget_lines can feed either file to the same marts. Each raw row (a budget line's year) becomes:
-- * one year row, month 0 (as the PIA/PIM rows of older gasto files): PIA, PIM and the file's annual certificado,
--   comprometido anual and girado, devengado 0 (the devengado is all on the month rows);
-- * one month row per month whose devengado is not 0: that devengado, PIA/PIM 0 like the gasto file's monthly rows,
--   and certificado, comprometido anual, comprometido and girado NULL: the file has them only for the year, so they
--   are never spread over months nor shown as a month's figure.
-- A month with devengado 0 gets no row, as a gasto file has rows only for the months a line moved.
-- MEF's TIPO_TRANSACCION_NOMBRE is not carried (the gasto grain has no such column); tipo_act_proy_nombre, which
-- this file lacks, is NULL as in the older gasto layout. Lineage: every row keeps its raw row's file and row.

{%- set months = [
    'enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio',
    'julio', 'agosto', 'septiembre', 'octubre', 'noviembre', 'diciembre',
] %}
{%- set annual_amounts = [
    'monto_pia', 'monto_pim', 'monto_certificado_anual', 'monto_comprometido_anual',
    'monto_devengado_anual', 'monto_girado_anual',
] %}
{%- set lineage = ['_source_sha256', '_source_row', '_load_id', '_loaded_at'] %}
{%- set not_classification = ['year', 'tipo_transaccion_nombre'] + annual_amounts + lineage %}
{%- for month in months %}{% do not_classification.append('monto_devengado_' ~ month) %}{% endfor %}

with

devengado as (

    select * from {{ ref('stg_siaf__devengado_mensual') }}

),

classified as (

    -- the gasto grain's column order: year, month, classification (with tipo_act_proy_nombre), amounts, lineage
    select
        year,
        * exclude ({{ not_classification | join(', ') }}),
        cast(null as varchar) as tipo_act_proy_nombre,
        monto_pia,
        monto_pim,
        monto_certificado_anual,
        monto_comprometido_anual,
        monto_girado_anual,
        [{% for month in months %}monto_devengado_{{ month }}{% if not loop.last %}, {% endif %}{% endfor %}]
            as devengado_by_month,
        {{ lineage | join(', ') }}
    from devengado

),

year_rows as (

    select
        year,
        cast(0 as smallint) as month,
        * exclude (year, monto_pia, monto_pim, monto_certificado_anual, monto_comprometido_anual,
            monto_girado_anual, devengado_by_month, {{ lineage | join(', ') }}),
        monto_pia,
        monto_pim,
        monto_certificado_anual as monto_certificado,
        monto_comprometido_anual,
        cast(null as decimal(18, 2)) as monto_comprometido,
        cast(0 as decimal(18, 2)) as monto_devengado,
        monto_girado_anual as monto_girado,
        {{ lineage | join(', ') }}
    from classified

),

unpivoted as (

    select
        *,
        unnest(range(1, 13)) as month_number,
        unnest(devengado_by_month) as month_devengado
    from classified

),

month_rows as (

    select
        year,
        cast(month_number as smallint) as month,
        * exclude (year, monto_pia, monto_pim, monto_certificado_anual, monto_comprometido_anual,
            monto_girado_anual, devengado_by_month, month_number, month_devengado, {{ lineage | join(', ') }}),
        cast(0 as decimal(18, 2)) as monto_pia,
        cast(0 as decimal(18, 2)) as monto_pim,
        cast(null as decimal(18, 2)) as monto_certificado,
        cast(null as decimal(18, 2)) as monto_comprometido_anual,
        cast(null as decimal(18, 2)) as monto_comprometido,
        month_devengado as monto_devengado,
        cast(null as decimal(18, 2)) as monto_girado,
        {{ lineage | join(', ') }}
    from unpivoted
    where month_devengado <> 0

),

final as (

    select * from year_rows
    union all by name
    select * from month_rows

)

select * from final
