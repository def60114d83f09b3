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
SSI_INVERSIONES="${SSI_INVERSIONES:-$REALDATA/invierte/ssi-portalgeneral-madre-de-dios-2019.csv}"
INVIERTE_INVERSIONES="${INVIERTE_INVERSIONES:-$REALDATA/invierte/invierte-consulta-50-rows.xlsx}"
OBRAS_PARALIZADAS_ALERTAS="${OBRAS_PARALIZADAS_ALERTAS:-$REALDATA/obras_paralizadas/alertas-obras-paralizadas-2026-05.xlsx}"
# No real InfObras rows can be had here: the demo loads a file generated in InfObras's exact layout
# (benchmarks/generate_infobras.py; the 47 known columns are real, the other 50 are named as unidentified).
INFOBRAS_OBRAS="${INFOBRAS_OBRAS:-}"

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
for dag in ssi_inversiones invierte_inversiones obras_paralizadas_alertas; do
  var="${dag^^}"
  echo "==> DAG load_$dag (location: ${!var})"
  airflow dags test "load_$dag" -c "$(location_conf "${!var}")"
done
if [[ -z "$INFOBRAS_OBRAS" ]]; then
  INFOBRAS_OBRAS="$WAREHOUSE_DIR/demo-input/DataSet-Obras-Publicas-generado.xlsx"
  mkdir -p "$(dirname "$INFOBRAS_OBRAS")"
  python benchmarks/generate_infobras.py --rows 2000 --seed 7 --out "$INFOBRAS_OBRAS" >/dev/null
fi
echo "==> DAG load_infobras_obras (location: $INFOBRAS_OBRAS)"
airflow dags test load_infobras_obras -c "$(location_conf "$INFOBRAS_OBRAS")"
echo "==> DAG marts_publish (triggered by any raw.* asset when a scheduler runs)"
airflow dags test marts_publish
echo
python -m pipeline status
