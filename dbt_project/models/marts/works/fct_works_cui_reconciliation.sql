-- Per InfObras work: does its CUI reach Invierte.pe (the bank of investments) and SIAF spending? With the reason for
-- each miss, in the order it is checked:
--   Invierte.pe: 'no CUI' (the work was registered without one) | 'CUI unknown to Invierte.pe' (not in the loaded
--                Invierte.pe export) | NULL (matched).
--   SIAF:        'no CUI' | 'no SIAF spending' (no SIAF project line with this CUI has devengado <> 0 in the loaded
--                fiscal years) | NULL (matched).
-- A CUI with several works matches (or not) for each of them.

with

works as (

    select * from {{ ref('fct_works') }}

),

invierte as (

    select * from {{ ref('stg_invierte__inversiones') }}

),

spending as (

    select * from {{ ref('fct_work_spending') }}

),

invierte_cuis as (

    select cui, count(*) as invierte_row_count, min(nombre_inversion) as nombre_inversion
    from invierte
    where cui is not null
    group by cui

),

siaf_by_cui as (

    select
        cui,
        cast(sum(monto_devengado) as decimal(18, 2)) as siaf_devengado_total,
        min(year) as siaf_first_year,
        max(year) as siaf_last_year
    from spending
    group by cui

),

matched as (

    select
        works.codigo_infobras,
        works.cui,
        works.nivel_gobierno,
        works.department_code,
        works.department_name,
        year(works.fecha_inicio) as start_year,
        invierte_cuis.cui is not null as matched_invierte,
        invierte_cuis.nombre_inversion as invierte_nombre_inversion,
        coalesce(siaf_by_cui.siaf_devengado_total, 0) <> 0 as matched_siaf,
        siaf_by_cui.siaf_devengado_total,
        siaf_by_cui.siaf_first_year,
        siaf_by_cui.siaf_last_year
    from works
    left join invierte_cuis
        on works.cui = invierte_cuis.cui
    left join siaf_by_cui
        on works.cui = siaf_by_cui.cui

),

final as (

    select
        codigo_infobras,
        cui,
        nivel_gobierno,
        department_code,
        department_name,
        start_year,
        matched_invierte,
        case
            when cui is null then 'no CUI'
            when not matched_invierte then 'CUI unknown to Invierte.pe'
        end as invierte_unmatched_reason,
        invierte_nombre_inversion,
        matched_siaf,
        case
            when cui is null then 'no CUI'
            when not matched_siaf then 'no SIAF spending'
        end as siaf_unmatched_reason,
        siaf_devengado_total,
        siaf_first_year,
        siaf_last_year
    from matched

)

select * from final
