"""What every page shares: cached queries keyed on the publication, "as of" captions, downloadable tables."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import fmt
from dashboard.data import PUBLISHED, FileKey, NotPublishedError, table


@st.cache_data(max_entries=512, show_spinner=False)
def _cached(key: FileKey, sql: str, params: tuple[Any, ...]) -> pd.DataFrame:
    # ``key`` (the published file's identity) is part of the cache key: a new publication misses the cache
    return PUBLISHED.df(sql, params)


def df(sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
    """Query the current publication (cached per publication and query)."""
    key = PUBLISHED.key()
    if key is None:
        raise NotPublishedError(f"nothing published at {PUBLISHED.path}")
    return _cached(key, sql, tuple(params))


def require(*tables: str) -> bool:
    """Say which marts are not published yet (and return False) instead of failing; True when all are there."""
    key = PUBLISHED.key()
    if key is None:
        st.warning(
            f"Todavía no hay datos publicados en `{PUBLISHED.path}`. Ejecute `make demo` o `python -m pipeline run`."
        )
        return False
    missing = PUBLISHED.missing(*tables)
    if missing:
        st.info("Esta página necesita marts que aún no están publicados: " + ", ".join(f"`{m}`" for m in missing))
        return False
    return True


def publication_header() -> None:
    """The "as of" line every page shows: when the marts were published and by which quality-gate run."""
    if PUBLISHED.key() is None:
        return
    row = df(f"select published_at, gate_run_id from {table('ops.publication')}")
    if row.empty:
        return
    published_at, gate = row.iloc[0]
    st.caption(
        f"Datos publicados el {fmt.fecha(published_at.to_pydatetime(), with_time=True)} UTC · "
        f"control de calidad `{gate}` · archivo `{PUBLISHED.path.name}`"
    )


def loads_of(*sources: str) -> pd.DataFrame:
    """The current loads (load id, file, SHA-256, time) of the given sources (contract names)."""
    placeholders = ", ".join("?" for _ in sources)
    return df(
        f"""select distinct c.source, c.load_id, l.location, l.sha256, l.finished_at
            from {table("ops.current_partitions")} c join {table("ops.load_log")} l using (load_id)
            where c.source in ({placeholders}) order by c.source, c.load_id""",
        sources,
    )


def as_of(*sources: str) -> None:
    """Caption under a figure: which loads (file, SHA-256, time) it is as of."""
    loads = loads_of(*sources)
    if loads.empty:
        st.caption("Sin cargas publicadas de " + ", ".join(sources))
        return
    parts = [
        f"{r.source}: carga {r.load_id} del {fmt.fecha(r.finished_at.to_pydatetime(), with_time=True)} "
        f"(`{r.location.rsplit('/', 1)[-1]}`, SHA-256 `{r.sha256[:12]}…`)"
        for r in loads.itertuples()
    ]
    st.caption("Al corte de " + " · ".join(parts))


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def table_download(frame: pd.DataFrame, name: str, *, shown: pd.DataFrame | None = None, **kwargs: Any) -> None:
    """Show ``shown`` (default ``frame``) and a button that downloads ``frame`` as CSV (UTF-8, numbers unformatted)."""
    st.dataframe(frame if shown is None else shown, hide_index=True, **kwargs)
    st.download_button(
        f"Descargar CSV ({len(frame):,} filas)",
        frame.to_csv(index=False).encode("utf-8"),
        file_name=f"{slug(name)}.csv",
        mime="text/csv",
        key=f"csv-{slug(name)}",
    )


def soles_columns(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """A copy with the given amount columns written as ``S/ 1,234.56`` (for display; CSVs keep numbers)."""
    shown = frame.copy()
    for column in columns:
        if column in shown:
            shown[column] = shown[column].map(lambda v: fmt.soles(None if pd.isna(v) else float(v)))
    return shown


def pct_columns(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    shown = frame.copy()
    for column in columns:
        if column in shown:
            shown[column] = shown[column].map(lambda v: fmt.pct(None if pd.isna(v) else float(v)))
    return shown
