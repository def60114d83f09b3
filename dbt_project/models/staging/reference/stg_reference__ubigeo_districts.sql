-- One row per INEI district. The 6-digit ubigeo nests department (2) and province (4).

with

source as (

    select * from {{ source('reference', 'ubigeo_inei') }}

),

renamed as (

    select
        ubigeo,
        left(ubigeo, 2) as department_code,
        left(ubigeo, 4) as province_code,
        departamento as department_name,
        provincia as province_name,
        distrito as district_name,
        nullif(capital_legal, '') as capital_name,
        nullif(categoria, '') as capital_category,
        altitud as altitude_m,
        poblacion as population,
        latitud as latitude,
        longitud as longitude,

        _source_sha256,
        _source_row,
        _load_id,
        _loaded_at

    from source

),

final as (

    select * from renamed

)

select * from final
