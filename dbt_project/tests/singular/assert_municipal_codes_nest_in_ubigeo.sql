{{ config(severity='warn') }}
-- In MEF's Consulta Amigable cells the department (2 digits) and province (4 digits) codes are the first digits of
-- the municipality's ubigeo. A content check on source values: it warns in dbt, the quality gate names the rows.
-- Returns the municipality rows whose codes do not nest.

with

municipalidades as (

    select * from {{ ref('stg_consulta_amigable__municipalidades') }}

),

final as (

    select
        year,
        sec_ejec,
        ubigeo,
        departamento_code,
        provincia_code,
        _source_sha256,
        _source_row
    from municipalidades
    where not starts_with(ubigeo, provincia_code)
        or not starts_with(provincia_code, departamento_code)

)

select * from final
