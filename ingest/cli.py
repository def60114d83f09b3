"""Command line: ``python -m ingest load <source> <path-or-url>``, ``python -m ingest sources`` and
``python -m ingest contracts generate|check``."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from ingest.errors import IngestError
from ingest.settings import working_db_path


def _sources(_: argparse.Namespace) -> int:
    from ingest.contracts import registry
    from ingest.generate import REPO_ROOT, contract_path, iso_duration

    contracts = registry()
    for source in (contracts.sources[name] for name in sorted(contracts.sources)):
        replaces = (
            f"a new file replaces its {source.partition_column} values"
            if source.partition_column
            else "a new file replaces the whole table"
        )
        history = "keeps every load" if source.history_keep == "all" else "keeps the current loads only"
        if source.history_max_loads:
            history += f" (at most {source.history_max_loads})"
        print(f"{source.name}  →  raw.{source.table}  ({contract_path(source.path, REPO_ROOT)})")
        print(f"    {source.title}")
        print(
            f"    publisher: {source.publisher}; format {source.format}; cadence {iso_duration(source.expected_every)}"
        )
        print(f"    {replaces}; history {history}")
        for layout in source.layouts:
            print(f"    layout {layout.name}: {layout.description}")
    for planned in (contracts.planned[name] for name in sorted(contracts.planned)):
        print(f"{planned.name}  (planned: no layout yet, nothing loads it)  ({contract_path(planned.path, REPO_ROOT)})")
        print(f"    {planned.title}")
        print(f"    publisher: {planned.publisher}; cadence {iso_duration(planned.expected_every)}")
    return 0


# --- python -m ingest contracts generate | check ------------------------------------------------------------------


def _contracts_generate(_: argparse.Namespace) -> int:
    from ingest.generate import generate, relative_to_cwd

    try:
        done = generate()
    except IngestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for change in done:
        done_word = {"create": "created", "update": "updated", "delete": "deleted"}[change.action]
        print(f"{done_word} {relative_to_cwd(change.path)}")
    print(f"{len(done)} file(s) changed" if done else "generated files are up to date")
    return 0


def _contracts_check(_: argparse.Namespace) -> int:
    from ingest.generate import COMMAND, changes, relative_to_cwd

    try:
        differ = changes()
    except IngestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if not differ:
        print("generated files match the contracts")
        return 0
    for change in differ:
        what = {
            "create": "missing",
            "update": "differs from what the contracts generate",
            "delete": "stale: no contract produces it any more",
        }[change.action]
        print(f"{relative_to_cwd(change.path)}: {what}", file=sys.stderr)
    print(f"run `{COMMAND}` and commit the result", file=sys.stderr)
    return 1


def _add_contracts_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    contracts = commands.add_parser(
        "contracts",
        help="files generated from contracts/*.yaml (dbt sources, raw GX suites)",
        description="dbt's raw sources and the raw tables' GX suites, validation definitions, checkpoints and "
        "assets are generated from the contracts (contracts/*.yaml and $CONTRACTS_PATH).",
    )
    actions = contracts.add_subparsers(dest="contracts_command", required=True)
    actions.add_parser("generate", help="write the generated files; print which changed").set_defaults(
        func=_contracts_generate
    )
    actions.add_parser(
        "check", help="exit 1 listing the generated files that differ from the contracts (or are stale)"
    ).set_defaults(func=_contracts_check)


def _load(args: argparse.Namespace) -> int:
    from ingest.load import load
    from ingest.lock import warehouse_lock
    from ingest.settings import warehouse_dir

    warehouse = Path(args.warehouse_dir).resolve() if args.warehouse_dir else None
    try:
        with warehouse_lock(warehouse or warehouse_dir(), f"python -m ingest load {args.source}"):
            result = load(
                args.source,
                args.location,
                warehouse=warehouse,
                max_rejects=args.max_rejects,
                force=args.force,
                allow_shrink=args.allow_shrink,
            )
    except IngestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"load {result.load_id} {result.status}: {result.source} from {result.location}\n"
        f"  sha256 {result.sha256}, layout {result.layout}\n"
        f"  rows read {result.rows_read:,} = loaded {result.rows_loaded:,} + rejected {result.rows_rejected:,}"
        + (f" ({result.rows_skipped:,} blank or junk rows skipped)" if result.rows_skipped else "")
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

    sources = commands.add_parser("sources", help="list the declared sources (active and planned) from contracts/")
    sources.set_defaults(func=_sources)
    _add_contracts_commands(commands)

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
    load.add_argument(
        "--allow-shrink",
        action="store_true",
        help="accept a file with fewer rows for a partition than the current one, beyond the contract's tolerance",
    )
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
