"""Every DAG file imports cleanly, follows the project's Airflow 3 conventions, and the DAGs follow the contracts."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from ingest.contracts import registry
from tests.conftest import ROOT

DAGS = ROOT / "dags"
WRITER_POOL = "warehouse_writer"


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory: pytest.TempPathFactory):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


def test_no_import_errors(dagbag) -> None:
    assert dagbag.import_errors == {}
    tables = {source.table for source in registry().sources.values()}
    assert set(dagbag.dag_ids) == {f"load_{table}" for table in tables} | {"marts_publish", "backfill_years"}
    assert {"load_siaf_gasto", "load_ubigeo_inei", "load_consulta_amigable_municipalidades"} <= set(dagbag.dag_ids)


def test_dag_conventions(dagbag) -> None:
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags, dag_id
        assert dag.catchup is False, dag_id
        assert dag.start_date is not None and dag.start_date.utcoffset().total_seconds() == 0, dag_id
        assert dag.doc_md and dag.doc_md.strip(), dag_id
        assert dag.max_active_runs == 1, dag_id
        for task in dag.tasks:
            # fetch lands files, export_open_data reads published.duckdb only: neither holds the DuckDB writer slot
            if task.task_id in ("fetch", "export_open_data"):
                assert task.pool != WRITER_POOL, f"{dag_id}.{task.task_id} needs no writer slot"
            else:
                assert task.pool == WRITER_POOL, f"{dag_id}.{task.task_id} writes DuckDB outside the pool"


def test_one_load_dag_per_active_contract(dagbag) -> None:
    for source in registry().sources.values():
        dag = dagbag.dags[f"load_{source.table}"]
        assert [t.task_id for t in dag.topological_sort()] == ["fetch", "load"]
        load = dag.get_task("load")
        assert [outlet.name for outlet in load.outlets] == [f"raw.{source.table}"]
        assert set(dag.params) == {"location", "max_rejects", "allow_shrink"}
        assert (dag.params["max_rejects"], dag.params["allow_shrink"]) == (0, False)
    assert not [d for d in dagbag.dag_ids if d.startswith("load_") and d.removeprefix("load_") in registry().planned]


def test_schedules_follow_the_contract_cadence(dagbag) -> None:
    assert dagbag.dags["load_siaf_gasto"].schedule == "0 9 * * *"  # P1D
    assert dagbag.dags["load_consulta_amigable_municipalidades"].schedule == "@monthly"  # P31D
    assert dagbag.dags["load_ubigeo_inei"].schedule == "@once"  # shipped in reference/


def test_schedule_rule() -> None:
    from datetime import timedelta

    from pipeline.assets import schedule_for

    assert schedule_for("x", timedelta(hours=6)) == schedule_for("x", timedelta(days=1)) == "0 9 * * *"
    assert schedule_for("x", timedelta(weeks=1)) == "@weekly"
    assert schedule_for("x", timedelta(days=31)) == "@monthly"
    assert schedule_for("x", timedelta(days=365)) == "@yearly"
    assert schedule_for("ubigeo-inei", timedelta(days=365)) == "@once"


def test_default_location_is_never_the_test_sample(dagbag) -> None:
    for dag_id, dag in dagbag.dags.items():
        default = dag.params.get("location") if dag_id.startswith("load_") else None
        assert default is None or "realdata" not in str(default), dag_id
    assert dagbag.dags["load_ubigeo_inei"].params["location"] == str(ROOT / "reference/ubigeo/ubigeo-inei-2025.csv")


def test_fetch_without_a_location_fails_clearly(dagbag, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from ingest.errors import FetchError

    monkeypatch.delenv("SIAF_GASTO_LOCATION", raising=False)
    monkeypatch.setenv("WAREHOUSE_DIR", str(tmp_path))
    fetch = dagbag.dags["load_siaf_gasto"].get_task("fetch")
    message = "no location configured for siaf-gasto: set SIAF_GASTO_LOCATION or pass the location param"
    with pytest.raises(FetchError, match=message):
        fetch.python_callable(params={"location": None, "max_rejects": 0, "allow_shrink": False})


def test_fetch_then_load_hand_over_the_landed_file(
    dagbag, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, siaf_sample: Path
) -> None:
    """The two tasks' callables, outside Airflow: fetch's XCom is JSON, load reads the landed file it names."""
    monkeypatch.setenv("WAREHOUSE_DIR", str(tmp_path))
    monkeypatch.setenv("SIAF_GASTO_LOCATION", str(siaf_sample))
    dag = dagbag.dags["load_siaf_gasto"]
    params = {"location": None, "max_rejects": 0, "allow_shrink": False}
    landed = json.loads(json.dumps(dag.get_task("fetch").python_callable(params=params)))
    assert (landed["source"], landed["location"], landed["path"]) == ("siaf-gasto", str(siaf_sample), str(siaf_sample))
    result = dag.get_task("load").python_callable(landed, params=params)
    assert (result["status"], result["rows_loaded"]) == ("loaded", 127)


def test_marts_dag_runs_on_any_raw_asset(dagbag) -> None:
    marts = dagbag.dags["marts_publish"]
    produced = {
        outlet.name
        for dag_id, dag in dagbag.dags.items()
        if dag_id.startswith("load_")
        for t in dag.tasks
        for outlet in t.outlets
    }
    condition = marts.timetable.asset_condition
    assert type(condition).__name__ == "AssetAny"  # any one raw table updated triggers it
    assert {asset.name for asset in condition.objects} == produced
    assert produced == {f"raw.{s.table}" for s in registry().sources.values()}
    order = ["dbt_build", "quality_gate", "publish_marts", "export_open_data"]
    assert [t.task_id for t in marts.topological_sort()] == order


@pytest.mark.parametrize("path", sorted(DAGS.glob("*.py")), ids=lambda p: p.name)
def test_dag_files_do_no_work_at_import(path: Path) -> None:
    # Only airflow.sdk, pendulum and the project's name-only modules at the top level; heavy imports inside tasks.
    tree = ast.parse(path.read_text())
    allowed = {"__future__", "typing", "functools", "pendulum", "airflow.sdk", "pipeline.assets", "pipeline.paths"}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            assert node.module in allowed, f"{path.name}: top-level import of {node.module}"
        elif isinstance(node, ast.Import):
            assert all(alias.name in allowed for alias in node.names), f"{path.name}: top-level import"
    assert "airflow.decorators" not in path.read_text() and "schedule_interval" not in path.read_text()
