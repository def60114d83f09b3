{#
    Custom schemas are used as they are: a model configured with schema `marts` (or `audit`) lands in `marts`,
    not `<target schema>_marts`. Models without a custom schema (none today) land in the target schema.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
