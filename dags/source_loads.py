"""
### Load one source (generated from its contract)

One DAG `load_<table>` per active contract in `contracts/*.yaml`, each with two tasks:

1. `fetch` lands the file (download with retries and conditional GET, unzip) in `$WAREHOUSE_DIR/landing/`, outside
   the `warehouse_writer` pool: a slow download never blocks another DAG's DuckDB writes.
2. `load` (in the pool) loads the landed file into `raw.<table>` (`ingest.load.load(..., landed=...)`) and updates
   the asset `raw.<table>`, which schedules `marts_publish`. A file identical (SHA-256) to the current load is
   recorded as `unchanged` in `ops.load_log` and the task is **skipped**: a skipped task emits no asset event, so
   `marts_publish` is not triggered for nothing.

**Params**: `location` (path, http(s) URL, `.zip`, `.xlsx`; default `$<TABLE>_LOCATION`, e.g. `$SIAF_GASTO_LOCATION`,
or the file in `reference/` for a reference table the repository ships; with neither, `fetch` fails and says which
variable to set), `max_rejects` (rows the reader may reject; default 0), `allow_shrink` (accept a file that shrinks a
partition beyond the contract's tolerance; default false).

**Schedule**, from the contract's cadence: a day or less `0 9 * * *` (04:00 in Lima), up to a week `@weekly`, up to
31 days `@monthly`, longer `@yearly`; a shipped reference table `@once` (trigger it again when `reference/` changes).
Logic lives in `ingest/` and `pipeline/tasks.py`.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import DAG, Param, dag, task

from pipeline.assets import WAREHOUSE_POOL, LoadDagSpec, load_dag_specs


def build_load_dag(spec: LoadDagSpec) -> DAG:
    """Return the load DAG of one source."""

    @dag(
        dag_id=spec.dag_id,
        schedule=spec.schedule,
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        max_active_runs=1,
        tags=["ingest", spec.table, spec.format],
        doc_md=f"## {spec.dag_id}: {spec.title}\n\nSource `{spec.source}` ({spec.publisher}), table "
        f"`raw.{spec.table}`, schedule `{spec.schedule}`, location `${spec.location_env}`.\n{__doc__}",
        params={
            "location": Param(
                spec.default_location,
                type=["null", "string"],
                description=f"path, URL, .zip or .xlsx of the {spec.source} file (default ${spec.location_env})",
            ),
            "max_rejects": Param(0, type="integer", minimum=0, description="rows the reader may reject"),
            "allow_shrink": Param(False, type="boolean", description="accept a file that shrinks a partition"),
        },
    )
    def load_dag() -> None:
        @task
        def fetch(params: dict[str, Any] | None = None) -> dict[str, object]:
            from pipeline.tasks import fetch_source

            given = (params or {}).get("location")
            return fetch_source(spec.source, str(given) if given else None, table=spec.table)

        @task(pool=WAREHOUSE_POOL, outlets=[spec.asset])
        def load(landed: dict[str, Any], params: dict[str, Any] | None = None) -> dict[str, object]:
            from airflow.sdk.exceptions import AirflowSkipException

            from pipeline.tasks import load_source

            params = params or {}
            result = load_source(
                spec.source,
                max_rejects=int(params.get("max_rejects") or 0),
                allow_shrink=bool(params.get("allow_shrink")),
                landed=landed,
            )
            if result["status"] == "unchanged":
                # Airflow 3 registers a task's outlets only when it succeeds: skipped, raw.<table> gets no event
                raise AirflowSkipException(f"{spec.source}: {result['message']}")
            return result

        load(fetch())

    return load_dag()


for _spec in load_dag_specs():
    globals()[_spec.dag_id] = build_load_dag(_spec)
