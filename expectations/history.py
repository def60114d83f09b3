"""The gate's history in the working warehouse: one row per gate run and one per expectation outcome, append-only.

``ops.validation_runs`` and ``ops.validation_results`` are created when missing and only ever inserted into, so
quality can be compared across runs and dates; ``pipeline/publish.py`` copies both into ``published.duckdb``. Times
are UTC without a time zone, as in ``ops.load_log``. The rows are written from the JSON report of the run, so the
report, its HTML and the history say the same thing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from expectations.settings import SEVERITIES

if TYPE_CHECKING:
    import duckdb

RUNS_TABLE = "ops.validation_runs"
RESULTS_TABLE = "ops.validation_results"
HISTORY_TABLES = (RUNS_TABLE, RESULTS_TABLE)
STATUSES = ("passed", "failed", "not_applicable", "error")

# Outcomes per severity and status: critical_passed, critical_failed, ..., warning_error.
_COUNT_COLUMNS = [f"{severity}_{status}" for severity in SEVERITIES for status in STATUSES]
_COUNT_DDL = "".join(f"    {column:<16} integer not null,\n" for column in _COUNT_COLUMNS)

DDL = f"""
create schema if not exists ops;
create table if not exists {RUNS_TABLE} (
    run_id           varchar primary key,
    run_time         timestamp not null,   -- UTC, when the gate started
    as_of            timestamp not null,   -- UTC, the date data freshness was measured at
    decision         varchar not null,     -- passed (publishable) | failed (nothing published)
    suites           varchar[] not null,
    tables           varchar[] not null,
{_COUNT_DDL}    stale_sources    varchar[] not null,   -- declared sources older than their cadence, or never loaded
    duration_seconds double not null,
    report_html      varchar,              -- <warehouse>/quality/runs/<run_id>.html
    report_json      varchar,              -- <warehouse>/quality/runs/<run_id>.json
    data_docs        varchar,
    gx_version       varchar,
    validated_loads  json                  -- list of source, partition_value, load_id: the current loads checked
);
alter table {RUNS_TABLE} add column if not exists validated_loads json;
create table if not exists {RESULTS_TABLE} (
    run_id             varchar not null,
    run_time           timestamp not null,
    suite              varchar not null,
    table_name         varchar,            -- schema.table the suite validates
    position           integer not null,   -- order of the expectation in its suite
    expectation_id     varchar,
    expectation_type   varchar not null,
    expectation        varchar not null,   -- readable: type(columns) [where condition]
    kwargs             json,
    description        varchar,
    severity           varchar not null,   -- critical | warning
    status             varchar not null,   -- passed | failed | not_applicable | error
    observed_value     json,
    element_count      bigint,
    unexpected_count   bigint,
    unexpected_percent double,
    examples           json,               -- up to 20 rows, with _source_sha256/_source_row where the table has them
    error              varchar
);
"""


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the history tables when they do not exist yet."""
    con.execute(DDL)


def current_loads(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int]]:
    """Return ``ops.current_partitions`` as sorted ``(source, partition_value, load_id)``: the loads whose rows are in
    the raw views now (empty when nothing was ever loaded). The gate records this set and publish compares it."""
    found = con.execute(
        "select count(*) from duckdb_tables() where database_name = current_database()"
        " and schema_name = 'ops' and table_name = 'current_partitions'"
    ).fetchone()
    if not (found and found[0]):
        return []
    rows = con.execute("select source, partition_value, load_id from ops.current_partitions order by all").fetchall()
    return [(str(source), str(partition), int(load_id)) for source, partition, load_id in rows]


def append(con: duckdb.DuckDBPyConnection, report: Mapping[str, Any]) -> int:
    """Insert the run and its outcomes from a report (see :mod:`expectations.auditor_report`) in one transaction;
    return the number of outcome rows written."""
    run_time = _naive_utc(report["run_time"])
    counts = report["summary"]["checks"]
    run = {
        "run_id": report["run_id"],
        "run_time": run_time,
        "as_of": _naive_utc(report["as_of"]),
        "decision": report["decision"],
        "suites": [suite["suite"] for suite in report["suites"]],
        "tables": [table["table"] for table in report["tables"]],
        **{f"{sev}_{status}": int(counts[sev][status]) for sev in SEVERITIES for status in STATUSES},
        "stale_sources": list(report["summary"]["stale_sources"]),
        "duration_seconds": float(report["duration_seconds"]),
        "report_html": report["reports"]["html"],
        "report_json": report["reports"]["json"],
        "data_docs": report.get("data_docs"),
        "gx_version": report.get("gx_version"),
        "validated_loads": _json(report.get("validated_loads")),
    }
    results = [
        {
            "run_id": report["run_id"],
            "run_time": run_time,
            "suite": suite["suite"],
            "table_name": outcome.get("table"),
            "position": position,
            "expectation_id": outcome.get("expectation_id"),
            "expectation_type": outcome["type"],
            "expectation": outcome["name"],
            "kwargs": _json(outcome.get("kwargs")),
            "description": outcome.get("description"),
            "severity": outcome["severity"],
            "status": outcome["status"],
            "observed_value": _json(outcome.get("observed_value")),
            "element_count": outcome.get("element_count"),
            "unexpected_count": outcome.get("unexpected_count"),
            "unexpected_percent": outcome.get("unexpected_percent"),
            "examples": _json(outcome.get("examples") or []),
            "error": outcome.get("error"),
        }
        for suite in report["suites"]
        for position, outcome in enumerate(suite["expectations"], start=1)
    ]
    con.execute("begin transaction")
    try:
        ensure_tables(con)
        con.execute(_insert(RUNS_TABLE, run), list(run.values()))
        if results:
            con.executemany(_insert(RESULTS_TABLE, results[0]), [list(row.values()) for row in results])
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return len(results)


def _insert(table: str, row: Mapping[str, Any]) -> str:
    return f"insert into {table} ({', '.join(row)}) values ({', '.join('?' for _ in row)})"


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


def _naive_utc(value: str) -> datetime:
    from expectations.freshness import as_utc

    return as_utc(datetime.fromisoformat(value)).replace(tzinfo=None)
