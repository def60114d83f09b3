-- One row per raw payment of a municipal tax campaign (one receipt): no filtering, no deduplication, no joins. The
-- columns are the contract's (contracts/municipal-recaudacion-campanas.yaml, through the generated source) minus its
-- personal ones: staged_columns() never selects the taxpayer's code or name. The code is read here only to count
-- people without listing them: two flags mark a taxpayer's first payment in the campaign and in the association
-- (earliest session, then receipt), so marts count taxpayers with count_if() and take the debt before the campaign
-- from that first payment (a second instalment's debt before is what the first one left).

with

source as (

    select * from {{ source('raw', 'municipal_recaudacion_campanas') }}

),

staged as (

    select
        {{ staged_columns('municipal_recaudacion_campanas') }},
        row_number() over (
            partition by ubigeo, campana, contribuyente_codigo order by fecha_campana, recibo
        ) = 1 as is_taxpayer_first_payment,
        row_number() over (
            partition by ubigeo, campana, asociacion, contribuyente_codigo order by fecha_campana, recibo
        ) = 1 as is_taxpayer_first_payment_in_association

    from source

),

final as (

    select * from staged

)

select * from final
