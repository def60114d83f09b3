"""Declared parsers: each format Peruvian files use, first on single values, then on the real files as they are.

The real files load through the test-only contracts in ``tests/ingest/contracts`` (YAML alone, no Python), and every
parsed value is compared with the file read independently (Python's csv module, python-calamine).
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from ingest.contracts import Field
from ingest.load import load
from ingest.parsers import failure_sql, field_sql
from tests.conftest import REALDATA
from tests.ingest.helpers import query

TEST_CONTRACTS = Path(__file__).parent / "contracts"
SSI = REALDATA / "invierte" / "ssi-portalgeneral-madre-de-dios-2019.csv"
INVIERTE = REALDATA / "invierte" / "invierte-consulta-50-rows.xlsx"
PARALIZADAS = REALDATA / "obras_paralizadas" / "alertas-obras-paralizadas-2026-05.xlsx"
PLACEHOLDERS = ("", "Información no disponible", "NA", "S.I.")
SPANISH = ("ENE", "FEB", "MAR", "ABR", "MAY", "JUN", "JUL", "AGO", "SEP", "OCT", "NOV", "DIC")
MONTHS = {m: i for i, m in enumerate(SPANISH, start=1)}


def _field(**kwargs: object) -> Field:
    base: dict[str, object] = {"name": "x", "type": "string", "sql_type": "VARCHAR", "description": "d", "header": "X"}
    return Field(**{**base, **kwargs})  # type: ignore[arg-type]


def _parse(f: Field, value: str) -> tuple[object, str | None]:
    con = duckdb.connect()
    try:
        sql = (
            f"select {field_sql('v', f, PLACEHOLDERS)}, {failure_sql('v', f, PLACEHOLDERS)} from (select ?::varchar v)"
        )
        return con.execute(sql, [value]).fetchone()  # type: ignore[return-value]
    finally:
        con.close()


AMOUNT = {"type": "number", "sql_type": "DECIMAL(18,2)", "parser": "number"}
DATES = {"type": "date", "sql_type": "DATE", "parser": "date", "formats": ("%d/%m/%Y", "%d-%m-%Y", "excel")}
CODE = {"parser": "extract", "extract": r"^([0-9]+)(?:\.0+)?$"}


@pytest.mark.parametrize(
    ("options", "text", "expected"),
    [
        ({**AMOUNT, "group_char": ","}, "132,120,049", Decimal("132120049")),
        ({**AMOUNT, "group_char": ",", "bare_number": False}, "S/. 20,652,795.00", Decimal("20652795.00")),
        ({**AMOUNT, "sql_type": "DECIMAL(9,1)", "bare_number": False}, "44.5 %", Decimal("44.5")),
        ({**AMOUNT, "decimal_char": " "}, "1205287 56", Decimal("1205287.56")),
        ({**AMOUNT, "decimal_char": " "}, "27 78", Decimal("27.78")),
        (AMOUNT, "6.1049142994E8", Decimal("610491429.94")),
        (AMOUNT, "-45101.3", Decimal("-45101.30")),
        ({"type": "integer", "sql_type": "BIGINT", "parser": "number"}, "2480997.0", 2480997),
        ({**CODE, "pad_to": 7}, "2480997.0", "2480997"),
        ({**CODE, "pad_to": 6}, "70102", "070102"),
        ({"type": "yearmonth", "sql_type": "DATE", "parser": "yearmonth", "formats": ("%Y%m",)}, "202312",
         date(2023, 12, 1)),
        (DATES, "19/10/2017", date(2017, 10, 19)),
        (DATES, "01-12-2018", date(2018, 12, 1)),
        (DATES, "43195", date(2018, 4, 5)),
        (DATES, "2018-04-05", date(2018, 4, 5)),  # an XLSX date cell, read as ISO
        ({"type": "yearmonth", "sql_type": "DATE", "parser": "yearmonth", "formats": ("MON-%Y",)}, "ABR-2018",
         date(2018, 4, 1)),
        ({"type": "yearmonth", "sql_type": "DATE", "parser": "yearmonth", "formats": ("MON-%Y",)}, "SET-2019",
         date(2019, 9, 1)),
        ({"parser": "extract", "extract": "^([0-9]{2}): "}, "01: AMAZONAS", "01"),
        ({"parser": "extract", "extract": "^[0-9]{6}-([0-9]+): "}, "010101-300001: MUNICIPALIDAD PROVINCIAL", "300001"),
        (AMOUNT, "Información no disponible", None),
        (AMOUNT, "NA", None),
        (AMOUNT, "S.I.", None),
    ],
)  # fmt: skip
def test_parser_reads_the_format(options: dict[str, object], text: str, expected: object) -> None:
    assert _parse(_field(**options), text) == (expected, None)


@pytest.mark.parametrize(
    ("options", "text", "reason"),
    [
        ({**AMOUNT, "group_char": ","}, "12O.5", "'12O.5' is not a number (DECIMAL(18,2))"),
        ({"type": "integer", "sql_type": "BIGINT", "parser": "number"}, "2480997.5", "is not a number (BIGINT)"),
        (DATES, "32/13/2018", "is not a date in format %d/%m/%Y or %d-%m-%Y or excel"),
        ({"type": "yearmonth", "sql_type": "DATE", "parser": "yearmonth", "formats": ("MON-%Y",)}, "XYZ-2020",
         "is not a yearmonth"),
        ({**CODE, "pad_to": 7}, "sin CUI", "'sin CUI' is not text matching"),
        ({"type": "yearmonth", "sql_type": "DATE", "parser": "yearmonth", "formats": ("%Y%m",)}, "20231",
         "is not a yearmonth in format %Y%m"),
    ],
)  # fmt: skip
def test_unreadable_value_gives_a_reason_naming_the_column(options: dict[str, object], text: str, reason: str) -> None:
    value, why = _parse(_field(**options), text)
    assert value is None and why is not None
    assert why.startswith("in column x (X): ") and reason in why


@pytest.fixture
def test_contracts(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CONTRACTS_PATH", str(TEST_CONTRACTS))
    return TEST_CONTRACTS


def _money(text: str) -> Decimal | None:
    cleaned = text.replace("S/.", "").replace(",", "").replace("%", "").strip()
    return Decimal(cleaned) if cleaned else None


def test_ssi_csv_with_line_breaks_in_fields(test_contracts: Path, warehouse: Path) -> None:
    result = load("ssi-inversiones-test", str(SSI))
    with SSI.open(encoding="utf-8-sig", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    assert result.rows_loaded == len(rows) == 291
    multiline = [i for i, row in enumerate(rows, start=1) if any("\n" in cell for cell in row)]
    assert multiline, "the real file has quoted fields with line breaks"
    got = {
        r[0]: r
        for r in query(
            warehouse,
            "select _source_row, codigo_unico, costo_aprobado, avance_financiero_acum, fecha_registro,"
            " fecha_primerdevengado, nombre_inversion, beneficiarios from raw.ssi_inversiones_test",
        )
    }
    col = {name: header.index(name) for name in header}
    for number, row in enumerate(rows, start=1):
        _, cui, cost, progress, registered, first_month, name, beneficiaries = got[number]
        assert cui == row[col["codigo_unico"]].zfill(7)
        assert name == row[col["nombre_inversion"]]  # the row number survives the line breaks before it
        assert cost == _money(row[col["costo_aprobado"]])
        assert progress == _money(row[col["avance_financiero_acum"]])
        day, month, year = map(int, row[col["fecha_registro"]].split("/"))
        assert registered == date(year, month, day)
        text = row[col["fecha_primerdevengado"]]
        if text:
            assert first_month == date(int(text[4:]), MONTHS[text[:3].replace("SET", "SEP")], 1)
        assert beneficiaries == (int(row[col["beneficiarios"]].replace(",", "")) if row[col["beneficiarios"]] else None)


def test_invierte_xlsx_float_cuis_and_ubigeo_without_leading_zero(test_contracts: Path, warehouse: Path) -> None:
    from python_calamine import CalamineWorkbook

    result = load("invierte-consulta-test", str(INVIERTE))
    sheet = CalamineWorkbook.from_path(str(INVIERTE)).get_sheet_by_name("only_15_rows").to_python()
    assert result.rows_loaded == len(sheet) - 1 == 50
    got = {
        r[0]: r[1:]
        for r in query(
            warehouse, "select _source_row, cui, ubigeo, monto_viable, fecha_registro from raw.invierte_consulta_test"
        )
    }
    for number, row in enumerate(sheet[1:], start=2):  # _source_row is the sheet row: the header is row 1
        cui, ubigeo, viable, registered = got[number]
        assert cui == str(int(row[0])).zfill(7) and len(cui) == 7
        assert ubigeo == str(int(row[15])).zfill(6)
        assert viable == Decimal(repr(row[2])).quantize(Decimal("0.01"))
        assert registered == row[7]
    assert got[2][1] == "010401"  # 10401.0 in the sheet: Amazonas lost its leading zero


def test_paralysed_works_placeholders_and_mixed_dates(test_contracts: Path, warehouse: Path) -> None:
    from python_calamine import CalamineWorkbook

    load("obras-paralizadas-test", str(PARALIZADAS))
    sheet = CalamineWorkbook.from_path(str(PARALIZADAS)).get_sheet_by_index(0).to_python()
    header = sheet[0]
    population = header.index("Pobl_afectada")
    interruption = header.index("fecha_inicio_max_interrupcion")
    cost = header.index("costo_actualizado")
    got = {
        r[0]: r[1:]
        for r in query(
            warehouse,
            "select _source_row, pobl_afectada, fecha_inicio_max_interrupcion, costo_actualizado, cui"
            " from raw.obras_paralizadas_test",
        )
    }
    unknown = 0
    for number, row in enumerate(sheet[1:], start=2):
        people, interrupted, updated_cost, cui = got[number]
        if row[population] == "Información no disponible":
            unknown += 1
            assert people is None
        elif row[population] != "":
            assert people == int(row[population])
        text = row[interruption]
        if isinstance(text, str) and text:
            day, month, year = map(int, text.split("-"))
            assert interrupted == date(year, month, day)
        if isinstance(row[cost], float):  # 4878782.1399999997 in the file: the float artefact is gone
            assert updated_cost == Decimal(repr(row[cost])).quantize(Decimal("0.01"))
        assert cui == str(int(row[header.index("cui")])).zfill(7)
    assert unknown == 200
