"""Budget-programme indicators against their targets: the indicator file's contract, its statuses and the budget
beside them (contracts/pp-indicadores.yaml, staging/programs, marts/programs, docs/indicator-file.md).

One scratch warehouse gets INEI's ubigeo table, the real SIAF sample, the committed example indicator file and a
small indicator file written here for 2026 (the SIAF sample's year) holding the band edges, the missing-data cases
and one indicator of a programme x department the SIAF sample has. One ``dbt build`` of the programme marts (their
data tests, singular tests and unit tests, including the unit tests that rerun the indicator SQL under other band
vars). Every expected figure is computed by hand or read from the SIAF CSV with the csv module, independently of the
loader and of dbt.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, SIAF_SAMPLE, UBIGEO_INEI

EXAMPLE = ROOT / "reference" / "pp_indicadores" / "pp-indicadores-ejemplo.csv"
MARTS = "+fct_program_performance +fct_program_indicators"
UNIT_TESTS = ROOT / "dbt_project" / "models" / "marts" / "programs" / "_programs__models.yml"
YEAR = 2026
BUDGET_PROGRAMME, BUDGET_DEPARTMENT = "0002", "01"  # SALUD MATERNO NEONATAL in Amazonas: 13 rows of the SIAF sample

# indicator code -> (sentido, baseline, target, value, progress_pct, status, status_reason); all in 2026, area 'PE'
CASES: dict[str, tuple[str, str, str, str, str | None, str | None, str | None]] = {
    "EDGE-75": ("ascendente", "0", "100", "75", "75.00", "on_track", None),
    "EDGE-74.99": ("ascendente", "0", "100", "74.99", "74.99", "at_risk", None),
    "EDGE-50": ("ascendente", "0", "100", "50", "50.00", "at_risk", None),
    "EDGE-49.99": ("ascendente", "0", "100", "49.99", "49.99", "off_track", None),
    # lower is better, like anaemia: 43.6 -> target 19; 25.15 is exactly three quarters of the way
    "DOWN-75": ("descendente", "43.6", "19", "25.15", "75.00", "on_track", None),
    "DOWN-74.99": ("descendente", "60", "40", "45.002", "74.99", "at_risk", None),
    "DOWN-50": ("descendente", "60", "40", "50", "50.00", "at_risk", None),
    "DOWN-49.99": ("descendente", "60", "40", "50.002", "49.99", "off_track", None),
    "DOWN-WORSE": ("descendente", "60", "40", "62", "-10.00", "off_track", None),
    "UP-BEYOND": ("ascendente", "10", "20", "25", "150.00", "on_track", None),
    "NO-TARGET": ("ascendente", "10", "", "12", None, None, "no_target"),
    "NO-BASELINE": ("descendente", "", "40", "45", None, None, "no_baseline"),
    "NO-VALUE": ("ascendente", "10", "20", "", None, None, "no_value"),
    "FLAT-TARGET": ("ascendente", "10", "10", "12", None, None, "target_equals_baseline"),
    "WRONG-SIDE": ("descendente", "40", "45", "42", None, None, "target_contradicts_direction"),
}


def _test_file(path: Path) -> Path:
    """Write the 2026 indicator file: one row per case (programme 0001, area PE) and one 0002 x Amazonas row."""
    with EXAMPLE.open(encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    common = {
        "programa_nombre": "PROGRAMA ARTICULADO NUTRICIONAL", "indicador_nombre": "Caso de prueba",
        "unidad_medida": "porcentaje", "nivel": "resultado_final", "anio": str(YEAR), "linea_base_anio": "2024",
        "meta_origen": "unidad_me", "meta_fuente": "Caso de prueba", "tipo_acumulacion": "stock",
        "fuente": "Caso de prueba de tests/test_program_indicators.py", "fuente_url": "https://example.org/caso",
        "linea_base_fuente": "",
    }  # fmt: skip
    rows = [
        {**common, "programa_ppto": "0001", "indicador_codigo": code, "ambito": "PE", "sentido": sentido,
         "linea_base_valor": baseline, "meta_valor": target, "valor": value}
        for code, (sentido, baseline, target, value, *_) in CASES.items()
    ]  # fmt: skip
    rows.append(
        {**common, "programa_ppto": BUDGET_PROGRAMME, "programa_nombre": "SALUD MATERNO NEONATAL",
         "indicador_codigo": "0002-CASO", "ambito": BUDGET_DEPARTMENT, "sentido": "ascendente",
         "linea_base_valor": "50", "meta_valor": "70", "valor": "66"}
    )  # fmt: skip
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _rows(con: Any, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _read_marts(database: Path) -> dict[str, list[dict[str, Any]]]:
    """Every row of the programme marts, and the budget columns of fct_budget_execution, by model name."""
    import duckdb

    queries = {
        name: f"select * from marts.{name}"
        for name in ("fct_program_indicators", "fct_program_performance", "fct_program_budget")
    }
    queries["fct_budget_execution"] = (
        "select programa_ppto, department_code, monto_pia, monto_pim, monto_devengado from marts.fct_budget_execution"
    )
    con = duckdb.connect(str(database), read_only=True)
    try:
        return {name: _rows(con, sql) for name, sql in queries.items()}
    finally:
        con.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Load ubigeo, the SIAF sample, the example and the 2026 test file; build the marts (with their unit tests)."""
    from ingest.load import load
    from pipeline.transform import dbt_build

    base = tmp_path_factory.mktemp("program_indicators")
    warehouse = base / "warehouse"
    warehouse.mkdir()
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("WAREHOUSE_DIR", str(warehouse))
        load("ubigeo-inei", str(UBIGEO_INEI))
        load("siaf-gasto", str(SIAF_SAMPLE))
        example = load("pp-indicadores", str(EXAMPLE))
        cases = load("pp-indicadores", str(_test_file(base / "pp-indicadores-2026.csv")))
        lines = dbt_build(warehouse, select=MARTS)
        yield {
            "example": example,
            "cases": cases,
            "default": _read_marts(warehouse / "monitoring.duckdb"),
            "dbt": lines,
        }


def _indicators(marts: dict[str, list[dict[str, Any]]], year: int) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["indicador_codigo"], r["ambito"]): r for r in marts["fct_program_indicators"] if r["year"] == year}


def test_example_file_loads_through_the_contract_alone(built: dict[str, Any]) -> None:
    with EXAMPLE.open(encoding="utf-8", newline="") as f:
        file_rows = list(csv.DictReader(f))
    example = built["example"]
    assert example.status == "loaded", example.message
    assert (example.rows_read, example.rows_loaded, example.rows_rejected) == (len(file_rows), len(file_rows), 0)
    assert example.partitions == sorted({row["anio"] for row in file_rows})
    assert built["cases"].status == "loaded" and built["cases"].rows_rejected == 0
    assert built["cases"].partitions == [str(YEAR)]
    # every example row reaches the mart, cites its file row, and names its publication
    marts = built["default"]["fct_program_indicators"]
    from_example = [r for r in marts if r["_source_sha256"] == example.sha256]
    assert sorted(r["_source_row"] for r in from_example) == list(range(1, len(file_rows) + 1))
    for row in from_example:
        source = file_rows[row["_source_row"] - 1]
        assert (row["programa_ppto"], row["indicador_codigo"], row["ambito"]) == (
            source["programa_ppto"], source["indicador_codigo"], source["ambito"],
        )  # fmt: skip
        assert row["valor"] == Decimal(source["valor"])
        assert row["fuente"] and row["fuente_url"].startswith("http")
        assert row["meta_valor"] is None or row["meta_origen"] in ("oficial", "unidad_me")
    # codes keep their zeros
    assert {r["programa_ppto"] for r in from_example} == {"0001", "0090"}


def test_example_statuses_computed_by_hand(built: dict[str, Any]) -> None:
    """Three rows of the example file: ENDES anaemia 2018 (43.6 -> 43.5, target 42), ECE reading in Ayacucho."""
    rows = {(r["year"], r["indicador_codigo"], r["ambito"]): r for r in built["default"]["fct_program_indicators"]}
    anaemia = rows[(2018, "0001-ANEMIA-6A35M", "PE")]
    assert (anaemia["progress_pct"], anaemia["status"]) == (Decimal("6.25"), "off_track")  # -0.1 / -1.6
    reading = rows[(2014, "0090-ECE-2P-LECTURA", "05")]  # 21.8 -> 34.6, target 44.92
    assert (reading["progress_pct"], reading["status"]) == (Decimal("55.36"), "at_risk")
    assert rows[(2022, "0001-DCI-MENOR5-OMS", "PE")]["status_reason"] == "no_target"


@pytest.mark.parametrize("code", list(CASES))
def test_status_at_the_band_edges_and_missing_data(built: dict[str, Any], code: str) -> None:
    *_, progress, status, reason = CASES[code]
    row = _indicators(built["default"], YEAR)[(code, "PE")]
    assert row["progress_pct"] == (None if progress is None else Decimal(progress))
    assert (row["status"], row["status_reason"]) == (status, reason)
    assert (row["on_track_min_pct"], row["at_risk_min_pct"]) == (75, 50)


def test_changing_the_vars_changes_the_status(built: dict[str, Any]) -> None:
    """dbt unit tests run the mart's SQL on the same rows under the default and under stricter vars (90 / 60).

    A second ``dbt run --vars`` would re-parse the whole project (~15 s); unit tests with ``overrides: vars`` run
    inside the one build. Both must have run and passed, and their expectations must really differ.
    """
    import yaml

    for name in ("test_program_indicator_bands_default_vars", "test_program_indicator_bands_stricter_vars"):
        assert any(f"PASS fct_program_indicators::{name}" in line for line in built["dbt"]), name
    spec = yaml.safe_load(UNIT_TESTS.read_text(encoding="utf-8"))
    tests = {test["name"]: test for test in spec["unit_tests"]}
    default = tests["test_program_indicator_bands_default_vars"]
    stricter = tests["test_program_indicator_bands_stricter_vars"]
    assert stricter["given"] == default["given"]
    assert stricter["overrides"]["vars"] == {"programs_on_track_min_pct": 90, "programs_at_risk_min_pct": 60}
    before = {row["indicador_codigo"]: row["status"] for row in default["expect"]["rows"]}
    after = {row["indicador_codigo"]: row["status"] for row in stricter["expect"]["rows"]}
    assert {code for code in before if before[code] != after[code]} == {"UP-75", "UP-50", "DOWN-75"}
    # and the file-loaded cases computed by this build agree with the default bands the unit test states
    cases = _indicators(built["default"], YEAR)
    assert cases[("EDGE-75", "PE")]["status"] == before["UP-75"]
    assert cases[("DOWN-75", "PE")]["status"] == before["DOWN-75"]


def _siaf_totals() -> dict[str, Decimal]:
    """PIA, PIM and devengado of the test's programme: in its department and in all, read from the CSV itself."""
    totals = dict.fromkeys(("pia_dep", "pim_dep", "dev_dep", "pia_all", "pim_all", "dev_all"), Decimal(0))
    with SIAF_SAMPLE.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if row["PROGRAMA_PPTO"] != BUDGET_PROGRAMME:
                continue
            scopes = ("dep", "all") if row["DEPARTAMENTO_META"] == BUDGET_DEPARTMENT else ("all",)
            for scope in scopes:
                totals[f"pia_{scope}"] += Decimal(row["MONTO_PIA"])
                totals[f"pim_{scope}"] += Decimal(row["MONTO_PIM"])
                totals[f"dev_{scope}"] += Decimal(row["MONTO_DEVENGADO"])
    return totals


def test_budget_side_equals_budget_execution_totals(built: dict[str, Any]) -> None:
    marts = built["default"]
    siaf = _siaf_totals()
    assert siaf["dev_dep"] != 0  # the sample's 13 rows of 0002 in Amazonas carry devengado (and reversals)
    execution = [r for r in marts["fct_budget_execution"] if r["programa_ppto"] == BUDGET_PROGRAMME]
    in_department = [r for r in execution if r["department_code"] == BUDGET_DEPARTMENT]
    assert sum(r["monto_devengado"] for r in in_department) == siaf["dev_dep"]
    assert sum(r["monto_pim"] for r in in_department) == siaf["pim_dep"]

    indicator = _indicators(marts, YEAR)[("0002-CASO", BUDGET_DEPARTMENT)]
    assert (indicator["progress_pct"], indicator["status"]) == (Decimal("80.00"), "on_track")  # 50 -> 66, target 70
    assert (indicator["monto_pia"], indicator["monto_pim"], indicator["monto_devengado"]) == (
        siaf["pia_dep"], siaf["pim_dep"], siaf["dev_dep"],
    )  # fmt: skip

    performance = {(r["year"], r["programa_ppto"], r["ambito"]): r for r in marts["fct_program_performance"]}
    department = performance[(YEAR, BUDGET_PROGRAMME, BUDGET_DEPARTMENT)]
    assert (department["monto_pia"], department["monto_pim"], department["monto_devengado"]) == (
        siaf["pia_dep"], siaf["pim_dep"], siaf["dev_dep"],
    )  # fmt: skip
    assert (department["indicator_count"], department["on_track_count"]) == (1, 1)
    assert department["indicator_statuses"] == ["0002-CASO: on_track"]
    country = performance[(YEAR, BUDGET_PROGRAMME, "PE")]
    assert (country["monto_pim"], country["monto_devengado"]) == (siaf["pim_all"], siaf["dev_all"])
    # the sample's rows carry no PIM (it sits on other rows of the full file): no execution status, and why
    assert siaf["pim_dep"] == 0
    assert (department["execution_pct"], department["execution_status"]) == (None, None)
    assert department["execution_status_reason"] == "no_pim"
    # example indicators of years SIAF has not loaded say so
    no_budget = performance[(2018, "0001", "PE")]
    assert (no_budget["monto_pim"], no_budget["execution_status_reason"]) == (None, "no_siaf_budget")
    assert no_budget["indicator_count"] == 2


def test_performance_counts_add_up_to_the_indicators(built: dict[str, Any]) -> None:
    marts = built["default"]
    rated = [r for r in marts["fct_program_indicators"] if r["area_level"] in ("pais", "departamento")]
    performance = marts["fct_program_performance"]
    assert sum(r["indicator_count"] for r in performance) == len(rated)
    for status in ("on_track", "at_risk", "off_track"):
        assert sum(r[f"{status}_count"] for r in performance) == sum(1 for r in rated if r["status"] == status)
    assert sum(r["unrated_count"] for r in performance) == sum(1 for r in rated if r["status"] is None)


def test_a_csv_saved_by_excel_loads_the_same_rows(warehouse: Path) -> None:
    """Excel's "CSV UTF-8" adds a BOM and CRLF line ends: read as they are, into the same values."""
    import duckdb

    from ingest.load import load

    text = EXAMPLE.read_text(encoding="utf-8")
    excel = warehouse.parent / "pp-indicadores-excel.csv"
    excel.write_text(text.replace("\n", "\r\n"), encoding="utf-8-sig", newline="")
    result = load("pp-indicadores", str(excel))
    assert (result.status, result.rows_rejected) == ("loaded", 0)
    with EXAMPLE.open(encoding="utf-8", newline="") as f:
        expected = sorted(
            (r["anio"], r["programa_ppto"], r["indicador_codigo"], r["ambito"], r["valor"], r["meta_valor"])
            for r in csv.DictReader(f)
        )
    con = duckdb.connect(str(warehouse / "monitoring.duckdb"), read_only=True)
    try:
        loaded = con.execute(
            "select cast(anio as varchar), programa_ppto, indicador_codigo, ambito, "
            "coalesce(cast(valor as double)::varchar, ''), coalesce(cast(meta_valor as double)::varchar, '') "
            "from raw.pp_indicadores"
        ).fetchall()
    finally:
        con.close()

    def number(text: str) -> str:
        return "" if text == "" else str(float(text))

    assert sorted(loaded) == [(a, p, i, m, number(v), number(t)) for a, p, i, m, v, t in expected]


def test_a_comma_decimal_is_rejected_naming_the_column(warehouse: Path) -> None:
    from ingest.errors import RejectLimitError
    from ingest.load import load

    header, first, *_ = EXAMPLE.read_text(encoding="utf-8").splitlines()
    assert ",12.9,13.1," in first
    bad = warehouse.parent / "pp-indicadores-coma.csv"
    comma_decimal = first.replace(",12.9,13.1,", ',"12,9",13.1,')
    bad.write_text(f"{header}\n{comma_decimal}\n", encoding="utf-8")
    with pytest.raises(RejectLimitError, match=r"in column valor \(valor\): '12,9' is not a number"):
        load("pp-indicadores", str(bad))
