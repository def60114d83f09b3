-- Budget-programme indicators against their targets: one row per programa_ppto x indicator x year x area (ambito)
-- from the M&E unit's indicator file, with progress toward the target and a status, and beside it the SIAF budget of
-- the same programme, year and area (fct_program_budget; NULL for districts, and for years or areas SIAF has not
-- loaded). The budget columns repeat on every indicator of a programme x year x area: never sum them here (use
-- fct_program_performance).
--
-- progress_pct = 100 * (valor - linea_base_valor) / (meta_valor - linea_base_valor), rounded to 2 decimals before it
-- is compared with the bands. The formula needs no sign flip for `descendente` indicators (anaemia 60 -> target 40,
-- value 45: -15 / -20 = 75 %); sentido is used to refuse a target on the wrong side of the baseline. No status, with
-- the reason, when the value, baseline or target is missing, the target equals the baseline, or contradicts sentido.

with

indicators as (

    select * from {{ ref('stg_pp_indicadores__indicators') }}

),

programs as (

    select * from {{ ref('dim_budget_program') }}

),

budget as (

    select * from {{ ref('fct_program_budget') }}

),

reasoned as (

    select
        *,
        case
            when valor is null then 'no_value'
            when linea_base_valor is null then 'no_baseline'
            when meta_valor is null then 'no_target'
            when meta_valor = linea_base_valor then 'target_equals_baseline'
            when (sentido = 'ascendente' and meta_valor < linea_base_valor)
                or (sentido = 'descendente' and meta_valor > linea_base_valor)
                then 'target_contradicts_direction'
        end as status_reason
    from indicators

),

progressed as (

    select
        *,
        case
            when status_reason is null then
                -- exact: on units of 0.0001 (the file's DECIMAL(18,4)) in integers, rounded half away from zero,
                -- so a value exactly at a band's edge is never pushed below it by floating point
                cast(
                    cast(
                        sign(valor - linea_base_valor) * sign(meta_valor - linea_base_valor)
                        * (
                            (abs(cast((valor - linea_base_valor) * 10000 as hugeint)) * 20000
                                + abs(cast((meta_valor - linea_base_valor) * 10000 as hugeint)))
                            // (2 * abs(cast((meta_valor - linea_base_valor) * 10000 as hugeint)))
                        )
                        as decimal(38, 0)
                    ) * cast(0.01 as decimal(3, 2))
                    as decimal(18, 2)
                )
        end as progress_pct
    from reasoned

),

final as (

    select
        {{ hash_key(['progressed.year', 'progressed.programa_ppto', 'progressed.indicador_codigo', 'progressed.ambito']) }}
            as program_indicator_key,
        progressed.programa_ppto,
        coalesce(programs.programa_ppto_nombre, progressed.programa_nombre) as programa_ppto_nombre,
        programs.programa_ppto is not null as is_programme_in_siaf,
        progressed.indicador_codigo,
        progressed.indicador_nombre,
        progressed.unidad_medida,
        progressed.nivel,
        progressed.year,
        progressed.ambito,
        progressed.area_level,
        progressed.department_code,
        progressed.ubigeo,
        progressed.valor,
        progressed.linea_base_valor,
        progressed.linea_base_anio,
        progressed.meta_valor,
        progressed.meta_origen,
        progressed.meta_fuente,
        progressed.sentido,
        progressed.tipo_acumulacion,
        progressed.progress_pct,
        case
            when progressed.progress_pct is null then null
            when progressed.progress_pct >= {{ var('programs_on_track_min_pct') }} then 'on_track'
            when progressed.progress_pct >= {{ var('programs_at_risk_min_pct') }} then 'at_risk'
            else 'off_track'
        end as status,
        progressed.status_reason,
        cast({{ var('programs_on_track_min_pct') }} as decimal(9, 2)) as on_track_min_pct,
        cast({{ var('programs_at_risk_min_pct') }} as decimal(9, 2)) as at_risk_min_pct,
        budget.monto_pia,
        budget.monto_pim,
        budget.monto_devengado,
        budget.execution_pct,
        budget.execution_status,
        progressed.fuente,
        progressed.fuente_url,
        progressed.linea_base_fuente,
        progressed._source_sha256,
        progressed._source_row,
        progressed._load_id,
        progressed._loaded_at
    from progressed
    left join programs
        on progressed.programa_ppto = programs.programa_ppto
    left join budget
        on progressed.year = budget.year
        and progressed.programa_ppto = budget.programa_ppto
        and progressed.ambito = budget.ambito

)

select * from final
