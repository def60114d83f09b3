{#
    suppress_small_group(value, people): `value` when the group it describes counts at least
    var('privacy_min_group_size') people, NULL otherwise (statistical disclosure control: a figure about fewer
    people than that could identify them). `people` is the SQL expression counting the group's distinct persons.
    Use it on every published column derived from person-level rows, and publish `is_suppressed_group` beside it
    (macro is_suppressed_group) so a reader knows a NULL means "suppressed", not "zero".
#}
{% macro suppress_small_group(value, people) -%}
    case when {{ people }} >= {{ var('privacy_min_group_size') }} then {{ value }} end
{%- endmacro %}

{% macro is_suppressed_group(people) -%}
    ({{ people }} < {{ var('privacy_min_group_size') }})
{%- endmacro %}
