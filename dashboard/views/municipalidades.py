"""Municipalidades: execution, own revenue, tax campaigns and participatory-budgeting compliance."""

from __future__ import annotations

import streamlit as st

from dashboard import fmt, ui
from dashboard.data import PUBLISHED, table

TODOS = "Todos"


def render() -> None:
    st.title("Municipalidades")
    ui.publication_header()
    if not ui.require("marts.fct_municipal_execution"):
        return
    years = ui.df(f"select distinct year from {table('fct_municipal_execution')} order by year desc")["year"].tolist()
    departments = ui.df(
        f"select distinct department_name from {table('fct_municipal_execution')}"
        " where department_name is not null order by 1"
    )["department_name"].tolist()
    with st.sidebar:
        st.header("Filtros")
        year = int(st.selectbox("Año", [int(y) for y in years], key="mun_anio"))
        department = st.selectbox("Departamento", [TODOS, *departments], key="mun_dep")
        green = st.number_input("Verde desde (%)", 0.0, 100.0, 75.0, step=5.0, key="mun_verde")
        amber = st.number_input("Ámbar desde (%)", 0.0, 100.0, 50.0, step=5.0, key="mun_ambar")
    condition, params = "year = ?", [year]
    if department != TODOS:
        condition += " and department_name = ?"
        params.append(department)
    execution = ui.df(
        f"""select sec_ejec, ubigeo, municipality_name, department_name, province_name, district_name, monto_pia,
                   monto_pim, monto_devengado, execution_pct, execution_pct_published, _source_sha256, _source_row
            from {table("fct_municipal_execution")} where {condition} order by ubigeo, sec_ejec""",
        params,
    )
    pim = float(execution["monto_pim"].sum())
    devengado = float(execution["monto_devengado"].sum())
    share = 100 * devengado / pim if pim else None
    a, d = st.columns(2)
    b, c = st.columns(2)  # a row of their own: national amounts need the width
    a.metric("Municipalidades", f"{len(execution):,}")
    b.metric("PIM", fmt.soles(pim))
    c.metric("Devengado", fmt.soles(devengado))
    d.metric("Avance", fmt.pct(share))
    ui.as_of("consulta-amigable-municipalidades")
    execution["semaforo"] = [
        fmt.semaforo(None if v != v else float(v), green, amber)  # NaN != NaN: no PIM
        for v in execution["execution_pct"]
    ]
    counts = execution["semaforo"].value_counts()
    st.write(" · ".join(f"{light}: {int(counts.get(light, 0)):,}" for light in ("verde", "ámbar", "rojo", "sin PIM")))
    shown = ui.pct_columns(
        ui.soles_columns(execution, ["monto_pia", "monto_pim", "monto_devengado"]),
        ["execution_pct", "execution_pct_published"],
    )
    ui.table_download(execution, f"municipalidades-{year}", shown=shown)

    st.markdown("#### Ingresos propios (impuestos municipales)")
    if PUBLISHED.missing("marts.fct_municipal_own_revenue"):
        st.info("El mart `marts.fct_municipal_own_revenue` aún no está publicado.")
    else:
        revenue = ui.df(
            f"""select sec_ejec, ubigeo, municipality_name, max(month) as hasta_mes,
                       arg_max(impuestos_recaudado_ytd, month) as impuestos_recaudado,
                       arg_max(recaudado_predial_ytd, month) as predial,
                       arg_max(recaudado_alcabala_ytd, month) as alcabala,
                       max(pim_annual) as pim
                from {table("fct_municipal_own_revenue")} where year = ? group by all order by ubigeo""",
            [year],
        )
        if revenue.empty:
            st.info(f"Sin recaudación SIAF publicada para {year}.")
        else:
            ui.table_download(revenue, f"ingresos-propios-{year}")
            ui.as_of("siaf-ingreso")

    st.markdown("#### Campañas tributarias")
    if PUBLISHED.missing("marts.fct_tax_campaigns"):
        st.info("El mart `marts.fct_tax_campaigns` aún no está publicado.")
    else:
        campaigns = ui.df(
            f"""select ubigeo, district_name, campana, year, association_count, taxpayers_reached, amount_collected,
                       debt_before, debt_reduction_pct, works_funded, amount_invested, works_with_cui, works_in_siaf,
                       works_executed, works_built, _source_sha256
                from {table("fct_tax_campaigns")} order by year desc, ubigeo, campana"""
        )
        if campaigns.empty:
            st.info("Sin campañas publicadas.")
        else:
            shown = ui.soles_columns(campaigns, ["amount_collected", "debt_before", "amount_invested"])
            ui.table_download(campaigns, "campanas-tributarias", shown=shown)
            ui.as_of("municipal-recaudacion-campanas", "municipal-obras-vecinales")

    st.markdown("#### Presupuesto participativo: cumplimiento de acuerdos")
    if PUBLISHED.missing("marts.agg_agreement_compliance"):
        st.info("El mart `marts.agg_agreement_compliance` aún no está publicado.")
    else:
        compliance = ui.df(
            f"""select ubigeo, year, agreements, agreements_with_cui, agreements_in_budget, agreements_executed,
                       agreements_built, agreements_fulfilled, pct_fulfilled, amount_agreed, monto_devengado,
                       participants, committee_members
                from {table("agg_agreement_compliance")} order by year desc, ubigeo"""
        )
        if compliance.empty:
            st.info("Sin procesos participativos publicados.")
        else:
            ui.table_download(compliance, "presupuesto-participativo")
            ui.as_of("municipal-pp-acuerdos", "municipal-pp-participantes", "municipal-pp-comite")
