"""`make demo`'s script end to end (Airflow on SQLite, both DAGs), then the published marts checked against the file.

The sums are computed here from the real file with Python's csv module, independently of DuckDB and dbt.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.conftest import ROOT
from tests.ingest.helpers import edited_copy, query, read_rows

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
        # the Airflow path with one file of each SIAF kind (each load DAG costs ~10 s of Airflow start-up); every
        # source's loading and marts have their own tests, and the privacy scan runs the municipal files end to end
        "DEMO_ONLY": "ubigeo-inei,siaf-gasto,siaf-devengado-mensual,siaf-ingreso",
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


def test_demo_prints_one_line_per_stage_and_logs_airflow_to_a_file(demo) -> None:
    _, warehouse, stdout = demo
    lines = stdout.splitlines()
    assert "siaf-gasto: 127 rows read = 127 loaded + 0 rejected" in stdout
    assert "quality gate: passed" in stdout and "models built" in stdout
    assert not any("nanobind" in line or "[info" in line or "Traceback" in line for line in lines), stdout
    assert len(lines) < 80, stdout
    log = warehouse / "demo-airflow.log"
    assert f"Airflow's logs: {log}" in stdout
    assert "DagRun Finished: dag_id=marts_publish" in log.read_text()


def test_published_sums_equal_the_files_own_sums(demo, siaf_sample: Path) -> None:
    _, warehouse, _ = demo
    header, rows = read_rows(siaf_sample)
    con = duckdb.connect(str(warehouse / "published.duckdb"), read_only=True)
    try:
        for amount in (name for name in header if name.startswith("MONTO_")):
            want = sum((Decimal(row[header.index(amount)]) for row in rows), Decimal(0))
            got = con.execute(
                f"select sum({amount.lower()}) from marts.fct_budget_execution where source_contract = 'siaf-gasto'"
            ).fetchone()[0]
            assert got == want, amount
        devengado = sum((Decimal(row[header.index("MONTO_DEVENGADO")]) for row in rows), Decimal(0))
        ytd = con.execute(
            "select sum(devengado_ytd) from marts.fct_execution_progress where year = 2026"
            " and month = (select max(month) from marts.fct_execution_progress where year = 2026)"
        ).fetchone()[0]
        assert ytd == devengado
        programs = {row[header.index("PROGRAMA_PPTO")] for row in rows}
        assert {r[0] for r in con.execute("select programa_ppto from marts.dim_budget_program").fetchall()} == programs
        traced = con.execute(
            "select list(distinct r order by r) from (select unnest(_source_rows) as r from marts.fct_budget_execution"
            " where source_contract = 'siaf-gasto')"
        ).fetchone()[0]
        assert traced == list(range(1, len(rows) + 1))
        loads = con.execute("select source, status, rows_loaded from ops.load_log order by load_id").fetchall()
        assert ("siaf-gasto", "loaded", 127) in loads
    finally:
        con.close()


def test_an_unchanged_file_skips_the_load_emits_no_event_and_the_marts_skip(demo) -> None:
    """Airflow 3 registers a task's outlets only when it succeeds: a skipped load emits no ``raw.<table>`` event."""
    env, warehouse, _ = demo
    published = warehouse / "published.duckdb"
    before = published.read_bytes()
    ((location,),) = query(
        warehouse,
        "select l.location from ops.current_partitions p join ops.load_log l using (load_id) "
        "where p.source = 'siaf-gasto'",
    )
    airflow_db = Path(env["AIRFLOW_HOME"]) / "airflow.db"

    def events() -> int:
        con = sqlite3.connect(airflow_db)
        try:
            return int(con.execute("select count(*) from asset_event").fetchone()[0])
        finally:
            con.close()

    def states(dag_id: str) -> dict[str, str]:
        con = sqlite3.connect(airflow_db)
        try:
            run_id = con.execute(
                "select run_id from dag_run where dag_id = ? order by id desc limit 1", [dag_id]
            ).fetchone()[0]
            rows = con.execute(
                "select task_id, state from task_instance where dag_id = ? and run_id = ?", [dag_id, run_id]
            ).fetchall()
            return dict(rows)
        finally:
            con.close()

    events_before = events()
    airflow = str(ROOT / ".venv" / "bin" / "airflow")
    env = {**env, "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    load = _run([airflow, "dags", "test", "load_siaf_gasto", "-c", json.dumps({"location": location})], env)
    assert load.returncode == 0, (load.stdout + load.stderr)[-4000:]
    assert states("load_siaf_gasto") == {"fetch": "success", "load": "skipped"}
    assert events() == events_before
    marts = _run([airflow, "dags", "test", "marts_publish"], env)
    assert marts.returncode == 0, (marts.stdout + marts.stderr)[-4000:]
    assert states("marts_publish")["dbt_build"] == "skipped"
    assert set(states("marts_publish").values()) == {"skipped"}
    assert published.read_bytes() == before
    (status,) = query(warehouse, "select status from ops.load_log order by load_id desc limit 1")[0]
    assert status == "unchanged"


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
    conf = json.dumps({"location": str(bad)})
    env = {**env, "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    done = _run([airflow, "dags", "test", "load_siaf_gasto", "-c", conf], env)
    log = done.stdout + done.stderr
    assert "row 7 (line 8)" in log and "1O0.50" in log, log[-4000:]
    assert "failed" in log.lower()
    assert published.read_bytes() == before


def _set(line: bytes, position: int, value: bytes) -> bytes:
    fields = line.split(b'","')
    fields[position] = value
    return b'","'.join(fields)


def _run_dags(env: dict[str, str], location: Path, max_rejects: int = 0) -> tuple[int, str, int, str]:
    airflow = str(ROOT / ".venv" / "bin" / "airflow")
    env = {**env, "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    conf = json.dumps({"location": str(location), "max_rejects": max_rejects})
    load = _run([airflow, "dags", "test", "load_siaf_gasto", "-c", conf], env)
    marts = _run([airflow, "dags", "test", "marts_publish"], env)
    return load.returncode, load.stdout + load.stderr, marts.returncode, marts.stdout + marts.stderr


def _failures(warehouse: Path) -> tuple[dict[str, dict], dict]:
    report = json.loads((warehouse / "quality" / "latest.json").read_text())
    return {
        f"{e['suite']}: {e['name']}": e for suite in report["suites"] for e in suite["expectations"] if not e["success"]
    }, report


def _rows_named(expectation: dict) -> set[int]:
    rows: set[int] = set()
    for example in expectation["examples"]:
        if example.get("_source_row") is not None:
            rows.add(int(example["_source_row"]))
        rows.update(int(r) for r in example.get("_source_rows") or [])
    return rows


def test_gate_refuses_a_broken_file_and_names_its_rows(demo, siaf_sample: Path, tmp_path: Path) -> None:
    """Month 13 on row 10, a non-numeric amount on row 20, row 30 duplicated (as row 31): nothing is published."""
    env, warehouse, _ = demo
    published = warehouse / "published.duckdb"
    before = published.read_bytes()

    def breakage(lines: list[bytes]) -> list[bytes]:
        lines = list(lines)
        lines[10] = _set(lines[10], 1, b"13")
        lines[20] = _set(lines[20], 61, b"12,5O")
        return [*lines[:31], lines[30], *lines[31:]]

    bad = edited_copy(siaf_sample, tmp_path / "2026-Gasto-Diario.csv", breakage)
    load_rc, load_log, _, marts_log = _run_dags(env, bad, max_rejects=5)
    assert load_rc == 0 and "loaded_with_rejects" in load_log, load_log[-3000:]
    assert "quality gate" in marts_log and "failed" in marts_log and "Report:" in marts_log, marts_log[-4000:]
    assert published.read_bytes() == before

    failures, report = _failures(warehouse)
    assert report["decision_label"].startswith("NO PUBLICADO")
    critical = {name: e for name, e in failures.items() if e["severity"] == "critical"}
    month = [e for n, e in critical.items() if n.startswith("raw_siaf_gasto") and "mes_eje" in n]
    assert month and 10 in _rows_named(month[0])
    rejected = [e for e in critical.values() if any(x.get("_source_row") == 20 for x in e["examples"])]
    assert rejected, sorted(critical)
    duplicated = [e for n, e in critical.items() if {30, 31} <= _rows_named(e)]
    assert duplicated, sorted(critical)
    html = Path(report["reports"]["html"]).read_text()
    assert "NO PUBLICADO" in html and bad.name in html
    # a rejected row's reason names the bad value, but its raw line (names, in municipal sources) never appears
    raw_line = bad.read_bytes().split(b"\r\n")[20].decode()
    assert "12,5O" in html and raw_line[40:120] not in html


def test_warnings_alone_publish_and_are_reported(demo, siaf_sample: Path, tmp_path: Path) -> None:
    env, warehouse, _ = demo
    published = warehouse / "published.duckdb"
    before = published.read_bytes()

    def warning_only(lines: list[bytes]) -> list[bytes]:
        lines = list(lines)
        lines[2] = _set(lines[2], 33, b"044277")  # FINALIDAD with 6 digits instead of 7
        return lines

    odd = edited_copy(siaf_sample, tmp_path / "2026-Gasto-Diario.csv", warning_only)
    load_rc, load_log, marts_rc, marts_log = _run_dags(env, odd)
    assert load_rc == 0 and marts_rc == 0, (load_log + marts_log)[-4000:]
    assert published.read_bytes() != before
    failures, report = _failures(warehouse)
    assert report["passed"] is True and report["decision_label"] == "PUBLICADO"
    assert all(e["severity"] == "warning" for e in failures.values())
    finalidad = [e for n, e in failures.items() if "finalidad" in n]
    assert finalidad and 2 in _rows_named(finalidad[0])
    con = duckdb.connect(str(published), read_only=True)
    try:
        runs = con.execute("select decision from ops.validation_runs order by run_time").fetchall()
    finally:
        con.close()
    assert ("failed",) in runs and runs[-1] == ("passed",)
