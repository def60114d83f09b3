"""
### Backfill past years of a year-partitioned source

`backfill_years` loads the history of a source partitioned by fiscal year (SIAF gasto, Devengado mensual,
Ingreso: one file per year), one year per file, without touching the current year. Trigger it by hand with params:

- `source`: the source (`siaf-gasto`, `siaf-devengado-mensual`, `siaf-ingreso`, …: every CSV source whose
  partition field is a year);
- `years`: the years to load, e.g. `[2016, 2017, 2018]`. The current year (of the run's logical date, in Lima) and
  later years are refused: the daily `load_<table>` DAG owns the current year;
- `location_template`: where each year's file is, with `{year}`, e.g.
  `https://…/{year}-Gasto-Diario.csv` or `/data/siaf/{year}-Gasto.zip`;
- `max_rejects`, `allow_shrink`: as in the load DAGs, for every year.

Tasks: `plan` checks the params and lists the years; `fetch` (mapped, one per year, outside the writer pool) lands
the year's file and refuses it before anything is loaded when any row belongs to another year (the loader replaces
every year a file holds); `load` (mapped, in the `warehouse_writer` pool, so years load one at a time) loads it;
`announce` updates the source's `raw.<table>` asset once, after every year loaded, so `marts_publish` runs once.
The incremental facts then rebuild only the backfilled years (docs/siaf-expenditure-files.md). A failed year fails
its own `fetch`/`load` and `announce`: years already loaded stay loaded; run again with the remaining years.

From the command line: `airflow dags trigger backfill_years -c '{"source": "siaf-gasto", "years": [2019, 2020],
"location_template": "/data/{year}-Gasto.csv"}'` (or `airflow dags test` with the same `-c` without a scheduler).
Logic lives in `pipeline/backfill.py`.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import AssetAlias, Param, dag, task

from pipeline.assets import WAREHOUSE_POOL

BACKFILLED = AssetAlias("backfilled-raw")


@dag(
    dag_id="backfill_years",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["ingest", "backfill"],
    doc_md=__doc__,
    params={
        "source": Param("siaf-gasto", type="string", description="a year-partitioned source"),
        "years": Param([], type="array", items={"type": "integer"}, description="years to load, e.g. [2016, 2017]"),
        "location_template": Param(
            None, type=["null", "string"], description="path or URL with {year}, e.g. /data/{year}-Gasto.csv"
        ),
        "max_rejects": Param(0, type="integer", minimum=0, description="rows the reader may reject, per year"),
        "allow_shrink": Param(False, type="boolean", description="accept a file that shrinks its year"),
    },
)
def backfill_years() -> None:
    # plan reads no warehouse, but every task but fetch runs in the writer pool (tests/dags/test_dag_integrity.py)
    @task(pool=WAREHOUSE_POOL)
    def plan(params: dict[str, Any] | None = None, logical_date: Any = None) -> list[dict[str, object]]:
        from pipeline.backfill import plan as plan_years

        params = params or {}
        return plan_years(
            str(params.get("source")), list(params.get("years") or []), params.get("location_template"), logical_date
        )

    @task
    def fetch(item: dict[str, Any]) -> dict[str, object]:
        from pipeline.backfill import fetch_year

        return fetch_year(item)

    @task(pool=WAREHOUSE_POOL)
    def load(landed: dict[str, Any], params: dict[str, Any] | None = None) -> dict[str, object]:
        from pipeline.backfill import load_year

        params = params or {}
        return load_year(
            landed, max_rejects=int(params.get("max_rejects") or 0), allow_shrink=bool(params.get("allow_shrink"))
        )

    @task(pool=WAREHOUSE_POOL, outlets=[BACKFILLED])
    def announce(loads: list[dict[str, Any]], outlet_events: Any = None) -> list[int]:
        from ingest.contracts import get_source
        from pipeline.assets import raw_asset

        years = sorted({int(p) for load in loads for p in load.get("partitions") or []})
        for source in sorted({str(load["source"]) for load in loads}):
            outlet_events[BACKFILLED].add(raw_asset(get_source(source).table), extra={"years": years})
        return years

    announce(load.expand(landed=fetch.expand(item=plan())))


backfill_years()
