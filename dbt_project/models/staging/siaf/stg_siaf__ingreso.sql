-- One row per raw SIAF Ingreso row: no filtering, no deduplication, no joins (the file's junk last row never
-- reached raw: the loader skipped and counted it). Codes stay zero-padded text; MEF's empty strings become NULL
-- (sector and pliego of local governments); amounts keep their sign (negatives are reversals). The columns are the
-- contract's (contracts/siaf-ingreso.yaml, through the generated source): see macros/staged_columns.sql. Only the
-- period is renamed, as in stg_siaf__gasto.

with

source as (

    select * from {{ source('raw', 'siaf_ingreso') }}

),

renamed as (

    select
        {{ staged_columns('siaf_ingreso', rename={'ano_doc': 'year', 'mes_doc': 'month'}) }}

    from source

),

final as (

    select * from renamed

)

select * from final
