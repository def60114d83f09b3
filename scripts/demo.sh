#!/usr/bin/env bash
# `make demo`: both Airflow DAGs end to end on the embedded defaults — Airflow metadata on SQLite, the DuckDB
# warehouse in ./warehouse, MEF's real SIAF sample (or SIAF_GASTO=<path-or-url>) — without a scheduler
# (`airflow dags test` runs a DAG in-process). Ends by printing where the published marts and the quality report are.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/.venv/bin:$PATH"
export WAREHOUSE_DIR="${WAREHOUSE_DIR:-$ROOT/warehouse}"
source "$ROOT/scripts/airflow-env.sh"

echo "==> Airflow metadata database ($AIRFLOW_HOME, SQLite)"
airflow db migrate >"$AIRFLOW_HOME/db-migrate.log" 2>&1 || { tail -30 "$AIRFLOW_HOME/db-migrate.log"; exit 1; }
airflow pools set warehouse_writer 1 "DuckDB allows one writer: warehouse writes run one at a time" >/dev/null

conf="{}"
if [[ -n "${SIAF_GASTO:-}" ]]; then
  conf="$(python -c 'import json, sys; print(json.dumps({"siaf_gasto_location": sys.argv[1]}))' "$SIAF_GASTO")"
fi
echo "==> DAG siaf_gasto_load (conf: $conf)"
airflow dags test siaf_gasto_load -c "$conf"
echo "==> DAG siaf_marts_publish (triggered by the raw.siaf_gasto asset when a scheduler runs)"
airflow dags test siaf_marts_publish
echo
python -m pipeline status
