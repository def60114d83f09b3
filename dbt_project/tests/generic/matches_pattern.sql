{#
    Fails on every non-NULL value of the column that does not fully match `pattern` (a regular expression),
    e.g. '[0-9]{6}' for a zero-padded ubigeo. Codes that lost their zero padding fail here.
#}
{% test matches_pattern(model, column_name, pattern) %}

{#- A content check on published source values: it warns in dbt, and the Great Expectations gate (which names the
    source file rows) decides whether the data is published. dbt errors stay for model logic: keys, relationships,
    reconciliation and unit tests. -#}
{{ config(severity = 'warn') }}


with

values_to_check as (

    select {{ column_name }} as value
    from {{ model }}
    where {{ column_name }} is not null

),

final as (

    select * from values_to_check
    where not regexp_full_match(value, '{{ pattern }}')

)

select * from final

{% endtest %}
