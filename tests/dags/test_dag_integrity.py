"""Every DAG file imports cleanly and follows the project's Airflow 3 conventions."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

DAGS = ROOT / "dags"


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory: pytest.TempPathFactory):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


def test_no_import_errors(dagbag) -> None:
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == {"siaf_gasto_load", "siaf_marts_publish"}


def test_dag_conventions(dagbag) -> None:
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags, dag_id
        assert dag.catchup is False, dag_id
        assert dag.start_date is not None and dag.start_date.utcoffset().total_seconds() == 0, dag_id
        assert dag.doc_md and dag.doc_md.strip(), dag_id
        assert dag.max_active_runs == 1, dag_id
        for task in dag.tasks:
            assert task.pool == "warehouse_writer", f"{dag_id}.{task.task_id} writes DuckDB outside the pool"


def test_marts_dag_runs_on_the_raw_asset(dagbag) -> None:
    load = dagbag.dags["siaf_gasto_load"]
    marts = dagbag.dags["siaf_marts_publish"]
    outlets = {outlet.name for task in load.tasks for outlet in task.outlets}
    assert "raw.siaf_gasto" in outlets
    assert [asset.name for asset in marts.timetable.asset_condition.objects] == ["raw.siaf_gasto"]
    assert [t.task_id for t in marts.topological_sort()] == ["dbt_build", "quality_gate", "publish_marts"]


@pytest.mark.parametrize("path", sorted(DAGS.glob("*.py")), ids=lambda p: p.name)
def test_dag_files_do_no_work_at_import(path: Path) -> None:
    # Only airflow.sdk, pendulum and the project's name-only modules at the top level; heavy imports inside tasks.
    tree = ast.parse(path.read_text())
    allowed = {"__future__", "typing", "pendulum", "airflow.sdk", "pipeline.assets", "pipeline.paths"}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            assert node.module in allowed, f"{path.name}: top-level import of {node.module}"
        elif isinstance(node, ast.Import):
            assert all(alias.name in allowed for alias in node.names), f"{path.name}: top-level import"
    assert "airflow.decorators" not in path.read_text() and "schedule_interval" not in path.read_text()
