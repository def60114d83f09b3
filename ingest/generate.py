"""Generate what the contracts already say: dbt's raw sources and the raw tables' Great Expectations suites.

One place per fact: a column, its type, its description and its checks are declared once, in
``contracts/<name>.yaml``; ``python -m ingest contracts generate`` renders from them

- ``dbt_project/models/staging/_raw__sources.yml``: the dbt source ``raw``, one table per active contract;
- per active contract, ``expectations/gx/{expectations,validation_definitions,checkpoints}/raw_<table>.json``;
- the ``raw.<table>`` assets of ``expectations/gx/great_expectations.yml``, between two marker comments (the rest of
  that file is written by hand and left as it is).

Rendering is deterministic: sources sorted by name, ids are :func:`uuid.uuid5` of fixed names, JSON with sorted keys,
so regenerating unchanged contracts gives the same bytes and ``python -m ingest contracts check`` can tell a
committed file that drifted from its contract (or a stale ``raw_*.json`` no contract produces any more).
"""

from __future__ import annotations

import json
import os
import textwrap
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from ingest.contracts import CRITICAL, WARNING, Field, Registry, Source, registry
from ingest.errors import ContractError

REPO_ROOT = Path(__file__).resolve().parents[1]
COMMAND = "python -m ingest contracts generate"
SOURCES_FILE = Path("dbt_project/models/staging/_raw__sources.yml")
GX_DIR = Path("expectations/gx")
GX_CONFIG = GX_DIR / "great_expectations.yml"
GX_KINDS = ("expectations", "validation_definitions", "checkpoints")
BLOCK_START = f"      # >>> generated raw assets: {COMMAND} (do not edit)"
BLOCK_END = "      # <<< generated raw assets"
GX_VERSION = "1.24.1"
DATASOURCE = "warehouse"
BATCH_DEFINITION = "whole_table"
# Fixed namespace of every generated GX id: uuid5(namespace, "<kind>/<name>") is the same on every run.
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "peru-monitoring/contracts/generated-gx-ids")

# The lineage columns the loader adds to every raw table: name, DuckDB type, description.
LINEAGE = (
    ("_source_sha256", "VARCHAR", "SHA-256 of the source file."),
    ("_source_row", "BIGINT", "1-based data row number in the source file (line = row + 1 of a one-line header)."),
    ("_load_id", "BIGINT", "Id of the load (ops.load_log) that wrote the row."),
    ("_loaded_at", "TIMESTAMP", "When the row was loaded (UTC)."),
)
LINEAGE_COLUMNS = tuple(name for name, _, _ in LINEAGE)
# Checks whose failures keep example values in the results (published with the report): never on personal fields.
VALUE_KEEPING = frozenset({"unique", "pattern", "range", "enum"})


@dataclass(frozen=True)
class Change:
    """One file that differs from what the contracts generate: ``action`` is create, update or delete (stale)."""

    path: Path  # relative to the repository root
    action: str


def render(root: Path = REPO_ROOT, contracts: Registry | None = None) -> dict[Path, str]:
    """Return every generated file as {path relative to ``root``: text}, from ``contracts`` (default :func:`registry`).

    ``great_expectations.yml`` is read from ``root`` and returned with only its marked block replaced; raises
    :class:`ContractError` when the markers are missing.
    """
    contracts = registry() if contracts is None else contracts
    sources = [contracts.sources[name] for name in sorted(contracts.sources)]
    files: dict[Path, str] = {SOURCES_FILE: dbt_sources_yaml(sources, root)}
    config_text = (root / GX_CONFIG).read_text(encoding="utf-8")
    datasource_id = _datasource_id(config_text)
    for source in sources:
        suite = suite_name(source)
        files[GX_DIR / "expectations" / f"{suite}.json"] = _json(gx_suite(source))
        files[GX_DIR / "validation_definitions" / f"{suite}.json"] = _json(
            gx_validation_definition(source, datasource_id)
        )
        files[GX_DIR / "checkpoints" / f"{suite}.json"] = _json(gx_checkpoint(source))
    files[GX_CONFIG] = replace_asset_block(config_text, gx_assets_block(sources))
    return files


def changes(root: Path = REPO_ROOT, contracts: Registry | None = None) -> list[Change]:
    """Return the files under ``root`` that differ from what the contracts generate, sorted by path."""
    return _changes(root, render(root, contracts))


def _changes(root: Path, files: dict[Path, str]) -> list[Change]:
    found = []
    for path, text in files.items():
        current = _read(root / path)
        if current != text:
            found.append(Change(path, "create" if current is None else "update"))
    found += [Change(path, "delete") for path in stale_files(root, files)]
    return sorted(found, key=lambda change: change.path.as_posix())


def generate(root: Path = REPO_ROOT, contracts: Registry | None = None) -> list[Change]:
    """Write the generated files under ``root`` and delete stale ``raw_*.json``; return what changed."""
    files = render(root, contracts)
    done = _changes(root, files)
    for change in done:
        target = root / change.path
        if change.action == "delete":
            target.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(files[change.path], encoding="utf-8")
    return done


def stale_files(root: Path, files: Iterable[Path]) -> list[Path]:
    """Return the committed ``raw_*.json`` suites, definitions and checkpoints that no contract produces."""
    wanted = set(files)
    stale = []
    for kind in GX_KINDS:
        for path in sorted((root / GX_DIR / kind).glob("raw_*.json")):
            relative = path.relative_to(root)
            if relative not in wanted:
                stale.append(relative)
    return stale


def suite_name(source: Source) -> str:
    """Return the GX suite (and validation definition, checkpoint) name of ``source``: ``raw_<table>``."""
    return f"raw_{source.table}"


def asset_name(source: Source) -> str:
    """Return the GX asset name of ``source``'s raw view: ``raw.<table>``."""
    return f"raw.{source.table}"


def gx_id(kind: str, name: str) -> str:
    """Return the deterministic id of a generated GX object (uuid5 of ``kind/name`` in :data:`ID_NAMESPACE`)."""
    return str(uuid.uuid5(ID_NAMESPACE, f"{kind}/{name}"))


# --- dbt sources ------------------------------------------------------------------------------------------------

DBT_HEADER = f"""\
# Generated by `{COMMAND}` from contracts/*.yaml: do not edit; edit the contract and
# regenerate (`python -m ingest contracts check` fails while this file differs from the contracts).
#
# One dbt source `raw`, one table per active contract: the view raw.<table> the loader keeps current, and for a
# contract that keeps every load (history: all) also raw.<table>__history, every kept load with its _loaded_at (what
# history models are built, and rebuilt, from). Columns are the contract's fields in order, with their DuckDB type
# (data_type) and meta.personal / meta.header, then the four lineage columns the loader adds.
# No data tests here: the quality gate (expectations/) runs each contract's checks from the generated raw_<table>
# suites, so every check has one implementation. Staging selects these columns with macros/staged_columns.sql.
"""

FRESHNESS_COMMENT = (
    "# freshness is computed in one place, the quality gate (expectations/freshness.py), from ops.load_log\n"
    "# against the contract's cadence; an unchanged re-read also counts as an arrival there, which\n"
    "# loaded_at_field cannot see."
)


def dbt_sources_yaml(sources: list[Source], root: Path = REPO_ROOT) -> str:
    """Return the text of the generated dbt sources file for ``sources`` (already sorted)."""
    out = [DBT_HEADER, "version: 2", "", "sources:", "  - name: raw"]
    out += _yaml_key(
        "description",
        "Raw tables as the ingest loader lands them (`python -m ingest load <source> <file>`), one per source "
        "contract in contracts/: every row of the current loads, with its lineage.",
        4,
    )
    out += ["    schema: raw", "    tables:"]
    for source in sources:
        out += _dbt_table(source, source.table, f"{source.title}. {source.description}", root)
        if source.history_keep == "all":
            history = (
                f"Every kept load of {source.name} (the contract keeps them all"
                + (f", at most {source.history_max_loads}" if source.history_max_loads else "")
                + "), current or superseded, one row per row of each load; _loaded_at is the load's date and "
                "_load_id tells the loads apart. What history models are built, and rebuilt, from."
            )
            out += _dbt_table(source, f"{source.table}__history", history, root)
    return "\n".join(out) + "\n"


def _dbt_table(source: Source, name: str, description: str, root: Path) -> list[str]:
    out = [f"      - name: {name}"]
    out += _yaml_key("description", description, 8)
    out += ["        config:", "          meta:"]
    meta: dict[str, Any] = {
        "contract": source.name,
        "contract_path": contract_path(source.path, root),
        "publisher": source.publisher,
        "cadence": iso_duration(source.expected_every),
        "partition": source.partition_column,
        "history": source.history_keep,
        "history_max_loads": source.history_max_loads,
        "history_view": f"raw.{source.table}__history",
    }
    for key, value in meta.items():
        out += _yaml_key(key, value, 12)
    out += ["          loaded_at_field: _loaded_at"]
    out += [textwrap.indent(FRESHNESS_COMMENT, " " * 10), "          freshness: null", "        columns:"]
    for field in source.fields:
        out += _dbt_column(
            field.name, field.description, field.sql_type, {"personal": field.personal, "header": field.header}
        )
    for column, sql_type, column_description in LINEAGE:
        out += _dbt_column(column, column_description, sql_type, {"personal": False, "lineage": True})
    return out


def _dbt_column(name: str, description: str, sql_type: str, meta: dict[str, Any]) -> list[str]:
    lines = [f"          - name: {name}"]
    lines += _yaml_key("description", description, 12)
    lines += _yaml_key("data_type", sql_type, 12)
    lines += ["            config:", "              meta:"]
    for key, value in meta.items():
        lines += _yaml_key(key, value, 16)
    return lines


def _yaml_key(key: str, value: Any, indent: int, width: int = 118) -> list[str]:
    """Return ``key: value`` lines at ``indent``; long plain text becomes a folded (``>-``) block."""
    pad = " " * indent
    if isinstance(value, str) and len(pad) + len(key) + 2 + len(value) > width and _foldable(value):
        lines = textwrap.wrap(value, width - indent - 2, break_long_words=False, break_on_hyphens=False)
        return [f"{pad}{key}: >-", *(f"{pad}  {line}" for line in lines)]
    return [f"{pad}{key}: {_yaml_scalar(value)}"]


def _foldable(text: str) -> bool:
    return text == text.strip() and "\n" not in text and "  " not in text and "\t" not in text and " #" not in text


def _yaml_scalar(value: Any) -> str:
    import yaml

    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if text and "\n" not in text:
        try:
            plain = yaml.safe_load(f"key: {text}")
        except yaml.YAMLError:
            plain = None
        if plain == {"key": text}:
            return text
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def contract_path(path: Path, root: Path = REPO_ROOT) -> str:
    """Return a contract's path relative to ``root`` (or the repository), as committed files cite it."""
    for base in (root, REPO_ROOT):
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return f"$CONTRACTS_PATH/{path.name}"  # a contract outside the repository: no absolute path in committed files


def iso_duration(every: timedelta) -> str:
    """Return a cadence as an ISO 8601 duration (``P1D``, ``PT6H``); weeks come back as days (``P28D``)."""
    if every.seconds == 0 and every.microseconds == 0:
        return f"P{every.days}D"
    return f"PT{int(every.total_seconds() // 3600)}H"


# --- Great Expectations -----------------------------------------------------------------------------------------


def gx_suite(source: Source) -> dict[str, Any]:
    """Return the GX suite of ``source``'s raw table (the JSON GX 1.x stores), from its contract."""
    suite = suite_name(source)
    expectations = _SuiteBuilder(suite)
    columns = [*(f.name for f in source.fields), *LINEAGE_COLUMNS]
    expectations.add(
        "expect_table_columns_to_match_set",
        {"column_set": columns, "exact_match": False},
        CRITICAL,
        f"Every column the contract {source.name} declares is present, plus the lineage columns.",
        variant="present",
    )
    expectations.add(
        "expect_table_columns_to_match_set",
        {"column_set": columns, "exact_match": True},
        WARNING,
        "No columns beyond the contract's plus lineage: a column the loader lands but the contract does not "
        "declare is reported, not ignored.",
        variant="exact",
    )
    row_count = source.row_count
    if row_count.min is not None or row_count.max is not None:
        bounds = {"min_value": row_count.min, "max_value": row_count.max}
        expectations.add(
            "expect_table_row_count_to_be_between",
            {k: v for k, v in bounds.items() if v is not None},
            row_count.severity,
            row_count.note or f"raw.{source.table} has {_between(row_count.min, row_count.max)} rows.",
        )
    for field in source.fields:
        for check in field.checks:
            if field.personal and check.kind in VALUE_KEEPING:
                continue  # GX keeps unexpected values as examples, and the report is published
            kind, kwargs = _expectation_of(field, check.kind)
            expectations.add(kind, kwargs, check.severity, check.note or _plain_note(field, check.kind))
    key = source.primary_key
    if key and not any(source.field(name).personal for name in key):
        if len(key) == 1 and any(c.kind == "unique" and c.severity == CRITICAL for c in source.field(key[0]).checks):
            pass  # the field's own unique check (with its note and severity) already is the key's
        elif len(key) == 1:
            expectations.add(
                "expect_column_values_to_be_unique",
                {"column": key[0]},
                CRITICAL,
                f"One row per {key[0]}: the contract's primary key.",
                variant="primary_key",
            )
        else:
            expectations.add(
                "expect_compound_columns_to_be_unique",
                {"column_list": list(key)},
                CRITICAL,
                f"One row per ({', '.join(key)}): the contract's primary key.",
                variant="primary_key",
            )
    for kind, kwargs, severity, description in LINEAGE_EXPECTATIONS:
        expectations.add(kind, kwargs, severity, description)
    return {
        "expectations": expectations.items,
        "id": gx_id("suite", suite),
        "meta": {
            "great_expectations_version": GX_VERSION,
            "notes": f"Quality gate on raw.{source.table} ({source.title}). Generated by `{COMMAND}` from the "
            f"contract {source.name}: edit the contract, not this file. meta.severity: critical blocks "
            "publishing, warning is reported only. Examples carry _source_sha256/_source_row (see the checkpoint).",
            # the gate skips a suite whose sources were never loaded (the freshness report says so instead)
            "sources": [source.name],
        },
        "name": suite,
        "notes": None,
    }


LINEAGE_EXPECTATIONS: tuple[tuple[str, dict[str, Any], str, str], ...] = (
    (
        "expect_column_values_to_not_be_null",
        {"column": "_source_sha256"},
        CRITICAL,
        "Every row names the SHA-256 of the file it came from.",
    ),
    (
        "expect_column_values_to_not_be_null",
        {"column": "_source_row"},
        CRITICAL,
        "Every row names its row number in the file (line = row + 1).",
    ),
    (
        "expect_compound_columns_to_be_unique",
        {"column_list": ["_source_sha256", "_source_row"]},
        CRITICAL,
        "One raw row per file row: no file row loaded twice.",
    ),
    (
        "expect_column_values_to_match_regex",
        {"column": "_source_sha256", "regex": "^[0-9a-f]{64}$"},
        WARNING,
        "The file's SHA-256 is 64 lowercase hex digits.",
    ),
    (
        "expect_column_values_to_be_between",
        {"column": "_source_row", "min_value": 1},
        WARNING,
        "File row numbers start at 1.",
    ),
    (
        "expect_column_values_to_not_be_null",
        {"column": "_load_id"},
        WARNING,
        "Every row names the load (ops.load_log) that wrote it.",
    ),
    (
        "expect_column_values_to_not_be_null",
        {"column": "_loaded_at"},
        WARNING,
        "Every row has its load time.",
    ),
)


class _SuiteBuilder:
    """Collects expectations in order, each with a uuid5 id unique within the suite."""

    def __init__(self, suite: str) -> None:
        self.suite = suite
        self.items: list[dict[str, Any]] = []

    def add(self, kind: str, kwargs: dict[str, Any], severity: str, description: str, variant: str = "") -> None:
        target = kwargs.get("column") or ",".join(kwargs.get("column_list", ())) or "table"
        name = f"{self.suite}/{kind}/{target}" + (f"/{variant}" if variant else "")
        self.items.append(
            {
                "description": description,
                "id": gx_id("expectation", name),
                "kwargs": kwargs,
                "meta": {"description": description, "severity": severity},
                "severity": severity,
                "type": kind,
            }
        )


def _expectation_of(field: Field, kind: str) -> tuple[str, dict[str, Any]]:
    constraints = field.constraints
    if kind == "required":
        return "expect_column_values_to_not_be_null", {"column": field.name}
    if kind == "unique":
        return "expect_column_values_to_be_unique", {"column": field.name}
    if kind == "pattern":
        return "expect_column_values_to_match_regex", {"column": field.name, "regex": anchored(constraints["pattern"])}
    if kind == "range":
        bounds = {"min_value": constraints.get("minimum"), "max_value": constraints.get("maximum")}
        return "expect_column_values_to_be_between", {
            "column": field.name,
            **{k: v for k, v in bounds.items() if v is not None},
        }
    if kind == "enum":
        return "expect_column_values_to_be_in_set", {"column": field.name, "value_set": list(constraints["enum"])}
    raise ContractError(f"{field.name}: no expectation for check {kind!r}")


def anchored(pattern: str) -> str:
    """Return ``pattern`` matching whole values (Table Schema's meaning); GX's regex check searches inside values."""
    if pattern.startswith("^") and pattern.endswith("$"):
        return pattern
    return f"^(?:{pattern})$"


def _plain_note(field: Field, kind: str) -> str:
    column = f"{field.name} ({field.header})" if field.header != field.name else field.name
    constraints = field.constraints
    if kind == "required":
        return f"Every row has a value in {column}."
    if kind == "unique":
        return f"No two rows share the same {column}."
    if kind == "pattern":
        return f"{column} matches the pattern {anchored(constraints['pattern'])}."
    if kind == "range":
        return f"{column} is {_between(constraints.get('minimum'), constraints.get('maximum'))}."
    values = [str(v) for v in constraints["enum"]]
    if len(values) > 12:
        return f"{column} is one of the {len(values)} values the contract lists."
    return f"{column} is one of: {', '.join(values)}."


def _between(low: Any, high: Any) -> str:
    if low is not None and high is not None:
        return f"between {low} and {high}"
    return f"at least {low}" if low is not None else f"at most {high}"


def gx_validation_definition(source: Source, datasource_id: str) -> dict[str, Any]:
    """Return the GX validation definition tying ``source``'s suite to its asset's whole-table batch."""
    suite, asset = suite_name(source), asset_name(source)
    return {
        "data": {
            "asset": {"id": gx_id("asset", asset), "name": asset},
            "batch_definition": {
                "id": gx_id("batch_definition", f"{asset}/{BATCH_DEFINITION}"),
                "name": BATCH_DEFINITION,
            },
            "datasource": {"id": datasource_id, "name": DATASOURCE},
        },
        "id": gx_id("validation_definition", suite),
        "name": suite,
        "suite": {"id": gx_id("suite", suite), "name": suite},
    }


def gx_checkpoint(source: Source) -> dict[str, Any]:
    """Return the GX checkpoint of ``source``'s suite: SUMMARY results, 20 examples named by file and row."""
    suite = suite_name(source)
    return {
        "actions": [{"name": "update_data_docs", "site_names": [], "type": "update_data_docs"}],
        "id": gx_id("checkpoint", suite),
        "name": suite,
        "result_format": {
            "partial_unexpected_count": 20,
            "result_format": "SUMMARY",
            "unexpected_index_column_names": ["_source_sha256", "_source_row"],
        },
        "validation_definitions": [{"id": gx_id("validation_definition", suite), "name": suite}],
    }


def gx_assets_block(sources: list[Source]) -> str:
    """Return the marked block of ``great_expectations.yml`` declaring one table asset per source."""
    lines = [BLOCK_START]
    for source in sources:
        asset = asset_name(source)
        lines += [
            f"      {asset}:",
            "        type: table",
            f"        id: {gx_id('asset', asset)}",
            f"        table_name: {source.table}",
            "        schema_name: raw",
            "        batch_metadata: {}",
            "        batch_definitions:",
            f"          {BATCH_DEFINITION}:",
            f"            id: {gx_id('batch_definition', f'{asset}/{BATCH_DEFINITION}')}",
            "            partitioner:",
        ]
    lines.append(BLOCK_END)
    return "\n".join(lines) + "\n"


def replace_asset_block(config_text: str, block: str) -> str:
    """Return ``config_text`` with the text between the marker lines (inclusive) replaced by ``block``."""
    lines = config_text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.rstrip("\n") == BLOCK_START]
    ends = [i for i, line in enumerate(lines) if line.rstrip("\n") == BLOCK_END]
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise ContractError(
            f"{GX_CONFIG}: expected one block of generated raw assets between the lines {BLOCK_START.strip()!r} "
            f"and {BLOCK_END.strip()!r} (under fluent_datasources.{DATASOURCE}.assets)"
        )
    return "".join([*lines[: starts[0]], block, *lines[ends[0] + 1 :]])


def _datasource_id(config_text: str) -> str:
    import yaml

    config = yaml.safe_load(config_text)
    try:
        return str(config["fluent_datasources"][DATASOURCE]["id"])
    except (KeyError, TypeError):
        raise ContractError(f"{GX_CONFIG}: no fluent_datasources.{DATASOURCE}.id") from None


def _json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def relative_to_cwd(path: Path, root: Path = REPO_ROOT) -> str:
    """Return ``root / path`` as the shortest readable path for messages."""
    return os.path.relpath(root / path)
