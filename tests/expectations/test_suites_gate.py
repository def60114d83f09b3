"""The whole gate (every raw, mart and cross-table suite) on warehouses built by the real loader and dbt.

One warehouse is built per module from MEF's real 127-row sample (loader + dbt, ~10 s) and copied per test. Broken
inputs are edited copies of the sample's bytes in tmp_path; the file in ../shared is never touched.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from expectations.report import ExpectationOutcome
from expectations.validate import GateResult, run_gate
from tests.expectations.gx_scratch_warehouse import build_from_pipeline, copy_warehouse, load_siaf, run_dbt_models
from tests.ingest.helpers import edited_copy

PIM_WHERE_DEVENGADO = "cross_budget_lines: expect_column_values_to_be_between(pim) where devengado > 0"
CROSS_SUITES = ["cross_budget_lines", "cross_mart_references", "cross_siaf_totals", "cross_source_rows"]
# What the real sample fails, all warnings: its PIA/PIM rows are not among its first 127 lines (PIM = 0 everywhere),
# and it holds only month 5, so payments of earlier months' accruals show without their accruals.
SAMPLE_WARNINGS = {
    "cross_budget_lines: expect_column_pair_values_a_to_be_greater_than_b(certificado, devengado)",
    "cross_budget_lines: expect_column_pair_values_a_to_be_greater_than_b(pim, certificado)",
    PIM_WHERE_DEVENGADO,
    "marts_execution_progress: expect_column_pair_values_a_to_be_greater_than_b(devengado_ytd, girado_ytd)",
}
MONTH_RAW = "raw_siaf_gasto: expect_column_values_to_be_between(mes_eje)"
REJECTED = "cross_source_rows: expect_column_values_to_be_null(rejected_reason)"
DUPLICATES = "cross_source_rows: expect_column_values_to_be_null(identical_rows) where source == 'siaf-gasto'"
LOADED_IN_RAW = "cross_source_rows: expect_column_pair_values_to_be_equal(loaded, in_raw)"
RAW_IN_MARTS = "cross_source_rows: expect_column_pair_values_to_be_equal(in_raw, in_marts) where source == 'siaf-gasto'"
TOTALS = "cross_siaf_totals: expect_column_pair_values_to_be_equal"


@pytest.fixture(scope="module")
def sample_warehouse(tmp_path_factory: pytest.TempPathFactory, siaf_sample: Path) -> Path:
    """The real sample loaded with the INEI table and built by dbt, once for the module."""
    directory = tmp_path_factory.mktemp("sample") / "warehouse"
    build_from_pipeline(directory, siaf_sample)
    return directory


@pytest.fixture
def warehouse(sample_warehouse: Path, tmp_path: Path) -> Path:
    return copy_warehouse(sample_warehouse, tmp_path / "warehouse")


def _failures(result: GateResult, severity: str) -> dict[str, ExpectationOutcome]:
    return {f"{o.suite}: {o.name}": o for o in result.failures(severity)}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _set_field(line: bytes, header: list[str], column: str, value: str) -> bytes:
    """Return a quoted SIAF line with one field replaced, written the way MEF writes it (every field quoted)."""
    fields = next(csv.reader([line.decode("utf-8")]))
    fields[header.index(column)] = value
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="").writerow(fields)
    return out.getvalue().encode("utf-8")


def _edit(siaf_sample: Path, target: Path, edit: Callable[[list[bytes], list[str]], list[bytes]]) -> Path:
    """Write an edited copy of the sample; ``edit`` gets its CRLF lines (0 = header, n = data row n) and header."""
    header = next(csv.reader([siaf_sample.read_bytes().split(b"\r\n", 1)[0].decode("utf-8")]))
    return edited_copy(siaf_sample, target, lambda lines: edit(list(lines), header))


def _run_sql(warehouse: Path, *statements: str) -> list[Any]:
    con = duckdb.connect(str(warehouse / "monitoring.duckdb"))
    try:
        return [con.execute(statement).fetchall() for statement in statements]
    finally:
        con.close()


def test_real_sample_passes_every_suite_with_known_warnings(warehouse: Path, gx_root: Path) -> None:
    result = run_gate(warehouse, gx_root=gx_root)

    assert result.passed, result.failed_critical
    assert set(result.failed_warning) == SAMPLE_WARNINGS
    suites = {suite.suite for suite in result.suites}
    assert {"raw_ubigeo_inei", "marts_budget_execution", "marts_dim_geography", *CROSS_SUITES} <= suites
    for suite in result.suites:
        assert all(o.error is None for o in suite.outcomes), suite.suite
    # the PIM warnings name the budget line's file rows, so an auditor can open the file at that line
    pim = _failures(result, "warning")[PIM_WHERE_DEVENGADO]
    assert pim.unexpected_count == 43
    assert all(e["_source_sha256"] and e["_source_rows"] for e in pim.examples)


def test_month_13_duplicate_and_bad_amount_each_fail_naming_their_rows(
    warehouse: Path, gx_root: Path, siaf_sample: Path, tmp_path: Path
) -> None:
    def edit(lines: list[bytes], header: list[str]) -> list[bytes]:
        lines[10] = _set_field(lines[10], header, "MES_EJE", "13")
        lines[20] = _set_field(lines[20], header, "MONTO_GIRADO", "12x5")
        lines.insert(31, lines[30])  # data row 30 again, as row 31 (later rows move down by one)
        return lines

    broken = _edit(siaf_sample, tmp_path / "2026-Gasto-Diario.csv", edit)
    # max_rejects lets the rows that parse load; dbt's own test on the month would stop `dbt build` before the
    # marts, so the models are built without it: the month 13 reaches the marts, whose month ranges are dbt's tests
    # (reported as the suite dbt_tests after a `dbt build`), so here the gate names it in the raw file
    load_siaf(warehouse, broken, max_rejects=1, dbt_tests=False)

    result = run_gate(warehouse, gx_root=gx_root)

    assert not result.passed
    critical = _failures(result, "critical")
    # one critical failure per problem
    assert set(critical) == {MONTH_RAW, REJECTED, DUPLICATES}
    sha = _sha256(broken)

    month = critical[MONTH_RAW]
    assert month.unexpected_count == 1
    assert [(e["_source_sha256"], e["_source_row"], e["mes_eje"]) for e in month.examples] == [(sha, 10, 13)]

    rejected = critical[REJECTED]
    assert rejected.unexpected_count == 1
    (example,) = rejected.examples
    assert (example["source"], example["_source_sha256"], example["_source_row"]) == ("siaf-gasto", sha, 20)
    assert "MONTO_GIRADO" in example["rejected_reason"]

    duplicates = critical[DUPLICATES]
    assert duplicates.unexpected_count == 2
    assert {(e["_source_sha256"], e["_source_row"]) for e in duplicates.examples} == {(sha, 30), (sha, 31)}
    assert all(e["identical_rows"] == [30, 31] for e in duplicates.examples)

    # the duplicate reaches the mart summed (never dropped): a warning names the mart row and both file rows
    summed = _failures(result, "warning")[
        "marts_budget_execution: expect_column_values_to_be_between(exact_duplicate_row_count)"
    ]
    assert [e["_source_rows"] for e in summed.examples] == [[30, 31]]


def test_warning_only_breakage_still_passes(warehouse: Path, gx_root: Path, siaf_sample: Path, tmp_path: Path) -> None:
    def edit(lines: list[bytes], header: list[str]) -> list[bytes]:
        units = [next(csv.reader([line.decode("utf-8")]))[header.index("SEC_EJEC")] if line else "" for line in lines]
        last_1518 = max(n for n, unit in enumerate(units) if n > 0 and unit == "1518")
        # the unit's name comes from its last row: a blank name there leaves dim_entity without a name
        lines[last_1518] = _set_field(lines[last_1518], header, "EJECUTORA_NOMBRE", "")
        lines[2] = _set_field(lines[2], header, "FINALIDAD", "044505")  # a code that lost a leading zero
        return lines

    edited = _edit(siaf_sample, tmp_path / "2026-Gasto-Diario.csv", edit)
    load_siaf(warehouse, edited, dbt_tests=True)

    result = run_gate(warehouse, gx_root=gx_root)

    assert result.passed, result.failed_critical
    name = "marts_dim_entity: expect_column_values_to_not_be_null(ejecutora_nombre)"
    finalidad = "raw_siaf_gasto: expect_column_values_to_match_regex(finalidad)"
    assert set(result.failed_warning) == SAMPLE_WARNINGS | {name, finalidad}
    warnings = _failures(result, "warning")
    assert [e["sec_ejec"] for e in warnings[name].examples] == ["1518"]
    assert [(e["_source_row"], e["finalidad"]) for e in warnings[finalidad].examples] == [(2, "044505")]
    assert warnings[finalidad].examples[0]["_source_sha256"] == _sha256(edited)


def test_cross_table_breaks_name_the_rows_behind_them(warehouse: Path, gx_root: Path, siaf_sample: Path) -> None:
    (picked,) = _run_sql(
        warehouse,
        "select budget_execution_key, _source_rows[1], sec_ejec from marts.fct_budget_execution"
        " where source_row_count = 1 and monto_devengado not in (0, 1) and monto_girado <> 0"
        " and sec_ejec <> '1518' order by _source_rows[1] limit 2",
    )
    (dropped_key, dropped_row, _), (changed_key, changed_row, _) = picked
    _run_sql(
        warehouse,
        # a mart row lost: its file row is summed nowhere, and the year's sums no longer match the file
        f"delete from marts.fct_budget_execution where budget_execution_key = '{dropped_key}'",
        # a mart figure that is not the sum of the file rows it cites
        f"update marts.fct_budget_execution set monto_devengado = monto_devengado + 1"
        f" where budget_execution_key = '{changed_key}'",
        # an executing unit missing from the dimension
        "delete from marts.dim_entity where sec_ejec = '1518'",
        # a load log that no longer agrees with the raw table
        "update ops.load_log set rows_read = rows_read - 1, rows_loaded = rows_loaded - 1"
        " where load_id = (select load_id from ops.current_partitions where source = 'siaf-gasto')",
    )
    run_dbt_models(warehouse, select="path:models/audit")  # the checks are dbt's audit tables: recompute them

    result = run_gate(warehouse, CROSS_SUITES, gx_root=gx_root)

    critical = _failures(result, "critical")
    assert set(critical) == {
        LOADED_IN_RAW,
        RAW_IN_MARTS,
        f"{TOTALS}(load_rows_loaded, load_raw_rows)",
        f"{TOTALS}(raw_rows, mart_source_rows)",
        f"{TOTALS}(raw_devengado, mart_devengado)",
        f"{TOTALS}(raw_girado, mart_girado)",
        "cross_budget_lines: expect_column_values_to_be_null(differs_from_file)",
        "cross_mart_references: expect_column_values_to_be_in_set(entity_known)",
    }
    sha = _sha256(siaf_sample)

    # the load log now says 126 rows were read: row 127 is in raw without being loaded
    assert [(e["_source_row"], e["loaded"], e["in_raw"]) for e in critical[LOADED_IN_RAW].examples] == [(127, 0, 1)]
    not_summed = critical[RAW_IN_MARTS].examples
    assert [(e["_source_sha256"], e["_source_row"], e["in_marts"]) for e in not_summed] == [(sha, dropped_row, 0)]

    devengado = critical[f"{TOTALS}(raw_devengado, mart_devengado)"]
    assert [(e["year"], e["_source_sha256"]) for e in devengado.examples] == [(2026, sha)]

    differs = critical["cross_budget_lines: expect_column_values_to_be_null(differs_from_file)"]
    assert [e["_source_rows"] for e in differs.examples] == [[changed_row]]
    assert differs.examples[0]["differs_from_file"].startswith("devengado ")

    unknown = critical["cross_mart_references: expect_column_values_to_be_in_set(entity_known)"]
    assert {e["sec_ejec"] for e in unknown.examples} == {"1518"}
    assert {e["mart"] for e in unknown.examples} == {"fct_budget_execution", "fct_execution_progress"}
    assert all(e["_source_sha256"] == sha and e["_source_rows"] for e in unknown.examples)


def test_audit_tables_of_other_loads_fail_closed(warehouse: Path, gx_root: Path) -> None:
    """The cross-table checks are dbt's audit tables: after a load that no build has seen, they say nothing about the
    data, so their suites fail (critical) instead of passing on the previous load's checks."""
    _run_sql(warehouse, "update ops.current_partitions set load_id = load_id + 100 where source = 'siaf-gasto'")

    result = run_gate(warehouse, CROSS_SUITES, gx_root=gx_root)

    assert not result.passed
    assert set(result.failed_critical) == {f"{suite}: suite_run" for suite in CROSS_SUITES}
    (error,) = {o.error for o in result.failures("critical")}
    assert error and "audit tables were built for loads" in error and "dbt build" in error
