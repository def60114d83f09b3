-- One row per raw participant of a participatory-budgeting process (one person, one process year): no filtering, no
-- deduplication, no joins. The columns are the contract's (contracts/municipal-pp-participantes.yaml, through the
-- generated source) minus its personal ones: staged_columns() never selects the document number or the name. The
-- gate cannot check the contract's primary key (ubigeo, ano, participante_id): a check on a personal column would keep
-- example values in its results. So the document number is read here only to flag each person's first row in a
-- process year (is_person_first_row, never showing the number): marts count only the rows it marks, so a person
-- registered twice is counted once (and the test on the flag warns).

with

source as (

    select * from {{ source('raw', 'municipal_pp_participantes') }}

),

renamed as (

    select
        {{ staged_columns('municipal_pp_participantes', rename={'ano': 'year'}) }},
        row_number() over (
            partition by ubigeo, ano, participante_id order by _source_sha256, _source_row
        ) = 1 as is_person_first_row

    from source

),

final as (

    select * from renamed

)

select * from final
