-- The loads the warehouse's SIAF data comes from right now, one row per fiscal year x load. The snapshot
-- snp_budget_state__loads_captured keeps every one a build has seen, so it remembers which loads' states the
-- budget-line snapshot compared, including loads that changed no line.

with

budget_lines as (

    select * from {{ ref('int_siaf__budget_lines') }}

),

final as (

    select
        {{ hash_key(['year', '_load_id']) }} as year_load_key,
        year,
        _load_id as load_id,
        _source_sha256 as source_sha256,
        _loaded_at as loaded_at
    from budget_lines
    group by all

)

select * from final
