"""Make Great Expectations' SQL datasource give correct results on DuckDB (duckdb-engine).

Call :func:`apply` once before validating; it is idempotent and cheap. Everything the project does to work around
GX-on-DuckDB problems lives in this module, so removing it means one file, one call and its tests (see the last
section).

What breaks (GX 1.24.1, duckdb 2.0, duckdb-engine 0.17, SQLAlchemy 2.0)
---------------------------------------------------------------------------
1. **Every expectation fails with ``MetricResolutionError: list index out of range``** (``result: {}``, observed
   value "N/A"). ``SqlAlchemyExecutionEngine.execute_query`` runs each metric query inside
   ``with self.get_connection()`` and returns the un-fetched cursor result; ``resolve_metric_bundle`` calls
   ``fetchall()`` only after the ``with`` block closed the SQLAlchemy connection. Closing it ends the auto-begun
   transaction, and duckdb-engine's cursor is the DuckDB connection itself, which drops its pending result when a
   transaction ends: ``fetchall()`` returns ``[]`` and ``res[0]`` raises ``IndexError``.
   GX already avoids this for the dialects listed in
   ``great_expectations.execution_engine.sqlalchemy_execution_engine._PERSISTED_CONNECTION_DIALECTS`` (SQLite,
   SQL Server, BigQuery, Databricks): it builds their engine with a ``StaticPool`` and keeps one connection open for
   the engine's lifetime, so results stay fetchable. DuckDB is not in that tuple; :func:`apply` adds it.
2. **Regex expectations fail with "Regex is not supported for dialect duckdb".** GX picks the SQL for a regex from
   ``execution_engine.dialect_module``, which it sets only for dialects it knows and leaves ``None`` for DuckDB.
   duckdb-engine's dialect subclasses SQLAlchemy's PostgreSQL dialect, and DuckDB understands PostgreSQL's ``~`` and
   ``!~`` (a partial match, like the ``re.search`` GX means by "match regex"), so :func:`apply` gives DuckDB engines
   the ``sqlalchemy.dialects.postgresql`` module and GX renders regex expectations as ``column ~ 'pattern'``.

3. **Every DECIMAL value in a result costs a walk of the call stack.** DuckDB returns DECIMAL columns (amounts) as
   ``decimal.Decimal``; GX serializes each one with ``great_expectations.util.convert_decimal_to_float``, which calls
   ``inspect.stack()`` (reading the source line of every frame) only to tell whether its rule-based profiler is the
   caller. With examples of amounts in a few suites that was ~0.1 s per value and most of a gate's serialization
   time. :func:`apply` swaps in the same conversion (``float(d)``, with GX's warning when the conversion is lossy)
   without the stack walk; the gate never runs GX's profiler.

Side effect the caller must handle: GX never closes the persisted connection of (1). Whoever opens a GX context on
the warehouse must close its engines when done (``expectations.gx_context.close_datasources`` does), or the DuckDB
file stays open in this process.

Upstream
--------
Great Expectations issues #10738 ("Enable Duckdb sqlalchemy data source") and #11579
("SqlAlchemyExecutionEngine.resolve_metric_bundle raises IndexError with duckdb-engine") report failure (1); both are
closed without a fix as of 1.24.1 (PR #11635 only proposed a clearer error message). PR #12084 proposes a native
DuckDB execution engine, which would make this module unnecessary.

Removing it
-----------
``tests/expectations/test_expectations_duckdb_compat.py`` shows both failure modes without the patches. When a GX
upgrade makes those tests fail (GX handles DuckDB itself), delete this module, its call in
``expectations/gx_context.py`` and the failure-mode tests; keep the tests that check expectation results.
"""

from __future__ import annotations

import enum
import functools
import logging
from typing import Any

logger = logging.getLogger(__name__)

DUCKDB_DIALECT_NAME = "duckdb"
_PATCH_MARKER = "_duckdb_compat_patched"
_gx_decimal_to_float: Any = None  # GX's own convert_decimal_to_float, once apply() replaced it


class _ExtraDialect(enum.StrEnum):
    """A dialect name that GX's ``GXSqlDialect`` enum lacks.

    GX compares the members of ``_PERSISTED_CONNECTION_DIALECTS`` with plain strings (``dialect_name in ...``) and
    reads their ``.value`` (``_dialect_requires_persisted_connection``): a ``str`` enum member satisfies both.
    """

    DUCKDB = DUCKDB_DIALECT_NAME


def apply() -> None:
    """Patch GX so DuckDB gets a persisted connection and a regex-capable dialect module, and Decimals serialize
    without a stack walk. Safe to call repeatedly."""
    from great_expectations.execution_engine import sqlalchemy_execution_engine as gx_engine

    if DUCKDB_DIALECT_NAME not in gx_engine._PERSISTED_CONNECTION_DIALECTS:
        gx_engine._PERSISTED_CONNECTION_DIALECTS = (*gx_engine._PERSISTED_CONNECTION_DIALECTS, _ExtraDialect.DUCKDB)
        logger.debug("GX patched: DuckDB added to the persisted-connection dialects")

    engine_class = gx_engine.SqlAlchemyExecutionEngine
    if not getattr(engine_class.__init__, _PATCH_MARKER, False):
        engine_class.__init__ = _with_duckdb_dialect_module(engine_class.__init__)
        logger.debug("GX patched: DuckDB execution engines get the PostgreSQL dialect module")

    from great_expectations import util as gx_util

    if not getattr(gx_util.convert_decimal_to_float, _PATCH_MARKER, False):
        global _gx_decimal_to_float
        _gx_decimal_to_float = gx_util.convert_decimal_to_float  # kept for the tests' "without the fix" case
        gx_util.convert_decimal_to_float = _decimal_to_float
        logger.debug("GX patched: Decimal values are serialized without inspecting the call stack")


def is_applied() -> bool:
    """Return True when every patch of :func:`apply` is in place."""
    from great_expectations import util as gx_util
    from great_expectations.execution_engine import sqlalchemy_execution_engine as gx_engine

    persisted = DUCKDB_DIALECT_NAME in gx_engine._PERSISTED_CONNECTION_DIALECTS
    decimals = bool(getattr(gx_util.convert_decimal_to_float, _PATCH_MARKER, False))
    return persisted and decimals and bool(getattr(gx_engine.SqlAlchemyExecutionEngine.__init__, _PATCH_MARKER, False))


def _decimal_to_float(d: Any) -> float:
    """GX's ``convert_decimal_to_float`` without its ``inspect.stack()`` (see (3) above): same value, same warning."""
    import decimal

    from great_expectations.util import requires_lossy_conversion

    if isinstance(d, decimal.Decimal) and requires_lossy_conversion(d=d):
        logger.warning("Using lossy conversion for decimal %s to float object to support serialization.", d)
    return float(d)


setattr(_decimal_to_float, _PATCH_MARKER, True)


def _with_duckdb_dialect_module(original_init: Any) -> Any:
    """Wrap ``SqlAlchemyExecutionEngine.__init__`` so a DuckDB engine ends up with a dialect module."""

    @functools.wraps(original_init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        if self.dialect_name == DUCKDB_DIALECT_NAME and self.dialect_module is None:
            from sqlalchemy.dialects import postgresql

            self.dialect_module = postgresql

    setattr(__init__, _PATCH_MARKER, True)
    return __init__
