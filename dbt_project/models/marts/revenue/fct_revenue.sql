-- SIAF revenue at grain fiscal year x month x executing unit x funding source x rubro x resource type x revenue
-- classifier (1.generica.subgenerica.subgenerica_det.especifica.especifica_det). Rows colliding on that grain
-- (exact duplicates, business-key collisions) are summed, never dropped; source_row_count, _source_sha256 and
-- _source_rows say which file rows make up each figure.
-- * Names and the executing unit's attributes are functionally dependent on the codes: max() picks one if MEF
--   ever spells them two ways within a year.
-- * PIA/PIM are summed like every amount, so they appear on the month of the rows that carry them (MEF puts them on
--   their own rows) and are 0 elsewhere: add them over the year, never read them per month.
-- * municipal_tax classifies RUBRO 08 (IMPUESTOS MUNICIPALES) rows from the classifier: generica 1 (impuestos)
--   split by the especifica names into predial / alcabala / patrimonio_vehicular / otros_impuestos, generica 9
--   saldo_balance, anything else otros; NULL outside RUBRO 08.

with

ingreso as (

    select * from {{ ref('stg_siaf__ingreso') }}

),

classified as (

    select
        *,
        upper(strip_accents(coalesce(especifica_nombre, '') || ' ' || coalesce(especifica_det_nombre, ''))) as tax_text
    from ingreso

),

aggregated as (

    select
        year,
        month,
        sec_ejec,
        fuente_financ,
        rubro,
        tipo_recurso,
        generica,
        subgenerica,
        subgenerica_det,
        especifica,
        especifica_det,

        max(tipo_gobierno) as tipo_gobierno,
        max(tipo_gobierno_nombre) as tipo_gobierno_nombre,
        max(sector) as sector,
        max(sector_nombre) as sector_nombre,
        max(pliego) as pliego,
        max(pliego_nombre) as pliego_nombre,
        max(ejecutora) as ejecutora,
        max(ejecutora_nombre) as ejecutora_nombre,
        max(departamento_ejecutora) as departamento_ejecutora,
        max(departamento_ejecutora_nombre) as departamento_ejecutora_nombre,
        max(provincia_ejecutora) as provincia_ejecutora,
        max(provincia_ejecutora_nombre) as provincia_ejecutora_nombre,
        max(distrito_ejecutora) as distrito_ejecutora,
        max(distrito_ejecutora_nombre) as distrito_ejecutora_nombre,
        max(fuente_financ_nombre) as fuente_financ_nombre,
        max(rubro_nombre) as rubro_nombre,
        max(tipo_recurso_nombre) as tipo_recurso_nombre,
        max(generica_nombre) as generica_nombre,
        max(subgenerica_nombre) as subgenerica_nombre,
        max(subgenerica_det_nombre) as subgenerica_det_nombre,
        max(especifica_nombre) as especifica_nombre,
        max(especifica_det_nombre) as especifica_det_nombre,
        max(tax_text) as tax_text,

        cast(sum(monto_pia) as decimal(18, 2)) as monto_pia,
        cast(sum(monto_pim) as decimal(18, 2)) as monto_pim,
        cast(sum(monto_recaudado) as decimal(18, 2)) as monto_recaudado,

        count(*) as source_row_count,
        -- rows repeating another row of the same grain amount for amount (MEF's exact duplicates)
        count(*) - count(distinct (monto_pia, monto_pim, monto_recaudado)) as exact_duplicate_row_count,
        string_agg(distinct _source_sha256, ',' order by _source_sha256) as _source_sha256,
        list(_source_row order by _source_sha256, _source_row) as _source_rows,
        max(_load_id) as _load_id,
        max(_loaded_at) as _loaded_at

    from classified
    group by year, month, sec_ejec, fuente_financ, rubro, tipo_recurso, generica, subgenerica, subgenerica_det,
        especifica, especifica_det

),

final as (

    select
        {{ hash_key([
            'year', 'month', 'sec_ejec', 'fuente_financ', 'rubro', 'tipo_recurso',
            'generica', 'subgenerica', 'subgenerica_det', 'especifica', 'especifica_det',
        ]) }}
            as revenue_key,
        year,
        month,
        tipo_gobierno,
        tipo_gobierno_nombre,
        sector,
        sector_nombre,
        pliego,
        pliego_nombre,
        sec_ejec,
        ejecutora,
        ejecutora_nombre,
        departamento_ejecutora || provincia_ejecutora || distrito_ejecutora as ubigeo,
        departamento_ejecutora,
        departamento_ejecutora_nombre,
        provincia_ejecutora,
        provincia_ejecutora_nombre,
        distrito_ejecutora,
        distrito_ejecutora_nombre,
        fuente_financ,
        fuente_financ_nombre,
        rubro,
        rubro_nombre,
        tipo_recurso,
        tipo_recurso_nombre,
        -- NULL when a level is missing; the levels themselves are the key
        '1.' || generica || '.' || subgenerica || '.' || subgenerica_det || '.' || especifica || '.'
            || especifica_det as clasificador,
        generica,
        generica_nombre,
        subgenerica,
        subgenerica_nombre,
        subgenerica_det,
        subgenerica_det_nombre,
        especifica,
        especifica_nombre,
        especifica_det,
        especifica_det_nombre,
        case
            when rubro is distinct from '08' then null
            when generica = '1' and tax_text like '%PREDIAL%' then 'predial'
            when generica = '1' and tax_text like '%ALCABALA%' then 'alcabala'
            when generica = '1' and tax_text like '%VEHICULAR%' then 'patrimonio_vehicular'
            when generica = '1' then 'otros_impuestos'
            when generica = '9' then 'saldo_balance'
            else 'otros'
        end as municipal_tax,
        monto_pia,
        monto_pim,
        monto_recaudado,
        source_row_count,
        exact_duplicate_row_count,
        _source_sha256,
        _source_rows,
        _load_id,
        _loaded_at

    from aggregated

)

select * from final
