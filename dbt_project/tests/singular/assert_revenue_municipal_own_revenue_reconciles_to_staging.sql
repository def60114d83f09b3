-- fct_municipal_own_revenue holds exactly the staged RUBRO 08 rows of local governments (tipo_gobierno M), per
-- municipality and year: each row counted once, the last month's year-to-date recaudado equal to the staged total,
-- the annual PIA/PIM equal to the staged sums and repeated unchanged on every month, and the tax columns adding up
-- to recaudado on every row. Returns the municipality-years that differ.

with

staged as (

    select
        year,
        sec_ejec,
        count(*) as row_count,
        sum(monto_pia) as monto_pia,
        sum(monto_pim) as monto_pim,
        sum(monto_recaudado) as monto_recaudado
    from {{ ref('stg_siaf__ingreso') }}
    where tipo_gobierno = 'M'
        and rubro = '08'
    group by year, sec_ejec

),

mart as (

    select
        year,
        sec_ejec,
        sum(source_row_count) as row_count,
        sum(len(_source_rows)) as listed_row_count,
        min(pia_annual) as monto_pia,
        min(pim_annual) as monto_pim,
        count(distinct (pia_annual, pim_annual)) as annual_variants,
        arg_max(recaudado_ytd, month) as monto_recaudado,
        count(*) filter (
            where recaudado_month <> recaudado_predial_month + recaudado_alcabala_month
                + recaudado_patrimonio_vehicular_month + recaudado_otros_impuestos_month
                + recaudado_saldo_balance_month + recaudado_otros_month
            or recaudado_ytd <> recaudado_predial_ytd + recaudado_alcabala_ytd
                + recaudado_patrimonio_vehicular_ytd + recaudado_otros_impuestos_ytd
                + recaudado_saldo_balance_ytd + recaudado_otros_ytd
        ) as rows_whose_taxes_do_not_add_up
    from {{ ref('fct_municipal_own_revenue') }}
    group by year, sec_ejec

),

final as (

    select
        staged.year as staged_year,
        mart.year as mart_year,
        coalesce(staged.sec_ejec, mart.sec_ejec) as sec_ejec,
        staged.row_count as staged_rows,
        mart.row_count as mart_rows,
        staged.monto_recaudado as staged_recaudado,
        mart.monto_recaudado as mart_recaudado_ytd
    from staged
    full outer join mart
        on staged.year = mart.year
        and staged.sec_ejec = mart.sec_ejec
    where staged.year is null
        or mart.year is null
        or staged.row_count <> mart.row_count
        or staged.row_count <> mart.listed_row_count
        or staged.monto_pia <> mart.monto_pia
        or staged.monto_pim <> mart.monto_pim
        or mart.annual_variants <> 1
        or staged.monto_recaudado <> mart.monto_recaudado
        or mart.rows_whose_taxes_do_not_add_up > 0

)

select * from final
