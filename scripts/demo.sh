#!/usr/bin/env bash
# `make demo`: the Airflow DAGs end to end on the embedded defaults — Airflow metadata on SQLite, the DuckDB
# warehouse in ./warehouse — without a scheduler (`airflow dags test` runs a DAG in-process). The load DAGs have no
# default file (only the shipped ubigeo reference has one), so the real samples in ../shared/realdata, the example
# files in examples/ and files generated in the sources' exact layouts (pipeline/demo_sources.py) are passed
# explicitly; each can be replaced with <TABLE>=<path-or-url>, e.g. SIAF_GASTO=… or CONSULTA_AMIGABLE_MUNICIPALIDADES=….
#
# Prints one line per stage with its figures (pipeline/summary.py); Airflow's own logs go to $DEMO_LOG. Ends by
# printing where the published marts and the quality report are.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/.venv/bin:$PATH"
export WAREHOUSE_DIR="${WAREHOUSE_DIR:-$ROOT/warehouse}"
source "$ROOT/scripts/airflow-env.sh"
mkdir -p "$WAREHOUSE_DIR"
DEMO_LOG="${DEMO_LOG:-$WAREHOUSE_DIR/demo-airflow.log}"
: >"$DEMO_LOG"

GENERATED="$WAREHOUSE_DIR/demo-input"
mkdir -p "$GENERATED"

fail() {
  echo "    $1; the last lines of $DEMO_LOG:" >&2
  tail -25 "$DEMO_LOG" >&2
  exit 1
}

run_dag() {
  airflow dags test "$@" </dev/null >>"$DEMO_LOG" 2>&1 || fail "airflow dags test $1 failed"
}

location_conf() {
  python -c 'import json, sys; print(json.dumps({"location": sys.argv[1]}))' "$1"
}

echo "==> Airflow metadata database ($AIRFLOW_HOME, SQLite); Airflow's logs: $DEMO_LOG"
airflow db migrate >>"$DEMO_LOG" 2>&1 || fail "airflow db migrate failed"
airflow pools set warehouse_writer 1 "DuckDB allows one writer: warehouse writes run one at a time" >>"$DEMO_LOG" 2>&1

# source|file lines in load order (pipeline/demo_sources.py: real samples, example files, generated files)
DEMO_SOURCES="$(python -m pipeline.demo_sources --generated-dir "$GENERATED")" || fail "cannot list the demo's files"
while IFS='|' read -r source_name location; do
  table="${source_name//-/_}"
  echo "==> load_$table${location:+ ($location)}"
  if [[ -n "$location" ]]; then
    run_dag "load_$table" -c "$(location_conf "$location")"
  else
    run_dag "load_$table"
  fi
  python -m pipeline.summary load "$source_name" </dev/null || fail "load of $source_name failed"
done <<<"$DEMO_SOURCES"

echo "==> marts_publish (dbt build, quality gate, publish; triggered by any raw.* asset when a scheduler runs)"
run_dag marts_publish
python -m pipeline.summary publish || fail "marts_publish did not publish"
echo
python -m pipeline status
echo "open data:      $WAREHOUSE_DIR/open-data/latest/datapackage.json (Parquet + CSV; docs/open-data.md)"
echo "dbt docs:       make docs, then open http://localhost:8081"
echo "dashboard:      make dashboard, then open http://localhost:${DASHBOARD_PORT:-8501} (read-only on $WAREHOUSE_DIR/published.duckdb)"
