"""Publish the validated marts as ``$WAREHOUSE_DIR/published.duckdb``, atomically, or leave the last good file.

The marts are copied from the working database into a new file next to the published one, which then replaces it
with one ``os.replace`` (atomic on POSIX). Readers open the published file read-only and never see a half-written
file; a failed gate never gets here, so the previous publication stays byte for byte as it was.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ingest.settings import published_db_path, working_db_path

log = logging.getLogger(__name__)

PUBLISHED_SCHEMAS = ("marts",)
# ops tables that travel with the marts so a reader can trace figures to files. ops.rejects stays behind: its raw
# text is whole source lines, and municipal sources carry taxpayers' names.
LINEAGE_TABLES = ("load_log", "current_partitions")


class PublishRefusedError(RuntimeError):
    """The gate did not pass, or there is nothing to publish; the published file was not touched."""


@dataclass(frozen=True)
class Publication:
    """What a publish wrote."""

    path: Path
    tables: list[str]
    rows: dict[str, int]
    published_at: datetime


def publish(
    warehouse: Path,
    *,
    gate_passed: bool,
    gate_run_id: str,
    report_path: str | None = None,
    data_docs_path: str | None = None,
) -> Publication:
    """Copy the marts of the working database to ``published.duckdb`` if the gate passed; return what was published.

    Raises :class:`PublishRefusedError` (and leaves the published file untouched) when ``gate_passed`` is false or the
    working database holds no marts.
    """
    import duckdb

    if not gate_passed:
        raise PublishRefusedError(
            f"quality gate run {gate_run_id} failed; {published_db_path(warehouse)} kept as it was"
        )
    working = working_db_path(warehouse)
    target = published_db_path(warehouse)
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    staging.unlink(missing_ok=True)
    published_at = datetime.now(UTC).replace(tzinfo=None)
    con = duckdb.connect(str(staging))
    try:
        con.execute(f"attach '{working}' as w (read_only)")
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = 'w'"
            f" and schema_name in ({', '.join(repr(s) for s in PUBLISHED_SCHEMAS)}) order by 1, 2"
        ).fetchall()
        if not tables:
            raise PublishRefusedError(f"{working} has no tables in {', '.join(PUBLISHED_SCHEMAS)}: run dbt build first")
        rows: dict[str, int] = {}
        for schema, table in [*tables, *(("ops", t) for t in LINEAGE_TABLES)]:
            con.execute(f'create schema if not exists "{schema}"')
            con.execute(f'create table "{schema}"."{table}" as select * from w."{schema}"."{table}"')
            rows[f"{schema}.{table}"] = int(con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0])
        con.execute(
            "create table ops.publication as select ?::timestamp as published_at, ? as gate_run_id,"
            " ? as quality_report, ? as data_docs, ? as working_database, ?::json as table_rows",
            [published_at, gate_run_id, report_path, data_docs_path, str(working), json.dumps(rows)],
        )
        con.execute("detach w")
        con.execute("checkpoint")
    except BaseException:
        con.close()
        staging.unlink(missing_ok=True)
        raise
    con.close()
    with staging.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(staging, target)
    log.info("published %d table(s) to %s: %s", len(rows), target, ", ".join(f"{k}={v:,}" for k, v in rows.items()))
    return Publication(target, sorted(rows), rows, published_at)
