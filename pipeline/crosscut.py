"""Execution % at any cross-cut of the budget: one GROUP BY over ``marts.fct_budget_execution_wide``.

    from pipeline.crosscut import connect_published, execution_by
    with connect_published() as con:
        result = execution_by(con, ["pliego", "departamento_meta", "month"], {"nivel_gobierno": "R"}, years=[2026])
    result.records()  # [{'pliego': '440', 'pliego_nombre': ..., 'month': 5, 'pim': ..., 'pct_execution': ...}, ...]

Rules (docs/cross-cuts.md says why):

* Dimensions and filters are named from :data:`DIMENSIONS`, the one allowlist; anything else is refused with
  :class:`UnknownDimensionError`. Only names from it reach the SQL text; every filter value, year and month is a
  DuckDB parameter.
* PIA and PIM are annual: a group's PIA/PIM is the sum over all its rows of the selected years, whatever month they
  sit on, never a per-month figure. ``months`` limits devengado only.
* Without ``month`` among the dimensions, ``devengado`` is the selected months' sum (all months by default) and
  ``pct_execution`` = 100 x devengado / PIM.
* With ``month``, each row is one month 1..12 of the group: ``devengado_month`` is that month's devengado,
  ``devengado`` is the year to date (months 1..m plus any month-0 amounts; months outside ``months`` still count
  towards it), and ``pct_execution`` = 100 x devengado year to date / annual PIM, MEF's "avance %" at month m. A
  month in which the group had no row at all is absent.
* ``pct_execution`` is NULL when PIM is 0; it is not rounded (the dashboard rounds).
* A dimension groups by its codes; its name column shows the alphabetically last name the code had in the
  selection (names can change between years or loads, codes do not).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

WIDE_TABLE = "marts.fct_budget_execution_wide"


@dataclass(frozen=True)
class Dimension:
    """A dimension of the wide mart: the code columns it groups by (the last one is its own) and its name column."""

    codes: tuple[str, ...]
    name: str | None
    description: str

    @property
    def code(self) -> str:
        """The dimension's own code column (filters compare it)."""
        return self.codes[-1]


# The allowlist: the one declaration of what can be cut by (docs/cross-cuts.md prints it). A code that is unique
# only within a parent (province within department) groups by the parent's code too.
DIMENSIONS: dict[str, Dimension] = {
    "nivel_gobierno": Dimension(("nivel_gobierno",), "nivel_gobierno_nombre", "level of government (E, R, M)"),
    "sector": Dimension(("sector",), "sector_nombre", "sector (NULL for local governments)"),
    "pliego": Dimension(("pliego",), "pliego_nombre", "pliego (NULL for local governments)"),
    "ejecutora": Dimension(("sec_ejec",), "ejecutora_nombre", "executing unit (SEC_EJEC)"),
    "departamento_ejecutora": Dimension(
        ("departamento_ejecutora",), "departamento_ejecutora_nombre", "department where the executing unit sits"
    ),
    "provincia_ejecutora": Dimension(
        ("departamento_ejecutora", "provincia_ejecutora"), "provincia_ejecutora_nombre", "its province"
    ),
    "distrito_ejecutora": Dimension(
        ("departamento_ejecutora", "provincia_ejecutora", "distrito_ejecutora"),
        "distrito_ejecutora_nombre",
        "its district (where a municipality spends)",
    ),
    "programa_ppto": Dimension(("programa_ppto",), "programa_ppto_nombre", "budget programme"),
    "tipo_act_proy": Dimension(("tipo_act_proy",), "tipo_act_proy_nombre", "project (2) or activity (3)"),
    "producto_proyecto": Dimension(("producto_proyecto",), "producto_proyecto_nombre", "product or project (CUI)"),
    "actividad_accion_obra": Dimension(
        ("actividad_accion_obra",), "actividad_accion_obra_nombre", "activity / action / work"
    ),
    "funcion": Dimension(("funcion",), "funcion_nombre", "function"),
    "division_funcional": Dimension(("division_funcional",), "division_funcional_nombre", "functional division"),
    "grupo_funcional": Dimension(("grupo_funcional",), "grupo_funcional_nombre", "functional group"),
    "departamento_meta": Dimension(
        ("departamento_meta",), "departamento_meta_nombre", "department of the goal (where the money is spent)"
    ),
    "fuente_financiamiento": Dimension(("fuente_financiamiento",), "fuente_financiamiento_nombre", "funding source"),
    "rubro": Dimension(("rubro",), "rubro_nombre", "funding item (rubro)"),
    "tipo_recurso": Dimension(
        ("fuente_financiamiento", "rubro", "tipo_recurso"), "tipo_recurso_nombre", "resource type"
    ),
    "categoria_gasto": Dimension(("categoria_gasto",), "categoria_gasto_nombre", "expense category"),
    "generica": Dimension(("generica",), "generica_nombre", "generic expense classifier"),
    "subgenerica": Dimension(("generica", "subgenerica"), "subgenerica_nombre", "sub-generic classifier"),
    "year": Dimension(("year",), None, "fiscal year (filter with years=)"),
    "month": Dimension(("month",), None, "month 1..12: execution % year to date (filter with months=)"),
}

MEASURES = ("pia", "pim", "devengado", "pct_execution")


class CrossCutError(ValueError):
    """A cross-cut request the module refuses (nothing was queried)."""


class UnknownDimensionError(CrossCutError):
    """A dimension or filter name that is not in :data:`DIMENSIONS`."""


@dataclass(frozen=True)
class CrossCut:
    """The answer: ``columns`` and ``rows`` (ordered by the dimensions' codes), with the SQL and parameters run."""

    columns: list[str]
    rows: list[tuple[Any, ...]]
    sql: str = field(repr=False)
    params: list[Any] = field(repr=False)

    def records(self) -> list[dict[str, Any]]:
        """Return the rows as dicts keyed by column."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def _dimension(name: str, role: str) -> Dimension:
    try:
        return DIMENSIONS[name]
    except KeyError:
        raise UnknownDimensionError(f"unknown {role} {name!r}; allowed: {', '.join(DIMENSIONS)}") from None


def _in_list(column: str, values: Sequence[Any], params: list[Any]) -> str:
    """``column in (?, ...)`` for the non-NULL values, ``or column is null`` when None is among them."""
    present = [value for value in values if value is not None]
    parts = []
    if present:
        parts.append(f"{column} in ({', '.join('?' for _ in present)})")
        params.extend(present)
    if len(present) < len(values):
        parts.append(f"{column} is null")
    return "(" + " or ".join(parts) + ")" if parts else "false"


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple, set, frozenset)) else [value]


def _ints(values: Sequence[Any] | None, what: str) -> list[int] | None:
    if values is None:
        return None
    out = []
    for value in _as_list(values):
        if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
            raise CrossCutError(f"{what} must be whole numbers, got {value!r}")
        out.append(int(value))
    return out


def build_query(
    dimensions: Sequence[str],
    filters: Mapping[str, Any] | None = None,
    *,
    years: int | Sequence[int] | None = None,
    months: int | Sequence[int] | None = None,
    table: str = WIDE_TABLE,
) -> tuple[str, list[Any]]:
    """Return the SQL and its parameters for :func:`execution_by` (nothing is run).

    Raises :class:`UnknownDimensionError` for a name not in :data:`DIMENSIONS`, :class:`CrossCutError` for a
    repeated dimension, a year/month passed as a filter, or a year/month that is not a whole number.
    """
    if isinstance(dimensions, str):
        dimensions = [part.strip() for part in dimensions.split(",") if part.strip()]
    chosen = [_dimension(name, "dimension") for name in dimensions]
    if len(set(dimensions)) < len(dimensions):
        raise CrossCutError(f"a dimension is repeated in {list(dimensions)}")
    by_month = "month" in dimensions
    codes = list(dict.fromkeys(code for dim in chosen for code in dim.codes if code != "month"))
    names = [dim.name for dim in chosen if dim.name is not None]

    params: list[Any] = []
    where: list[str] = []
    for key, value in (filters or {}).items():
        dimension = _dimension(key, "filter")
        if key in ("year", "month"):
            raise CrossCutError(f"filter {key} with {key}s=..., not in filters")
        values = [None if item is None else str(item) for item in _as_list(value)]
        where.append(_in_list(dimension.code, values, params))
    year_list = _ints(years, "years")
    if year_list is not None:
        where.append(_in_list("year", year_list, params))
    month_list = _ints(months, "months")
    where_sql = " and ".join(where) or "true"

    keys = [*codes, "month"] if by_month else codes
    group = ", ".join(keys)
    # each dimension's codes then its name, in the order asked
    labels: list[str] = []
    for dim in chosen:
        labels += [code for code in dim.codes if code not in labels]
        labels += [dim.name] if dim.name else []
    labelled = [f"max({column}) as {column}" if column in names else column for column in labels]
    if not by_month:
        month_params: list[Any] = []
        devengado = "sum(monto_devengado)"
        if month_list is not None:
            devengado = f"sum(case when {_in_list('month', month_list, month_params)} then monto_devengado end)"
        items = [*labelled, "sum(monto_pia) as pia", "sum(monto_pim) as pim"]
        items.append(f"coalesce({devengado}, 0) as devengado")
        inner = f"select {', '.join(items)} from {table} where {where_sql}" + (f" group by {group}" if codes else "")
        params = month_params + params  # the CASE comes before WHERE in the text
    else:
        # one pass: group by month, then windows over each group's months give the annual PIA/PIM (every month's
        # rows added) and the devengado year to date; month 0 enters the windows and is dropped afterwards
        whole = f"partition by {', '.join(codes)}" if codes else ""
        items = [*labelled, "sum(monto_pia) as pia_rows", "sum(monto_pim) as pim_rows"]
        items.append("sum(monto_devengado) as devengado_month")
        monthly = f"select {', '.join(items)} from {table} where {where_sql} group by {group}"
        windowed = [
            *(f"max({column}) over whole as {column}" if column in names else column for column in labels),
            "sum(pia_rows) over whole as pia",
            "sum(pim_rows) over whole as pim",
            "devengado_month",
            "sum(devengado_month) over to_month as devengado",
        ]
        shown = "month >= 1"
        if month_list is not None:
            shown += " and " + _in_list("month", month_list, params)
        inner = (
            f"select * from (select {', '.join(windowed)} from ({monthly}) as monthly"
            f" window whole as ({whole}),"
            f" to_month as ({whole} order by month rows between unbounded preceding and current row))"
            f" as windowed where {shown}"
        )
    sql = (
        "select *, case when coalesce(pim, 0) = 0 then null"
        f" else 100 * cast(devengado as double) / cast(pim as double) end as pct_execution from ({inner}) as cut"
    )
    if keys:
        sql += " order by " + ", ".join(f"{column} nulls first" for column in keys)
    return sql, params


def execution_by(
    con: duckdb.DuckDBPyConnection,
    dimensions: Sequence[str],
    filters: Mapping[str, Any] | None = None,
    *,
    years: int | Sequence[int] | None = None,
    months: int | Sequence[int] | None = None,
    table: str = WIDE_TABLE,
) -> CrossCut:
    """Return PIA, PIM, devengado and execution % by ``dimensions`` (names from :data:`DIMENSIONS`).

    ``filters`` maps a dimension to a value or a list of values of its own code column (None matches NULL, e.g.
    the pliego of local governments); ``years`` and ``months`` take a number or a list. See the module docstring for
    how PIM and the month rows are computed. ``table`` is written into the SQL as it is: a relation name from the
    caller's code, never user input. Raises :class:`CrossCutError` (and queries nothing) for a request outside the
    allowlist.
    """
    sql, params = build_query(dimensions, filters, years=years, months=months, table=table)
    cursor = con.execute(sql, params)
    columns = [column[0] for column in cursor.description]
    return CrossCut(columns, cursor.fetchall(), sql, params)


@contextmanager
def connect_published(path: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open ``published.duckdb`` (default ``$WAREHOUSE_DIR/published.duckdb``) read-only for the block.

    The file is attached read-only to an in-memory DuckDB (as dashboard/data.py does), not opened with
    ``duckdb.connect(path, read_only=True)``: DuckDB caches database instances by path within a process, and a
    publication replaces the file. Raises :class:`FileNotFoundError` when nothing is published yet.
    """
    import duckdb

    from ingest.settings import published_db_path

    target = path or published_db_path()
    if not target.is_file():
        raise FileNotFoundError(f"nothing published at {target}: run `python -m pipeline run` first")
    con = duckdb.connect()
    try:
        con.execute("attach ? as published (read_only)", [str(target)])
        con.execute("use published")
        yield con
    finally:
        con.close()


def format_table(result: CrossCut, limit: int | None = None) -> str:
    """Return the result as a plain text table (the CLI's output): amounts with 2 decimals, % with 1."""
    shown = result.rows if limit is None else result.rows[:limit]

    def cell(column: str, value: Any) -> str:
        if value is None:
            return ""
        if column == "pct_execution":
            return f"{value:.1f}"
        if column in ("pia", "pim", "devengado", "devengado_month"):
            return f"{value:,.2f}"
        return str(value)

    table = [result.columns, *([cell(c, v) for c, v in zip(result.columns, row, strict=True)] for row in shown)]
    widths = [max(len(row[i]) for row in table) for i in range(len(result.columns))]
    lines = ["  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)) for row in table]
    if limit is not None and len(result.rows) > limit:
        lines.append(f"... {len(result.rows) - limit} more rows")
    return "\n".join(lines)


def _numbers(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected whole numbers separated by commas, got {text!r}") from None


def _cli(args: argparse.Namespace) -> int:
    import csv
    import sys

    filters: dict[str, list[str]] = {}
    for item in args.where:
        key, sep, values = item.partition("=")
        if not sep:
            print(f"error: --where takes DIMENSION=VALUE[,VALUE...], got {item!r}", file=sys.stderr)
            return 2
        filters.setdefault(key.strip(), []).extend(values.split(","))
    try:
        with connect_published(args.db) as con:
            result = execution_by(con, args.by, filters, years=args.year, months=args.month)
    except (CrossCutError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(result.columns)
        writer.writerows(result.rows)
    else:
        print(format_table(result, args.limit))
    return 0


def add_cli(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``python -m pipeline crosscut`` to the command line's subcommands."""
    parser = commands.add_parser(
        "crosscut",
        help="PIA, PIM, devengado and execution %% by any dimensions, from published.duckdb",
        description="Execution %% at any cross-cut of the published budget marts (docs/cross-cuts.md). "
        f"Dimensions: {', '.join(DIMENSIONS)}.",
    )
    parser.add_argument("--by", default="", help="dimensions, comma-separated, e.g. pliego,departamento_meta,month")
    parser.add_argument(
        "--where", action="append", default=[], metavar="DIM=V[,V]", help="keep these codes (repeatable)"
    )
    parser.add_argument("--year", type=_numbers, default=None, help="fiscal year(s), e.g. 2026 or 2025,2026")
    parser.add_argument("--month", type=_numbers, default=None, help="month(s) 1..12 (devengado of these months)")
    parser.add_argument("--db", type=Path, default=None, help="database (default $WAREHOUSE_DIR/published.duckdb)")
    parser.add_argument("--limit", type=int, default=50, help="rows to print (default 50; --csv prints all)")
    parser.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    parser.set_defaults(func=_cli)
