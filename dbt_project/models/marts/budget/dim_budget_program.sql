-- One row per budget programme code (programa_ppto), named from its most recent row.

with

budget_lines as (

    -- both SIAF expenditure files, one file per year (docs/siaf-expenditure-files.md)
    select * from {{ ref('int_siaf__budget_lines') }}

),

program_rows as (

    select
        programa_ppto,
        programa_ppto_nombre,
        year,
        _loaded_at,
        _load_id,
        _source_sha256,
        _source_row
    from budget_lines

),

latest_row as (

    select * from program_rows
    qualify row_number() over (
        partition by programa_ppto
        order by {{ latest_row_first() }}
    ) = 1

),

years_present as (

    select
        programa_ppto,
        min(year) as first_year,
        max(year) as last_year
    from program_rows
    group by programa_ppto

),

final as (

    select
        latest_row.programa_ppto,
        latest_row.programa_ppto_nombre,
        case
            when latest_row.programa_ppto = '9001' then 'acciones centrales'
            when latest_row.programa_ppto = '9002' then 'asignaciones presupuestarias que no resultan en productos'
            else 'programa presupuestal'
        end as program_category,
        years_present.first_year,
        years_present.last_year
    from latest_row
    inner join years_present
        on latest_row.programa_ppto = years_present.programa_ppto

)

select * from final
