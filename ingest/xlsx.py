"""Read an XLSX sheet into a DuckDB stage table, streaming rows in batches (python-calamine, no openpyxl, no pandas).

calamine holds the sheet's cells once (in Rust); rows are turned into text one batch at a time and inserted into a
stage table of VARCHAR columns plus ``_source_row``, the sheet row number as Excel shows it. Typing and parsing then
run in DuckDB SQL like for any text-staged source (:mod:`ingest.parsers`).

Cells become text as their value reads: an integral number without its ``.0`` (``2024.0`` → ``2024``), other numbers
in Python's shortest round-trip form (``4878782.1399999997`` → ``4878782.14``), dates and times in ISO 8601, booleans
``true``/``false``; an empty cell is NULL.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.contracts import Dialect
from ingest.errors import LayoutError, NotCsvError

if TYPE_CHECKING:
    import duckdb

log = logging.getLogger(__name__)

BATCH_ROWS = 20_000


@dataclass
class SheetStats:
    """What streaming a sheet found: data rows staged, blank rows skipped, rows with cells beyond the header."""

    rows_staged: int = 0
    last_row: int = 0  # sheet row number of the last row seen
    blank_rows: list[int] = field(default_factory=list)
    overflow_rows: list[tuple[int, str]] = field(default_factory=list)  # (sheet row, reason)


def cell_text(value: Any) -> str | None:
    """Return a cell's value as text (None for an empty cell)."""
    if type(value) is str:  # the common case first (InfObras writes every cell as text)
        return value or None
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value) and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != time(0) else value.date().isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def open_sheet(path: Path, dialect: Dialect) -> Any:
    """Return the contract's sheet of the workbook at ``path``, parsed once (calamine holds its cells in Rust).

    Raises :class:`NotCsvError` for a file that is not a readable workbook (or whose sheet is damaged) and
    :class:`LayoutError` for a missing sheet. Pass the result to :func:`read_header` and :func:`stage` so the sheet
    is parsed only once.
    """
    return _open(path, dialect)


def _open(path: Path, dialect: Dialect) -> Any:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for corrupt or non-workbook files
        raise NotCsvError(f"{path}: not a readable XLSX workbook ({type(exc).__name__}: {exc})") from exc
    try:
        if dialect.sheet_name is not None:
            return workbook.get_sheet_by_name(dialect.sheet_name)
        return workbook.get_sheet_by_index(dialect.sheet_number - 1)
    except Exception as exc:
        wanted = repr(dialect.sheet_name) if dialect.sheet_name is not None else f"number {dialect.sheet_number}"
        names = workbook.sheet_names
        if dialect.sheet_name in names or (dialect.sheet_name is None and dialect.sheet_number <= len(names)):
            # the sheet is listed but its XML cannot be parsed: a damaged file, not a wrong sheet
            raise NotCsvError(
                f"{path}: not a readable XLSX workbook: sheet {wanted} is listed but cannot be read "
                f"({type(exc).__name__}: {exc})"
            ) from exc
        raise LayoutError(
            f"{path}: the contract reads sheet {wanted}, but the workbook has {workbook.sheet_names}"
        ) from exc


def _rows(sheet: Any) -> Iterator[tuple[int, list[Any]]]:
    """Yield (sheet row number, cells) for every row of the sheet's used range."""
    first = sheet.start[0] + 1 if sheet.start else 1
    for offset, row in enumerate(sheet.iter_rows()):
        yield first + offset, row


def read_header(path: Path, dialect: Dialect, sheet: Any = None) -> list[str]:
    """Return the header names on the contract's header row (rows above it are titles and are skipped)."""
    sheet = sheet if sheet is not None else _open(path, dialect)
    for number, row in _rows(sheet):
        if number == dialect.header_row:
            names = [cell_text(v) or "" for v in row]
            while names and names[-1] == "":
                names.pop()
            if not any(names):
                raise LayoutError(f"{path}: sheet row {number}, where the contract puts the header, is empty")
            return names
    raise LayoutError(
        f"{path}: the sheet has no row {dialect.header_row}, where the contract puts the header "
        f"(it ends at row {sheet.start[0] + sheet.height if sheet.start else 0})"
    )


def stage(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    dialect: Dialect,
    header: list[str],
    table: str,
    sheet: Any = None,
    keep: list[int] | None = None,
) -> SheetStats:
    """Create ``table`` (``_source_row`` + a VARCHAR column ``c<i>`` per kept header cell ``i``, 1-based) from the
    sheet's data rows. ``keep`` lists the 0-based header positions the contract reads (default: all); the others
    are neither converted nor staged, but a row with any non-empty cell still counts as a data row."""
    import pandas as pd

    width = len(header)
    kept = list(range(width)) if keep is None else sorted(keep)
    columns = [f"c{i + 1}" for i in kept]
    con.execute(f"create table {table} (_source_row BIGINT, {', '.join(f'{c} VARCHAR' for c in columns)})")
    sheet = sheet if sheet is not None else _open(path, dialect)
    stats = SheetStats()
    batch: list[list[Any]] = []

    def flush() -> None:
        if not batch:
            return
        frame = pd.DataFrame(batch, columns=["_source_row", *columns], dtype=object)
        con.register("xlsx_batch", frame)
        try:
            con.execute(f"insert into {table} select * from xlsx_batch")
        finally:
            con.unregister("xlsx_batch")
        stats.rows_staged += len(batch)
        batch.clear()

    for number, row in _rows(sheet):
        stats.last_row = number
        if number <= dialect.header_row:
            continue
        if all(v is None or v == "" for v in row):
            stats.blank_rows.append(number)
            continue
        extra = [v for v in row[width:] if v is not None and v != ""]
        if extra:
            stats.overflow_rows.append((number, f"{len(extra)} non-empty cell(s) beyond the {width}-column header"))
            continue
        batch.append([number, *(cell_text(row[i]) if i < len(row) else None for i in kept)])
        if len(batch) >= BATCH_ROWS:
            flush()
            log.debug("%s: %d rows staged", path.name, stats.rows_staged)
    flush()
    return stats
