"""Names and paths shared by the gate's modules; no heavy imports."""

from __future__ import annotations

import os
from pathlib import Path

WAREHOUSE_DIR_ENV = "WAREHOUSE_DIR"
DEFAULT_WAREHOUSE_DIR = "./warehouse"
DATABASE_FILENAME = "monitoring.duckdb"
QUALITY_DIRNAME = "quality"

GX_ROOT = Path(__file__).resolve().parent / "gx"
# The config variable great_expectations.yml uses for the warehouse file (connection_string: duckdb:///${...}).
DUCKDB_PATH_VARIABLE = "MONITORING_DUCKDB_PATH"
DATASOURCE_NAME = "warehouse"

CRITICAL = "critical"
WARNING = "warning"
SEVERITIES = (CRITICAL, WARNING)
MAX_EXAMPLES = 20


def resolve_warehouse_dir(warehouse_dir: str | os.PathLike[str] | None = None) -> Path:
    """Return the absolute warehouse directory: the argument, else ``$WAREHOUSE_DIR``, else ``./warehouse``."""
    chosen = warehouse_dir if warehouse_dir is not None else os.environ.get(WAREHOUSE_DIR_ENV) or DEFAULT_WAREHOUSE_DIR
    return Path(chosen).expanduser().resolve()


def database_path(warehouse_dir: Path) -> Path:
    """Return the DuckDB file inside ``warehouse_dir``."""
    return warehouse_dir / DATABASE_FILENAME
