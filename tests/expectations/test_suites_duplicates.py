"""The exact-duplicate check tolerates MEF's rate (about 1 in 100,000 rows) on a full-size year, and still names them.

A synthetic warehouse built with DuckDB alone: 200,000 raw SIAF rows, the staging views and a fact citing each row,
the ops tables of one current load, and only the tables the audit model cross_source_rows reads; the model's own
SQL (its ref() and source() resolved) builds the audit table. The 127-row sample with one duplicated row failing the
same check is in test_suites_gate.py.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from expectations.report import ExpectationOutcome
from expectations.validate import GateResult, run_gate
from tests.expectations.gx_scratch_warehouse import rendered_model_sql

ROWS = 200_000
SHA = "ab" * 32
DUPLICATES = "expect_column_values_to_be_null(identical_rows) where source == 'siaf-gasto'"


@pytest.fixture(scope="module")
def audit_sql() -> str:
    return rendered_model_sql("cross_source_rows")


def _build(warehouse: Path, duplicated_pairs: list[tuple[int, int]], audit_sql: str) -> None:
    """Write a warehouse whose raw rows are all different except each (row, copy) pair of ``duplicated_pairs``,
    and its audit tables, as ``dbt build`` would."""
    warehouse.mkdir(parents=True)
    con = duckdb.connect(str(warehouse / "monitoring.duckdb"))
    try:
        for schema in ("ops", "raw", "staging", "marts"):
            con.execute(f"create schema {schema}")
        con.execute(
            "create table ops.load_log as select 7::bigint as load_id, 'siaf-gasto' as source, ? as sha256,"
            " ?::bigint as rows_read, ?::bigint as rows_loaded",
            [SHA, ROWS, ROWS],
        )
        con.execute(
            "create table ops.current_partitions as"
            " select 'siaf-gasto' as source, '2025' as partition_value, 7::bigint as load_id"
        )
        con.execute(
            "create table ops.rejects"
            " (load_id bigint, source varchar, sha256 varchar, source_row bigint, reason varchar)"
        )
        # data columns are a function of d: a copy row takes the d of the row it duplicates
        copies = " ".join(f"when {copy} then {row}" for row, copy in duplicated_pairs)
        d = f"case i {copies} else i end" if duplicated_pairs else "i"
        con.execute(
            f"""create table raw.siaf_gasto as
            select 2025::smallint as ano_eje, ({d} % 12 + 1)::smallint as mes_eje,
                   lpad(({d} % 900)::varchar, 4, '0') as sec_ejec, ({d} * 1.5)::decimal(18, 2) as monto_devengado,
                   ? as _source_sha256, i as _source_row, 7::bigint as _load_id, timestamp '2026-01-01' as _loaded_at
            from range(1, {ROWS + 1}) r(i)""",
            [SHA],
        )
        con.execute(
            "create table raw.ubigeo_inei (ubigeo varchar, _source_sha256 varchar, _source_row bigint,"
            " _load_id bigint, _loaded_at timestamp)"
        )
        con.execute("create view staging.stg_siaf__gasto as select * from raw.siaf_gasto")
        con.execute("create view staging.stg_reference__ubigeo_districts as select * from raw.ubigeo_inei")
        con.execute(
            "create table marts.fct_budget_execution as"
            " select 'siaf-gasto' as source_contract, _source_sha256, [_source_row] as _source_rows from raw.siaf_gasto"
        )
        con.execute("create schema audit")
        con.execute(f"create table audit.cross_source_rows as {audit_sql}")
        con.execute("create table audit.audit_current_loads as select * from ops.current_partitions")
    finally:
        con.close()


def _duplicates_outcome(warehouse: Path, gx_root: Path) -> tuple[GateResult, ExpectationOutcome]:
    result = run_gate(warehouse, ["cross_source_rows"], gx_root=gx_root)
    outcomes = {o.name: o for suite in result.suites for o in suite.outcomes}
    assert all(o.success for name, o in outcomes.items() if name != DUPLICATES), result.failed_critical
    return result, outcomes[DUPLICATES]


@pytest.mark.parametrize(
    ("pairs", "passed"),
    [
        pytest.param([(1000, 1001)], True, id="1-duplicate-in-200000-rows-tolerated"),
        pytest.param([(1000, 1001), (5000, 90000), (7, 199999)], False, id="3-duplicates-in-200000-rows-fail"),
    ],
)
def test_duplicate_tolerance_on_a_full_size_year(
    tmp_path: Path, gx_root: Path, audit_sql: str, pairs: list[tuple[int, int]], passed: bool
) -> None:
    _build(tmp_path / "warehouse", pairs, audit_sql)

    result, duplicates = _duplicates_outcome(tmp_path / "warehouse", gx_root)

    assert result.passed is passed
    assert duplicates.severity == "critical" and duplicates.success is passed
    # tolerated or not, every row of a duplicate group is reported with its file and the group's rows
    assert duplicates.unexpected_count == 2 * len(pairs)
    shown = {(e["_source_sha256"], e["_source_row"], tuple(e["identical_rows"])) for e in duplicates.examples}
    expected = {(SHA, row, pair) for pair in pairs for row in pair}
    assert shown == expected
