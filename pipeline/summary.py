"""One line per pipeline stage, with its figures, for people watching a run (``make demo``).

Airflow's own task logs go to a file; these lines say what happened, read back from where each stage records it:
the load log (``ops.load_log``), dbt's ``run_results.json``, the gate's history (``ops.validation_runs``) and the
publication (``ops.publication`` in ``published.duckdb``). A stage that failed prints its error and exits 1, so a
script stops there even though ``airflow dags test`` exits 0 on a failed task.

    python -m pipeline.summary load siaf-gasto
    python -m pipeline.summary publish
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import duckdb

from ingest.settings import published_db_path, warehouse_dir, working_db_path


class StageFailedError(RuntimeError):
    """The stage did not finish as it should; the message says what its record shows."""


def _read(path: Path, sql: str, params: list[object] | None = None) -> list[tuple]:
    if not path.exists():
        raise StageFailedError(f"{path} does not exist")
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def load_line(source: str, warehouse: Path) -> str:
    """Return the summary of the latest load of ``source``; raise :class:`StageFailedError` if it failed."""
    rows = _read(
        working_db_path(warehouse),
        "select status, location, sha256, rows_read, rows_loaded, rows_rejected, rows_skipped, message"
        " from ops.load_log where source = ? order by load_id desc limit 1",
        [source],
    )
    if not rows:
        raise StageFailedError(f"{source}: no load recorded in {working_db_path(warehouse)}")
    status, location, sha256, read, loaded, rejected, skipped, message = rows[0]
    if status not in ("loaded", "loaded_with_rejects", "unchanged"):
        raise StageFailedError(f"{source}: load {status}: {message}")
    if status == "unchanged":
        return f"{source}: unchanged (this file, sha256 {sha256[:12]}…, is already the current load)"
    skipped_text = f" + {skipped:,} junk/blank skipped" if skipped else ""
    return (
        f"{source}: {read:,} rows read = {loaded:,} loaded + {rejected:,} rejected{skipped_text}"
        f" ({Path(location).name}, sha256 {sha256[:12]}…)"
    )


def publish_lines(warehouse: Path) -> list[str]:
    """Return the dbt, gate and publication summary of the latest run; raise when the gate refused or nothing
    was published."""
    lines: list[str] = []
    results = warehouse / "dbt" / "target" / "run_results.json"
    if results.exists():
        runs = json.loads(results.read_text())["results"]
        counts = Counter((run["unique_id"].split(".")[0], run["status"]) for run in runs)
        tests: Counter[str] = Counter()
        for (kind, status), n in counts.items():
            if kind in ("test", "unit_test"):
                tests[status] += n
        lines.append(
            f"dbt build: {counts[('model', 'success')]} models built, "
            + ", ".join(f"{n} tests {status}" for status, n in sorted(tests.items()))
        )
    gate = _read(
        working_db_path(warehouse),
        "select decision, critical_passed, critical_failed, warning_failed,"
        " critical_not_applicable + warning_not_applicable, report_html"
        " from ops.validation_runs order by run_time desc limit 1",
    )
    if not gate:
        raise StageFailedError("no quality gate run recorded")
    decision, passed, failed, warned, not_applicable, report = gate[0]
    lines.append(
        f"quality gate: {decision} ({passed} critical checks passed, {failed} failed, {warned} warnings,"
        f" {not_applicable} not applicable)"
    )
    if decision != "passed":
        raise StageFailedError("\n".join([*lines, f"nothing published; see {report}"]))
    published = published_db_path(warehouse)
    (published_at, gate_run), *_ = _read(published, "select published_at, gate_run_id from ops.publication")
    tables = _read(published, "select count(*) from duckdb_tables() where schema_name = 'marts'")[0][0]
    lines.append(f"published: {tables} marts in {published} at {published_at:%Y-%m-%d %H:%M:%S} UTC (gate {gate_run})")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Print the summary of one stage; exit 1 when that stage failed."""
    parser = argparse.ArgumentParser(prog="python -m pipeline.summary", description=__doc__.splitlines()[0])
    stages = parser.add_subparsers(dest="stage", required=True)
    stages.add_parser("load", help="the latest load of a source").add_argument("source")
    stages.add_parser("publish", help="the latest dbt build, quality gate and publication")
    args = parser.parse_args(argv)
    warehouse = warehouse_dir()
    try:
        lines = [load_line(args.source, warehouse)] if args.stage == "load" else publish_lines(warehouse)
    except StageFailedError as exc:
        print(f"    error: {exc}", file=sys.stderr)
        return 1
    for line in lines:
        print(f"    {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
