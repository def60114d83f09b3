"""The auditor's report (HTML + JSON) of gate runs on a warehouse loaded by the real loaders from the real SIAF sample.

The sample is loaded once per module with one rejected row (a bad amount on a row whose ejecutora name is replaced by
a made-up person's name), so the report has a real load log, a real reject and real lineage; each test works on a
copy of the closed DuckDB file.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

from expectations.auditor_report import DECISION_LABELS, describe
from expectations.validate import GateResult, run_gate
from ingest.contracts import registry
from ingest.warehouse import load_table_name
from pipeline.paths import ubigeo_reference_location
from pipeline.tasks import load_source
from tests.ingest.helpers import edited_copy

PERSON = "JUAN PEREZ CONTRIBUYENTE"  # only in the rejected line's raw text: must never reach a report
REJECTED_ROW = 7
SUITE = ["raw_siaf_gasto"]  # the raw suite alone: no dbt needed, and independent of the mart suites


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory, siaf_sample: Path) -> tuple[Path, Path]:
    """A warehouse with ubigeo and the SIAF sample loaded (one row rejected); returns (warehouse, file loaded)."""
    base = tmp_path_factory.mktemp("report")

    def break_row(lines: list[bytes]) -> list[bytes]:
        fields = lines[REJECTED_ROW].split(b'","')
        fields[10] = PERSON.encode()  # EJECUTORA_NOMBRE
        fields[61] = b"1O0.50"  # MONTO_DEVENGADO with a letter O: the reader rejects the row
        return [*lines[:REJECTED_ROW], b'","'.join(fields), *lines[REJECTED_ROW + 1 :]]

    csv_file = edited_copy(siaf_sample, base / "2026-Gasto-Diario.csv", break_row)
    warehouse = base / "warehouse"
    load_source("ubigeo-inei", ubigeo_reference_location(), warehouse=warehouse)
    summary = load_source("siaf-gasto", str(csv_file), warehouse=warehouse, max_rejects=1)
    assert summary["status"] == "loaded_with_rejects" and summary["rows_rejected"] == 1
    return warehouse, csv_file


@pytest.fixture
def warehouse(loaded: tuple[Path, Path], tmp_path: Path) -> Path:
    directory = tmp_path / "warehouse"
    directory.mkdir()
    for path in loaded[0].glob("monitoring.duckdb*"):
        shutil.copy2(path, directory / path.name)
    return directory


def _execute(warehouse: Path, *statements: str) -> None:
    con = duckdb.connect(str(warehouse / "monitoring.duckdb"))
    try:
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()


def _siaf_load_table(warehouse: Path) -> str:
    con = duckdb.connect(str(warehouse / "monitoring.duckdb"), read_only=True)
    try:
        (load_id,) = con.execute("select load_id from ops.current_partitions where source = 'siaf-gasto'").fetchone()
    finally:
        con.close()
    return load_table_name(registry().get("siaf-gasto"), load_id)


def _read(result: GateResult) -> tuple[str, dict[str, Any]]:
    assert result.html_report_path is not None and result.run_report_path is not None
    return result.html_report_path.read_text(encoding="utf-8"), json.loads(result.run_report_path.read_text())


def _outcomes(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [outcome for suite in report["suites"] for outcome in suite["expectations"]]


def test_failed_gate_report_traces_failures_to_file_rows(warehouse: Path, gx_root: Path, loaded) -> None:
    _, csv_file = loaded
    table = _siaf_load_table(warehouse)
    _execute(warehouse, f"update {table} set mes_eje = 13 where rowid in (1, 9)")  # file rows 2 and 11 (after reject)

    result = run_gate(warehouse, SUITE, gx_root=gx_root, as_of="2026-05-21T09:00:00Z")
    html, report = _read(result)

    assert not result.passed
    assert DECISION_LABELS[False] in html and "NO PUBLICADO — se mantiene la última publicación válida" in html
    failed = [o for o in _outcomes(report) if o["status"] == "failed" and o["severity"] == "critical"]
    month = next(o for o in failed if o["kwargs"].get("column") == "mes_eje")
    assert sorted(e["_source_row"] for e in month["examples"]) == [2, 11]  # the rejected row 7 is counted
    sha256 = hashlib.sha256(csv_file.read_bytes()).hexdigest()
    assert {e["_source_sha256"] for e in month["examples"]} == {sha256}
    # the check is in the HTML with its description, severity, result and its rows: short hash, full on hover, line
    assert describe(month["type"], month["kwargs"]) in html or (month["description"] or "") in html
    assert f'<span title="{sha256}">{sha256[:12]}…</span>' in html
    assert '<td class="mono">11</td><td>12</td>' in html.replace("\n", "")  # _source_row 11 is line 12
    assert "_source_row + 1" in html
    # the source file: location, full SHA-256, rows read/loaded/rejected
    assert str(csv_file) in html and sha256 in html
    # the rejected row: its number and reason, never its raw text (a made-up person's name here)
    assert f'<td class="num">{REJECTED_ROW}</td><td class="num">{REJECTED_ROW + 1}</td>' in html
    assert "1O0.50" in html  # the reader's reason quotes the bad amount
    for text in (html, json.dumps(report, ensure_ascii=False), (warehouse / "quality" / "latest.html").read_text()):
        assert PERSON not in text
        assert "raw_text" not in text


def test_passed_gate_report_says_published_with_summary_and_freshness(warehouse: Path, gx_root: Path) -> None:
    result = run_gate(warehouse, SUITE, gx_root=gx_root, as_of="2027-01-01T00:00:00+00:00")
    html, report = _read(result)

    assert result.passed
    assert ">PUBLICADO" in html and "NO PUBLICADO" not in html
    assert "raw.siaf_gasto" in html and "126 filas" in html  # 127 rows in the file, one rejected
    # every declared source has a freshness row; planned sources are "sin cargas", SIAF (daily) is stale at 2027
    for name in [*registry().sources, *registry().planned]:
        assert f"<code>{name}</code>" in html
    assert html.count("sin cargas (fuente prevista, aún sin cargador)") == len(registry().planned)
    assert "desactualizada" in html and "Advertencia de frescura" in html
    assert (warehouse / "quality" / "latest.html").read_text(encoding="utf-8") == html
    assert "<script" not in html and "http://" not in html and "https://" not in html  # self-contained
    assert report["decision_label"] == "PUBLICADO"


def test_json_report_structure(warehouse: Path, gx_root: Path) -> None:
    result = run_gate(warehouse, SUITE, gx_root=gx_root, as_of="2026-05-21T09:00:00")
    _, report = _read(result)

    assert json.loads((warehouse / "quality" / "latest.json").read_text()) == report
    assert {
        "report_version",
        "run_id",
        "run_time",
        "as_of",
        "passed",
        "decision",
        "decision_label",
        "summary",
        "tables",
        "suites",
        "freshness",
        "source_files",
        "rejects",
        "history",
        "reports",
    } <= set(report)
    assert report["as_of"] == "2026-05-21T09:00:00+00:00"
    assert report["reports"]["html"] == str(result.html_report_path)
    assert report["reports"]["html"].endswith(f"runs/{result.run_id}.html")
    outcomes = _outcomes(report)
    checks = report["summary"]["checks"]
    assert sum(checks[severity][status] for severity in checks for status in checks[severity]) == len(outcomes)
    assert {o["status"] for o in outcomes} <= {"passed", "failed", "not_applicable", "error"}
    assert all(o["table"] == "raw.siaf_gasto" for o in outcomes)
    assert report["tables"] == [
        {
            "table": "raw.siaf_gasto",
            "kind": "table",
            "query": None,
            "model": None,
            "suites": SUITE,
            "rows": 126,
            "counts": report["suites"][0]["counts"],
            "passed": True,
        }
    ]
    siaf_file = next(f for f in report["source_files"] if f["source"] == "siaf-gasto")
    assert (siaf_file["rows_read"], siaf_file["rows_loaded"], siaf_file["rows_rejected"]) == (127, 126, 1)
    assert len(siaf_file["sha256"]) == 64 and siaf_file["partitions"] == ["2026"]
    assert report["rejects"]["total"] == 1
    assert report["rejects"]["shown"][0]["source_row"] == REJECTED_ROW
    assert report["rejects"]["shown"][0]["file_line"] == REJECTED_ROW + 1
    freshness = {f["source"]: f for f in report["freshness"]}
    assert set(freshness) == {*registry().sources, *registry().planned}
    planned = freshness["invierte-formato-12b"]  # planned: never loaded by design, no warning
    assert planned["status"] == "never_loaded" and not planned["warning"]
    assert report["history"] == {
        "saved": True,
        "tables": ["ops.validation_runs", "ops.validation_results"],
        "error": None,
    }


def test_values_from_data_are_escaped(warehouse: Path, gx_root: Path) -> None:
    table = _siaf_load_table(warehouse)
    _execute(warehouse, f"""update {table} set meta = '<script>alert("x")</script>' where rowid = 0""")

    result = run_gate(warehouse, SUITE, gx_root=gx_root)
    html, report = _read(result)

    examples = [example for o in _outcomes(report) if o["status"] == "failed" for example in o["examples"]]
    assert any(e.get("meta") == '<script>alert("x")</script>' and e.get("_source_row") == 1 for e in examples)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
