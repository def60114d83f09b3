"""The pipeline's steps as plain functions returning JSON-friendly summaries: what Airflow tasks and the CLI call.

Each step opens and closes the warehouse itself, so steps can run in separate processes (Airflow workers) or one
after another in one process (``python -m pipeline run``, ``dag.test()``).
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from ingest.settings import warehouse_dir

log = logging.getLogger(__name__)


class GateFailedError(RuntimeError):
    """A critical expectation failed: nothing is published and the previous publication stays."""


def load_source(
    source: str, location: str, *, max_rejects: int = 0, warehouse: Path | None = None
) -> dict[str, object]:
    """Load one file of one source (see :func:`ingest.load.load`); return the load's summary."""
    from ingest.load import load

    result = load(source, location, warehouse=warehouse or warehouse_dir(), max_rejects=max_rejects)
    return asdict(result)


def build_marts(warehouse: Path | None = None) -> int:
    """Run ``dbt build`` on the working warehouse; return the number of dbt output lines (for the task log)."""
    from pipeline.transform import dbt_build

    return len(dbt_build(warehouse or warehouse_dir()))


def run_quality_gate(
    warehouse: Path | None = None, *, as_of: datetime | str | None = None, suites: list[str] | None = None
) -> dict[str, object]:
    """Validate the warehouse with Great Expectations; raise :class:`GateFailedError` on a critical failure.

    ``as_of`` is the time data freshness is measured at: pass the run's logical date (or ``run_after``) from Airflow;
    default now. Stale sources are logged as warnings and never block. ``suites`` limits the run (default: all).
    Returns a JSON-friendly summary with the auditor's report (``html_report_path``, this run's own file).
    """
    from expectations.validate import run_gate

    result = run_gate(warehouse or warehouse_dir(), suites, as_of=as_of)
    html_report = str(result.html_report_path) if result.html_report_path else None
    summary = {
        "run_id": result.run_id,
        "passed": result.passed,
        "as_of": result.as_of,
        "failed_critical": list(result.failed_critical),
        "failed_warning": list(result.failed_warning),
        "stale_sources": [item.source.name for item in result.stale_sources],
        "html_report_path": html_report,
        "report_path": str(result.report_path),
        "run_report_path": str(result.run_report_path) if result.run_report_path else None,
        "data_docs_path": str(result.data_docs_path) if result.data_docs_path else None,
    }
    for name in result.failed_warning:
        log.warning("quality warning: %s", name)
    for item in result.stale_sources:
        log.warning("stale source: %s", item.message())
    if result.history_error:
        log.error("quality gate %s: history not saved: %s", result.run_id, result.history_error)
    if not result.passed:
        raise GateFailedError(
            f"quality gate {result.run_id} failed {len(result.failed_critical)} critical check(s): "
            f"{'; '.join(result.failed_critical)}. Nothing was published; the previous publication stays. "
            f"Report: {html_report}"
        )
    log.info("quality gate %s passed; report %s", result.run_id, html_report)
    return summary


def publish_marts(gate: dict[str, object], warehouse: Path | None = None) -> dict[str, object]:
    """Publish the marts if ``gate`` (the summary from :func:`run_quality_gate`) passed; return what was written."""
    from pipeline.publish import publish

    publication = publish(
        warehouse or warehouse_dir(),
        gate_passed=bool(gate.get("passed")),
        gate_run_id=str(gate.get("run_id")),
        report_path=_optional_str(gate.get("html_report_path") or gate.get("report_path")),
        report_json_path=_optional_str(gate.get("run_report_path") or gate.get("report_path")),
        data_docs_path=_optional_str(gate.get("data_docs_path")),
    )
    return {
        "path": str(publication.path),
        "rows": publication.rows,
        "published_at": publication.published_at.isoformat(),
    }


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)
