-- Every row of every kept InfObras load (raw.infobras_obras__history: the contract keeps all loads), one row per
-- work x load: what the work-version history (int_infobras__work_versions) is built, and rebuilt, from. _loaded_at
-- is the load's date and _load_id tells the loads apart. Same columns and cleaning as stg_infobras__obras.

with

source as (

    select * from {{ source('raw', 'infobras_obras__history') }}

),

renamed as (

    select
        {{ staged_columns('infobras_obras__history') }}

    from source

),

final as (

    select * from renamed

)

select * from final
