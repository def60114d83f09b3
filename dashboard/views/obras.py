"""Obras: works at their district on a map without tiles, paralysed works, red flags, one work, CUI match rates."""

from __future__ import annotations

from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import fmt, ui
from dashboard.data import table

# District coordinates: INEI's 2025 district table shipped in reference/ (the district capital's latitude and
# longitude). The IDEP centroids file in ../shared carries no licence, so it is not copied into the repository.
UBIGEO_TABLE = Path(__file__).resolve().parents[2] / "reference" / "ubigeo" / "ubigeo-inei-2025.csv"
TODOS = "Todos"


@st.cache_data(show_spinner=False)
def district_points() -> pd.DataFrame:
    """ubigeo, lat, lon of every INEI district (read from the committed reference table, not from the network)."""
    import duckdb

    con = duckdb.connect()
    try:
        return con.execute(
            "select ubigeo, cast(latitud as double) as lat, cast(longitud as double) as lon"
            " from read_csv(?, delim = ';', header = true, all_varchar = true)",
            [str(UBIGEO_TABLE)],
        ).df()
    finally:
        con.close()


def render() -> None:
    st.title("Obras públicas")
    ui.publication_header()
    if not ui.require("marts.fct_works", "ops.load_log"):
        return
    departments = ui.df(
        f"select distinct department_name from {table('fct_works')} where department_name is not null order by 1"
    )["department_name"].tolist()
    with st.sidebar:
        st.header("Filtros")
        department = st.selectbox("Departamento", [TODOS, *departments], key="obras_dep")
        only_paralysed = st.checkbox("Solo obras paralizadas", key="obras_paralizadas")
    where, params = _where("w", None if department == TODOS else department, only_paralysed)
    works = ui.df(
        f"""select codigo_infobras, cui, ubigeo, ubigeo_resolved, department_name, province_name, district_name,
                   estado_ejecucion, avance_fisico_real_pct, avance_financiero_pct, is_paralysed, paralysed_since,
                   planned_end_date, as_of_date, _source_sha256, _source_row, _load_id
            from {table("fct_works")} w where {where} order by codigo_infobras""",
        params,
    )
    a, b, c = st.columns(3)
    a.metric("Obras", f"{len(works):,}")
    b.metric("Paralizadas", f"{int(works['is_paralysed'].fillna(False).sum()):,}")
    b_flags = 0
    if not ui.PUBLISHED.missing("marts.fct_works_red_flags"):
        b_flags = int(
            ui.df(
                f"select count(distinct f.codigo_infobras) as n from {table('fct_works_red_flags')} f"
                f" join {table('fct_works')} w using (codigo_infobras) where {where}",
                params,
            )["n"].iloc[0]
        )
    c.metric("Con alertas", f"{b_flags:,}")
    ui.as_of("infobras-obras")

    st.markdown("#### Mapa de obras por distrito")
    located = works.merge(district_points(), on="ubigeo", how="inner")
    located = located[located["lat"].notna() & located["lon"].notna()]
    per_district = (
        located.assign(paralizadas=located["is_paralysed"].fillna(False).astype(int))
        .groupby(["ubigeo", "department_name", "province_name", "district_name", "lat", "lon"], dropna=False)
        .agg(obras=("codigo_infobras", "count"), paralizadas=("paralizadas", "sum"))
        .reset_index()
    )
    per_district["estado"] = per_district["paralizadas"].map(lambda n: "con paralizadas" if n else "sin paralizadas")
    st.caption(
        f"{len(located):,} obras en el mapa, en {len(per_district):,} distritos; "
        f"{len(works) - len(located):,} sin distrito identificado. Coordenadas: capital del distrito (INEI 2025)."
    )
    if not per_district.empty:
        # every INEI district as a faint dot: the country's outline without any map tiles
        base = (
            alt.Chart(district_points().dropna())
            .mark_circle(size=6, color="#cfd8dc", opacity=0.6)
            .encode(longitude="lon:Q", latitude="lat:Q")
            .project(type="mercator")
        )
        chart = (
            alt.Chart(per_district)
            .mark_circle(opacity=0.7)
            .encode(
                longitude="lon:Q",
                latitude="lat:Q",
                size=alt.Size("obras:Q", title="Obras"),
                color=alt.Color(
                    "estado:N",
                    scale=alt.Scale(domain=["con paralizadas", "sin paralizadas"], range=["#c62828", "#1565c0"]),
                    title="Estado",
                ),
                tooltip=["district_name", "province_name", "department_name", "obras", "paralizadas"],
            )
            .project(type="mercator")
        )
        st.altair_chart((base + chart).properties(height=520), use_container_width=True)

    st.markdown("#### Obras paralizadas")
    paralysed = works[works["is_paralysed"].fillna(False)]
    ui.table_download(paralysed, "obras-paralizadas")

    if not ui.PUBLISHED.missing("marts.fct_works_red_flags"):
        st.markdown("#### Alertas (banderas rojas)")
        flags = ui.df(
            f"""select f.flag_code as alerta, count(*) as obras from {table("fct_works_red_flags")} f
                join {table("fct_works")} w using (codigo_infobras)
                where {where}
                group by 1 order by 2 desc""",
            params,
        )
        st.altair_chart(
            alt.Chart(flags).mark_bar(color="#c62828").encode(y=alt.Y("alerta:N", sort="-x"), x="obras:Q"),
            use_container_width=True,
        )
        ui.table_download(flags, "alertas-por-tipo")

    st.markdown("#### Una obra")
    codes = works["codigo_infobras"].astype(str).tolist()
    if codes:
        code = st.selectbox("Código INFOBRAS", codes, key="obra_codigo")
        _one_work(code)

    if not ui.PUBLISHED.missing("marts.agg_works_match_rates"):
        st.markdown("#### Enlace por CUI con Invierte.pe y SIAF")
        rates = ui.df(
            f"""select coalesce(department_name, '(sin departamento)') as departamento, sum(work_count) as obras,
                       round(100.0 * sum(works_with_cui) / sum(work_count), 2) as con_cui_pct,
                       round(100.0 * sum(works_matched_invierte) / sum(work_count), 2) as en_invierte_pct,
                       round(100.0 * sum(works_matched_siaf) / sum(work_count), 2) as en_siaf_pct
                from {table("agg_works_match_rates")} group by 1 order by obras desc"""
        )
        ui.table_download(rates, "tasas-enlace-cui")
        ui.as_of("infobras-obras", "invierte-inversiones", "siaf-gasto")


def _where(alias: str, department: str | None, only_paralysed: bool) -> tuple[str, list[str]]:
    """The works filter over ``alias`` (a fct_works alias); the department is a parameter."""
    condition, params = ["true"], []
    if department is not None:
        condition.append(f"{alias}.department_name = ?")
        params.append(department)
    if only_paralysed:
        condition.append(f"{alias}.is_paralysed")
    return " and ".join(condition), params


def _one_work(code: str) -> None:
    """The work's current state, its dates, its flags and the SIAF spending of its CUI month by month."""
    work = ui.df(f"select * from {table('fct_works')} where codigo_infobras = ?", [code])
    if work.empty:
        return
    row = work.iloc[0]
    st.write(
        f"**Estado:** {row['estado_ejecucion']} · **avance físico:** {fmt.pct(row['avance_fisico_real_pct'])}"
        f" · **paralizada desde:** {fmt.fecha(row['paralysed_since'])}"
        f" · **fin programado:** {fmt.fecha(row['planned_end_date'])} · **al:** {fmt.fecha(row['as_of_date'])}"
    )
    timeline = [
        ("visto por primera vez", row.get("first_seen_date")),
        ("inicio", row.get("fecha_inicio")),
        ("avance físico sin cambio desde", row.get("physical_progress_since")),
        ("paralizada desde", row.get("paralysed_since")),
        ("fin programado", row.get("planned_end_date")),
        ("estado al", row.get("as_of_date")),
    ]
    st.dataframe(
        pd.DataFrame(
            [(what, fmt.fecha(when)) for what, when in timeline if when is not None and not pd.isna(when)],
            columns=["hito", "fecha"],
        ),
        hide_index=True,
    )
    _history(code)
    if row["cui"] is not None and not ui.PUBLISHED.missing("marts.fct_work_spending"):
        spending = ui.df(
            f"select year, month, monto_devengado, devengado_cumulative from {table('fct_work_spending')}"
            " where cui = ? order by year, month",
            [row["cui"]],
        )
        if not spending.empty:
            st.caption(f"Devengado SIAF del CUI {row['cui']} mes a mes")
            ui.table_download(spending, f"obra-{code}-devengado")
    st.caption(f"Fila {row['_source_row']} del archivo SHA-256 `{row['_source_sha256']}` (carga {row['_load_id']}).")


def _history(code: str) -> None:
    """The work's status and progress over time: one row per version InfObras showed, from the kept loads."""
    if ui.PUBLISHED.missing("marts.fct_work_history"):
        st.info("La historia de las obras aún no está publicada (marts.fct_work_history).")
        return
    versions = ui.df(
        "select version_number, valid_from, valid_to, estado_ejecucion, avance_fisico_real_pct,"
        " avance_financiero_pct, is_paralysed, causal_paralizacion, _load_id, _source_row"
        f" from {table('fct_work_history')} where codigo_infobras = ? order by version_number",
        [code],
    )
    if versions.empty:
        return
    st.caption(f"Historia de la obra: {len(versions)} estado(s) visto(s) en las cargas de InfObras conservadas")
    progress = versions.melt(
        id_vars=["valid_from"],
        value_vars=["avance_fisico_real_pct", "avance_financiero_pct"],
        var_name="avance",
        value_name="porcentaje",
    ).replace({"avance_fisico_real_pct": "físico", "avance_financiero_pct": "financiero"})
    st.altair_chart(
        alt.Chart(progress)
        .mark_line(point=True, interpolate="step-after")
        .encode(
            x=alt.X("valid_from:T", title="desde"),
            y=alt.Y("porcentaje:Q", title="avance (%)"),
            color=alt.Color("avance:N", title=None),
        ),
        use_container_width=True,
    )
    shown = versions.assign(
        valid_from=versions["valid_from"].map(fmt.fecha), valid_to=versions["valid_to"].map(fmt.fecha)
    )
    ui.table_download(versions, f"obra-{code}-historia", shown=shown)
