# Two entry points (see README): `make demo` runs both DAGs end to end on the embedded defaults, `make test` runs the
# checks and tests. Both create or refresh .venv from requirements.lock first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-from-lock
UV_VERSION := 0.13.8
SIAF_GASTO ?=

.PHONY: demo test lint venv lock bench bench-quick bench-load bench-infobras clean dashboard system-packages docs export

demo: $(STAMP)
	SIAF_GASTO="$(SIAF_GASTO)" scripts/demo.sh

test: $(STAMP) system-packages
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n 2 --dist loadfile

# Debian packages the tests need, installed when missing: chromium (the dashboard's browser tests; Playwright cannot
# download its own browsers here), postgresql and redis-server (the Airflow deployment test, docs/scaling.md).
system-packages:
	@scripts/ensure-system-packages.sh

# The dashboard on the published marts: http://localhost:8501 (read-only; `make demo` first).
dashboard: $(STAMP)
	$(BIN)/streamlit run dashboard/app.py --server.headless true --server.port $${DASHBOARD_PORT:-8501} \
		--server.address $${DASHBOARD_ADDRESS:-127.0.0.1} --client.toolbarMode viewer --browser.gatherUsageStats false

# The dbt docs of the published marts for analysts: http://localhost:8081, beside the dashboard (`make demo` first).
docs: $(STAMP)
	$(BIN)/python -m pipeline.docs_site
	$(BIN)/python -m http.server $${DOCS_PORT:-8081} --bind 127.0.0.1 --directory $${WAREHOUSE_DIR:-warehouse}/dbt-docs

# The open-data release (Parquet, CSV, datapackage.json) of the published marts: warehouse/open-data/latest/.
export: $(STAMP)
	$(BIN)/python -m pipeline export

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

venv: $(STAMP)

# The lock pins every package; uv installs exactly it. dbt-core-experimental-parser is left out on purpose (it
# downloads a wheel from outside the package registries while installing; dbt only uses it with --use-v2-parser).
# The .pth file puts the repository on the venv's sys.path (ingest, pipeline, expectations) for Airflow and tests.
$(STAMP): requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv pip sync --quiet --python $(BIN)/python --compile-bytecode requirements.lock
	echo "$(CURDIR)" > "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/peru_monitoring.pth"
	touch $(STAMP)

# Re-resolve requirements.txt into requirements.lock (needs the package registry).
lock: $(STAMP)
	$(BIN)/uv pip compile requirements.txt --excludes requirements-excludes.txt --python-version 3.11 \
		-o requirements.lock

# The benchmark suite: every stage at 1, 2 and 4 GiB, each in its own process, targets met or not; replaces its
# section of docs/benchmarks.md. BENCH_ARGS="--national" adds a generated 10 GiB year.
bench: $(STAMP)
	$(BIN)/python benchmarks/suite.py $(BENCH_ARGS)
# CI-sized: 8 and 16 MiB files, printed only.
bench-quick: $(STAMP)
	$(BIN)/python benchmarks/suite.py --quick $(BENCH_ARGS)
# The load alone next to a bare DuckDB read_csv (the previous `make bench`).
bench-load: $(STAMP)
	$(BIN)/python benchmarks/bench_load.py --sizes-mb 1024 4096
bench-infobras: $(STAMP)
	$(BIN)/python benchmarks/bench_infobras.py --rows 191000

clean:
	rm -rf warehouse .airflow .pytest_cache .ruff_cache dbt_project/target dbt_project/logs
