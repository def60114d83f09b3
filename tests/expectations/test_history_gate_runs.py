"""The gate's history: every run appended to ops.validation_runs / ops.validation_results, and published.

One warehouse per module, built the way the pipeline builds it (real loaders on the real SIAF sample, then dbt);
each test works on a copy of the closed DuckDB file.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import duckdb
import pytest

from expectations.history import RESULTS_TABLE, RUNS_TABLE
from ingest.contracts import registry
from ingest.warehouse import load_table_name
from pipeline.paths import ubigeo_reference_location
from pipeline.publish import publish
from pipeline.tasks import GateFailedError, build_marts, load_source, publish_marts, run_quality_gate

SUITE = ["raw_siaf_gasto"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, siaf_sample: Path) -> Path:
    warehouse = tmp_path_factory.mktemp("history") / "warehouse"
    load_source("ubigeo-inei", ubigeo_reference_location(), warehouse=warehouse)
    load_source("siaf-gasto", str(siaf_sample), warehouse=warehouse)
    build_marts(warehouse)
    return warehouse


@pytest.fixture
def warehouse(built: Path, tmp_path: Path, gx_root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the built warehouse; the gate runs on a scratch copy of the GX context."""
    monkeypatch.setattr("expectations.settings.GX_ROOT", gx_root)
    directory = tmp_path / "warehouse"
    directory.mkdir()
    for path in built.glob("monitoring.duckdb*"):
        shutil.copy2(path, directory / path.name)
    return directory


def _query(database: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _break_a_month(warehouse: Path) -> None:
    (load_id,) = _query(
        warehouse / "monitoring.duckdb", "select load_id from ops.current_partitions where source = 'siaf-gasto'"
    )[0]
    con = duckdb.connect(str(warehouse / "monitoring.duckdb"))
    try:
        con.execute(f"update {load_table_name(registry().get('siaf-gasto'), load_id)} set mes_eje = 13 where rowid = 4")
    finally:
        con.close()


def test_each_run_is_appended_and_the_history_is_published(warehouse: Path) -> None:
    database = warehouse / "monitoring.duckdb"
    first = run_quality_gate(warehouse, suites=SUITE, as_of="2026-05-21T09:00:00Z")
    _break_a_month(warehouse)
    with pytest.raises(GateFailedError):
        run_quality_gate(warehouse, suites=SUITE)

    runs = _query(
        database,
        f"select run_id, decision, suites, tables, critical_failed, as_of, report_html, report_json from {RUNS_TABLE}"
        " order by run_time",
    )
    assert [r[1] for r in runs] == ["passed", "failed"]
    assert runs[0][0] == first["run_id"] and runs[0][2] == SUITE and runs[0][3] == ["raw.siaf_gasto"]
    assert runs[0][4] == 0 and runs[1][4] >= 1
    assert str(runs[0][5]) == "2026-05-21 09:00:00"
    assert runs[0][6] == first["html_report_path"] and Path(runs[0][6]).is_file() and Path(runs[1][7]).is_file()
    for run_id, *_, report_json in runs:  # one result row per expectation, with the report's statuses
        report = json.loads(Path(report_json).read_text(encoding="utf-8"))
        expected = [(o["name"], o["status"]) for s in report["suites"] for o in s["expectations"]]
        rows = _query(
            database,
            f"select expectation, status from {RESULTS_TABLE} where run_id = '{run_id}' order by suite, position",
        )
        assert rows == expected
    failed = _query(
        database,
        f"select suite, table_name, severity, unexpected_count, element_count, examples from {RESULTS_TABLE}"
        f" where run_id = '{runs[1][0]}' and status = 'failed' and expectation_type = 'expect_column_values_to_be_"
        "between' and kwargs->>'column' = 'mes_eje'",
    )
    assert len(failed) == 1
    *facts, examples = failed[0]
    assert facts == ["raw_siaf_gasto", "raw.siaf_gasto", "critical", 1, 127]
    assert [(e["_source_row"], e["mes_eje"], len(e["_source_sha256"])) for e in json.loads(examples)] == [(5, 13, 64)]

    # the failed run did not publish; publishing the passed run copies the whole history with the marts
    assert not (warehouse / "published.duckdb").exists()
    publication = publish_marts(first, warehouse)
    published = Path(publication["path"])
    assert publication["rows"][RUNS_TABLE] == 2
    assert _query(published, f"select run_id, decision from {RUNS_TABLE} order by run_time") == [r[:2] for r in runs]
    assert _query(published, f"select count(*) from {RESULTS_TABLE}") == _query(
        database, f"select count(*) from {RESULTS_TABLE}"
    )
    quality_report, quality_json, docs = _query(
        published, "select quality_report, quality_report_json, data_docs from ops.publication"
    )[0]
    assert quality_report == first["html_report_path"] and quality_report.endswith(f"{first['run_id']}.html")
    assert quality_json.endswith(f"{first['run_id']}.json") and docs == first["data_docs_path"]


def test_failed_gate_names_the_html_report_and_logs_stale_sources(
    warehouse: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _break_a_month(warehouse)
    caplog.set_level(logging.WARNING)

    with pytest.raises(GateFailedError) as failure:
        run_quality_gate(warehouse, suites=SUITE, as_of="2030-01-01T00:00:00Z")

    (html,) = (warehouse / "quality" / "runs").glob("*.html")
    assert f"Report: {html}" in str(failure.value)
    stale = [r.getMessage() for r in caplog.records if r.name == "pipeline.tasks" and r.levelno == logging.WARNING]
    assert any(m.startswith("stale source: source siaf-gasto last loaded") for m in stale), stale
    assert any(m.startswith("stale source: source ubigeo-inei last loaded") for m in stale), stale
    assert not any("invierte-formato-12b" in m for m in stale)  # planned: no loads by design, no warning


def test_publish_creates_empty_history_tables_when_no_gate_wrote_them(warehouse: Path) -> None:
    validated = _query(
        warehouse / "monitoring.duckdb", "select source, partition_value, load_id from ops.current_partitions"
    )
    publication = publish(
        warehouse, gate_passed=True, gate_run_id="manual", report_path=None, validated_loads=validated
    )

    assert publication.rows[RUNS_TABLE] == 0 and publication.rows[RESULTS_TABLE] == 0
    columns = _query(
        publication.path,
        "select column_name from duckdb_columns() where schema_name = 'ops' and table_name = 'validation_results'",
    )
    assert ("examples",) in columns and ("status",) in columns
