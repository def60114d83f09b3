"""Every source's reader, header and format faults: each active contract by the cases that need no source-specific
good file.

Each source's minimal good file is built from its contract alone (title rows, the declared header in the first
layout's order, the delimiter and quoting, two data rows with a valid value for every field's type and parser, the
declared junk rows; an XLSX through xlsxwriter on the declared sheet) and loaded once to prove it is good. Then each
case (an empty file, a header only, a missing, renamed, extra or repeated column, a wrong delimiter, Latin-1, a BOM,
a last row or a quoted field cut short, the other format under the right name, a corrupt workbook, an HTML error page,
a zip holding two files) runs through ``python -m ingest load`` against the same warehouse: exit status 1, one
``error:`` line naming the file and the problem, no traceback, the raw table unchanged and the attempt logged
``failed``; or, where the contract allows it (a BOM, an extra column under ``fieldsMatch: subset``), a load of every
row. Sources come from ``ingest.contracts.registry()``, so a new contract is covered with no edit here. Test ids read
``<source>-<case>``.

Value faults that depend on a source's own data (codes, dates, amounts) are in test_bad_input_corpus.py.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest

from ingest.cli import main
from ingest.contracts import Field, Source, registry

SOURCES = [registry().sources[name] for name in sorted(registry().sources)]
ROWS = 2  # data rows in each good file
EXTRA = "COLUMNA EXTRA"
# Cells for fields with parser: extract (fused 'code: name' cells, codes written as floats): the first one that every
# extract reading a header matches is used. A contract whose extract matches none of them fails here: add one.
EXTRACT_SAMPLES = ("2480997", "01: AMAZONAS", "0101: CHACHAPOYAS", "010101-300001: MUNICIPALIDAD PROVINCIAL DE PUNO")
HTML = (
    '<!DOCTYPE html>\n<html lang="es">\n<head><meta charset="utf-8"><title>503 Servicio no disponible</title>'
    "</head>\n<body><h1>Servicio no disponible</h1><p>Intente más tarde.</p></body>\n</html>\n"
).encode()


# --- the good file, from the contract ------------------------------------------------------------------------------


def _number(f: Field, row: int) -> str:
    if f.sql_type in ("SMALLINT", "INTEGER", "BIGINT"):
        return str(2020 + row)
    whole = f"{row}{f.group_char}250" if f.group_char else f"{row}250"
    return f"{whole}{f.decimal_char}5{row}"


def _value(f: Field, row: int) -> str:
    """Return a cell text that ``f``'s parser (or cast) reads, for data row ``row`` (1-based)."""
    if f.parser == "number":
        return _number(f, row)
    if f.parser in ("date", "yearmonth"):
        fmt = f.formats[0]
        if fmt == "excel":
            return str(45000 + row)
        if fmt == "MON-%Y":
            return f"ABR-202{row}"
        return date(2024, 3, row).strftime(fmt)
    if f.sql_type in ("SMALLINT", "INTEGER", "BIGINT"):
        return str(2020 + row)
    if f.sql_type.startswith(("DECIMAL", "DOUBLE")):
        return f"{row}250.5"
    if f.sql_type == "DATE":
        return date(2024, 3, row).isoformat()
    if f.sql_type == "BOOLEAN":
        return "true"
    if f.personal:
        return f"Persona Inventada {row}"
    return f"CAÑETE {row}"  # not ASCII: a file re-encoded as Latin-1 must differ from the good one


def _fused(source: Source, header: str) -> str | None:
    """Return the sample cell every extract field reading ``header`` reads, or None if none does."""
    patterns = [f.extract for f in source.fields if f.header == header and f.parser == "extract"]
    for sample in EXTRACT_SAMPLES:
        if all((m := re.search(p, sample)) and m.group(1) for p in patterns if p):
            return sample
    return None


def _header(source: Source) -> list[str]:
    return list(dict.fromkeys(c.source_name for c in source.layouts[0].columns if c.source_name is not None))


def _rows(source: Source) -> list[list[str]]:
    """Return the data rows of the good file, in header order."""
    by_header = {}
    for f in source.fields:
        by_header.setdefault(f.header, f)
    rows = []
    for row in range(1, ROWS + 1):
        cells = []
        for name in _header(source):
            f = by_header[name]
            if f.parser == "extract":
                sample = _fused(source, name)
                assert sample is not None, f"{source.path.name}: no EXTRACT_SAMPLES cell matches header {name!r}"
                cells.append(sample)
            else:
                cells.append(_value(f, row))
        rows.append(cells)
    return rows


@dataclass(frozen=True)
class Table:
    """A file's content before it is written: title rows, header, data rows, junk rows (cells as text)."""

    titles: list[list[str]]
    header: list[str]
    rows: list[list[str]]
    junk: list[list[str]]

    @staticmethod
    def good(source: Source) -> Table:
        titles = [[f"REPORTE DE PRUEBA (línea de título {i})"] for i in range(1, source.dialect.header_row)]
        junk = [["TOTAL", *([""] * (len(_header(source)) - 1))] for _ in range(source.dialect.junk_rows_at_end)]
        return Table(titles, _header(source), _rows(source), junk)


def _file_name(source: Source, suffix: str | None = None) -> str:
    return f"{source.table}-prueba.{suffix or source.format}"


def write_csv(source: Source, table: Table, path: Path, delimiter: str | None = None) -> Path:
    """Write ``table`` as the source's CSV: every field quoted, CRLF for MEF's quote-all files, LF otherwise."""
    dialect = source.dialect
    sep, quote = delimiter or dialect.delimiter, dialect.quote
    newline = "\r\n" if dialect.quote_all else "\n"

    def line(cells: list[str]) -> str:
        return sep.join(quote + c.replace(quote, quote * 2) + quote for c in cells)

    lines = [t[0] for t in table.titles] + [line(r) for r in [table.header, *table.rows, *table.junk]]
    path.write_bytes((newline.join(lines) + newline).encode("utf-8"))
    return path


def write_xlsx(source: Source, table: Table, path: Path) -> Path:
    """Write ``table`` on the contract's sheet (by name, or number: sheets before it are left empty)."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path))
    for number in range(1, source.dialect.sheet_number):
        workbook.add_worksheet(f"Hoja{number}")
    sheet = workbook.add_worksheet(source.dialect.sheet_name or f"Hoja{source.dialect.sheet_number}")
    for number, row in enumerate([*table.titles, table.header, *table.rows, *table.junk]):
        sheet.write_row(number, 0, [c or None for c in row])
    workbook.close()
    return path


def write(source: Source, table: Table, folder: Path, name: str | None = None) -> Path:
    path = folder / (name or _file_name(source))
    return write_xlsx(source, table, path) if source.format == "xlsx" else write_csv(source, table, path)


# --- the cases -----------------------------------------------------------------------------------------------------

LOADS = None  # a case's outcome: the file loads every row


@dataclass(frozen=True)
class Case:
    """A fault: which formats it applies to, how to make it from the source's good table, and what must happen."""

    name: str
    formats: tuple[str, ...]
    make: Callable[[Source, Table, Path], Path]
    error: Callable[[Source], str | None]  # a fragment of the one error line, or LOADS


def _edit(edit: Callable[[Source, Table], Table]) -> Callable[[Source, Table, Path], Path]:
    return lambda source, table, folder: write(source, edit(source, table), folder)


def _bytes(edit: Callable[[Source, bytes], bytes], suffix: str | None = None) -> Callable[[Source, Table, Path], Path]:
    def make(source: Source, table: Table, folder: Path) -> Path:
        good = write(source, table, folder, "good-copy." + source.format).read_bytes()
        path = folder / _file_name(source, suffix)
        path.write_bytes(edit(source, good))
        return path

    return make


def _columns(edit: Callable[[list[str]], list[str]]) -> Callable[[Source, Table], Table]:
    def apply(source: Source, table: Table) -> Table:
        return Table(table.titles, edit(table.header), [edit(r) for r in table.rows], [edit(r) for r in table.junk])

    return apply


def _missing(source: Source) -> str:
    return f"missing 1 column(s) [{_header(source)[-1]}]"


def _renamed(source: Source) -> str:
    last = _header(source)[-1]
    return f"missing 1 column(s) [{last}], unexpected 1 column(s) [{last} (2)]"


def _repeated(source: Source) -> str:
    header = _header(source)
    return f"missing 1 column(s) [{header[-1]}], unexpected 0 column(s) [], repeated 1 column(s) [{header[0]}]"


def _other_format(source: Source, table: Table, folder: Path) -> Path:
    """An XLSX renamed .csv for a CSV source; a CSV renamed .xlsx for an XLSX source."""
    path = folder / _file_name(source)
    if source.format == "xlsx":
        return write_csv(source, table, path)
    return write_xlsx(source, table, path)


def _zip_of_two(source: Source, table: Table, folder: Path) -> Path:
    good = write(source, table, folder, "good-copy." + source.format).read_bytes()
    path = folder / _file_name(source, f"{source.format}.zip")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"parte-1.{source.format}", good)
        archive.writestr(f"parte-2.{source.format}", good)
    return path


def _cut_last_row(source: Source, data: bytes) -> bytes:
    body = data.rstrip(b"\r\n")
    last = body.rfind(b"\n") + 1
    return body[: last + (len(body) - last) // 2]


def _cut_in_quoted_field(source: Source, table: Table, folder: Path) -> Path:
    """The file cut inside the last data row's last quoted field (junk rows at the end were never written)."""
    path = write_csv(source, Table(table.titles, table.header, table.rows, []), folder / _file_name(source))
    body = path.read_bytes().rstrip(b"\r\n")
    opening = body.rfind(source.dialect.quote.encode(), 0, len(body) - 1)
    path.write_bytes(body[: opening + 3])
    return path


def _corrupt_xlsx(source: Source, table: Table, folder: Path) -> Path:
    """A workbook whose zip is whole but whose sheets' XML is cut in half."""
    good = write_xlsx(source, table, folder / "good-copy.xlsx")
    path = folder / _file_name(source)
    with zipfile.ZipFile(good) as old, zipfile.ZipFile(path, "w") as new:
        for member in old.infolist():
            data = old.read(member)
            new.writestr(member, data[: len(data) // 2] if member.filename.startswith("xl/worksheets/") else data)
    return path


def _latin1(source: Source, data: bytes) -> bytes:
    return data.decode("utf-8").encode("latin-1")


CASES = [
    Case("empty-file", ("csv", "xlsx"), _bytes(lambda s, d: b""),
         lambda s: "the file is empty" if s.format == "csv" else "is not an XLSX workbook"),
    Case("header-only", ("csv", "xlsx"), _edit(lambda s, t: Table(t.titles, t.header, [], [])),
         lambda s: "no data rows could be loaded"),
    Case("missing-column", ("csv", "xlsx"), _edit(_columns(lambda cells: cells[:-1])), _missing),
    Case("renamed-column", ("csv", "xlsx"),
         _edit(lambda s, t: Table(t.titles, [*t.header[:-1], f"{t.header[-1]} (2)"], t.rows, t.junk)), _renamed),
    Case("extra-column", ("csv", "xlsx"),
         _edit(lambda s, t: Table(t.titles, [*t.header, EXTRA], [[*r, "x"] for r in t.rows],
                                  [[*r, ""] for r in t.junk])),
         lambda s: LOADS if s.fields_match == "subset" else f"unexpected 1 column(s) [{EXTRA}]"),
    Case("duplicated-column", ("csv", "xlsx"),
         _edit(lambda s, t: Table(t.titles, [*t.header[:-1], t.header[0]], t.rows, t.junk)), _repeated),
    Case("wrong-delimiter", ("csv",),
         lambda s, t, folder: write_csv(s, t, folder / _file_name(s), ";" if s.dialect.delimiter == "," else ","),
         lambda s: f"line {s.dialect.header_row} has no '{s.dialect.delimiter}' delimiter"),
    # Latin-1 in the header is refused before reading; in data rows each row is rejected as not UTF-8
    Case("latin-1", ("csv",), _bytes(_latin1), lambda s: "not utf-8"),
    Case("utf-8-bom", ("csv",), _bytes(lambda s, d: b"\xef\xbb\xbf" + d), lambda s: LOADS),
    Case("truncated-last-row", ("csv",), _bytes(_cut_last_row), lambda s: "looks truncated"),
    Case("truncated-in-quoted-field", ("csv",), _cut_in_quoted_field, lambda s: "looks truncated"),
    Case("other-format", ("csv", "xlsx"), _other_format,
         lambda s: "is an XLSX workbook" if s.format == "csv" else "is not an XLSX workbook"),
    Case("corrupt-xlsx", ("xlsx",), _corrupt_xlsx, lambda s: "not a readable XLSX workbook"),
    Case("html-error-page", ("csv", "xlsx"), _bytes(lambda s, d: HTML),
         lambda s: "an HTML page" if s.format == "csv" else "is not an XLSX workbook"),
    Case("zip-with-two-files", ("csv", "xlsx"), _zip_of_two, lambda s: "expected exactly one .csv inside, found"),
]  # fmt: skip

PARAMS = [
    pytest.param(source, case, id=f"{source.name}-{case.name}")
    for source in SOURCES
    for case in CASES
    if source.format in case.formats
]


# --- running them --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def warehouses() -> dict[str, tuple[Path, list[tuple]]]:
    """Per source, a warehouse with its good file loaded and its raw table's state (made by its first case)."""
    return {}


def _load(source: Source, path: Path, warehouse: Path) -> int:
    return main(["load", source.name, str(path), "--warehouse-dir", str(warehouse)])


def _state(source: Source, warehouse: Path) -> tuple[list[tuple], tuple]:
    """Return the raw table's rows per load and the last ``ops.load_log`` row (one read-only connection)."""
    con = duckdb.connect(str(warehouse / "monitoring.duckdb"), read_only=True)
    try:
        rows = con.execute(f"select _load_id, count(*) from raw.{source.table} group by 1 order by 1").fetchall()
        last = con.execute(
            "select status, rows_read, rows_loaded, message from ops.load_log order by load_id desc limit 1"
        ).fetchone()
        return rows, last
    finally:
        con.close()


def _good_warehouse(
    source: Source,
    warehouses: dict[str, tuple[Path, list[tuple]]],
    factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
) -> tuple[Path, list[tuple]]:
    if source.name not in warehouses:
        base = factory.mktemp(source.table)
        warehouse = base / "warehouse"
        warehouse.mkdir()
        status = _load(source, write(source, Table.good(source), base), warehouse)
        assert status == 0, f"the good file built from {source.path.name} does not load:\n{capsys.readouterr().err}"
        rows, last = _state(source, warehouse)
        assert last[:3] == ("loaded", ROWS, ROWS)
        warehouses[source.name] = warehouse, rows
    return warehouses[source.name]


@pytest.mark.parametrize(("source", "case"), PARAMS)
def test_fault(
    source: Source,
    case: Case,
    warehouses: dict[str, tuple[Path, list[tuple]]],
    tmp_path_factory: pytest.TempPathFactory,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    warehouse, before = _good_warehouse(source, warehouses, tmp_path_factory, capsys)
    capsys.readouterr()
    path = case.make(source, Table.good(source), tmp_path)
    status = _load(source, path, warehouse)
    out, err = capsys.readouterr()
    rows, last = _state(source, warehouse)
    assert "Traceback" not in out + err
    expected = case.error(source)
    if expected is LOADS:
        assert status == 0, err
        assert last[:3] == ("loaded", ROWS, ROWS)  # every row: none lost
        assert sum(n for _, n in rows) == ROWS
        if case.name == "extra-column":
            assert EXTRA in last[3] and EXTRA in out  # named in the load log and the command's output
        warehouses[source.name] = warehouse, rows
        return
    assert status == 1, out
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, err
    assert path.name in errors[0] and expected.lower() in errors[0].lower(), errors[0]
    assert rows == before  # no partial load
    assert last[0] == "failed"


def test_every_active_source_gets_every_case_of_its_format() -> None:
    cases = dict.fromkeys(registry().sources, 0)
    for source, _ in (p.values for p in PARAMS):
        cases[source.name] += 1
    for source in SOURCES:
        assert cases[source.name] == sum(source.format in c.formats for c in CASES) >= 10, source.name


JUNK_UNQUOTED = [s for s in SOURCES if s.format == "csv" and s.dialect.junk_rows_at_end and not s.dialect.quote_all]


@pytest.mark.parametrize("source", JUNK_UNQUOTED, ids=lambda s: f"{s.name}-cut-in-last-unquoted-field")
def test_a_cut_file_whose_junk_rows_went_with_the_cut_is_refused(
    source: Source, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file cut inside its last data row's last (unquoted) field loses the junk rows at its end; its cells still
    parse, so only the missing line break says it was cut. The loader must not take that row for the junk row."""
    table = Table.good(source)
    sep = source.dialect.delimiter
    lines = [t[0] for t in table.titles] + [sep.join(r) for r in [table.header, *table.rows]]
    path = tmp_path / _file_name(source)
    path.write_bytes("\n".join(lines)[:-2].encode())  # the last two characters of the last value go
    warehouse = tmp_path / "warehouse"
    status = _load(source, path, warehouse)
    err = capsys.readouterr().err
    assert status == 1 and "looks truncated" in err
