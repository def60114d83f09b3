{#
    The full SIAF expenditure classification of one budget line within a fiscal year: who spends
    (nivel_gobierno, sector, pliego, sec_ejec), on what programme / product / activity / function / goal
    (sec_func ... departamento_meta), with which money (fuente_financiamiento, rubro, tipo_recurso) and on what
    (categoria_gasto ... especifica_det). Only codes: names can change between loads without changing the line.
    MEF renumbers metas (sec_func, meta) every year, so the key also carries the year.
#}
{% macro budget_line_columns() -%}
    {{ return([
        'nivel_gobierno', 'sector', 'pliego', 'sec_ejec',
        'sec_func', 'programa_ppto', 'tipo_act_proy', 'producto_proyecto', 'actividad_accion_obra',
        'funcion', 'division_funcional', 'grupo_funcional',
        'meta', 'finalidad', 'departamento_meta',
        'fuente_financiamiento', 'rubro', 'tipo_recurso',
        'categoria_gasto', 'tipo_transaccion', 'generica', 'subgenerica', 'subgenerica_det',
        'especifica', 'especifica_det',
    ]) }}
{%- endmacro %}
