-- Neighbourhood works funded by municipal tax campaigns, grain campaign x work, with where the work's investment
-- stands by CUI (marts.fct_investment_status): the SIAF PIM, devengado and execution % of the CUI's latest budget year,
-- its devengado summed over every SIAF year loaded, and the physical progress of its current InfObras works. A work
-- without a CUI (a minor work) or whose CUI SIAF has no project line for keeps its row with those columns NULL and
-- cui_in_siaf false. No person-level data: nothing to suppress.

with

works as (

    select * from {{ ref('stg_municipal__obras_vecinales') }}

),

investment_status as (

    select * from {{ ref('fct_investment_status') }}

),

latest_year as (

    select
        *,
        sum(monto_devengado) over (partition by cui) as monto_devengado_all_years
    from investment_status
    qualify row_number() over (partition by cui order by year desc) = 1

),

final as (

    select
        {{ hash_key(['works.ubigeo', 'works.campana', 'works.obra_numero']) }} as tax_campaign_work_key,
        works.ubigeo,
        works.campana,
        works.year,
        works.asociacion,
        works.obra_numero,
        works.obra,
        works.monto,
        works.cui,
        latest_year.cui is not null as cui_in_siaf,
        latest_year.year as siaf_year,
        latest_year.monto_pim as siaf_monto_pim,
        latest_year.monto_devengado as siaf_monto_devengado,
        latest_year.pct_execution as siaf_pct_execution,
        latest_year.in_budget,
        latest_year.executed,
        latest_year.monto_devengado_all_years as siaf_monto_devengado_all_years,
        latest_year.work_count as infobras_work_count,
        latest_year.avance_fisico_real_pct_min,
        latest_year.avance_fisico_real_pct_max,
        latest_year.any_work_paralysed,
        latest_year.built,
        latest_year.infobras_as_of_date,
        latest_year.siaf_loaded_at,
        works._source_sha256,
        works._source_row,
        works._load_id,
        works._loaded_at
    from works
    left join latest_year
        on works.cui = latest_year.cui

)

select * from final
