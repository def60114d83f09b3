-- One row per INEI district. The 6-digit ubigeo nests department (2) and province (4).
-- The other columns are the contract's (contracts/ubigeo-inei.yaml, through the generated source), renamed to
-- English: see macros/staged_columns.sql.

with

source as (

    select * from {{ source('raw', 'ubigeo_inei') }}

),

renamed as (

    select
        ubigeo,
        left(ubigeo, 2) as department_code,
        left(ubigeo, 4) as province_code,
        {{ staged_columns('ubigeo_inei', exclude=['ubigeo'], rename={
            'departamento': 'department_name',
            'provincia': 'province_name',
            'distrito': 'district_name',
            'capital_legal': 'capital_name',
            'categoria': 'capital_category',
            'altitud': 'altitude_m',
            'poblacion': 'population',
            'latitud': 'latitude',
            'longitud': 'longitude',
        }) }}

    from source

),

final as (

    select * from renamed

)

select * from final
