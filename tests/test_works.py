"""InfObras works end to end: three daily InfObras files, SIAF, Invierte.pe and the paralysed-works list, through the
loader and ``dbt build``, into the works marts (staging/infobras, intermediate/works, marts/works).

The InfObras files are written with the fixture generator (``benchmarks/generate_infobras.py``: its rows, header and
cell formats) and then edited work by work, so each red flag has one work that raises it and one that does not. The
loads are dated by patching the loader's clock: load A on 2025-11-01, B on 2026-05-14 and C on 2026-05-15 (B and C a
day apart, one status change between them). Two warehouses get the same files: one is built after each load (as
the daily DAG would), the other once after all of them; the history must be the same.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from benchmarks.generate_infobras import iter_rows, write_works
from tests.conftest import REALDATA, SIAF_SAMPLE, UBIGEO_INEI
from tests.ingest.helpers import records

INVIERTE = REALDATA / "invierte" / "invierte-consulta-50-rows.xlsx"
ALERTAS = REALDATA / "obras_paralizadas" / "alertas-obras-paralizadas-2026-05.xlsx"
LOAD_TIMES = {"A": datetime(2025, 11, 1, 6, 0), "B": datetime(2026, 5, 14, 6, 0), "C": datetime(2026, 5, 15, 6, 0)}
CUI_SPEND = "2480997"  # in the real Invierte.pe export; given SIAF devengado below
CUI_PROGRESS = "2555351"  # in the real Invierte.pe export; given SIAF devengado below
CUI_UNKNOWN = "2999999"  # neither in Invierte.pe nor in SIAF
ALERT_WORK = "2833"  # Código INFOBRAS of the first work of the real paralysed-works list

# work code -> the fields that make it a case, per load (A, B, C); everything else comes from the generator
BASE = {
    "estado_ejecucion": "En Ejecución", "existe_paralizacion": "No", "causal_paralizacion": "",
    "fecha_paralizacion": "", "dias_paralizado": "", "avance_fisico_real_pct": "40",
    "avance_fisico_programado_pct": "45", "avance_financiero_pct": "42 50", "monto_viable": "100000",
    "costo_actualizado": "0", "fecha_inicio": "01/06/2025", "fecha_fin_programada": "31/12/2027",
    "fecha_fin_reprogramada": "", "fecha_fin_real": "", "cui": "",
}  # fmt: skip
PARALYSED = {"estado_ejecucion": "Paralizada", "existe_paralizacion": "Si", "causal_paralizacion": "Arbitraje"}
WORKS: dict[str, dict[str, Any]] = {
    # (a) and (b) fire: progress flat at 40 % since load A, SIAF devengado in 2026, in execution, not paralysed
    "900001": {"cui": CUI_SPEND},
    # (a) and (b) quiet: progress moved between A and B; same SIAF spending
    "900002": {"cui": CUI_PROGRESS, "avance_fisico_real_pct": {"A": "30", "B": "50", "C": "50"}},
    # (b) quiet: flat, but paralysed in every load (paralysed_before_history)
    "900003": PARALYSED,
    # status change between B and C: two versions; paralysed since C
    "900004": {"cui": CUI_UNKNOWN, **{k: {"A": BASE[k], "B": BASE[k], "C": v} for k, v in PARALYSED.items()}},
    # (c) fires at 30 % over the viable amount; 900006 stays quiet at 10 %
    "900005": {"costo_actualizado": "130000"},
    "900006": {"costo_actualizado": "110000"},
    # (d) fires: unfinished, programmed end passed; 900008 finished before its end; 900009 reprogrammed to later
    "900007": {"fecha_fin_programada": "31/01/2026"},
    "900008": {"estado_ejecucion": "Finalizada", "fecha_fin_programada": "31/03/2026", "fecha_fin_real": "20/03/2026"},
    "900009": {"fecha_fin_programada": "01/01/2026", "fecha_fin_reprogramada": "31/12/2026"},
    # (e) fires: financial 80 % vs physical 40 %; every other work is within 30 points
    "900010": {"avance_financiero_pct": "80"},
    # a place INEI does not know; and one written with odd case and spaces that must still resolve
    "900011": {"departamento": "LIMA", "provincia": "LIMA", "distrito": "DISTRITO INEXISTENTE"},
    "900012": {"departamento": "  junin ", "provincia": "HUANCAYO", "distrito": "el   tambo"},
    # in the real paralysed-works list and paralysed here too: flagged by both
    ALERT_WORK: PARALYSED,
}
GENERATED = 300  # plain generator works beside the cases: names in every case and accent variant must resolve
FLAG_CASES = [  # (flag, work that raises it, work that stays quiet)
    ("spending_without_progress", "900001", "900002"),
    ("no_progress_not_paralysed", "900001", "900003"),
    ("cost_overrun", "900005", "900006"),
    ("late_end", "900007", "900008"),
    ("late_end", "900007", "900009"),
    ("financial_ahead_of_physical", "900010", "900001"),
]
WORKS_MARTS = ("fct_works_red_flags", "agg_works_match_rates", "fct_works_paralysis_comparison")
WORKS_MODELS = " ".join(f"+{model}" for model in (*WORKS_MARTS, "int_works__unresolved_places"))


def _rows(day: str) -> list[dict[str, str]]:
    """The InfObras works of load ``day``: generator rows (same seed every day) with each case's fields, then
    ``GENERATED`` works as the generator writes them (codes prefixed with 7 so they never meet a case's)."""
    generated = list(iter_rows(len(WORKS) + GENERATED, seed=7, cutoff="15-05-2026"))
    rows = []
    for (code, case), row in zip(WORKS.items(), generated, strict=False):
        row = {**row, **BASE, "codigo_infobras": code}
        for field, value in case.items():
            row[field] = value[day] if isinstance(value, dict) else value
        rows.append(row)
    rows += [{**row, "codigo_infobras": "7" + row["codigo_infobras"]} for row in generated[len(WORKS) :]]
    return rows


def _write_infobras(path: Path, rows: list[dict[str, str]]) -> Path:
    """Write ``rows`` as the InfObras layout: 3 title rows, the header on row 4, every cell a string."""
    return write_works(path, rows)


def _write_siaf(path: Path) -> Path:
    """The real SIAF sample plus project rows for CUI_SPEND and CUI_PROGRESS, devengado 1,000 a month, Jan-May 2026."""
    with SIAF_SAMPLE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    head, data = rows[0], rows[1:]
    template = next(row for row in data if row[head.index("TIPO_ACT_PROY")] == "2")
    amounts = [i for i, name in enumerate(head) if name.startswith("MONTO_")]
    for cui in (CUI_SPEND, CUI_PROGRESS):
        for month in range(1, 6):
            row = list(template)
            row[head.index("MES_EJE")] = str(month)
            row[head.index("PRODUCTO_PROYECTO")] = cui
            for i in amounts:
                row[i] = "0"
            row[head.index("MONTO_DEVENGADO")] = "1000"
            data.append(row)
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows([head, *data])
    return path


def _query(warehouse: Path, sql: str) -> list[dict[str, Any]]:
    return records(warehouse / "monitoring.duckdb", sql)


def _load(monkeypatch: pytest.MonkeyPatch, source: str, path: Path, at: datetime) -> None:
    from ingest.load import load

    monkeypatch.setattr("ingest.load._utcnow", lambda: at)
    result = load(source, str(path))
    assert result.status == "loaded", result


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("works_files")
    out = {day: _write_infobras(folder / f"DataSet-Obras-Publicas {day}.xlsx", _rows(day)) for day in LOAD_TIMES}
    out["siaf"] = _write_siaf(folder / "2026-Gasto-Diario.csv")
    return out


def _load_references(monkeypatch: pytest.MonkeyPatch, files: dict[str, Path]) -> None:
    before = datetime(2025, 10, 1, 6, 0)
    _load(monkeypatch, "ubigeo-inei", UBIGEO_INEI, before)
    _load(monkeypatch, "siaf-gasto", files["siaf"], before)
    _load(monkeypatch, "invierte-inversiones", INVIERTE, before)
    _load(monkeypatch, "obras-paralizadas-alertas", ALERTAS, before)


@pytest.fixture(scope="module")
def daily(tmp_path_factory: pytest.TempPathFactory, files: dict[str, Path]) -> Iterator[Path]:
    """A warehouse built after each InfObras load (the history model), and fully after the last one."""
    from pipeline.transform import dbt_build

    warehouse = tmp_path_factory.mktemp("works_daily") / "warehouse"
    warehouse.mkdir()
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("WAREHOUSE_DIR", str(warehouse))
        _load_references(monkeypatch, files)
        for day, at in LOAD_TIMES.items():
            _load(monkeypatch, "infobras-obras", files[day], at)
            if day != "C":
                dbt_build(warehouse, select="+int_infobras__work_versions")
        dbt_build(warehouse, select=WORKS_MODELS)
        yield warehouse


@pytest.fixture(scope="module")
def once(tmp_path_factory: pytest.TempPathFactory, files: dict[str, Path]) -> Path:
    """A warehouse given the same files (same order, same dates) and built once at the end."""
    from pipeline.transform import dbt_build

    warehouse = tmp_path_factory.mktemp("works_once") / "warehouse"
    warehouse.mkdir()
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("WAREHOUSE_DIR", str(warehouse))
        _load_references(monkeypatch, files)
        for day, at in LOAD_TIMES.items():
            _load(monkeypatch, "infobras-obras", files[day], at)
        dbt_build(warehouse, select="+fct_works")
    return warehouse


VERSIONS = "select * from intermediate.int_infobras__work_versions order by codigo_infobras, version_number"


def _as_of(warehouse: Path, code: str, at: datetime) -> list[dict[str, Any]]:
    return _query(
        warehouse,
        f"select * from intermediate.int_infobras__work_versions where codigo_infobras = '{code}'"
        f" and valid_from <= timestamp '{at}' and (valid_to is null or timestamp '{at}' < valid_to)",
    )


def test_a_status_change_a_day_apart_gives_two_versions(daily: Path) -> None:
    versions = [v for v in _query(daily, VERSIONS) if v["codigo_infobras"] == "900004"]
    assert [(v["estado_ejecucion"], v["valid_from"], v["valid_to"], v["ended_by"]) for v in versions] == [
        ("En Ejecución", LOAD_TIMES["A"], LOAD_TIMES["C"], "changed"),
        ("Paralizada", LOAD_TIMES["C"], None, None),
    ]
    assert [v["load_count"] for v in versions] == [2, 1]
    assert [v["is_paralysed"] for v in versions] == [False, True]
    # as of each load's date the query returns the state that load showed
    assert [v["estado_ejecucion"] for v in _as_of(daily, "900004", LOAD_TIMES["B"])] == ["En Ejecución"]
    assert [v["estado_ejecucion"] for v in _as_of(daily, "900004", LOAD_TIMES["C"])] == ["Paralizada"]
    assert _as_of(daily, "900004", datetime(2025, 10, 31)) == []  # before the first kept load
    # a work that never changed has one current version since load A
    (unchanged,) = [v for v in _query(daily, VERSIONS) if v["codigo_infobras"] == "900001"]
    assert (unchanged["valid_from"], unchanged["valid_to"], unchanged["load_count"]) == (LOAD_TIMES["A"], None, 3)


def test_rebuilding_from_the_kept_loads_equals_building_after_each_load(daily: Path, once: Path) -> None:
    assert _query(daily, VERSIONS) == _query(once, VERSIONS)
    works = "select * from marts.fct_works order by codigo_infobras"
    assert _query(daily, works) == _query(once, works)


def test_fct_works_current_state_paralysis_and_places(daily: Path) -> None:
    works = {w["codigo_infobras"]: w for w in _query(daily, "select * from marts.fct_works")}
    assert len(works) == len(WORKS) + GENERATED and set(WORKS) <= set(works)
    assert works["900004"]["paralysed_since"] == date(2026, 5, 15)
    assert works["900004"]["paralysed_before_history"] is False
    assert works["900003"]["paralysed_since"] == date(2025, 11, 1)
    assert works["900003"]["paralysed_before_history"] is True
    assert works["900001"]["paralysed_since"] is None and works["900001"]["is_paralysed"] is False
    assert works["900002"]["physical_progress_since"] == date(2026, 5, 14)
    assert works["900001"]["physical_progress_since"] == date(2025, 11, 1)
    assert {w["as_of_date"] for w in works.values()} == {date(2026, 5, 15)}
    # names resolve to INEI whatever their case, accents and spacing; an unknown district does not
    junin = works["900012"]
    assert (junin["ubigeo_resolved"], junin["district_name"], junin["department_name"]) == (True, "El Tambo", "Junín")
    assert junin["ubigeo"] == "120114"
    assert works["900011"]["ubigeo_resolved"] is False and works["900011"]["ubigeo"] is None
    assert works["900011"]["department_code"] == "15"  # the department alone still resolves
    generated = [w for code, w in works.items() if code not in ("900011", "900012")]
    assert all(w["ubigeo_resolved"] for w in generated), [w for w in generated if not w["ubigeo_resolved"]]


def test_unresolved_places_are_listed(daily: Path) -> None:
    unresolved = _query(daily, "select * from intermediate.int_works__unresolved_places")
    assert [(u["district_key"], u["work_count"], u["example_codigo_infobras"]) for u in unresolved] == [
        ("DISTRITO INEXISTENTE", 1, "900011")
    ]


@pytest.mark.parametrize(("flag", "fires", "quiet"), FLAG_CASES)
def test_each_red_flag_fires_and_stays_quiet(daily: Path, flag: str, fires: str, quiet: str) -> None:
    raised = {(f["codigo_infobras"], f["flag_code"]) for f in _query(daily, "select * from marts.fct_works_red_flags")}
    assert (fires, flag) in raised
    assert (quiet, flag) not in raised


def test_red_flag_values(daily: Path) -> None:
    rows = _query(daily, "select * from marts.fct_works_red_flags")
    flags = {(f["codigo_infobras"], f["flag_code"]): f for f in rows}
    assert flags[("900001", "spending_without_progress")]["measured_value"] == 5000  # Jan-May 2026
    assert flags[("900005", "cost_overrun")]["measured_value"] == 30
    assert flags[("900005", "cost_overrun")]["threshold"] == 20
    assert flags[("900007", "late_end")]["measured_value"] == (date(2026, 5, 15) - date(2026, 1, 31)).days
    assert flags[("900010", "financial_ahead_of_physical")]["measured_value"] == 40
    assert {f["as_of_date"] for f in flags.values()} == {date(2026, 5, 15)}


def test_work_spending_and_reconciliation(daily: Path) -> None:
    spending = _query(daily, "select * from marts.fct_work_spending order by cui, year, month")
    assert [(s["cui"], s["month"], s["monto_devengado"]) for s in spending if s["cui"] == CUI_SPEND] == [
        (CUI_SPEND, month, 1000) for month in range(1, 6)
    ]
    assert spending[4]["devengado_cumulative"] == 5000
    rows = _query(daily, "select * from marts.fct_works_cui_reconciliation")
    reconciliation = {r["codigo_infobras"]: r for r in rows}
    reasons = {code: (r["invierte_unmatched_reason"], r["siaf_unmatched_reason"]) for code, r in reconciliation.items()}
    assert reasons["900001"] == (None, None)
    assert reasons["900003"] == ("no CUI", "no CUI")
    assert reasons["900004"] == ("CUI unknown to Invierte.pe", "no SIAF spending")
    assert reconciliation["900001"]["siaf_devengado_total"] == 5000


def test_match_rates_are_shares(daily: Path) -> None:
    rates = _query(daily, "select * from marts.agg_works_match_rates")
    assert sum(r["work_count"] for r in rates) == len(WORKS) + GENERATED
    for r in rates:
        for column in ("cui_pct", "matched_invierte_pct", "matched_siaf_pct"):
            assert 0 <= r[column] <= 100, r
    reconciliation = _query(daily, "select * from marts.fct_works_cui_reconciliation where matched_invierte")
    assert {"900001", "900002"} <= {r["codigo_infobras"] for r in reconciliation}
    assert sum(r["works_matched_invierte"] for r in rates) == len(reconciliation)
    assert sum(r["works_with_cui"] for r in rates) < sum(r["work_count"] for r in rates)  # some works have no CUI


def test_paralysis_compared_with_the_published_list(daily: Path) -> None:
    compared = {c["codigo_infobras"]: c for c in _query(daily, "select * from marts.fct_works_paralysis_comparison")}
    assert compared[ALERT_WORK]["flagged_by"] == "both"
    assert compared["900003"]["flagged_by"] == "only InfObras"
    assert compared["900004"]["flagged_by"] == "only InfObras"
    listed_only = [c for c in compared.values() if c["flagged_by"] == "only alerts list"]
    assert listed_only
    # a listed work that InfObras has but does not flag paralysed (here: generated codes that meet real ones)
    works = {w["codigo_infobras"]: w for w in _query(daily, "select * from marts.fct_works")}
    for c in listed_only:
        assert c["in_infobras"] == (c["codigo_infobras"] in works)
        assert not (c["in_infobras"] and works[c["codigo_infobras"]]["is_paralysed"])
    assert "900001" not in compared
