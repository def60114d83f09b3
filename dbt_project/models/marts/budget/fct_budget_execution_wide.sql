-- fct_budget_execution (year x month x budget line) with every dimension's code AND name on the row, so that any
-- cross-cut is one GROUP BY over one table (pipeline/crosscut.py; docs/cross-cuts.md). Same grain, same amounts,
-- same rows as fct_budget_execution: PIA/PIM stay on the rows that carry them (add them over the year, never per
-- month). Names come from the dimensions where one exists (dim_entity: the executing unit and its department /
-- province / district; dim_budget_program; dim_function) and otherwise from the budget line's own most recent
-- source row (fuente, genérica, producto/proyecto, ...). Source rows: join budget_execution_key back to
-- fct_budget_execution (_source_rows).
--
-- Built incrementally by year, like fct_budget_execution (dbt_project.yml; macros/years_to_rebuild.sql), plus one
-- rule of its own: the names from the dimensions are each code's most recent name across all years, so a newer
-- file that renames an executing unit, a programme or a function changes rows of earlier years too. A year
-- holding any name that differs from its dimension's is rebuilt (stale_name_years below), so the table always
-- equals a full build.

{{ config(post_hook="{{ delete_vanished_years('fct_budget_execution') }}") }}

{%- set entity_names = [
    ('nivel_gobierno_nombre', 'nivel_gobierno_nombre'), ('sector_nombre', 'sector_nombre'),
    ('pliego_nombre', 'pliego_nombre'), ('ejecutora', 'ejecutora'), ('ejecutora_nombre', 'ejecutora_nombre'),
    ('departamento_ejecutora', 'department_code'), ('departamento_ejecutora_nombre', 'department_name'),
    ('provincia_ejecutora', 'provincia_ejecutora'), ('provincia_ejecutora_nombre', 'provincia_ejecutora_nombre'),
    ('distrito_ejecutora', 'distrito_ejecutora'), ('distrito_ejecutora_nombre', 'distrito_ejecutora_nombre'),
] %}

{%- if is_incremental() %}
{%- set rebuilt_years_sql -%}
    with

    held_entity_names as (
        select distinct
            year,
            sec_ejec,
            {%- for column, _ in entity_names %}
            {{ column }}{% if not loop.last %},{% endif %}
            {%- endfor %}
        from {{ this }}
    ),

    held_code_names as (
        select distinct year, programa_ppto, programa_ppto_nombre, funcion, funcion_nombre
        from {{ this }}
    ),

    stale_name_years as (
        -- years whose rows carry a name their dimension no longer gives (a dimension row gone counts: NULL now)
        select held_entity_names.year
        from held_entity_names
        left join {{ ref('dim_entity') }} as entities
            on held_entity_names.sec_ejec = entities.sec_ejec
        where
            {%- for column, dimension_column in entity_names %}
            {% if not loop.first %}or {% endif %}held_entity_names.{{ column }} is distinct from entities.{{ dimension_column }}
            {%- endfor %}
        union
        select held_code_names.year
        from held_code_names
        left join {{ ref('dim_budget_program') }} as programs
            on held_code_names.programa_ppto = programs.programa_ppto
        left join {{ ref('dim_function') }} as functions
            on held_code_names.funcion = functions.funcion
        where held_code_names.programa_ppto_nombre is distinct from programs.programa_ppto_nombre
            or held_code_names.funcion_nombre is distinct from functions.funcion_nombre
    )

    {{ years_to_rebuild(year_loads('fct_budget_execution')) }}
    union
    select year from stale_name_years
{%- endset %}
{%- set rebuilt_years = rebuilt_years_filter(rebuilt_years_sql) %}
{%- endif %}

with

budget_execution as (

    select * from {{ ref('fct_budget_execution') }}
    {%- if is_incremental() %}
    where {{ rebuilt_years }}
    {%- endif %}

),

entities as (

    select * from {{ ref('dim_entity') }}

),

programs as (

    select * from {{ ref('dim_budget_program') }}

),

functions as (

    select * from {{ ref('dim_function') }}

),

budget_lines as (

    select * from {{ ref('int_siaf__budget_lines') }}
    {%- if is_incremental() %}
    where {{ rebuilt_years }}
    {%- endif %}

),

latest_names as (

    -- the names of each budget line's most recent row, in latest_row_first()'s order (year, load, file row);
    -- arg_max over that order is a hash aggregate, twice as fast here as a row_number() window over every row
    select
        budget_line_key,
        arg_max(
            struct_pack(
                tipo_act_proy_nombre,
                producto_proyecto_nombre,
                actividad_accion_obra_nombre,
                division_funcional_nombre,
                grupo_funcional_nombre,
                meta_nombre,
                departamento_meta_nombre,
                fuente_financiamiento_nombre,
                rubro_nombre,
                tipo_recurso_nombre,
                categoria_gasto_nombre,
                generica_nombre,
                subgenerica_nombre,
                subgenerica_det_nombre,
                especifica_nombre,
                especifica_det_nombre
            ),
            (year, _loaded_at, _load_id, _source_sha256, _source_row)
        ) as names
    from budget_lines
    group by budget_line_key

),

line_names as (

    select
        budget_line_key,
        unnest(names)
    from latest_names

),

final as (

    select
        budget_execution.budget_execution_key,
        budget_execution.budget_line_key,
        budget_execution.year,
        budget_execution.month,

        -- who spends
        budget_execution.nivel_gobierno,
        entities.nivel_gobierno_nombre,
        budget_execution.sector,
        entities.sector_nombre,
        budget_execution.pliego,
        entities.pliego_nombre,
        budget_execution.sec_ejec,
        entities.ejecutora,
        entities.ejecutora_nombre,
        entities.department_code as departamento_ejecutora,
        entities.department_name as departamento_ejecutora_nombre,
        entities.provincia_ejecutora,
        entities.provincia_ejecutora_nombre,
        entities.distrito_ejecutora,
        entities.distrito_ejecutora_nombre,

        -- on what programme, product / project, activity and function
        budget_execution.sec_func,
        budget_execution.programa_ppto,
        programs.programa_ppto_nombre,
        budget_execution.tipo_act_proy,
        line_names.tipo_act_proy_nombre,
        budget_execution.producto_proyecto,
        line_names.producto_proyecto_nombre,
        budget_execution.actividad_accion_obra,
        line_names.actividad_accion_obra_nombre,
        budget_execution.funcion,
        functions.funcion_nombre,
        budget_execution.division_funcional,
        line_names.division_funcional_nombre,
        budget_execution.grupo_funcional,
        line_names.grupo_funcional_nombre,
        budget_execution.meta,
        budget_execution.finalidad,
        line_names.meta_nombre,
        budget_execution.department_code as departamento_meta,
        line_names.departamento_meta_nombre,

        -- with which money
        budget_execution.fuente_financiamiento,
        line_names.fuente_financiamiento_nombre,
        budget_execution.rubro,
        line_names.rubro_nombre,
        budget_execution.tipo_recurso,
        line_names.tipo_recurso_nombre,

        -- on what (expense classifier)
        budget_execution.categoria_gasto,
        line_names.categoria_gasto_nombre,
        budget_execution.tipo_transaccion,
        budget_execution.generica,
        line_names.generica_nombre,
        budget_execution.subgenerica,
        line_names.subgenerica_nombre,
        budget_execution.subgenerica_det,
        line_names.subgenerica_det_nombre,
        budget_execution.especifica,
        line_names.especifica_nombre,
        budget_execution.especifica_det,
        line_names.especifica_det_nombre,

        budget_execution.monto_pia,
        budget_execution.monto_pim,
        budget_execution.monto_certificado,
        budget_execution.monto_comprometido_anual,
        budget_execution.monto_comprometido,
        budget_execution.monto_devengado,
        budget_execution.monto_girado,

        budget_execution.source_row_count,
        budget_execution.source_contract,
        budget_execution._source_sha256,
        budget_execution._load_id,
        budget_execution._loaded_at

    from budget_execution
    left join entities
        on budget_execution.sec_ejec = entities.sec_ejec
    left join programs
        on budget_execution.programa_ppto = programs.programa_ppto
    left join functions
        on budget_execution.funcion = functions.funcion
    left join line_names
        on budget_execution.budget_line_key = line_names.budget_line_key

)

select * from final
