"""Schema contracts: a source declares its layouts as data, and the loader follows them.

A layout is the exact set of header names one published variant of a file has, with the DuckDB type each column is
read as and the canonical column it lands in. Codes are always VARCHAR so zero padding survives (``"0002"``); only
amounts, years, months and measurements are typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta


@dataclass(frozen=True)
class Column:
    """One canonical column of a raw table and where a layout takes it from."""

    name: str
    type: str = "VARCHAR"
    source_name: str | None = None  # the header name in the file; None = this layout does not have it (NULL)


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
        """Return the canonical column read from ``source_name``."""
        for column in self.columns:
            if column.source_name == source_name:
                return column
        raise KeyError(source_name)


@dataclass(frozen=True)
class CsvFormat:
    """How the publisher writes the file."""

    delimiter: str = ","
    quote: str = '"'
    # Whether quoted fields may hold line breaks. When they cannot, rows read are reconciled against the file's
    # physical line count, which catches rows a reader would skip silently.
    multiline_fields: bool = False
    # Whether the publisher quotes every field: then a complete last line ends with the quote character, and a file
    # ending in anything else (but a line break) was cut short.
    quote_all: bool = False


@dataclass(frozen=True)
class Source:
    """A loadable source: what it is, its layouts, and how a new file replaces old rows."""

    name: str
    table: str
    title: str
    publisher: str
    layouts: tuple[Layout, ...]
    csv: CsvFormat = field(default_factory=CsvFormat)
    # A new file replaces the rows of the partitions (values of this column) it contains; None = the whole table.
    partition_column: str | None = None
    # How often the publisher issues a new file: used for freshness checks.
    expected_every: timedelta = timedelta(days=1)

    @property
    def columns(self) -> tuple[Column, ...]:
        """Return the canonical columns (those of the first layout, which every layout shares)."""
        return self.layouts[0].columns


@dataclass(frozen=True)
class PlannedSource:
    """A source the project will load but has no layout or loader for yet.

    It is declared only so that freshness reports can list it (as never loaded) with the cadence it will be expected
    at. It is not a :class:`Source` and not in ``ingest.sources.SOURCES``: ``python -m ingest`` neither lists nor loads
    it. When its loader is written, its declaration moves to a :class:`Source` of the same name.
    """

    name: str
    title: str
    publisher: str
    expected_every: timedelta


def canonical(
    *names: str,
    types: dict[str, str] | None = None,
    renames: dict[str, str] | None = None,
    absent: frozenset[str] = frozenset(),
) -> tuple[Column, ...]:
    """Build columns whose canonical name is the header name in lower case.

    ``renames`` maps a canonical name to the header name this layout uses instead; ``absent`` names canonical columns
    this layout lacks (loaded as NULL).
    """
    types = types or {}
    renames = renames or {}
    columns = []
    for name in names:
        key = name.lower()
        source_name = None if key in absent else renames.get(key, name)
        columns.append(Column(key, types.get(name, "VARCHAR"), source_name))
    return tuple(columns)
