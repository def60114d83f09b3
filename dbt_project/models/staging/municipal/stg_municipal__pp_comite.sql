-- One row per raw surveillance-committee member (one person, one process year): no filtering, no deduplication, no
-- joins. The columns are the contract's (contracts/municipal-pp-comite.yaml) minus its personal ones: staged_columns()
-- never selects the member's document number or name. As for participants, the document number is read only to flag
-- each member's first row in a process year (is_person_first_row): marts count only the rows it marks.

with

source as (

    select * from {{ source('raw', 'municipal_pp_comite') }}

),

renamed as (

    select
        {{ staged_columns('municipal_pp_comite', rename={'ano': 'year'}) }},
        row_number() over (
            partition by ubigeo, ano, miembro_id order by _source_sha256, _source_row
        ) = 1 as is_person_first_row

    from source

),

final as (

    select * from renamed

)

select * from final
