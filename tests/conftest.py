"""Shared fixtures: the real published files in ../shared/realdata, read as they are, and scratch warehouses."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REALDATA = ROOT.parent / "shared" / "realdata"
SIAF_SAMPLE = REALDATA / "siaf_gasto" / "mef-2026-gasto-diario.head.csv"
UBIGEO_INEI = ROOT / "reference" / "ubigeo" / "ubigeo-inei-2025.csv"


@pytest.fixture(scope="session")
def siaf_sample() -> Path:
    """The first 127 rows of MEF's 2026-Gasto-Diario.csv, byte for byte."""
    if not SIAF_SAMPLE.is_file():
        pytest.fail(f"real SIAF sample missing at {SIAF_SAMPLE}: the tests need ../shared/realdata beside the project")
    return SIAF_SAMPLE


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty warehouse folder, also set as $WAREHOUSE_DIR."""
    path = tmp_path / "warehouse"
    path.mkdir()
    monkeypatch.setenv("WAREHOUSE_DIR", str(path))
    return path


# `make test` runs on two workers (pytest -n 2 --dist loadfile, pytest-xdist): every test of a module goes to one
# worker, so a module's expensive fixture (a loaded, dbt-built warehouse) is built once. Not --dist loadgroup: with
# pytest 9.2, xdist 3.8's xdist_group marks have no effect (xdist tags item._nodeid, which pytest 9 no longer reads),
# so loadgroup spread every module over both workers and built each module fixture twice.


def pytest_configure(config: pytest.Config) -> None:
    """Keep Airflow's home, metadata DB and config out of the user's ~/airflow during tests."""
    import os
    import tempfile

    # One home per process: xdist workers inherit the controller's environment, and two workers migrating one
    # SQLite metadata database race ("table team already exists"). A home the user set is kept.
    if "AIRFLOW_HOME" not in os.environ or os.environ.get("TESTS_AIRFLOW_HOME") == os.environ["AIRFLOW_HOME"]:
        home = Path(tempfile.mkdtemp(prefix=f"airflow-home-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-"))
        os.environ["AIRFLOW_HOME"] = os.environ["TESTS_AIRFLOW_HOME"] = str(home)
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(ROOT / "dags"))
