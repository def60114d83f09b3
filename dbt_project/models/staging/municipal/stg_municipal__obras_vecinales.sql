-- One row per raw neighbourhood work funded by a municipal tax campaign: no filtering, no joins. The columns are the
-- contract's (contracts/municipal-obras-vecinales.yaml, through the generated source); empty strings become NULL (a
-- work without CUI has cui NULL). Renamed: the year (ano -> year, as the other staging models).

with

source as (

    select * from {{ source('raw', 'municipal_obras_vecinales') }}

),

renamed as (

    select
        {{ staged_columns('municipal_obras_vecinales', rename={'ano': 'year'}) }}

    from source

),

final as (

    select * from renamed

)

select * from final
