"""Publishing copies the marts atomically; a failed gate, or loads that changed after the gate, leave the published
file byte for byte as it was."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from expectations import history
from ingest.warehouse import connect
from pipeline.publish import PublishRefusedError, publish

NO_LOADS: list[dict[str, object]] = []  # what a gate on a warehouse without loads validated


def _working(warehouse: Path, devengado: int) -> None:
    con = connect(warehouse / "monitoring.duckdb")  # creates ops.* like a real load does
    try:
        con.execute("create schema if not exists marts")
        con.execute(f"create or replace table marts.fct_demo as select 2026 as year, {devengado} as devengado")
        con.execute("create schema if not exists staging")
        con.execute("create or replace table staging.not_published as select 1 as x")
    finally:
        con.close()


def _land(warehouse: Path, source: str, partition: str, load_id: int) -> None:
    """Make a load current for a partition, as ingest/load.py does when it finishes."""
    con = connect(warehouse / "monitoring.duckdb")
    try:
        con.execute(
            "insert or replace into ops.current_partitions (source, partition_value, load_id) values (?, ?, ?)",
            [source, partition, load_id],
        )
    finally:
        con.close()


def _current(warehouse: Path) -> list[tuple[str, str, int]]:
    con = connect(warehouse / "monitoring.duckdb")
    try:
        return history.current_loads(con)
    finally:
        con.close()


def _record_gate(warehouse: Path, run_id: str, validated: list[dict[str, object]] | None) -> None:
    """A gate run in ops.validation_runs (what expectations/history.py appends), with the loads it validated."""
    con = connect(warehouse / "monitoring.duckdb")
    try:
        history.ensure_tables(con)
        counts = ", ".join("0" for _ in range(8))
        con.execute(
            f"insert into ops.validation_runs values (?, now()::timestamp, now()::timestamp, 'passed', [], [],"
            f" {counts}, [], 1.0, null, null, null, null, ?)",
            [run_id, None if validated is None else json.dumps(validated)],
        )
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
    publication = publish(
        warehouse, gate_passed=True, gate_run_id="run-1", report_path="r.html", validated_loads=NO_LOADS
    )
    assert publication.path == warehouse / "published.duckdb"
    assert _read(publication.path, "select devengado from marts.fct_demo") == [(100,)]
    tables = {r[0] for r in _read(publication.path, "select schema_name || '.' || table_name from duckdb_tables()")}
    assert {"marts.fct_demo", "ops.load_log", "ops.publication"} <= tables
    assert "staging.not_published" not in tables and "ops.rejects" not in tables
    assert _read(publication.path, "select gate_run_id, quality_report from ops.publication") == [("run-1", "r.html")]
    assert not list(warehouse.glob(".published.duckdb.*"))


def test_failed_gate_keeps_the_previous_publication(warehouse: Path) -> None:
    _working(warehouse, 100)
    first = publish(warehouse, gate_passed=True, gate_run_id="run-1", validated_loads=NO_LOADS).path
    before = first.read_bytes()
    _working(warehouse, 999)
    with pytest.raises(PublishRefusedError, match="run-2 failed"):
        publish(warehouse, gate_passed=False, gate_run_id="run-2")
    assert first.read_bytes() == before
    publish(warehouse, gate_passed=True, gate_run_id="run-3", validated_loads=NO_LOADS)
    assert _read(first, "select devengado from marts.fct_demo") == [(999,)]


def test_nothing_to_publish(warehouse: Path) -> None:
    connect(warehouse / "monitoring.duckdb").close()
    with pytest.raises(PublishRefusedError, match="run dbt build first"):
        publish(warehouse, gate_passed=True, gate_run_id="run-1", validated_loads=NO_LOADS)
    assert not (warehouse / "published.duckdb").exists()


def test_publishes_when_the_current_loads_are_the_validated_ones(warehouse: Path) -> None:
    _working(warehouse, 100)
    _land(warehouse, "siaf-gasto", "2026", 7)
    _land(warehouse, "ubigeo-inei", "__all__", 3)
    validated = [
        {"source": "siaf-gasto", "partition_value": "2026", "load_id": 7},
        {"source": "ubigeo-inei", "partition_value": "__all__", "load_id": 3},
    ]
    assert _current(warehouse) == [("siaf-gasto", "2026", 7), ("ubigeo-inei", "__all__", 3)]
    publication = publish(warehouse, gate_passed=True, gate_run_id="run-1", validated_loads=validated)
    assert _read(publication.path, "select load_id from ops.current_partitions order by 1") == [(3,), (7,)]


def test_load_landed_between_gate_and_publish_is_refused(warehouse: Path) -> None:
    _working(warehouse, 100)
    _land(warehouse, "siaf-gasto", "2026", 7)
    gate_1 = [{"source": "siaf-gasto", "partition_value": "2026", "load_id": 7}]
    published = publish(warehouse, gate_passed=True, gate_run_id="run-1", validated_loads=gate_1).path
    before = published.read_bytes()

    gate_2 = [{"source": "siaf-gasto", "partition_value": "2026", "load_id": 7}]  # what the next gate validated...
    _working(warehouse, 999)
    _land(warehouse, "siaf-gasto", "2026", 8)  # ...then a newer file for 2026 landed before publish
    _land(warehouse, "siaf-gasto", "2025", 9)
    with pytest.raises(PublishRefusedError, match=r"current loads changed after quality gate run run-2") as refused:
        publish(warehouse, gate_passed=True, gate_run_id="run-2", validated_loads=gate_2)
    message = str(refused.value)
    assert "now current: siaf-gasto 2025 (load 9), siaf-gasto 2026 (load 8)" in message
    assert "validated: siaf-gasto 2026 (load 7)" in message
    assert published.read_bytes() == before
    assert not list(warehouse.glob(".published.duckdb.*"))


def test_partition_dropped_after_the_gate_is_refused(warehouse: Path) -> None:
    _working(warehouse, 100)
    validated = [
        ("siaf-gasto", "2025", 5),
        ("siaf-gasto", "2026", 7),
    ]  # tuples work too
    _land(warehouse, "siaf-gasto", "2026", 7)
    with pytest.raises(PublishRefusedError, match=r"validated: siaf-gasto 2025 \(load 5\)"):
        publish(warehouse, gate_passed=True, gate_run_id="run-1", validated_loads=validated)
    assert not (warehouse / "published.duckdb").exists()


def test_validated_loads_default_to_the_gates_history(warehouse: Path) -> None:
    _working(warehouse, 100)
    _land(warehouse, "siaf-gasto", "2026", 7)
    _record_gate(warehouse, "run-1", [{"source": "siaf-gasto", "partition_value": "2026", "load_id": 7}])
    publication = publish(warehouse, gate_passed=True, gate_run_id="run-1")
    assert _read(publication.path, "select validated_loads::varchar from ops.validation_runs") == [
        ('[{"source": "siaf-gasto", "partition_value": "2026", "load_id": 7}]',)
    ]
    _land(warehouse, "siaf-gasto", "2026", 8)
    with pytest.raises(PublishRefusedError, match="current loads changed after quality gate run run-1"):
        publish(warehouse, gate_passed=True, gate_run_id="run-1")


@pytest.mark.parametrize("recorded", ["missing run", "no validated loads"])
def test_gate_without_a_record_of_its_loads_is_refused(warehouse: Path, recorded: str) -> None:
    _working(warehouse, 100)
    if recorded == "no validated loads":
        _record_gate(warehouse, "run-1", None)
    with pytest.raises(PublishRefusedError, match="run-1 recorded no validated loads"):
        publish(warehouse, gate_passed=True, gate_run_id="run-1")
    assert not (warehouse / "published.duckdb").exists()


def test_gate_summary_carries_the_validated_loads(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pipeline.tasks hands the gate's validated loads to publish (Airflow: through XCom)."""
    from expectations.validate import GateResult
    from pipeline import tasks

    _working(warehouse, 100)
    _land(warehouse, "siaf-gasto", "2026", 7)
    result = GateResult(
        run_id="run-1",
        run_time="2026-01-01T09:00:00+00:00",
        warehouse_dir=warehouse,
        suites=(),
        report_path=warehouse / "quality" / "latest.json",
        data_docs_path=None,
        validated_loads=(("siaf-gasto", "2026", 7),),
    )
    monkeypatch.setattr("expectations.validate.run_gate", lambda *args, **kwargs: result)
    gate = tasks.run_quality_gate(warehouse)
    assert gate["validated_loads"] == [{"source": "siaf-gasto", "partition_value": "2026", "load_id": 7}]
    json.dumps(gate)  # XCom-friendly
    assert tasks.publish_marts(gate, warehouse)["rows"]["marts.fct_demo"] == 1
    _land(warehouse, "siaf-gasto", "2026", 8)
    with pytest.raises(PublishRefusedError, match="current loads changed"):
        tasks.publish_marts(gate, warehouse)


def test_publication_records_the_inputs_it_was_built_from(warehouse: Path) -> None:
    from pipeline.publish import code_fingerprint, marts_inputs, published_inputs

    _working(warehouse, 100)
    _land(warehouse, "siaf-gasto", "2026", 7)
    validated = [{"source": "siaf-gasto", "partition_value": "2026", "load_id": 7}]
    assert published_inputs(warehouse) is None  # nothing published yet
    publication = publish(warehouse, gate_passed=True, gate_run_id="run-1", validated_loads=validated, code="c0de")
    recorded = published_inputs(warehouse)
    assert recorded is not None and recorded.gate_run_id == "run-1"
    assert recorded.inputs == marts_inputs(warehouse, "c0de")
    assert recorded.inputs.fingerprint == publication.inputs_fingerprint
    assert recorded.inputs.loads == [("siaf-gasto", "2026", 7, None, None)]  # no load_log row here: no SHA-256
    assert marts_inputs(warehouse, code_fingerprint()) != recorded.inputs  # other code, other inputs

    _land(warehouse, "siaf-gasto", "2025", 9)
    assert marts_inputs(warehouse, "c0de") != recorded.inputs  # another load, other inputs

    # a publication whose recorded fingerprint does not match its own inputs is never trusted for a skip
    con = duckdb.connect(str(publication.path))
    try:
        con.execute("update ops.publication set inputs_fingerprint = 'edited'")
    finally:
        con.close()
    assert published_inputs(warehouse) is None
