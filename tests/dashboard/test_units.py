"""The dashboard's formatting helpers, its allowlisted and parameterised queries, and reopening on a new publication.

No browser and no pipeline: small DuckDB files written by the tests."""

from __future__ import annotations

import os
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from dashboard import fmt
from dashboard.data import Published, table
from dashboard.queries import group_for, options, where


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (1234567.891, "S/ 1,234,567.89"),
        (Decimal("0"), "S/ 0.00"),
        (Decimal("-45101.3"), "-S/ 45,101.30"),
        (-0.001, "S/ 0.00"),  # rounds to zero: no minus sign
        (645, "S/ 645.00"),
        (None, "—"),
    ],
)
def test_soles_as_peruvians_write_them(amount: object, text: str) -> None:
    assert fmt.soles(amount) == text  # type: ignore[arg-type]


def test_dates_months_percentages_and_traffic_lights() -> None:
    assert fmt.fecha(date(2026, 3, 7)) == "07/03/2026"
    assert fmt.fecha(datetime(2026, 11, 28, 9, 5), with_time=True) == "28/11/2026 09:05"
    assert fmt.fecha(float("nan")) == "—"  # type: ignore[arg-type]
    assert [fmt.mes(m) for m in (0, 1, 9, 12)] == ["apertura", "enero", "setiembre", "diciembre"]
    with pytest.raises(ValueError, match=r"0\.\.12"):
        fmt.mes(13)
    assert fmt.pct(59.649) == "59.6 %"
    assert fmt.pct(None) == "—"
    assert [fmt.semaforo(v, 75, 50) for v in (80, 75, 60, 49.9, None)] == ["verde", "verde", "ámbar", "rojo", "sin PIM"]


def test_only_allowlisted_tables_reach_sql() -> None:
    assert table("fct_works") == '"marts"."fct_works"'
    assert table("ops.load_log") == '"ops"."load_log"'
    for name in ("raw.siaf_gasto", "fct_works; drop table x", "ops.rejects", "marts.load_log"):
        with pytest.raises(ValueError, match="allowlist"):
            table(name)
    with pytest.raises(KeyError):
        where({"pliego; drop table x": "1"})


def _wide(path: Path, rows: list[tuple[int, int, str | None, str, float]]) -> None:
    """A published file with a minimal wide mart: year, month, pliego, pliego_nombre, monto_devengado."""
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute(
        "create table marts.fct_budget_execution_wide (year int, month int, pliego varchar, pliego_nombre varchar,"
        " monto_devengado decimal(18, 2))"
    )
    con.executemany("insert into marts.fct_budget_execution_wide values (?, ?, ?, ?, ?)", rows)
    con.close()


def test_a_filter_value_with_a_quote_is_data(tmp_path: Path) -> None:
    path = tmp_path / "published.duckdb"
    quoted = "O'Higgins' or '1'='1"
    _wide(path, [(2026, 1, quoted, "CON COMILLA", 10), (2026, 1, "001", "OTRO", 5), (2026, 1, None, None, 1)])
    sql, params = where({"pliego": quoted}, [2026])
    assert quoted not in sql and params == [quoted, 2026]
    con = duckdb.connect(str(path), read_only=True)
    try:
        total = con.execute(f"select sum(monto_devengado) from marts.fct_budget_execution_wide where {sql}", params)
        assert total.fetchone()[0] == 10
        none_sql, none_params = where({"pliego": [None]})
        assert (
            con.execute(
                f"select count(*) from marts.fct_budget_execution_wide where {none_sql}", none_params
            ).fetchone()[0]
            == 1
        )
        assert options(con, "pliego", {}, 2026) == [
            (None, "(vacío)"),
            ("001", "001 · OTRO"),
            (quoted, f"{quoted} · CON COMILLA"),
        ]
    finally:
        con.close()


def test_place_drill_down_goes_one_level_at_a_time() -> None:
    assert group_for({}) == "departamento_ejecutora"
    assert group_for({"departamento_ejecutora": "01"}) == "provincia_ejecutora"
    assert group_for({"departamento_ejecutora": "01", "provincia_ejecutora": "01"}) == "distrito_ejecutora"
    full = {"departamento_ejecutora": "01", "provincia_ejecutora": "01", "distrito_ejecutora": "01"}
    assert group_for(full) == "distrito_ejecutora"


def test_a_new_publication_is_read_without_reopening_by_hand_and_the_old_file_is_let_go(tmp_path: Path) -> None:
    path = tmp_path / "published.duckdb"
    _wide(path, [(2026, 1, "001", "A", 10)])
    published = Published(path)
    query = "select sum(monto_devengado) from marts.fct_budget_execution_wide"
    assert published.rows(query)[0][0] == 10
    assert published.rows(query)[0][0] == 10
    assert published.opened == 1  # same file: the connection is reused
    staging = tmp_path / ".published.duckdb.tmp"
    _wide(staging, [(2026, 1, "001", "A", 10), (2026, 2, "001", "A", 7)])
    os.replace(staging, path)  # what pipeline/publish.py does
    assert published.rows(query)[0][0] == 17
    assert published.opened == 2
    held = [os.readlink(fd) for fd in Path("/proc/self/fd").iterdir() if os.path.islink(fd)]
    assert not [p for p in held if p.startswith(str(path)) and p.endswith("(deleted)")], held
    assert published.missing("marts.fct_budget_execution_wide", "marts.fct_works") == ["marts.fct_works"]
    published.close()
    path.unlink()
    with pytest.raises(FileNotFoundError):
        published.rows(query)
