-- One row per raw Consulta Amigable row (one municipality = executing unit, one fiscal year): no filtering, no
-- deduplication, no joins. Codes stay text as the loader cut them from MEF's fused `code: name` cells; empty strings
-- become NULL; amounts are whole soles as published. The columns are the contract's
-- (contracts/consulta-amigable-municipalidades.yaml, through the generated source): see macros/staged_columns.sql.
-- Renamed: the fiscal year (ano -> year, as stg_siaf__gasto) and MEF's Avance % (avance_pct -> avance_pct_published).

with

source as (

    select * from {{ source('raw', 'consulta_amigable_municipalidades') }}

),

renamed as (

    select
        {{ staged_columns(
            'consulta_amigable_municipalidades',
            rename={'ano': 'year', 'avance_pct': 'avance_pct_published'}
        ) }}

    from source

),

final as (

    select * from renamed

)

select * from final
