-- One row per raw row of the paralysed-works sheet (one InfObras work): no filtering, no deduplication, no joins.
-- cod_infobras and cui stay text (cui NULL where the sheet writes 0); empty strings become NULL; placeholders
-- ("Información no disponible") were already NULL in raw. The columns are the contract's
-- (contracts/obras-paralizadas-alertas.yaml, through the generated source): see macros/staged_columns.sql.
-- Nothing is renamed.

with

source as (

    select * from {{ source('raw', 'obras_paralizadas_alertas') }}

),

renamed as (

    select
        {{ staged_columns('obras_paralizadas_alertas') }}

    from source

),

final as (

    select * from renamed

)

select * from final
