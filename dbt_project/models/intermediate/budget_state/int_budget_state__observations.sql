-- The instants at which the budget of a fiscal year was observed: every load a build captured
-- (snp_budget_state__loads_captured), and every later reload of the same file that the loader found identical
-- to the current one (ops.load_log status 'unchanged': no new data, but the state was seen again that day).
-- A month holds an observation when one of these instants falls in it.

with

captured as (

    select * from {{ ref('snp_budget_state__loads_captured') }}

),

load_log as (

    select * from {{ source('ingest_ops', 'load_log') }}

),

captured_loads as (

    select
        year,
        load_id,
        loaded_at as observed_at,
        'captured' as observation_kind
    from captured

),

identical_reloads as (

    -- distinct: a file loaded twice (superseded in between) is captured twice under two load ids
    select distinct
        captured.year,
        load_log.load_id,
        load_log.started_at as observed_at,
        'identical_reload' as observation_kind
    from load_log
    inner join captured
        on load_log.sha256 = captured.source_sha256
        and load_log.started_at >= captured.loaded_at
    where load_log.status = 'unchanged'

),

final as (

    select * from captured_loads
    union all
    select * from identical_reloads

)

select * from final
