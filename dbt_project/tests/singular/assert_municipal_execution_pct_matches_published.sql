{{ config(severity='error') }}
-- fct_municipal_execution.execution_pct (100 x devengado / PIM from the file's whole-soles amounts, unrounded) is
-- within 0.051 points of MEF's published Avance % (computed by MEF from amounts with cents, one decimal) on every
-- row where both exist. Rounding to one decimal alone explains 0.05; the whole-soles amounts add a little (worst
-- 0.0505 on the 2024-2025 export). A larger gap means a wrong column, a broken parse or a changed MEF formula.
-- Returns the rows that differ by more.

with

municipal_execution as (

    select * from {{ ref('fct_municipal_execution') }}

),

final as (

    select
        sec_ejec,
        year,
        monto_pim,
        monto_devengado,
        execution_pct,
        execution_pct_published,
        execution_pct_difference,
        _source_sha256,
        _source_row
    from municipal_execution
    where execution_pct is not null
        and execution_pct_published is not null
        and abs(execution_pct_difference) > 0.051

)

select * from final
