-- SIAF budget of each budget programme by fiscal year and area: one row per programa_ppto x year x department of
-- the goal (SIAF departamento_meta, fct_budget_execution.department_code) plus one row per programa_ppto x year for
-- the whole country (ambito 'PE': every row of the programme, whatever its department). PIA and PIM are summed over
-- the whole year (they sit on their own rows in SIAF), devengado over every month loaded, so execution_pct is the
-- year-to-date execution at the SIAF file's cut-off. Rows with no department of the goal count in 'PE' only.

with

budget as (

    select * from {{ ref('fct_budget_execution') }}

),

areas as (

    select
        year,
        programa_ppto,
        'departamento' as area_level,
        department_code as ambito,
        department_code,
        monto_pia,
        monto_pim,
        monto_devengado,
        source_row_count,
        _source_sha256,
        _load_id,
        _loaded_at
    from budget
    where department_code is not null

    union all

    select
        year,
        programa_ppto,
        'pais' as area_level,
        'PE' as ambito,
        null as department_code,
        monto_pia,
        monto_pim,
        monto_devengado,
        source_row_count,
        _source_sha256,
        _load_id,
        _loaded_at
    from budget

),

aggregated as (

    select
        year,
        programa_ppto,
        ambito,
        area_level,
        department_code,
        cast(sum(monto_pia) as decimal(18, 2)) as monto_pia,
        cast(sum(monto_pim) as decimal(18, 2)) as monto_pim,
        cast(sum(monto_devengado) as decimal(18, 2)) as monto_devengado,
        count(*) as budget_execution_row_count,
        sum(source_row_count) as source_row_count,
        -- fct_budget_execution keeps several files of a year comma-separated: list each file once
        array_to_string(list_sort(list_distinct(flatten(list(string_split(_source_sha256, ','))))), ',')
            as _source_sha256,
        max(_load_id) as _load_id,
        max(_loaded_at) as _loaded_at
    from areas
    group by year, programa_ppto, ambito, area_level, department_code

),

rated as (

    select
        *,
        {{ percent_of('monto_devengado', 'monto_pim') }} as execution_pct
    from aggregated

),

final as (

    select
        {{ hash_key(['year', 'programa_ppto', 'ambito']) }} as program_budget_key,
        year,
        programa_ppto,
        ambito,
        area_level,
        department_code,
        monto_pia,
        monto_pim,
        monto_devengado,
        execution_pct,
        case
            when execution_pct is null then null
            when execution_pct >= {{ var('programs_execution_on_track_min_pct') }} then 'on_track'
            when execution_pct >= {{ var('programs_execution_at_risk_min_pct') }} then 'at_risk'
            else 'off_track'
        end as execution_status,
        case when execution_pct is null then 'no_pim' end as execution_status_reason,
        cast({{ var('programs_execution_on_track_min_pct') }} as decimal(9, 2)) as execution_on_track_min_pct,
        cast({{ var('programs_execution_at_risk_min_pct') }} as decimal(9, 2)) as execution_at_risk_min_pct,
        budget_execution_row_count,
        source_row_count,
        _source_sha256,
        _load_id,
        _loaded_at
    from rated

)

select * from final
