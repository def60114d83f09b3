-- One row per raw SIAF row: no filtering, no deduplication, no joins.
-- Codes stay zero-padded text; MEF's empty strings become NULL; amounts keep their sign (negatives are reversals).

with

source as (

    select * from {{ source('siaf', 'siaf_gasto') }}

),

renamed as (

    select
        -- period
        ano_eje as year,
        mes_eje as month,

        -- institutional classification
        nullif(nivel_gobierno, '') as nivel_gobierno,
        nullif(nivel_gobierno_nombre, '') as nivel_gobierno_nombre,
        nullif(sector, '') as sector,
        nullif(sector_nombre, '') as sector_nombre,
        nullif(pliego, '') as pliego,
        nullif(pliego_nombre, '') as pliego_nombre,
        nullif(sec_ejec, '') as sec_ejec,
        nullif(ejecutora, '') as ejecutora,
        nullif(ejecutora_nombre, '') as ejecutora_nombre,
        nullif(departamento_ejecutora, '') as departamento_ejecutora,
        nullif(departamento_ejecutora_nombre, '') as departamento_ejecutora_nombre,
        nullif(provincia_ejecutora, '') as provincia_ejecutora,
        nullif(provincia_ejecutora_nombre, '') as provincia_ejecutora_nombre,
        nullif(distrito_ejecutora, '') as distrito_ejecutora,
        nullif(distrito_ejecutora_nombre, '') as distrito_ejecutora_nombre,

        -- programmatic and functional classification
        nullif(sec_func, '') as sec_func,
        nullif(programa_ppto, '') as programa_ppto,
        nullif(programa_ppto_nombre, '') as programa_ppto_nombre,
        nullif(tipo_act_proy, '') as tipo_act_proy,
        nullif(tipo_act_proy_nombre, '') as tipo_act_proy_nombre,
        nullif(producto_proyecto, '') as producto_proyecto,
        nullif(producto_proyecto_nombre, '') as producto_proyecto_nombre,
        nullif(actividad_accion_obra, '') as actividad_accion_obra,
        nullif(actividad_accion_obra_nombre, '') as actividad_accion_obra_nombre,
        nullif(funcion, '') as funcion,
        nullif(funcion_nombre, '') as funcion_nombre,
        nullif(division_funcional, '') as division_funcional,
        nullif(division_funcional_nombre, '') as division_funcional_nombre,
        nullif(grupo_funcional, '') as grupo_funcional,
        nullif(grupo_funcional_nombre, '') as grupo_funcional_nombre,
        nullif(meta, '') as meta,
        nullif(finalidad, '') as finalidad,
        nullif(meta_nombre, '') as meta_nombre,
        nullif(departamento_meta, '') as departamento_meta,
        nullif(departamento_meta_nombre, '') as departamento_meta_nombre,

        -- funding
        nullif(fuente_financiamiento, '') as fuente_financiamiento,
        nullif(fuente_financiamiento_nombre, '') as fuente_financiamiento_nombre,
        nullif(rubro, '') as rubro,
        nullif(rubro_nombre, '') as rubro_nombre,
        nullif(tipo_recurso, '') as tipo_recurso,
        nullif(tipo_recurso_nombre, '') as tipo_recurso_nombre,

        -- economic classification
        nullif(categoria_gasto, '') as categoria_gasto,
        nullif(categoria_gasto_nombre, '') as categoria_gasto_nombre,
        nullif(tipo_transaccion, '') as tipo_transaccion,
        nullif(generica, '') as generica,
        nullif(generica_nombre, '') as generica_nombre,
        nullif(subgenerica, '') as subgenerica,
        nullif(subgenerica_nombre, '') as subgenerica_nombre,
        nullif(subgenerica_det, '') as subgenerica_det,
        nullif(subgenerica_det_nombre, '') as subgenerica_det_nombre,
        nullif(especifica, '') as especifica,
        nullif(especifica_nombre, '') as especifica_nombre,
        nullif(especifica_det, '') as especifica_det,
        nullif(especifica_det_nombre, '') as especifica_det_nombre,

        -- amounts, soles
        monto_pia,
        monto_pim,
        monto_certificado,
        monto_comprometido_anual,
        monto_comprometido,
        monto_devengado,
        monto_girado,

        -- lineage
        _source_sha256,
        _source_row,
        _load_id,
        _loaded_at

    from source

),

final as (

    select * from renamed

)

select * from final
