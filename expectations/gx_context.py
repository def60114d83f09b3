"""Open the committed GX file context on one warehouse file, and close every connection it opened.

The committed ``great_expectations.yml`` names the warehouse as ``duckdb:///${MONITORING_DUCKDB_PATH}`` and the
folder of validation results and Data Docs as ``${GX_RESULTS_DIR}`` (``<warehouse>/quality/gx``); both absolute
paths are passed here as GX *runtime environment* values, so no path is ever written to a committed file, and gates
on two warehouses (two tests at once, two deployments) never write the same files.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from expectations import duckdb_compat
from expectations.errors import WarehouseNotFoundError
from expectations.settings import DUCKDB_PATH_VARIABLE, GX_RESULTS_DIRNAME, GX_RESULTS_VARIABLE, QUALITY_DIRNAME

if TYPE_CHECKING:
    from great_expectations.data_context import FileDataContext

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def warehouse_context(database: Path, gx_root: Path) -> Iterator[FileDataContext]:
    """Yield the file context at ``gx_root`` reading ``database``; on exit close its DuckDB connections.

    Raises:
        WarehouseNotFoundError: ``database`` does not exist (DuckDB would silently create an empty one).
    """
    if not database.is_file():
        raise WarehouseNotFoundError(f"warehouse file not found: {database}")
    duckdb_compat.apply()
    import great_expectations as gx

    results = database.parent / QUALITY_DIRNAME / GX_RESULTS_DIRNAME
    runtime = {DUCKDB_PATH_VARIABLE: str(database), GX_RESULTS_VARIABLE: str(results)}
    context = gx.get_context(context_root_dir=str(gx_root), runtime_environment=runtime)
    try:
        with warnings.catch_warnings():
            # duckdb-engine cannot map DuckDB's LIST type (fct_budget_execution._source_rows) to SQLAlchemy; GX only
            # reads the column names, so the warning it raises on every reflection says nothing about the data.
            warnings.filterwarnings("ignore", message="Did not recognize type 'list'")
            yield context
    finally:
        close_datasources(context)


def close_datasources(context: FileDataContext) -> None:
    """Close the connections and dispose the SQLAlchemy engines of every SQL datasource the context has loaded.

    GX keeps two engines per SQL datasource (its own, used to inspect tables, and its execution engine's) and, with
    :mod:`expectations.duckdb_compat`, one persisted connection that it never closes. Until all are closed the DuckDB
    file stays open in this process, and a later step opening it with another configuration would fail.
    """
    for datasource in context.data_sources.all().values():
        if hasattr(datasource, "get_execution_engine") and hasattr(datasource, "get_engine"):
            _close_sql_datasource(datasource)


def _close_sql_datasource(datasource: Any) -> None:
    execution_engine = datasource.get_execution_engine()
    persisted = getattr(execution_engine, "_connection", None)
    if persisted is not None:
        persisted.close()
        execution_engine._connection = None
    execution_engine.engine.dispose()
    datasource.get_engine().dispose()
    logger.debug("closed the engines of datasource %s", datasource.name)
