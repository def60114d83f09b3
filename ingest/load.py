"""Load one file of one source into the working warehouse, with lineage, rejects and a reconciled load log.

What to read and how comes from the source's contract (``contracts/<name>.yaml``, :mod:`ingest.contracts`). The file
is landed first (downloaded, unzipped) and only then is the DuckDB write connection opened. Two read paths:

- **typed CSV** (SIAF's fast path): DuckDB's own CSV reader with the layout's declared types (no pandas, bounded
  memory) while a second thread takes the file's SHA-256 and line count; ``_source_row`` comes from the load
  table's rowid.
- **text stage** (XLSX, declared parsers, placeholders, title or junk rows): the file's cells land as text in a stage
  table (CSV through DuckDB's reader, XLSX through calamine in batches), then one SQL statement parses every field
  (:mod:`ingest.parsers`) and keeps ``_source_row`` (the data row of a CSV, the sheet row of an XLSX) as a column.

A file whose SHA-256 is that of the source's current load is ``unchanged``: logged, never read. Downloads (and a 304
Not Modified) and unzipped files come with their SHA-256, so that is decided before the read; a local file is hashed
first only when its size equals the current load's (see ``_Load._digest_first``), otherwise while it is read.

Rows the reader or a parser cannot read go to ``ops.rejects`` with the reason (column, value) and the raw row. A
load commits only if rows read = rows loaded + rows rejected (+ blank and declared junk rows), the file is not
truncated, rejects stay within ``max_rejects`` and no partition shrinks beyond the contract's tolerance; then, in one
transaction, it becomes the current data of the partitions (years) it holds, and superseded loads are kept or dropped
as the contract's ``history`` says. Otherwise the previous data stays as it was.

A load whose process died (SIGKILL, power loss) never committed that transaction, so its data is simply absent; it
leaves a ``running`` row in ``ops.load_log`` and its work tables. The next load, holding DuckDB's single write lock
(so no other load can be running), marks such rows ``failed`` ("interrupted") and drops their tables.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ingest import xlsx
from ingest.contracts import Layout, Source, get_source
from ingest.errors import (
    IngestError,
    NotCsvError,
    ReconciliationError,
    RejectLimitError,
    ShrinkError,
    TruncatedFileError,
)
from ingest.header import detect_layout, read_header
from ingest.locate import FileFacts, LandedFile, find_blank_lines, is_xlsx, land, scan, sha256_of
from ingest.parsers import failure_sql, field_sql, quote_ident
from ingest.settings import landing_dir, warehouse_dir, working_db_path
from ingest.warehouse import (
    apply_retention,
    connect,
    load_table_name,
    prune_landing,
    refresh_views,
    sql_str,
)

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
    rows_skipped: int = 0  # blank rows and the contract's junk rows at the end: counted, never loaded
    partitions: list[str] = field(default_factory=list)
    seconds: float = 0.0
    message: str = ""


@dataclass(frozen=True)
class _Reject:
    source_row: int
    reason: str
    raw_text: str | None


@dataclass
class _Read:
    """What reading a file gave: its facts, rows loaded, rejects, and rows skipped (blank or junk)."""

    facts: FileFacts
    rows_loaded: int = 0
    rejects: list[_Reject] = field(default_factory=list)
    blank_rows: list[int] = field(default_factory=list)
    junk_rows: list[int] = field(default_factory=list)


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _read_csv_sql(path: Path, source: Source, header: list[str], types: dict[str, str], scan_name: str) -> str:
    """Return a ``read_csv`` call with the given types, every option explicit (no sniffing of codes)."""
    columns = ", ".join(f"{sql_str(name)}: {sql_str(types[name])}" for name in header)
    dialect = source.dialect
    quote = sql_str(dialect.quote)
    return (
        f"read_csv({sql_str(str(path))}, columns = {{{columns}}}, header = true, auto_detect = false, "
        f"skip = {dialect.header_row - 1}, delim = {sql_str(dialect.delimiter)}, quote = {quote}, escape = {quote}, "
        f"allow_quoted_nulls = false, strict_mode = true, encoding = 'utf-8', store_rejects = true, "
        f"rejects_table = '{scan_name}_errors', rejects_scan = '{scan_name}_scans')"
    )


def _select_sql(layout: Layout) -> str:
    return "select " + ", ".join(
        f"{quote_ident(c.source_name)} as {c.name}"
        if c.source_name is not None
        else f"cast(null as {c.type}) as {c.name}"
        for c in layout.columns
    )


def _collect_rejects(con: duckdb.DuckDBPyConnection, scan_name: str, header_row: int) -> list[_Reject]:
    rows = con.execute(
        f"""
        with per_problem as (  -- one problem in many columns (an encoding error hits every text cell) said once
            select line, min(column_idx) as first_column,
                   coalesce(error_type || ' ', '') ||
                   coalesce(case when count(column_name) > 1 then 'in columns ' else 'in column ' end ||
                            string_agg(column_name, ', ' order by column_idx) || ': ', ': ') ||
                   error_message as reason,
                   any_value(csv_line) as csv_line
            from {scan_name}_errors group by line, error_type, error_message
        )
        select line - {header_row} as source_row,
               string_agg(reason, '; ' order by first_column) as reason,
               any_value(ltrim(csv_line, chr(10) || chr(13))) as raw_text
        from per_problem group by line order by line
        """
    ).fetchall()
    return [_Reject(int(r[0]), r[1], r[2]) for r in rows]


def _describe(rejects: list[_Reject], path: Path, unit: str) -> str:
    first = rejects[:REJECT_EXAMPLES_IN_MESSAGE]
    if unit == "sheet row":
        shown = "; ".join(f"sheet row {r.source_row}: {r.reason}" for r in first)
    else:
        shown = "; ".join(f"row {r.source_row} (line {r.source_row + 1}): {r.reason}" for r in first)
    more = f"; and {len(rejects) - len(first):,} more" if len(rejects) > len(first) else ""
    return f"{path}: {shown}{more}"


def _check_truncation(landed: LandedFile, facts: FileFacts, rejects: list[_Reject], source: Source) -> None:
    if facts.ends_with_newline:
        return
    last_row = facts.physical_lines - source.dialect.header_row
    cut = next((r.reason for r in rejects if r.source_row == last_row), None)
    if cut is None and source.dialect.quote_all and facts.last_byte != source.dialect.quote.encode():
        cut = f"every field of this source is quoted, but the file ends in {facts.last_byte!r}"
    if cut is None and source.dialect.junk_rows_at_end and not source.dialect.quote_all:
        # a cut that took the junk rows with it would leave a data row to be skipped as junk: lost silently
        cut = "the contract declares junk rows at the end, and a complete file ends with a line break"
    if cut is not None:
        # with line breaks inside fields, lines are not rows: name the last line only
        where = "its last row" if source.dialect.multiline_fields else f"row {last_row}"
        raise TruncatedFileError(
            f"{landed.path}: the file ends in the middle of {where} (line {facts.physical_lines}, no line "
            f"break at the end; {cut}). It looks truncated (interrupted download or copy); nothing was loaded"
        )


def _reconcile(landed: LandedFile, facts: FileFacts, accounted: int, source: Source) -> list[int]:
    """Check that every data line of a CSV was read (loaded or rejected) or blank; return the blank rows.

    Only sources whose fields hold no line breaks can be reconciled against the physical line count.
    """
    if source.dialect.multiline_fields:
        return []
    header_row = source.dialect.header_row
    expected = facts.physical_lines - header_row
    if accounted == expected:
        return []
    blank_rows = [line - header_row for line in find_blank_lines(landed.path) if line > header_row]
    if accounted + len(blank_rows) != expected:
        raise ReconciliationError(
            f"{landed.path}: {expected:,} data lines in the file but {accounted:,} read + {len(blank_rows):,} "
            f"blank; {expected - accounted - len(blank_rows):,} row(s) unaccounted for, nothing was loaded"
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


def _offsets_join(offsets: list[tuple[int, int]], alias: str = "t") -> tuple[str, str]:
    """Return (row expression, join clause) giving each staged row its file row from its rowid."""
    if not offsets:
        return f"{alias}.rowid + 1", ""
    values = ", ".join(f"({a}, {b})" for a, b in offsets)
    join = (
        f" asof left join (select * from (values {values}) as v(accepted_below, rejected_before)) o"
        f" on {alias}.rowid + 1 > o.accepted_below"
    )
    return f"{alias}.rowid + 1 + coalesce(o.rejected_before, 0)", join


def _already_current(con: duckdb.DuckDBPyConnection, source: Source, sha256: str) -> tuple[int, str | None] | None:
    """Return the id and layout of a current load of ``source`` with this SHA-256, or None."""
    row = con.execute(
        """
        select l.load_id, l.layout from ops.load_log l
        where l.source = ? and l.sha256 = ? and l.status in ('loaded', 'loaded_with_rejects')
          and l.load_id in (select load_id from ops.current_partitions where source = ?)
        order by l.load_id desc limit 1
        """,
        [source.name, sha256, source.name],
    ).fetchone()
    return None if row is None else (int(row[0]), row[1])


def _current_load_has_size(con: duckdb.DuckDBPyConnection, source: Source, size: int) -> bool:
    """Return whether a current load of ``source`` came from a file of exactly ``size`` bytes."""
    row = con.execute(
        """
        select count(*) from ops.load_log l
        where l.source = ? and l.bytes = ? and l.status in ('loaded', 'loaded_with_rejects')
          and l.load_id in (select load_id from ops.current_partitions where source = ?)
        """,
        [source.name, size, source.name],
    ).fetchone()
    return bool(row and row[0])


def _finish(con: duckdb.DuckDBPyConnection, result: LoadResult, landed: LandedFile | None) -> None:
    facts = landed.facts if landed else None
    size = facts.size if facts else (landed.path.stat().st_size if landed and landed.path.is_file() else None)
    con.execute(
        """
        update ops.load_log set location = ?, local_path = ?, sha256 = ?, container_sha256 = ?, bytes = ?,
            layout = ?, rows_read = ?, rows_loaded = ?, rows_rejected = ?, rows_skipped = ?, partitions = ?,
            status = ?, message = ?, finished_at = ?
        where load_id = ?
        """,
        [
            landed.location if landed else result.location,
            str(landed.path.resolve()) if landed else None,
            result.sha256,
            landed.container_sha256 if landed else None,
            size,
            result.layout,
            result.rows_read,
            result.rows_loaded,
            result.rows_rejected,
            result.rows_skipped,
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
    allow_shrink: bool = False,
    landed: LandedFile | None = None,
) -> LoadResult:
    """Load ``location`` (path, URL, zip or xlsx) as ``source_name``; return what happened.

    The file is landed (downloaded, unzipped) before the warehouse is opened for writing; pass ``landed`` when a
    separate step (Airflow's fetch task) already did it. Loading the file that is already current is a no-op
    (status ``unchanged``) unless ``force``. A file that would shrink a partition by more than the contract's
    tolerance is refused unless ``allow_shrink``. Raises an :class:`IngestError` subclass when the file cannot be
    loaded; the failure is recorded in ``ops.load_log`` (and its rejects in ``ops.rejects``) and the warehouse's data
    is left as it was.
    """
    source = get_source(source_name)
    base = warehouse or warehouse_dir()
    fetch_error: IngestError | None = None
    if landed is None:
        try:
            landed = land(location, landing_dir(base))
        except IngestError as exc:
            fetch_error = exc
    con = connect(working_db_path(base))
    try:
        close_interrupted_loads(con)
        job = _Load(con, source, location, base)
        if fetch_error is not None:
            job.fail(fetch_error)
            raise fetch_error
        assert landed is not None
        return job.run(landed, max_rejects=max_rejects, force=force, allow_shrink=allow_shrink)
    finally:
        con.close()


def close_interrupted_loads(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Mark loads left ``running`` by a dead process as failed and drop their work tables; return their ids.

    Call only with the write connection open: DuckDB allows one writer, so no load recorded as running is alive.
    """
    ids = [int(r[0]) for r in con.execute("select load_id from ops.load_log where status = 'running'").fetchall()]
    for load_id in ids:
        suffixes = (f"__{load_id:06d}", f"__{load_id:06d}__stage", f"__{load_id:06d}__parsed")
        tables = con.execute("select table_name from duckdb_tables() where schema_name = 'raw_loads'").fetchall()
        for (table,) in tables:
            if table.endswith(suffixes):
                con.execute(f"drop table if exists raw_loads.{quote_ident(table)}")
        con.execute(
            "update ops.load_log set status = 'failed', finished_at = ?, message = ? where load_id = ?",
            [_utcnow(), "interrupted: the process loading it ended before the load finished; nothing was kept",
             load_id],
        )  # fmt: skip
        log.warning("load %d was interrupted (its process ended mid-load): marked failed, work tables dropped", load_id)
    return ids


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
        self.stage = f'raw_loads."{source.table}__{load_id:06d}__stage"'
        self.landed: LandedFile | None = None
        self.rejects: list[_Reject] = []
        self.unit = "sheet row" if source.format == "xlsx" else "row"
        self.ignored_columns: list[str] = []
        self.sheet: object | None = None

    def run(self, landed: LandedFile, *, max_rejects: int, force: bool, allow_shrink: bool) -> LoadResult:
        self.landed = landed
        try:
            return self._run(max_rejects, force, allow_shrink)
        except Exception as exc:
            import duckdb

            error = exc
            if isinstance(exc, duckdb.Error) and not isinstance(exc, IngestError):
                error = IngestError(f"{landed.path}: the reader failed: {exc}")
            self.fail(error)
            if error is exc:
                raise
            raise error from exc

    def _check_format(self, landed: LandedFile) -> None:
        workbook = is_xlsx(landed.path)
        if self.source.format == "xlsx" and not workbook:
            raise NotCsvError(
                f"{landed.path}: source {self.source.name} is declared as XLSX (contract {self.source.path.name}), "
                "but this file is not an XLSX workbook"
            )
        if self.source.format == "csv" and workbook:
            raise NotCsvError(
                f"{landed.path}: this is an XLSX workbook, but source {self.source.name} is declared as a "
                f"'{self.source.dialect.delimiter}'-delimited CSV (contract {self.source.path.name})"
            )

    def _header(self, landed: LandedFile) -> list[str]:
        dialect = self.source.dialect
        if self.source.format == "xlsx":
            self.sheet = xlsx.open_sheet(landed.path, dialect)  # parsed once, for the header and the rows
            return xlsx.read_header(landed.path, dialect, self.sheet)
        return read_header(landed.path, dialect.delimiter, dialect.quote, dialect.header_row)

    def _run(self, max_rejects: int, force: bool, allow_shrink: bool) -> LoadResult:
        source, result, landed = self.source, self.result, self.landed
        assert landed is not None
        if not force:
            self.landed = landed = self._facts_first(landed)
            sha256 = landed.facts.sha256 if landed.facts else self._digest_first(landed)
            if sha256 is not None and self._skip_if_current(sha256):
                return result  # the file was never opened for reading (not even its header)
        self._check_format(landed)
        header = self._header(landed)
        row = source.dialect.header_row
        where = f"sheet row {row}" if source.format == "xlsx" else f"line {row}"
        layout = detect_layout(source, header, landed.path, f"{where} (the contract's headerRows)")
        result.layout = layout.name
        ignored = [name for name in header if name not in layout.header]
        if ignored:  # only with fieldsMatch: subset
            log.warning("%s: %d column(s) not in the contract ignored: %s", landed.path, len(ignored), ignored)
            self.ignored_columns = ignored

        log.info("load %d: reading %s (%s, layout %s)", result.load_id, landed.path, source.name, layout.name)
        if source.format == "xlsx":
            read = self._read_xlsx(landed, header, layout)
        elif source.needs_text_stage:
            read = self._read_csv_text(landed, header, layout)
        else:
            read = self._read_csv_typed(landed, header, layout)
        self.landed = landed = replace(landed, facts=read.facts)
        result.sha256 = read.facts.sha256
        if not force and self._skip_if_current(read.facts.sha256):
            self._drop_work_tables()
            return result
        self.rejects = rejects = read.rejects
        result.rows_loaded, result.rows_rejected = read.rows_loaded, len(rejects)
        result.rows_read = read.rows_loaded + len(rejects)
        result.rows_skipped = len(read.blank_rows) + len(read.junk_rows)
        if len(rejects) > max_rejects:
            raise RejectLimitError(
                f"{len(rejects):,} row(s) rejected, more than the {max_rejects:,} allowed (--max-rejects); nothing "
                f"was loaded. {_describe(rejects, landed.path, self.unit)}"
            )
        if read.rows_loaded == 0:
            raise IngestError(f"{landed.path}: no data rows could be loaded; nothing was replaced")
        counts = self._partition_counts()
        result.partitions = list(counts)
        self._check_shrink(counts, allow_shrink)
        skipped = [r.source_row for r in rejects] + read.blank_rows + read.junk_rows
        self._make_current(skipped if not self._has_row_column() else [], counts)
        result.seconds = time.monotonic() - self.clock
        log.info(
            "load %d: %s rows loaded, %s rejected, %s skipped, partitions %s, %.1f s (%.0f MiB/s)",
            result.load_id, f"{result.rows_loaded:,}", f"{result.rows_rejected:,}", f"{result.rows_skipped:,}",
            ",".join(result.partitions), result.seconds, read.facts.size / 1024**2 / max(result.seconds, 1e-9),
        )  # fmt: skip
        return result

    def _facts_first(self, landed: LandedFile) -> LandedFile:
        """Return ``landed`` with its facts: as they came (downloads, unzipped files), or taken now for a workbook,
        which :meth:`_read_xlsx` hashes before reading in any case; a local CSV as it is."""
        if landed.facts is None and self.source.format == "xlsx":
            return replace(landed, facts=scan(landed.path))
        return landed

    def _digest_first(self, landed: LandedFile) -> str | None:
        """Return a local CSV's SHA-256, taken before any read, when the file could be the current one; else None.

        A local CSV is otherwise hashed while DuckDB reads it (no extra wall time), which finds an unchanged file
        only after the whole read. So it is hashed first only when a current load of the source came from a file of
        exactly its size: a publisher's file that changed almost always changed size (MEF's daily file grows every
        day), so a changed file keeps its single pass, and a file of the same size pays one SHA-256 pass (0.75 s of
        CPU per GB here) to skip the read when unchanged, or is hashed again while read in the rare case it changed.
        The size only decides when to hash: the SHA-256 alone decides "unchanged".
        """
        size = landed.path.stat().st_size
        if not _current_load_has_size(self.con, self.source, size):
            return None
        log.info("%s: the size of the current load (%s bytes): hashing it before reading", landed.path, f"{size:,}")
        return sha256_of(landed.path)

    def _hashing_while(self, landed: LandedFile, statement: str) -> FileFacts:
        """Run ``statement`` (which reads the file); return the file's facts, hashed meanwhile when not yet known."""
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

    def _read_csv_into(
        self, landed: LandedFile, header: list[str], types: dict[str, str], table: str, select: str
    ) -> tuple[FileFacts, int, list[_Reject], list[int]]:
        """Create ``table`` as ``select`` over DuckDB's CSV reader with ``types``; check the file was read whole.

        Returns the file's facts, the rows in ``table``, the rows the reader rejected and the blank lines.
        """
        scan_name = f"load_{self.result.load_id}"
        facts = self._hashing_while(
            landed,
            f"create table {table} as {select} "
            f"from {_read_csv_sql(landed.path, self.source, header, types, scan_name)}",
        )
        rows = int(self.con.execute(f"select count(*) from {table}").fetchone()[0])
        self.rejects = rejects = _collect_rejects(self.con, scan_name, self.source.dialect.header_row)
        landed = replace(landed, facts=facts)
        _check_truncation(landed, facts, rejects, self.source)
        blank_rows = _reconcile(landed, facts, rows + len(rejects), self.source)
        return facts, rows, rejects, blank_rows

    def _read_csv_typed(self, landed: LandedFile, header: list[str], layout: Layout) -> _Read:
        """The fast path: DuckDB's CSV reader types every column as declared, straight into the load table."""
        types = {name: layout.column_for(name).type if name in layout.header else "VARCHAR" for name in header}
        facts, rows, rejects, blank_rows = self._read_csv_into(landed, header, types, self.table, _select_sql(layout))
        return _Read(facts, rows, rejects, blank_rows)

    def _read_csv_text(self, landed: LandedFile, header: list[str], layout: Layout) -> _Read:
        """The text path for a CSV: every column as VARCHAR into a stage table, then parsed in SQL."""
        types = dict.fromkeys(header, "VARCHAR")
        facts, _, rejects, blank_rows = self._read_csv_into(landed, header, types, self.stage, "select *")
        row_expr, join = _offsets_join(_row_offsets([r.source_row for r in rejects] + blank_rows))
        columns = {name: quote_ident(name) for name in header}
        return self._parse_stage(facts, layout, columns, row_expr, join, rejects, blank_rows)

    def _read_xlsx(self, landed: LandedFile, header: list[str], layout: Layout) -> _Read:
        """The XLSX path: sheet rows stream into a stage table in batches, then are parsed in SQL."""
        facts = landed.facts or scan(landed.path)
        keep = [i for i, name in enumerate(header) if name in layout.header]
        stats = xlsx.stage(self.con, landed.path, self.source.dialect, header, self.stage, self.sheet, keep)
        self.sheet = None  # the cells are in DuckDB now: let calamine's copy go
        expected = stats.last_row - self.source.dialect.header_row
        seen = stats.rows_staged + len(stats.blank_rows) + len(stats.overflow_rows)
        if seen != max(expected, 0):
            raise ReconciliationError(
                f"{landed.path}: {expected:,} sheet rows below the header but {seen:,} read; nothing was loaded"
            )
        overflow = [_Reject(row, reason, None) for row, reason in stats.overflow_rows]
        columns = {name: f"c{i + 1}" for i, name in enumerate(header) if name in layout.header}
        return self._parse_stage(facts, layout, columns, "t._source_row", "", overflow, stats.blank_rows)

    def _parse_stage(
        self,
        facts: FileFacts,
        layout: Layout,
        columns: dict[str, str],
        row_expr: str,
        join: str,
        reader_rejects: list[_Reject],
        blank_rows: list[int],
    ) -> _Read:
        """Parse the stage table into the load table; return what was loaded, rejected and skipped.

        ``columns`` maps each header name to its stage column. Rows with a value a parser cannot read are rejected
        with the column and the reason; the contract's junk rows at the end are skipped and counted.
        """
        source, con = self.source, self.con
        fields = {f.name: f for f in source.fields}
        values, reasons = [], []
        for column in layout.columns:
            f = fields[column.name]
            if column.source_name is None:
                values.append(f"cast(null as {f.sql_type}) as {f.name}")
                continue
            text = f"t.{columns[column.source_name]}"
            values.append(f"{field_sql(text, f, source.missing_values)} as {f.name}")
            reasons.append(failure_sql(text, f, source.missing_values))
        raw_text = f"concat_ws(' | ', {', '.join(f't.{c}' for c in dict.fromkeys(columns.values()))})"
        reason = f"nullif(concat_ws('; ', {', '.join(reasons)}), '')" if reasons else "cast(null as varchar)"
        parsed = f'raw_loads."{source.table}__{self.result.load_id:06d}__parsed"'
        con.execute(
            f"create table {parsed} as select {row_expr} as _source_row, {', '.join(values)}, "
            f"{reason} as _reject_reason, {raw_text} as _raw_text from {self.stage} t{join}"
        )
        junk_rows: list[int] = []
        junk = source.dialect.junk_rows_at_end
        if junk:
            candidates = con.execute(
                f"select _source_row from {parsed} order by _source_row desc limit {junk}"
            ).fetchall()
            every = sorted({*(r[0] for r in candidates), *(r.source_row for r in reader_rejects)}, reverse=True)
            junk_rows = sorted(every[:junk])
            log.info("load %d: skipping the contract's junk row(s) at the end: %s", self.result.load_id, junk_rows)
        junk_filter = f"_source_row not in ({', '.join(map(str, junk_rows))})" if junk_rows else "true"
        parse_rejects = [
            _Reject(int(r[0]), r[1], r[2])
            for r in con.execute(
                f"select _source_row, _reject_reason, _raw_text from {parsed} "
                f"where _reject_reason is not null and {junk_filter} order by _source_row"
            ).fetchall()
        ]
        con.execute(
            f"create table {self.table} as select _source_row, {', '.join(c.name for c in layout.columns)} "
            f"from {parsed} where _reject_reason is null and {junk_filter} order by _source_row"
        )
        con.execute(f"drop table {parsed}")
        con.execute(f"drop table {self.stage}")
        rows_loaded = int(con.execute(f"select count(*) from {self.table}").fetchone()[0])
        rejects = sorted(
            [r for r in reader_rejects if r.source_row not in junk_rows] + parse_rejects, key=lambda r: r.source_row
        )
        return _Read(facts, rows_loaded, rejects, blank_rows, junk_rows)

    def _has_row_column(self) -> bool:
        return self.source.format == "xlsx" or self.source.needs_text_stage

    def _drop_work_tables(self) -> None:
        self.con.execute(f"drop table if exists {self.table}")
        self.con.execute(f"drop table if exists {self.stage}")
        self.con.execute(f'drop table if exists raw_loads."{self.source.table}__{self.result.load_id:06d}__parsed"')

    def _skip_if_current(self, sha256: str) -> bool:
        found = _already_current(self.con, self.source, sha256)
        if found is None:
            return False
        current, layout = found
        result = self.result
        result.sha256 = sha256
        result.layout = result.layout or layout
        result.status = "unchanged"
        result.message = f"identical to load {current}, which is current; nothing to do (use --force to reload)"
        result.seconds = time.monotonic() - self.clock
        _finish(self.con, result, self.landed)
        log.info("%s: %s", result.location, result.message)
        return True

    def _partition_counts(self) -> dict[str, int]:
        """Return the load's rows per partition value (``*`` for a source replaced as a whole)."""
        column = self.source.partition_column
        if column is None:
            return {"*": self.result.rows_loaded}
        rows = self.con.execute(
            f"select cast({column} as varchar), count(*) from {self.table} group by 1 order by 1"
        ).fetchall()
        if any(value is None for value, _ in rows):
            raise IngestError(f"{self.result.location}: rows without {column}; cannot decide what they replace")
        return {value: int(n) for value, n in rows}

    def _check_shrink(self, counts: dict[str, int], allow_shrink: bool) -> None:
        """Refuse a file that would shrink a partition by more than the contract's tolerance."""
        tolerance = self.source.shrink_tolerance
        current = dict(
            self.con.execute(
                "select partition_value, rows from ops.current_partitions where source = ? and rows is not null",
                [self.source.name],
            ).fetchall()
        )
        shrunk = [
            (value, int(current[value]), n)
            for value, n in counts.items()
            if value in current and n < current[value] * (1 - tolerance)
        ]
        if not shrunk:
            return
        what = "; ".join(
            f"{self._partition_label(value)} from {old:,} to {new:,} rows ({(new - old) / old:+.1%})"
            for value, old, new in shrunk
        )
        if allow_shrink:
            log.warning("load %d shrinks %s (allowed by --allow-shrink)", self.result.load_id, what)
            return
        assert self.landed is not None
        raise ShrinkError(
            f"{self.landed.path}: this file would shrink {what}, more than the {tolerance:.0%} the contract "
            f"({self.source.path.name}) tolerates; nothing was loaded. If the publisher really removed rows, "
            "load it again with --allow-shrink"
        )

    def _partition_label(self, value: str) -> str:
        column = self.source.partition_column
        return f"{column} = {value}" if column else "the table"

    def _make_current(self, skipped_rows: list[int], counts: dict[str, int]) -> None:
        """Make the load current for its partitions in one transaction: offsets, rejects, log, views, retention."""
        con, result, rejects = self.con, self.result, self.rejects
        assert self.landed is not None
        result.status = "loaded_with_rejects" if rejects else "loaded"
        notes = []
        if rejects:
            notes.append(
                f"{len(rejects)} row(s) rejected (see ops.rejects): {_describe(rejects, self.landed.path, self.unit)}"
            )
        if self.ignored_columns:
            notes.append(f"{len(self.ignored_columns)} column(s) not in the contract ignored: {self.ignored_columns}")
        result.message = "; ".join(notes)
        offsets = _row_offsets(skipped_rows)
        con.execute("begin transaction")
        try:
            if offsets:
                con.executemany(
                    "insert into ops.load_row_offsets values (?, ?, ?)", [[result.load_id, a, b] for a, b in offsets]
                )
            _store_rejects(con, result, rejects)
            _finish(con, result, self.landed)
            con.executemany(
                "insert or replace into ops.current_partitions (source, partition_value, load_id, rows) "
                "values (?, ?, ?, ?)",
                [[self.source.name, p, result.load_id, n] for p, n in counts.items()],
            )
            dropped = apply_retention(con, self.source)
            refresh_views(con, self.source)
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        if dropped:
            log.info("load %d supersedes load(s) %s, dropped as the contract's history says", result.load_id, dropped)
            prune_landing(con, self.base, dropped)

    def fail(self, exc: Exception) -> None:
        """Record the attempt as failed (with its rejects and the file's digest) and drop its work tables."""
        result = self.result
        self._drop_work_tables()
        if self.landed is not None and self.landed.facts is None:
            # the auditor gets the refused file's digest too, even when the load stopped before reading it
            self.landed = replace(self.landed, facts=scan(self.landed.path))
        if self.landed is not None and self.landed.facts is not None:
            result.sha256 = self.landed.facts.sha256
        result.status = "failed"
        result.message = str(exc)
        result.seconds = time.monotonic() - self.clock
        _store_rejects(self.con, result, self.rejects)
        _finish(self.con, result, self.landed)
        prune_landing(self.con, self.base, [result.load_id])
