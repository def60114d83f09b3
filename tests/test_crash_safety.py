"""Crash safety: ``python -m pipeline run`` killed with SIGKILL during a load, during dbt build (inside its snapshot
step) and during publish.

After each kill, ``published.duckdb`` is absent or a whole publication (never a mix), and running the same command
again publishes the same marts as a run that was never interrupted, and its dbt snapshots hold the same versions. The
whole process group is killed (``start_new_session=True``), so dbt's subprocess dies with the pipeline.

A load landing between the gate and publish is refused by publish: covered by
``tests/pipeline/test_publish.py::test_load_landed_between_gate_and_publish_is_refused`` (not repeated here).

The reference (an uninterrupted run) is built once per session by :func:`reference_checksums`, which
``tests/test_concurrency.py`` shares.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path

import duckdb
import pytest

from tests.conftest import ROOT, SIAF_SAMPLE, UBIGEO_INEI

RUN_COMMAND = [
    sys.executable, "-m", "pipeline", "run",
    "--load", f"ubigeo-inei={UBIGEO_INEI}", "--load", f"siaf-gasto={SIAF_SAMPLE}",
]  # fmt: skip
RUN_TIMEOUT = 600  # seconds, against a hang only: a run takes ~40 s, but over 240 s was seen on a busy 2-core box

Checksums = dict[str, tuple[int, int]]


def _excluded(column: str, data_type: str) -> bool:
    """Lineage that differs between runs by design: load ids and load/publish times."""
    return column.endswith("load_id") or column.endswith("_at") or data_type.startswith("TIMESTAMP")


def published_checksums(warehouse: Path) -> Checksums | None:
    """Return ``{marts table: (rows, sum of row hashes)}`` of ``published.duckdb`` (business columns), or None.

    Opened read-only in a fresh process-level connection; also checks the file is one whole publication (its
    ``ops.publication`` row and lineage tables are there).
    """
    path = warehouse / "published.duckdb"
    if not path.exists():
        return None
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert con.execute("select count(*) from ops.publication").fetchone() == (1,)
        con.execute("select count(*) from ops.load_log").fetchone()
        columns: dict[str, list[str]] = {}
        for table, column, data_type in con.execute(
            "select table_name, column_name, data_type from information_schema.columns"
            " where table_schema = 'marts' order by table_name, ordinal_position"
        ).fetchall():
            columns.setdefault(table, [])
            if not _excluded(column, data_type):
                columns[table].append(f't."{column}"')
        sums: Checksums = {}
        for table, cols in columns.items():
            rows, total = con.execute(
                f'select count(*), coalesce(sum(hash({", ".join(cols)})), 0) from marts."{table}" t'
            ).fetchone()
            sums[table] = (int(rows), int(total))
        return sums
    finally:
        con.close()


def start_run(warehouse: Path, command: list[str] | None = None) -> subprocess.Popen[str]:
    """Start the pipeline on ``warehouse`` in its own session (process group); stderr is piped, line by line."""
    env = {**os.environ, "WAREHOUSE_DIR": str(warehouse), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        command or RUN_COMMAND,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    """Wait for ``process``; return its exit status, stdout and stderr."""
    try:
        out, err = process.communicate(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        pytest.fail(f"pipeline run did not finish in {RUN_TIMEOUT} s:\n{err[-3000:]}")
    return process.returncode, out, err


def run_pipeline(warehouse: Path) -> tuple[int, str, str]:
    """Run the pipeline on ``warehouse`` to the end."""
    return finish(start_run(warehouse))


@cache
def reference_warehouse(base: Path) -> Path:
    """A warehouse after one uninterrupted run of the samples (built once per session under ``base``)."""
    warehouse = base / "reference"
    warehouse.mkdir(parents=True)
    status, _, err = run_pipeline(warehouse)
    assert status == 0, err[-3000:]
    sums = published_checksums(warehouse)
    assert sums and sums["fct_budget_execution"][0] > 0
    return warehouse


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Checksums:
    """Checksums of the reference publication (see :func:`published_checksums`)."""
    sums = published_checksums(reference_warehouse(tmp_path_factory.getbasetemp()))
    assert sums is not None
    return sums


def kill_when(process: subprocess.Popen[str], ready: Callable[[str], bool], timeout: float = 180) -> list[str]:
    """Read the process's stderr; SIGKILL its whole group as soon as ``ready(line or '')`` holds; return the lines.

    ``ready`` is called for each stderr line and, between lines, about every millisecond with ``''`` (for
    conditions on files or processes). Fails if the process ends before the condition was met.
    """
    lines: list[str] = []
    done = threading.Event()

    def reader() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line)
        done.set()

    threading.Thread(target=reader, daemon=True).start()
    deadline = time.monotonic() + timeout
    seen = 0
    while time.monotonic() < deadline:
        fresh, seen = lines[seen:], len(lines)
        if any(ready(line) for line in fresh) or ready(""):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
            done.wait(timeout=10)
            assert process.returncode == -signal.SIGKILL
            return lines
        if done.is_set() and seen == len(lines):
            process.wait(timeout=30)
            pytest.fail(f"the run ended (exit {process.returncode}) before the kill point:\n{''.join(lines[-40:])}")
        time.sleep(0.001)
    os.killpg(process.pid, signal.SIGKILL)
    pytest.fail("kill point not reached in time:\n" + "".join(lines[-40:]))


def group_alive(pgid: int, wait: float = 10) -> bool:
    """Whether a live (not zombie) process of the group is left after ``wait`` s: dbt must die with the run."""
    deadline = time.monotonic() + wait
    while True:
        alive = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":  # state, ppid, pgrp
                alive.append(stat.parent.name)
        if not alive or time.monotonic() > deadline:
            return bool(alive)
        time.sleep(0.05)


def load_log(warehouse: Path) -> list[tuple[int, str, str]]:
    con = duckdb.connect(str(warehouse / "monitoring.duckdb"), read_only=True)
    try:
        return con.execute("select load_id, source, status from ops.load_log order by load_id").fetchall()
    finally:
        con.close()


def assert_whole_or_absent(warehouse: Path, reference: Checksums) -> None:
    sums = published_checksums(warehouse)
    assert sums is None or sums == reference, "published.duckdb is neither absent nor the full new publication"


def assert_rerun_publishes_reference(warehouse: Path, reference: Checksums) -> str:
    status, out, err = run_pipeline(warehouse)
    assert status == 0, err[-3000:]
    assert "Traceback" not in err
    assert published_checksums(warehouse) == reference
    return out


def test_killed_during_a_load(tmp_path: Path, reference: Checksums) -> None:
    warehouse = tmp_path / "warehouse"
    process = start_run(warehouse)
    # the SIAF load (the second) has started: its log row is 'running' and nothing is committed yet
    kill_when(process, lambda line: "load 2: reading" in line)
    assert not group_alive(process.pid)
    assert not (warehouse / "published.duckdb").exists()
    log = load_log(warehouse)  # the working file opens after the kill
    assert [(source, status) for _, source, status in log if source == "ubigeo-inei"] == [("ubigeo-inei", "loaded")]
    killed = [load_id for load_id, source, status in log if source == "siaf-gasto" and status == "running"]
    assert len(killed) <= 1  # none if the 0.1 s load beat the kill

    assert_rerun_publishes_reference(warehouse, reference)
    log = load_log(warehouse)
    assert [status for _, source, status in log if source == "siaf-gasto"][-1] == "loaded"
    assert not [row for row in log if row[2] == "running"], "the killed load is still recorded as running"
    con = duckdb.connect(str(warehouse / "monitoring.duckdb"), read_only=True)
    try:
        for load_id in killed:  # recorded as interrupted, its half-written tables dropped
            message = con.execute("select message from ops.load_log where load_id = ?", [load_id]).fetchone()[0]
            assert message.startswith("interrupted")
            left = con.execute(
                "select table_name from duckdb_tables() where schema_name = 'raw_loads' and table_name like ?",
                [f"%{load_id:06d}%"],
            ).fetchall()
            assert left == []
    finally:
        con.close()


def snapshot_states(warehouse: Path) -> dict[str, tuple[int, int, int]]:
    """Return ``{snapshot: (versions, open versions, sum of row hashes)}`` of the working warehouse's dbt snapshots.

    The hash covers the business columns (the budget line, its PIA and PIM): not load ids, load times or what dbt
    derives from them (``dbt_scd_id``, ``dbt_valid_from``/``_to``, ``dbt_updated_at``), which differ between runs.
    """
    con = duckdb.connect(str(warehouse / "monitoring.duckdb"), read_only=True)
    try:
        columns: dict[str, list[str]] = {}
        for table, column, data_type in con.execute(
            "select table_name, column_name, data_type from information_schema.columns"
            " where table_schema = 'snapshots' order by table_name, ordinal_position"
        ).fetchall():
            columns.setdefault(table, [])
            if not _excluded(column, data_type) and column != "dbt_scd_id":
                columns[table].append(f't."{column}"')
        states = {}
        for table, cols in columns.items():
            versions, current, total = con.execute(
                f"select count(*), count(*) filter (where dbt_valid_to is null),"
                f' coalesce(sum(hash({", ".join(cols)})), 0) from snapshots."{table}" t'
            ).fetchone()
            states[table] = (int(versions), int(current), int(total))
        return states
    finally:
        con.close()


def test_killed_during_the_dbt_snapshot(
    tmp_path: Path, reference: Checksums, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The kill lands while dbt runs the last of its snapshots (the budget state kept across loads), the earlier ones
    applied: the one step of dbt build whose result is not rebuilt from raw data, so a snapshot applied twice or
    half would stay wrong for good. dbt's own log says when: no sleep tuned to this machine."""
    warehouse = tmp_path / "warehouse"
    dbt_log = warehouse / "dbt" / "logs" / "dbt.log"
    seen = {"text": "", "offset": 0}

    def snapshotting(_: str) -> bool:  # dbt's own log: the last of its snapshots has started
        if not dbt_log.exists():
            return False
        with dbt_log.open("rb") as handle:
            handle.seek(seen["offset"])
            fresh = handle.read()
        seen["offset"] += len(fresh)
        seen["text"] += fresh.decode(errors="replace")
        found = re.search(r"Found [^\n]*?(\d+) snapshots?\b", seen["text"])
        return found is not None and seen["text"].count(" START snapshot ") >= int(found[1]) > 0

    process = start_run(warehouse)
    lines = kill_when(process, snapshotting)
    assert any("running" in line and "dbt" in line for line in lines)
    assert not any("quality gate" in line for line in lines)
    assert not group_alive(process.pid), "dbt's subprocess outlived the killed run"
    # the earlier snapshots were applied, the last one was not: the kill left them out of step with each other
    log_after = dbt_log.read_text(errors="replace")
    snapshots = int(re.search(r"Found [^\n]*?(\d+) snapshots?\b", log_after)[1])
    assert log_after.count(" OK snapshotted ") == snapshots - 1, "the kill missed the last snapshot"
    assert not (warehouse / "published.duckdb").exists()

    assert_rerun_publishes_reference(warehouse, reference)
    expected = snapshot_states(reference_warehouse(tmp_path_factory.getbasetemp()))
    assert expected and all(versions > 0 for versions, _, _ in expected.values())
    assert snapshot_states(warehouse) == expected  # no version duplicated, lost or left half-applied


def test_killed_during_publish(tmp_path: Path, reference: Checksums, tmp_path_factory: pytest.TempPathFactory) -> None:
    warehouse = tmp_path / "warehouse"
    target = warehouse / "published.duckdb"
    # an earlier publication is in place (the reference's file): the kill must leave it, or the new one, whole
    warehouse.mkdir()
    old = (reference_warehouse(tmp_path_factory.getbasetemp()) / "published.duckdb").read_bytes()
    target.write_bytes(old)

    def publishing(_: str) -> bool:  # publish has created its temporary file next to published.duckdb
        return warehouse.is_dir() and any(warehouse.glob(".published.duckdb.*.tmp"))

    process = start_run(warehouse)
    lines = kill_when(process, publishing)
    assert any("quality gate" in line and "passed" in line for line in lines)
    assert not any("pipeline.publish: published" in line for line in lines)
    assert target.read_bytes() == old or published_checksums(warehouse) == reference
    assert_whole_or_absent(warehouse, reference)

    assert_rerun_publishes_reference(warehouse, reference)
    assert target.exists()
    assert not list(warehouse.glob(".published.duckdb.*.tmp")), "the killed run's temporary file was left behind"
