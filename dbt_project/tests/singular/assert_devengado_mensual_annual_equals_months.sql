{{ config(severity='error', store_failures=true) }}
-- MEF's MONTO_DEVENGADO_ANUAL equals the sum of MONTO_DEVENGADO_ENERO ... DICIEMBRE on every row of a SIAF
-- Devengado mensual file (+/- 0.01 soles). A row that does not is returned with its file (SHA-256) and data row, so
-- an auditor finds it in the file and in raw.siaf_devengado_mensual; the failing rows are also stored
-- (store_failures: dbt names the table, dbt_test__audit.assert_devengado_mensual_annual_equals_months).

with

devengado as (

    select * from {{ ref('stg_siaf__devengado_mensual') }}

),

compared as (

    select
        _source_sha256,
        _source_row,
        _load_id,
        year,
        sec_ejec,
        monto_devengado_anual,
        monto_devengado_enero + monto_devengado_febrero + monto_devengado_marzo + monto_devengado_abril
        + monto_devengado_mayo + monto_devengado_junio + monto_devengado_julio + monto_devengado_agosto
        + monto_devengado_septiembre + monto_devengado_octubre + monto_devengado_noviembre
        + monto_devengado_diciembre as sum_of_months
    from devengado

),

final as (

    select
        _source_sha256,
        _source_row,
        _load_id,
        year,
        sec_ejec,
        monto_devengado_anual,
        sum_of_months,
        'file ' || _source_sha256 || ' data row ' || _source_row || ': MONTO_DEVENGADO_ANUAL '
        || monto_devengado_anual || ' but the twelve months sum to ' || sum_of_months as problem
    from compared
    -- a NULL amount (not possible through the loader: every amount is required) also fails the check
    where abs(monto_devengado_anual - sum_of_months) > 0.01
        or sum_of_months is null
        or monto_devengado_anual is null

)

select * from final
