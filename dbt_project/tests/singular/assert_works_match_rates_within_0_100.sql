-- Every match rate of agg_works_match_rates is a share of the group's works: between 0 and 100. Returns the groups
-- where one is not (or where a count of matched works exceeds the group's works).

with

rates as (

    select * from {{ ref('agg_works_match_rates') }}

),

final as (

    select *
    from rates
    where cui_pct not between 0 and 100
        or matched_invierte_pct not between 0 and 100
        or matched_siaf_pct not between 0 and 100
        or works_matched_invierte > work_count
        or works_matched_siaf > work_count
        or works_with_cui > work_count

)

select * from final
