"""Read-only access to the published marts (``$WAREHOUSE_DIR/published.duckdb``), never the working database.

One read-only DuckDB connection is kept per published file and shared by the app's sessions (each query runs on its
own cursor). Before every query the file is ``stat``-ed: publish replaces it with ``os.replace``, which gives a new
inode, so a changed (inode, mtime, size) means a new publication. The next query then opens the new file (in a new
in-memory DuckDB instance that attaches it read-only: see :func:`_open`), and the old connection is closed as soon
as the last query running on it ends: the app sees a new publication without a restart
and never keeps a replaced file open (issue 12: long-lived DuckDB readers see stale data until all connections
close).

Only names from :data:`TABLES` (and the column allowlist of ``pipeline.crosscut.DIMENSIONS``) reach SQL text; every
value a user picks is a query parameter.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

# Every table the dashboard may read, by schema. A name outside this list never reaches SQL text.
TABLES: dict[str, tuple[str, ...]] = {
    "marts": (
        "fct_budget_execution",
        "fct_budget_execution_wide",
        "fct_execution_progress",
        "fct_budget_pim_monthly",
        "fct_execution_yoy",
        "dim_entity",
        "dim_function",
        "dim_budget_program",
        "dim_geography",
        "fct_program_budget",
        "fct_program_indicators",
        "fct_program_performance",
        "fct_revenue",
        "fct_municipal_own_revenue",
        "fct_works",
        "fct_work_history",
        "fct_work_spending",
        "fct_works_red_flags",
        "agg_works_match_rates",
        "fct_works_paralysis_comparison",
        "fct_works_cui_reconciliation",
        "fct_investment_status",
        "fct_municipal_execution",
        "fct_tax_campaigns",
        "fct_tax_campaign_associations",
        "fct_tax_campaign_works",
        "fct_participation",
        "fct_participatory_agreements",
        "agg_agreement_compliance",
    ),
    "ops": ("publication", "load_log", "current_partitions", "validation_runs", "validation_results"),
}


class NotPublishedError(FileNotFoundError):
    """Nothing is published yet at the expected path."""


def published_path() -> Path:
    """``$WAREHOUSE_DIR/published.duckdb`` (``$DASHBOARD_DB`` overrides it, e.g. for a copy)."""
    override = os.environ.get("DASHBOARD_DB")
    if override:
        return Path(override)
    from ingest.settings import published_db_path

    return published_db_path()


def table(name: str) -> str:
    """Return the quoted ``schema.table`` for a name in :data:`TABLES` (``marts.x`` or ``ops.x``); refuse others."""
    schema, _, bare = name.rpartition(".")
    schemas = [schema] if schema else list(TABLES)
    for candidate in schemas:
        if bare in TABLES.get(candidate, ()):
            return f'"{candidate}"."{bare}"'
    raise ValueError(f"table {name!r} is not in the dashboard's allowlist")


FileKey = tuple[int, int, int]


def file_key(path: Path) -> FileKey | None:
    """(inode, mtime in ns, size) of the published file, or None when there is none."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


@dataclass
class _Handle:
    con: duckdb.DuckDBPyConnection
    key: FileKey
    path: Path
    users: int = 0
    retired: bool = False


def _open(path: Path) -> duckdb.DuckDBPyConnection:
    """A new in-memory DuckDB with the file attached read-only as the default database.

    Not ``duckdb.connect(path, read_only=True)``: DuckDB caches database instances by path within a process, so a
    connection opened while one on the replaced file is still open would get the old file's instance (issue 12).
    """
    import duckdb

    con = duckdb.connect()
    try:
        con.execute("attach ? as published (read_only)", [str(path)])
        con.execute("use published")
    except BaseException:
        con.close()
        raise
    return con


class Published:
    """The published file, reopened when it is replaced; thread-safe (Streamlit runs sessions in threads)."""

    def __init__(self, path: Path | None = None) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._handle: _Handle | None = None
        self.opened = 0  # connections opened so far (tests check a publish opens exactly one more)

    @property
    def path(self) -> Path:
        return self._path or published_path()

    def key(self) -> FileKey | None:
        """The current file's identity (changes with every publication); None when nothing is published."""
        return file_key(self.path)

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on the current publication, for one query; raises :class:`NotPublishedError`."""

        path = self.path
        key = file_key(path)
        if key is None:
            raise NotPublishedError(f"nothing published at {path}")
        with self._lock:
            handle = self._handle
            if handle is None or handle.key != key or handle.path != path:
                fresh = _Handle(_open(path), key, path)
                self.opened += 1
                if handle is not None:
                    handle.retired = True
                    if handle.users == 0:
                        handle.con.close()
                self._handle = handle = fresh
            handle.users += 1
        cur = handle.con.cursor()
        try:
            cur.execute("use published")  # a cursor starts in the in-memory catalog
            yield cur
        finally:
            cur.close()
            with self._lock:
                handle.users -= 1
                if handle.retired and handle.users == 0:
                    handle.con.close()

    def close(self) -> None:
        """Close the connection (once no query runs on it)."""
        with self._lock:
            if self._handle is not None:
                self._handle.retired = True
                if self._handle.users == 0:
                    self._handle.con.close()
                self._handle = None

    def df(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        """Run ``sql`` with ``params`` (DuckDB ``?`` parameters) and return a DataFrame."""
        with self.cursor() as cur:
            return cur.execute(sql, list(params)).df()

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run ``sql`` with ``params`` and return the rows."""
        with self.cursor() as cur:
            return cur.execute(sql, list(params)).fetchall()

    def missing(self, *names: str) -> list[str]:
        """The names among ``names`` (allowlisted ``schema.table``) not in this publication."""
        present = {
            f"{schema}.{name}"
            for schema, name in self.rows(
                "select schema_name, table_name from duckdb_tables() where database_name = current_database()"
            )
        }
        wanted = [table(name).replace('"', "") for name in names]
        return [name for name in wanted if name not in present]


PUBLISHED = Published()
