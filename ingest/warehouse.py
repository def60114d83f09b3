"""The working DuckDB database: connection, the ``ops`` schema, and the ``raw`` views over loaded files.

Each successful load lands in its own table ``raw_loads.<table>__<load_id>`` (written once, never updated), and
``raw.<table>`` is a view over the loads that are current for each partition (a SIAF year), adding the lineage
columns ``_source_sha256``, ``_source_row``, ``_load_id`` and ``_loaded_at``. Replacing a year is then a
metadata change inside one transaction: the view is redefined and superseded load tables are kept or dropped as the
contract's ``history`` says. ``raw.<table>__history`` is the same over every kept load (current or superseded), so
snapshots can be built, or rebuilt, from them; ``_loaded_at`` is each load's date.

``_source_row`` is a column of the load table for text-staged sources (the data row of a CSV, the sheet row of an
XLSX). For the typed CSV fast path it is derived from the load table's ``rowid``, which is the file's row order
because the table is written once by an order-preserving scan; rows the reader rejected are added back through
``ops.load_row_offsets``.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.contracts import Source
from ingest.errors import WarehouseBusyError
from ingest.settings import landing_dir, memory_limit

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
    rows_skipped     bigint,
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
    rows            bigint,
    primary key (source, partition_value)
);
-- columns added after the first release: warehouses created before them gain them here
alter table ops.load_log add column if not exists rows_skipped bigint;
alter table ops.current_partitions add column if not exists rows bigint;
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
    from ingest.settings import threads

    if (count := threads()) is not None:
        con.execute(f"set threads = {count}")
    # DuckDB's own progress bar suits a terminal, not a task log: elsewhere the loader logs its own progress.
    con.execute(f"set enable_progress_bar = {'true' if sys.stderr.isatty() else 'false'}")
    con.execute(f"set temp_directory = '{path.parent / 'tmp'}'")
    con.execute("set preserve_insertion_order = true")  # _source_row relies on it
    con.execute(OPS_DDL)
    from ingest.contracts import registry

    # raw views exist (empty) before a source's first load, for dbt and checks
    for source in registry().sources.values():
        con.execute(f"create view if not exists raw.{source.table} as {_empty_select(source)}")
        con.execute(f"create view if not exists raw.{source.table}__history as {_empty_select(source)}")
    return con


def load_table_name(source: Source, load_id: int) -> str:
    """Return the qualified name of the table holding one load's rows."""
    return f'raw_loads."{source.table}__{load_id:06d}"'


def _empty_select(source: Source) -> str:
    columns = [f"cast(null as {c.type}) as {c.name}" for c in source.columns]
    columns += [f"cast(null as {t}) as {n}" for n, t in LINEAGE_COLUMNS]
    return f"select {', '.join(columns)} where false"


def _load_select(con: duckdb.DuckDBPyConnection, source: Source, load_id: int, partitions: list[str] | None) -> str:
    """Return the SELECT over one load table that yields its rows of ``partitions`` (None: all) with lineage.

    The load's SHA-256, id and time are constants of the load, so the view supplies them from ``ops.load_log``
    instead of storing them on every row.
    """
    table = load_table_name(source, load_id)
    data = ", ".join(f"t.{c.name}" for c in source.columns)
    sha256, loaded_at = con.execute(
        "select sha256, started_at from ops.load_log where load_id = ?", [load_id]
    ).fetchone()
    has_row_column = con.execute(
        "select count(*) from duckdb_columns() where schema_name = 'raw_loads' and table_name = ?"
        " and column_name = '_source_row'",
        [f"{source.table}__{load_id:06d}"],
    ).fetchone()[0]
    has_offsets = con.execute("select count(*) from ops.load_row_offsets where load_id = ?", [load_id]).fetchone()[0]
    if has_row_column:
        row, offsets = "t._source_row", ""
    elif has_offsets:
        row = "t.rowid + 1 + coalesce(o.rejected_before, 0)"
        offsets = (
            f" asof left join (select accepted_below, rejected_before from ops.load_row_offsets"
            f" where load_id = {load_id}) o on t.rowid + 1 > o.accepted_below"
        )
    else:
        row, offsets = "t.rowid + 1", ""
    where = ""
    if source.partition_column is not None and partitions is not None:
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


def refresh_views(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    """Redefine ``raw.<table>`` over the current loads and ``raw.<table>__history`` over every kept load.

    Call inside the load's transaction, after :func:`apply_retention`.
    """
    current = con.execute(
        "select load_id, list(partition_value order by partition_value) from ops.current_partitions"
        " where source = ? group by load_id order by load_id",
        [source.name],
    ).fetchall()
    selects = [_load_select(con, source, load_id, parts) for load_id, parts in current] or [_empty_select(source)]
    con.execute(f"create or replace view raw.{source.table} as\n" + "\nunion all\n".join(selects))
    kept = [_load_select(con, source, load_id, None) for load_id in kept_loads(con, source)]
    con.execute(
        f"create or replace view raw.{source.table}__history as\n"
        + "\nunion all\n".join(kept or [_empty_select(source)])
    )


def kept_loads(con: duckdb.DuckDBPyConnection, source: Source) -> list[int]:
    """Return the ids of the loads whose tables are kept (current and superseded), oldest first."""
    prefix = f"{source.table}__"
    names = con.execute(
        "select table_name from duckdb_tables() where schema_name = 'raw_loads' and starts_with(table_name, ?)",
        [prefix],
    ).fetchall()
    ids = [name[len(prefix) :] for (name,) in names]
    return sorted(int(i) for i in ids if i.isdigit())


def apply_retention(con: duckdb.DuckDBPyConnection, source: Source) -> list[int]:
    """Drop the load tables the contract's ``history`` does not keep; return their load ids.

    Current loads are always kept. ``keep: current`` drops every superseded load; ``keep: all`` keeps them, up to
    ``maxLoads`` loads in all when set (the oldest superseded go first).
    """
    current = {
        r[0]
        for r in con.execute(
            "select distinct load_id from ops.current_partitions where source = ?", [source.name]
        ).fetchall()
    }
    superseded = [load_id for load_id in kept_loads(con, source) if load_id not in current]
    if source.history_keep == "current":
        drop = superseded
    elif source.history_max_loads is not None:
        keep_superseded = max(source.history_max_loads - len(current), 0)
        drop = superseded[: max(len(superseded) - keep_superseded, 0)]
    else:
        drop = []
    for load_id in drop:
        con.execute(f"drop table {load_table_name(source, load_id)}")
    if drop:
        con.execute("delete from ops.load_row_offsets where load_id in (select unnest(?::bigint[]))", [drop])
    return drop


def prune_landing(con: duckdb.DuckDBPyConnection, base: Path, load_ids: list[int]) -> list[Path]:
    """Delete the landed files (downloads, unzipped members) of ``load_ids`` that no kept load still reads.

    Only files inside ``<warehouse>/landing`` are touched: a user's own file is never deleted. Returns what was
    deleted. Files another step landed but has not loaded yet are not in ``load_ids`` and are left alone.
    """
    landing = landing_dir(base).resolve()
    rows = con.execute(
        "select distinct local_path from ops.load_log where load_id in (select unnest(?::bigint[]))"
        " and local_path is not null",
        [load_ids],
    ).fetchall()
    still_used = {
        r[0]
        for r in con.execute(
            "select distinct l.local_path from ops.load_log l join duckdb_tables() t"
            " on t.schema_name = 'raw_loads'"
            " and ends_with(t.table_name, '__' || printf('%06d', l.load_id))"
            " where l.local_path is not null"
        ).fetchall()
    }
    deleted = []
    for (local,) in rows:
        path = Path(local)
        if local in still_used or landing not in path.parents or not path.is_file():
            continue
        path.unlink()
        deleted.append(path)
        if path.parent != landing and not any(path.parent.iterdir()):
            path.parent.rmdir()  # the folder a zip was extracted into
    if deleted:
        log.info("landing: removed %s", ", ".join(p.name for p in deleted))
    return deleted
