-- One row per raw SIAF row: no filtering, no deduplication, no joins.
-- Codes stay zero-padded text; MEF's empty strings become NULL; amounts keep their sign (negatives are reversals).
-- The columns are the contract's (contracts/siaf-gasto.yaml, through the generated source): see
-- macros/staged_columns.sql. Only the period is renamed.

with

source as (

    select * from {{ source('raw', 'siaf_gasto') }}

),

renamed as (

    select
        {{ staged_columns('siaf_gasto', rename={'ano_eje': 'year', 'mes_eje': 'month'}) }}

    from source

),

final as (

    select * from renamed

)

select * from final
