"""Publish the validated marts as ``$WAREHOUSE_DIR/published.duckdb``, atomically, or leave the last good file.

The marts are copied from the working database into a new file next to the published one, which then replaces it
with one ``os.replace`` (atomic on POSIX). Readers open the published file read-only and never see a half-written
file; a failed gate never gets here, so the previous publication stays byte for byte as it was.

The marts are published only if the working database still holds the loads the gate validated: the gate records
``ops.current_partitions`` (source, partition, load id) when it starts, and publish re-reads it while it holds the
working file for the copy (attached read-only, so no load can land meanwhile). A load that landed between the gate
and publish makes publish refuse and leave the previous publication as it was.

Each publication records what it was built from (``ops.publication.inputs_fingerprint``): the current loads
(source, partition, load id, file SHA-256, load time) and :func:`code_fingerprint` (the dbt project, the contracts,
the gate's code and suites, and the versions of dbt, DuckDB and Great Expectations). :func:`marts_inputs` computes
the same for the working database now, so a run can tell that nothing changed since the publication and skip dbt
build, the gate and publish (``pipeline.tasks.marts_plan``). The load time is there because the marts carry it
(``_loaded_at``): a working database rebuilt from the same files has other load times, so it rebuilds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.settings import published_db_path, working_db_path

if TYPE_CHECKING:
    import duckdb

log = logging.getLogger(__name__)

PUBLISHED_SCHEMAS = ("marts",)
# ops tables that travel with the marts so a reader can trace figures to files. ops.rejects stays behind: its raw
# text is whole source lines, and municipal sources carry taxpayers' names.
LINEAGE_TABLES = ("load_log", "current_partitions")
# The quality gate's history (expectations/history.py), so quality can be compared across runs in the published file.
QUALITY_HISTORY_TABLES = ("validation_runs", "validation_results")


# What builds and checks the marts besides the files: a new dbt or DuckDB can change what the same SQL produces.
FINGERPRINTED_PACKAGES = ("dbt-core", "dbt-duckdb", "duckdb", "great-expectations")
# Generated or per-run folders inside the fingerprinted trees (dbt's target and logs, GX's results and Data Docs).
_NOT_CODE_DIRS = frozenset({"target", "logs", "dbt_packages", "uncommitted", "__pycache__"})
# (source, partition_value, load_id, the file's SHA-256, the load's start = the rows' _loaded_at, ISO 8601)
LoadKey = tuple[str, str, int, str | None, str | None]


class PublishRefusedError(RuntimeError):
    """The gate did not pass, or there is nothing to publish; the published file was not touched."""


@dataclass(frozen=True)
class Publication:
    """What a publish wrote."""

    path: Path
    tables: list[str]
    rows: dict[str, int]
    published_at: datetime
    inputs_fingerprint: str | None = None


@dataclass(frozen=True)
class MartsInputs:
    """What the marts are built from: the current loads and the code, and one SHA-256 over both."""

    loads: list[LoadKey]  # sorted
    code_fingerprint: str
    fingerprint: str


@dataclass(frozen=True)
class PublishedInputs:
    """What the publication in ``published.duckdb`` was built from, as it recorded it."""

    published_at: datetime
    gate_run_id: str
    inputs: MartsInputs


def _code_files() -> list[tuple[str, Path]]:
    """Return (label, file) for every file of the dbt project, the contracts and the gate (``expectations/``)."""
    from expectations.settings import GX_ROOT
    from ingest.contracts import contract_dirs
    from pipeline.paths import dbt_project_dir

    roots = [("dbt", dbt_project_dir()), ("expectations", GX_ROOT.parent)]
    roots += [(f"contracts{i}", folder) for i, folder in enumerate(contract_dirs())]
    files: list[tuple[str, Path]] = []
    for label, root in roots:
        for folder, dirs, names in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d not in _NOT_CODE_DIRS and not d.startswith("."))
            for name in sorted(names):
                if not name.startswith(".") and not name.endswith(".pyc"):
                    path = Path(folder) / name
                    files.append((f"{label}/{path.relative_to(root).as_posix()}", path))
    return files


def code_fingerprint() -> str:
    """Return a SHA-256 over the code that builds and checks the marts: file names and contents, package versions.

    Any edit to a dbt model, macro, test, snapshot, ``dbt_project.yml`` or ``profiles.yml``, a contract, a GX suite,
    checkpoint or ``great_expectations.yml``, or the gate's Python changes it (a few MB read: milliseconds).
    """
    from importlib import metadata

    digest = hashlib.sha256()
    for label, path in _code_files():
        digest.update(f"{label}\0{hashlib.sha256(path.read_bytes()).hexdigest()}\n".encode())
    for package in FINGERPRINTED_PACKAGES:
        try:
            version = metadata.version(package)
        except metadata.PackageNotFoundError:
            version = "absent"
        digest.update(f"{package}=={version}\n".encode())
    return digest.hexdigest()


def _inputs(loads: list[LoadKey], code: str) -> MartsInputs:
    loads = sorted(loads)
    text = json.dumps({"loads": loads, "code": code}, sort_keys=True)
    return MartsInputs(loads, code, hashlib.sha256(text.encode()).hexdigest())


def _current_loads(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> list[LoadKey]:
    """Return the current loads with their files' SHA-256 (the working database, or the one attached as ``catalog``)."""
    ops = f"{catalog}.ops" if catalog else "ops"
    rows = con.execute(
        f"select c.source, c.partition_value, c.load_id, l.sha256, strftime(l.started_at, '%Y-%m-%dT%H:%M:%S.%f')"
        f" from {ops}.current_partitions c left join {ops}.load_log l on l.load_id = c.load_id order by 1, 2"
    ).fetchall()
    return [(str(source), str(partition), int(load_id), sha, at) for source, partition, load_id, sha, at in rows]


def marts_inputs(warehouse: Path, code: str | None = None) -> MartsInputs | None:
    """Return what the marts would be built from now (None when the working database has no loads recorded).

    ``code`` is :func:`code_fingerprint` when already taken. Opens the working database read-only: call it with no
    other connection to that file open in this process.
    """
    import duckdb

    working = working_db_path(warehouse)
    if not working.exists():
        return None
    con = duckdb.connect(str(working), read_only=True)
    try:
        if not _has_table(con, working.stem, "ops", "current_partitions"):
            return None
        loads = _current_loads(con)
    finally:
        con.close()
    return _inputs(loads, code or code_fingerprint())


def published_inputs(warehouse: Path) -> PublishedInputs | None:
    """Return what ``published.duckdb`` was built from, or None (nothing published, or published before publications
    recorded their inputs)."""
    import duckdb

    target = published_db_path(warehouse)
    if not target.exists():
        return None
    con = duckdb.connect(str(target), read_only=True)
    try:
        columns = {r[0] for r in con.execute("describe ops.publication").fetchall()}
        if not {"inputs_fingerprint", "code_fingerprint", "inputs"} <= columns:
            return None
        published_at, gate_run_id, fingerprint, code, loads = con.execute(
            "select published_at, gate_run_id, inputs_fingerprint, code_fingerprint, inputs from ops.publication"
        ).fetchone()
    except duckdb.Error:
        return None
    finally:
        con.close()
    items = json.loads(loads)
    if not all(isinstance(item, list) and len(item) == 5 for item in items):  # recorded in an older form
        return None
    recorded = [(str(s), str(p), int(i), sha, at) for s, p, i, sha, at in items]
    inputs = _inputs(recorded, str(code))
    if inputs.fingerprint != fingerprint:  # written by other code, or edited: never trust it for a skip
        return None
    return PublishedInputs(published_at, str(gate_run_id), inputs)


def publish(
    warehouse: Path,
    *,
    gate_passed: bool,
    gate_run_id: str,
    report_path: str | None = None,
    data_docs_path: str | None = None,
    report_json_path: str | None = None,
    validated_loads: Iterable[Mapping[str, object] | Sequence[object]] | None = None,
    code: str | None = None,
) -> Publication:
    """Copy the marts of the working database to ``published.duckdb`` if the gate passed; return what was published.

    Also copied: the lineage tables (``ops.load_log``, ``ops.current_partitions``) and the gate's history
    (``ops.validation_runs``, ``ops.validation_results``; created empty if the working database has none yet).
    ``ops.publication`` records ``report_path`` (the gate run's HTML report) as ``quality_report``, with the JSON
    report and Data Docs beside it.

    ``validated_loads`` is what the gate checked (``(source, partition_value, load_id)`` items or dicts with those
    keys; default: what ``ops.validation_runs`` recorded for ``gate_run_id``). It must equal the working database's
    ``ops.current_partitions``, read while the copy holds the file.

    ``code`` is the :func:`code_fingerprint` taken before dbt build started (default: taken now); with those loads
    it is recorded as the publication's ``inputs_fingerprint``.

    Raises :class:`PublishRefusedError` (and leaves the published file untouched) when ``gate_passed`` is false, the
    current loads are not the ones the gate validated (or the gate recorded none), or the working database holds no
    marts.
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
    remove_abandoned_staging(target)
    code = code or code_fingerprint()
    published_at = datetime.now(UTC).replace(tzinfo=None)
    con = duckdb.connect(str(staging))
    try:
        con.execute(f"attach '{working}' as w (read_only)")
        _check_validated_loads(con, gate_run_id, validated_loads)
        inputs = _inputs(_current_loads(con, "w"), code)
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = 'w'"
            f" and schema_name in ({', '.join(repr(s) for s in PUBLISHED_SCHEMAS)}) order by 1, 2"
        ).fetchall()
        if not tables:
            raise PublishRefusedError(f"{working} has no tables in {', '.join(PUBLISHED_SCHEMAS)}: run dbt build first")
        rows: dict[str, int] = {}
        history = [t for t in QUALITY_HISTORY_TABLES if _has_table(con, "w", "ops", t)]
        for schema, table in [*tables, *(("ops", t) for t in (*LINEAGE_TABLES, *history))]:
            con.execute(f'create schema if not exists "{schema}"')
            con.execute(f'create table "{schema}"."{table}" as select * from w."{schema}"."{table}"')
            rows[f"{schema}.{table}"] = int(con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0])
        if len(history) < len(QUALITY_HISTORY_TABLES):  # no gate wrote them here yet: publish them empty
            from expectations.history import DDL

            log.warning("%s has no quality history yet; published with empty history tables", working)
            con.execute(DDL)
            rows.update({f"ops.{t}": 0 for t in QUALITY_HISTORY_TABLES if t not in history})
        con.execute(
            "create table ops.publication as select ?::timestamp as published_at, ? as gate_run_id,"
            " ? as quality_report, ? as quality_report_json, ? as data_docs, ? as working_database,"
            " ?::json as table_rows, ? as inputs_fingerprint, ? as code_fingerprint, ?::json as inputs",
            [
                published_at, gate_run_id, report_path, report_json_path, data_docs_path, str(working),
                json.dumps(rows), inputs.fingerprint, inputs.code_fingerprint, json.dumps(inputs.loads),
            ],
        )  # fmt: skip
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
    return Publication(target, sorted(rows), rows, published_at, inputs.fingerprint)


def remove_abandoned_staging(target: Path) -> None:
    """Delete the temporary files (and their DuckDB WAL) of publishes whose process no longer exists."""
    pattern = re.compile(rf"\.{re.escape(target.name)}\.(\d+)\.tmp(\.wal)?")
    for path in target.parent.glob(f".{target.name}.*.tmp*"):
        match = pattern.fullmatch(path.name)
        if not match or int(match.group(1)) == os.getpid():
            continue
        try:
            os.kill(int(match.group(1)), 0)
        except ProcessLookupError:  # its publish was killed: the file is half written and nobody will finish it
            log.warning("removing %s, left by an interrupted publish", path)
            path.unlink(missing_ok=True)
        except PermissionError:  # a live process of another user
            pass


def _normalise(items: Iterable[Mapping[str, object] | Sequence[object]]) -> set[tuple[str, str, int]]:
    loads: set[tuple[str, str, int]] = set()
    for item in items:
        if isinstance(item, Mapping):
            source, partition, load_id = item["source"], item["partition_value"], item["load_id"]
        else:
            source, partition, load_id = item
        loads.add((str(source), str(partition), int(str(load_id))))
    return loads


def _check_validated_loads(
    con: duckdb.DuckDBPyConnection,
    gate_run_id: str,
    validated: Iterable[Mapping[str, object] | Sequence[object]] | None,
) -> None:
    """Refuse unless ``w.ops.current_partitions`` holds exactly the loads the gate validated."""
    if validated is None:  # not handed over: what the gate recorded in its history
        recorded = None
        if _has_table(con, "w", "ops", "validation_runs"):
            columns = {r[0] for r in con.execute("describe w.ops.validation_runs").fetchall()}
            if "validated_loads" in columns:
                row = con.execute(
                    "select validated_loads from w.ops.validation_runs where run_id = ?", [gate_run_id]
                ).fetchone()
                recorded = row[0] if row else None
        if recorded is None:
            raise PublishRefusedError(
                f"quality gate run {gate_run_id} recorded no validated loads, so what it checked cannot be compared "
                "with what would be published; run the gate again. The published file was kept as it was"
            )
        validated = json.loads(recorded) if isinstance(recorded, str) else recorded
    expected = _normalise(validated)
    current: set[tuple[str, str, int]] = set()
    if _has_table(con, "w", "ops", "current_partitions"):
        current = _normalise(
            con.execute("select source, partition_value, load_id from w.ops.current_partitions").fetchall()
        )
    if current != expected:
        raise PublishRefusedError(
            f"the warehouse's current loads changed after quality gate run {gate_run_id} validated them "
            f"(now current: {_show(current - expected)}; validated: {_show(expected - current)}): a load landed "
            "between the gate and publish. Nothing was published; the previous publication stays. Run dbt build and "
            "the gate again"
        )


def _show(loads: set[tuple[str, str, int]]) -> str:
    return ", ".join(f"{source} {partition} (load {load_id})" for source, partition, load_id in sorted(loads)) or "none"


def _has_table(con: duckdb.DuckDBPyConnection, database: str, schema: str, table: str) -> bool:
    found = con.execute(
        "select count(*) from duckdb_tables() where database_name = ? and schema_name = ? and table_name = ?",
        [database, schema, table],
    ).fetchone()
    return bool(found and found[0])
