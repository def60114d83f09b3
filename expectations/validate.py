"""Run the quality gate: every committed checkpoint (one per suite) against the warehouse, inside DuckDB.

``run_gate`` is what the Airflow task and the publish step call; ``python -m expectations validate`` wraps it.
Great Expectations is imported only inside the functions.
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
from expectations.errors import UnknownSuiteError
from expectations.gx_context import warehouse_context
from expectations.report import (
    ExpectationOutcome,
    SuiteOutcome,
    first_line,
    outcomes_from_suite_result,
    report_dict,
    suite_error_outcome,
    write_json_atomically,
)
from expectations.settings import CRITICAL, QUALITY_DIRNAME, WARNING, database_path, resolve_warehouse_dir

if TYPE_CHECKING:
    from great_expectations.data_context import FileDataContext

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GateResult:
    """What one gate run found. ``passed`` is False when any critical expectation failed (or a suite could not run).

    ``failed_critical`` / ``failed_warning`` are readable names (``"raw_siaf_gasto: expect_..._between(mes_eje)"``),
    JSON-friendly for task logs and XComs; :meth:`failures` gives the full outcomes (examples, counts, errors).
    """

    run_id: str
    run_time: str
    warehouse_dir: Path
    suites: tuple[SuiteOutcome, ...]
    report_path: Path
    data_docs_path: Path | None

    @property
    def passed(self) -> bool:
        return not self.failures(CRITICAL)

    @property
    def failed_critical(self) -> tuple[str, ...]:
        return tuple(f"{o.suite}: {o.name}" for o in self.failures(CRITICAL))

    @property
    def failed_warning(self) -> tuple[str, ...]:
        return tuple(f"{o.suite}: {o.name}" for o in self.failures(WARNING))

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
) -> GateResult:
    """Validate the warehouse with the given suites (default: all) and write the JSON report and Data Docs.

    The report goes to ``<warehouse>/quality/latest.json`` and ``<warehouse>/quality/runs/<run_id>.json``; Data Docs
    and GX's validation results go under ``<gx_root>/uncommitted/`` (``gx_root`` defaults to the committed
    ``expectations/gx``). The DuckDB file is opened only for the duration of the call: every connection is closed
    before it returns.

    Raises:
        WarehouseNotFoundError: no ``monitoring.duckdb`` in the warehouse directory.
        UnknownSuiteError: a requested suite has no checkpoint.
    """
    warehouse = resolve_warehouse_dir(warehouse_dir)
    database = database_path(warehouse)
    started = datetime.now(UTC)
    run_id = f"{started:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
    clock = time.perf_counter()

    with warehouse_context(database, gx_root or settings.GX_ROOT) as context:
        names = _select_suites(context, suites)
        outcomes = tuple(_run_suite(context, name, run_id, started) for name in names)
        data_docs = _data_docs_index(context)

    quality_dir = warehouse / QUALITY_DIRNAME
    report_path = quality_dir / "latest.json"
    result = GateResult(
        run_id=run_id,
        run_time=started.isoformat(),
        warehouse_dir=warehouse,
        suites=outcomes,
        report_path=report_path,
        data_docs_path=data_docs,
    )
    report = report_dict(
        run_id=run_id,
        run_time=result.run_time,
        database=database,
        passed=result.passed,
        suites=outcomes,
        data_docs=data_docs,
    )
    write_json_atomically(quality_dir / "runs" / f"{run_id}.json", report)
    write_json_atomically(report_path, report)
    logger.info(
        "gate %s: %s in %.1f s (%d critical, %d warning failures)",
        run_id,
        "passed" if result.passed else "FAILED",
        time.perf_counter() - clock,
        len(result.failed_critical),
        len(result.failed_warning),
    )
    return result


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


def _run_suite(context: FileDataContext, name: str, run_id: str, run_time: datetime) -> SuiteOutcome:
    from great_expectations.core.run_identifier import RunIdentifier

    clock = time.perf_counter()
    try:
        checkpoint = context.checkpoints.get(name)
        for definition in checkpoint.validation_definitions:
            definition.asset.test_connection()  # a missing table: one clear error, not one per expectation
        checkpoint_result = checkpoint.run(run_id=RunIdentifier(run_name=run_id, run_time=run_time))
    except Exception as error:  # a missing table, a locked file...: the suite fails closed, as a critical failure
        logger.error("suite %s could not run: %s", name, first_line(str(error)))
        logger.debug("suite %s traceback", name, exc_info=True)
        return SuiteOutcome(name, (suite_error_outcome(name, error),))
    outcomes: list[ExpectationOutcome] = []
    for suite_result in checkpoint_result.run_results.values():
        outcomes.extend(outcomes_from_suite_result(name, suite_result))
    logger.info("suite %s: %d expectations in %.2f s", name, len(outcomes), time.perf_counter() - clock)
    return SuiteOutcome(name, tuple(outcomes))


def _data_docs_index(context: Any) -> Path | None:
    """Return the local path of the Data Docs index page, or None when there is no local site."""
    for site in context.get_docs_sites_urls(only_if_exists=True):
        url = site.get("site_url") or ""
        if url.startswith("file://"):
            return Path(unquote(urlparse(url).path))
    return None
