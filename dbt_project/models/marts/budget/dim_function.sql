-- One row per function code (funcion), named from its most recent row.

with

budget_lines as (

    -- both SIAF expenditure files, one file per year (docs/siaf-expenditure-files.md)
    select * from {{ ref('int_siaf__budget_lines') }}

),

function_rows as (

    select
        funcion,
        funcion_nombre,
        year,
        _loaded_at,
        _load_id,
        _source_sha256,
        _source_row
    from budget_lines

),

latest_row as (

    select * from function_rows
    qualify row_number() over (
        partition by funcion
        order by {{ latest_row_first() }}
    ) = 1

),

years_present as (

    select
        funcion,
        min(year) as first_year,
        max(year) as last_year
    from function_rows
    group by funcion

),

final as (

    select
        latest_row.funcion,
        latest_row.funcion_nombre,
        years_present.first_year,
        years_present.last_year
    from latest_row
    inner join years_present
        on latest_row.funcion = years_present.funcion

)

select * from final
