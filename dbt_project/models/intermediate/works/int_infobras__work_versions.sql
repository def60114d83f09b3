-- Type-2 history of every InfObras work, rebuilt from the kept loads (stg_infobras__obras_history):
-- one row per work x period during which its tracked state did not change.
--
-- * Loads are ordered by (_loaded_at, _load_id) and numbered (load_seq). Per work, a row starts a new version when
--   it is the work's first load, when the work was absent from the load just before, or when the tracked state
--   differs from the previous load's. A running sum of those starts numbers the versions.
-- * valid_from = _loaded_at of the first load showing the state; valid_to = _loaded_at of the load that follows the
--   version's last load (the next change, or the first load the work is missing from); NULL while the version is in
--   the latest load (current). Intervals are [valid_from, valid_to).
-- * Only window functions over the loads: rebuilding from every kept load gives exactly what building after each
--   load would have given (tests/test_works.py checks it).

{%- set tracked = [
    'estado_ejecucion', 'avance_fisico_real_pct', 'avance_financiero_pct', 'existe_paralizacion',
    'causal_paralizacion', 'costo_actualizado', 'fecha_fin_reprogramada',
] %}

with

history as (

    select * from {{ ref('stg_infobras__obras_history') }}

),

loads as (

    select
        _load_id,
        _loaded_at,
        row_number() over (order by _loaded_at, _load_id) as load_seq
    from (select distinct _load_id, _loaded_at from history)

),

states as (

    select
        history.codigo_infobras,
        history.cui,
        {%- for column in tracked %}
        history.{{ column }},
        {%- endfor %}
        {{ hash_key(tracked) }} as state_hash,
        loads.load_seq,
        history._loaded_at,
        history._load_id,
        history._source_sha256,
        history._source_row
    from history
    inner join loads
        on history._load_id = loads._load_id

),

flagged as (

    select
        *,
        case
            when lag(load_seq) over work_loads is null then 1
            when lag(load_seq) over work_loads <> load_seq - 1 then 1
            when lag(state_hash) over work_loads <> state_hash then 1
            else 0
        end as starts_version
    from states
    window work_loads as (partition by codigo_infobras order by load_seq)

),

numbered as (

    select
        *,
        sum(starts_version) over (
            partition by codigo_infobras order by load_seq rows between unbounded preceding and current row
        ) as version_number
    from flagged

),

versions as (

    select
        codigo_infobras,
        version_number,
        min(load_seq) as first_load_seq,
        max(load_seq) as last_load_seq,
        count(*) as load_count,
        min(_loaded_at) as valid_from,
        -- the state and lineage of the version's first load (the state is the same in all its loads)
        arg_min(cui, load_seq) as cui,
        {%- for column in tracked %}
        arg_min({{ column }}, load_seq) as {{ column }},
        {%- endfor %}
        arg_min(_load_id, load_seq) as _load_id,
        arg_min(_source_sha256, load_seq) as _source_sha256,
        arg_min(_source_row, load_seq) as _source_row
    from numbered
    group by codigo_infobras, version_number

),

closed as (

    select
        versions.*,
        next_load._loaded_at as valid_to,
        case
            when next_load.load_seq is null then null
            when lead(versions.first_load_seq) over (
                partition by versions.codigo_infobras order by versions.version_number
            ) = versions.last_load_seq + 1 then 'changed'
            else 'absent from load'
        end as ended_by
    from versions
    left join loads as next_load
        on next_load.load_seq = versions.last_load_seq + 1

),

final as (

    select
        {{ hash_key(['codigo_infobras', 'version_number']) }} as work_version_key,
        codigo_infobras,
        version_number,
        valid_from,
        valid_to,
        valid_to is null as is_current,
        ended_by,
        load_count,
        cui,
        {%- for column in tracked %}
        {{ column }},
        {%- endfor %}
        -- paralysed: InfObras's own flag, or the status says so (entities fill one and not the other)
        coalesce(upper(strip_accents(existe_paralizacion)) = 'SI', false)
            or coalesce(upper(strip_accents(estado_ejecucion)) = 'PARALIZADA', false) as is_paralysed,
        _load_id,
        _source_sha256,
        _source_row
    from closed

)

select * from final
