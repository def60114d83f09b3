-- One work's history for readers: every version of every InfObras work (status, physical and financial progress,
-- paralysis, updated cost, reprogrammed end) with the period it held, from int_infobras__work_versions. InfObras
-- publishes only today's state; the versions are rebuilt from every kept load, so this mart is what the dashboard's
-- "historia de una obra" and an auditor read, with the load and file row each version was first seen in.

with

versions as (

    select * from {{ ref('int_infobras__work_versions') }}

),

final as (

    select
        work_version_key,
        codigo_infobras,
        cui,
        version_number,
        valid_from,
        valid_to,
        is_current,
        ended_by,
        load_count,
        estado_ejecucion,
        avance_fisico_real_pct,
        avance_financiero_pct,
        is_paralysed,
        causal_paralizacion,
        costo_actualizado,
        fecha_fin_reprogramada,
        _load_id,
        _source_sha256,
        _source_row
    from versions

)

select * from final
