"""The gate end to end on scratch warehouses built from the real SIAF sample: exit codes, report, examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from expectations import cli
from expectations.validate import run_gate


def _execute(warehouse_dir: Path, *statements: str) -> None:
    con = duckdb.connect(str(warehouse_dir / "monitoring.duckdb"))
    try:
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()


def _gate(warehouse_dir: Path, gx_root: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    """Run ``python -m expectations validate`` in-process on the scratch GX root."""
    monkeypatch.setattr("expectations.settings.GX_ROOT", gx_root)
    return cli.main(["validate", "--warehouse-dir", str(warehouse_dir), *args])


def _report(warehouse_dir: Path) -> dict[str, Any]:
    return json.loads((warehouse_dir / "quality" / "latest.json").read_text(encoding="utf-8"))


def _failures(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for suite in report["suites"] for e in suite["expectations"] if not e["success"]}


def test_real_sample_passes_and_releases_the_file(
    warehouse_dir: Path, gx_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # this hand-built warehouse holds only these two tables; tests/expectations/test_suites_gate.py runs every suite
    suites = ("--suite", "raw_siaf_gasto", "--suite", "marts_execution_progress")
    assert _gate(warehouse_dir, gx_root, monkeypatch, *suites) == cli.EXIT_PASSED

    out = capsys.readouterr().out
    assert "raw_siaf_gasto: PASSED (" in out and "marts_execution_progress: PASSED (" in out
    report = _report(warehouse_dir)
    assert report["passed"] is True
    assert sorted(s["suite"] for s in report["suites"]) == ["marts_execution_progress", "raw_siaf_gasto"]
    assert (warehouse_dir / "quality" / "runs" / f"{report['run_id']}.json").is_file()
    # GX's validation results and Data Docs go with the warehouse, never into the committed context
    assert Path(report["data_docs"]).is_file() and str(warehouse_dir / "quality" / "gx") in report["data_docs"]
    assert not (gx_root / "uncommitted" / "validations").exists()
    # every connection was closed: DuckDB refuses another configuration while one is open in this process
    duckdb.connect(str(warehouse_dir / "monitoring.duckdb"), read_only=True).close()


def test_critical_failures_exit_1_and_name_the_bad_rows(
    warehouse_dir: Path, gx_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _execute(
        warehouse_dir,
        # a month 13 row (new lineage key 500) and a second row 5 of the same file (duplicated lineage key)
        "INSERT INTO raw.siaf_gasto_rows SELECT * REPLACE (13::SMALLINT AS mes_eje, 500 AS _source_row) "
        "FROM raw.siaf_gasto_rows WHERE _source_row = 1",
        "INSERT INTO raw.siaf_gasto_rows SELECT * FROM raw.siaf_gasto_rows WHERE _source_row = 5",
    )

    assert _gate(warehouse_dir, gx_root, monkeypatch, "--suite", "raw_siaf_gasto") == cli.EXIT_CRITICAL_FAILED

    failures = _failures(_report(warehouse_dir))
    assert set(failures) == {
        "expect_column_values_to_be_between(mes_eje)",
        "expect_compound_columns_to_be_unique(_source_sha256, _source_row)",
    }
    month = failures["expect_column_values_to_be_between(mes_eje)"]
    assert month["severity"] == "critical" and month["unexpected_count"] == 1
    assert [(e["_source_row"], e["mes_eje"]) for e in month["examples"]] == [(500, 13)]
    assert len(month["examples"][0]["_source_sha256"]) == 64
    duplicate = failures["expect_compound_columns_to_be_unique(_source_sha256, _source_row)"]
    assert {e["_source_row"] for e in duplicate["examples"]} == {5}
    out = capsys.readouterr().out
    assert "[critical] expect_column_values_to_be_between(mes_eje)" in out and "_source_row=500" in out
    assert "gate: FAILED (2 critical" in out


def test_warning_only_failure_exits_0(
    warehouse_dir: Path, gx_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _execute(warehouse_dir, "UPDATE raw.siaf_gasto_rows SET meta = '1' WHERE _source_row = 3")

    assert _gate(warehouse_dir, gx_root, monkeypatch, "--suite", "raw_siaf_gasto") == cli.EXIT_PASSED

    failures = _failures(_report(warehouse_dir))
    assert list(failures) == ["expect_column_values_to_match_regex(meta)"]
    assert failures["expect_column_values_to_match_regex(meta)"]["severity"] == "warning"
    assert failures["expect_column_values_to_match_regex(meta)"]["examples"][0]["_source_row"] == 3
    out = capsys.readouterr().out
    assert "raw_siaf_gasto: PASSED with warnings" in out
    assert "[warning] expect_column_values_to_match_regex(meta)" in out
    assert "gate: PASSED (1 warning(s))" in out


def test_mart_failure_reports_the_key(warehouse_dir: Path, gx_root: Path) -> None:
    # the month's range is dbt's test (reported as dbt_tests); the year's range is the suite's own
    _execute(warehouse_dir, "UPDATE marts.fct_execution_progress SET year = 1999 WHERE sec_ejec = '723'")

    result = run_gate(warehouse_dir, ["marts_execution_progress"], gx_root=gx_root)

    assert not result.passed
    assert "marts_execution_progress: expect_column_values_to_be_between(year)" in result.failed_critical
    failed = {o.name: o for o in result.failures("critical")}
    examples = failed["expect_column_values_to_be_between(year)"].examples
    assert {e["execution_progress_key"] for e in examples} == {"2026|1|723|9002|15|01", "2026|2|723|9002|15|01"}
    assert result.report_path == warehouse_dir / "quality" / "latest.json"


def test_a_missing_table_is_one_critical_failure(warehouse_dir: Path, gx_root: Path) -> None:
    _execute(warehouse_dir, "DROP TABLE marts.fct_execution_progress")

    result = run_gate(warehouse_dir, ["marts_execution_progress"], gx_root=gx_root)

    assert result.failed_critical == ("marts_execution_progress: suite_run",)
    assert "marts.fct_execution_progress" in (result.failures("critical")[0].error or "")


def test_no_warehouse_file_exits_2_and_creates_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere"
    assert cli.main(["validate", "--warehouse-dir", str(missing)]) == cli.EXIT_ERROR
    assert "warehouse file not found" in capsys.readouterr().err
    assert not missing.exists()


def test_unknown_suite_exits_2(
    warehouse_dir: Path, gx_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _gate(warehouse_dir, gx_root, monkeypatch, "--suite", "nope") == cli.EXIT_ERROR
    assert "unknown suite(s) nope" in capsys.readouterr().err
