"""SIAF Ingreso end to end: a generated ``YYYY-Ingreso.csv`` with its junk last row → raw → staging → revenue marts.

One module fixture generates a file (benchmarks/generate_siaf_ingreso.py: MEF's dictionary layout, real
municipalities), loads it with the real loader and runs ``dbt build --select +fct_revenue +fct_municipal_own_revenue``
(models, data tests, unit tests and the reconciliation tests). Every figure is then checked against the file as
Python's csv module reads it, independently of the loader and of dbt. The junk-row and truncation cases load small
files into their own scratch warehouses.
"""

from __future__ import annotations

import csv
import hashlib
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from benchmarks.generate_siaf_ingreso import HEADER, Junk, generate
from tests.conftest import REALDATA
from tests.ingest.helpers import records

DICTIONARY = REALDATA / "siaf_ingreso" / "diccionario-ingreso.xlsx"
ROWS = 900
SEED = 11
TAXES = ("predial", "alcabala", "patrimonio_vehicular", "otros_impuestos", "saldo_balance", "otros")


def _file_rows(path: Path) -> list[dict[str, str]]:
    """The data rows of a generated file as the csv module reads them, without the junk last row."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == list(HEADER)
    return [dict(zip(HEADER, row, strict=True)) for row in rows[1:-1]]


def _tax(row: dict[str, str]) -> str:
    """The tax of a RUBRO 08 row, as fct_revenue documents it, written independently here."""
    names = f"{row['ESPECIFICA_NOMBRE']} {row['ESPECIFICA_DET_NOMBRE']}".upper()
    if row["GENERICA"] == "1":
        for word, tax in (("PREDIAL", "predial"), ("ALCABALA", "alcabala"), ("VEHICULAR", "patrimonio_vehicular")):
            if word in names:
                return tax
        return "otros_impuestos"
    return "saldo_balance" if row["GENERICA"] == "9" else "otros"


def _query(db: Path, sql: str) -> list[dict[str, Any]]:
    return records(db, sql)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, Any]]:
    """Generate, load and build once; yield (the file, the warehouse database, the load result)."""
    from ingest.load import load
    from pipeline.transform import dbt_build

    folder = tmp_path_factory.mktemp("siaf_ingreso")
    path = folder / "2026-Ingreso.csv"
    generate(path, ROWS, seed=SEED, year=2026, cutoff_month=6)
    warehouse = folder / "warehouse"
    warehouse.mkdir()
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("WAREHOUSE_DIR", str(warehouse))
        result = load("siaf-ingreso", str(path))
        dbt_build(warehouse, select="+fct_revenue +fct_municipal_own_revenue")
    yield path, warehouse / "monitoring.duckdb", result


@pytest.fixture(scope="module")
def file_rows(built: tuple[Path, Path, Any]) -> list[dict[str, str]]:
    return _file_rows(built[0])


def test_generated_file_has_the_dictionary_layout_and_a_junk_last_row(built: tuple[Path, Path, Any]) -> None:
    from python_calamine import CalamineWorkbook

    dictionary = CalamineWorkbook.from_path(str(DICTIONARY)).get_sheet_by_index(0).to_python()
    assert dictionary[0][0] == ""  # MEF's first header cell is empty
    assert [row[0] for row in dictionary[1:]] == list(HEADER)
    raw = built[0].read_bytes()
    lines = raw.split(b"\r\n")
    assert lines[-1] == b"" and b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only, ends with a line break
    assert all(line.startswith(b'"') and line.endswith(b'"') for line in lines[:-1])  # every field quoted
    assert len(lines) - 1 == 1 + ROWS + 1  # header, data, junk
    assert lines[-2].count(b'","') == 0  # the junk row: one field, not a data row


def test_load_reconciles_with_the_junk_row_skipped(built: tuple[Path, Path, Any]) -> None:
    path, db, result = built
    assert (result.status, result.rows_loaded, result.rows_rejected, result.rows_skipped) == ("loaded", ROWS, 0, 1)
    (log,) = _query(db, "select * from ops.load_log")
    data_lines = path.read_bytes().count(b"\r\n") - 1  # below the header
    assert log["rows_read"] == log["rows_loaded"] + log["rows_rejected"] == ROWS
    assert log["rows_read"] + log["rows_skipped"] == data_lines == ROWS + 1
    assert log["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert _query(db, "select count(*) as n from ops.rejects") == [{"n": 0}]
    rows = _query(db, "select min(_source_row) as lo, max(_source_row) as hi, count(*) as n from raw.siaf_ingreso")
    assert rows == [{"lo": 1, "hi": ROWS, "n": ROWS}]


def _load_variant(warehouse: Path, tmp_path: Path, junk: Junk, cut: int = 0) -> Any:
    from ingest.load import load

    path = tmp_path / "2026-Ingreso.csv"
    generate(path, 30, seed=3, junk=junk)
    if cut:
        path.write_bytes(path.read_bytes()[:-cut])
    return load("siaf-ingreso", str(path)), path


def test_a_full_width_totals_junk_row_is_skipped_too(warehouse: Path, tmp_path: Path) -> None:
    result, _ = _load_variant(warehouse, tmp_path, "totals")
    assert (result.status, result.rows_loaded, result.rows_rejected, result.rows_skipped) == ("loaded", 30, 0, 1)


def test_a_file_without_its_junk_row_loses_its_last_data_row_as_documented(warehouse: Path, tmp_path: Path) -> None:
    """junkRowsAtEnd: 1 skips the last row whatever it holds: the loader cannot tell a missing junk row."""
    result, path = _load_variant(warehouse, tmp_path, "none")
    assert (result.rows_loaded, result.rows_rejected, result.rows_skipped) == (29, 0, 1)
    with path.open(encoding="utf-8", newline="") as handle:
        data = list(csv.reader(handle))[1:]
    db = warehouse / "monitoring.duckdb"
    loaded = _query(db, "select max(_source_row) as hi, sum(monto_recaudado) as total from raw.siaf_ingreso")[0]
    assert loaded["hi"] == 29
    assert loaded["total"] == sum(Decimal(row[-1]) for row in data[:-1])


@pytest.mark.parametrize(
    ("junk", "cut"),
    [("note", 12), ("none", 9)],
    ids=["cut inside the junk row", "cut inside the last data row (no junk row)"],
)
def test_a_truncated_last_row_refuses_the_file(warehouse: Path, tmp_path: Path, junk: Junk, cut: int) -> None:
    from ingest.errors import TruncatedFileError

    with pytest.raises(TruncatedFileError, match="looks truncated"):
        _load_variant(warehouse, tmp_path, junk, cut)
    db = warehouse / "monitoring.duckdb"
    assert _query(db, "select status from ops.load_log") == [{"status": "failed"}]
    assert _query(db, "select count(*) as n from raw.siaf_ingreso") == [{"n": 0}]


def test_fct_revenue_totals_equal_the_file(built: tuple[Path, Path, Any], file_rows: list[dict[str, str]]) -> None:
    db = built[1]
    (mart,) = _query(
        db,
        "select sum(monto_pia) as pia, sum(monto_pim) as pim, sum(monto_recaudado) as recaudado, "
        "sum(source_row_count) as n, count(*) as grain from marts.fct_revenue",
    )
    assert mart["pia"] == sum(Decimal(r["MONTO_PIA"]) for r in file_rows)
    assert mart["pim"] == sum(Decimal(r["MONTO_PIM"]) for r in file_rows)
    assert mart["recaudado"] == sum(Decimal(r["MONTO_RECAUDADO"]) for r in file_rows)
    assert mart["n"] == ROWS
    grain = ("ANO_DOC", "MES_DOC", "SEC_EJEC", "FUENTE_FINANC", "RUBRO", "TIPO_RECURSO", "GENERICA", "SUBGENERICA",
             "SUBGENERICA_DET", "ESPECIFICA", "ESPECIFICA_DET")  # fmt: skip
    assert mart["grain"] == len({tuple(r[c] for c in grain) for r in file_rows}) < ROWS  # duplicates were summed


def test_fct_revenue_rows_trace_to_their_file_rows(
    built: tuple[Path, Path, Any], file_rows: list[dict[str, str]]
) -> None:
    path, db, result = built
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    for row in _query(db, "select * from marts.fct_revenue"):
        assert (row["_source_sha256"], row["_load_id"]) == (sha, result.load_id)
        cited = [file_rows[n - 1] for n in row["_source_rows"]]
        assert {(r["SEC_EJEC"], r["RUBRO"], int(r["MES_DOC"])) for r in cited} == {
            (row["sec_ejec"], row["rubro"], row["month"])
        }
        assert sum(Decimal(r["MONTO_RECAUDADO"]) for r in cited) == row["monto_recaudado"]


def test_own_revenue_mart_holds_rubro_08_of_municipalities_only(
    built: tuple[Path, Path, Any], file_rows: list[dict[str, str]]
) -> None:
    mart = _query(built[1], "select * from marts.fct_municipal_own_revenue")
    own = {n for n, r in enumerate(file_rows, start=1) if r["TIPO_GOBIERNO"] == "M" and r["RUBRO"] == "08"}
    cited = [n for row in mart for n in row["_source_rows"]]
    assert sorted(cited) == sorted(own)  # every RUBRO 08 row of a municipality, once; nothing else
    assert {file_rows[n - 1]["RUBRO"] for n in cited} == {"08"}
    assert {r["RUBRO"] for r in file_rows} > {"08"}  # the file has other rubros, which stay out
    assert {row["sec_ejec"] for row in mart} == {file_rows[n - 1]["SEC_EJEC"] for n in own}
    assert not {row["sec_ejec"] for row in mart} & {r["SEC_EJEC"] for r in file_rows if r["TIPO_GOBIERNO"] != "M"}
    total = sum(Decimal(file_rows[n - 1]["MONTO_RECAUDADO"]) for n in own)
    assert sum(row["recaudado_month"] for row in mart) == total
    assert sum(row["recaudado_ytd"] for row in mart if row["month"] == 6) == total
    # one spine of months 1..6 per municipality, ubigeo = the executing unit's three codes
    assert len(mart) == 6 * len({row["sec_ejec"] for row in mart})
    for row in mart:
        assert row["ubigeo"][:2] == row["department_code"] and row["ubigeo"][:4] == row["province_code"]


def _expected_months(file_rows: list[dict[str, str]], sec_ejec: str) -> dict[int, dict[str, Decimal]]:
    rows = [r for r in file_rows if r["SEC_EJEC"] == sec_ejec and r["RUBRO"] == "08"]
    pia = sum(Decimal(r["MONTO_PIA"]) for r in rows)
    pim = sum(Decimal(r["MONTO_PIM"]) for r in rows)
    months: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    ytd: dict[str, Decimal] = defaultdict(Decimal)
    for month in range(1, 7):
        figures = months[month]
        for r in rows:
            if int(r["MES_DOC"]) == month:
                figures["recaudado_month"] += Decimal(r["MONTO_RECAUDADO"])
                figures[f"recaudado_{_tax(r)}_month"] += Decimal(r["MONTO_RECAUDADO"])
        for key in ["recaudado", *(f"recaudado_{t}" for t in TAXES)]:
            ytd[key] += figures[f"{key}_month"]
            figures[f"{key}_ytd"] = ytd[key]
        figures["pia_annual"], figures["pim_annual"] = pia, pim
    return months


def test_two_municipalities_month_by_month_to_the_cent(
    built: tuple[Path, Path, Any], file_rows: list[dict[str, str]]
) -> None:
    mart = _query(built[1], "select * from marts.fct_municipal_own_revenue order by sec_ejec, month")
    provincial = [r["sec_ejec"] for r in mart if r["recaudado_patrimonio_vehicular_ytd"] and r["month"] == 6]
    collected = sorted(
        {r["sec_ejec"] for r in mart}, key=lambda s: -sum(r["recaudado_month"] for r in mart if r["sec_ejec"] == s)
    )
    chosen = [provincial[0], next(s for s in collected if s != provincial[0])]
    for sec_ejec in chosen:
        expected = _expected_months(file_rows, sec_ejec)
        rows = [r for r in mart if r["sec_ejec"] == sec_ejec]
        assert [r["month"] for r in rows] == [1, 2, 3, 4, 5, 6]
        for row in rows:
            for key, value in expected[row["month"]].items():
                assert row[key] == value, (sec_ejec, row["month"], key)
            assert row["impuestos_recaudado_ytd"] == sum(
                expected[row["month"]][f"recaudado_{t}_ytd"] for t in TAXES[:4]
            )
        (entity,) = {
            (r["DEPARTAMENTO_EJECUTORA"] + r["PROVINCIA_EJECUTORA"] + r["DISTRITO_EJECUTORA"], r["EJECUTORA_NOMBRE"])
            for r in file_rows
            if r["SEC_EJEC"] == sec_ejec
        }
        assert {(r["ubigeo"], r["municipality_name"]) for r in rows} == {entity}
