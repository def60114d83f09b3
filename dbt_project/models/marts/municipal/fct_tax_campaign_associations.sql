-- Municipal tax campaigns per neighbourhood association: grain ubigeo x campaign x association. Taxpayers are
-- counted, never listed (the staging flags mark each taxpayer's first payment); every figure derived from payments
-- is suppressed (NULL, is_suppressed_group true) when the association counts fewer taxpayers than
-- var('privacy_min_group_size') (macros/suppress_small_group.sql). The works the campaign funded for the association
-- (no person-level data) are counted beside it. An association with works but no payment keeps its row (0 taxpayers,
-- suppressed), so no work is lost.

with

payments as (

    select * from {{ ref('stg_municipal__recaudacion_campanas') }}

),

works as (

    select * from {{ ref('stg_municipal__obras_vecinales') }}

),

association_payments as (

    select
        ubigeo,
        campana,
        asociacion,
        cast(count_if(is_taxpayer_first_payment_in_association) as bigint) as taxpayers,
        count(*) as payment_count,
        cast(sum(monto_pagado) as decimal(18, 2)) as amount_collected,
        cast(sum(deuda_anterior) filter (where is_taxpayer_first_payment_in_association) as decimal(18, 2))
            as debt_before,
        cast(sum(coalesce(beneficio_monto, 0)) as decimal(18, 2)) as benefits_granted,
        cast(count_if(beneficio_monto > 0) as bigint) as payments_with_benefit,
        string_agg(distinct beneficio_tipo, '; ' order by beneficio_tipo) filter (where beneficio_monto > 0)
            as benefit_kinds,
        min(fecha_campana) as first_session_date,
        max(fecha_campana) as last_session_date,
        min(_source_sha256) as _source_sha256,
        max(_load_id) as _load_id,
        max(_loaded_at) as _loaded_at
    from payments
    group by ubigeo, campana, asociacion

),

association_works as (

    select
        ubigeo,
        campana,
        asociacion,
        min(year) as year,
        count(*) as works_funded,
        cast(sum(monto) as decimal(18, 2)) as works_amount
    from works
    group by ubigeo, campana, asociacion

),

joined as (

    select
        coalesce(association_payments.ubigeo, association_works.ubigeo) as ubigeo,
        coalesce(association_payments.campana, association_works.campana) as campana,
        coalesce(association_payments.asociacion, association_works.asociacion) as asociacion,
        coalesce(association_works.year, year(association_payments.first_session_date)) as year,
        coalesce(association_payments.taxpayers, 0) as taxpayers,
        association_payments.payment_count,
        association_payments.amount_collected,
        association_payments.debt_before,
        association_payments.benefits_granted,
        association_payments.payments_with_benefit,
        association_payments.benefit_kinds,
        association_payments.first_session_date,
        association_payments.last_session_date,
        coalesce(association_works.works_funded, 0) as works_funded,
        coalesce(association_works.works_amount, 0) as works_amount,
        association_payments._source_sha256,
        association_payments._load_id,
        association_payments._loaded_at
    from association_payments
    full outer join association_works
        on association_payments.ubigeo = association_works.ubigeo
        and association_payments.campana = association_works.campana
        and association_payments.asociacion = association_works.asociacion

),

final as (

    select
        {{ hash_key(['ubigeo', 'campana', 'asociacion']) }} as tax_campaign_association_key,
        ubigeo,
        campana,
        asociacion,
        year,
        {{ suppress_small_group('taxpayers', 'taxpayers') }} as taxpayers_reached,
        {{ suppress_small_group('payment_count', 'taxpayers') }} as payment_count,
        {{ suppress_small_group('amount_collected', 'taxpayers') }} as amount_collected,
        {{ suppress_small_group('debt_before', 'taxpayers') }} as debt_before,
        {{ suppress_small_group(percent_of('amount_collected', 'debt_before'), 'taxpayers') }} as debt_reduction_pct,
        {{ suppress_small_group('benefits_granted', 'taxpayers') }} as benefits_granted,
        {{ suppress_small_group('payments_with_benefit', 'taxpayers') }} as payments_with_benefit,
        {{ suppress_small_group('benefit_kinds', 'taxpayers') }} as benefit_kinds,
        {{ is_suppressed_group('taxpayers') }} as is_suppressed_group,
        {{ suppress_small_group('first_session_date', 'taxpayers') }} as first_session_date,
        {{ suppress_small_group('last_session_date', 'taxpayers') }} as last_session_date,
        works_funded,
        works_amount,
        _source_sha256,
        _load_id,
        _loaded_at
    from joined

)

select * from final
