-- One row per raw SSI row (one investment, identified by its CUI): no filtering, no deduplication, no joins.
-- Codes stay text (codigo_unico as 7 digits, snip as published); empty strings become NULL; amounts, percentages,
-- dates and months were read by the loader. The columns are the contract's (contracts/ssi-inversiones.yaml,
-- through the generated source): see macros/staged_columns.sql. Nothing is renamed.

with

source as (

    select * from {{ source('raw', 'ssi_inversiones') }}

),

renamed as (

    select
        {{ staged_columns('ssi_inversiones') }}

    from source

),

final as (

    select * from renamed

)

select * from final
