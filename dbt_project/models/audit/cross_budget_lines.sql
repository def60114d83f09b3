-- One row per budget line and year of marts.fct_budget_execution (SIAF gasto years), with its sums next to the sums
-- of the raw rows it cites. Suite cross_budget_lines (expectations/gx) validates them. The lineage is filled only on
-- lines that fail a check (the rows GX shows as examples), and names the line's first 100 file rows: a full year's
-- line sums thousands, which GX would fetch for every failing line (marts.fct_budget_execution has them all).

with

facts as (

    -- Devengado-file lines are reconciled by dbt's reconciliation tests
    select * from {{ ref('fct_budget_execution') }} where source_contract = 'siaf-gasto'

),

lines as (

    select
        budget_line_key,
        year,
        any_value(sec_ejec) as sec_ejec,
        sum(monto_devengado) as devengado,
        sum(monto_certificado) as certificado,
        sum(monto_pim) as pim,
        sum(monto_girado) as girado
    from facts
    group by budget_line_key, year

),

cited_rows as (

    select budget_line_key, year, _source_sha256, unnest(_source_rows) as _source_row from facts

),

file_sums as (

    select
        cited_rows.budget_line_key,
        cited_rows.year,
        sum(raw_rows.monto_devengado) as devengado,
        sum(raw_rows.monto_certificado) as certificado,
        sum(raw_rows.monto_pim) as pim,
        sum(raw_rows.monto_girado) as girado,
        count(raw_rows._source_row) as rows_found,
        count(*) as rows_cited
    from cited_rows
    left join {{ source('raw', 'siaf_gasto') }} as raw_rows
        on raw_rows._source_sha256 = cited_rows._source_sha256
        and raw_rows._source_row = cited_rows._source_row
    group by cited_rows.budget_line_key, cited_rows.year

),

checked as (

    select
        lines.budget_line_key,
        lines.year,
        lines.sec_ejec,
        cast(lines.devengado as decimal(38, 2)) as devengado,
        cast(lines.certificado as decimal(38, 2)) as certificado,
        cast(lines.pim as decimal(38, 2)) as pim,
        nullif(concat_ws('; ',
            case when file_sums.rows_found < file_sums.rows_cited
                then concat(file_sums.rows_cited - file_sums.rows_found, ' of ', file_sums.rows_cited,
                    ' cited rows not in raw.siaf_gasto') end,
            case when lines.devengado is distinct from file_sums.devengado
                then concat('devengado ', lines.devengado, ' but ',
                    coalesce(cast(file_sums.devengado as varchar), 'none'), ' in the file') end,
            case when lines.girado is distinct from file_sums.girado
                then concat('girado ', lines.girado, ' but ',
                    coalesce(cast(file_sums.girado as varchar), 'none'), ' in the file') end,
            case when lines.certificado is distinct from file_sums.certificado
                then concat('certificado ', lines.certificado, ' but ',
                    coalesce(cast(file_sums.certificado as varchar), 'none'), ' in the file') end,
            case when lines.pim is distinct from file_sums.pim
                then concat('PIM ', lines.pim, ' but ',
                    coalesce(cast(file_sums.pim as varchar), 'none'), ' in the file') end
        ), '') as differs_from_file
    from lines
    left join file_sums
        on file_sums.budget_line_key = lines.budget_line_key
        and file_sums.year = lines.year

),

failing as (

    -- the lines any expectation of cross_budget_lines reports
    select budget_line_key, year
    from checked
    where differs_from_file is not null
        or certificado < devengado
        or pim < certificado
        or (devengado > 0 and pim <= 0)

),

failing_lineage as (

    select
        facts.budget_line_key,
        facts.year,
        string_agg(distinct facts._source_sha256, ',') as _source_sha256,
        list_slice(list_sort(flatten(list(facts._source_rows))), 1, 100) as _source_rows
    from facts
    inner join failing
        on failing.budget_line_key = facts.budget_line_key
        and failing.year = facts.year
    group by facts.budget_line_key, facts.year

),

final as (

    select
        checked.budget_line_key,
        checked.year,
        checked.sec_ejec,
        failing_lineage._source_sha256,
        failing_lineage._source_rows,
        checked.devengado,
        checked.certificado,
        checked.pim,
        checked.differs_from_file
    from checked
    left join failing_lineage
        on failing_lineage.budget_line_key = checked.budget_line_key
        and failing_lineage.year = checked.year

)

select * from final
