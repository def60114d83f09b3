"""The pipeline's steps as plain functions returning JSON-friendly summaries: what Airflow tasks and the CLI call.

Each step opens and closes the warehouse itself, so steps can run in separate processes (Airflow workers) or one
after another in one process (``python -m pipeline run``, ``dag.test()``).
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.settings import published_db_path, warehouse_dir

if TYPE_CHECKING:
    from ingest.locate import LandedFile

log = logging.getLogger(__name__)


class GateFailedError(RuntimeError):
    """A critical expectation failed: nothing is published and the previous publication stays."""


def fetch_source(
    source: str, location: str | None = None, *, table: str | None = None, warehouse: Path | None = None
) -> dict[str, object]:
    """Land one file of ``source`` without touching the DuckDB file (downloads, unzips); return it XCom-friendly.

    ``location`` defaults to ``$<TABLE>_LOCATION`` (or the shipped reference file); with neither, raises
    :class:`pipeline.paths.MissingLocationError` naming the variable. The result goes to :func:`load_source`'s
    ``landed``: ``location``, ``path``, ``facts`` (SHA-256, size, line breaks; None for a user's local file, which
    the loader hashes while reading it) and ``container_sha256``.
    """
    from ingest.contracts import get_source
    from ingest.locate import land
    from ingest.settings import landing_dir
    from pipeline.paths import resolve_location

    contract = get_source(source)
    where = resolve_location(source, table or contract.table, location)
    landed = land(where, landing_dir(warehouse or warehouse_dir()))
    facts = landed.facts
    if facts is None:
        log.info("%s: %s is a local file; the load reads it in place", source, landed.location)
    else:
        log.info("%s: landed %s as %s (sha256 %s)", source, landed.location, landed.path, facts.sha256)
    return {
        "source": source,
        "location": landed.location,
        "path": str(landed.path),
        "facts": None
        if facts is None
        else {
            "sha256": facts.sha256,
            "size": facts.size,
            "newlines": facts.newlines,
            "last_byte": facts.last_byte.hex(),
        },
        "container_sha256": landed.container_sha256,
    }


def landed_file(landed: dict[str, Any]) -> LandedFile:
    """Return the :class:`ingest.locate.LandedFile` a :func:`fetch_source` summary describes."""
    from ingest.locate import FileFacts, LandedFile

    facts = landed.get("facts")
    return LandedFile(
        location=str(landed["location"]),
        path=Path(str(landed["path"])),
        facts=None
        if not facts
        else FileFacts(facts["sha256"], int(facts["size"]), int(facts["newlines"]), bytes.fromhex(facts["last_byte"])),
        container_sha256=landed.get("container_sha256"),
    )


def load_source(
    source: str,
    location: str | None = None,
    *,
    max_rejects: int = 0,
    allow_shrink: bool = False,
    force: bool = False,
    warehouse: Path | None = None,
    landed: dict[str, Any] | None = None,
) -> dict[str, object]:
    """Load one file of one source (see :func:`ingest.load.load`); return the load's summary.

    ``landed`` is :func:`fetch_source`'s result: the loader then reads that file and fetches nothing itself.
    """
    from ingest.load import load

    if landed is not None:
        if landed.get("source") not in (None, source):
            raise ValueError(f"file landed for {landed.get('source')!r} cannot be loaded as {source!r}")
        location = str(landed["location"])
    if location is None:
        raise ValueError(f"load_source({source!r}) needs a location or a landed file")
    result = load(
        source,
        location,
        warehouse=warehouse or warehouse_dir(),
        max_rejects=max_rejects,
        force=force,
        allow_shrink=allow_shrink,
        landed=landed_file(landed) if landed is not None else None,
    )
    return asdict(result)


def marts_plan(warehouse: Path | None = None, *, force: bool = False) -> dict[str, object]:
    """Decide whether dbt build, the gate and publish must run; return the decision, JSON-friendly.

    They are skipped (``rebuild`` false) when the inputs are exactly those of the publication in
    ``published.duckdb``: the same current loads (same files) and the same code
    (:func:`pipeline.publish.marts_inputs`), unless ``force``. ``message`` says why, naming the publication when
    skipping. ``code_fingerprint`` goes to :func:`publish_marts`, so the publication records the code as it was when
    the build started.
    """
    from pipeline.publish import code_fingerprint, marts_inputs, published_inputs, remove_abandoned_staging

    base = warehouse or warehouse_dir()
    code = code_fingerprint()
    now = marts_inputs(base, code)
    published = published_inputs(base)
    plan: dict[str, object] = {
        "rebuild": True,
        "fingerprint": now.fingerprint if now else None,
        "code_fingerprint": code,
        "published_fingerprint": published.inputs.fingerprint if published else None,
    }
    if published is None:
        plan["message"] = "no publication with recorded inputs yet: dbt build, gate and publish"
    elif now is None:
        plan["message"] = "the working database records no loads: dbt build, gate and publish"
    elif now.fingerprint != published.inputs.fingerprint:
        changes = []
        if now.loads != published.inputs.loads:
            new = sorted(set(now.loads) - set(published.inputs.loads))
            gone = sorted(set(published.inputs.loads) - set(now.loads))
            shown = [f"{s} {p} (load {i})" for s, p, i, *_ in new] or [f"{s} {p} no longer loaded" for s, p, *_ in gone]
            changes.append("loads changed: " + ", ".join(shown))
        if code != published.inputs.code_fingerprint:
            changes.append("the code that builds or checks the marts changed (dbt project, contracts, gate)")
        plan["message"] = f"{'; '.join(changes)} since publication {published.published_at:%Y-%m-%d %H:%M:%S}"
    elif force:
        plan["message"] = "nothing changed since the publication, but --force: dbt build, gate and publish"
    else:
        plan["rebuild"] = False
        plan["message"] = (
            f"nothing changed since publication {published.published_at:%Y-%m-%d %H:%M:%S} UTC (gate run "
            f"{published.gate_run_id}); dbt build, gate and publish skipped"
        )
        remove_abandoned_staging(published_db_path(base))  # what publish would have done first
    log.info("%s", plan["message"])
    return plan


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
        # The loads (source, partition, load id) whose rows the gate checked; publish refuses any other set.
        "validated_loads": [
            {"source": source, "partition_value": partition, "load_id": load_id}
            for source, partition, load_id in result.validated_loads
        ],
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


def publish_marts(
    gate: dict[str, object], warehouse: Path | None = None, *, code_fingerprint: str | None = None
) -> dict[str, object]:
    """Publish the marts if ``gate`` (the summary from :func:`run_quality_gate`) passed; return what was written.

    ``code_fingerprint`` is :func:`marts_plan`'s, taken before dbt build (default: taken now); the publication
    records it with the loads it publishes (``ops.publication.inputs_fingerprint``).
    """
    from pipeline.publish import publish

    publication = publish(
        warehouse or warehouse_dir(),
        gate_passed=bool(gate.get("passed")),
        gate_run_id=str(gate.get("run_id")),
        report_path=_optional_str(gate.get("html_report_path") or gate.get("report_path")),
        report_json_path=_optional_str(gate.get("run_report_path") or gate.get("report_path")),
        data_docs_path=_optional_str(gate.get("data_docs_path")),
        validated_loads=gate.get("validated_loads"),  # type: ignore[arg-type]
        code=code_fingerprint,
    )
    return {
        "path": str(publication.path),
        "rows": publication.rows,
        "published_at": publication.published_at.isoformat(),
        "inputs_fingerprint": publication.inputs_fingerprint,
    }


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)
