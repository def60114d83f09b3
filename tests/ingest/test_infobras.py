"""InfObras ``DataSet-Obras-Publicas`` through its contract, on files from ``benchmarks/generate_infobras.py``.

No real rows can be had, so a 300-row file in the published layout (3 title rows, header on row 4, every cell a
string, space-decimal money and percentages, dates in three forms, 97 columns of which the contract declares the 47
known) is loaded, and every loaded value is compared with what the generator wrote, parsed here independently of
the loader's SQL parsers. Files with the header on the wrong row or a renamed column must be refused. One test
rewrites the sheet into the XML dialect the real file is reported to use (``x:`` prefixed tags, ``t="str"`` cells,
no cell references, every cell emitted) and checks it reads the same.
"""

from __future__ import annotations

import re
import sys
import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import generate_infobras as gen

ROWS = 300
SEED = 7
CUTOFF = "16-05-2026"
FIRST_DATA_ROW = 5  # 3 title rows, the header on row 4
TEXT_FIELDS = tuple(f for f in gen.FIELDS if f not in gen.DATE_FIELDS + gen.PCT_FIELDS + gen.MONEY_FIELDS)
TEXT_FIELDS = tuple(f for f in TEXT_FIELDS if f not in (*gen.DAY_FIELDS, "cui", "codigo_infobras"))


def _decimal(text: str) -> Decimal | None:
    """InfObras's space-decimal text ("1205287 56", "27 78", "100") as a Decimal."""
    if text == "":
        return None
    assert re.fullmatch(r"[0-9]+( [0-9]{2})?", text), text
    return Decimal(text.replace(" ", "."))


def _date(text: str) -> date | None:
    """A date as InfObras writes it: dd/mm/yyyy, dd-mm-yyyy or an Excel serial day number."""
    if text == "":
        return None
    if re.fullmatch(r"[0-9]{1,6}", text):
        return date(1899, 12, 30) + timedelta(days=int(text))
    return datetime.strptime(text, "%d/%m/%Y" if "/" in text else "%d-%m-%Y").date()


def _expected(work: dict[str, str]) -> dict[str, Any]:
    """The row the contract should load from one generated work, parsed without the loader."""
    row: dict[str, Any] = {f: work[f] or None for f in TEXT_FIELDS}
    row["codigo_infobras"] = work["codigo_infobras"]
    row["cui"] = work["cui"].zfill(7) if work["cui"] else None
    row.update({f: _date(work[f]) for f in gen.DATE_FIELDS})
    row.update({f: _decimal(work[f]) for f in gen.PCT_FIELDS + gen.MONEY_FIELDS})
    row.update({f: int(work[f]) if work[f] else None for f in gen.DAY_FIELDS})
    return row


@pytest.fixture(scope="module")
def xlsx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 300-row DataSet-Obras-Publicas file (97 columns), shared by the module."""
    path = tmp_path_factory.mktemp("infobras") / f"DataSet-Obras-Publicas {CUTOFF}.xlsx"
    assert gen.generate(path, ROWS, seed=SEED, cutoff=CUTOFF) == ROWS
    return path


@pytest.fixture(scope="module")
def works() -> list[dict[str, str]]:
    """What the generator wrote in the 47 known columns, row by row."""
    return list(gen.iter_rows(ROWS, SEED, CUTOFF))


def _load(path: Path, warehouse: Path) -> tuple[Any, list[dict[str, Any]]]:
    import duckdb

    from ingest.load import load

    result = load("infobras-obras", str(path), warehouse=warehouse)
    con = duckdb.connect(str(warehouse / "monitoring.duckdb"), read_only=True)
    try:
        cursor = con.execute("select * from raw.infobras_obras order by _source_row")
        names = [c[0] for c in cursor.description]
        return result, [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    finally:
        con.close()


@pytest.fixture(scope="module")
def loaded(xlsx: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, list[dict[str, Any]]]:
    """The file loaded through the contract into a scratch warehouse: (LoadResult, raw rows by sheet row)."""
    return _load(xlsx, tmp_path_factory.mktemp("warehouse"))


def test_every_row_loads_with_its_sheet_row(loaded: tuple[Any, list[dict[str, Any]]]) -> None:
    result, rows = loaded
    assert result.status == "loaded", result
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (ROWS, ROWS, 0)
    assert result.layout == "dataset-obras-publicas"
    assert [r["_source_row"] for r in rows] == list(range(FIRST_DATA_ROW, FIRST_DATA_ROW + ROWS))
    # the 50 columns whose names are not known are ignored, and said so
    assert "50 column(s) not in the contract ignored" in result.message
    assert "Columna no identificada 48" in result.message


def test_title_rows_are_not_data(loaded: tuple[Any, list[dict[str, Any]]], works: list[dict[str, str]]) -> None:
    _, rows = loaded
    assert rows[0]["_source_row"] == FIRST_DATA_ROW and rows[0]["codigo_infobras"] == works[0]["codigo_infobras"]
    titles = ("CONTRALORÍA", "DataSet de Obras", "Fecha de corte", "codigo Entidad", "Código INFOBRAS")
    assert not [r for r in rows if any(str(r[f]).startswith(titles) for f in ("codigo_entidad", "codigo_infobras"))]


def test_loaded_values_equal_what_was_written(
    loaded: tuple[Any, list[dict[str, Any]]], works: list[dict[str, str]]
) -> None:
    _, rows = loaded
    assert len(rows) == len(works)
    for number, (row, work) in enumerate(zip(rows, works, strict=True), start=FIRST_DATA_ROW):
        expected = _expected(work)
        got = {f: row[f] for f in gen.FIELDS}
        assert got == expected, f"sheet row {number}: " + str(
            {f: (got[f], expected[f]) for f in gen.FIELDS if got[f] != expected[f]}
        )


def test_the_fixture_has_the_files_quirks(works: list[dict[str, str]]) -> None:
    """The generated file covers what the loader must read: >100 and >999 %, empty CUIs, three date forms."""
    pcts = [_decimal(w[f]) for w in works for f in gen.PCT_FIELDS if w[f]]
    assert any(p > 100 for p in pcts) and any(p > 999 for p in pcts)
    assert any(" " in w["monto_viable"] for w in works)
    assert any(w["cui"] == "" for w in works) and all(re.fullmatch(r"[0-9]{7}|", w["cui"]) for w in works)
    dates = [w[f] for w in works for f in gen.DATE_FIELDS if w[f]]
    assert {"/", "-", "serial"} == {"/" if "/" in d else "-" if "-" in d else "serial" for d in dates}
    paralysed = [w for w in works if w["estado_ejecucion"] == "Paralizada"]
    assert paralysed and all(w["causal_paralizacion"] and w["fecha_paralizacion"] for w in paralysed)
    assert all(
        w["ruc_contratista"].startswith("20") and len(w["ruc_contratista"]) == 11 for w in works if w["contratista"]
    )


def test_every_cell_is_a_string(xlsx: Path) -> None:
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_path(str(xlsx)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    assert len(sheet) == 3 + 1 + ROWS and len(sheet[3]) == gen.COLUMNS
    assert sheet[3][: len(gen.FIELDS)] == [h for _, h in gen.KNOWN_HEADERS]
    assert {type(v) for row in sheet for v in row} == {str}


def test_same_seed_same_rows() -> None:
    assert list(gen.iter_rows(20, 3)) == list(gen.iter_rows(20, 3)) != list(gen.iter_rows(20, 4))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        # row 4 is then the first data row: refused (today as a header repeating cells such as 'No')
        ({"title_rows": 2}, "the header on sheet row 4 (the contract's headerRows)"),
        ({"rename": {"Código INFOBRAS": "Codigo INFOBRAS"}}, "missing 1 column(s) [Código INFOBRAS]"),
        ({"rename": {"Monto del contrato  en soles": "Monto del contrato en soles"}}, "[Monto del contrato  en soles]"),
    ],
    ids=["header-on-row-3", "renamed-codigo-infobras", "single-space-monto"],
)
def test_a_wrong_header_is_refused(tmp_path: Path, options: dict[str, Any], message: str) -> None:
    from ingest.errors import IngestError

    path = tmp_path / "DataSet-Obras-Publicas bad.xlsx"
    gen.generate(path, 5, seed=SEED, cutoff=CUTOFF, **options)
    warehouse = tmp_path / "warehouse"
    with pytest.raises(IngestError) as refused:
        _load(path, warehouse)
    assert message in str(refused.value)
    assert "sheet row 4" in str(refused.value)


def _real_dialect(src: Path, dst: Path) -> None:
    """Rewrite the sheet as the real export is reported to be written: ``x:``-prefixed tags, ``t="str"`` cells
    with ``<x:v>``, no ``r=`` references, and every cell of a row emitted, empty ones included."""

    def column(ref: str) -> int:
        number = 0
        for char in re.match(r"[A-Z]+", ref).group():  # type: ignore[union-attr]
            number = number * 26 + ord(char) - 64
        return number - 1

    def row(match: re.Match[str]) -> str:
        cells = dict.fromkeys(range(gen.COLUMNS), "")
        for ref, text in re.findall(r'<c r="([A-Z]+[0-9]+)" t="inlineStr"><is><t[^>]*>(.*?)</t></is></c>', match[1]):
            cells[column(ref)] = text
        return "<x:row>" + "".join(f'<x:c t="str"><x:v>{v}</x:v></x:c>' for v in cells.values()) + "</x:row>"

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                xml = re.sub(r"<row [^>]*>(.*?)</row>", row, data.decode())
                xml = xml.replace("<sheetData>", "<x:sheetData>").replace("</sheetData>", "</x:sheetData>")
                xml = re.sub(
                    r"<(/?)(worksheet|dimension|sheetViews|sheetView|sheetFormatPr|pageMargins)\b", r"<\1x:\2", xml
                )
                xml = xml.replace('xmlns="http://schemas', 'xmlns:x="http://schemas')
                data = xml.encode()
            zout.writestr(item, data)


def test_the_real_files_xml_dialect_reads_the_same(
    xlsx: Path, loaded: tuple[Any, list[dict[str, Any]]], tmp_path: Path
) -> None:
    real = tmp_path / f"DataSet-Obras-Publicas {CUTOFF} x-prefixed.xlsx"
    _real_dialect(xlsx, real)
    assert b"<x:c " in zipfile.ZipFile(real).read("xl/worksheets/sheet1.xml")[:4000]
    result, rows = _load(real, tmp_path / "warehouse")
    assert (result.status, result.rows_loaded) == ("loaded", ROWS)
    strip = ("_source_sha256", "_load_id", "_loaded_at")
    assert [{k: v for k, v in r.items() if k not in strip} for r in rows] == [
        {k: v for k, v in r.items() if k not in strip} for r in loaded[1]
    ]
