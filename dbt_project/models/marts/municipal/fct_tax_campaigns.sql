-- One row per municipal tax campaign (ubigeo x campaign): the published totals (associations, taxpayers reached,
-- amount collected, works funded, amount invested in them) and the debt reduction, with INEI's district names.
-- Taxpayers are counted over the whole campaign (a taxpayer paying in two associations counts once). Every figure
-- derived from payments is suppressed when the campaign counts fewer taxpayers than var('privacy_min_group_size').
-- The totals include the associations suppressed in fct_tax_campaign_associations (see its description).

with

payments as (

    select * from {{ ref('stg_municipal__recaudacion_campanas') }}

),

works as (

    select * from {{ ref('fct_tax_campaign_works') }}

),

associations as (

    select * from {{ ref('fct_tax_campaign_associations') }}

),

districts as (

    select * from {{ ref('stg_reference__ubigeo_districts') }}

),

own_revenue as (

    select * from {{ ref('fct_municipal_own_revenue') }}

),

-- the revenue side: the municipality's own tax collection in SIAF Ingreso (RUBRO 08) for the campaign year, year to
-- date at the latest month loaded (every executing unit with the campaign's ubigeo); NULL when no Ingreso load
-- covers that municipality and year
own_revenue_years as (

    select
        ubigeo,
        year,
        max(month) as through_month,
        cast(sum(impuestos_recaudado_ytd) as decimal(18, 2)) as impuestos_recaudado_ytd,
        cast(sum(recaudado_predial_ytd) as decimal(18, 2)) as predial_recaudado_ytd
    from (
        select * from own_revenue
        qualify month = max(month) over (partition by ubigeo, year)
    )
    group by ubigeo, year

),

campaign_payments as (

    select
        ubigeo,
        campana,
        cast(count_if(is_taxpayer_first_payment) as bigint) as taxpayers,
        count(*) as payment_count,
        cast(sum(monto_pagado) as decimal(18, 2)) as amount_collected,
        cast(sum(deuda_anterior) filter (where is_taxpayer_first_payment) as decimal(18, 2)) as debt_before,
        cast(sum(coalesce(beneficio_monto, 0)) as decimal(18, 2)) as benefits_granted,
        min(fecha_campana) as first_session_date,
        max(fecha_campana) as last_session_date,
        min(_source_sha256) as _source_sha256,
        max(_load_id) as _load_id,
        max(_loaded_at) as _loaded_at
    from payments
    group by ubigeo, campana

),

campaign_associations as (

    select
        ubigeo,
        campana,
        count(*) as association_count,
        count_if(is_suppressed_group) as suppressed_association_count,
        count_if(works_funded > 0) as associations_with_works
    from associations
    group by ubigeo, campana

),

campaign_works as (

    select
        ubigeo,
        campana,
        min(year) as year,
        count(*) as works_funded,
        cast(sum(monto) as decimal(18, 2)) as amount_invested,
        count(cui) as works_with_cui,
        count_if(cui_in_siaf) as works_in_siaf,
        count_if(executed) as works_executed,
        count_if(built) as works_built,
        cast(sum(siaf_monto_devengado_all_years) as decimal(18, 2)) as siaf_monto_devengado_all_years
    from works
    group by ubigeo, campana

),

joined as (

    select
        campaign_associations.ubigeo,
        campaign_associations.campana,
        coalesce(campaign_works.year, year(campaign_payments.first_session_date)) as year,
        campaign_associations.association_count,
        campaign_associations.suppressed_association_count,
        campaign_associations.associations_with_works,
        coalesce(campaign_payments.taxpayers, 0) as taxpayers,
        campaign_payments.payment_count,
        campaign_payments.amount_collected,
        campaign_payments.debt_before,
        campaign_payments.benefits_granted,
        campaign_payments.first_session_date,
        campaign_payments.last_session_date,
        coalesce(campaign_works.works_funded, 0) as works_funded,
        coalesce(campaign_works.amount_invested, 0) as amount_invested,
        coalesce(campaign_works.works_with_cui, 0) as works_with_cui,
        coalesce(campaign_works.works_in_siaf, 0) as works_in_siaf,
        coalesce(campaign_works.works_executed, 0) as works_executed,
        coalesce(campaign_works.works_built, 0) as works_built,
        campaign_works.siaf_monto_devengado_all_years,
        campaign_payments._source_sha256,
        campaign_payments._load_id,
        campaign_payments._loaded_at
    from campaign_associations
    left join campaign_payments
        on campaign_associations.ubigeo = campaign_payments.ubigeo
        and campaign_associations.campana = campaign_payments.campana
    left join campaign_works
        on campaign_associations.ubigeo = campaign_works.ubigeo
        and campaign_associations.campana = campaign_works.campana

),

final as (

    select
        {{ hash_key(['joined.ubigeo', 'joined.campana']) }} as tax_campaign_key,
        joined.ubigeo,
        districts.district_name,
        districts.province_name,
        districts.department_name,
        joined.campana,
        joined.year,
        joined.association_count,
        joined.suppressed_association_count,
        joined.associations_with_works,
        {{ suppress_small_group('joined.taxpayers', 'joined.taxpayers') }} as taxpayers_reached,
        {{ suppress_small_group('joined.payment_count', 'joined.taxpayers') }} as payment_count,
        {{ suppress_small_group('joined.amount_collected', 'joined.taxpayers') }} as amount_collected,
        {{ suppress_small_group('joined.debt_before', 'joined.taxpayers') }} as debt_before,
        {{ suppress_small_group(percent_of('joined.amount_collected', 'joined.debt_before'), 'joined.taxpayers') }}
            as debt_reduction_pct,
        {{ suppress_small_group('joined.benefits_granted', 'joined.taxpayers') }} as benefits_granted,
        {{ is_suppressed_group('joined.taxpayers') }} as is_suppressed_group,
        {{ suppress_small_group('joined.first_session_date', 'joined.taxpayers') }} as first_session_date,
        {{ suppress_small_group('joined.last_session_date', 'joined.taxpayers') }} as last_session_date,
        joined.works_funded,
        joined.amount_invested,
        joined.works_with_cui,
        joined.works_in_siaf,
        joined.works_executed,
        joined.works_built,
        joined.siaf_monto_devengado_all_years,
        own_revenue_years.through_month as own_revenue_through_month,
        own_revenue_years.impuestos_recaudado_ytd as own_revenue_impuestos_ytd,
        own_revenue_years.predial_recaudado_ytd as own_revenue_predial_ytd,
        joined._source_sha256,
        joined._load_id,
        joined._loaded_at
    from joined
    left join districts
        on joined.ubigeo = districts.ubigeo
    left join own_revenue_years
        on joined.ubigeo = own_revenue_years.ubigeo
        and joined.year = own_revenue_years.year

)

select * from final
