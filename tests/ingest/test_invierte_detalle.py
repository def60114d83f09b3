"""Invierte.pe's open-data ``DETALLE_INVERSIONES.csv`` through its contract, on files from
``benchmarks/generate_invierte_detalle.py``.

No real rows can be had, so a 500-row file in the published form (UTF-8 with BOM, CRLF, every field quoted, line
breaks and doubled quotes inside quoted fields, 68 columns of which the contract declares the 25 known) is loaded, and
every loaded value is compared with the file as Python's ``csv`` module reads it, parsed here independently of the
loader's SQL parsers. Row N of the ``csv`` module must be ``_source_row`` N, across the line breaks inside fields. A
copy cut inside a quoted field must be refused.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import generate_invierte_detalle as gen

SOURCE = "invierte-detalle-inversiones"
ROWS = 500
SEED = 11
CODE = re.compile(r"^([0-9]+)(?:\.0+)?$")

# The contract's field for each declared header, by the kind of value it holds.
TEXT = {h: h.lower() for h in gen.TEXT_COLUMNS}
AMOUNTS = {h: h.lower() for h in gen.AMOUNT_COLUMNS}
DOUBLES = {h: h.lower() for h in gen.DOUBLE_COLUMNS}
DATES = {h: h.lower() for h in gen.DATE_COLUMNS}
MONTHS = {h: h.lower() for h in gen.MONTH_COLUMNS}
FIELDS = ("codigo_unico", "ubigeo", *TEXT.values(), *AMOUNTS.values(), *DOUBLES.values(), *DATES.values(),
          *MONTHS.values())  # fmt: skip


def _code(text: str, width: int) -> str | None:
    if text == "":
        return None
    match = CODE.fullmatch(text)
    assert match, text
    return match[1].zfill(width)


def _expected(record: dict[str, str]) -> dict[str, Any]:
    """The row the contract should load from one CSV record, parsed without the loader ('' is NULL)."""
    row: dict[str, Any] = {"codigo_unico": _code(record["CODIGO_UNICO"], 7), "ubigeo": _code(record["UBIGEO"], 6)}
    for header, field in TEXT.items():
        row[field] = record[header] or None
    for header, field in AMOUNTS.items():
        row[field] = Decimal(record[header]).quantize(Decimal("0.01")) if record[header] else None
    for header, field in DOUBLES.items():
        row[field] = float(record[header]) if record[header] else None
    for header, field in DATES.items():
        text = record[header]
        row[field] = datetime.strptime(text, "%Y-%m-%d %H:%M:%S").date() if text else None
    for header, field in MONTHS.items():
        text = record[header]
        assert text == "" or re.fullmatch(r"[0-9]{4}(0[1-9]|1[0-2])", text), text
        row[field] = date(int(text[:4]), int(text[4:]), 1) if text else None
    return row


@pytest.fixture(scope="module")
def detalle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 500-row DETALLE_INVERSIONES.csv (68 columns), shared by the module."""
    path = tmp_path_factory.mktemp("invierte") / "DETALLE_INVERSIONES.csv"
    assert gen.generate(path, ROWS, seed=SEED) == ROWS
    return path


@pytest.fixture(scope="module")
def records(detalle: Path) -> list[dict[str, str]]:
    """The file as Python's csv module reads it: record N (1-based) is data row N."""
    with detalle.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _load(path: Path, warehouse: Path) -> tuple[Any, list[dict[str, Any]]]:
    import duckdb

    from ingest.load import load

    result = load(SOURCE, str(path), warehouse=warehouse)
    con = duckdb.connect(str(warehouse / "monitoring.duckdb"), read_only=True)
    try:
        cursor = con.execute("select * from raw.invierte_detalle_inversiones order by _source_row")
        names = [c[0] for c in cursor.description]
        return result, [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    finally:
        con.close()


@pytest.fixture(scope="module")
def loaded(detalle: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, list[dict[str, Any]]]:
    """The file loaded through the contract into a scratch warehouse: (LoadResult, raw rows by _source_row)."""
    return _load(detalle, tmp_path_factory.mktemp("warehouse"))


def test_every_row_loads_with_its_record_number(
    loaded: tuple[Any, list[dict[str, Any]]], records: list[dict[str, str]], detalle: Path
) -> None:
    result, rows = loaded
    assert result.status == "loaded", result
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (ROWS, ROWS, 0)
    assert result.layout == "detalle-inversiones"
    assert len(records) == ROWS
    assert [r["_source_row"] for r in rows] == list(range(1, ROWS + 1))
    # the 43 reported columns the contract does not declare are ignored, and said so
    assert "43 column(s) not in the contract ignored" in result.message
    assert "ULT_FEC_DECLA_ESTIM" in result.message
    # more physical lines than records: the line breaks inside fields did not shift _source_row
    assert detalle.read_bytes().count(b"\n") > ROWS + 1


def test_loaded_values_equal_what_the_csv_module_reads(
    loaded: tuple[Any, list[dict[str, Any]]], records: list[dict[str, str]]
) -> None:
    _, rows = loaded
    assert len(rows) == len(records)
    for number, (row, record) in enumerate(zip(rows, records, strict=True), start=1):
        assert row["_source_row"] == number
        expected = _expected(record)
        got = {f: row[f] for f in FIELDS}
        assert got == expected, f"row {number}: " + str(
            {f: (got[f], expected[f]) for f in FIELDS if got[f] != expected[f]}
        )


def test_rows_after_a_multiline_name_keep_their_number(
    loaded: tuple[Any, list[dict[str, Any]]], records: list[dict[str, str]]
) -> None:
    _, rows = loaded
    by_row = {r["_source_row"]: r for r in rows}
    multiline = [n for n, rec in enumerate(records, start=1) if "\n" in rec["NOMBRE_INVERSION"]]
    assert len(multiline) >= 10
    for n in multiline:
        assert by_row[n]["nombre_inversion"] == records[n - 1]["NOMBRE_INVERSION"]
        if n < ROWS:
            assert by_row[n + 1]["codigo_unico"] == records[n]["CODIGO_UNICO"]


def test_the_fixture_has_the_files_quirks(detalle: Path, records: list[dict[str, str]]) -> None:
    """The generated file has the published form and covers what the loader must read."""
    data = detalle.read_bytes()
    assert data.startswith(b'\xef\xbb\xbf"NIVEL","SECTOR","ENTIDAD","CODIGO_UNICO"')
    assert data.endswith(b'"\r\n')
    header = data[3 : data.index(b"\r\n")].decode()
    assert header == ",".join(f'"{h}"' for h in gen.HEADER) and len(gen.HEADER) == 68
    # every field quoted, empty ones too, CRLF after each record: the file is exactly what csv's QUOTE_ALL writes
    again = io.StringIO(newline="")
    writer = csv.writer(again, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(gen.HEADER)
    writer.writerows([r[h] for h in gen.HEADER] for r in records)
    assert data == b"\xef\xbb\xbf" + again.getvalue().encode()
    names = [r["NOMBRE_INVERSION"] for r in records]
    assert any("\r\n" in n for n in names) and any(re.search(r"[^\r]\n", n) for n in names)
    assert any(re.search(r'"[A-Z ]+"', n) for n in names)  # doubled quotes in the file, single once read
    cuis = [r["CODIGO_UNICO"] for r in records]
    assert all(re.fullmatch(r"[0-9]{7}", c) for c in cuis) and len(set(cuis)) == ROWS
    ubigeos = [r["UBIGEO"] for r in records]
    assert "" in ubigeos and any(len(u) == 5 for u in ubigeos) and any(len(u) == 6 for u in ubigeos)
    amounts = [r[h] for r in records for h in gen.AMOUNT_COLUMNS]
    assert any(re.fullmatch(r"[0-9]+\.[0-9]{2}", a) for a in amounts) and any(a.endswith(".0") for a in amounts)
    assert "" in amounts
    months = [r[h] for r in records for h in gen.MONTH_COLUMNS]
    assert "" in months and any(re.fullmatch(r"20[0-9]{4}", m) for m in months)
    assert all(re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2} 00:00:00|", r[h]) for r in records for h in gen.DATE_COLUMNS)


def test_same_seed_same_rows() -> None:
    assert list(gen.iter_rows(20, 3)) == list(gen.iter_rows(20, 3)) != list(gen.iter_rows(20, 4))


def test_a_copy_cut_inside_a_quoted_field_is_refused(detalle: Path, tmp_path: Path) -> None:
    from ingest.errors import TruncatedFileError

    data = detalle.read_bytes()
    opening = data.rindex(b"\r\n", 0, len(data) - 2) + 2  # the last record's first field
    for _ in range(gen.HEADER.index("NOMBRE_INVERSION")):
        opening = data.index(b'","', opening) + 2  # the opening quote of the next field
    cut = tmp_path / "DETALLE_INVERSIONES.csv"
    cut.write_bytes(data[: opening + 12])  # inside the quoted name, no line break at the end
    with pytest.raises(
        TruncatedFileError, match=r"DETALLE_INVERSIONES.csv: the file ends in the middle of its last row"
    ) as e:
        _load(cut, tmp_path / "warehouse")
    assert "every field of this source is quoted" in str(e.value) and "looks truncated" in str(e.value)


def test_a_copy_cut_after_a_line_break_inside_a_quoted_field_is_refused(detalle: Path, tmp_path: Path) -> None:
    """The cut leaves the file ending with a line break (inside a name): refused through the unterminated quote."""
    from ingest.errors import IngestError

    data = detalle.read_bytes()
    at = data.rindex(b"\nEN LA LOCALIDAD")  # the line break inside the last multi-line name
    cut = tmp_path / "DETALLE_INVERSIONES.csv"
    cut.write_bytes(data[: at + 1])
    with pytest.raises(IngestError, match="nothing was loaded") as e:
        _load(cut, tmp_path / "warehouse")
    assert "unterminated quote" in str(e.value)
