"""Concurrency: two ``python -m pipeline run`` on one warehouse, and a reader of ``published.duckdb`` during publish.

- Two runs started at once: one publishes, the other stops at once with one ``error:`` line (the warehouse is in use
  by another pipeline run, ``ingest/lock.py``) and no traceback; the published data is the reference's.
- A run started while another is in dbt build is refused the same way, naming the first run's pid, and the first
  run still publishes (before the lock, the second run could take DuckDB's lock between the first run's steps).
- ``python -m ingest load`` by hand while a run holds the warehouse is refused the same way (``ingest/lock.py``).
- A reader holding ``published.duckdb`` open read-only while publish replaces it keeps reading the old file (POSIX
  rename); a new connection sees the new publication.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipeline.publish import publish
from tests.test_crash_safety import (
    Checksums,
    finish,
    published_checksums,
    reference_warehouse,
    start_run,
)

ERROR_IN_USE = "is in use by pipeline run (pid "


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Checksums:
    """Checksums of an uninterrupted run's publication (shared with tests/test_crash_safety.py)."""
    sums = published_checksums(reference_warehouse(tmp_path_factory.getbasetemp()))
    assert sums is not None
    return sums


def _refused_cleanly(status: int, err: str) -> str:
    """Assert a refused run: non-zero, exactly one ``error:`` line saying the warehouse is in use, no traceback."""
    assert status != 0
    assert "Traceback" not in err, err[-3000:]
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, err[-3000:]
    assert ERROR_IN_USE in errors[0]
    return errors[0]


@pytest.fixture(scope="module")
def contested(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse two runs were started on at the same moment; returns it after asserting one of them won."""
    warehouse = tmp_path_factory.mktemp("contested") / "warehouse"
    first, second = start_run(warehouse), start_run(warehouse)
    results = [finish(first), finish(second)]
    winners = [r for r in results if r[0] == 0]
    losers = [r for r in results if r[0] != 0]
    assert len(winners) == 1 and len(losers) == 1, [(r[0], r[2][-2000:]) for r in results]
    assert "Traceback" not in winners[0][2]
    _refused_cleanly(losers[0][0], losers[0][2])
    return warehouse


def test_two_runs_at_once_one_publishes_the_other_is_refused(contested: Path, reference: Checksums) -> None:
    assert published_checksums(contested) == reference


def test_reader_keeps_the_old_file_while_publish_replaces_it(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    warehouse = tmp_path / "warehouse"
    shutil.copytree(reference_warehouse(tmp_path_factory.getbasetemp()), warehouse)
    published = warehouse / "published.duckdb"
    total = "select count(*), sum(monto_devengado) from marts.fct_budget_execution"

    reader = duckdb.connect(str(published), read_only=True)
    try:
        old = reader.execute(total).fetchone()
        # new figures in the working database, then a publish of them (as the gate would have validated them)
        con = duckdb.connect(str(warehouse / "monitoring.duckdb"))
        try:
            con.execute("update marts.fct_budget_execution set monto_devengado = monto_devengado + 1")
            loads = con.execute("select source, partition_value, load_id from ops.current_partitions").fetchall()
        finally:
            con.close()
        publish(warehouse, gate_passed=True, gate_run_id="concurrency-test", validated_loads=loads)
        new = (old[0], old[1] + old[0])

        # the open reader still answers from the file it opened, every table readable
        assert reader.execute(total).fetchone() == old
        for (table,) in reader.execute("select table_name from duckdb_tables() where schema_name = 'marts'").fetchall():
            reader.execute(f'select count(*), sum(hash(t)) from marts."{table}" t').fetchone()
        assert reader.execute("select gate_run_id from ops.publication").fetchone() != ("concurrency-test",)

        # a new connection sees the new file. It is opened in another process: within one process, DuckDB's instance
        # cache hands a new connection to a path the database already open there (the old file) until every
        # connection to it is closed, so a long-lived reader process must close its connections to see a new file.
        code = (
            "import duckdb, json, sys; c = duckdb.connect(sys.argv[1], read_only=True);"
            f" print(json.dumps([str(v) for v in c.execute({total!r}).fetchone()]))"
        )
        seen = subprocess.run(
            [sys.executable, "-c", code, str(published)], capture_output=True, text=True, check=True
        ).stdout
        assert json.loads(seen) == [str(v) for v in new]
    finally:
        reader.close()
    again = duckdb.connect(str(published), read_only=True)
    try:
        assert again.execute(total).fetchone() == new
        assert again.execute("select gate_run_id from ops.publication").fetchone() == ("concurrency-test",)
    finally:
        again.close()


def test_a_load_by_hand_during_a_run_is_refused_cleanly(tmp_path: Path, siaf_sample: Path) -> None:
    """``python -m ingest load`` takes the same lock as a pipeline run: refused at once, warehouse untouched."""
    from ingest.lock import warehouse_lock

    warehouse = tmp_path / "warehouse"
    with warehouse_lock(warehouse, "pipeline run"):
        process = subprocess.run(
            [sys.executable, "-m", "ingest", "load", "siaf-gasto", str(siaf_sample), "--warehouse-dir", str(warehouse)],
            capture_output=True,
            text=True,
            check=False,
        )
    _refused_cleanly(process.returncode, process.stderr)
    assert not (warehouse / "monitoring.duckdb").exists()
