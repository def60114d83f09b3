-- SIAF execution at grain fiscal year x month x budget line. Rows that collide on that grain (MEF's exact
-- duplicate rows and business-key collisions) are summed, never dropped; source_row_count, _source_sha256 and
-- _source_rows say which file rows make up each figure. Month 0 holds the PIA/PIM-only rows of older files.
-- PIA/PIM are summed like every amount, so they appear on the month of the rows that carry them (month 0, or
-- whichever month MEF put them on) and are 0 elsewhere: add them over the year, never per month.
-- Either SIAF expenditure file feeds it (int_siaf__budget_lines; docs/siaf-expenditure-files.md): source_contract
-- says which. A year from the Devengado mensual file has its annual certificado, comprometido anual and girado on
-- month 0 and NULL on its month rows (the file has no month figure for them).
--
-- Built incrementally by year (dbt_project.yml; the rule in macros/years_to_rebuild.sql): a build rebuilds only the
-- years whose (source_contract, _load_id) changed upstream, so a new daily file rebuilds its year, not history.

{{ config(post_hook="{{ delete_vanished_years('int_siaf__budget_lines') }}") }}

with

budget_lines as (

    select * from {{ ref('int_siaf__budget_lines') }}
    {%- if is_incremental() %}
    where {{ rebuilt_years_filter(years_to_rebuild(year_loads('int_siaf__budget_lines'))) }}
    {%- endif %}

),

aggregated as (

    select
        budget_line_key,
        year,
        month,

        {%- for column in budget_line_columns() %}
        {{ column }},
        {%- endfor %}

        cast(sum(monto_pia) as decimal(18, 2)) as monto_pia,
        cast(sum(monto_pim) as decimal(18, 2)) as monto_pim,
        cast(sum(monto_certificado) as decimal(18, 2)) as monto_certificado,
        cast(sum(monto_comprometido_anual) as decimal(18, 2)) as monto_comprometido_anual,
        cast(sum(monto_comprometido) as decimal(18, 2)) as monto_comprometido,
        cast(sum(monto_devengado) as decimal(18, 2)) as monto_devengado,
        cast(sum(monto_girado) as decimal(18, 2)) as monto_girado,

        count(*) as source_row_count,
        -- rows repeating another row of the same line and month amount for amount (MEF's exact duplicates)
        count(*) - count(distinct (
            monto_pia, monto_pim, monto_certificado, monto_comprometido_anual,
            monto_comprometido, monto_devengado, monto_girado
        )) as exact_duplicate_row_count,
        string_agg(distinct _source_sha256, ',' order by _source_sha256) as _source_sha256,
        list(_source_row order by _source_sha256, _source_row) as _source_rows,
        max(_load_id) as _load_id,
        max(_loaded_at) as _loaded_at,
        -- one file per year (the rule in int_siaf__budget_lines), so grouping by it never splits a row
        source_contract

    from budget_lines
    -- every non-aggregated column is either in the key or one of the codes it hashes
    group by all

),

final as (

    select
        {{ hash_key(['budget_line_key', 'year', 'month']) }} as budget_execution_key,
        budget_line_key,
        year,
        month,

        {%- for column in budget_line_columns() %}
        {{ column }}{% if column == 'departamento_meta' %} as department_code{% endif %},
        {%- endfor %}

        monto_pia,
        monto_pim,
        monto_certificado,
        monto_comprometido_anual,
        monto_comprometido,
        monto_devengado,
        monto_girado,

        source_row_count,
        exact_duplicate_row_count,
        _source_sha256,
        _source_rows,
        _load_id,
        _loaded_at,
        source_contract

    from aggregated

)

select * from final
