{#
    The ORDER BY that puts a code's most recent source row first: latest fiscal year, then latest load, then the
    file's last row. Dimensions name a code after that row, deterministically even when names change over time.
#}
{% macro latest_row_first() -%}
    year desc, _loaded_at desc, _load_id desc, _source_sha256 desc, _source_row desc
{%- endmacro %}
