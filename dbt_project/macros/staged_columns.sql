{#
    staged_columns(table, rename={}, exclude=[]): the select list of a staging model over source('raw', table),
    read from the source's column declarations in the dbt graph, which `python -m ingest contracts generate` writes
    from the contract (models/staging/_raw__sources.yml): a new contract field reaches staging with no SQL edit.

    - VARCHAR columns become nullif(col, ''): MEF and INEI write '' for an empty field, staging makes it NULL;
      other types are selected as they are (the loader already cast them to the contract's sql_type);
    - personal columns (meta.personal) are never selected: person-level data never leaves raw;
    - rename maps a raw name to its staging name; exclude drops raw columns the model selects itself;
    - the four lineage columns (_source_sha256, _source_row, _load_id, _loaded_at) come last, as they are.

    At parse time (execute is false) the graph is not built yet: the macro renders `*` so the model parses.
#}
{% macro staged_columns(table, rename={}, exclude=[]) -%}
    {%- if not execute -%}
        {{- return('*') -}}
    {%- endif -%}
    {%- set node = graph.sources.get('source.' ~ project_name ~ '.raw.' ~ table) -%}
    {%- if node is none -%}
        {{- exceptions.raise_compiler_error(
            "staged_columns: no table " ~ table ~ " in source 'raw' (models/staging/_raw__sources.yml); "
            ~ "add its contract to contracts/ and run `python -m ingest contracts generate`") -}}
    {%- endif -%}
    {%- set names = node.columns.keys() | list -%}
    {%- for name in (rename.keys() | list) + exclude -%}
        {%- if name not in names -%}
            {{- exceptions.raise_compiler_error(
                "staged_columns('" ~ table ~ "'): no column " ~ name ~ " in raw." ~ table ~ " to rename or exclude") -}}
        {%- endif -%}
    {%- endfor -%}
    {%- set selected = [] -%}
    {%- set lineage = [] -%}
    {%- for column in node.columns.values() -%}
        {%- set meta = column.meta or column.config.meta or {} -%}
        {%- if meta.get('lineage') -%}
            {%- do lineage.append(column.name) -%}
        {%- elif not meta.get('personal') and column.name not in exclude -%}
            {%- set alias = rename.get(column.name, column.name) -%}
            {%- if (column.data_type or '') | upper in ('VARCHAR', 'TEXT', 'STRING') -%}
                {%- do selected.append("nullif(" ~ column.name ~ ", '') as " ~ alias) -%}
            {%- elif alias != column.name -%}
                {%- do selected.append(column.name ~ " as " ~ alias) -%}
            {%- else -%}
                {%- do selected.append(column.name) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{- (selected + lineage) | join(",\n        ") -}}
{%- endmacro %}
