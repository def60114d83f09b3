"""Command line: ``python -m ingest load <source> <path-or-url>`` and ``python -m ingest sources``."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from ingest.errors import IngestError
from ingest.settings import working_db_path


def _sources(_: argparse.Namespace) -> int:
    from ingest.sources import SOURCES

    for source in SOURCES.values():
        replaces = (
            f"a new file replaces its {source.partition_column} values"
            if source.partition_column
            else ("a new file replaces the whole table")
        )
        print(f"{source.name}  →  raw.{source.table}")
        print(f"    {source.title}")
        print(f"    publisher: {source.publisher}; expected every {source.expected_every.days} day(s); {replaces}")
        for layout in source.layouts:
            print(f"    layout {layout.name}: {layout.description}")
    return 0


def _load(args: argparse.Namespace) -> int:
    from ingest.load import load

    warehouse = Path(args.warehouse_dir).resolve() if args.warehouse_dir else None
    try:
        result = load(args.source, args.location, warehouse=warehouse, max_rejects=args.max_rejects, force=args.force)
    except IngestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"load {result.load_id} {result.status}: {result.source} from {result.location}\n"
        f"  sha256 {result.sha256}, layout {result.layout}\n"
        f"  rows read {result.rows_read:,} = loaded {result.rows_loaded:,} + rejected {result.rows_rejected:,}"
        + (f"; partitions {', '.join(result.partitions)}" if result.partitions else "")
        + (f"\n  {result.message}" if result.message else "")
        + f"\n  warehouse {working_db_path(warehouse)}"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``python -m ingest``."""
    parser = argparse.ArgumentParser(
        prog="python -m ingest",
        description="Land public source files in the DuckDB warehouse ($WAREHOUSE_DIR, default ./warehouse).",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    commands = parser.add_subparsers(dest="command", required=True)

    sources = commands.add_parser("sources", help="list the loadable sources and their layouts")
    sources.set_defaults(func=_sources)

    load = commands.add_parser(
        "load",
        help="load one file (path, http(s) URL, or .zip) as a source",
        description="Load one file into raw.<table>. A new file replaces the rows of the partitions (years) it holds "
        "in one transaction; loading the current file again changes nothing. Exit status 1 when the file cannot be "
        "loaded, with the file, row and problem named; the warehouse is then left as it was.",
    )
    load.add_argument("source", help="source name, see `python -m ingest sources` (e.g. siaf-gasto)")
    load.add_argument("location", help="local path, http(s) URL, .zip, or archive.zip!member.csv")
    load.add_argument(
        "--max-rejects",
        type=int,
        default=0,
        metavar="N",
        help="commit the load even if up to N rows are rejected (default 0: any reject refuses the load)",
    )
    load.add_argument("--force", action="store_true", help="reload even if this exact file is already current")
    load.add_argument("--warehouse-dir", help="warehouse folder (default $WAREHOUSE_DIR or ./warehouse)")
    load.set_defaults(func=_load)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    return int(args.func(args))
