"""Command line: ``python -m expectations validate [--warehouse-dir DIR] [--suite NAME ...] [--as-of ISO8601]``.

Exit codes: 0 every critical expectation passed (warnings are only reported), 1 a critical expectation failed or a
suite could not run, 2 the gate could not start (no warehouse file, unknown suite, bad arguments).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from datetime import datetime

from expectations.settings import DATABASE_FILENAME, DEFAULT_WAREHOUSE_DIR, WAREHOUSE_DIR_ENV

EXIT_PASSED = 0
EXIT_CRITICAL_FAILED = 1
EXIT_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m expectations",
        description="Quality gate: Great Expectations suites on the DuckDB warehouse.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    validate = commands.add_parser(
        "validate",
        help="run the suites; exit 1 when a critical expectation fails",
        description=(
            "Run the committed suites against the warehouse (SQL inside DuckDB), print a summary, write the "
            "auditor's report (<warehouse>/quality/runs/<run_id>.html and .json, copied to latest.html/.json), "
            "Data Docs, and append the run to ops.validation_runs / ops.validation_results. Exit 0 when every "
            "critical expectation passed (warnings and stale sources are only reported), 1 when one failed, 2 when "
            "the gate could not start."
        ),
    )
    validate.add_argument(
        "--warehouse-dir",
        metavar="DIR",
        help=f"directory holding {DATABASE_FILENAME} (default: ${WAREHOUSE_DIR_ENV} or {DEFAULT_WAREHOUSE_DIR})",
    )
    validate.add_argument(
        "--suite",
        metavar="NAME",
        nargs="+",
        action="extend",
        help="suite(s) to run (repeatable; default: all committed suites)",
    )
    validate.add_argument(
        "--as-of",
        metavar="ISO8601",
        type=_as_of,
        help="the time data freshness is measured at, e.g. 2026-05-21T09:00:00Z (no zone = UTC; default: now)",
    )
    return parser


def _as_of(value: str) -> datetime:
    from expectations.freshness import parse_as_of

    try:
        return parse_as_of(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date-time: {value!r}") from None


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("expectations").setLevel(logging.DEBUG if args.verbose else logging.INFO)
    if args.command == "validate":
        return _validate(args.warehouse_dir, args.suite, args.as_of)
    raise AssertionError(f"unhandled command {args.command}")


def _validate(warehouse_dir: str | None, suites: Sequence[str] | None, as_of: datetime | None = None) -> int:
    from expectations.errors import GateError
    from expectations.report import format_summary
    from expectations.validate import run_gate

    try:
        result = run_gate(warehouse_dir, suites, as_of=as_of)
    except GateError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR
    print(format_summary(result.suites))
    for item in result.stale_sources:
        print(f"freshness warning: {item.message()}")
    if result.history_error:
        print(f"history not saved: {result.history_error}")
    print(f"report (json): {result.report_path}")
    print(f"data docs: {result.data_docs_path or 'not built'}")
    if result.passed:
        warnings = len(result.failed_warning)
        print(f"gate: PASSED ({warnings} warning(s))" if warnings else "gate: PASSED")
        code = EXIT_PASSED
    else:
        print(f"gate: FAILED ({len(result.failed_critical)} critical expectation(s) failed)")
        code = EXIT_CRITICAL_FAILED
    print(f"report: {result.html_report_path}")
    return code
