"""Run the quality gate: every committed checkpoint (one per suite) against the warehouse, inside DuckDB.

``run_gate`` is what the Airflow task and the publish step call; ``python -m expectations validate`` wraps it.
Great Expectations is imported only inside the functions.

After the checkpoints ran and GX closed its connections, the gate opens the warehouse once more with a plain DuckDB
connection to read what the auditor's report needs (rows per table, data freshness, the current source files) and to
append the run to its history (``ops.validation_runs``, ``ops.validation_results``); then it writes the report as
JSON and HTML.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from expectations import settings
from expectations.auditor_report import build_report, write_reports
from expectations.dbt_results import SUITE as DBT_SUITE
from expectations.dbt_results import dbt_test_suite
from expectations.errors import UnknownSuiteError
from expectations.freshness import SourceFreshness, parse_as_of
from expectations.gx_context import warehouse_context
from expectations.report import (
    ExpectationOutcome,
    SuiteOutcome,
    first_line,
    outcomes_from_suite_result,
    suite_error_outcome,
)
from expectations.settings import CRITICAL, QUALITY_DIRNAME, WARNING, database_path, resolve_warehouse_dir

if TYPE_CHECKING:
    from great_expectations.data_context import FileDataContext

logger = logging.getLogger(__name__)

AUDIT_SCHEMA = "audit"  # dbt's audit layer: the cross-table checks, computed by dbt build


@dataclass(frozen=True)
class GateResult:
    """What one gate run found. ``passed`` is False when any critical expectation failed (or a suite could not run).

    ``failed_critical`` / ``failed_warning`` are readable names (``"raw_siaf_gasto: expect_..._between(mes_eje)"``),
    JSON-friendly for task logs and XComs; :meth:`failures` gives the full outcomes (examples, counts, errors).

    ``report_path`` is ``quality/latest.json``; ``html_report_path`` is this run's own HTML report
    (``quality/runs/<run_id>.html``, never overwritten, so a publication can point to the report that allowed it).
    ``freshness`` holds every declared source's freshness at ``as_of``; ``history_error`` is set when the run could
    not be appended to ``ops.validation_runs``/``ops.validation_results`` (logged, and shown in the report).
    """

    run_id: str
    run_time: str
    warehouse_dir: Path
    suites: tuple[SuiteOutcome, ...]
    report_path: Path
    data_docs_path: Path | None
    html_report_path: Path | None = None
    run_report_path: Path | None = None
    as_of: str | None = None
    freshness: tuple[SourceFreshness, ...] = ()
    history_error: str | None = None
    # (source, partition_value, load_id) of ops.current_partitions when the checks started: what was validated.
    validated_loads: tuple[tuple[str, str, int], ...] = ()

    @property
    def passed(self) -> bool:
        return not self.failures(CRITICAL)

    @property
    def failed_critical(self) -> tuple[str, ...]:
        return tuple(f"{o.suite}: {o.name}" for o in self.failures(CRITICAL))

    @property
    def failed_warning(self) -> tuple[str, ...]:
        return tuple(f"{o.suite}: {o.name}" for o in self.failures(WARNING))

    @property
    def stale_sources(self) -> tuple[SourceFreshness, ...]:
        """Declared sources that need attention: older than their cadence, or loadable and never loaded."""
        return tuple(item for item in self.freshness if item.warning)

    def failures(self, severity: str | None = None) -> tuple[ExpectationOutcome, ...]:
        """Return the failed outcomes, of one severity or of all."""
        return tuple(
            outcome
            for suite in self.suites
            for outcome in suite.outcomes
            if not outcome.success and severity in (None, outcome.severity)
        )


def run_gate(
    warehouse_dir: str | Path | None = None,
    suites: Sequence[str] | None = None,
    *,
    gx_root: Path | None = None,
    as_of: str | datetime | None = None,
) -> GateResult:
    """Validate the warehouse with the given suites (default: all); write the reports and append the history.

    Reports: ``<warehouse>/quality/runs/<run_id>.json|html`` and copies ``quality/latest.json|html``. History:
    ``ops.validation_runs`` and ``ops.validation_results`` in the warehouse. Data freshness is measured at ``as_of``
    (ISO 8601 string or datetime, naive = UTC; default now). Data Docs and GX's validation results go under
    ``<gx_root>/uncommitted/`` (``gx_root`` defaults to the committed ``expectations/gx``). The DuckDB file is open
    only during the call: every connection is closed before it returns.

    Raises:
        WarehouseNotFoundError: no ``monitoring.duckdb`` in the warehouse directory.
        UnknownSuiteError: a requested suite has no checkpoint.
        ValueError: ``as_of`` is not an ISO 8601 date-time.
    """
    cutoff = parse_as_of(as_of)
    warehouse = resolve_warehouse_dir(warehouse_dir)
    database = database_path(warehouse)
    started = datetime.now(UTC)
    run_id = f"{started:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
    clock = time.perf_counter()
    validated_loads = _current_loads(database)

    never_loaded = _never_loaded_sources(database) if database.is_file() else set()  # else: not found, below
    audit_error = _audit_mismatch(database, validated_loads) if database.is_file() else None
    with warehouse_context(database, gx_root or settings.GX_ROOT) as context:
        names = _select_suites(context, suites)
        outcomes = tuple(
            _skipped_suite(name, missing)
            if (missing := sorted(set(_suite_sources(context, name)) & never_loaded))
            else _run_suite(context, name, run_id, started, audit_error)
            for name in names
        )
        data_docs = _data_docs_index(context)
    dbt_suite = dbt_test_suite(warehouse, not_before=_latest_load_time(database))
    if dbt_suite is not None:
        outcomes = (*outcomes, dbt_suite)

    quality_dir = warehouse / QUALITY_DIRNAME
    paths = {
        "html": quality_dir / "runs" / f"{run_id}.html",
        "json": quality_dir / "runs" / f"{run_id}.json",
        "latest_html": quality_dir / "latest.html",
        "latest_json": quality_dir / "latest.json",
    }
    passed = not any(not o.success and o.severity == CRITICAL for suite in outcomes for o in suite.outcomes)
    report, freshness = _record_run(
        database,
        run_id=run_id,
        run_time=started,
        as_of=cutoff,
        clock=clock,
        passed=passed,
        suites=outcomes,
        data_docs=data_docs,
        paths=paths,
        validated_loads=validated_loads,
    )
    write_reports(report)
    result = GateResult(
        run_id=run_id,
        run_time=started.isoformat(),
        warehouse_dir=warehouse,
        suites=outcomes,
        report_path=paths["latest_json"],
        data_docs_path=data_docs,
        html_report_path=paths["html"],
        run_report_path=paths["json"],
        as_of=cutoff.isoformat(),
        freshness=freshness,
        history_error=report["history"]["error"],
        validated_loads=tuple(validated_loads),
    )
    logger.info(
        "gate %s: %s in %.1f s (%d critical, %d warning failures); report %s",
        run_id,
        "passed" if result.passed else "FAILED",
        time.perf_counter() - clock,
        len(result.failed_critical),
        len(result.failed_warning),
        paths["html"],
    )
    return result


def _record_run(
    database: Path,
    *,
    run_id: str,
    run_time: datetime,
    as_of: datetime,
    clock: float,
    passed: bool,
    suites: tuple[SuiteOutcome, ...],
    data_docs: Path | None,
    paths: dict[str, Path],
    validated_loads: list[tuple[str, str, int]],
) -> tuple[dict[str, Any], tuple[SourceFreshness, ...]]:
    """Read the report's facts from the warehouse, build the report and append it to the history.

    Opens its own DuckDB connection (GX's are closed by now) and closes it. A failure to read or write is logged and
    recorded in the report; it never changes the gate's decision, which is the checks' alone.
    """
    import duckdb
    import great_expectations

    from expectations import freshness as freshness_module
    from expectations import history, warehouse_facts

    queries = {name for suite in suites for name in suite.queries}
    tables = [
        t for t in dict.fromkeys(o.table or s.table for s in suites for o in s.outcomes) if t and t not in queries
    ]
    row_counts: dict[str, int | None] = {}
    unchecked: list[str] = []
    freshness: tuple[SourceFreshness, ...] = ()
    files: list[dict[str, Any]] = []
    rejects: dict[str, Any] = {"total": 0, "shown": []}
    warehouse_error = history_error = None
    con = None
    try:
        con = duckdb.connect(str(database))
        # a view is counted only if a GX suite read it: counting an intermediate view that only dbt tests checked
        # recomputes it (~6 s each on a 2 M-row SIAF year), for a figure the report can go without
        gx_tables = {o.table or s.table for s in suites if s.suite != DBT_SUITE for o in s.outcomes}
        views = warehouse_facts.view_names(con)
        row_counts = warehouse_facts.table_row_counts(con, [t for t in tables if t in gx_tables or t not in views])
        unchecked = warehouse_facts.unchecked_tables(con, tables)
        freshness = freshness_module.evaluate(con, as_of)
        files = warehouse_facts.current_source_files(con)
        rejects = warehouse_facts.current_rejects(con, (item["load_id"] for item in files))
    except Exception as error:
        warehouse_error = f"{type(error).__name__}: {first_line(str(error))}"
        logger.error("gate %s: could not read the warehouse for the report: %s", run_id, warehouse_error)
    report = build_report(
        run_id=run_id,
        run_time=run_time.isoformat(),
        as_of=as_of,
        duration_seconds=time.perf_counter() - clock,
        database=database,
        passed=passed,
        suites=suites,
        data_docs=data_docs,
        paths=paths,
        row_counts=row_counts,
        unchecked_tables=unchecked,
        freshness=freshness,
        source_files=files,
        rejects=rejects,
        warehouse_error=warehouse_error,
        gx_version=great_expectations.__version__,
    )
    report["validated_loads"] = [
        {"source": source, "partition_value": partition, "load_id": load_id}
        for source, partition, load_id in validated_loads
    ]
    try:
        if con is None:
            raise RuntimeError(warehouse_error or "no connection to the warehouse")
        written = history.append(con, report)
        logger.debug("gate %s: %d outcome(s) appended to %s", run_id, written, history.RESULTS_TABLE)
    except Exception as error:
        history_error = f"{type(error).__name__}: {first_line(str(error))}"
        logger.error("gate %s: history not saved: %s", run_id, history_error)
    finally:
        if con is not None:
            con.close()
    report["history"].update(saved=history_error is None, error=history_error)
    return report, freshness


def _current_loads(database: Path) -> list[tuple[str, str, int]]:
    """Return the current loads (``ops.current_partitions``) as the checks are about to see them.

    Read before the checkpoints run, with a connection closed before GX opens its own (configured like the one
    :func:`_record_run` opens: DuckDB refuses two configurations of one file in a process); publish refuses to copy
    a warehouse whose current loads differ from these (a load landed after the gate started).
    """
    import duckdb

    from expectations import history

    if not database.exists():
        return []  # warehouse_context raises the clear error
    con = duckdb.connect(str(database))
    try:
        return history.current_loads(con)
    finally:
        con.close()


def _audit_mismatch(database: Path, validated_loads: list[tuple[str, str, int]]) -> str | None:
    """Return why the audit tables cannot be trusted for these loads, or None when they were built for them.

    The cross-table checks are dbt tables (``dbt_project/models/audit``) computed by the last ``dbt build``;
    ``audit.audit_current_loads``, built after them, records the loads they saw. A load since then (or no build at
    all) would let the gate pass on checks of other data, so the suites on ``audit.*`` fail closed instead.
    """
    import duckdb

    con = duckdb.connect(str(database))
    try:
        rows = con.execute(
            "select source, partition_value, load_id from audit.audit_current_loads order by all"
        ).fetchall()
    except duckdb.CatalogException:
        return "the audit tables are missing: run `dbt build` (pipeline.tasks.build_marts) before the gate"
    finally:
        con.close()
    built_for = [(str(source), str(partition), int(load_id)) for source, partition, load_id in rows]
    if built_for != sorted(validated_loads):
        return (
            f"the audit tables were built for loads {built_for}, the current loads are {sorted(validated_loads)}: "
            "run `dbt build` (pipeline.tasks.build_marts) before the gate"
        )
    return None


def _latest_load_time(database: Path) -> datetime | None:
    """Return when the latest successful load of any source finished (naive UTC), or None."""
    import duckdb

    from expectations.freshness import last_successful_loads

    if not database.exists():
        return None
    con = duckdb.connect(str(database))
    try:
        times = [load.loaded_at for load in last_successful_loads(con).values() if load.loaded_at is not None]
    except duckdb.Error:
        return None
    finally:
        con.close()
    return max(times, default=None)


def _never_loaded_sources(database: Path) -> set[str]:
    """Return the loadable sources never loaded: no successful load in ``ops.load_log`` and an empty raw view.

    A source whose raw view is missing is not in the set: its suites run and fail closed.
    """
    import duckdb

    from expectations.freshness import last_successful_loads
    from ingest.contracts import registry

    never: set[str] = set()
    con = duckdb.connect(str(database))
    try:
        try:
            loaded = set(last_successful_loads(con))
        except duckdb.Error as error:  # a load log we cannot read: skip nothing, every suite runs
            logger.warning("gate: cannot tell which sources were loaded (%s); running every suite", error)
            return set()
        for name, source in registry().sources.items():
            if name in loaded:
                continue
            exists = (
                con.execute(
                    "select count(*) from duckdb_views() where schema_name = 'raw' and view_name = ?", [source.table]
                ).fetchone()[0]
                or con.execute(
                    "select count(*) from duckdb_tables() where schema_name = 'raw' and table_name = ?", [source.table]
                ).fetchone()[0]
            )
            if exists and not con.execute(f"select exists (select 1 from raw.{source.table})").fetchone()[0]:
                never.add(name)
    finally:
        con.close()
    return never


def _suite_sources(context: FileDataContext, name: str) -> list[str]:
    """Return the sources a suite's data comes from (its ``meta.sources``; empty when it does not say)."""
    try:
        return list((context.suites.get(name).meta or {}).get("sources") or [])
    except Exception:  # a suite that cannot be read fails in _run_suite, with its error in the report
        return []


def _skipped_suite(name: str, sources: list[str]) -> SuiteOutcome:
    """Stand-in for a suite whose sources were never loaded: reported as not applicable, never a failure.

    A source that is declared but not loaded yet (no location configured) must not block the others' publication;
    the freshness section of the report lists it as never loaded, a warning.
    """
    logger.info("suite %s skipped: source(s) %s never loaded", name, ", ".join(sources))
    outcome = ExpectationOutcome(
        suite=name,
        name="suite_skipped",
        type="suite_skipped",
        severity=WARNING,
        success=True,
        description=f"No se ejecutó: la fuente {', '.join(sources)} aún no tiene cargas (ver frescura de datos)",
        element_count=0,
    )
    return SuiteOutcome(name, (outcome,), None, {})


def available_suites(context: FileDataContext) -> list[str]:
    """Return the names of the committed checkpoints; each validates the suite of the same name."""
    return sorted(checkpoint.name for checkpoint in context.checkpoints.all())


def _select_suites(context: FileDataContext, requested: Sequence[str] | None) -> list[str]:
    available = available_suites(context)
    if not requested:
        return available
    unknown = [name for name in requested if name not in available]
    if unknown:
        raise UnknownSuiteError(f"unknown suite(s) {', '.join(unknown)}; available: {', '.join(available)}")
    return list(dict.fromkeys(requested))


def _run_suite(
    context: FileDataContext, name: str, run_id: str, run_time: datetime, audit_error: str | None = None
) -> SuiteOutcome:
    """Run one checkpoint; a suite on ``audit.*`` fails closed when ``audit_error`` says those tables are stale."""
    from great_expectations.core.run_identifier import RunIdentifier

    clock = time.perf_counter()
    tables: dict[str, str] = {}  # asset name -> schema.table (a query asset: its name)
    queries: dict[str, str] = {}  # query assets (checks across tables): name -> SQL
    try:
        checkpoint = context.checkpoints.get(name)
        for definition in checkpoint.validation_definitions:
            tables[definition.asset.name] = _table_name(definition.asset)
            if isinstance(getattr(definition.asset, "query", None), str):
                queries[tables[definition.asset.name]] = definition.asset.query
            if audit_error and tables[definition.asset.name].startswith(f"{AUDIT_SCHEMA}."):
                raise RuntimeError(audit_error)
            definition.asset.test_connection()  # a missing table: one clear error, not one per expectation
        checkpoint_result = checkpoint.run(run_id=RunIdentifier(run_name=run_id, run_time=run_time))
    except Exception as error:  # a missing table, a locked file...: the suite fails closed, as a critical failure
        logger.error("suite %s could not run: %s", name, first_line(str(error)))
        logger.debug("suite %s traceback", name, exc_info=True)
        table = next(iter(tables.values()), None)
        return SuiteOutcome(name, (suite_error_outcome(name, error, table),), table, queries)
    outcomes: list[ExpectationOutcome] = []
    for suite_result in checkpoint_result.run_results.values():
        asset = ((suite_result.meta or {}).get("active_batch_definition") or {}).get("data_asset_name")
        table = tables.get(asset) or asset or next(iter(tables.values()), None)
        outcomes.extend(outcomes_from_suite_result(name, suite_result, table))
    logger.info("suite %s: %d expectations in %.2f s", name, len(outcomes), time.perf_counter() - clock)
    return SuiteOutcome(name, tuple(outcomes), next(iter(dict.fromkeys(o.table for o in outcomes)), None), queries)


def _table_name(asset: Any) -> str:
    """Return ``schema.table`` of a GX table asset (its name when it is not a table asset)."""
    table, schema = getattr(asset, "table_name", None), getattr(asset, "schema_name", None)
    if table:
        return f"{schema}.{table}" if schema else str(table)
    return str(asset.name)


def _data_docs_index(context: Any) -> Path | None:
    """Return the local path of the Data Docs index page, or None when there is no local site."""
    for site in context.get_docs_sites_urls(only_if_exists=True):
        url = site.get("site_url") or ""
        if url.startswith("file://"):
            return Path(unquote(urlparse(url).path))
    return None
