-- One row per SIAF fiscal year: row counts and year-to-date sums from the load log through raw, staging and both
-- facts. Suite cross_siaf_totals (expectations/gx) checks each pair equal.

with

current_loads as (

    select
        cast(current_partitions.partition_value as integer) as year,
        load_log.load_id,
        load_log.sha256,
        load_log.rows_loaded
    from {{ source('audit_ops', 'current_partitions') }} as current_partitions
    inner join {{ source('audit_ops', 'load_log') }} as load_log
        on load_log.load_id = current_partitions.load_id
    where current_partitions.source = 'siaf-gasto'

),

raw_by_load as (

    select _load_id as load_id, count(*) as raw_rows from {{ source('raw', 'siaf_gasto') }} group by all

),

loads_by_year as (

    select
        current_loads.year,
        string_agg(distinct cast(current_loads.load_id as varchar), ',') as load_id,
        string_agg(distinct current_loads.sha256, ',') as _source_sha256,
        sum(current_loads.rows_loaded) as load_rows_loaded,
        sum(coalesce(raw_by_load.raw_rows, 0)) as load_raw_rows
    from current_loads
    left join raw_by_load on raw_by_load.load_id = current_loads.load_id
    group by current_loads.year

),

raw_totals as (

    select
        ano_eje as year,
        count(*) as raw_rows,
        sum(monto_devengado) as raw_devengado,
        sum(monto_girado) as raw_girado,
        sum(monto_pim) as raw_pim
    from {{ source('raw', 'siaf_gasto') }}
    group by all

),

staging_totals as (

    select year, count(*) as staging_rows from {{ ref('stg_siaf__gasto') }} group by all

),

devengado_file_years as (

    -- years the Devengado mensual file feeds (no gasto load): dbt's assert_budget_execution_reconciles_to_siaf_files
    select distinct year from {{ ref('fct_budget_execution') }} where source_contract = 'siaf-devengado-mensual'

),

mart_totals as (

    select
        year,
        sum(source_row_count) as mart_source_rows,
        sum(monto_devengado) as mart_devengado,
        sum(monto_girado) as mart_girado,
        sum(monto_pim) as mart_pim
    from {{ ref('fct_budget_execution') }}
    where source_contract = 'siaf-gasto'
    group by all

),

progress_totals as (

    select
        year,
        sum(devengado_ytd) as progress_devengado_ytd,
        sum(girado_ytd) as progress_girado_ytd,
        sum(pim) as progress_pim
    from {{ ref('fct_execution_progress') }}
    where (year, month) in (select (year, max(month)) from {{ ref('fct_execution_progress') }} group by year)
        and year not in (select year from devengado_file_years)
    group by all

),

years as (

    select year from current_loads
    union select year from raw_totals
    union select year from staging_totals
    union select year from mart_totals
    union select year from progress_totals

),

final as (

    select
        years.year,
        loads_by_year.load_id,
        loads_by_year._source_sha256,
        cast(coalesce(loads_by_year.load_rows_loaded, 0) as bigint) as load_rows_loaded,
        cast(coalesce(loads_by_year.load_raw_rows, 0) as bigint) as load_raw_rows,
        cast(coalesce(raw_totals.raw_rows, 0) as bigint) as raw_rows,
        cast(coalesce(staging_totals.staging_rows, 0) as bigint) as staging_rows,
        cast(coalesce(mart_totals.mart_source_rows, 0) as bigint) as mart_source_rows,
        cast(coalesce(raw_totals.raw_devengado, 0) as decimal(38, 2)) as raw_devengado,
        cast(coalesce(mart_totals.mart_devengado, 0) as decimal(38, 2)) as mart_devengado,
        cast(coalesce(progress_totals.progress_devengado_ytd, 0) as decimal(38, 2)) as progress_devengado_ytd,
        cast(coalesce(raw_totals.raw_girado, 0) as decimal(38, 2)) as raw_girado,
        cast(coalesce(mart_totals.mart_girado, 0) as decimal(38, 2)) as mart_girado,
        cast(coalesce(progress_totals.progress_girado_ytd, 0) as decimal(38, 2)) as progress_girado_ytd,
        cast(coalesce(raw_totals.raw_pim, 0) as decimal(38, 2)) as raw_pim,
        cast(coalesce(mart_totals.mart_pim, 0) as decimal(38, 2)) as mart_pim,
        cast(coalesce(progress_totals.progress_pim, 0) as decimal(38, 2)) as progress_pim
    from years
    left join loads_by_year on loads_by_year.year = years.year
    left join raw_totals on raw_totals.year = years.year
    left join staging_totals on staging_totals.year = years.year
    left join mart_totals on mart_totals.year = years.year
    left join progress_totals on progress_totals.year = years.year

)

select * from final
