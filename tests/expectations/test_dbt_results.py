"""dbt's tests reported as the gate's ``dbt_tests`` suite (expectations/dbt_results.py), from a dbt target folder."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from expectations.dbt_results import SUITE, dbt_test_suite

MODEL = "model.peru_monitoring.fct_x"
NODES = {
    MODEL: {"schema": "marts", "name": "fct_x", "alias": "fct_x"},
    "test.peru_monitoring.not_null_fct_x_key": {
        "name": "not_null_fct_x_key",
        "test_metadata": {"name": "not_null", "kwargs": {"column_name": "key", "model": "{{ ref('fct_x') }}"}},
        "attached_node": MODEL,
        "config": {"severity": "ERROR"},
        "depends_on": {"nodes": [MODEL]},
    },
    "test.peru_monitoring.accepted_range_fct_x_pct": {
        "name": "accepted_range_fct_x_pct",
        "test_metadata": {"name": "accepted_range", "kwargs": {"column_name": "pct", "max_value": 100}},
        "attached_node": MODEL,
        "config": {"severity": "warn"},
        "depends_on": {"nodes": [MODEL]},
    },
    "test.peru_monitoring.assert_x_reconciles": {
        "name": "assert_x_reconciles",
        "description": "fct_x adds up to staging.",
        "config": {"severity": "ERROR"},
        "depends_on": {"nodes": ["model.peru_monitoring.stg_x", MODEL]},
    },
}
RESULTS = [
    {"unique_id": MODEL, "status": "success", "failures": None, "message": None},
    {"unique_id": "test.peru_monitoring.not_null_fct_x_key", "status": "pass", "failures": 0, "message": None},
    {"unique_id": "test.peru_monitoring.accepted_range_fct_x_pct", "status": "warn", "failures": 3, "message": "Got 3"},
    {"unique_id": "test.peru_monitoring.assert_x_reconciles", "status": "skipped", "failures": None, "message": None},
]


def _target(warehouse: Path, generated_at: str = "2026-11-28T10:00:00Z") -> Path:
    target = warehouse / "dbt" / "target"
    target.mkdir(parents=True)
    (target / "manifest.json").write_text(json.dumps({"nodes": NODES, "unit_tests": {}}))
    (target / "run_results.json").write_text(
        json.dumps({"metadata": {"generated_at": generated_at}, "results": RESULTS})
    )
    return warehouse


def test_each_dbt_test_is_an_outcome_with_its_table_severity_and_failing_rows(tmp_path: Path) -> None:
    suite = dbt_test_suite(_target(tmp_path))
    assert suite is not None and suite.suite == SUITE
    outcomes = {o.name: o for o in suite.outcomes}
    assert set(outcomes) == {"not_null(key)", "accepted_range(pct)", "assert_x_reconciles"}  # models are not tests
    assert (outcomes["not_null(key)"].severity, outcomes["not_null(key)"].status) == ("critical", "passed")
    warned = outcomes["accepted_range(pct)"]
    assert (warned.severity, warned.status, warned.unexpected_count) == ("warning", "failed", 3)
    assert warned.kwargs == {"column_name": "pct", "max_value": 100}  # the Jinja ref() is dropped
    singular = outcomes["assert_x_reconciles"]
    assert (singular.table, singular.status, singular.description) == (
        "marts.fct_x",
        "not_applicable",
        NODES["test.peru_monitoring.assert_x_reconciles"]["description"],
    )
    assert all(o.table == "marts.fct_x" and not o.examples for o in suite.outcomes)  # no values: nothing personal
    assert suite.passed  # a warning alone does not block publishing


def test_results_older_than_the_latest_load_are_not_reported(tmp_path: Path) -> None:
    warehouse = _target(tmp_path, generated_at="2026-11-28T10:00:00Z")
    assert dbt_test_suite(warehouse, not_before=datetime(2026, 11, 28, 9, 59)) is not None
    assert dbt_test_suite(warehouse, not_before=datetime(2026, 11, 28, 10, 1)) is None
    assert dbt_test_suite(tmp_path / "no-build") is None
