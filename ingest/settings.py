"""Where the warehouse lives. Everything is derived from ``$WAREHOUSE_DIR`` (default ``./warehouse``)."""

from __future__ import annotations

import os
from pathlib import Path

WORKING_DB_NAME = "monitoring.duckdb"
PUBLISHED_DB_NAME = "published.duckdb"


def warehouse_dir() -> Path:
    """Return the absolute warehouse directory, from ``$WAREHOUSE_DIR`` or ``./warehouse``."""
    return Path(os.environ.get("WAREHOUSE_DIR") or "warehouse").expanduser().resolve()


def working_db_path(base: Path | None = None) -> Path:
    """Return the path of the working database the pipeline writes to."""
    return (base or warehouse_dir()) / WORKING_DB_NAME


def published_db_path(base: Path | None = None) -> Path:
    """Return the path of the published database that readers open read-only."""
    return (base or warehouse_dir()) / PUBLISHED_DB_NAME


def landing_dir(base: Path | None = None) -> Path:
    """Return the folder where downloaded and unzipped files land before they are loaded."""
    return (base or warehouse_dir()) / "landing"


def memory_limit() -> str:
    """Return DuckDB's memory limit for loads (``$WAREHOUSE_MEMORY_LIMIT``, default 4GB): loads spill beyond it."""
    return os.environ.get("WAREHOUSE_MEMORY_LIMIT") or "4GB"


def threads() -> int | None:
    """Return DuckDB's thread count (``$WAREHOUSE_THREADS``), or None for DuckDB's own default (one per core).

    Raises ``ValueError`` naming the variable when it is not a positive whole number.
    """
    value = (os.environ.get("WAREHOUSE_THREADS") or "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"WAREHOUSE_THREADS must be a positive whole number, got {value!r}")
    return int(value)
