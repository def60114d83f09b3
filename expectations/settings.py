"""Names and paths shared by the gate's modules; no heavy imports."""

from __future__ import annotations

import os
from pathlib import Path

from ingest.settings import WORKING_DB_NAME, warehouse_dir, working_db_path

# One definition of where the warehouse is, shared with ingest (ingest/settings.py); these names are for messages.
WAREHOUSE_DIR_ENV = "WAREHOUSE_DIR"
DEFAULT_WAREHOUSE_DIR = "./warehouse"
DATABASE_FILENAME = WORKING_DB_NAME
QUALITY_DIRNAME = "quality"

GX_ROOT = Path(__file__).resolve().parent / "gx"
# The config variable great_expectations.yml uses for the warehouse file (connection_string: duckdb:///${...}).
DUCKDB_PATH_VARIABLE = "MONITORING_DUCKDB_PATH"
# ... and for the folder of GX's validation results and Data Docs: <warehouse>/quality/gx (one per warehouse).
GX_RESULTS_VARIABLE = "GX_RESULTS_DIR"
GX_RESULTS_DIRNAME = "gx"
DATASOURCE_NAME = "warehouse"

CRITICAL = "critical"
WARNING = "warning"
SEVERITIES = (CRITICAL, WARNING)
MAX_EXAMPLES = 20


def resolve_warehouse_dir(directory: str | os.PathLike[str] | None = None) -> Path:
    """Return the absolute warehouse directory: the argument, else ``$WAREHOUSE_DIR``, else ``./warehouse``."""
    return Path(directory).expanduser().resolve() if directory is not None else warehouse_dir()


def database_path(directory: Path) -> Path:
    """Return the working DuckDB file inside ``directory``."""
    return working_db_path(directory)
