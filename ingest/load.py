"""Load one file of one source into the working warehouse, with lineage, rejects and a reconciled load log.

The file streams through DuckDB's own CSV reader with the layout's declared types (no pandas, bounded memory).
Rows the reader cannot parse go to ``ops.rejects`` with the reader's reason and the raw line. A load commits only if
rows read = rows loaded + rows rejected, the file is not truncated and rejects stay within ``max_rejects``; then, in
one transaction, it becomes the current data of the partitions (years) it holds. Otherwise the previous data stays.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.errors import IngestError, ReconciliationError, RejectLimitError, TruncatedFileError
from ingest.header import detect_layout, read_header
from ingest.locate import LandedFile, land
from ingest.schema import Layout, Source
from ingest.settings import landing_dir, warehouse_dir, working_db_path
from ingest.sources import get_source
from ingest.warehouse import connect, drop_superseded, load_table_name, refresh_view

if TYPE_CHECKING:
    import duckdb

log = logging.getLogger(__name__)

REJECT_EXAMPLES_IN_MESSAGE = 5


@dataclass
class LoadResult:
    """What one load did; mirrors its ``ops.load_log`` row."""

    load_id: int
    source: str
    location: str
    status: str  # loaded | loaded_with_rejects | unchanged | failed
    sha256: str | None = None
    layout: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    partitions: list[str] = field(default_factory=list)
    seconds: float = 0.0
    message: str = ""


@dataclass(frozen=True)
class _Reject:
    source_row: int
    reason: str
    raw_text: str


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _read_csv_sql(path: Path, source: Source, header: list[str], layout: Layout, scan: str) -> str:
    """Return a ``read_csv`` call with the layout's types, every option explicit (no sniffing of codes)."""
    types = ", ".join(f"{_sql_str(name)}: {_sql_str(layout.column_for(name).type)}" for name in header)
    return (
        f"read_csv({_sql_str(str(path))}, columns = {{{types}}}, header = true, auto_detect = false, "
        f"delim = {_sql_str(source.csv.delimiter)}, quote = {_sql_str(source.csv.quote)}, "
        f"escape = {_sql_str(source.csv.quote)}, allow_quoted_nulls = false, strict_mode = true, "
        f"encoding = 'utf-8', store_rejects = true, rejects_table = '{scan}_errors', rejects_scan = '{scan}_scans')"
    )


def _select_sql(source: Source, layout: Layout, sha256: str, load_id: int, loaded_at: datetime) -> str:
    columns = [
        f'"{c.source_name}" as {c.name}' if c.source_name is not None else f"cast(null as {c.type}) as {c.name}"
        for c in layout.columns
    ]
    columns += [
        f"{_sql_str(sha256)} as _source_sha256",
        f"cast({load_id} as bigint) as _load_id",
        f"timestamp {_sql_str(loaded_at.isoformat(sep=' '))} as _loaded_at",
    ]
    return "select " + ", ".join(columns)


def _collect_rejects(con: duckdb.DuckDBPyConnection, scan: str) -> list[_Reject]:
    rows = con.execute(
        f"""
        select line - 1 as source_row,
               string_agg(coalesce(error_type || ' ', '') ||
                          coalesce('in column ' || column_name || ': ', ': ') || error_message, '; '
                          order by column_idx) as reason,
               any_value(ltrim(csv_line, chr(10) || chr(13))) as raw_text
        from {scan}_errors group by line order by line
        """
    ).fetchall()
    return [_Reject(int(r[0]), r[1], r[2]) for r in rows]


def _describe(rejects: list[_Reject], path: Path) -> str:
    shown = "; ".join(
        f"row {r.source_row} (line {r.source_row + 1}): {r.reason}" for r in rejects[:REJECT_EXAMPLES_IN_MESSAGE]
    )
    more = (
        f"; and {len(rejects) - REJECT_EXAMPLES_IN_MESSAGE} more" if len(rejects) > REJECT_EXAMPLES_IN_MESSAGE else ""
    )
    return f"{path}: {shown}{more}"


def _check(landed: LandedFile, rows_loaded: int, rejects: list[_Reject], max_rejects: int, source: Source) -> None:
    """Raise when the load must not commit: truncated file, lost rows, or too many rejects."""
    facts = landed.facts
    rejected_rows = {r.source_row for r in rejects}
    last_row = facts.physical_lines - 1
    if not facts.ends_with_newline:
        cut = None
        if last_row in rejected_rows:
            cut = next(r.reason for r in rejects if r.source_row == last_row)
        elif source.csv.quote_all and facts.last_byte != source.csv.quote.encode():
            cut = f"every field of this source is quoted, but the file ends in {facts.last_byte!r}"
        if cut is not None:
            raise TruncatedFileError(
                f"{landed.path}: the file ends in the middle of row {last_row} (line {last_row + 1}, no line break "
                f"at the end; {cut}). It looks truncated (interrupted download or copy); nothing was loaded"
            )
    if not source.csv.multiline_fields:
        expected = facts.physical_lines - 1 - len(facts.blank_lines)
        if rows_loaded + len(rejects) != expected:
            raise ReconciliationError(
                f"{landed.path}: {expected:,} data rows in the file but {rows_loaded:,} loaded + {len(rejects):,} "
                f"rejected; {expected - rows_loaded - len(rejects):,} row(s) unaccounted for, nothing was loaded"
            )
    if len(rejects) > max_rejects:
        raise RejectLimitError(
            f"{len(rejects):,} row(s) rejected, more than the {max_rejects:,} allowed (--max-rejects); nothing was "
            f"loaded. {_describe(rejects, landed.path)}"
        )


def _row_offsets(rejected_rows: list[int], blank_rows: list[int]) -> list[tuple[int, int]]:
    """Map accepted-row ordinals back to file rows.

    Accepted row ``k`` (1-based, in file order) is file row ``k + n`` where ``n`` counts skipped rows ``s_i`` (the
    i-th skipped, 1-based) with ``s_i - i < k``. Returns ``(accepted_below, rejected_before)`` pairs keeping, for each
    threshold, the largest ``i`` so an ASOF join on ``k > accepted_below`` finds ``n``.
    """
    best: dict[int, int] = {}
    for i, row in enumerate(sorted(set(rejected_rows) | set(blank_rows)), start=1):
        best[row - i] = i
    return sorted(best.items())


def _already_current(con: duckdb.DuckDBPyConnection, source: Source, sha256: str) -> int | None:
    row = con.execute(
        """
        select l.load_id from ops.load_log l
        where l.source = ? and l.sha256 = ? and l.status in ('loaded', 'loaded_with_rejects')
          and l.load_id in (select load_id from ops.current_partitions where source = ?)
        order by l.load_id desc limit 1
        """,
        [source.name, sha256, source.name],
    ).fetchone()
    return None if row is None else int(row[0])


def _finish(con: duckdb.DuckDBPyConnection, result: LoadResult, landed: LandedFile | None) -> None:
    con.execute(
        """
        update ops.load_log set location = ?, local_path = ?, sha256 = ?, container_sha256 = ?, bytes = ?, layout = ?,
            rows_read = ?, rows_loaded = ?, rows_rejected = ?, partitions = ?, status = ?, message = ?,
            finished_at = ?
        where load_id = ?
        """,
        [
            landed.location if landed else result.location,
            str(landed.path.resolve()) if landed else None,
            result.sha256,
            landed.container_sha256 if landed else None,
            landed.facts.size if landed else None,
            result.layout,
            result.rows_read,
            result.rows_loaded,
            result.rows_rejected,
            result.partitions,
            result.status,
            result.message,
            _utcnow(),
            result.load_id,
        ],
    )


def _store_rejects(con: duckdb.DuckDBPyConnection, result: LoadResult, rejects: list[_Reject]) -> None:
    if rejects:
        con.executemany(
            "insert into ops.rejects values (?, ?, ?, ?, ?, ?)",
            [[result.load_id, result.source, result.sha256, r.source_row, r.reason, r.raw_text] for r in rejects],
        )


def load(
    source_name: str,
    location: str,
    *,
    warehouse: Path | None = None,
    max_rejects: int = 0,
    force: bool = False,
) -> LoadResult:
    """Load ``location`` (path, URL or zip) as ``source_name``; return what happened.

    Loading the file that is already current is a no-op (status ``unchanged``) unless ``force``. Raises an
    :class:`IngestError` subclass when the file cannot be loaded; the failure is recorded in ``ops.load_log`` (and its
    rejects in ``ops.rejects``) and the warehouse's data is left as it was.
    """
    source = get_source(source_name)
    base = warehouse or warehouse_dir()
    con = connect(working_db_path(base))
    try:
        return _load(con, source, location, base, max_rejects, force)
    finally:
        con.close()


def _load(
    con: duckdb.DuckDBPyConnection, source: Source, location: str, base: Path, max_rejects: int, force: bool
) -> LoadResult:
    started = _utcnow()
    clock = time.monotonic()
    load_id = int(con.execute("select nextval('ops.load_id_seq')").fetchone()[0])
    con.execute(
        "insert into ops.load_log (load_id, source, location, status, started_at) values (?, ?, ?, 'running', ?)",
        [load_id, source.name, location, started],
    )
    result = LoadResult(load_id=load_id, source=source.name, location=location, status="running")
    landed: LandedFile | None = None
    table = load_table_name(source, load_id)
    rejects: list[_Reject] = []
    try:
        landed = land(location, landing_dir(base))
        result.sha256 = landed.facts.sha256
        header = read_header(landed.path, source.csv.delimiter, source.csv.quote)
        layout = detect_layout(source, header, landed.path)
        result.layout = layout.name
        current = _already_current(con, source, landed.facts.sha256)
        if current is not None and not force:
            result.status = "unchanged"
            result.message = f"identical to load {current}, which is current; nothing to do (use --force to reload)"
            result.seconds = time.monotonic() - clock
            _finish(con, result, landed)
            log.info("%s: %s", location, result.message)
            return result

        log.info(
            "load %d: reading %s (%s, %.1f MiB, layout %s)",
            load_id,
            landed.path,
            source.name,
            landed.facts.size / 1024**2,
            layout.name,
        )
        scan = f"load_{load_id}"
        con.execute(
            f"create table {table} as {_select_sql(source, layout, landed.facts.sha256, load_id, started)} "
            f"from {_read_csv_sql(landed.path, source, header, layout, scan)}"
        )
        rows_loaded = int(con.execute(f"select count(*) from {table}").fetchone()[0])
        rejects = _collect_rejects(con, scan)
        result.rows_loaded, result.rows_rejected = rows_loaded, len(rejects)
        result.rows_read = rows_loaded + len(rejects)
        _check(landed, rows_loaded, rejects, max_rejects, source)
        if rows_loaded == 0:
            raise IngestError(f"{landed.path}: no data rows could be loaded; nothing was replaced")
        result.partitions = _partitions(con, source, table)
        _publish_load(con, source, result, rejects, landed)
    except Exception as exc:
        con.execute(f"drop table if exists {table}")
        result.status = "failed"
        result.message = str(exc)
        result.seconds = time.monotonic() - clock
        _store_rejects(con, result, rejects)
        _finish(con, result, landed)
        if isinstance(exc, IngestError):
            raise
        import duckdb

        if isinstance(exc, duckdb.Error):
            path = landed.path if landed else location
            raise IngestError(f"{path}: the CSV reader failed: {exc}") from exc
        raise
    result.seconds = time.monotonic() - clock
    rate = (landed.facts.size / 1024**2) / max(result.seconds, 1e-9)
    log.info(
        "load %d: %s rows loaded, %s rejected, partitions %s, %.1f s (%.0f MiB/s)",
        load_id,
        f"{result.rows_loaded:,}",
        f"{result.rows_rejected:,}",
        ",".join(result.partitions) or "-",
        result.seconds,
        rate,
    )
    return result


def _partitions(con: duckdb.DuckDBPyConnection, source: Source, table: str) -> list[str]:
    if source.partition_column is None:
        return ["*"]
    values = con.execute(
        f"select distinct cast({source.partition_column} as varchar) from {table} order by 1"
    ).fetchall()
    if any(v[0] is None for v in values):
        raise IngestError(f"{table}: rows without {source.partition_column}; cannot decide what they replace")
    return [v[0] for v in values]


def _publish_load(
    con: duckdb.DuckDBPyConnection, source: Source, result: LoadResult, rejects: list[_Reject], landed: LandedFile
) -> None:
    """Make the load current for its partitions in one transaction: offsets, rejects, view, log, cleanup."""
    result.status = "loaded_with_rejects" if rejects else "loaded"
    if rejects:
        result.message = f"{len(rejects)} row(s) rejected (see ops.rejects): " + _describe(rejects, landed.path)
    blank_rows = [line - 1 for line in landed.facts.blank_lines]
    offsets = _row_offsets([r.source_row for r in rejects], blank_rows)
    con.execute("begin transaction")
    try:
        if offsets:
            con.executemany(
                "insert into ops.load_row_offsets values (?, ?, ?)", [[result.load_id, a, b] for a, b in offsets]
            )
        _store_rejects(con, result, rejects)
        con.executemany(
            "insert or replace into ops.current_partitions values (?, ?, ?)",
            [[source.name, p, result.load_id] for p in result.partitions],
        )
        refresh_view(con, source)
        dropped = drop_superseded(con, source)
        con.execute("delete from ops.load_row_offsets where load_id in (select unnest(?::bigint[]))", [dropped])
        _finish(con, result, landed)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        result.status = "failed"
        raise
    if dropped:
        log.info("load %d replaces load(s) %s", result.load_id, ", ".join(map(str, dropped)))
