"""Helpers for loader tests: read the real sample independently of the loader, and write edited copies of it."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    """Return the header and data rows of a CSV with Python's csv module (the loader's reader is DuckDB's)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def edited_copy(source: Path, target: Path, edit: callable) -> Path:
    """Write ``target`` as ``source``'s bytes with ``edit(lines)`` applied to its CRLF-separated lines."""
    lines = source.read_bytes().split(b"\r\n")
    target.write_bytes(b"\r\n".join(edit(lines)))
    return target


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Run a read-only query against the working database and close it again."""
    con = duckdb.connect(str(warehouse / "monitoring.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def records(database: Path, sql: str, params: list | None = None) -> list[dict]:
    """Run a read-only query against a DuckDB file (working or published) and return its rows as dicts."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        cursor = con.execute(sql, params or [])
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()
