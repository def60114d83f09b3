-- Share (0..100) of InfObras works whose CUI matches Invierte.pe and SIAF spending (fct_works_cui_reconciliation),
-- by department (INEI, resolved from the names; NULL = not resolved), level of government (as InfObras writes it)
-- and year the work started (year of fecha_inicio; NULL = no start date).

with

reconciliation as (

    select * from {{ ref('fct_works_cui_reconciliation') }}

),

aggregated as (

    select
        department_code,
        any_value(department_name) as department_name,
        nivel_gobierno,
        start_year,
        count(*) as work_count,
        count(cui) as works_with_cui,
        count(*) filter (where matched_invierte) as works_matched_invierte,
        count(*) filter (where matched_siaf) as works_matched_siaf
    from reconciliation
    group by department_code, nivel_gobierno, start_year

),

final as (

    select
        {{ hash_key(['department_code', 'nivel_gobierno', 'start_year']) }} as match_rate_key,
        department_code,
        department_name,
        nivel_gobierno,
        start_year,
        work_count,
        works_with_cui,
        works_matched_invierte,
        works_matched_siaf,
        cast(round(100.0 * works_with_cui / work_count, 2) as decimal(5, 2)) as cui_pct,
        cast(round(100.0 * works_matched_invierte / work_count, 2) as decimal(5, 2)) as matched_invierte_pct,
        cast(round(100.0 * works_matched_siaf / work_count, 2) as decimal(5, 2)) as matched_siaf_pct
    from aggregated

)

select * from final
