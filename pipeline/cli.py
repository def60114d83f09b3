"""``python -m pipeline``: run the chain without Airflow, or show what is published.

``python -m pipeline run`` holds the warehouse's writer lock (:mod:`ingest.lock`) for the whole chain: a second run,
or a ``python -m ingest load`` on the same warehouse, stops at once with one ``error: warehouse … is in use by
pipeline run (pid N)`` line and exit status 1, and the first run goes on undisturbed.

A run whose inputs are those of the last publication (the same files current, the same dbt project, contracts and
gate: ``pipeline.tasks.marts_plan``) loads nothing new and skips dbt build, the gate and publish, saying so in one
line; ``--force`` rebuilds anyway.
"""

from __future__ import annotations

import argparse
import logging
import sys

from ingest.settings import published_db_path, warehouse_dir


def _locations(given: list[str]) -> dict[str, str]:
    """Return source -> location: each ``--load NAME=LOCATION``, then every source with a configured location."""
    from ingest.contracts import registry
    from pipeline.paths import configured_location

    locations: dict[str, str] = {}
    for item in given:
        name, sep, location = item.partition("=")
        if not sep or not location:
            raise SystemExit(f"error: --load takes NAME=LOCATION, got {item!r}")
        locations[name] = location
    for name, source in registry().sources.items():
        configured = configured_location(name, source.table)
        if name not in locations and configured:
            locations[name] = configured
    return locations


def _run(args: argparse.Namespace) -> int:
    from ingest.errors import IngestError
    from ingest.lock import warehouse_lock
    from pipeline.publish import PublishRefusedError
    from pipeline.tasks import GateFailedError, build_marts, load_source, marts_plan, publish_marts, run_quality_gate
    from pipeline.transform import TransformError

    warehouse = warehouse_dir()
    locations = _locations(args.load)
    try:
        with warehouse_lock(warehouse, "pipeline run"):
            # the shipped reference first: the other sources' codes are checked against it
            for name in sorted(locations, key=lambda n: n != "ubigeo-inei"):
                load_source(name, locations[name], max_rejects=args.max_rejects, warehouse=warehouse)
            plan = marts_plan(warehouse, force=args.force)
            if not plan["rebuild"]:
                print(plan["message"])
                return _status(args)
            build_marts(warehouse)
            gate = run_quality_gate(warehouse)
            publish_marts(gate, warehouse, code_fingerprint=str(plan["code_fingerprint"]))
    except (IngestError, TransformError, GateFailedError, PublishRefusedError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return _status(args)


def _status(_: argparse.Namespace) -> int:
    import duckdb

    published = published_db_path()
    if not published.exists():
        print(f"nothing published yet in {warehouse_dir()}")
        return 1
    con = duckdb.connect(str(published), read_only=True)
    try:
        when, gate_run, report, docs = con.execute(
            "select published_at, gate_run_id, quality_report, data_docs from ops.publication"
        ).fetchone()
        tables = con.execute(
            "select schema_name || '.' || table_name, estimated_size from duckdb_tables() order by 1"
        ).fetchall()
    finally:
        con.close()
    print(f"published marts: {published} (published {when:%Y-%m-%d %H:%M:%S} UTC, gate run {gate_run})")
    for name, _rows in tables:
        print(f"  {name}")
    print(f"quality report: {report}")
    print(f"data docs:      {docs}")
    print(f"open read-only: duckdb.connect('{published}', read_only=True)")
    return 0


def _export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from pipeline.export import ExportError, export_release

    try:
        release = export_release(warehouse_dir(), Path(args.out) if args.out else None)
    except ExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"open-data release: {release.path} ({len(release.rows)} marts, {sum(release.rows.values()):,} rows)")
    print(f"data package:      {release.datapackage}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m pipeline", description="Run the monitoring pipeline without Airflow, or show what is published."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run",
        help="load the sources, dbt build, quality gate, publish",
        description="Load every source given with --load and every source with a configured location "
        "($<TABLE>_LOCATION, e.g. $SIAF_GASTO_LOCATION; INEI's ubigeo table ships with the project), then dbt build, "
        "the quality gate, and publish. When the current files and the code are those of the last publication, "
        "dbt build, the gate and publish are skipped (one line says so) unless --force.",
    )
    run.add_argument(
        "--load",
        action="append",
        default=[],
        metavar="SOURCE=LOCATION",
        help="a source and its path, URL, .zip or .xlsx (repeatable), e.g. --load siaf-gasto=2026-Gasto-Diario.csv",
    )
    run.add_argument("--max-rejects", type=int, default=0, metavar="N", help="rows the reader may reject (default 0)")
    run.add_argument(
        "--force",
        action="store_true",
        help="dbt build, gate and publish even when nothing changed since the last publication (unchanged files "
        "are still not reloaded)",
    )
    run.set_defaults(func=_run)
    status = commands.add_parser("status", help="print where the published marts and the quality report are")
    status.set_defaults(func=_status)
    export = commands.add_parser(
        "export",
        help="write the published marts as an open-data release (Parquet, CSV, datapackage.json)",
        description="Read published.duckdb (read-only) and write each mart as Parquet and CSV with a Data Package "
        "(datapackage.json) to DIR/<release id>/, and point DIR/latest at it. See docs/open-data.md.",
    )
    export.add_argument("--out", metavar="DIR", help="folder of the releases (default: $WAREHOUSE_DIR/open-data)")
    export.set_defaults(func=_export)
    from pipeline.crosscut import add_cli as add_crosscut  # no heavy imports: duckdb is imported when it runs

    add_crosscut(commands)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    return int(args.func(args))
