"""The DAGs on a real Airflow deployment: PostgreSQL metadata, the CeleryExecutor with a Redis broker, one worker.

The fixture starts Debian's PostgreSQL and Redis on 127.0.0.1 in temporary folders, migrates Airflow's metadata
database, then runs the scheduler, the dag-processor, the api-server and one Celery worker (concurrency 2, so only
the ``warehouse_writer`` pool keeps two DuckDB writers apart) on the project's own ``dags/``. Through the REST API
the test unpauses ``load_ubigeo_inei`` (``@once``) and ``load_siaf_gasto`` (daily; ``$SIAF_GASTO_LOCATION`` is the
real SIAF sample, as a deployment configures it), so the scheduler starts both runs itself and at the same time;
then it triggers ``marts_publish`` and waits for the published marts. docs/scaling.md says what this shows.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.deployment.servers import ROOT, VENV_BIN, Deployment, free_port

pytestmark = pytest.mark.e2e

LOAD_DAGS = ("load_ubigeo_inei", "load_siaf_gasto")
DAGS = (*LOAD_DAGS, "marts_publish")
POOL = "warehouse_writer"
RUN_TIMEOUT_S = 480  # per wait; marts_publish alone took 3-4 min here, with the 2 cores shared by others (load ~10)


def airflow_env(deployment: Deployment, database: str, broker: str, siaf: Path) -> dict[str, str]:
    """Return the environment every Airflow process of the deployment runs with."""
    api = f"http://127.0.0.1:{deployment.api_port}"
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW")}
    return env | {
        "PATH": f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
        "AIRFLOW_HOME": str(deployment.base / "airflow"),
        "WAREHOUSE_DIR": str(deployment.base / "warehouse"),
        "SIAF_GASTO_LOCATION": str(siaf),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{api}/execution/",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database,
        "AIRFLOW__CELERY__BROKER_URL": broker,
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + database.replace("+psycopg2", ""),
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(deployment.api_port),
        "AIRFLOW__API__BASE_URL": api,
        "AIRFLOW__API__WORKERS": "1",
        # one secret for the api-server that checks task tokens and the scheduler that signs them
        "AIRFLOW__API_AUTH__JWT_SECRET": "deployment-test-only",
        # local test deployment only: the REST API answers without a login
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        # dags/ is parsed once at start-up; re-parsing it every 30 s would only take CPU from the tasks
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "600",
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "600",
        "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
        "AIRFLOW__SCHEDULER__JOB_HEARTBEAT_SEC": "1",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
    }


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory, siaf_sample: Path) -> Iterator[Deployment]:
    """A running deployment; stopped (every process it started, and PostgreSQL) however the module ends."""
    deployment = Deployment(tmp_path_factory.mktemp("deployment"))
    started = time.monotonic()
    try:
        database = deployment.start_postgres()
        broker = deployment.start_redis()
        deployment.timings["postgres and redis"] = time.monotonic() - started
        deployment.api_port = free_port()
        deployment.env = airflow_env(deployment, database, broker, siaf_sample)
        deployment.airflow("db", "migrate")
        deployment.timings["db migrate"] = time.monotonic() - started - deployment.timings["postgres and redis"]
        airflow = str(VENV_BIN / "airflow")
        deployment.start("api-server", [airflow, "api-server", "--port", str(deployment.api_port)])
        deployment.start("scheduler", [airflow, "scheduler", "--skip-serve-logs"])
        deployment.start("dag-processor", [airflow, "dag-processor"])
        deployment.start("celery-worker", [airflow, "celery", "worker", "--concurrency", "2", "--skip-serve-logs"])
        deployment.wait_for("the api-server", deployment.api_up, timeout=120)
        deployment.timings["servers up"] = time.monotonic() - started - sum(deployment.timings.values())
        deployment.api("POST", "pools", {"name": POOL, "slots": 1, "description": "DuckDB allows one writer"})
        yield deployment
    finally:
        deployment.stop()


def _parsed(deployment: Deployment) -> bool:
    found = deployment.sql("select dag_id from dag where dag_id = any(%s) and not is_stale", list(DAGS))
    return len(found) == len(DAGS)


def _runs(deployment: Deployment, dag_id: str) -> list[dict[str, Any]]:
    return deployment.api("GET", f"dags/{dag_id}/dagRuns?order_by=run_after")["dag_runs"]


def _succeeded(deployment: Deployment, dag_ids: tuple[str, ...]) -> bool:
    """Return whether every DAG in ``dag_ids`` has a successful run; raise on a failed one."""
    done = 0
    for dag_id in dag_ids:
        states = [run["state"] for run in _runs(deployment, dag_id)]
        if "failed" in states:
            raise deployment.fail(f"a run of {dag_id} failed")
        done += "success" in states
    return done == len(dag_ids)


@pytest.fixture(scope="module")
def ran(deployment: Deployment) -> Deployment:
    """Both loads run by the scheduler on the Celery worker, then marts_publish triggered, until it succeeds.

    marts_publish stays paused during the loads: asset events do not queue runs of a paused DAG, so it runs once,
    on both loads (a run on ubigeo alone fails the gate, rightly: the SIAF marts would be empty).
    """
    started = time.monotonic()
    deployment.wait_for("the dag-processor to parse dags/", lambda: _parsed(deployment), timeout=120)
    deployment.timings["dags parsed"] = time.monotonic() - started
    for dag_id in LOAD_DAGS:
        deployment.api("PATCH", f"dags/{dag_id}", {"is_paused": False})
    deployment.wait_for("both load DAGs to succeed", lambda: _succeeded(deployment, LOAD_DAGS), RUN_TIMEOUT_S, 1)
    deployment.timings["both loads"] = time.monotonic() - started - deployment.timings["dags parsed"]
    deployment.api("PATCH", "dags/marts_publish", {"is_paused": False})
    deployment.api("POST", "dags/marts_publish/dagRuns", {"logical_date": None})
    deployment.wait_for("marts_publish to succeed", lambda: _succeeded(deployment, DAGS), RUN_TIMEOUT_S, 1)
    deployment.timings["marts_publish"] = (
        time.monotonic() - started - sum(deployment.timings[step] for step in ("dags parsed", "both loads"))
    )
    print("deployment timings (s):", ", ".join(f"{step} {took:.1f}" for step, took in deployment.timings.items()))
    return deployment


def test_the_scheduler_runs_the_loads_and_publishes_the_marts(ran: Deployment) -> None:
    published = ran.base / "warehouse" / "published.duckdb"
    con = duckdb.connect(str(published), read_only=True)
    try:
        loads = con.execute("select source, status, rows_loaded from ops.load_log order by load_id").fetchall()
        siaf_rows = con.execute(
            "select count(*) from marts.fct_budget_execution where source_contract = 'siaf-gasto'"
        ).fetchone()
    finally:
        con.close()
    assert ("siaf-gasto", "loaded", 127) in loads, loads
    assert any(source == "ubigeo-inei" and status == "loaded" for source, status, _ in loads), loads
    assert siaf_rows is not None and siaf_rows[0] > 0


def test_tasks_ran_on_the_celery_worker(ran: Deployment) -> None:
    """Every task went through Redis to the worker, and Celery kept its results in PostgreSQL."""
    instances = ran.sql("select dag_id, task_id, state, queue, hostname from task_instance order by start_date")
    assert {(dag_id, task_id) for dag_id, task_id, *_ in instances} >= {
        ("load_ubigeo_inei", "fetch"), ("load_ubigeo_inei", "load"), ("load_siaf_gasto", "fetch"),
        ("load_siaf_gasto", "load"), ("marts_publish", "dbt_build"), ("marts_publish", "quality_gate"),
        ("marts_publish", "publish_marts"), ("marts_publish", "export_open_data"),
    }  # fmt: skip
    assert all(state == "success" and queue == "default" and hostname for _, _, state, queue, hostname in instances)

    def recorded() -> bool:
        # the worker writes a task's Celery result just after the task reports to Airflow, so the last can lag
        successes = ran.sql("select count(*) from celery_taskmeta where status = 'SUCCESS'")[0][0]
        return successes >= len(instances)

    ran.wait_for(f"Celery to record {len(instances)} successful tasks in PostgreSQL", recorded, timeout=60)


def test_the_pool_kept_writers_apart(ran: Deployment) -> None:
    """No two task instances of the one-slot pool ran at the same time, though the worker runs two tasks at once,
    and the pool did hold one back: a writer was ready (scheduled) while another was still writing."""
    writers = ran.sql(
        "select dag_id, task_id, scheduled_dttm, start_date, end_date from task_instance where pool = %s"
        " order by start_date",
        POOL,
    )
    assert {(dag_id, task_id) for dag_id, task_id, *_ in writers} >= {
        ("load_ubigeo_inei", "load"), ("load_siaf_gasto", "load"), ("marts_publish", "dbt_build"),
        ("marts_publish", "quality_gate"), ("marts_publish", "publish_marts"),
    }, writers  # fmt: skip
    pairs = list(itertools.pairwise(writers))
    for before, after in pairs:
        assert before[4] <= after[3], f"{before[:2]} (until {before[4]}) overlapped {after[:2]} (from {after[3]})"
    held = [(before[:2], after[:2]) for before, after in pairs if after[2] < before[4]]
    assert held, f"no writer ever waited for the pool: {writers}"
