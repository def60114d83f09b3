-- One row per executing unit (sec_ejec), across all years. Names and classification come from the unit's most
-- recent row: latest year, then latest load, then the last source row (a deterministic tie-break).

with

budget_lines as (

    -- both SIAF expenditure files, one file per year (docs/siaf-expenditure-files.md)
    select * from {{ ref('int_siaf__budget_lines') }}

),

entity_rows as (

    select
        sec_ejec,
        nivel_gobierno,
        nivel_gobierno_nombre,
        sector,
        sector_nombre,
        pliego,
        pliego_nombre,
        ejecutora,
        ejecutora_nombre,
        departamento_ejecutora,
        departamento_ejecutora_nombre,
        provincia_ejecutora,
        provincia_ejecutora_nombre,
        distrito_ejecutora,
        distrito_ejecutora_nombre,
        year,
        _loaded_at,
        _load_id,
        _source_sha256,
        _source_row
    from budget_lines

),

latest_row as (

    select * from entity_rows
    qualify row_number() over (
        partition by sec_ejec
        order by {{ latest_row_first() }}
    ) = 1

),

years_present as (

    select
        sec_ejec,
        min(year) as first_year,
        max(year) as last_year
    from entity_rows
    group by sec_ejec

),

final as (

    select
        latest_row.sec_ejec,
        latest_row.nivel_gobierno,
        latest_row.nivel_gobierno_nombre,
        latest_row.sector,
        latest_row.sector_nombre,
        latest_row.pliego,
        latest_row.pliego_nombre,
        latest_row.ejecutora,
        latest_row.ejecutora_nombre,
        latest_row.departamento_ejecutora as department_code,
        latest_row.departamento_ejecutora_nombre as department_name,
        latest_row.provincia_ejecutora,
        latest_row.provincia_ejecutora_nombre,
        latest_row.distrito_ejecutora,
        latest_row.distrito_ejecutora_nombre,
        latest_row.departamento_ejecutora
            || latest_row.provincia_ejecutora
            || latest_row.distrito_ejecutora as ubigeo,
        years_present.first_year,
        years_present.last_year,
        latest_row.year as names_from_year,
        latest_row._load_id as names_from_load_id
    from latest_row
    inner join years_present
        on latest_row.sec_ejec = years_present.sec_ejec

)

select * from final
