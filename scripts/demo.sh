#!/usr/bin/env bash
# `make demo`: the Airflow DAGs end to end on the embedded defaults — Airflow metadata on SQLite, the DuckDB
# warehouse in ./warehouse — without a scheduler (`airflow dags test` runs a DAG in-process). The load DAGs have no
# default file (only the shipped ubigeo reference has one), so the real samples in ../shared/realdata are passed
# explicitly: MEF's SIAF sample (or SIAF_GASTO=<path-or-url>) and the Consulta Amigable municipal export (or
# CONSULTA_AMIGABLE=<path-or-url>). Ends by printing where the published marts and the quality report are.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/.venv/bin:$PATH"
export WAREHOUSE_DIR="${WAREHOUSE_DIR:-$ROOT/warehouse}"
source "$ROOT/scripts/airflow-env.sh"

REALDATA="$(cd "$ROOT/.." && pwd)/shared/realdata"
SIAF_GASTO="${SIAF_GASTO:-$REALDATA/siaf_gasto/mef-2026-gasto-diario.head.csv}"
CONSULTA_AMIGABLE="${CONSULTA_AMIGABLE:-$REALDATA/consulta_amigable/ejecucion-gasto-municipalidades-2024-2025.xlsx}"

location_conf() {
  python -c 'import json, sys; print(json.dumps({"location": sys.argv[1]}))' "$1"
}

echo "==> Airflow metadata database ($AIRFLOW_HOME, SQLite)"
airflow db migrate >"$AIRFLOW_HOME/db-migrate.log" 2>&1 || { tail -30 "$AIRFLOW_HOME/db-migrate.log"; exit 1; }
airflow pools set warehouse_writer 1 "DuckDB allows one writer: warehouse writes run one at a time" >/dev/null

echo "==> DAG load_ubigeo_inei (the shipped reference/ubigeo table)"
airflow dags test load_ubigeo_inei
echo "==> DAG load_siaf_gasto (location: $SIAF_GASTO)"
airflow dags test load_siaf_gasto -c "$(location_conf "$SIAF_GASTO")"
echo "==> DAG load_consulta_amigable_municipalidades (location: $CONSULTA_AMIGABLE)"
airflow dags test load_consulta_amigable_municipalidades -c "$(location_conf "$CONSULTA_AMIGABLE")"
echo "==> DAG marts_publish (triggered by any raw.* asset when a scheduler runs)"
airflow dags test marts_publish
echo
python -m pipeline status
