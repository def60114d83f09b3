-- Participation in participatory budgeting by municipality x process year x gender x organisation type, with the
-- gender totals and the year total as rows of their own (aggregation_level), counted from one row per person
-- (stg_municipal__pp_participantes, first registration of each person in the year). People are counted, never
-- listed.
--
-- Privacy (macros/suppress_small_group.sql): a cell counting fewer than var('privacy_min_group_size') people is
-- published as NULL with is_suppressed_group = true ('below_minimum'). The totals are published too, so suppressed
-- cells could be recovered by subtraction: when the suppressed cells of a total (the organisation types of one
-- gender; the two genders of a year) together count fewer people than the minimum (a single suppressed cell always
-- does), the smallest other cell of that total is suppressed too ('complementary'), so what is withheld from a total
-- is never fewer people than the minimum. The year total is suppressed only when the year has too few people.

with

participants as (

    select * from {{ ref('stg_municipal__pp_participantes') }}
    where is_person_first_row  -- a person registered twice in a year counts once

),

cells as (

    select
        ubigeo,
        year,
        case
            when grouping(genero) = 1 then 'total'
            when grouping(tipo_organizacion) = 1 then 'gender'
            else 'gender_organisation'
        end as aggregation_level,
        genero as gender,
        tipo_organizacion as organisation_type,
        count(*) as people,
        list(distinct _source_sha256 order by _source_sha256) as _source_sha256s,
        list(distinct _load_id order by _load_id) as _load_ids,
        max(_loaded_at) as _loaded_at
    from participants
    group by grouping sets ((ubigeo, year, genero, tipo_organizacion), (ubigeo, year, genero), (ubigeo, year))

),

year_totals as (

    select ubigeo, year, people as year_people
    from cells
    where aggregation_level = 'total'

),

primary_suppression as (

    select
        cells.*,
        year_totals.year_people,
        {{ is_suppressed_group('cells.people') }} as below_minimum,
        -- the cells that add up to one published total: one gender's organisation types; a year's two genders
        case aggregation_level
            when 'gender_organisation' then coalesce(gender, '')
            when 'gender' then '<genders>'
            else '<total>'
        end as margin
    from cells
    inner join year_totals
        on cells.ubigeo = year_totals.ubigeo and cells.year = year_totals.year

),

complementary_suppression as (

    select
        *,
        aggregation_level != 'total'
        and not below_minimum
        and count_if(below_minimum) over margin_cells > 0
        and {{ is_suppressed_group('sum(case when below_minimum then people else 0 end) over margin_cells') }}
        and row_number() over (
            partition by ubigeo, year, aggregation_level, margin, below_minimum
            order by people, gender, organisation_type
        ) = 1 as complementary
    from primary_suppression
    window margin_cells as (partition by ubigeo, year, aggregation_level, margin)

),

final as (

    select
        {{ hash_key(['ubigeo', 'year', 'aggregation_level', 'gender', 'organisation_type']) }} as participation_key,
        ubigeo,
        year,
        aggregation_level,
        gender,
        organisation_type,
        case when not complementary then {{ suppress_small_group('people', 'people') }} end as participants,
        case
            when not complementary then {{ suppress_small_group(
                'cast(round(100.0 * people / year_people, 1) as decimal(5, 1))', 'people'
            ) }}
        end as share_pct,
        below_minimum or complementary as is_suppressed_group,
        case when below_minimum then 'below_minimum' when complementary then 'complementary' end
            as suppression_reason,
        _source_sha256s,
        _load_ids,
        _loaded_at
    from complementary_suppression

)

select * from final
