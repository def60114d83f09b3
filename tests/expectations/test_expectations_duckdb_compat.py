"""expectations.duckdb_compat: GX's SQL datasource on DuckDB gives right results with it, and nothing without it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from expectations import duckdb_compat
from expectations.gx_context import close_datasources


@pytest.fixture
def months_db(tmp_path: Path) -> Path:
    """A DuckDB file with months 1..12 plus one bad month 13 (row 13) and one bad code."""
    path = tmp_path / "months.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE t AS SELECT i AS row_id, CAST(i AS SMALLINT) AS month, "
        "CASE WHEN i = 7 THEN '7' ELSE lpad(CAST(i AS VARCHAR), 2, '0') END AS code FROM range(1, 14) r(i)"
    )
    con.close()
    return path


@pytest.fixture
def validate(months_db: Path) -> Iterator[Any]:
    """Validate one expectation against table ``t`` through GX's SQL datasource; close the engines afterwards."""
    import great_expectations as gx

    contexts: list[Any] = []

    def _validate(expectation: Any) -> Any:
        context = gx.get_context(mode="ephemeral")
        contexts.append(context)
        datasource = context.data_sources.add_sql("db", connection_string=f"duckdb:///{months_db}")
        batch = datasource.add_table_asset("t", table_name="t").add_batch_definition_whole_table("all").get_batch()
        result_format = {"result_format": "SUMMARY", "unexpected_index_column_names": ["row_id"]}
        return batch.validate(expectation, result_format=result_format)

    yield _validate
    for context in contexts:
        close_datasources(context)


def _undo_patch(monkeypatch: pytest.MonkeyPatch, *, persisted_connection: bool = False, dialect: bool = False) -> None:
    """Undo one or both patches of duckdb_compat for the duration of a test."""
    from great_expectations.execution_engine import sqlalchemy_execution_engine as gx_engine

    duckdb_compat.apply()
    if persisted_connection:
        dialects = tuple(d for d in gx_engine._PERSISTED_CONNECTION_DIALECTS if d != duckdb_compat.DUCKDB_DIALECT_NAME)
        monkeypatch.setattr(gx_engine, "_PERSISTED_CONNECTION_DIALECTS", dialects)
    if dialect:
        engine_class = gx_engine.SqlAlchemyExecutionEngine
        monkeypatch.setattr(engine_class, "__init__", engine_class.__init__.__wrapped__)


def test_apply_is_idempotent() -> None:
    from great_expectations.execution_engine import sqlalchemy_execution_engine as gx_engine

    duckdb_compat.apply()
    dialects = gx_engine._PERSISTED_CONNECTION_DIALECTS
    init = gx_engine.SqlAlchemyExecutionEngine.__init__
    duckdb_compat.apply()
    assert duckdb_compat.is_applied()
    assert dialects == gx_engine._PERSISTED_CONNECTION_DIALECTS
    assert sum(d == "duckdb" for d in dialects) == 1
    assert gx_engine.SqlAlchemyExecutionEngine.__init__ is init


def test_with_the_fix_an_expectation_on_duckdb_reports_the_bad_row(validate: Any) -> None:
    import great_expectations.expectations as gxe

    duckdb_compat.apply()
    failing = validate(gxe.ExpectColumnValuesToBeBetween(column="month", min_value=1, max_value=12))
    assert not failing.success
    assert failing.result["element_count"] == 13
    assert failing.result["unexpected_count"] == 1
    assert failing.result["partial_unexpected_index_list"] == [{"row_id": 13, "month": 13}]
    assert validate(gxe.ExpectColumnValuesToBeBetween(column="month", min_value=1, max_value=13)).success


def test_with_the_fix_regex_runs_in_duckdb(validate: Any) -> None:
    import great_expectations.expectations as gxe

    duckdb_compat.apply()
    result = validate(gxe.ExpectColumnValuesToMatchRegex(column="code", regex=r"^\d{2}$"))
    assert not result.success
    assert result.result["partial_unexpected_index_list"] == [{"row_id": 7, "code": "7"}]
    # GX's "match" is a search, as in Python's re.search: an unanchored pattern may match inside the value
    assert validate(gxe.ExpectColumnValuesToMatchRegex(column="code", regex=r"\d")).success


def test_without_the_fix_every_metric_comes_back_empty(validate: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The failure mode of STACK-NOTES. If this test fails, GX handles DuckDB itself: see duckdb_compat's docstring."""
    import great_expectations.expectations as gxe

    _undo_patch(monkeypatch, persisted_connection=True)
    result = validate(gxe.ExpectColumnValuesToBeBetween(column="month", min_value=1, max_value=13))
    assert not result.success
    assert result.result == {}
    assert "list index out of range" in str(result.exception_info)


def test_without_the_fix_regex_is_unsupported(validate: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import great_expectations.expectations as gxe

    _undo_patch(monkeypatch, dialect=True)
    result = validate(gxe.ExpectColumnValuesToMatchRegex(column="code", regex=r"^\d{2}$"))
    assert not result.success
    assert "Regex is not supported for dialect duckdb" in str(result.exception_info)


def test_decimals_serialize_without_walking_the_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    import decimal

    from great_expectations import util as gx_util

    duckdb_compat.apply()

    def no_stack(*_: Any, **__: Any) -> Any:
        raise AssertionError("inspect.stack() called")

    monkeypatch.setattr(gx_util, "stack", no_stack)
    amounts = {"devengado": decimal.Decimal("1234567.89"), "rows": [decimal.Decimal("-0.50")]}
    assert gx_util.convert_to_json_serializable(amounts) == {"devengado": 1234567.89, "rows": [-0.5]}
    # without the patch, GX's own conversion walks the stack for every value
    monkeypatch.setattr(gx_util, "convert_decimal_to_float", duckdb_compat._gx_decimal_to_float)
    with pytest.raises(AssertionError, match=r"inspect\.stack\(\) called"):
        gx_util.convert_to_json_serializable(amounts)
