"""Load one file of one source into the working warehouse, with lineage, rejects and a reconciled load log.

The file streams through DuckDB's own CSV reader with the layout's declared types (no pandas, bounded memory) while
a second thread takes its SHA-256 and line count. Rows the reader cannot parse go to ``ops.rejects`` with the
reader's reason and the raw line. A load commits only if rows read = rows loaded + rows rejected, the file is not
truncated and rejects stay within ``max_rejects``; then, in one transaction, it becomes the current data of the
partitions (years) it holds. Otherwise the previous data stays as it was.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.errors import IngestError, ReconciliationError, RejectLimitError, TruncatedFileError
from ingest.header import detect_layout, read_header
from ingest.locate import FileFacts, LandedFile, find_blank_lines, land, scan
from ingest.schema import Layout, Source
from ingest.settings import landing_dir, warehouse_dir, working_db_path
from ingest.sources import get_source
from ingest.warehouse import connect, drop_superseded, load_table_name, refresh_view, sql_str

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


def _read_csv_sql(path: Path, source: Source, header: list[str], layout: Layout, scan_name: str) -> str:
    """Return a ``read_csv`` call with the layout's types, every option explicit (no sniffing of codes)."""
    types = ", ".join(f"{sql_str(name)}: {sql_str(layout.column_for(name).type)}" for name in header)
    quote = sql_str(source.csv.quote)
    return (
        f"read_csv({sql_str(str(path))}, columns = {{{types}}}, header = true, auto_detect = false, "
        f"delim = {sql_str(source.csv.delimiter)}, quote = {quote}, escape = {quote}, allow_quoted_nulls = false, "
        f"strict_mode = true, encoding = 'utf-8', store_rejects = true, "
        f"rejects_table = '{scan_name}_errors', rejects_scan = '{scan_name}_scans')"
    )


def _select_sql(layout: Layout) -> str:
    return "select " + ", ".join(
        f'"{c.source_name}" as {c.name}' if c.source_name is not None else f"cast(null as {c.type}) as {c.name}"
        for c in layout.columns
    )


def _collect_rejects(con: duckdb.DuckDBPyConnection, scan_name: str) -> list[_Reject]:
    rows = con.execute(
        f"""
        select line - 1 as source_row,
               string_agg(coalesce(error_type || ' ', '') ||
                          coalesce('in column ' || column_name || ': ', ': ') || error_message, '; '
                          order by column_idx) as reason,
               any_value(ltrim(csv_line, chr(10) || chr(13))) as raw_text
        from {scan_name}_errors group by line order by line
        """
    ).fetchall()
    return [_Reject(int(r[0]), r[1], r[2]) for r in rows]


def _describe(rejects: list[_Reject], path: Path) -> str:
    first = rejects[:REJECT_EXAMPLES_IN_MESSAGE]
    shown = "; ".join(f"row {r.source_row} (line {r.source_row + 1}): {r.reason}" for r in first)
    more = f"; and {len(rejects) - len(first):,} more" if len(rejects) > len(first) else ""
    return f"{path}: {shown}{more}"


def _check_truncation(landed: LandedFile, facts: FileFacts, rejects: list[_Reject], source: Source) -> None:
    if facts.ends_with_newline:
        return
    last_row = facts.physical_lines - 1
    cut = next((r.reason for r in rejects if r.source_row == last_row), None)
    if cut is None and source.csv.quote_all and facts.last_byte != source.csv.quote.encode():
        cut = f"every field of this source is quoted, but the file ends in {facts.last_byte!r}"
    if cut is not None:
        raise TruncatedFileError(
            f"{landed.path}: the file ends in the middle of row {last_row} (line {last_row + 1}, no line break "
            f"at the end; {cut}). It looks truncated (interrupted download or copy); nothing was loaded"
        )


def _reconcile(
    landed: LandedFile, facts: FileFacts, rows_loaded: int, rejects: list[_Reject], source: Source
) -> list[int]:
    """Check that every data line of the file was loaded, rejected or blank; return the blank lines' row numbers.

    Only sources whose fields hold no line breaks can be reconciled against the physical line count.
    """
    if source.csv.multiline_fields:
        return []
    expected = facts.physical_lines - 1
    accounted = rows_loaded + len(rejects)
    if accounted == expected:
        return []
    blank_rows = [line - 1 for line in find_blank_lines(landed.path)]  # slow path: only when rows are missing
    if accounted + len(blank_rows) != expected:
        raise ReconciliationError(
            f"{landed.path}: {expected:,} data lines in the file but {rows_loaded:,} loaded + {len(rejects):,} "
            f"rejected + {len(blank_rows):,} blank; {expected - accounted - len(blank_rows):,} row(s) unaccounted "
            "for, nothing was loaded"
        )
    log.warning("%s: %d blank line(s) skipped (rows %s)", landed.path, len(blank_rows), blank_rows[:10])
    return blank_rows


def _row_offsets(skipped_rows: list[int]) -> list[tuple[int, int]]:
    """Map accepted-row ordinals back to file rows.

    Accepted row ``k`` (1-based, in file order) is file row ``k + n`` where ``n`` counts skipped rows ``s_i`` (the
    i-th skipped, 1-based) with ``s_i - i < k``. Returns ``(accepted_below, rejected_before)`` pairs keeping, for each
    threshold, the largest ``i`` so an ASOF join on ``k > accepted_below`` finds ``n``.
    """
    best: dict[int, int] = {}
    for i, row in enumerate(sorted(set(skipped_rows)), start=1):
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
    facts = landed.facts if landed else None
    con.execute(
        """
        update ops.load_log set location = ?, local_path = ?, sha256 = ?, container_sha256 = ?, bytes = ?,
            layout = ?, rows_read = ?, rows_loaded = ?, rows_rejected = ?, partitions = ?, status = ?, message = ?,
            finished_at = ?
        where load_id = ?
        """,
        [
            landed.location if landed else result.location,
            str(landed.path.resolve()) if landed else None,
            result.sha256,
            landed.container_sha256 if landed else None,
            facts.size if facts else None,
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
        return _Load(con, source, location, base).run(max_rejects=max_rejects, force=force)
    finally:
        con.close()


class _Load:
    """One load attempt: its log row, its table, and the steps between them."""

    def __init__(self, con: duckdb.DuckDBPyConnection, source: Source, location: str, base: Path) -> None:
        self.con, self.source, self.base = con, source, base
        self.started = _utcnow()
        self.clock = time.monotonic()
        load_id = int(con.execute("select nextval('ops.load_id_seq')").fetchone()[0])
        con.execute(
            "insert into ops.load_log (load_id, source, location, status, started_at) values (?, ?, ?, 'running', ?)",
            [load_id, source.name, location, self.started],
        )
        self.result = LoadResult(load_id=load_id, source=source.name, location=location, status="running")
        self.table = load_table_name(source, load_id)
        self.landed: LandedFile | None = None
        self.rejects: list[_Reject] = []

    def run(self, *, max_rejects: int, force: bool) -> LoadResult:
        try:
            outcome = self._run(max_rejects, force)
        except Exception as exc:
            self._fail(exc)
            if isinstance(exc, IngestError):
                raise
            import duckdb

            if isinstance(exc, duckdb.Error):
                where = self.landed.path if self.landed else self.result.location
                raise IngestError(f"{where}: the CSV reader failed: {exc}") from exc
            raise
        return outcome

    def _run(self, max_rejects: int, force: bool) -> LoadResult:
        source, result = self.source, self.result
        self.landed = landed = land(result.location, landing_dir(self.base))
        header = read_header(landed.path, source.csv.delimiter, source.csv.quote)
        layout = detect_layout(source, header, landed.path)
        result.layout = layout.name
        if landed.facts is not None and not force and self._skip_if_current(landed.facts):
            return result

        log.info("load %d: reading %s (%s, layout %s)", result.load_id, landed.path, source.name, layout.name)
        facts = self._read(landed, header, layout)
        self.landed = landed = replace(landed, facts=facts)
        result.sha256 = facts.sha256
        if not force and self._skip_if_current(facts):
            self.con.execute(f"drop table if exists {self.table}")
            return result
        rows_loaded = int(self.con.execute(f"select count(*) from {self.table}").fetchone()[0])
        self.rejects = rejects = _collect_rejects(self.con, f"load_{result.load_id}")
        result.rows_loaded, result.rows_rejected = rows_loaded, len(rejects)
        result.rows_read = rows_loaded + len(rejects)
        _check_truncation(landed, facts, rejects, source)
        blank_rows = _reconcile(landed, facts, rows_loaded, rejects, source)
        if len(rejects) > max_rejects:
            raise RejectLimitError(
                f"{len(rejects):,} row(s) rejected, more than the {max_rejects:,} allowed (--max-rejects); nothing "
                f"was loaded. {_describe(rejects, landed.path)}"
            )
        if rows_loaded == 0:
            raise IngestError(f"{landed.path}: no data rows could be loaded; nothing was replaced")
        result.partitions = self._partitions()
        self._make_current(blank_rows)
        result.seconds = time.monotonic() - self.clock
        log.info(
            "load %d: %s rows loaded, %s rejected, partitions %s, %.1f s (%.0f MiB/s)",
            result.load_id, f"{result.rows_loaded:,}", f"{result.rows_rejected:,}", ",".join(result.partitions),
            result.seconds, facts.size / 1024**2 / max(result.seconds, 1e-9),
        )  # fmt: skip
        return result

    def _read(self, landed: LandedFile, header: list[str], layout: Layout) -> FileFacts:
        """Create the load table from the file; return the file's facts (hashed meanwhile when not yet known)."""
        statement = (
            f"create table {self.table} as {_select_sql(layout)} "
            f"from {_read_csv_sql(landed.path, self.source, header, layout, f'load_{self.result.load_id}')}"
        )
        if landed.facts is not None:
            self.con.execute(statement)
            return landed.facts
        # hashlib releases the GIL and so does DuckDB: the hash costs little wall time next to the parse.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256") as pool:
            hashing = pool.submit(scan, landed.path)
            try:
                self.con.execute(statement)
            finally:
                facts = hashing.result()
        return facts

    def _skip_if_current(self, facts: FileFacts) -> bool:
        current = _already_current(self.con, self.source, facts.sha256)
        if current is None:
            return False
        result = self.result
        result.sha256 = facts.sha256
        result.status = "unchanged"
        result.message = f"identical to load {current}, which is current; nothing to do (use --force to reload)"
        result.seconds = time.monotonic() - self.clock
        _finish(self.con, result, self.landed)
        log.info("%s: %s", result.location, result.message)
        return True

    def _partitions(self) -> list[str]:
        column = self.source.partition_column
        if column is None:
            return ["*"]
        values = self.con.execute(f"select distinct cast({column} as varchar) from {self.table} order by 1").fetchall()
        if any(v[0] is None for v in values):
            raise IngestError(f"{self.result.location}: rows without {column}; cannot decide what they replace")
        return [v[0] for v in values]

    def _make_current(self, blank_rows: list[int]) -> None:
        """Make the load current for its partitions in one transaction: offsets, rejects, log, view, cleanup."""
        con, result, rejects = self.con, self.result, self.rejects
        result.status = "loaded_with_rejects" if rejects else "loaded"
        if rejects:
            result.message = f"{len(rejects)} row(s) rejected (see ops.rejects): {_describe(rejects, self.landed.path)}"
        offsets = _row_offsets([r.source_row for r in rejects] + blank_rows)
        con.execute("begin transaction")
        try:
            if offsets:
                con.executemany(
                    "insert into ops.load_row_offsets values (?, ?, ?)", [[result.load_id, a, b] for a, b in offsets]
                )
            _store_rejects(con, result, rejects)
            _finish(con, result, self.landed)
            con.executemany(
                "insert or replace into ops.current_partitions values (?, ?, ?)",
                [[self.source.name, p, result.load_id] for p in result.partitions],
            )
            refresh_view(con, self.source)
            dropped = drop_superseded(con, self.source)
            con.execute("delete from ops.load_row_offsets where load_id in (select unnest(?::bigint[]))", [dropped])
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        if dropped:
            log.info("load %d replaces load(s) %s", result.load_id, ", ".join(map(str, dropped)))

    def _fail(self, exc: Exception) -> None:
        result = self.result
        self.con.execute(f"drop table if exists {self.table}")
        if self.landed is not None and self.landed.facts is None:
            # the auditor gets the refused file's digest too, even when the load stopped before reading it
            self.landed = replace(self.landed, facts=scan(self.landed.path))
            result.sha256 = self.landed.facts.sha256
        result.status = "failed"
        result.message = str(exc)
        result.seconds = time.monotonic() - self.clock
        _store_rejects(self.con, result, self.rejects)
        _finish(self.con, result, self.landed)
