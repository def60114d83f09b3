"""Source contracts: one YAML file per source, read into the typed objects the loader, generator and gate follow.

A contract is a Data Package v2 resource (Table Dialect, Table Schema) plus this project's extensions: cadence,
partition, history, shrink tolerance, layouts, per-field parsers, checks with a severity, personal data. Every key is
documented in ``contracts/README.md`` and validated by ``contracts/contract.schema.json``; a contract with a mistake
is refused with its file, the key and what is wrong (:class:`ContractError`).

Contracts are read from ``$CONTRACTS_PATH`` (folders separated by ``os.pathsep``), then from the project's own
``contracts/`` folder: an M&E unit declares its export in its own folder, with no Python.
"""

from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from ingest.errors import ContractError, UnknownSourceError

PROJECT_CONTRACTS = Path(__file__).resolve().parents[1] / "contracts"
SCHEMA_PATH = PROJECT_CONTRACTS / "contract.schema.json"
CONTRACTS_PATH_ENV = "CONTRACTS_PATH"

# Table Schema type -> the DuckDB type a field lands as, unless the contract gives ``sqlType``.
DEFAULT_SQL_TYPES = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "number": "DOUBLE",
    "date": "DATE",
    "yearmonth": "DATE",
    "boolean": "BOOLEAN",
}
# Constraint (Table Schema) -> the check (and GX expectation) it becomes; minimum and maximum make one range check.
CHECK_OF_CONSTRAINT = {"required": "required", "unique": "unique", "pattern": "pattern", "enum": "enum"}
CRITICAL, WARNING = "critical", "warning"
_DURATION = re.compile(r"^P(?:(?P<days>\d+)D|(?P<weeks>\d+)W|T(?P<hours>\d+)H)$")


@dataclass(frozen=True)
class Check:
    """One rule the gate runs on a raw column: which constraint, its severity and a plain note for the report."""

    kind: str  # required | unique | pattern | range | enum
    severity: str
    note: str | None


@dataclass(frozen=True)
class Field:
    """One canonical column of a raw table, as the contract declares it (Table Schema field + extensions)."""

    name: str
    type: str  # Table Schema type
    sql_type: str  # the DuckDB type it lands as
    description: str
    header: str  # the header text in the first layout
    parser: str | None = None  # number | date | yearmonth | extract; None = a plain cast
    extract: str | None = None  # regex with one capture group (parser extract)
    pad_to: int | None = None  # left-pad the extracted code with zeros to this width
    formats: tuple[str, ...] = ()  # date formats (strftime, or "excel" for serial day numbers)
    decimal_char: str = "."
    group_char: str | None = None
    bare_number: bool = True
    missing_values: tuple[str, ...] | None = None  # None: the schema's missingValues
    personal: bool = False
    constraints: dict[str, Any] = field(default_factory=dict)
    checks: tuple[Check, ...] = ()


@dataclass(frozen=True)
class Column:
    """A canonical column as one layout reads it: ``source_name`` is the header, None when the layout lacks it."""

    name: str
    type: str = "VARCHAR"
    source_name: str | None = None


@dataclass(frozen=True)
class Layout:
    """One published variant of a source file, detected from its header."""

    name: str
    description: str
    columns: tuple[Column, ...]

    @property
    def header(self) -> frozenset[str]:
        """Return the header names a file of this layout has (order-free)."""
        return frozenset(c.source_name for c in self.columns if c.source_name is not None)

    def column_for(self, source_name: str) -> Column:
        """Return the first canonical column read from ``source_name``."""
        for column in self.columns:
            if column.source_name == source_name:
                return column
        raise KeyError(source_name)


@dataclass(frozen=True)
class Dialect:
    """How the publisher writes the file (Table Dialect, plus the extensions the loader's checks need)."""

    delimiter: str = ","
    quote: str = '"'
    header_row: int = 1  # 1-based line (CSV) or sheet row (XLSX) of the header; rows above it are titles
    sheet_name: str | None = None
    sheet_number: int = 1
    # Whether the publisher quotes every field: then a complete last line ends with the quote character.
    quote_all: bool = False
    # Whether quoted fields may hold line breaks: if not, rows read are reconciled against physical lines.
    multiline_fields: bool = False
    junk_rows_at_end: int = 0  # trailing rows that are not data (totals, notes): skipped and counted, never loaded


@dataclass(frozen=True)
class RowCount:
    """The table-level row-count check."""

    min: int | None
    max: int | None
    severity: str
    note: str | None


@dataclass(frozen=True)
class Source:
    """A loadable source as its contract declares it."""

    name: str
    table: str
    title: str
    description: str
    publisher: str
    homepage: str | None
    licenses: tuple[dict[str, str], ...]
    expected_every: timedelta
    format: str  # csv | xlsx
    dialect: Dialect
    fields: tuple[Field, ...]
    layouts: tuple[Layout, ...]
    partition_column: str | None  # a new file replaces the rows of its values of this column; None = whole table
    history_keep: str  # current | all
    history_max_loads: int | None
    shrink_tolerance: float
    row_count: RowCount
    primary_key: tuple[str, ...]
    missing_values: tuple[str, ...]
    path: Path
    # Table Schema's fieldsMatch: "equal" (default) = the header has exactly the layout's columns, in any order;
    # "subset" = the contract's columns are a subset of the file's: further columns are ignored, and logged.
    fields_match: str = "equal"

    @property
    def columns(self) -> tuple[Column, ...]:
        """Return the canonical columns (those of the first layout, which every layout shares)."""
        return self.layouts[0].columns

    @property
    def personal_columns(self) -> tuple[str, ...]:
        """Return the columns holding personal data (never published)."""
        return tuple(f.name for f in self.fields if f.personal)

    @property
    def needs_text_stage(self) -> bool:
        """Whether values are read as text and parsed in SQL (XLSX, parsers, placeholders, junk rows) rather than
        typed by DuckDB's CSV reader directly (the fast path, SIAF's)."""
        placeholders = any(v != "" for v in self.missing_values) or any(
            f.missing_values is not None and any(v != "" for v in f.missing_values) for f in self.fields
        )
        return (
            self.format != "csv"
            or any(f.parser for f in self.fields)
            or placeholders
            or self.dialect.junk_rows_at_end > 0
            or self.dialect.header_row != 1
            or len({f.header for f in self.fields}) < len(self.fields)
        )

    def field(self, name: str) -> Field:
        """Return the field called ``name``."""
        for item in self.fields:
            if item.name == name:
                return item
        raise KeyError(name)


@dataclass(frozen=True)
class PlannedSource:
    """A source declared for freshness reports only: no layout, nothing loads it yet (``status: planned``)."""

    name: str
    title: str
    publisher: str
    expected_every: timedelta
    path: Path


@dataclass(frozen=True)
class Registry:
    """Every contract found: the loadable sources, the planned ones, and the files refused (with why).

    One broken contract (an M&E unit's typo) does not stop the other sources: it is refused when its source is
    asked for, listed by ``python -m ingest sources`` and failed by ``python -m ingest contracts check``.
    """

    sources: dict[str, Source]
    planned: dict[str, PlannedSource]
    invalid: dict[str, ContractError] = field(default_factory=dict)  # file stem (the source's name) -> error

    def get(self, name: str) -> Source:
        """Return the loadable source ``name`` or raise :class:`UnknownSourceError` listing the known ones.

        Raises the contract's :class:`ContractError` when its file was refused.
        """
        if name in self.invalid:
            raise self.invalid[name]
        try:
            return self.sources[name]
        except KeyError:
            known = ", ".join(sorted(self.sources))
            hint = " (declared as planned: it has no layout yet)" if name in self.planned else ""
            raise UnknownSourceError(f"unknown source {name!r}{hint}; loadable sources: {known}") from None

    @property
    def freshness_policy(self) -> dict[str, timedelta]:
        """Return how often each declared source (loadable and planned) should arrive."""
        return {
            **{n: s.expected_every for n, s in self.sources.items()},
            **{n: s.expected_every for n, s in self.planned.items()},
        }


def contract_dirs() -> tuple[Path, ...]:
    """Return the folders contracts are read from: ``$CONTRACTS_PATH`` first, then the project's ``contracts/``."""
    extra = [Path(p).expanduser().resolve() for p in os.environ.get(CONTRACTS_PATH_ENV, "").split(os.pathsep) if p]
    return tuple(dict.fromkeys([*extra, PROJECT_CONTRACTS]))


def registry() -> Registry:
    """Return the contracts of :func:`contract_dirs`, read again only when a contract file changes."""
    dirs = contract_dirs()
    stamps = tuple(
        (str(path), path.stat().st_mtime_ns, path.stat().st_size)
        for folder in dirs
        if folder.is_dir()
        for path in sorted(folder.glob("*.yaml"))
    )
    return _registry(dirs, stamps)


def get_source(name: str) -> Source:
    """Return the loadable source ``name`` (see :meth:`Registry.get`)."""
    return registry().get(name)


@functools.lru_cache(maxsize=8)
def _registry(dirs: tuple[Path, ...], stamps: tuple[tuple[str, int, int], ...]) -> Registry:
    del stamps  # part of the cache key only: a changed file reads the folders again
    sources: dict[str, Source] = {}
    planned: dict[str, PlannedSource] = {}
    invalid: dict[str, ContractError] = {}
    seen: dict[str, Path] = {}
    tables: dict[str, Path] = {}
    for folder in dirs:
        if not folder.is_dir():
            raise ContractError(f"{folder}: contracts folder not found (from ${CONTRACTS_PATH_ENV})")
        for path in sorted(folder.glob("*.yaml")):
            try:
                contract = read_contract(path)
                if contract.name in seen:
                    raise ContractError(
                        f"{path}: source {contract.name!r} is already declared in {seen[contract.name]}"
                    )
                if isinstance(contract, Source) and contract.table in tables:
                    raise ContractError(f"{path}: table {contract.table!r} is already used by {tables[contract.table]}")
            except ContractError as error:
                invalid.setdefault(path.stem, error)
                continue
            seen[contract.name] = path
            if isinstance(contract, Source):
                tables[contract.table] = path
                sources[contract.name] = contract
            else:
                planned[contract.name] = contract
    return Registry(sources, planned, invalid)


@functools.lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def read_contract(path: Path) -> Source | PlannedSource:
    """Read and validate one contract file.

    Raises :class:`ContractError` naming the file, the key and what is wrong: YAML syntax, an unknown key, a wrong
    type, an unknown parser, a reference to a field that does not exist, a regex that does not compile.
    """
    import jsonschema
    import yaml

    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ContractError(f"{path}: not valid YAML: {exc}") from exc
    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        raise ContractError(f"{path}: " + "; ".join(_explain(e) for e in errors[:5]))
    if document["name"] != path.stem:
        raise ContractError(f"{path}: key 'name' is {document['name']!r}, but the file must be named after it")
    if document["status"] == "planned":
        return PlannedSource(
            document["name"], document["title"], document["publisher"], _duration(path, document["cadence"]), path
        )
    return _source(path, document)


def _explain(error: Any) -> str:
    where = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in error.absolute_path).replace(".[", "[")
    if error.validator == "additionalProperties":
        return f"unknown key in {where or 'the top level'}: {error.message}"
    return f"key '{where or '(top level)'}': {error.message}"


def _duration(path: Path, text: str) -> timedelta:
    match = _DURATION.match(text)
    if match is None:  # the schema's pattern already refused it; kept for direct callers
        raise ContractError(f"{path}: key 'cadence': {text!r} is not an ISO 8601 duration like P1D, P4W or PT6H")
    days, weeks, hours = (int(match[g]) if match[g] else 0 for g in ("days", "weeks", "hours"))
    return timedelta(days=days, weeks=weeks, hours=hours)


def _checks(path: Path, name: str, raw: dict[str, Any]) -> tuple[Check, ...]:
    constraints = raw.get("constraints", {})
    declared = raw.get("checks", {})
    kinds = [CHECK_OF_CONSTRAINT[k] for k in constraints if k in CHECK_OF_CONSTRAINT]
    if "minimum" in constraints or "maximum" in constraints:
        kinds.append("range")
    unknown = sorted(set(declared) - set(kinds))
    if unknown:
        raise ContractError(
            f"{path}: key 'schema.fields[{name}].checks.{unknown[0]}': no matching constraint in 'constraints'"
        )
    return tuple(
        Check(kind, declared.get(kind, {}).get("severity", CRITICAL), declared.get(kind, {}).get("note"))
        for kind in kinds
    )


def _field(path: Path, index: int, raw: dict[str, Any]) -> Field:
    name = raw["name"]
    where = f"{path}: key 'schema.fields[{index}]' ({name})"
    parser = raw.get("parser")
    if parser == "extract":
        pattern = raw.get("extract")
        if not pattern:
            raise ContractError(f"{where}: parser 'extract' needs the key 'extract' (a regex with one group)")
        try:
            groups = re.compile(pattern).groups
        except re.error as exc:
            raise ContractError(f"{where}.extract: {pattern!r} is not a regular expression: {exc}") from exc
        if groups != 1:
            raise ContractError(f"{where}.extract: {pattern!r} has {groups} capture groups; exactly 1 is needed")
    elif "extract" in raw or "padTo" in raw:
        raise ContractError(f"{where}: 'extract' and 'padTo' belong to parser 'extract'")
    if parser in ("date", "yearmonth") and not raw.get("format"):
        raise ContractError(f"{where}: parser {parser!r} needs the key 'format' (e.g. '%d/%m/%Y', 'excel', 'MON-%Y')")
    number_keys = {"decimalChar", "groupChar", "bareNumber"} & set(raw)
    if number_keys and parser != "number":
        raise ContractError(f"{where}: {', '.join(sorted(number_keys))} need 'parser: number'")
    if parser == "number" and raw["type"] not in ("number", "integer"):
        raise ContractError(f"{where}: parser 'number' needs type number or integer, not {raw['type']!r}")
    if raw.get("personal") and (parser or raw["type"] != "string" or raw.get("sqlType", "VARCHAR") != "VARCHAR"):
        # a value that fails a parser or a cast is quoted in its reject reason, and reject reasons are published
        # (load log, quality report): person-level data is landed as text, as the file wrote it
        raise ContractError(f"{where}: a personal field is type string with no parser (it is landed as text)")
    formats = raw.get("format", ())
    missing = raw.get("missingValues")
    return Field(
        name=name,
        type=raw["type"],
        sql_type=raw.get("sqlType", DEFAULT_SQL_TYPES[raw["type"]]),
        description=raw["description"],
        header=raw.get("header", name),
        parser=parser,
        extract=raw.get("extract"),
        pad_to=raw.get("padTo"),
        formats=(formats,) if isinstance(formats, str) else tuple(formats),
        decimal_char=raw.get("decimalChar", "."),
        group_char=raw.get("groupChar"),
        bare_number=raw.get("bareNumber", True),
        missing_values=tuple(missing) if missing is not None else None,
        personal=bool(raw.get("personal", False)),
        constraints=dict(raw.get("constraints", {})),
        checks=_checks(path, name, raw),
    )


def _source(path: Path, doc: dict[str, Any]) -> Source:
    fields = tuple(_field(path, i, raw) for i, raw in enumerate(doc["schema"]["fields"]))
    names = [f.name for f in fields]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ContractError(f"{path}: key 'schema.fields': field name(s) {', '.join(repeated)} declared twice")
    known = set(names)
    layouts = []
    for i, raw in enumerate(doc["layouts"]):
        headers, absent = raw.get("headers", {}), set(raw.get("absent", ()))
        for key, values in (("headers", set(headers)), ("absent", absent)):
            unknown = sorted(values - known)
            if unknown:
                raise ContractError(f"{path}: key 'layouts[{i}].{key}': no field named {', '.join(unknown)}")
        columns = tuple(
            Column(f.name, f.sql_type, None if f.name in absent else headers.get(f.name, f.header)) for f in fields
        )
        layouts.append(Layout(raw["name"], raw["description"], columns))
    partition = doc["partition"]
    if partition is not None and partition not in known:
        raise ContractError(f"{path}: key 'partition': no field named {partition!r}")
    primary_key = tuple(doc.get("primaryKey", ()))
    unknown_key = sorted(set(primary_key) - known)
    if unknown_key:
        raise ContractError(f"{path}: key 'primaryKey': no field named {', '.join(unknown_key)}")
    dialect_doc = doc["dialect"]
    fmt = doc["format"]
    if fmt == "csv" and ("sheetName" in dialect_doc or "sheetNumber" in dialect_doc):
        raise ContractError(f"{path}: key 'dialect': sheetName/sheetNumber are for format xlsx")
    if fmt == "xlsx" and ({"delimiter", "quoteChar", "quoteAll", "multilineFields"} & set(dialect_doc)):
        raise ContractError(f"{path}: key 'dialect': delimiter, quoteChar, quoteAll, multilineFields are for csv")
    dialect = Dialect(
        delimiter=dialect_doc.get("delimiter", ","),
        quote=dialect_doc.get("quoteChar", '"'),
        header_row=dialect_doc["headerRows"][0],
        sheet_name=dialect_doc.get("sheetName"),
        sheet_number=dialect_doc.get("sheetNumber", 1),
        quote_all=dialect_doc.get("quoteAll", False),
        multiline_fields=dialect_doc.get("multilineFields", False),
        junk_rows_at_end=dialect_doc.get("junkRowsAtEnd", 0),
    )
    row_count = doc.get("rowCount", {})
    history = doc["history"]
    return Source(
        name=doc["name"],
        table=doc["table"],
        title=doc["title"],
        description=doc.get("description", doc["title"]).strip(),
        publisher=doc["publisher"],
        homepage=doc.get("homepage"),
        licenses=tuple(doc.get("licenses", ())),
        expected_every=_duration(path, doc["cadence"]),
        format=fmt,
        dialect=dialect,
        fields=fields,
        layouts=tuple(layouts),
        partition_column=partition,
        history_keep=history["keep"],
        history_max_loads=history.get("maxLoads"),
        shrink_tolerance=float(doc.get("shrink", {}).get("tolerance", 0.10)),
        row_count=RowCount(
            row_count.get("min"), row_count.get("max"), row_count.get("severity", CRITICAL), row_count.get("note")
        ),
        primary_key=primary_key,
        missing_values=tuple(doc["schema"].get("missingValues", [""])),
        path=path,
        fields_match=doc["schema"].get("fieldsMatch", "equal"),
    )
