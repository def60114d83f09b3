"""The working DuckDB database: connection, the ``ops`` schema, and the ``raw`` views over loaded files.

Each successful load lands in its own table ``raw_loads.<table>__<load_id>`` (written once, never updated), and
``raw.<table>`` is a view over the loads that are current for each partition (a SIAF year), adding the lineage
columns ``_source_sha256``, ``_source_row``, ``_load_id`` and ``_loaded_at``. Replacing a year is then a
metadata change inside one transaction: the view is redefined and superseded load tables dropped. ``_source_row`` is
derived from the load table's ``rowid``, which is the file's row order because the table is written once by an
order-preserving scan; rows the reader rejected are added back through ``ops.load_row_offsets``.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.errors import WarehouseBusyError
from ingest.schema import Source
from ingest.settings import memory_limit

if TYPE_CHECKING:
    import duckdb

log = logging.getLogger(__name__)

OPS_DDL = """
create schema if not exists ops;
create schema if not exists raw;
create schema if not exists raw_loads;
create sequence if not exists ops.load_id_seq start 1;
create table if not exists ops.load_log (
    load_id          bigint primary key,
    source           varchar not null,
    location         varchar not null,
    local_path       varchar,
    sha256           varchar,
    container_sha256 varchar,
    bytes            bigint,
    layout           varchar,
    rows_read        bigint,
    rows_loaded      bigint,
    rows_rejected    bigint,
    partitions       varchar[],
    status           varchar not null,
    message          varchar,
    started_at       timestamp not null,
    finished_at      timestamp
);
create table if not exists ops.rejects (
    load_id       bigint not null,
    source        varchar not null,
    sha256        varchar not null,
    source_row    bigint not null,
    reason        varchar not null,
    raw_text      varchar
);
create table if not exists ops.load_row_offsets (
    load_id        bigint not null,
    accepted_below bigint not null,
    rejected_before bigint not null
);
create table if not exists ops.current_partitions (
    source          varchar not null,
    partition_value varchar not null,
    load_id         bigint not null,
    primary key (source, partition_value)
);
"""

LINEAGE_COLUMNS = (
    ("_source_sha256", "VARCHAR"),
    ("_source_row", "BIGINT"),
    ("_load_id", "BIGINT"),
    ("_loaded_at", "TIMESTAMP"),
)


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    """Open the working database for writing, with the ``ops`` schema in place.

    Raises :class:`WarehouseBusyError` when another process holds the file (DuckDB allows one writer).
    """
    import duckdb

    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path))
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseBusyError(
                f"{path} is in use by another process (DuckDB allows one writer); wait for it to finish. {exc}"
            ) from exc
        raise
    con.execute(f"set memory_limit = '{memory_limit()}'")
    # DuckDB's own progress bar suits a terminal, not a task log: elsewhere the loader logs its own progress.
    con.execute(f"set enable_progress_bar = {'true' if sys.stderr.isatty() else 'false'}")
    con.execute(f"set temp_directory = '{path.parent / 'tmp'}'")
    con.execute("set preserve_insertion_order = true")  # _source_row relies on it
    con.execute(OPS_DDL)
    from ingest.sources import SOURCES

    for source in SOURCES.values():  # raw views exist (empty) before a source's first load, for dbt and checks
        con.execute(f"create view if not exists raw.{source.table} as {_empty_select(source)}")
    return con


def load_table_name(source: Source, load_id: int) -> str:
    """Return the qualified name of the table holding one load's rows."""
    return f'raw_loads."{source.table}__{load_id:06d}"'


def _empty_select(source: Source) -> str:
    columns = [f"cast(null as {c.type}) as {c.name}" for c in source.columns]
    columns += [f"cast(null as {t}) as {n}" for n, t in LINEAGE_COLUMNS]
    return f"select {', '.join(columns)} where false"


def _load_select(con: duckdb.DuckDBPyConnection, source: Source, load_id: int, partitions: list[str]) -> str:
    """Return the SELECT over one load table that yields its current rows with lineage columns.

    The load's SHA-256, id and time are constants of the load, so the view supplies them from ``ops.load_log``
    instead of storing them on every row.
    """
    table = load_table_name(source, load_id)
    data = ", ".join(f"t.{c.name}" for c in source.columns)
    sha256, loaded_at = con.execute(
        "select sha256, started_at from ops.load_log where load_id = ?", [load_id]
    ).fetchone()
    has_offsets = con.execute("select count(*) from ops.load_row_offsets where load_id = ?", [load_id]).fetchone()[0]
    if has_offsets:
        row = "t.rowid + 1 + coalesce(o.rejected_before, 0)"
        offsets = (
            f" asof left join (select accepted_below, rejected_before from ops.load_row_offsets"
            f" where load_id = {load_id}) o on t.rowid + 1 > o.accepted_below"
        )
    else:
        row, offsets = "t.rowid + 1", ""
    where = ""
    if source.partition_column is not None:
        values = ", ".join(sql_str(p) for p in partitions)
        where = f" where cast(t.{source.partition_column} as varchar) in ({values})"
    return (
        f"select {data}, {sql_str(sha256)} as _source_sha256, cast({row} as bigint) as _source_row,"
        f" cast({load_id} as bigint) as _load_id, timestamp {sql_str(loaded_at.isoformat(sep=' '))} as _loaded_at"
        f" from {table} t{offsets}{where}"
    )


def sql_str(value: str) -> str:
    """Return ``value`` as a SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def refresh_view(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    """Redefine ``raw.<table>`` over the current loads (call inside the load's transaction)."""
    current = con.execute(
        "select load_id, list(partition_value order by partition_value) from ops.current_partitions"
        " where source = ? group by load_id order by load_id",
        [source.name],
    ).fetchall()
    selects = [_load_select(con, source, load_id, parts) for load_id, parts in current] or [_empty_select(source)]
    con.execute(f"create or replace view raw.{source.table} as\n" + "\nunion all\n".join(selects))


def drop_superseded(con: duckdb.DuckDBPyConnection, source: Source) -> list[int]:
    """Drop load tables no partition points to any more; return their load ids."""
    prefix = f"{source.table}__"
    tables = con.execute(
        "select table_name from information_schema.tables"
        " where table_schema = 'raw_loads' and starts_with(table_name, ?)",
        [prefix],
    ).fetchall()
    current = {
        r[0]
        for r in con.execute(
            "select distinct load_id from ops.current_partitions where source = ?", [source.name]
        ).fetchall()
    }
    dropped = []
    for (name,) in tables:
        load_id = int(name[len(prefix) :])
        if load_id not in current:
            con.execute(f'drop table raw_loads."{name}"')
            dropped.append(load_id)
    return dropped
