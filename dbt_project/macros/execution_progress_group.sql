{#
    The group of the execution-% marts within a year and month: executing unit x budget programme x function x
    department of the goal. fct_execution_progress and fct_budget_pim_monthly share it, so it is declared once here.
    same_progress_group(left, right) renders the join condition between two relations at that grain; a NULL code is
    a group of its own (is not distinct from), as in the marts' group by.
#}
{% macro execution_progress_group() -%}
    {{ return(['sec_ejec', 'programa_ppto', 'funcion', 'department_code']) }}
{%- endmacro %}

{% macro same_progress_group(left, right) -%}
    {%- for column in execution_progress_group() %}
        and {{ left }}.{{ column }} is not distinct from {{ right }}.{{ column }}
    {%- endfor %}
{%- endmacro %}
