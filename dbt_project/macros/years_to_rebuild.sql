{#
    Incremental facts built by fiscal year (fct_budget_execution, fct_budget_execution_wide; dbt_project.yml):
    which years a build rebuilds, decided from data, never from the clock.

    year_loads(upstream): the (year, source_contract, _load_id) rows of the model the fact is built from
    (int_siaf__budget_lines, which applies the gasto-over-Devengado rule, or fct_budget_execution). A fiscal year
    comes from one file, so one load, per year. Reading three columns of it costs a fraction of a second on 2 million
    rows.
#}
{% macro year_loads(upstream) -%}
    (select distinct year, source_contract, _load_id from {{ ref(upstream) }})
{%- endmacro %}

{#
    years_to_rebuild(year_loads_sql): a query with one column `year`: the years whose (year, source_contract,
    _load_id) upstream differ from those the fact holds, in either direction:
    - upstream has a pair the fact lacks: a new file for the year (a new load), a year that switched file
      (Devengado mensual -> gasto), or a year the fact never had (a backfilled year);
    - the fact has a pair upstream lacks: a superseded load, or a year whose rows vanished upstream. Such a year is
      in no upstream row, so delete+insert would not delete it: the post-hook delete_vanished_years() does.
    A build that crashed before its transaction committed left the fact as it was, so the next build sees the same
    differences and converges; a build with nothing new rebuilds nothing. A full build (not is_incremental) builds
    every year, which is what --full-refresh gives.
#}
{% macro years_to_rebuild(year_loads_sql) -%}
    select distinct year from (
        (
            select year, source_contract, _load_id from {{ year_loads_sql }}
            except
            select distinct year, source_contract, _load_id from {{ this }}
        )
        union
        (
            select distinct year, source_contract, _load_id from {{ this }}
            except
            select year, source_contract, _load_id from {{ year_loads_sql }}
        )
    )
{%- endmacro %}

{#
    rebuilt_years_filter(years_sql): a WHERE condition on `year` for the years `years_sql` returns, run when the
    model is compiled (dbt compiles a node just before running it, after its parents were built). The years go
    into the SQL as constants, which DuckDB pushes down to the raw load tables' zone maps; a subquery there made the
    whole history be scanned. Logs the years; `false` when there is nothing to rebuild.
#}
{% macro rebuilt_years_filter(years_sql) -%}
    {%- if not execute -%}
        {{- return('true') -}}
    {%- endif -%}
    {%- set years = run_query(years_sql).columns[0].values() | map('int') | sort | list -%}
    {%- do log(this.identifier ~ ": rebuilding year(s) " ~ (years | join(', ') or 'none'), info=True) -%}
    {%- if years -%}
        year in ({{ years | join(', ') }})
    {%- else -%}
        false
    {%- endif -%}
{%- endmacro %}

{#
    delete_vanished_years(upstream): post-hook of an incremental fact built by year. Deletes the years the fact
    holds that are in no row of `upstream` any more (delete+insert only replaces years present in the new rows).
    It runs inside the model's transaction, with the delete and insert.
#}
{% macro delete_vanished_years(upstream) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where year not in (select year from {{ year_loads(upstream) }})
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
