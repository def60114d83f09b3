"""dbt's own tests as one suite of the quality report, so every check has one implementation.

The marts' structural checks (keys unique and not null, relationships, accepted values and ranges, reconciliations
to staging) are dbt data tests, declared once beside each model and run by ``dbt build`` before the gate. Repeating
them as Great Expectations suites would run every check twice and keep two definitions in step by hand. Instead the
gate reads dbt's ``run_results.json`` and ``manifest.json`` (``<warehouse>/dbt/target``, written by
``pipeline/transform.py``) and reports each test as an outcome of the suite ``dbt_tests``: its model, column, kind,
severity (dbt ``error`` = critical, ``warn`` = warning) and number of failing rows. No example values are read, so no
personal value can reach the report.

A build older than the warehouse's latest load did not see that load's data: its results are left out, with a log
line, rather than reported as if they were about the data being validated.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from expectations.report import ExpectationOutcome, SuiteOutcome
from expectations.settings import CRITICAL, WARNING

logger = logging.getLogger(__name__)

SUITE = "dbt_tests"
# dbt statuses -> (success, counts as "nothing to check"); error = the test could not run
_PASSING = {"pass", "success", "skipped"}


def dbt_target(warehouse: Path) -> Path:
    """Return the dbt target folder of ``warehouse`` (see ``pipeline/transform.py``)."""
    return warehouse / "dbt" / "target"


def dbt_test_suite(warehouse: Path, not_before: datetime | None = None) -> SuiteOutcome | None:
    """Return the tests of the latest ``dbt build`` on ``warehouse`` as a suite, or None when there is no build
    (or it is older than ``not_before``, naive UTC: the latest load)."""
    target = dbt_target(warehouse)
    results_path, manifest_path = target / "run_results.json", target / "manifest.json"
    if not (results_path.is_file() and manifest_path.is_file()):
        return None
    results = json.loads(results_path.read_text())
    generated = datetime.fromisoformat(results["metadata"]["generated_at"].replace("Z", "+00:00")).replace(tzinfo=None)
    if not_before is not None and generated < not_before:
        logger.warning("dbt results of %s predate the latest load (%s): not reported", generated, not_before)
        return None
    manifest = json.loads(manifest_path.read_text())
    outcomes = tuple(
        _outcome(result, manifest)
        for result in results["results"]
        if result["unique_id"].startswith(("test.", "unit_test."))
    )
    return SuiteOutcome(SUITE, outcomes, table=None) if outcomes else None


def _outcome(result: Mapping[str, Any], manifest: Mapping[str, Any]) -> ExpectationOutcome:
    unique_id = result["unique_id"]
    is_unit = unique_id.startswith("unit_test.")
    node = (manifest["unit_tests"] if is_unit else manifest["nodes"]).get(unique_id, {})
    status = result["status"]
    metadata = node.get("test_metadata") or {}
    kwargs = {k: v for k, v in (metadata.get("kwargs") or {}).items() if k != "model" and _plain(v)}
    kind = metadata.get("name") or ("unit_test" if is_unit else "singular")
    table = _table(node, manifest)
    column = kwargs.get("column_name")
    columns = column or ", ".join(kwargs.get("combination_of_columns") or [])
    name = f"{kind}({columns})" if columns else node.get("name", unique_id.rsplit(".", 1)[-1])
    severity = WARNING if str((node.get("config") or {}).get("severity", "error")).lower() == "warn" else CRITICAL
    failures = result.get("failures")
    return ExpectationOutcome(
        suite=SUITE,
        name=name,
        type=f"dbt_{kind}",
        severity=severity,
        success=status in _PASSING,
        kwargs=kwargs,
        description=node.get("description") or f"dbt {kind} test on {table}" + (f".{column}" if column else ""),
        expectation_id=unique_id,
        observed_value={"dbt_status": status, "failing_rows": failures},
        element_count=0 if status == "skipped" else None,
        unexpected_count=failures if isinstance(failures, int) else None,
        error=(result.get("message") or status) if status in ("error", "runtime error") else None,
        table=table,
    )


def _table(node: Mapping[str, Any], manifest: Mapping[str, Any]) -> str | None:
    """schema.model the test is about: its attached model, else the last model it reads (a singular test's mart)."""
    models = [n for n in (node.get("depends_on") or {}).get("nodes", []) if n.startswith("model.")]
    model_id = node.get("attached_node") or node.get("model")  # a unit test names its model without the prefix
    if model_id and not model_id.startswith("model."):
        model_id = next((n for n in models if n.endswith(f".{model_id}")), None)
    if not model_id:
        model_id = models[-1] if models else None
    model = manifest["nodes"].get(model_id) if model_id else None
    return f"{model['schema']}.{model.get('alias') or model['name']}" if model else None


def _plain(value: Any) -> bool:
    """Keep test arguments that are plain data (a Jinja expression or a ref() says nothing to a reader)."""
    return not (isinstance(value, str) and "{{" in value)
