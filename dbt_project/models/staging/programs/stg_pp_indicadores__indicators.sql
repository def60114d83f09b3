-- One row per raw row of the M&E unit's indicator file (contracts/pp-indicadores.yaml): one programa presupuestal x
-- indicator x year x area. No filtering, no joins. Columns come from the contract through the generated source
-- (macros/staged_columns.sql); '' becomes NULL. The year is renamed `year` as in the SIAF models, and the area code
-- (`ambito`: 'PE', a 2-digit department or a 6-digit ubigeo) is split into area_level and department_code so the
-- marts can join it to SIAF's department of the goal.

with

source as (

    select * from {{ source('raw', 'pp_indicadores') }}

),

renamed as (

    select
        {{ staged_columns('pp_indicadores', rename={'anio': 'year'}) }}

    from source

),

final as (

    select
        *,
        case
            when ambito = 'PE' then 'pais'
            when length(ambito) = 2 then 'departamento'
            when length(ambito) = 6 then 'distrito'
        end as area_level,
        case when ambito <> 'PE' then left(ambito, 2) end as department_code,
        case when length(ambito) = 6 then ambito end as ubigeo

    from renamed

)

select * from final
