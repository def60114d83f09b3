"""
### Build, validate and publish the marts

Runs whenever any raw table is updated (the assets `raw.<table>` of every active contract, built from the registry
as `raw.a | raw.b | ...`): `dbt build` (staging → intermediate → marts, with dbt's data and unit tests) on the
working warehouse, then the Great Expectations quality gate, then publishes the marts atomically as
`$WAREHOUSE_DIR/published.duckdb`. A failed gate fails the run, names the failing checks and the report, and leaves
the previous published file untouched. Publish also refuses when the loads in the warehouse are no longer the ones
the gate validated (a load landed in between). All three write or hold the DuckDB file, so they share the one-slot
pool. Then the open-data release (`pipeline/export.py`, docs/open-data.md) is written from the published file.

**Nothing changed, nothing rebuilt.** `dbt_build` first compares the run's inputs (the current loads, by file
SHA-256, and a hash of the dbt project, contracts and gate) with those the last publication recorded; when they are
equal it is skipped (`AirflowSkipException`, its log says "nothing changed since publication …"), and so are the
gate, publish (no `published.marts` asset event) and the export. **Param** `force` (default false) rebuilds anyway.
"""

from __future__ import annotations

from functools import reduce
from typing import TYPE_CHECKING, Any

import pendulum
from airflow.sdk import Param, dag, task

from pipeline.assets import PUBLISHED_MARTS, WAREHOUSE_POOL, raw_assets

if TYPE_CHECKING:
    from airflow.sdk.types import DagRunProtocol


@dag(
    dag_id="marts_publish",
    schedule=reduce(lambda either, asset: either | asset, raw_assets()),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["dbt", "quality", "publish"],
    doc_md=__doc__,
    params={"force": Param(False, type="boolean", description="rebuild even when nothing changed since publication")},
)
def marts_publish() -> None:
    @task(pool=WAREHOUSE_POOL)
    def dbt_build(params: dict[str, Any] | None = None) -> dict[str, object]:
        from airflow.sdk.exceptions import AirflowSkipException

        from pipeline.tasks import build_marts, marts_plan

        plan = marts_plan(force=bool((params or {}).get("force")))
        if not plan["rebuild"]:
            # skipped, not succeeded: the tasks after it are skipped too and no asset event is emitted
            raise AirflowSkipException(plan["message"])
        return {"dbt_lines": build_marts(), "code_fingerprint": plan["code_fingerprint"]}

    @task(pool=WAREHOUSE_POOL)
    def quality_gate(dag_run: DagRunProtocol | None = None) -> dict[str, object]:
        from pipeline.tasks import run_quality_gate

        # Freshness is judged as of the run, not the wall clock: asset-triggered runs have no logical date in
        # Airflow 3, run_after is always set.
        return run_quality_gate(as_of=dag_run.run_after if dag_run is not None else None)

    @task(pool=WAREHOUSE_POOL, outlets=[PUBLISHED_MARTS])
    def publish_marts(gate: dict[str, Any], built: dict[str, Any]) -> dict[str, object]:
        from pipeline.tasks import publish_marts

        return publish_marts(gate, code_fingerprint=built["code_fingerprint"])

    # Reads published.duckdb read-only (never the working file), so it needs no pool slot and cannot unpublish
    # anything: a failed export fails this task only, the publication stands.
    @task
    def export_open_data(published: dict[str, Any]) -> dict[str, object]:
        from pipeline.export import export_release

        release = export_release()
        return {"path": str(release.path), "rows": release.rows, "gate_run_id": release.gate_run_id}

    built = dbt_build()
    gate = quality_gate()
    built >> gate
    export_open_data(publish_marts(gate, built))


marts_publish()
