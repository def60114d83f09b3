-- One row per raw SIAF Devengado mensual row: no filtering, no deduplication, no joins.
-- Codes stay zero-padded text; MEF's empty strings become NULL; amounts keep their sign (negatives are reversals).
-- The columns are the contract's (contracts/siaf-devengado-mensual.yaml, through the generated source): see
-- macros/staged_columns.sql. Only the year is renamed, as in stg_siaf__gasto. The twelve month columns are
-- unpivoted into the gasto grain by int_siaf__devengado_months; MONTO_DEVENGADO_ANUAL = sum of the months is
-- checked by tests/singular/assert_devengado_mensual_annual_equals_months.sql.

with

source as (

    select * from {{ source('raw', 'siaf_devengado_mensual') }}

),

renamed as (

    select
        {{ staged_columns('siaf_devengado_mensual', rename={'ano_eje': 'year'}) }}

    from source

),

final as (

    select * from renamed

)

select * from final
