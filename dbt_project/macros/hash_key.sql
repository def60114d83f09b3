{#
    md5 over a list of columns, each cast to text, NULL kept distinct from '' and the parts separated so that
    ('1', '23') and ('12', '3') never hash alike. Used for every surrogate key in the project.
#}
{% macro hash_key(columns) -%}
    md5(concat_ws('|'
        {%- for column in columns %},
        coalesce(cast({{ column }} as varchar), '<null>')
        {%- endfor %}
    ))
{%- endmacro %}
