"""Publishing copies the marts atomically, and a failed gate leaves the published file byte for byte as it was."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ingest.warehouse import connect
from pipeline.publish import PublishRefusedError, publish


def _working(warehouse: Path, devengado: int) -> None:
    con = connect(warehouse / "monitoring.duckdb")  # creates ops.* like a real load does
    try:
        con.execute("create schema if not exists marts")
        con.execute(f"create or replace table marts.fct_demo as select 2026 as year, {devengado} as devengado")
        con.execute("create schema if not exists staging")
        con.execute("create or replace table staging.not_published as select 1 as x")
    finally:
        con.close()


def _read(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_publish_copies_marts_and_lineage_only(warehouse: Path) -> None:
    _working(warehouse, 100)
    publication = publish(warehouse, gate_passed=True, gate_run_id="run-1", report_path="r.html")
    assert publication.path == warehouse / "published.duckdb"
    assert _read(publication.path, "select devengado from marts.fct_demo") == [(100,)]
    tables = {r[0] for r in _read(publication.path, "select schema_name || '.' || table_name from duckdb_tables()")}
    assert {"marts.fct_demo", "ops.load_log", "ops.publication"} <= tables
    assert "staging.not_published" not in tables and "ops.rejects" not in tables
    assert _read(publication.path, "select gate_run_id, quality_report from ops.publication") == [("run-1", "r.html")]
    assert not list(warehouse.glob(".published.duckdb.*"))


def test_failed_gate_keeps_the_previous_publication(warehouse: Path) -> None:
    _working(warehouse, 100)
    first = publish(warehouse, gate_passed=True, gate_run_id="run-1").path
    before = first.read_bytes()
    _working(warehouse, 999)
    with pytest.raises(PublishRefusedError, match="run-2 failed"):
        publish(warehouse, gate_passed=False, gate_run_id="run-2")
    assert first.read_bytes() == before
    publish(warehouse, gate_passed=True, gate_run_id="run-3")
    assert _read(first, "select devengado from marts.fct_demo") == [(999,)]


def test_nothing_to_publish(warehouse: Path) -> None:
    connect(warehouse / "monitoring.duckdb").close()
    with pytest.raises(PublishRefusedError, match="run dbt build first"):
        publish(warehouse, gate_passed=True, gate_run_id="run-1")
    assert not (warehouse / "published.duckdb").exists()
