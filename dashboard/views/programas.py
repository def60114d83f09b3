"""Programas presupuestales: each programme's budget execution beside its indicators against baseline and target."""

from __future__ import annotations

import altair as alt
import streamlit as st

from dashboard import ui
from dashboard.data import table

STATUS_COLOURS = {
    "on_track": "#2e7d32",
    "at_risk": "#f9a825",
    "off_track": "#c62828",
    "unrated": "#9e9e9e",
}
STATUS_ES = {"on_track": "en curso", "at_risk": "en riesgo", "off_track": "rezagado", "unrated": "sin calificar"}


def render() -> None:
    st.title("Programas presupuestales")
    ui.publication_header()
    if not ui.require("marts.fct_program_performance", "marts.fct_program_indicators"):
        return
    years = ui.df(f"select distinct year from {table('fct_program_performance')} order by year desc")["year"].tolist()
    if not years:
        st.info("Sin programas publicados.")
        return
    with st.sidebar:
        st.header("Filtros")
        year = int(st.selectbox("Año", [int(y) for y in years], key="pp_anio"))
    performance = ui.df(
        f"""select programa_ppto, programa_ppto_nombre, monto_pia, monto_pim, monto_devengado, execution_pct,
                   execution_status, indicator_count, on_track_count, at_risk_count, off_track_count, unrated_count,
                   _source_sha256, indicator_source_sha256
            from {table("fct_program_performance")} where year = ? and ambito = 'PE' order by programa_ppto""",
        [year],
    )
    st.markdown(f"#### Presupuesto e indicadores, {year} (todo el país)")
    shown = ui.pct_columns(
        ui.soles_columns(performance, ["monto_pia", "monto_pim", "monto_devengado"]), ["execution_pct"]
    )
    ui.table_download(performance, f"programas-{year}", shown=shown)
    ui.as_of("siaf-gasto", "pp-indicadores")

    programmes = ui.df(
        f"""select distinct programa_ppto,
                   coalesce(programa_ppto || ' · ' || programa_ppto_nombre, programa_ppto) as label
            from {table("fct_program_indicators")} order by programa_ppto"""
    )
    if programmes.empty:
        st.info("Sin indicadores publicados.")
        return
    label = st.selectbox("Programa", programmes["label"].tolist(), key="pp_programa")
    code = programmes.loc[programmes["label"] == label, "programa_ppto"].iloc[0]
    indicators = ui.df(
        f"""select indicador_codigo, indicador_nombre, year, ambito, valor, linea_base_valor, meta_valor, progress_pct,
                   coalesce(status, 'unrated') as status, status_reason, monto_pim, monto_devengado, execution_pct,
                   fuente, _source_sha256, _source_row
            from {table("fct_program_indicators")} where programa_ppto = ? order by indicador_codigo, year, ambito""",
        [code],
    )
    indicators["estado"] = indicators["status"].map(lambda s: STATUS_ES.get(s, s))
    chart = (
        alt.Chart(indicators)
        .mark_bar()
        .encode(
            x=alt.X("progress_pct:Q", title="Avance hacia la meta (%)"),
            y=alt.Y("indicador_nombre:N", title=None),
            row=alt.Row("year:O", title=None),
            color=alt.Color(
                "status:N",
                scale=alt.Scale(domain=list(STATUS_COLOURS), range=list(STATUS_COLOURS.values())),
                legend=alt.Legend(title="Estado", labelExpr=_label_expr()),
            ),
            tooltip=["indicador_nombre", "year", "ambito", "valor", "linea_base_valor", "meta_valor", "estado"],
        )
    )
    st.altair_chart(chart, use_container_width=True)
    ui.table_download(indicators, f"indicadores-{code}")


def _label_expr() -> str:
    cases = " : ".join(f"datum.label == '{key}' ? '{text}'" for key, text in STATUS_ES.items())
    return f"{cases} : datum.label"
