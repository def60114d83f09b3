-- fct_budget_execution (year x month x budget line) with every dimension's code AND name on the row, so that any
-- cross-cut is one GROUP BY over one table (pipeline/crosscut.py; docs/cross-cuts.md). Same grain, same amounts,
-- same rows as fct_budget_execution: PIA/PIM stay on the rows that carry them (add them over the year, never per
-- month). Names come from the dimensions where one exists (dim_entity: the executing unit and its department /
-- province / district; dim_budget_program; dim_function) and otherwise from the budget line's own most recent
-- source row (fuente, genérica, producto/proyecto, ...). Source rows: join budget_execution_key back to
-- fct_budget_execution (_source_rows).

with

budget_execution as (

    select * from {{ ref('fct_budget_execution') }}

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
