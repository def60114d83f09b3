"""Ejecución presupuestal: PIM, devengado and execution % with a place drill-down, cuts, traffic lights, months, YoY."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import fmt, ui
from dashboard.data import PUBLISHED, FileKey, table
from dashboard.queries import CUTS, FILTERS, GEO_LEVELS, ExecutionData, execution_page, group_for, options, source_rows
from pipeline.crosscut import DIMENSIONS

PLACE_LABELS = {
    "departamento_ejecutora": "Departamento",
    "provincia_ejecutora": "Provincia",
    "distrito_ejecutora": "Distrito",
}
FILTER_LABELS = {**CUTS, "programa_ppto": "Programa presupuestal"}
TODOS = "Todos"
LIGHT_COLOURS = {"verde": "#2e7d32", "ámbar": "#f9a825", "rojo": "#c62828", "sin PIM": "#9e9e9e"}


@st.cache_data(max_entries=256, show_spinner=False)
def _execution(
    key: FileKey, filters: tuple[tuple[str, Any], ...], year: int, months: tuple[int, ...] | None, group: str
) -> ExecutionData:
    with PUBLISHED.cursor() as con:
        return execution_page(con, dict(filters), year, list(months) if months else None, group)


@st.cache_data(max_entries=512, show_spinner=False)
def _options(key: FileKey, name: str, parent: tuple[tuple[str, Any], ...], year: int) -> list[tuple[str, str]]:
    with PUBLISHED.cursor() as con:
        return options(con, name, dict(parent), year)


ALL = object()  # "Todos": no filter (None is a real choice: an empty code, e.g. the sector of local governments)


def _select(label: str, choices: list[tuple[str, str]], key: str) -> object:
    """A selectbox over (code, label) pairs with "Todos" first; returns the code (None for empty) or ALL."""
    labels = [TODOS, *(text for _, text in choices)]
    picked = st.selectbox(label, labels, key=key)
    if picked == TODOS:
        return ALL
    return {text: code for code, text in choices}[picked]


def render() -> None:
    st.title("Ejecución presupuestal")
    ui.publication_header()
    if not ui.require("marts.fct_budget_execution_wide", "marts.fct_budget_execution", "ops.load_log"):
        return
    key = PUBLISHED.key()
    assert key is not None
    years = ui.df(f"select distinct year from {table('fct_budget_execution_wide')} order by year desc")["year"]
    if years.empty:
        st.info("El mart de ejecución está publicado pero no tiene filas.")
        return

    with st.sidebar:
        st.header("Filtros")
        year = int(st.selectbox("Año", [int(y) for y in years], key="anio"))
        months_in_year = ui.df(
            f"select distinct month from {table('fct_budget_execution_wide')} where year = ? and month >= 1"
            " order by month",
            [year],
        )["month"].tolist()
        month_choices = [int(m) for m in months_in_year] or [12]
        until = st.selectbox(
            "Hasta el mes", month_choices, index=len(month_choices) - 1, format_func=fmt.mes, key="hasta_mes"
        )
        months = tuple(range(1, int(until) + 1))
        filters: dict[str, Any] = {}
        place = ["Perú"]
        for level in GEO_LEVELS:  # national → department → province → district
            choices = _options(key, level, tuple(filters.items()), year)
            code = _select(PLACE_LABELS[level], choices, f"f_{level}")
            if code is ALL:
                break
            filters[level] = code
            place.append(dict(choices)[code].split(" · ", 1)[-1])
        for name in FILTERS:
            code = _select(FILTER_LABELS[name], _options(key, name, (), year), f"f_{name}")
            if code is not ALL:
                filters[name] = code
        st.header("Semáforo")
        green = st.number_input("Verde desde (%)", 0.0, 100.0, 75.0, step=5.0, key="verde")
        amber = st.number_input("Ámbar desde (%)", 0.0, 100.0, 50.0, step=5.0, key="ambar")

    cut_labels = {"lugar": "Lugar (siguiente nivel)", **CUTS}
    cut = st.selectbox("Desagregar por", list(cut_labels), format_func=cut_labels.get, key="desagregar")
    group = group_for(filters) if cut == "lugar" else cut
    data = _execution(key, tuple(filters.items()), year, months, group)

    total = data.total.iloc[0] if not data.total.empty else None
    pim = float(total["pim"]) if total is not None and pd.notna(total["pim"]) else 0.0
    devengado = float(total["devengado"]) if total is not None and pd.notna(total["devengado"]) else 0.0
    share = None if total is None or pd.isna(total["pct_execution"]) else float(total["pct_execution"])
    light = fmt.semaforo(share, green, amber)
    st.subheader(f"{' / '.join(place)} · {year}, enero a {fmt.mes(int(until))}")
    a, b, c = st.columns([2, 2, 1])  # amounts of a whole year need the width
    a.metric("PIM", fmt.soles(pim))
    b.metric("Devengado", fmt.soles(devengado))
    c.metric(f"Avance (semáforo {light})", fmt.pct(share))
    ui.as_of("siaf-gasto", "siaf-devengado-mensual")

    st.markdown(f"#### Por {cut_labels[cut].lower() if cut != 'lugar' else PLACE_LABELS[group].lower()}")
    by = data.by_group.copy()
    if by.empty:
        st.info("Ninguna fila con estos filtros.")
    else:
        dimension = DIMENSIONS[group]
        names = by[dimension.name] if dimension.name else by[dimension.code]
        by["nombre"] = names.fillna(by[dimension.code]).fillna("(vacío)").astype(str)
        by["semaforo"] = [fmt.semaforo(None if pd.isna(v) else float(v), green, amber) for v in by["pct_execution"]]
        chart = (
            alt.Chart(by.assign(avance=by["pct_execution"].fillna(0)))
            .mark_bar()
            .encode(
                y=alt.Y("nombre:N", sort="-x", title=None),
                x=alt.X("avance:Q", title="Avance (%)"),
                color=alt.Color(
                    "semaforo:N",
                    scale=alt.Scale(domain=list(LIGHT_COLOURS), range=list(LIGHT_COLOURS.values())),
                    title="Semáforo",
                ),
                tooltip=["nombre", "pim", "devengado", alt.Tooltip("avance:Q", format=".1f")],
            )
            .properties(height=max(120, 22 * min(len(by), 40)))
        )
        st.altair_chart(chart, use_container_width=True)
        shown = ui.pct_columns(ui.soles_columns(by, ["pia", "pim", "devengado"]), ["pct_execution"])
        ui.table_download(by, f"ejecucion-{year}-por-{group}", shown=shown)

    st.markdown("#### Mes a mes")
    monthly = data.monthly.copy()
    if monthly.empty:
        st.info("Sin meses con ejecución.")
    else:
        monthly["mes"] = monthly["month"].map(lambda m: fmt.mes(int(m)))
        long = monthly.melt(
            id_vars=["month", "mes"], value_vars=["pim", "devengado", "devengado_month"], var_name="serie"
        )
        long["serie"] = long["serie"].map(
            {"pim": "PIM", "devengado": "Devengado acumulado", "devengado_month": "Devengado del mes"}
        )
        chart = (
            alt.Chart(long)
            .mark_line(point=True)
            .encode(
                x=alt.X("mes:N", sort=list(fmt.MESES), title=None),
                y=alt.Y("value:Q", title="Soles"),
                color=alt.Color("serie:N", title=None),
                tooltip=["mes", "serie", alt.Tooltip("value:Q", format=",.2f")],
            )
        )
        st.altair_chart(chart, use_container_width=True)
        _pim_through_year(key, year, filters)
        ui.table_download(monthly.drop(columns=["mes"]), f"ejecucion-{year}-mensual")

    _year_over_year(year, int(until), filters)

    with st.expander("Ver filas de origen"):
        st.markdown("Archivos detrás de la selección (SHA-256, carga) y filas del mart con sus filas de archivo.")
        ui.table_download(data.lineage, f"archivos-{year}")
        # the row-level join runs only when asked: on a full year it is the page's most expensive query
        if st.checkbox("Mostrar las filas del mart y sus filas de archivo", key="filas_origen"):
            with PUBLISHED.cursor() as con:
                rows = source_rows(con, filters, year, months)
            st.caption("`_source_rows`: filas de datos del archivo (línea = fila + 1). Hasta 1,000 filas.")
            ui.table_download(rows, f"filas-origen-{year}")


def _pim_through_year(key: FileKey, year: int, filters: dict[str, Any]) -> None:
    """PIM at each month end (fct_budget_pim_monthly), with the filters that mart carries."""
    if PUBLISHED.missing("marts.fct_budget_pim_monthly"):
        return
    carried = {"programa_ppto": "programa_ppto", "funcion": "funcion"}
    condition = ["year = ?"]
    params: list[Any] = [year]
    for name, column in carried.items():
        if name in filters:
            condition.append(f"{column} = ?")
            params.append(filters[name])
    frame = ui.df(
        f"select month, sum(pim_month_end) as pim_cierre_mes, sum(pim_change_month) as modificacion_mes"
        f" from {table('fct_budget_pim_monthly')} where {' and '.join(condition)} group by month order by month",
        params,
    )
    if frame.empty or frame["pim_cierre_mes"].isna().all():
        return
    applied = [FILTER_LABELS[n] for n in carried if n in filters]
    st.caption(
        "PIM al cierre de cada mes (fct_budget_pim_monthly"
        + (f"; filtrado por {', '.join(applied)}" if applied else "; todo el país")
        + ")"
    )
    frame["mes"] = frame["month"].map(lambda m: fmt.mes(int(m)))
    money = ["pim_cierre_mes", "modificacion_mes"]
    shown = ui.soles_columns(frame[["mes", *money]], money)
    st.dataframe(shown, hide_index=True)


def _year_over_year(year: int, month: int, filters: dict[str, Any]) -> None:
    st.markdown("#### Año contra año")
    if PUBLISHED.missing("marts.fct_execution_yoy"):
        st.info("El mart `marts.fct_execution_yoy` aún no está publicado.")
        return
    condition = ["year = ?", "month = ?"]
    params: list[Any] = [year, month]
    for name in ("pliego", "programa_ppto"):
        if name in filters:
            condition.append(f"{name} = ?")
            params.append(filters[name])
    frame = ui.df(
        f"""select pliego, max(pliego_nombre) as pliego_nombre, sum(pim) as pim,
                   sum(pim_prev_year) as pim_anio_anterior,
                   sum(devengado_ytd) as devengado, sum(devengado_ytd_prev_year) as devengado_anio_anterior,
                   100 * sum(devengado_ytd) / nullif(sum(pim), 0) as avance,
                   100 * sum(devengado_ytd_prev_year) / nullif(sum(pim_prev_year), 0) as avance_anio_anterior
            from {table("fct_execution_yoy")} where {" and ".join(condition)}
            group by pliego order by pim desc nulls last""",
        params,
    )
    st.caption(f"A {fmt.mes(month)} de {year} contra {fmt.mes(month)} de {year - 1}, por pliego.")
    money = ["pim", "pim_anio_anterior", "devengado", "devengado_anio_anterior"]
    shown = ui.pct_columns(ui.soles_columns(frame, money), ["avance", "avance_anio_anterior"])
    ui.table_download(frame, f"anio-contra-anio-{year}-{month}", shown=shown)
