-- The budget of every budget line as the current load of its year shows it: PIA and PIM summed over the line's
-- rows of the year (whatever month they sit on), with the instant of the load that showed it. The snapshot
-- snp_budget_state__line_budget keeps a new version of a line only when its PIA or PIM differs from the version
-- kept before, dated by this as_of_at (the load's _loaded_at, never the build's clock).

with

budget_lines as (

    select * from {{ ref('int_siaf__budget_lines') }}

),

line_budget as (

    select
        budget_line_key,
        year,
        sec_ejec,
        programa_ppto,
        funcion,
        departamento_meta as department_code,
        cast(sum(monto_pia) as decimal(18, 2)) as pia,
        cast(sum(monto_pim) as decimal(18, 2)) as pim,
        max(_load_id) as _load_id
    from budget_lines
    -- the key hashes year and the codes above, so they are constant within a line
    group by all

),

year_loads as (

    -- a year's rows all come from its current load(s): the year's state is as of the latest of them
    select
        year,
        max(_loaded_at) as as_of_at
    from budget_lines
    group by year

),

final as (

    select
        line_budget.budget_line_key,
        line_budget.year,
        line_budget.sec_ejec,
        line_budget.programa_ppto,
        line_budget.funcion,
        line_budget.department_code,
        line_budget.pia,
        line_budget.pim,
        year_loads.as_of_at,
        line_budget._load_id
    from line_budget
    inner join year_loads
        on line_budget.year = year_loads.year

)

select * from final
