"""Calidad de datos: the last gate decision, failing checks, freshness per source, every load with file and SHA-256."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import fmt, ui
from dashboard.data import table


def render() -> None:
    st.title("Calidad de datos")
    ui.publication_header()
    if not ui.require("ops.publication", "ops.load_log", "ops.validation_runs", "ops.validation_results"):
        return
    publication = ui.df(f"select * from {table('ops.publication')}").iloc[0]
    run = ui.df(f"select * from {table('ops.validation_runs')} where run_id = ?", [publication["gate_run_id"]])
    st.markdown("#### Última decisión del control de calidad")
    if run.empty:
        st.info(f"La corrida `{publication['gate_run_id']}` no está en el historial publicado.")
    else:
        r = run.iloc[0]
        decision = {"passed": "publicar", "failed": "no publicar"}.get(str(r["decision"]), str(r["decision"]))
        a, b, c, d = st.columns(4)
        a.metric("Decisión", decision)
        b.metric("Críticas aprobadas", f"{int(r['critical_passed']):,}")
        c.metric("Críticas fallidas", f"{int(r['critical_failed']):,}")
        d.metric("Advertencias", f"{int(r['warning_failed']):,}")
        st.caption(
            f"Corrida `{r['run_id']}` del {fmt.fecha(r['run_time'].to_pydatetime(), with_time=True)} UTC, "
            f"{float(r['duration_seconds']):.1f} s"
        )
    _report(publication)

    st.markdown("#### Controles que fallaron")
    failing = ui.df(
        f"""select suite, table_name, expectation_type, severity, status, unexpected_count, unexpected_percent,
                   observed_value, description, error
            from {table("ops.validation_results")}
            where run_id = ? and status not in ('passed', 'not_applicable') order by severity, suite, position""",
        [publication["gate_run_id"]],
    )
    if failing.empty:
        st.success("Ningún control falló.")
    else:
        ui.table_download(failing, "controles-fallidos")

    st.markdown("#### Vigencia por fuente")
    freshness = ui.df(
        f"""select l.source as fuente, max(l.finished_at) as ultima_carga,
                   date_diff('day', max(l.finished_at), (select published_at from {table("ops.publication")})) as dias,
                   list_contains(coalesce(any_value(r.stale_sources), []), l.source) as desactualizada
            from {table("ops.load_log")} l
            left join {table("ops.validation_runs")} r on r.run_id = ?
            where l.status = 'loaded' group by l.source order by l.source""",
        [publication["gate_run_id"]],
    )
    shown = freshness.assign(ultima_carga=freshness["ultima_carga"].map(lambda t: fmt.fecha(t, with_time=True)))
    ui.table_download(freshness, "vigencia-por-fuente", shown=shown)

    st.markdown("#### Cargas: archivo y SHA-256")
    loads = ui.df(
        f"""select l.load_id, l.source, l.location, l.sha256, l.bytes, l.rows_read, l.rows_loaded, l.rows_rejected,
                   l.status, l.finished_at, c.load_id is not null as vigente
            from {table("ops.load_log")} l
            left join (select distinct load_id from {table("ops.current_partitions")}) c using (load_id)
            order by l.load_id"""
    )
    st.download_button(
        f"Descargar CSV ({len(loads):,} filas)", loads.to_csv(index=False).encode("utf-8"), "cargas.csv", "text/csv"
    )
    # a plain HTML table (one row per load, few): the SHA-256 can be read, selected and searched on the page
    st.table(loads.assign(finished_at=loads["finished_at"].map(lambda t: fmt.fecha(t, with_time=True))))


def _report(publication: object) -> None:
    """Where the auditor's report is, with a download of the HTML file when this machine has it."""
    path = publication["quality_report"]  # type: ignore[index]
    if not path:
        st.caption("Esta publicación no registró un informe del auditor.")
        return
    report = Path(str(path))
    st.markdown(f"Informe del auditor: `{report}`")
    if report.is_file():
        st.download_button(
            "Descargar el informe del auditor (HTML)",
            report.read_bytes(),
            file_name=report.name,
            mime="text/html",
            key="informe-auditor",
        )
    else:
        st.caption("El archivo del informe no está en esta máquina.")
