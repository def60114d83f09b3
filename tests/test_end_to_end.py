"""`make demo`'s script end to end (Airflow on SQLite, both DAGs), then the published marts checked against the file.

The sums are computed here from the real file with Python's csv module, independently of DuckDB and dbt.
"""

from __future__ import annotations

import json
import os
import subprocess
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from ingest.sources.siaf_gasto import AMOUNTS
from tests.conftest import ROOT
from tests.ingest.helpers import edited_copy, read_rows

pytestmark = pytest.mark.e2e


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, siaf_sample: Path) -> tuple[dict[str, str], Path, str]:
    base = tmp_path_factory.mktemp("e2e")
    env = {
        **os.environ,
        "WAREHOUSE_DIR": str(base / "warehouse"),
        "AIRFLOW_HOME": str(base / "airflow"),
        "SIAF_GASTO": str(siaf_sample),
    }
    env.pop("AIRFLOW__CORE__DAGS_FOLDER", None)
    done = _run(["bash", "scripts/demo.sh"], env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-6000:]
    return env, base / "warehouse", done.stdout


def test_demo_ends_with_published_marts_and_a_report(demo) -> None:
    _, warehouse, stdout = demo
    assert f"published marts: {warehouse / 'published.duckdb'}" in stdout
    assert "quality report:" in stdout
    report = stdout.split("quality report:")[1].split()[0]
    assert Path(report).exists(), report


def test_published_sums_equal_the_files_own_sums(demo, siaf_sample: Path) -> None:
    _, warehouse, _ = demo
    header, rows = read_rows(siaf_sample)
    con = duckdb.connect(str(warehouse / "published.duckdb"), read_only=True)
    try:
        for amount in AMOUNTS:
            want = sum((Decimal(row[header.index(amount)]) for row in rows), Decimal(0))
            got = con.execute(f"select sum({amount.lower()}) from marts.fct_budget_execution").fetchone()[0]
            assert got == want, amount
        devengado = sum((Decimal(row[header.index("MONTO_DEVENGADO")]) for row in rows), Decimal(0))
        ytd = con.execute(
            "select sum(devengado_ytd) from marts.fct_execution_progress"
            " where month = (select max(month) from marts.fct_execution_progress)"
        ).fetchone()[0]
        assert ytd == devengado
        programs = {row[header.index("PROGRAMA_PPTO")] for row in rows}
        assert {r[0] for r in con.execute("select programa_ppto from marts.dim_budget_program").fetchall()} == programs
        traced = con.execute(
            "select list(distinct r order by r) from (select unnest(_source_rows) as r from marts.fct_budget_execution)"
        ).fetchone()[0]
        assert traced == list(range(1, len(rows) + 1))
        loads = con.execute("select source, status, rows_loaded from ops.load_log order by load_id").fetchall()
        assert ("siaf-gasto", "loaded", 127) in loads
    finally:
        con.close()


def test_bad_file_fails_the_dag_and_keeps_the_published_file(demo, siaf_sample: Path, tmp_path: Path) -> None:
    env, warehouse, _ = demo
    published = warehouse / "published.duckdb"
    before = published.read_bytes()

    def break_amount(lines: list[bytes]) -> list[bytes]:
        fields = lines[7].split(b'","')
        fields[61] = b"1O0.50"  # MONTO_DEVENGADO with a letter O
        return [*lines[:7], b'","'.join(fields), *lines[8:]]

    bad = edited_copy(siaf_sample, tmp_path / "2026-Gasto-Diario.csv", break_amount)
    airflow = str(ROOT / ".venv" / "bin" / "airflow")
    conf = json.dumps({"siaf_gasto_location": str(bad)})
    env = {**env, "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    done = _run([airflow, "dags", "test", "siaf_gasto_load", "-c", conf], env)
    log = done.stdout + done.stderr
    assert "row 7 (line 8)" in log and "1O0.50" in log, log[-4000:]
    assert "failed" in log.lower()
    assert published.read_bytes() == before
