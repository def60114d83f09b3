"""A corpus of broken inputs, each with its expected outcome, run through every reader the loader has.

Readers: the typed CSV path (SIAF gasto, MEF's real sample), the text-staged CSV path (a municipal export declared in
a contract with title rows, parsers and a junk row) and the XLSX path (Consulta Amigable's real table). Each case is
a file made from the real one and what must happen: a clear error naming the file (and the row or column where there
is one), or a documented rejection into ``ops.rejects``, or a load whose problem the quality gate reports. Every case
runs through the command line as a user would: exit status 1 and one ``error:`` line, never a traceback, and the
warehouse keeps the data it had.

Download faults (0-byte body, HTML page, a body larger than declared, a cut connection) are in test_fetch.py;
concurrency (a second writer) in test_bad_input.py.
"""

from __future__ import annotations

import gzip
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from ingest.cli import main
from tests.conftest import REALDATA, SIAF_SAMPLE
from tests.ingest.helpers import query
from tests.ingest.test_contracts import CONTRACT, EXPORT

CONSULTA = REALDATA / "consulta_amigable" / "ejecucion-gasto-municipalidades-2024-2025.xlsx"
SIAF_LINES = SIAF_SAMPLE.read_bytes().split(b"\r\n")
DEVENGADO = 61  # position of MONTO_DEVENGADO in the 2026 header


@dataclass(frozen=True)
class Case:
    """A broken input: how to make it from the reader's good file, and what must happen."""

    name: str
    make: Callable[[Path], Path]  # given a folder, write the file and return its path
    error: str | None  # a fragment of the one-line error; None: the file loads
    rows: int | None = None  # rows loaded when it loads


def _siaf(edit: Callable[[list[bytes]], list[bytes]], name: str = "2026-Gasto-Diario.csv") -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(b"\r\n".join(edit(list(SIAF_LINES))))
        return path

    return make


def _raw(content: bytes, name: str) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(content)
        return path

    return make


def _field(line: bytes, position: int, value: bytes) -> bytes:
    fields = line.split(b'","')
    fields[position] = value
    return b'","'.join(fields)


def _zip(members: dict[str, bytes], name: str = "2026-Gasto.zip") -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for member, data in members.items():
                archive.writestr(member, data)
        return path

    return make


def _rename(old: bytes, new: bytes) -> Callable[[list[bytes]], list[bytes]]:
    return _header(lambda fields: [new if f == old else f for f in fields])


def _amount(value: bytes) -> Callable[[list[bytes]], list[bytes]]:
    return lambda ls: [*ls[:3], _field(ls[3], DEVENGADO, value), *ls[4:]]


def _extra_column(lines: list[bytes]) -> list[bytes]:
    return [line + (b',"EXTRA"' if i == 0 else b',"x"') for i, line in enumerate(lines[:-1])] + [b""]


def _encoded(encoding: str) -> Callable[[list[bytes]], list[bytes]]:
    return lambda lines: [line.decode().encode(encoding, "replace") for line in lines]


def _header(edit: Callable[[list[bytes]], list[bytes]]) -> Callable[[list[bytes]], list[bytes]]:
    def apply(lines: list[bytes]) -> list[bytes]:
        return [b'","'.join(edit(lines[0].split(b'","'))), *lines[1:]]

    return apply


SIAF_CASES = [
    Case("empty file", _raw(b"", "2026-Gasto-Diario.csv"), "the file is empty"),
    Case("header only", _siaf(lambda ls: [ls[0], b""]), "no data rows could be loaded"),
    Case("truncated last row", _siaf(lambda ls: [*ls[:-2], ls[-2][: len(ls[-2]) // 2]]), "looks truncated"),
    Case("truncated inside a quoted field", _siaf(lambda ls: [*ls[:-2], ls[-2][:-7]]), "looks truncated"),
    Case("wrong delimiter", _siaf(lambda ls: [line.replace(b'","', b'";"') for line in ls]), "no ',' delimiter"),
    Case("Latin-1 instead of UTF-8", _siaf(_encoded("latin-1")), "row "),
    Case("CP850 instead of UTF-8", _siaf(_encoded("cp850")), "row "),
    Case("UTF-8 BOM", _siaf(lambda ls: [b"\xef\xbb\xbf" + ls[0], *ls[1:]]), None, 127),
    Case("missing column", _siaf(lambda ls: [b'","'.join(line.split(b'","')[:-1]) + b'"' for line in ls[:-1]] + [b""]),
         "missing 1 column(s) [MONTO_GIRADO]"),
    Case("extra column", _siaf(_extra_column), "unexpected 1 column(s) [EXTRA]"),
    Case("renamed column", _siaf(_rename(b"MONTO_DEVENGADO", b"MONTO_DEVENGADO_MES")),
         "missing 1 column(s) [MONTO_DEVENGADO], unexpected 1 column(s) [MONTO_DEVENGADO_MES]"),
    Case("duplicated column name", _siaf(_rename(b"MONTO_PIM", b"MONTO_PIA")),
         "missing 1 column(s) [MONTO_PIM], unexpected 0 column(s) [], repeated 1 column(s) [MONTO_PIA]"),
    Case("non-numeric amount", _siaf(_amount(b"12O.5")), "row 3 (line 4)"),
    Case("amount with thousands separators", _siaf(_amount(b"1,234.50")), "MONTO_DEVENGADO"),
    # Loads: codes are text, so nothing is lost; the gate's pattern check reports the short code with its row.
    Case("a code that lost its leading zeros",
         _siaf(lambda ls: [*ls[:2], _field(ls[2], 18, b"902"), *ls[3:]]), None, 127),
    # Loads: the gate's range checks on mes_eje and ano_eje are critical and name the row (test_end_to_end.py).
    Case("month 13", _siaf(lambda ls: [ls[0], _field(ls[1], 1, b"13"), *ls[2:]]), None, 127),
    Case("year out of range", _siaf(lambda ls: [ls[0], _field(ls[1], 0, b'"1899'), *ls[2:]]), None, 127),
    # Loads: exact duplicates are kept in raw and reported by the gate (cross_source_rows); none is dropped.
    Case("exact duplicate rows", _siaf(lambda ls: [*ls[:3], ls[2], *ls[3:]]), None, 128),
    Case("an XLSX renamed .csv", _raw(CONSULTA.read_bytes(), "2026-Gasto-Diario.csv"), "is an XLSX workbook"),
    Case("a PDF", _raw(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "2026-Gasto-Diario.csv"), "binary content"),
    Case("a gzip", _raw(gzip.compress(SIAF_SAMPLE.read_bytes()), "2026-Gasto-Diario.csv"), "binary content"),
    Case("a zip with two CSVs", _zip({"a.csv": SIAF_SAMPLE.read_bytes(), "b.csv": SIAF_SAMPLE.read_bytes()}),
         "expected exactly one .csv inside, found 2"),
    Case("a zip whose member path escapes the folder",
         _zip({"../../escape.csv": b"\r\n".join(_amount(b"1.5")(list(SIAF_LINES)))}), None, 127),
    Case("a zip bomb", _zip({"2026-Gasto.csv": b"0" * (200 * 1024**2)}), "a zip bomb?"),
    Case("a corrupt zip", _raw(b"PK\x03\x04" + b"\x00" * 64, "2026-Gasto.zip"), "not a readable zip archive"),
]  # fmt: skip


def _export(edit: Callable[[list[str]], list[str]], encoding: str = "utf-8") -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / "recaudacion.csv"
        path.write_bytes("\n".join(edit(EXPORT.splitlines())).encode(encoding) + b"\n")
        return path

    return make


TEXT_CASES = [
    Case("empty file", _raw(b"", "recaudacion.csv"), "the file is empty"),
    Case("title rows only", _export(lambda ls: ls[:2]), "no line 3, where the contract puts the header"),
    Case("header only", _export(lambda ls: ls[:3]), "no data rows could be loaded"),
    Case("header not on the declared row", _export(lambda ls: ls[1:]), "matches no recaudacion-campanas layout"),
    Case("truncated inside a quoted field", _raw(EXPORT.encode()[: EXPORT.encode().rindex(b'"11,250')] + b'"11,2',
                                                 "recaudacion.csv"), "recaudacion.csv"),
    Case("wrong delimiter", _export(lambda ls: [line.replace(";", ",") for line in ls]), "no ';' delimiter"),
    Case("Latin-1 instead of UTF-8", _export(lambda ls: ls, "latin-1"), "not UTF-8"),
    Case("missing column", _export(lambda ls: [*ls[:2], *(line.rsplit(";", 1)[0] for line in ls[2:])]),
         "missing 1 column(s) [contribuyente]"),
    Case("duplicated column name", _export(lambda ls: [*ls[:2], ls[2].replace("asociación", "campaña"), *ls[3:]]),
         "missing 1 column(s) [asociación], unexpected 0 column(s) [], repeated 1 column(s) [campaña]"),
    Case("a date that does not exist", _export(lambda ls: [line.replace("06/03/2021", "31/02/2021") for line in ls]),
         "in column fecha_pago (fecha de pago): '31/02/2021' is not a date"),
    Case("an amount that is not one", _export(lambda ls: [line.replace('"10,000.00"', '"diez mil"') for line in ls]),
         "in column monto_pagado (monto pagado): 'diez mil' is not a number"),
    Case("an XLSX where a CSV was declared", _raw(CONSULTA.read_bytes(), "recaudacion.xlsx"), "is an XLSX workbook"),
]  # fmt: skip


def _xlsx(
    edit: Callable[[list[list[object]]], list[list[object]]], name: str = "quien-gasta.xlsx"
) -> Callable[..., Path]:
    def make(folder: Path) -> Path:
        import xlsxwriter
        from python_calamine import CalamineWorkbook

        rows = CalamineWorkbook.from_path(str(CONSULTA)).get_sheet_by_index(0).to_python()[:41]
        path = folder / name
        workbook = xlsxwriter.Workbook(str(path))
        sheet = workbook.add_worksheet("Sheet1")
        for number, row in enumerate(edit([list(r) for r in rows])):
            sheet.write_row(number, 0, row)
        workbook.close()
        return path

    return make


def _set(row: int, column: int, value: object) -> Callable[[list[list[object]]], list[list[object]]]:
    def edit(rows: list[list[object]]) -> list[list[object]]:
        rows[row][column] = value
        return rows

    return edit


XLSX_CASES = [
    Case("a good file, rewritten", _xlsx(lambda rows: rows), None, 40),
    Case("a CSV renamed .xlsx", _raw(SIAF_SAMPLE.read_bytes(), "quien-gasta.xlsx"), "is not an XLSX workbook"),
    Case("a corrupt XLSX", _raw(CONSULTA.read_bytes()[:5000], "quien-gasta.xlsx"), "quien-gasta.xlsx"),
    Case("header not on the declared row", _xlsx(lambda rows: [["EJECUCIÓN DEL GASTO"], *rows]),
         "the header on sheet row 1 (the contract's headerRows) matches no"),
    Case("header only", _xlsx(lambda rows: rows[:1]), "no data rows could be loaded"),
    Case("missing column", _xlsx(lambda rows: [r[:-1] for r in rows]), "missing 1 column(s) [Avance %]"),
    Case("renamed column", _xlsx(_set(0, 9, "Devengado Acumulado")), "unexpected 1 column(s) [Devengado Acumulado]"),
    Case("an amount that is not one", _xlsx(_set(5, 9, "78,7O1,528")), "sheet row 6: in column monto_devengado"),
    Case("a fused cell without its code", _xlsx(_set(7, 3, "MUNICIPALIDAD SIN CODIGO")),
         "sheet row 8: in column ubigeo"),
    Case("cells beyond the header", _xlsx(lambda rows: [*rows[:3], [*rows[3], "", "nota suelta"], *rows[4:]]),
         "sheet row 4: 1 non-empty cell(s) beyond the 12-column header"),
    Case("blank rows in the middle", _xlsx(lambda rows: [*rows[:10], [None] * 12, *rows[10:]]), None, 40),
]  # fmt: skip


@pytest.fixture
def recaudacion(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "contracts"
    folder.mkdir()
    (folder / "recaudacion-campanas.yaml").write_text(CONTRACT, encoding="utf-8")
    monkeypatch.setenv("CONTRACTS_PATH", str(folder))


def _run(source: str, case: Case, folder: Path, warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = {"siaf-gasto": "siaf_gasto", "recaudacion-campanas": "recaudacion_campanas"}.get(
        source, "consulta_amigable_municipalidades"
    )
    before = query(warehouse, f"select _load_id, count(*) from raw.{table} group by 1")
    capsys.readouterr()
    path = case.make(folder)
    status = main(["load", source, str(path)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    if case.error is None:
        assert status == 0, err
        (loaded,) = query(warehouse, "select rows_loaded from ops.load_log order by load_id desc limit 1")[0]
        assert loaded == case.rows
        return
    assert status == 1, out
    lines = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, err
    assert path.name in lines[0] and case.error in lines[0], lines[0]
    assert query(warehouse, f"select _load_id, count(*) from raw.{table} group by 1") == before
    assert query(warehouse, "select status from ops.load_log order by load_id desc limit 1") == [("failed",)]


def _ids(source: str) -> Callable[[Case], str]:
    """Test ids read ``<source>-<case>`` (as in test_bad_input_every_source.py), for the per-source counts."""
    return lambda case: f"{source}-{case.name.replace(' ', '-')}"


@pytest.mark.parametrize("case", SIAF_CASES, ids=_ids("siaf-gasto"))
def test_siaf_csv_reader(case: Case, warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["load", "siaf-gasto", str(SIAF_SAMPLE)]) == 0  # the last good data, which a bad file must not touch
    folder = tmp_path / "in"
    folder.mkdir()
    _run("siaf-gasto", case, folder, warehouse, capsys)
    landing = warehouse / "landing"
    assert all(landing in p.parents for p in landing.rglob("*")) if landing.exists() else True
    assert not (tmp_path / "escape.csv").exists()


@pytest.mark.parametrize("case", TEXT_CASES, ids=_ids("recaudacion-campanas"))
def test_text_staged_csv_reader(
    case: Case, recaudacion: None, warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.csv"
    good.write_text(EXPORT, encoding="utf-8")
    assert main(["load", "recaudacion-campanas", str(good)]) == 0
    folder = tmp_path / "in"
    folder.mkdir()
    _run("recaudacion-campanas", case, folder, warehouse, capsys)


@pytest.mark.parametrize("case", XLSX_CASES, ids=_ids("consulta-amigable-municipalidades"))
def test_xlsx_reader(case: Case, warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = _xlsx(lambda rows: rows[:21], "good.xlsx")(tmp_path)  # 20 rows; the cases have 40
    assert main(["load", "consulta-amigable-municipalidades", str(good)]) == 0
    folder = tmp_path / "in"
    folder.mkdir()
    _run("consulta-amigable-municipalidades", case, folder, warehouse, capsys)


def test_the_corpus_has_at_least_thirty_cases() -> None:
    assert len(SIAF_CASES) + len(TEXT_CASES) + len(XLSX_CASES) >= 30
