"""DuckDB's memory limit and threads come from configuration ($WAREHOUSE_MEMORY_LIMIT, $WAREHOUSE_THREADS) for the
loader's connection; the benchmark suite records both. (dbt reads the same variables in dbt_project/profiles.yml.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.settings import threads
from ingest.warehouse import connect


@pytest.mark.parametrize(("value", "expected"), [(None, None), ("", None), (" 3 ", 3), ("1", 1)])
def test_threads_setting(monkeypatch: pytest.MonkeyPatch, value: str | None, expected: int | None) -> None:
    if value is None:
        monkeypatch.delenv("WAREHOUSE_THREADS", raising=False)
    else:
        monkeypatch.setenv("WAREHOUSE_THREADS", value)
    assert threads() == expected


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5"])
def test_threads_setting_refuses_what_is_not_a_positive_whole_number(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("WAREHOUSE_THREADS", value)
    with pytest.raises(ValueError, match="WAREHOUSE_THREADS"):
        threads()


def test_the_warehouse_connection_applies_both_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WAREHOUSE_THREADS", "1")
    monkeypatch.setenv("WAREHOUSE_MEMORY_LIMIT", "512MB")
    con = connect(tmp_path / "monitoring.duckdb")
    try:
        threads_set, limit = con.execute(
            "select current_setting('threads'), current_setting('memory_limit')"
        ).fetchone()  # type: ignore[misc]
    finally:
        con.close()
    assert threads_set == 1
    assert limit == "488.2 MiB"  # DuckDB shows 512 MB (10^6 bytes) in MiB


def test_without_the_variable_duckdb_keeps_its_own_thread_count(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import duckdb

    monkeypatch.delenv("WAREHOUSE_THREADS", raising=False)
    own = duckdb.connect().execute("select current_setting('threads')").fetchone()[0]  # type: ignore[index]
    con = connect(tmp_path / "monitoring.duckdb")
    try:
        assert con.execute("select current_setting('threads')").fetchone()[0] == own  # type: ignore[index]
    finally:
        con.close()
