-- Every rated indicator's status is the band its progress_pct falls in under the bands recorded on the row (the dbt
-- vars of the run), progress_pct is NULL exactly when status_reason is set, and progress_pct is 100 * (valor -
-- baseline) / (meta - baseline) within rounding to 2 decimals. Returns the rows that break any of these.

with

indicators as (

    select * from {{ ref('fct_program_indicators') }}

),

final as (

    select *
    from indicators
    where (progress_pct is null) <> (status_reason is not null)
        or (status is null) <> (progress_pct is null)
        or status <> case
            when progress_pct >= on_track_min_pct then 'on_track'
            when progress_pct >= at_risk_min_pct then 'at_risk'
            else 'off_track'
        end
        or abs(
            progress_pct
            - 100 * cast(valor - linea_base_valor as double) / cast(meta_valor - linea_base_valor as double)
        ) > 0.005 + 1e-9

)

select * from final
