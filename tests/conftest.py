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


# `make test` runs on two workers (pytest -n 2 --dist loadgroup, pytest-xdist). Every test of a module goes to one
# worker, so a module's expensive fixture (a loaded, dbt-built warehouse) is built once; modules that share a cached
# session-wide build share one group, so that build also happens once.
SHARED_GROUPS = {
    "tests.test_crash_safety": "reference-run",  # reference_warehouse(): one pipeline run on the SIAF sample
    "tests.test_concurrency": "reference-run",
    "tests.pipeline.test_export": "reference-run",
    "tests.test_privacy_scan": "municipal-run",  # one pipeline run on every municipal example file
    "tests.test_participatory_budgeting": "municipal-run",
}


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put each test in its module's xdist group (see SHARED_GROUPS) unless it names one itself."""
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            module = item.module.__name__ if item.module is not None else item.nodeid.split("::")[0]
            group = SHARED_GROUPS.get(module) or ("dashboard" if module.startswith("tests.dashboard") else module)
            item.add_marker(pytest.mark.xdist_group(group))


def pytest_configure(config: pytest.Config) -> None:
    """Keep Airflow's home, metadata DB and config out of the user's ~/airflow during tests."""
    import os
    import tempfile

    home = Path(tempfile.mkdtemp(prefix="airflow-home-"))
    os.environ.setdefault("AIRFLOW_HOME", str(home))
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(ROOT / "dags"))
