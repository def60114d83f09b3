"""The Airflow assets and pool the DAGs share (names only: importing this does no I/O)."""

from __future__ import annotations

from airflow.sdk import Asset

# DuckDB allows one writer: every task that writes the warehouse runs in this one-slot pool.
WAREHOUSE_POOL = "warehouse_writer"

SIAF_GASTO_RAW = Asset(name="raw.siaf_gasto", uri="duckdb://warehouse/monitoring/raw/siaf_gasto")
PUBLISHED_MARTS = Asset(name="published.marts", uri="duckdb://warehouse/published/marts")
