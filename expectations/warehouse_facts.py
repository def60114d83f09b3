"""What the auditor's report says about the warehouse besides the checks: rows per table, the source files whose rows
are in it now, their rejected rows (reasons and row numbers only), and the tables no suite checks.

Read with a plain DuckDB connection the caller opens after Great Expectations has closed its own. Nothing here ever
selects ``ops.rejects.raw_text``: it holds whole source lines, and municipal sources carry taxpayers' names.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

# Schemas whose tables and views should each have a suite: what is loaded and what is published.
AUDITED_SCHEMAS = ("raw", "marts")
MAX_REJECTS_SHOWN = 20
MAX_REASON_CHARS = 300


def quote_table(qualified: str) -> str:
    """Return ``schema.table`` as a quoted SQL identifier (``"schema"."table"``)."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in qualified.split(".", 1))


def table_row_counts(con: duckdb.DuckDBPyConnection, tables: Iterable[str]) -> dict[str, int | None]:
    """Return the row count of each ``schema.table`` (None when it cannot be counted, e.g. it does not exist)."""
    counts: dict[str, int | None] = {}
    for table in dict.fromkeys(tables):
        try:
            row = con.execute(f"select count(*) from {quote_table(table)}").fetchone()
        except Exception:  # a missing table is already a suite error; here it only has no count
            counts[table] = None
        else:
            counts[table] = int(row[0]) if row else None
    return counts


def view_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Return ``schema.view`` of every view of the warehouse (a count of one computes it)."""
    rows = con.execute(
        "select schema_name, view_name from duckdb_views() where database_name = current_database() and not internal"
    ).fetchall()
    return {f"{schema}.{name}" for schema, name in rows}


def unchecked_tables(con: duckdb.DuckDBPyConnection, checked: Iterable[str]) -> list[str]:
    """Return the tables and views of :data:`AUDITED_SCHEMAS` that no suite of this run checked."""
    schemas = ", ".join(f"'{schema}'" for schema in AUDITED_SCHEMAS)
    present = [
        f"{schema}.{name}"
        for schema, name in con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = current_database()"
            f" and schema_name in ({schemas}) union select schema_name, view_name from duckdb_views()"
            f" where database_name = current_database() and schema_name in ({schemas}) and not internal order by 1, 2"
        ).fetchall()
    ]
    done = {table.lower() for table in checked}
    return [table for table in present if table.lower() not in done]


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    row = con.execute(
        "select count(*) from duckdb_tables() where database_name = current_database()"
        " and schema_name = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(row and row[0])


def current_source_files(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Return the loads whose rows are in the raw views now (``ops.current_partitions``), with their file facts."""
    if not (_has_table(con, "ops", "load_log") and _has_table(con, "ops", "current_partitions")):
        return []
    rows = con.execute(
        """
        select l.load_id, l.source, l.location, l.sha256, l.container_sha256, l.bytes, l.layout, l.rows_read,
               l.rows_loaded, l.rows_rejected, list(c.partition_value order by c.partition_value) as partitions,
               l.status, l.started_at, l.finished_at
        from ops.load_log l join ops.current_partitions c on c.load_id = l.load_id
        group by all order by l.source, l.load_id
        """
    ).fetchall()
    columns = [
        "load_id",
        "source",
        "location",
        "sha256",
        "container_sha256",
        "bytes",
        "layout",
        "rows_read",
        "rows_loaded",
        "rows_rejected",
        "partitions",
        "status",
        "started_at",
        "loaded_at",
    ]
    files = []
    for row in rows:
        item = dict(zip(columns, row, strict=True))
        for key in ("started_at", "loaded_at"):
            item[key] = item[key].isoformat() if item[key] is not None else None
        files.append(item)
    return files


def current_rejects(con: duckdb.DuckDBPyConnection, load_ids: Iterable[int]) -> dict[str, Any]:
    """Return the rejected rows of the given loads: their total and up to :data:`MAX_REJECTS_SHOWN` per load with
    source row and reason. ``raw_text`` is never read."""
    ids = sorted({int(load_id) for load_id in load_ids})
    if not ids or not _has_table(con, "ops", "rejects"):
        return {"total": 0, "shown": []}
    id_list = ", ".join(str(load_id) for load_id in ids)
    total = con.execute(f"select count(*) from ops.rejects where load_id in ({id_list})").fetchone()
    rows = con.execute(
        f"""
        select load_id, source, sha256, source_row, reason from (
            select load_id, source, sha256, source_row, reason,
                   row_number() over (partition by load_id order by source_row) as n
            from ops.rejects where load_id in ({id_list})
        ) where n <= {MAX_REJECTS_SHOWN} order by load_id, source_row
        """
    ).fetchall()
    shown = [
        {
            "load_id": int(load_id),
            "source": source,
            "sha256": sha256,
            "source_row": int(source_row),
            "file_line": int(source_row) + 1,
            "reason": reason if len(reason) <= MAX_REASON_CHARS else reason[: MAX_REASON_CHARS - 3] + "...",
        }
        for load_id, source, sha256, source_row, reason in rows
    ]
    return {"total": int(total[0]) if total else 0, "shown": shown}
