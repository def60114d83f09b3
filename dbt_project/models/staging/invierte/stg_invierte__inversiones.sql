-- One row per raw Invierte.pe row (one investment = CUI in one district of its location): no filtering, no
-- deduplication, no joins; the same CUI repeats once per district. The CUI and the ubigeo are text as the loader
-- read them (7 and 6 digits, the ubigeo's lost leading zero restored); empty strings become NULL. The columns are the
-- contract's (contracts/invierte-inversiones.yaml, through the generated source): see macros/staged_columns.sql.
-- Nothing is renamed.

with

source as (

    select * from {{ source('raw', 'invierte_inversiones') }}

),

renamed as (

    select
        {{ staged_columns('invierte_inversiones') }}

    from source

),

final as (

    select * from renamed

)

select * from final
