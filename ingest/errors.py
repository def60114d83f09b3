"""The ingest exception hierarchy. Every message names the file and, where there is one, the row and the problem."""

from __future__ import annotations


class IngestError(Exception):
    """A load that cannot go on. The warehouse is left as it was before the load started."""


class UnknownSourceError(IngestError):
    """The source name is not in the registry."""


class FetchError(IngestError):
    """The location could not be read: missing file, failed or interrupted download, bad archive."""


class NotCsvError(IngestError):
    """The file is not a delimited text file (binary, wrong encoding, empty)."""


class LayoutError(IngestError):
    """The header matches none of the source's declared layouts."""


class TruncatedFileError(IngestError):
    """The file ends in the middle of a row: an interrupted download or copy."""


class RejectLimitError(IngestError):
    """More rows were rejected than the load allows (``--max-rejects``)."""


class ReconciliationError(IngestError):
    """Rows read do not equal rows loaded plus rows rejected: something was lost and the load is refused."""


class WarehouseBusyError(IngestError):
    """Another process holds the DuckDB file (DuckDB allows one writer)."""


class ContractError(IngestError):
    """A source contract (contracts/*.yaml) is invalid: the message names the file, the key and what is wrong."""


class ShrinkError(IngestError):
    """A file would shrink a partition by more than its contract allows (``--allow-shrink`` overrides)."""
