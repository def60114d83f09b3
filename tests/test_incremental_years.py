"""The SIAF expenditure facts are built incrementally by fiscal year (docs/siaf-expenditure-files.md).

One scratch warehouse, three small generated years, loaded with the real loader and built three times with dbt:

1. gasto files for 2024 and 2025 and a Devengado mensual file for 2023: a first (full) build;
2. a new 2025 gasto file (the same rows with one amount changed, as a new daily file is) and a gasto file for 2023
   (the year switches from the Devengado file to the gasto file): an incremental build must rebuild 2025 and 2023
   and leave 2024's rows alone (a), and 2023 must now come from the gasto file (c);
3. ``--full-refresh`` of the two incremental facts: the tables equal the incremental result row for row (b).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SIAF_SAMPLE
from tests.ingest.helpers import records

KEPT, CURRENT, SWITCHED = 2024, 2025, 2023  # 2024 untouched by step 2; 2025 reloaded; 2023 Devengado -> gasto
FACTS = ("fct_budget_execution", "fct_budget_execution_wide")
FIRST_BUILD = (
    "stg_siaf__gasto stg_siaf__devengado_mensual int_siaf__devengado_months int_siaf__budget_lines"
    " fct_budget_execution dim_entity dim_budget_program dim_function"
    " fct_budget_execution_wide"
)
# staging and intermediate views read raw live: later builds need not re-create them
INCREMENTAL_BUILD = "fct_budget_execution dim_entity dim_budget_program dim_function fct_budget_execution_wide"
FILE_BYTES = 60_000  # ~65 rows a file
DEVENGADO_ROWS = 40
FIRST_AT = datetime(2026, 5, 15, 6, 0, tzinfo=UTC)
SECOND_AT = datetime(2026, 5, 16, 6, 0, tzinfo=UTC)
MARKERS = {table: f"{table} before step 2" for table in FACTS}


def _query(warehouse: Path, sql: str) -> list[dict[str, Any]]:
    return records(warehouse / "monitoring.duckdb", sql)


def _load(warehouse: Path, source: str, path: Path) -> None:
    from ingest.load import load

    result = load(source, str(path), warehouse=warehouse, allow_shrink=True)
    assert result.status == "loaded" and result.rows_rejected == 0, result


def _models_run(warehouse: Path) -> set[str]:
    """Return the models the last dbt run built (run_results.json)."""
    results = json.loads((warehouse / "dbt" / "target" / "run_results.json").read_text())["results"]
    return {r["unique_id"].split(".")[-1] for r in results if r["unique_id"].startswith("model.")}


def _next_day(file: Path, out: Path) -> None:
    """Copy a gasto file with its first data row's devengado raised by one sol: the next day's file of the year."""
    lines = file.read_bytes().split(b"\r\n")
    header = [name.strip('"') for name in lines[0].decode().split('","')]
    fields = lines[1].split(b'","')
    column = header.index("MONTO_DEVENGADO")
    fields[column] = str(Decimal(fields[column].decode()) + 1).encode()
    lines[1] = b'","'.join(fields)
    out.write_bytes(b"\r\n".join(lines))


def _mark(warehouse: Path) -> None:
    """Overwrite ``_source_sha256`` of every row of each fact with its own marker: a row rebuilt loses it (the wide
    table's rows are rebuilt from fct_budget_execution's, which carry the other marker)."""
    import duckdb

    con = duckdb.connect(str(warehouse / "monitoring.duckdb"))
    try:
        for table, marker in MARKERS.items():
            con.execute(f"update marts.{table} set _source_sha256 = ?", [marker])
    finally:
        con.close()


def _marked(warehouse: Path, table: str) -> dict[int, tuple[int, int]]:
    """Return, per year, (rows still carrying the table's marker, rows)."""
    rows = _query(
        warehouse,
        f"select year, count(*) filter (where _source_sha256 = '{MARKERS[table]}') as marked, count(*) as n"
        f" from marts.{table} group by year",
    )
    return {row["year"]: (row["marked"], row["n"]) for row in rows}


def _restore_sha256(warehouse: Path) -> None:
    """Put back the file SHA-256 where a marker is left (a fact row's load is its year's one file)."""
    import duckdb

    con = duckdb.connect(str(warehouse / "monitoring.duckdb"))
    try:
        for table in FACTS:
            con.execute(
                f"update marts.{table} t set _source_sha256 = l.sha256 from ops.load_log l"
                " where l.load_id = t._load_id and t._source_sha256 in (select unnest(?::varchar[]))",
                [list(MARKERS.values())],
            )
    finally:
        con.close()


def _year_sources(warehouse: Path) -> dict[int, set[str]]:
    rows = _query(
        warehouse, "select year, list(distinct source_contract) as c from marts.fct_budget_execution group by year"
    )
    return {row["year"]: set(row["c"]) for row in rows}


@dataclass
class Built:
    warehouse: Path
    marked: dict[str, dict[int, tuple[int, int]]]  # table: year: (rows still marked after step 2, rows)
    sources_before: dict[int, set[str]]
    models_run: set[str]
    differences: dict[str, tuple[int, int, int]]  # table: (rows, only incremental, only full refresh)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """Load and build in the three steps of the module docstring."""
    import duckdb

    from benchmarks import generate_siaf as gasto
    from benchmarks import generate_siaf_devengado as devengado
    from pipeline.transform import dbt_build

    folder = tmp_path_factory.mktemp("incremental_years")
    files = {
        "kept": folder / f"{KEPT}-Gasto.csv",
        "current": folder / f"{CURRENT}-Gasto.csv",
        "current_new": folder / f"{CURRENT}-Gasto-new.csv",
        "switched": folder / f"{SWITCHED}-Gasto.csv",
        "switched_devengado": folder / f"{SWITCHED}-Gasto-Devengado-Mensual.csv",
    }
    for name, year, seed in (("kept", KEPT, 1), ("current", CURRENT, 2)):
        assert gasto.generate(files[name], FILE_BYTES, SIAF_SAMPLE, year, seed=seed) > 0
    _next_day(files["current"], files["current_new"])
    assert gasto.generate(files["switched"], FILE_BYTES, SIAF_SAMPLE, SWITCHED, seed=4) > 0
    assert devengado.generate(files["switched_devengado"], DEVENGADO_ROWS, SWITCHED, seed=5) == DEVENGADO_ROWS

    warehouse = folder / "warehouse"
    warehouse.mkdir()
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("WAREHOUSE_DIR", str(warehouse))
        monkeypatch.setattr("ingest.load._utcnow", lambda: FIRST_AT)
        _load(warehouse, "siaf-gasto", files["kept"])
        _load(warehouse, "siaf-gasto", files["current"])
        _load(warehouse, "siaf-devengado-mensual", files["switched_devengado"])
        dbt_build(warehouse, select=FIRST_BUILD)
        sources_before = _year_sources(warehouse)
        _mark(warehouse)

        monkeypatch.setattr("ingest.load._utcnow", lambda: SECOND_AT)
        _load(warehouse, "siaf-gasto", files["current_new"])
        _load(warehouse, "siaf-gasto", files["switched"])
        dbt_build(warehouse, select=INCREMENTAL_BUILD)
        marked = {table: _marked(warehouse, table) for table in FACTS}
        models_run = _models_run(warehouse)
        _restore_sha256(warehouse)

        con = duckdb.connect(str(warehouse / "monitoring.duckdb"))
        con.execute("create schema incremental")
        for table in FACTS:
            con.execute(f"create table incremental.{table} as select * from marts.{table}")
        con.close()
        dbt_build(warehouse, select=" ".join(FACTS), full_refresh=True)
        differences = {}
        for table in FACTS:
            differences[table] = tuple(
                _query(
                    warehouse,
                    f"select (select count(*) from marts.{table}) as n,"
                    f" (select count(*) from (from incremental.{table} except all from marts.{table})) as a,"
                    f" (select count(*) from (from marts.{table} except all from incremental.{table})) as b",
                )[0].values()
            )
        yield Built(warehouse, marked, sources_before, models_run, differences)


@pytest.mark.parametrize("table", FACTS)
def test_a_year_without_a_new_file_is_not_rewritten(built: Built, table: str) -> None:
    """(a) Every 2024 row keeps the marker written after step 1; every row of the rebuilt years was replaced."""
    assert {FACTS[0], FACTS[1]} <= built.models_run
    marked = built.marked[table]
    assert set(marked) == {KEPT, CURRENT, SWITCHED}
    assert marked[KEPT][0] == marked[KEPT][1] > 0
    assert marked[CURRENT][0] == marked[SWITCHED][0] == 0
    assert marked[CURRENT][1] > 0 and marked[SWITCHED][1] > 0


def test_a_year_switching_from_devengado_to_gasto_is_rebuilt(built: Built) -> None:
    """(c) 2023 came from the Devengado mensual file; after its gasto file is loaded it comes from the gasto file."""
    assert built.sources_before == {
        KEPT: {"siaf-gasto"},
        CURRENT: {"siaf-gasto"},
        SWITCHED: {"siaf-devengado-mensual"},
    }
    assert _year_sources(built.warehouse)[SWITCHED] == {"siaf-gasto"}
    raw, facts = (
        _query(built.warehouse, sql)[0]
        for sql in (
            f"select count(*) as n, sum(monto_devengado) as d from raw.siaf_gasto where ano_eje = {SWITCHED}",
            "select sum(source_row_count) as n, sum(monto_devengado) as d"
            f" from marts.fct_budget_execution where year = {SWITCHED}",
        )
    )
    assert raw == facts and raw["n"] > 0


@pytest.mark.parametrize("table", FACTS)
def test_incremental_result_equals_a_full_refresh(built: Built, table: str) -> None:
    """(b) Every row of the incremental build is in the --full-refresh build and the other way round."""
    rows, only_incremental, only_full = built.differences[table]
    assert rows > 0
    assert (only_incremental, only_full) == (0, 0)
