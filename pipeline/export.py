"""The open-data release: every published mart as Parquet and CSV, described by a Data Package (``datapackage.json``).

``python -m pipeline export`` (and the publish DAG's ``export_open_data`` task) reads ``published.duckdb`` read-only,
never the working file, and writes ``<warehouse>/open-data/<release id>/``: per mart ``<name>.parquet`` and
``<name>.csv`` (DuckDB ``COPY``, streamed, never through pandas) and ``datapackage.json`` (Data Package v2, checked by
the ``frictionless`` validator in the tests): a Table Schema per file with the dbt docs' descriptions, the sources'
licences, each current load (location, SHA-256, load time, rows) and the quality-gate run that let it be published.

The release id is the publication's time (``ops.publication.published_at``, ``YYYYMMDDTHHMMSSZ``), so exporting the
same publication again writes the same folder with the same bytes. The release is written to a temporary folder
beside it, then renamed into place, and the ``latest`` symlink is replaced atomically: a reader sees a whole release
or the previous one. See docs/open-data.md.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.settings import memory_limit, published_db_path, warehouse_dir

if TYPE_CHECKING:
    import duckdb

log = logging.getLogger(__name__)

OPEN_DATA_DIR = "open-data"
LATEST = "latest"
MARTS_SCHEMA = "marts"
PACKAGE_NAME = "peru-public-spending-monitoring"
PACKAGE_TITLE = "Seguimiento del gasto público del Perú: marts publicados"
# Data Package v2 asks for the profile URL; frictionless 5 reads the descriptor without fetching it.
PACKAGE_PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
PARQUET_MEDIATYPE = "application/vnd.apache.parquet"
_TMP = re.compile(r"\.(?:tmp|old)-(?P<name>.+)-(?P<pid>\d+)")

# DuckDB type (without parameters) -> Table Schema type. Lists are "array": JSON text in the CSV, native in Parquet.
TABLE_SCHEMA_TYPES = {
    "VARCHAR": "string",
    "BOOLEAN": "boolean",
    "TINYINT": "integer",
    "SMALLINT": "integer",
    "INTEGER": "integer",
    "BIGINT": "integer",
    "HUGEINT": "integer",
    "UTINYINT": "integer",
    "USMALLINT": "integer",
    "UINTEGER": "integer",
    "UBIGINT": "integer",
    "UHUGEINT": "integer",
    "DECIMAL": "number",
    "DOUBLE": "number",
    "FLOAT": "number",
    "DATE": "date",
    "TIMESTAMP": "datetime",
    "TIME": "time",
    "JSON": "any",
    "STRUCT": "object",
    "MAP": "object",
}
# Parquet has no 128-bit integer: DuckDB would write HUGEINT as a DOUBLE (inexact beyond 2^53). DECIMAL(38,0) holds
# every HUGEINT up to 38 digits exactly; the Parquet file's column reads back as DECIMAL(38,0).
PARQUET_CASTS = {"HUGEINT": "DECIMAL(38,0)", "UHUGEINT": "DECIMAL(38,0)"}


class ExportError(RuntimeError):
    """Nothing to export (no publication), or the release could not be written; no release folder was changed."""


class PersonalColumnError(ExportError):
    """A mart has a column named like a contract's ``personal: true`` field: the export refuses to write anything."""


@dataclass(frozen=True)
class Release:
    """What an export wrote."""

    path: Path  # the release folder
    datapackage: Path
    rows: dict[str, int]  # mart -> rows written (equal in its CSV and Parquet file)
    gate_run_id: str


def release_id(published_at: datetime) -> str:
    """Return the release folder name of a publication: its UTC time, ``YYYYMMDDTHHMMSSZ``."""
    return published_at.strftime("%Y%m%dT%H%M%SZ")


def table_schema_type(duckdb_type: str) -> str:
    """Return the Table Schema type of a DuckDB column type (``array`` for any list, ``any`` if unknown)."""
    if duckdb_type.endswith("]"):
        return "array"
    base = duckdb_type.split("(", 1)[0].strip().upper()
    if base.startswith("TIMESTAMP"):
        return "datetime"
    return TABLE_SCHEMA_TYPES.get(base, "any")


def parquet_type(duckdb_type: str) -> str:
    """Return the DuckDB type a column has when its Parquet file is read back (see :data:`PARQUET_CASTS`)."""
    return PARQUET_CASTS.get(duckdb_type, duckdb_type)


def personal_column_names() -> dict[str, str]:
    """Return every ``personal: true`` field name of any contract (lower-cased) -> the source declaring it."""
    from ingest.contracts import registry

    names: dict[str, str] = {}
    for source in registry().sources.values():
        for name in source.personal_columns:
            names.setdefault(name.lower(), source.name)
    return names


def export_release(warehouse: Path | None = None, out: Path | None = None) -> Release:
    """Export the published marts of ``warehouse`` as an open-data release under ``out``; return what was written.

    ``out`` defaults to ``<warehouse>/open-data``; the release goes to ``out/<release id>`` and ``out/latest`` points
    at it. Raises :class:`ExportError` when nothing is published and :class:`PersonalColumnError` (before writing
    anything) when a mart has a column named like a contract's personal field. Exporting the same publication
    again rewrites the same bytes.
    """
    import duckdb

    base = warehouse or warehouse_dir()
    published = published_db_path(base)
    if not published.exists():
        raise ExportError(f"nothing published in {base}: run the pipeline first ({published} is missing)")
    root = (out or base / OPEN_DATA_DIR).resolve()
    root.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(root)
    # One read-only connection for the whole export: a publish that replaces the file meanwhile does not mix
    # two publications into one release (this connection keeps reading the file it opened).
    con = duckdb.connect(str(published), read_only=True, config={"memory_limit": memory_limit()})
    try:
        publication = _publication(con)
        name = release_id(publication["published_at"])
        tables = _mart_columns(con)
        if not tables:
            raise ExportError(f"{published} has no tables in schema {MARTS_SCHEMA}")
        _refuse_personal_columns(tables)
        target = root / name
        staging = root / f".tmp-{name}-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        try:
            rows, files = _write_files(con, tables, staging)
            package = _datapackage(con, base, name, publication, tables, rows, files)
            (staging / "datapackage.json").write_text(
                json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )
            _fsync_folder(staging)
            _move_into_place(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    finally:
        con.close()
    _point_latest(root, name)
    log.info(
        "open-data release %s: %d mart(s), %s rows, gate run %s",
        target,
        len(rows),
        f"{sum(rows.values()):,}",
        publication["gate_run_id"],
    )
    return Release(target, target / "datapackage.json", rows, str(publication["gate_run_id"]))


def _publication(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    row = con.execute("select published_at, gate_run_id, quality_report from ops.publication").fetchone()
    if row is None:
        raise ExportError("the published file has no ops.publication row")
    return {"published_at": row[0], "gate_run_id": row[1], "quality_report": row[2]}


def _mart_columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str]]]:
    """Return mart -> [(column, DuckDB type)] in column order, marts sorted by name."""
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in con.execute(
        "select table_name, column_name, data_type from information_schema.columns where table_schema = ?"
        " order by table_name, ordinal_position",
        [MARTS_SCHEMA],
    ).fetchall():
        tables.setdefault(table, []).append((column, data_type))
    return tables


def _refuse_personal_columns(tables: dict[str, list[tuple[str, str]]]) -> None:
    personal = personal_column_names()
    found = [
        f"{MARTS_SCHEMA}.{table}.{column} (personal in {personal[column.lower()]})"
        for table, columns in tables.items()
        for column, _ in columns
        if column.lower() in personal
    ]
    if found:
        raise PersonalColumnError(
            "refusing to export columns that contracts declare personal: " + ", ".join(found) + ". Nothing was written"
        )


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _write_files(
    con: duckdb.DuckDBPyConnection, tables: dict[str, list[tuple[str, str]]], folder: Path
) -> tuple[dict[str, int], dict[str, dict[str, Any]]]:
    """COPY each mart to Parquet and CSV in ``folder``; return rows per mart and bytes/SHA-256 per file name."""
    rows: dict[str, int] = {}
    files: dict[str, dict[str, Any]] = {}
    for table, columns in tables.items():
        source = f"{_quote(MARTS_SCHEMA)}.{_quote(table)}"
        parquet_cols = ", ".join(
            f"{_quote(c)}::{PARQUET_CASTS[t]} as {_quote(c)}" if t in PARQUET_CASTS else _quote(c) for c, t in columns
        )
        # Lists as JSON text in the CSV (["a","b"]), which a Table Schema "array" field reads; DuckDB's own list
        # text ([a, b]) is not JSON.
        csv_cols = ", ".join(
            f"to_json({_quote(c)})::varchar as {_quote(c)}" if t.endswith("]") else _quote(c) for c, t in columns
        )
        parquet = folder / f"{table}.parquet"
        csv = folder / f"{table}.csv"
        written = con.execute(
            f"copy (select {parquet_cols} from {source}) to '{parquet}' (format parquet, compression zstd)"
        ).fetchone()
        written_csv = con.execute(
            f"copy (select {csv_cols} from {source}) to '{csv}' (format csv, header true, delimiter ',', quote '\"',"
            " dateformat '%Y-%m-%d', timestampformat '%Y-%m-%dT%H:%M:%S.%f')"
        ).fetchone()
        count = int(written[0]) if written else 0
        if not written_csv or int(written_csv[0]) != count:
            raise ExportError(f"{table}: {count} rows written to Parquet but {written_csv} to CSV")
        rows[table] = count
        for path in (parquet, csv):
            files[path.name] = {"bytes": path.stat().st_size, "sha256": _sha256(path)}
    return rows, files


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _datapackage(
    con: duckdb.DuckDBPyConnection,
    warehouse: Path,
    name: str,
    publication: dict[str, Any],
    tables: dict[str, list[tuple[str, str]]],
    rows: dict[str, int],
    files: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    from pipeline.docs_site import model_docs

    docs = model_docs(warehouse)
    sources, licenses = _sources(con)
    resources: list[dict[str, Any]] = []
    for table, columns in tables.items():
        doc = docs.get(table)
        fields = [
            {
                "name": column,
                "type": table_schema_type(data_type),
                **({"description": doc.columns[column]} if doc and doc.columns.get(column) else {}),
                "sqlType": data_type,
            }
            for column, data_type in columns
        ]
        schema: dict[str, Any] = {"fields": fields}
        if doc and doc.primary_key and all(k in {c for c, _ in columns} for k in doc.primary_key):
            schema["primaryKey"] = list(doc.primary_key)
        for kind in ("csv", "parquet"):
            file = f"{table}.{kind}"
            # frictionless 5.21 reads Parquet through pandas (nullable integers become NaN, lists numpy arrays)
            # and reports type errors on correct files, and cannot count a Parquet file's bytes or rows: the
            # Parquet files are "file" resources (bytes and SHA-256 validated) that carry the Table Schema for
            # readers; tests/pipeline/test_export.py checks their contents with DuckDB.
            resource: dict[str, Any] = {
                "name": f"{table}-{kind}",
                "type": "table" if kind == "csv" else "file",
                "path": file,
                "format": kind,
                "mediatype": "text/csv" if kind == "csv" else PARQUET_MEDIATYPE,
            }
            if kind == "csv":
                resource["encoding"] = "utf-8"
                resource["dialect"] = {"delimiter": ",", "quoteChar": '"', "header": True}
            resource |= {
                "bytes": files[file]["bytes"],
                "hash": f"sha256:{files[file]['sha256']}",
                "title": table,
                **({"description": doc.description} if doc and doc.description else {}),
                **({"rows": rows[table]} if kind == "csv" else {}),
                "schema": {
                    **schema,
                    "fields": [
                        {**f, "sqlType": parquet_type(f["sqlType"])} if kind == "parquet" else f for f in fields
                    ],
                },
            }
            resources.append(resource)
    gate = _gate(con, str(publication["gate_run_id"]))
    return {
        "$schema": PACKAGE_PROFILE,
        "name": PACKAGE_NAME,
        "id": f"{PACKAGE_NAME}/{name}",
        "title": PACKAGE_TITLE,
        "description": (
            "Marts of the monitoring pipeline as published after the quality gate passed: budget execution (MEF "
            "SIAF), works, budget programs and municipalities. Each figure traces to a source file's SHA-256 and "
            "rows through the _source_sha256 / _source_rows / _load_id columns and the sources listed here."
        ),
        "version": name,
        "created": publication["published_at"].strftime("%Y-%m-%dT%H:%M:%SZ"),
        "licenses": licenses,
        "sources": sources,
        "quality_gate": gate,
        "resources": resources,
    }


def _sources(con: duckdb.DuckDBPyConnection) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Return the current loads as Data Package sources, and the licences of their contracts (deduplicated)."""
    from ingest.contracts import registry

    contracts = registry().sources
    loads = con.execute(
        "select l.source, l.location, l.sha256, l.container_sha256, l.bytes, l.load_id, l.finished_at,"
        " list(c.partition_value order by c.partition_value), sum(c.rows)::bigint, l.rows_loaded"
        " from ops.current_partitions c join ops.load_log l using (load_id)"
        " group by all order by l.source, l.load_id"
    ).fetchall()
    sources: list[dict[str, Any]] = []
    licenses: dict[str, dict[str, str]] = {}
    for source, location, sha256, container, size, load_id, loaded_at, partitions, current_rows, loaded in loads:
        contract = contracts.get(source)
        entry: dict[str, Any] = {
            "title": f"{contract.title if contract else source}: {Path(str(location)).name}",
            "path": location,
            "source": source,
            "sha256": sha256,
            "bytes": size,
            "load_id": load_id,
            "loaded_at": loaded_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if loaded_at else None,
            "partitions": partitions,
            "rows": current_rows if current_rows is not None else loaded,
        }
        if container:
            entry["container_sha256"] = container
        if contract and contract.publisher:
            entry["publisher"] = contract.publisher
        sources.append(entry)
        for item in contract.licenses if contract else ():
            licenses.setdefault(str(item.get("name") or item.get("path")), dict(item))
    return sources, list(licenses.values())


def _gate(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any]:
    """Return the gate run that let this publication through, from ``ops.validation_runs``."""
    gate: dict[str, Any] = {"run_id": run_id}
    row = con.execute(
        "select decision, run_time, as_of, critical_passed, critical_failed, warning_passed, warning_failed,"
        " gx_version from ops.validation_runs where run_id = ?",
        [run_id],
    ).fetchone()
    if row is None:  # publications older than the gate's history: the id is all there is
        return gate
    decision, run_time, as_of, c_pass, c_fail, w_pass, w_fail, gx_version = row
    return gate | {
        "decision": decision,
        "run_time": run_time.strftime("%Y-%m-%dT%H:%M:%SZ") if run_time else None,
        "as_of": as_of.strftime("%Y-%m-%dT%H:%M:%SZ") if as_of else None,
        "critical_passed": c_pass,
        "critical_failed": c_fail,
        "warning_passed": w_pass,
        "warning_failed": w_fail,
        "great_expectations": gx_version,
    }


def _fsync_folder(folder: Path) -> None:
    for path in folder.iterdir():
        with path.open("rb") as handle:
            os.fsync(handle.fileno())


def _move_into_place(staging: Path, target: Path) -> None:
    """Rename ``staging`` to ``target``; an existing ``target`` (the same publication exported before) is replaced.

    The swap is two renames: between them ``target`` is briefly absent, never half written; ``latest`` is only
    repointed after.
    """
    if not target.exists():
        os.rename(staging, target)
        return
    old = target.with_name(f".old-{target.name}-{os.getpid()}")
    shutil.rmtree(old, ignore_errors=True)
    os.rename(target, old)
    os.rename(staging, target)
    shutil.rmtree(old, ignore_errors=True)


def _point_latest(root: Path, name: str) -> None:
    """Make ``root/latest`` a relative symlink to ``name``, replacing the old one atomically."""
    link = root / f".tmp-{LATEST}-{os.getpid()}"
    link.unlink(missing_ok=True)
    link.symlink_to(name, target_is_directory=True)
    os.replace(link, root / LATEST)


def _remove_abandoned(root: Path) -> None:
    """Delete temporary folders and links left by exports whose process no longer exists."""
    for path in root.glob(".*-*"):
        match = _TMP.fullmatch(path.name)
        if not match or int(match.group("pid")) == os.getpid():
            continue
        try:
            os.kill(int(match.group("pid")), 0)
        except ProcessLookupError:
            log.warning("removing %s, left by an interrupted export", path)
            if path.is_symlink() or path.is_file():
                path.unlink(missing_ok=True)
            else:
                shutil.rmtree(path, ignore_errors=True)
        except PermissionError:  # a live process of another user
            pass
