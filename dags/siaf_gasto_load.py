"""
### Load SIAF gasto (MEF budget execution)

Loads one SIAF expenditure file (`YYYY-Gasto-Diario.csv`, an older `YYYY-Gasto.csv`, a `.zip` or an http(s) URL)
into `raw.siaf_gasto` of the working warehouse, after refreshing the INEI ubigeo reference table. A newer file for a
year replaces that year in one transaction; the current file again changes nothing.

**Params**: `siaf_gasto_location` (default: `$SIAF_GASTO_LOCATION`, else the real 2026 sample) and `max_rejects`
(rows the CSV reader may reject before the load is refused; default 0).

On success it updates the `raw.siaf_gasto` asset, which triggers `siaf_marts_publish`. Logic lives in `ingest/`.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, task

from pipeline.assets import SIAF_GASTO_RAW, WAREHOUSE_POOL
from pipeline.paths import default_siaf_gasto_location


@dag(
    dag_id="siaf_gasto_load",
    schedule="0 9 * * *",  # 04:00 in Lima, after MEF's nightly refresh of the daily file
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["siaf", "ingest", "mef"],
    doc_md=__doc__,
    params={
        "siaf_gasto_location": Param(
            default_siaf_gasto_location(), type="string", description="path, http(s) URL or .zip of the SIAF file"
        ),
        "max_rejects": Param(0, type="integer", minimum=0, description="rows the reader may reject"),
    },
)
def siaf_gasto_load() -> None:
    @task(pool=WAREHOUSE_POOL)
    def load_ubigeo_reference() -> dict[str, object]:
        from pipeline.paths import ubigeo_reference_location
        from pipeline.tasks import load_source

        return load_source("ubigeo-inei", ubigeo_reference_location())

    @task(pool=WAREHOUSE_POOL, outlets=[SIAF_GASTO_RAW])
    def load_siaf_gasto(params: dict[str, object] | None = None) -> dict[str, object]:
        from pipeline.tasks import load_source

        assert params is not None
        return load_source("siaf-gasto", str(params["siaf_gasto_location"]), max_rejects=int(params["max_rejects"]))

    load_ubigeo_reference() >> load_siaf_gasto()


siaf_gasto_load()
