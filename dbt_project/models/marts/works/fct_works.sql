-- One row per InfObras work in its current state (the latest load), with its place resolved to an INEI ubigeo
-- (int_works__places) and what only the kept history can tell (int_infobras__work_versions):
--
-- * paralysed_since: the valid_from of the first version of the current, unbroken run of paralysed versions (the load
--   date the pipeline first saw the paralysis); paralysed_before_history = true when that run starts at the work's
--   first kept load, so the paralysis may be older (InfObras's own fecha_paralizacion is kept next to it).
-- * physical_progress_since: since when the real physical progress has had its current value (the valid_from of the
--   first version of the trailing run with the same avance_fisico_real_pct); used by the red flags.
-- * as_of_date: the date of the load the current state comes from.

with

works as (

    select * from {{ ref('stg_infobras__obras') }}

),

places as (

    select * from {{ ref('int_works__places') }}

),

versions as (

    select * from {{ ref('int_infobras__work_versions') }}

),

current_versions as (

    select codigo_infobras, version_number, is_paralysed, avance_fisico_real_pct
    from versions
    where is_current

),

-- versions before the current one, compared with it
earlier as (

    select
        versions.codigo_infobras,
        max(case when not versions.is_paralysed then versions.version_number end) as last_unparalysed_version,
        max(
            case
                when versions.avance_fisico_real_pct is distinct from current_versions.avance_fisico_real_pct
                    then versions.version_number
            end
        ) as last_other_progress_version
    from versions
    inner join current_versions
        on versions.codigo_infobras = current_versions.codigo_infobras
    group by versions.codigo_infobras

),

runs as (

    select
        versions.codigo_infobras,
        versions.valid_from,
        -- in the current, unbroken run of paralysed versions
        current_versions.is_paralysed
            and versions.version_number > coalesce(earlier.last_unparalysed_version, 0) as in_paralysis_run,
        -- in the trailing run of versions with the current physical progress
        versions.version_number > coalesce(earlier.last_other_progress_version, 0) as in_progress_run
    from versions
    inner join current_versions
        on versions.codigo_infobras = current_versions.codigo_infobras
    inner join earlier
        on versions.codigo_infobras = earlier.codigo_infobras

),

history_facts as (

    select
        runs.codigo_infobras,
        any_value(current_versions.is_paralysed) as is_paralysed,
        min(runs.valid_from) filter (where runs.in_paralysis_run) as paralysed_since,
        coalesce(bool_or(runs.in_paralysis_run) and any_value(earlier.last_unparalysed_version) is null, false)
            as paralysed_before_history,
        min(runs.valid_from) filter (where runs.in_progress_run) as physical_progress_since,
        min(runs.valid_from) as first_seen_at
    from runs
    inner join current_versions
        on runs.codigo_infobras = current_versions.codigo_infobras
    inner join earlier
        on runs.codigo_infobras = earlier.codigo_infobras
    group by runs.codigo_infobras

),

final as (

    select
        -- the work
        works.codigo_infobras,
        works.cui,
        works.codigo_snip,
        works.nombre_obra,
        works.nombre_proyecto,
        works.tipo_obra_n1,
        works.naturaleza,

        -- who
        works.codigo_entidad,
        works.entidad,
        works.nivel_gobierno,
        works.sector,

        -- where: names as published, INEI's codes and names when they resolve
        works.departamento,
        works.provincia,
        works.distrito,
        places.ubigeo,
        places.ubigeo_resolved,
        places.department_code,
        places.department_name,
        places.province_code,
        places.province_name,
        places.district_name,

        -- status and progress
        works.estado_ejecucion,
        works.modalidad,
        works.avance_fisico_real_pct,
        works.avance_fisico_programado_pct,
        works.avance_fisico_real_pct - works.avance_fisico_programado_pct as physical_progress_gap_pct,
        works.avance_financiero_pct,
        cast(history_facts.physical_progress_since as date) as physical_progress_since,

        -- money
        works.monto_contrato,
        works.monto_viable,
        works.costo_actualizado,
        works.valorizacion_ejecutada,

        -- paralysis
        history_facts.is_paralysed,
        works.causal_paralizacion,
        works.dias_paralizado,
        works.fecha_paralizacion,
        cast(history_facts.paralysed_since as date) as paralysed_since,
        history_facts.paralysed_before_history,

        -- dates
        works.fecha_inicio,
        works.fecha_fin_programada,
        works.fecha_fin_reprogramada,
        works.fecha_fin_real,
        coalesce(works.fecha_fin_reprogramada, works.fecha_fin_programada) as planned_end_date,

        -- contractor (a company: RUC 20...)
        works.contratista,
        works.ruc_contratista,

        -- lineage
        cast(history_facts.first_seen_at as date) as first_seen_date,
        cast(works._loaded_at as date) as as_of_date,
        works._source_sha256,
        works._source_row,
        works._load_id,
        works._loaded_at

    from works
    left join places
        on works.codigo_infobras = places.codigo_infobras
    left join history_facts
        on works.codigo_infobras = history_facts.codigo_infobras

)

select * from final
