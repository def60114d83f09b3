-- One row per raw prioritised project of a participatory-budgeting process (acta de acuerdos): no filtering, no
-- deduplication, no joins. The contract (contracts/municipal-pp-acuerdos.yaml) has no personal fields. The PMI
-- answer SI / NO becomes a boolean.

with

source as (

    select * from {{ source('raw', 'municipal_pp_acuerdos') }}

),

renamed as (

    select
        {{ staged_columns('municipal_pp_acuerdos', rename={'ano': 'year'}, exclude=['incluido_pmi']) }},
        incluido_pmi = 'SI' as added_to_investment_programme

    from source

),

final as (

    select * from renamed

)

select * from final
