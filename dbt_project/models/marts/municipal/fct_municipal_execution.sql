-- Budget execution of every municipality (SIAF executing unit) in each fiscal year, from MEF's Consulta Amigable
-- "¿Quién gasta?" table, with INEI's names for its district, province and department.
--
-- * Grain: sec_ejec x year, exactly one source row per mart row. Nothing is aggregated: a (sec_ejec, year) that
--   repeats in raw (two files or two rows for one municipality and year) fails the key test in dbt build instead
--   of being summed or dropped, so each figure cites one file row (_source_sha256, _source_row).
-- * execution_pct = 100 * devengado / PIM, unrounded (DOUBLE), NULL when PIM = 0. The file's amounts are whole
--   soles while MEF computed Avance % from amounts with cents, so rounding execution_pct to one decimal differs
--   from MEF's figure by 0.1 on a few rows; the unrounded value stays within 0.051 points of it
--   (tests/singular/assert_municipal_execution_pct_matches_published.sql).
-- * A municipality whose ubigeo is not an INEI district keeps its row, with NULL INEI names and ubigeo_in_inei false.

with

municipalidades as (

    select * from {{ ref('stg_consulta_amigable__municipalidades') }}

),

inei_districts as (

    select * from {{ ref('stg_reference__ubigeo_districts') }}

),

joined as (

    select
        municipalidades.*,
        inei_districts.ubigeo is not null as ubigeo_in_inei,
        inei_districts.district_name,
        inei_districts.province_name,
        inei_districts.department_name
    from municipalidades
    left join inei_districts
        on municipalidades.ubigeo = inei_districts.ubigeo

),

with_percentages as (

    select
        *,
        case
            when coalesce(monto_pim, 0) = 0 then null
            else 100 * cast(monto_devengado as double) / cast(monto_pim as double)
        end as execution_pct,
        cast(avance_pct_published as double) as execution_pct_published
    from joined

),

final as (

    select
        -- grain
        sec_ejec,
        year,

        -- where: codes from the file, names from INEI
        ubigeo,
        departamento_code as department_code,
        provincia_code as province_code,
        ubigeo_in_inei,
        district_name,
        province_name,
        department_name,
        municipalidad_nombre as municipality_name,

        -- amounts, whole soles
        monto_pia,
        monto_pim,
        monto_certificado,
        monto_comprometido_anual,
        monto_comprometido_mensual,
        monto_devengado,
        monto_girado,

        -- execution %
        execution_pct,
        execution_pct_published,
        execution_pct - execution_pct_published as execution_pct_difference,

        -- lineage
        _source_sha256,
        _source_row,
        _load_id,
        _loaded_at

    from with_percentages

)

select * from final
