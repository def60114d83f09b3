# Two entry points (see README): `make demo` runs both DAGs end to end on the embedded defaults, `make test` runs the
# checks and tests. Both create or refresh .venv from requirements.lock first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-from-lock
UV_VERSION := 0.13.8
SIAF_GASTO ?=

.PHONY: demo test lint venv lock bench clean

demo: $(STAMP)
	SIAF_GASTO="$(SIAF_GASTO)" scripts/demo.sh

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

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

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_load.py --sizes-mb 1024 4096
bench-infobras: $(STAMP)
	$(BIN)/python benchmarks/bench_infobras.py --rows 191000

clean:
	rm -rf warehouse .airflow .pytest_cache .ruff_cache dbt_project/target dbt_project/logs
