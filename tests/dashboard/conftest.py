"""One session fixture: a published warehouse built from the real samples, and the dashboard serving it.

Loads INEI's ubigeo table, the real SIAF gasto sample, the real Consulta Amigable table, the example indicator file
and a generated InfObras file (benchmarks/generate_infobras.py) with the real loader; builds only the marts the
pages read (``dbt build --select`` of models and snapshots only: their dbt tests run in the other test modules);
runs the quality gate with one suite; publishes; starts ``streamlit run`` on a free 127.0.0.1 port with
WAREHOUSE_DIR pointing at it, and Debian's chromium through Playwright.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, SIAF_SAMPLE

REALDATA = ROOT.parent / "shared" / "realdata"
CONSULTA_AMIGABLE = REALDATA / "consulta_amigable" / "ejecucion-gasto-municipalidades-2024-2025.xlsx"
INDICATORS = ROOT / "reference" / "pp_indicadores" / "pp-indicadores-ejemplo.csv"
MARTS = " ".join(
    f"+{model}"
    for model in (
        "fct_budget_execution_wide",
        "fct_budget_pim_monthly",
        "fct_execution_yoy",
        "fct_municipal_execution",
        "fct_works_red_flags",
        "fct_work_history",
        "agg_works_match_rates",
        "fct_program_performance",
        "fct_program_indicators",
    )
)
BUDGET_MARTS = "+fct_budget_execution_wide +fct_budget_pim_monthly +fct_execution_yoy"
GATE_SUITES = ["marts_budget_execution"]


@dataclass
class Site:
    """The running dashboard and what it serves."""

    url: str
    warehouse: Path
    process_pid: int
    browser: Any

    @property
    def published(self) -> Path:
        return self.warehouse / "published.duckdb"

    def republish_siaf(self, path: Path) -> None:
        """Load a new SIAF gasto file, rebuild the budget marts, run the gate and publish (the server keeps running)."""
        _load_build_publish(self.warehouse, [("siaf-gasto", path)], BUDGET_MARTS)


def _load_build_publish(warehouse: Path, loads: list[tuple[str, Path]], select: str) -> None:
    from ingest.load import load
    from pipeline.tasks import publish_marts, run_quality_gate

    previous = os.environ.get("WAREHOUSE_DIR")
    os.environ["WAREHOUSE_DIR"] = str(warehouse)
    try:
        for source, path in loads:
            load(source, str(path), warehouse=warehouse)
        _dbt_run(warehouse, select)
        gate = run_quality_gate(warehouse, suites=GATE_SUITES)
        publish_marts(gate, warehouse)
    finally:
        if previous is None:
            os.environ.pop("WAREHOUSE_DIR", None)
        else:
            os.environ["WAREHOUSE_DIR"] = previous


def _dbt_run(warehouse: Path, select: str) -> None:
    """``dbt build`` of the selected models and snapshots without their tests (~3x faster here) on ``warehouse``."""
    from pipeline.paths import dbt_project_dir
    from pipeline.transform import dbt_executable

    project = str(dbt_project_dir())
    env = {**os.environ, "WAREHOUSE_DIR": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    process = subprocess.run(
        [dbt_executable(), "--no-use-colors", "build", "--resource-type", "model", "--resource-type", "snapshot",
         "--project-dir", project, "--profiles-dir", project, "--target-path", str(warehouse / "dbt" / "target"),
         "--log-path", str(warehouse / "dbt" / "logs"), "--select", *select.split()],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, check=False,
    )  # fmt: skip
    assert process.returncode == 0, f"dbt build failed:\n{process.stdout[-3000:]}"


def changed_siaf(folder: Path, extra: float) -> tuple[Path, str]:
    """A copy of the real SIAF sample with ``extra`` soles added to the first non-zero devengado (same layout:
    every field quoted, CRLF); returns it and the changed row's SEC_EJEC."""
    with SIAF_SAMPLE.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    column = rows[0].index("MONTO_DEVENGADO")
    changed = next(row for row in rows[1:] if float(row[column]) != 0)
    changed[column] = f"{float(changed[column]) + extra:.2f}"
    path = folder / "2026-Gasto-Diario.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(rows)
    return path, changed[rows[0].index("SEC_EJEC")]


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """Build and publish the warehouse, start the dashboard and a headless chromium; stop both at the end."""
    from playwright.sync_api import sync_playwright

    from dashboard.server import CHROMIUM, serve

    folder = tmp_path_factory.mktemp("dashboard")
    warehouse = folder / "warehouse"
    warehouse.mkdir()
    infobras = folder / "DataSet-Obras-Publicas 16-05-2026.xlsx"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "generate_infobras.py"), "--rows", "150", "--seed", "7",
         "--extra-columns", "0", "--out", str(infobras)],
        check=True, capture_output=True, cwd=ROOT,
    )  # fmt: skip
    loads = [
        ("ubigeo-inei", ROOT / "reference" / "ubigeo" / "ubigeo-inei-2025.csv"),
        ("siaf-gasto", SIAF_SAMPLE),
        ("consulta-amigable-municipalidades", CONSULTA_AMIGABLE),
        ("infobras-obras", infobras),
        ("pp-indicadores", INDICATORS),
    ]
    _load_build_publish(warehouse, loads, MARTS)
    with serve(warehouse, log=folder / "streamlit.log") as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield Site(server.url, warehouse, server.pid, browser)
        finally:
            browser.close()
