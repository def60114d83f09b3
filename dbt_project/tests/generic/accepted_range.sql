{#
    Fails on every non-NULL value of the column outside [min_value, max_value] (inclusive; either bound optional).
#}
{% test accepted_range(model, column_name, min_value=none, max_value=none) %}

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
    where false
        {%- if min_value is not none %} or value < {{ min_value }}{% endif %}
        {%- if max_value is not none %} or value > {{ max_value }}{% endif %}

)

select * from final

{% endtest %}
