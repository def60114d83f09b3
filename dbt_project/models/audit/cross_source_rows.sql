-- One row per data row of the current source files (SIAF gasto and INEI's ubigeo table): was it read (load log),
-- rejected (ops.rejects), in raw, in staging, summed into marts.fct_budget_execution, and which rows of its file are
-- identical to it. Suite cross_source_rows (expectations/gx) validates the flags; a flag is computed here once.

with

current_loads as (

    select distinct
        load_log.load_id,
        load_log.source,
        load_log.sha256,
        load_log.rows_read
    from {{ source('audit_ops', 'current_partitions') }} as current_partitions
    inner join {{ source('audit_ops', 'load_log') }} as load_log
        on load_log.load_id = current_partitions.load_id

),

rejected as (

    -- reason only: the rejected line itself (ops.rejects' text column) may carry people's names
    select
        rejects.source,
        rejects.sha256 as _source_sha256,
        rejects.source_row as _source_row,
        string_agg(rejects.reason, '; ') as rejected_reason
    from {{ source('audit_ops', 'rejects') }} as rejects
    where rejects.load_id in (select load_id from current_loads)
    group by all

),

row_hashes as (

    -- rows are grouped by a hash of their data columns first; only rows sharing a hash are compared column by column
    select
        _source_sha256,
        _source_row,
        hash(*columns(* exclude (_source_sha256, _source_row, _load_id, _loaded_at))) as row_hash
    from {{ source('raw', 'siaf_gasto') }}

),

repeated_hashes as (

    select row_hash from row_hashes group by row_hash having count(*) > 1

),

identical_groups as (

    select
        list(distinct {'sha256': _source_sha256, 'row': _source_row}) as members,
        list(distinct _source_row order by _source_row) as identical_rows,
        * exclude (_source_sha256, _source_row, _load_id, _loaded_at)
    from {{ source('raw', 'siaf_gasto') }}
    where (_source_sha256, _source_row) in (
        select (_source_sha256, _source_row) from row_hashes
        where row_hash in (select row_hash from repeated_hashes)
    )
    group by all
    having count(distinct (_source_sha256, _source_row)) > 1

),

identical as (

    select
        member.sha256 as _source_sha256,
        member.row as _source_row,
        identical_rows
    from (select unnest(members) as member, identical_rows from identical_groups) as groups

),

sightings as (

    -- one row per sighting of a file row; seen_in: 1 read (load log), 2 rejected, 3 raw, 4 staging, 5 marts
    select
        source,
        sha256 as _source_sha256,
        unnest(range(1, rows_read + 1)) as _source_row,
        1 as seen_in
    from current_loads
    union all
    select source, _source_sha256, _source_row, 2 from rejected
    union all
    select 'siaf-gasto', _source_sha256, _source_row, 3 from {{ source('raw', 'siaf_gasto') }}
    union all
    select 'ubigeo-inei', _source_sha256, _source_row, 3 from {{ source('raw', 'ubigeo_inei') }}
    union all
    select 'siaf-gasto', _source_sha256, _source_row, 4 from {{ ref('stg_siaf__gasto') }}
    union all
    select 'ubigeo-inei', _source_sha256, _source_row, 4 from {{ ref('stg_reference__ubigeo_districts') }}
    union all
    -- Devengado-file years are reconciled by dbt's assert_budget_execution_reconciles_to_siaf_files
    select 'siaf-gasto', _source_sha256, unnest(_source_rows), 5 from {{ ref('fct_budget_execution') }}
    where source_contract = 'siaf-gasto'

),

counted as (

    select
        source,
        _source_sha256,
        _source_row,
        count(*) filter (where seen_in = 1) as read_n,
        count(*) filter (where seen_in = 2) as rejected_n,
        count(*) filter (where seen_in = 3) as raw_n,
        count(*) filter (where seen_in = 4) as staging_n,
        count(*) filter (where seen_in = 5) as marts_n
    from sightings
    group by source, _source_sha256, _source_row

),

final as (

    select
        counted.source,
        counted._source_sha256,
        counted._source_row,
        cast(case when counted.source in ('siaf-gasto', 'ubigeo-inei')
            then case when counted.read_n > 0 and counted.rejected_n = 0 then 1 else 0 end end as bigint) as loaded,
        cast(case when counted.source in ('siaf-gasto', 'ubigeo-inei') then counted.raw_n end as bigint) as in_raw,
        cast(case when counted.source in ('siaf-gasto', 'ubigeo-inei') then counted.staging_n end as bigint)
            as in_staging,
        cast(case when counted.source = 'siaf-gasto' then counted.marts_n end as bigint) as in_marts,
        rejected.rejected_reason,
        identical.identical_rows
    from counted
    left join rejected
        on rejected.source = counted.source
        and rejected._source_sha256 = counted._source_sha256
        and rejected._source_row = counted._source_row
    left join identical
        on counted.source = 'siaf-gasto'
        and identical._source_sha256 = counted._source_sha256
        and identical._source_row = counted._source_row

)

select * from final
