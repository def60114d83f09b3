-- One row per work of the current InfObras load (raw.infobras_obras): no filtering, no deduplication, no joins.
-- Codes stay text (codigo_infobras, the 7-digit CUI, the entity's own code); empty strings become NULL; amounts,
-- percentages and dates are already typed by the loader. Places are NAMES only (no ubigeo): int_works__places
-- resolves them to INEI ubigeos. The columns are the contract's (contracts/infobras-obras.yaml, through the
-- generated source): see macros/staged_columns.sql. Nothing is renamed.

with

source as (

    select * from {{ source('raw', 'infobras_obras') }}

),

renamed as (

    select
        {{ staged_columns('infobras_obras') }}

    from source

),

final as (

    select * from renamed

)

select * from final
