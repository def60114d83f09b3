"""Bad input gets a clear error naming file, row and problem, and the warehouse keeps its last good data."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from ingest.errors import (
    FetchError,
    LayoutError,
    NotCsvError,
    ReconciliationError,
    RejectLimitError,
    TruncatedFileError,
)
from ingest.load import load
from tests.ingest.helpers import edited_copy, query, read_rows

DEVENGADO = 61  # 0-based position of MONTO_DEVENGADO in the 2026 header


def _set_field(line: bytes, position: int, value: bytes) -> bytes:
    fields = line.split(b'","')
    fields[position] = value
    return b'","'.join(fields)


def _state(warehouse: Path) -> list[tuple]:
    return query(warehouse, "select _source_sha256, count(*), sum(monto_devengado) from raw.siaf_gasto group by 1")


@pytest.fixture
def loaded(siaf_sample: Path, warehouse: Path) -> list[tuple]:
    """A warehouse holding the real sample: the 'last good data' bad loads must not touch."""
    load("siaf-gasto", str(siaf_sample))
    return _state(warehouse)


def test_non_numeric_amount_is_refused_by_default(siaf_sample: Path, warehouse: Path, loaded, tmp_path) -> None:
    bad = edited_copy(
        siaf_sample, tmp_path / "bad.csv", lambda ls: [*ls[:5], _set_field(ls[5], DEVENGADO, b"12O.5"), *ls[6:]]
    )
    with pytest.raises(RejectLimitError) as error:
        load("siaf-gasto", str(bad))
    message = str(error.value)
    assert "bad.csv" in message and "row 5 (line 6)" in message and "monto_devengado".upper() in message.upper()
    assert "12O.5" in message
    assert _state(warehouse) == loaded
    status, read, rejected = query(
        warehouse, "select status, rows_read, rows_rejected from ops.load_log where load_id = 2"
    )[0]
    assert (status, read, rejected) == ("failed", 127, 1)
    assert query(warehouse, "select source_row, raw_text like '%12O.5%' from ops.rejects") == [(5, True)]


def test_allowed_rejects_load_and_rows_still_trace_to_the_file(siaf_sample: Path, warehouse: Path, tmp_path) -> None:
    # Rows 5 and 6 rejected and a blank line after row 40: every loaded row must still name its own file row.
    def edit(lines: list[bytes]) -> list[bytes]:
        lines = list(lines)
        lines[5] = _set_field(lines[5], DEVENGADO, b"n/a")
        lines[6] = _set_field(lines[6], 0, b'"20x6')
        return [*lines[:41], b"", *lines[41:]]

    bad = edited_copy(siaf_sample, tmp_path / "rejects.csv", edit)
    result = load("siaf-gasto", str(bad), max_rejects=2)
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == (
        "loaded_with_rejects",
        127,
        125,
        2,
    )
    assert query(warehouse, "select source_row from ops.rejects order by 1") == [(5,), (6,)]
    _, rows = read_rows(siaf_sample)
    by_row = dict(query(warehouse, "select _source_row, finalidad || '|' || monto_girado from raw.siaf_gasto"))
    # File rows after the blank line (line 42) sit one line lower: row numbers count data lines of the edited file.
    file_rows = {n: r for n, r in enumerate(rows, start=1)}
    expected = {}
    for n, row in file_rows.items():
        if n in (5, 6):
            continue
        expected[n if n <= 40 else n + 1] = row
    assert sorted(by_row) == sorted(expected)
    for n, row in expected.items():
        finalidad, girado = by_row[n].split("|")
        assert finalidad == row[33] and float(girado) == float(row[62]), n


def _cut_points(data: bytes) -> list[int]:
    middle = len(data) // 2
    after_quote = data.index(b'","', middle) + 1  # ends on a closing quote, fields missing
    inside_field = data.index(b'","', middle) - 2  # ends inside a quoted field
    after_delimiter = data.index(b'","', middle) + 2  # ends on a delimiter: the last field reads as empty
    return [middle, after_quote, inside_field, after_delimiter]


@pytest.mark.parametrize("which", range(4))
def test_truncated_file_is_refused(which: int, siaf_sample: Path, warehouse: Path, loaded, tmp_path) -> None:
    data = siaf_sample.read_bytes()
    cut = tmp_path / "truncated.csv"
    cut.write_bytes(data[: _cut_points(data)[which]])
    with pytest.raises(TruncatedFileError, match=r"truncated.csv: the file ends in the middle of row \d+"):
        load("siaf-gasto", str(cut))
    assert _state(warehouse) == loaded


def test_wrong_header_lists_missing_and_unexpected(siaf_sample: Path, warehouse: Path, loaded, tmp_path) -> None:
    bad = edited_copy(
        siaf_sample, tmp_path / "header.csv", lambda ls: [ls[0].replace(b'"META_NOMBRE"', b'"META_NAME"'), *ls[1:]]
    )
    with pytest.raises(LayoutError) as error:
        load("siaf-gasto", str(bad))
    assert "missing 1 column(s) [META_NOMBRE]" in str(error.value)
    assert "unexpected 1 column(s) [META_NAME]" in str(error.value)
    assert "gasto-diario-2026" in str(error.value)
    assert _state(warehouse) == loaded


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "the file is empty"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "binary content"),
        (b"\x00\x01\x02garbage", "binary content"),
        (b"<!DOCTYPE html><html><body>Mantenimiento</body></html>\n", "no ',' delimiter"),
        (b"ANO_EJE;MES_EJE\n2026;5\n", "no ',' delimiter"),
        (b'"ANO_EJE","MES_\xe9JE"\n', "not UTF-8"),
    ],
)
def test_not_a_csv(content: bytes, problem: str, warehouse: Path, loaded, tmp_path) -> None:
    path = tmp_path / "input.csv"
    path.write_bytes(content)
    with pytest.raises(NotCsvError, match=problem):
        load("siaf-gasto", str(path))
    assert _state(warehouse) == loaded
    status, sha256 = query(warehouse, "select status, sha256 from ops.load_log order by load_id desc limit 1")[0]
    assert (status, sha256) == ("failed", hashlib.sha256(content).hexdigest())


def test_missing_file(warehouse: Path) -> None:
    with pytest.raises(FetchError, match="no such file"):
        load("siaf-gasto", "/nonexistent/2026-Gasto-Diario.csv")


def test_a_row_the_reader_would_skip_is_not_lost_silently(siaf_sample: Path, warehouse: Path, tmp_path) -> None:
    # A row of only delimiters' worth of nothing: DuckDB reads it as a row of missing columns (rejected), so the
    # reconciliation holds; the check exists for rows a reader drops without a word.
    bad = edited_copy(siaf_sample, tmp_path / "short.csv", lambda ls: [*ls[:3], b'"2026"', *ls[3:]])
    with pytest.raises((RejectLimitError, ReconciliationError), match="row 3"):
        load("siaf-gasto", str(bad))


def test_a_second_writer_gets_a_clear_error(siaf_sample: Path, warehouse: Path, loaded) -> None:
    import subprocess
    import sys

    from ingest.errors import WarehouseBusyError

    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True);"
         " time.sleep(30)", str(warehouse / "monitoring.duckdb")],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(WarehouseBusyError, match="in use by another process"):
            load("siaf-gasto", str(siaf_sample), force=True)
    finally:
        holder.kill()
        holder.wait()
    assert _state(warehouse) == loaded
