-- Our paralysis flag (fct_works.is_paralysed: InfObras's existe_paralizacion = 'Si' or status 'Paralizada') against
-- the published list of paralysed works (stg_obras_paralizadas__alertas, matched by Código INFOBRAS): one row per
-- work that at least one of the two flags, with who flags it ('both', 'only InfObras', 'only alerts list').
-- A work of the list that is not in the current InfObras load appears as 'only alerts list' with in_infobras false.

with

works as (

    select * from {{ ref('fct_works') }}

),

alertas as (

    select * from {{ ref('stg_obras_paralizadas__alertas') }}

),

alert_works as (

    select
        cod_infobras as codigo_infobras,
        any_value(cui) as cui,
        any_value(estado_hist_infobras) as alert_estado_hist_infobras,
        any_value(causal_paralizacion) as alert_causal_paralizacion,
        count(*) as alert_row_count,
        min(_source_row) as alert_source_row
    from alertas
    where cod_infobras is not null
    group by cod_infobras

),

paralysed_works as (

    select codigo_infobras, cui, estado_ejecucion, causal_paralizacion, paralysed_since
    from works
    where is_paralysed

),

compared as (

    select
        coalesce(paralysed_works.codigo_infobras, alert_works.codigo_infobras) as codigo_infobras,
        coalesce(paralysed_works.cui, alert_works.cui) as cui,
        paralysed_works.codigo_infobras is not null as flagged_by_infobras,
        alert_works.codigo_infobras is not null as flagged_by_alerts,
        paralysed_works.estado_ejecucion,
        paralysed_works.causal_paralizacion,
        paralysed_works.paralysed_since,
        alert_works.alert_estado_hist_infobras,
        alert_works.alert_causal_paralizacion,
        alert_works.alert_row_count,
        alert_works.alert_source_row
    from paralysed_works
    full outer join alert_works
        on paralysed_works.codigo_infobras = alert_works.codigo_infobras

),

labelled as (

    select
        compared.codigo_infobras,
        compared.cui,
        case
            when flagged_by_infobras and flagged_by_alerts then 'both'
            when flagged_by_infobras then 'only InfObras'
            else 'only alerts list'
        end as flagged_by,
        flagged_by_infobras,
        flagged_by_alerts,
        all_works.codigo_infobras is not null as in_infobras,
        coalesce(compared.estado_ejecucion, all_works.estado_ejecucion) as estado_ejecucion,
        compared.causal_paralizacion,
        compared.paralysed_since,
        compared.alert_estado_hist_infobras,
        compared.alert_causal_paralizacion,
        compared.alert_row_count,
        compared.alert_source_row
    from compared
    left join works as all_works
        on compared.codigo_infobras = all_works.codigo_infobras

),

final as (

    select * from labelled

)

select * from final
