-- The versions of a work (int_infobras__work_versions) cover disjoint [valid_from, valid_to) intervals: returns every
-- pair of versions of one work that overlap, and every version that ends before it starts.

with

versions as (

    select * from {{ ref('int_infobras__work_versions') }}

),

overlapping as (

    select
        a.codigo_infobras,
        a.version_number,
        a.valid_from,
        a.valid_to,
        b.version_number as other_version_number,
        b.valid_from as other_valid_from,
        b.valid_to as other_valid_to
    from versions as a
    inner join versions as b
        on a.codigo_infobras = b.codigo_infobras
        and a.version_number < b.version_number
        and a.valid_from < coalesce(b.valid_to, 'infinity'::timestamp)
        and b.valid_from < coalesce(a.valid_to, 'infinity'::timestamp)

),

inverted as (

    select codigo_infobras, version_number, valid_from, valid_to, null, null, null
    from versions
    where valid_to < valid_from

),

final as (

    select * from overlapping
    union all
    select * from inverted

)

select * from final
