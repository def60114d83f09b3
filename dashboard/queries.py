"""The execution page's queries, shared by the page and benchmarks/bench_dashboard.py (so the benchmark times what
the page runs). Cross-cuts go through ``pipeline.crosscut.execution_by`` (its allowlist, its parameters); the few
queries it does not cover build their WHERE from the same allowlist, with every value a parameter."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dashboard.data import table
from pipeline.crosscut import DIMENSIONS, execution_by

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

# Drill-down of the executing unit's place: national → department → province → district.
GEO_LEVELS = ("departamento_ejecutora", "provincia_ejecutora", "distrito_ejecutora")
# Cuts the page offers besides the place, with their Spanish labels (keys from crosscut.DIMENSIONS).
CUTS: dict[str, str] = {
    "nivel_gobierno": "Nivel de gobierno",
    "sector": "Sector",
    "pliego": "Pliego",
    "ejecutora": "Unidad ejecutora",
    "programa_ppto": "Programa presupuestal",
    "funcion": "Función",
    "fuente_financiamiento": "Fuente de financiamiento",
    "departamento_meta": "Departamento de la meta",
    "generica": "Genérica de gasto",
}
# Filters the sidebar offers (a subset of DIMENSIONS), in order.
FILTERS = ("nivel_gobierno", "sector", "pliego", "programa_ppto", "funcion", "fuente_financiamiento")


def where(filters: Mapping[str, Any], years: Sequence[int] | None = None, alias: str = "") -> tuple[str, list[Any]]:
    """Return a WHERE condition over the wide mart for ``filters`` (names from ``crosscut.DIMENSIONS``) and years.

    Values are parameters; a name outside the allowlist raises ``KeyError``. None matches NULL.
    """
    prefix = f"{alias}." if alias else ""
    parts: list[str] = []
    params: list[Any] = []
    for name, value in filters.items():
        column = prefix + DIMENSIONS[name].code
        values = list(value) if isinstance(value, (list, tuple, set)) else [value]
        present = [str(item) for item in values if item is not None]
        alternatives = []
        if present:
            alternatives.append(f"{column} in ({', '.join('?' for _ in present)})")
            params.extend(present)
        if len(present) < len(values):
            alternatives.append(f"{column} is null")
        parts.append("(" + " or ".join(alternatives or ["false"]) + ")")
    if years:
        parts.append(f"{prefix}year in ({', '.join('?' for _ in years)})")
        params.extend(int(year) for year in years)
    return " and ".join(parts) or "true", params


def group_for(filters: Mapping[str, Any]) -> str:
    """The next level of the place drill-down given the place filters chosen (district is the last)."""
    for level in GEO_LEVELS:
        if level not in filters:
            return level
    return GEO_LEVELS[-1]


@dataclass
class ExecutionData:
    """Everything the execution page shows for one choice of filters."""

    total: pd.DataFrame
    by_group: pd.DataFrame
    monthly: pd.DataFrame
    lineage: pd.DataFrame


def execution_page(
    con: duckdb.DuckDBPyConnection,
    filters: Mapping[str, Any],
    year: int,
    months: Sequence[int] | None,
    group: str,
) -> ExecutionData:
    """Run the execution page's four queries: the total, by ``group``, month by month, and the files behind it."""
    import pandas as pd

    def frame(dimensions: list[str]) -> pd.DataFrame:
        cut = execution_by(con, dimensions, filters, years=[year], months=months)
        return pd.DataFrame(cut.rows, columns=cut.columns)

    return ExecutionData(
        total=frame([]),
        by_group=frame([group]),
        monthly=frame(["month"]),
        lineage=source_files(con, filters, year, months),
    )


def source_files(
    con: duckdb.DuckDBPyConnection, filters: Mapping[str, Any], year: int, months: Sequence[int] | None
) -> pd.DataFrame:
    """The source files (location, SHA-256, load) behind the selection, with how many mart rows and file rows."""
    condition, params = where(filters, [year], alias="w")
    if months:
        condition += f" and (w.month in ({', '.join('?' for _ in months)}) or w.month = 0)"
        params += [int(month) for month in months]
    sql = f"""
        select w._source_sha256 as sha256, w._load_id as load_id, l.location, l.finished_at as cargado,
               count(*) as filas_mart, sum(w.source_row_count) as filas_archivo,
               sum(w.monto_devengado) as devengado
        from {table("fct_budget_execution_wide")} w left join {table("ops.load_log")} l on l.load_id = w._load_id
        where {condition}
        group by all order by filas_mart desc"""
    return con.execute(sql, params).df()


def source_rows(
    con: duckdb.DuckDBPyConnection,
    filters: Mapping[str, Any],
    year: int,
    months: Sequence[int] | None,
    limit: int = 1000,
) -> pd.DataFrame:
    """The mart rows behind the selection with the file rows each sums (``_source_rows``: line = row + 1)."""
    condition, params = where(filters, [year], alias="w")
    if months:
        condition += f" and (w.month in ({', '.join('?' for _ in months)}) or w.month = 0)"
        params += [int(month) for month in months]
    sql = f"""
        select w.year, w.month, w.sec_ejec, w.ejecutora_nombre, w.programa_ppto, w.funcion, w.generica,
               w.monto_pim, w.monto_devengado, f._source_rows, w._source_sha256, l.location
        from {table("fct_budget_execution_wide")} w
        join {table("fct_budget_execution")} f on f.budget_execution_key = w.budget_execution_key
        left join {table("ops.load_log")} l on l.load_id = w._load_id
        where {condition}
        order by w.year, w.month, w.sec_ejec limit ?"""
    return con.execute(sql, [*params, int(limit)]).df()


def options(con: duckdb.DuckDBPyConnection, name: str, parent: Mapping[str, Any], year: int) -> list[tuple[str, str]]:
    """(code, "code · name") choices of a dimension within the other place filters already chosen and the year."""
    dimension = DIMENSIONS[name]
    condition, params = where(parent, [year])
    label = f"coalesce({dimension.code} || ' · ' || max({dimension.name}), {dimension.code}, '(vacío)')"
    sql = (
        f"select {dimension.code} as code, {label} as label from {table('fct_budget_execution_wide')}"
        f" where {condition} group by {dimension.code} order by {dimension.code} nulls first"
    )
    return [(code, text) for code, text in con.execute(sql, params).fetchall()]
