-- Compliance with participatory-budgeting agreements per municipality x process year: how many prioritised projects
-- there were, how many have a CUI, entered the investment programme, entered the budget (SIAF PIM > 0), were
-- executed (devengado > 0), were built (InfObras 100 %) and were fulfilled (all three), from
-- fct_participatory_agreements; with the year's participants and surveillance-committee members counted from one row
-- per person and suppressed below var('privacy_min_group_size') (macros/suppress_small_group.sql).

with

agreements as (

    select * from {{ ref('fct_participatory_agreements') }}

),

participants as (

    select * from {{ ref('stg_municipal__pp_participantes') }}
    where is_person_first_row  -- a person registered twice in a year counts once

),

committee as (

    select * from {{ ref('stg_municipal__pp_comite') }}
    where is_person_first_row  -- a person registered twice in a year counts once

),

agreement_counts as (

    select
        ubigeo,
        year,
        count(*) as agreements,
        count(cui) as agreements_with_cui,
        count_if(added_to_investment_programme) as agreements_in_investment_programme,
        count_if(in_budget) as agreements_in_budget,
        count_if(executed) as agreements_executed,
        count_if(built) as agreements_built,
        count_if(is_fulfilled) as agreements_fulfilled,
        cast(sum(amount_agreed) as decimal(18, 2)) as amount_agreed,
        cast(sum(monto_devengado) as decimal(18, 2)) as monto_devengado,
        max(siaf_loaded_at) as siaf_loaded_at,
        max(infobras_as_of_date) as infobras_as_of_date
    from agreements
    group by ubigeo, year

),

participant_counts as (

    select ubigeo, year, count(*) as people
    from participants
    group by ubigeo, year

),

committee_counts as (

    select ubigeo, year, count(*) as people
    from committee
    group by ubigeo, year

),

process_years as (

    select ubigeo, year from agreement_counts
    union
    select ubigeo, year from participant_counts
    union
    select ubigeo, year from committee_counts

),

final as (

    select
        {{ hash_key(['process_years.ubigeo', 'process_years.year']) }} as compliance_key,
        process_years.ubigeo,
        process_years.year,
        coalesce(agreement_counts.agreements, 0) as agreements,
        coalesce(agreement_counts.agreements_with_cui, 0) as agreements_with_cui,
        coalesce(agreement_counts.agreements_in_investment_programme, 0) as agreements_in_investment_programme,
        coalesce(agreement_counts.agreements_in_budget, 0) as agreements_in_budget,
        coalesce(agreement_counts.agreements_executed, 0) as agreements_executed,
        coalesce(agreement_counts.agreements_built, 0) as agreements_built,
        coalesce(agreement_counts.agreements_fulfilled, 0) as agreements_fulfilled,
        case
            when agreement_counts.agreements > 0
                then cast(round(100.0 * agreement_counts.agreements_fulfilled / agreement_counts.agreements, 1)
                    as decimal(5, 1))
        end as pct_fulfilled,
        case
            when agreement_counts.agreements_with_cui > 0
                then cast(round(
                    100.0 * agreement_counts.agreements_fulfilled / agreement_counts.agreements_with_cui, 1
                ) as decimal(5, 1))
        end as pct_fulfilled_of_with_cui,
        agreement_counts.amount_agreed,
        agreement_counts.monto_devengado,
        {{ suppress_small_group('coalesce(participant_counts.people, 0)', 'coalesce(participant_counts.people, 0)') }}
            as participants,
        {{ is_suppressed_group('coalesce(participant_counts.people, 0)') }}
        and coalesce(participant_counts.people, 0) > 0 as participants_suppressed,
        {{ suppress_small_group('coalesce(committee_counts.people, 0)', 'coalesce(committee_counts.people, 0)') }}
            as committee_members,
        {{ is_suppressed_group('coalesce(committee_counts.people, 0)') }}
        and coalesce(committee_counts.people, 0) > 0 as committee_members_suppressed,
        agreement_counts.siaf_loaded_at,
        agreement_counts.infobras_as_of_date
    from process_years
    left join agreement_counts
        on process_years.ubigeo = agreement_counts.ubigeo and process_years.year = agreement_counts.year
    left join participant_counts
        on process_years.ubigeo = participant_counts.ubigeo and process_years.year = participant_counts.year
    left join committee_counts
        on process_years.ubigeo = committee_counts.ubigeo and process_years.year = committee_counts.year

)

select * from final
