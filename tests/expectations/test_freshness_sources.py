"""Data freshness per declared source, at a fixed as_of: fresh, stale, never loaded; and where cadences are declared."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from expectations import cli
from expectations.freshness import (
    FRESH,
    NEVER_LOADED,
    STALE,
    DeclaredSource,
    LastLoad,
    assess,
    declared_sources,
    evaluate,
    format_duration,
    parse_as_of,
)
from ingest.contracts import registry
from pipeline.paths import ubigeo_reference_location
from pipeline.tasks import load_source

AS_OF = datetime(2026, 5, 21, 9, 0, tzinfo=UTC)
DAILY = DeclaredSource("daily", "a daily source", "someone", timedelta(days=1), loadable=True)
PLANNED = DeclaredSource("planned", "a planned source", "someone", timedelta(days=31), loadable=False)


def _load(hours_ago: float, status: str = "loaded") -> LastLoad:
    return LastLoad(7, status, (AS_OF - timedelta(hours=hours_ago)).replace(tzinfo=None))


@pytest.mark.parametrize(
    ("hours_ago", "status"),
    [(1, FRESH), (24, FRESH), (24.5, STALE), (24 * 40, STALE), (-2, FRESH)],  # -2: loaded after the as_of date
)
def test_a_source_is_stale_once_older_than_its_cadence(hours_ago: float, status: str) -> None:
    (item,) = assess((DAILY,), {"daily": _load(hours_ago)}, AS_OF)

    assert item.status == status and item.warning == (status == STALE)
    assert item.age == timedelta(hours=hours_ago)
    assert item.as_dict()["age_seconds"] == int(hours_ago * 3600)


def test_never_loaded_sources_warn_only_when_they_have_a_loader() -> None:
    loadable, planned = assess((DAILY, PLANNED), {}, AS_OF)

    assert (loadable.status, planned.status) == (NEVER_LOADED, NEVER_LOADED)
    assert loadable.warning and not planned.warning
    assert planned.as_dict()["last_loaded_at"] is None and planned.age is None


def test_cadences_are_declared_for_loadable_and_planned_sources() -> None:
    contracts = registry()
    policy = contracts.freshness_policy
    assert policy["siaf-gasto"] == timedelta(days=1)
    assert policy["ubigeo-inei"] == timedelta(days=365)
    assert policy["consulta-amigable-municipalidades"] == timedelta(days=31)
    assert policy["infobras-obras"] == timedelta(days=1)
    assert policy["invierte-inversiones"] == timedelta(days=1)
    assert policy["siaf-ingreso"] == timedelta(days=1)
    assert policy["invierte-formato-12b"] == timedelta(days=1)  # planned: a cadence, no layout yet
    assert set(contracts.planned) == {"invierte-formato-12b"}
    assert not set(contracts.planned) & set(contracts.sources)  # planned sources are not loadable
    assert [(s.name, s.loadable) for s in declared_sources()] == [
        *((name, True) for name in contracts.sources),
        *((name, False) for name in contracts.planned),
    ]


def test_planned_sources_are_listed_but_not_loadable(capsys: pytest.CaptureFixture[str]) -> None:
    from ingest.cli import main

    main(["sources"])
    out = capsys.readouterr().out
    assert "siaf-gasto  →  raw.siaf_gasto" in out
    assert "invierte-formato-12b  (planned: no layout yet, nothing loads it)" in out
    assert "invierte-formato-12b  →" not in out and "municipal-exports" not in out
    assert main(["load", "invierte-formato-12b", "x.csv"]) == 1
    assert "declared as planned" in capsys.readouterr().err


def test_freshness_from_the_load_log(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Only ubigeo is loaded: it is fresh a day later and stale after its year; SIAF was never loaded."""
    warehouse = tmp_path / "warehouse"
    load_source("ubigeo-inei", ubigeo_reference_location(), warehouse=warehouse)
    load_source("ubigeo-inei", ubigeo_reference_location(), warehouse=warehouse)  # unchanged: also an arrival
    con = duckdb.connect(str(warehouse / "monitoring.duckdb"))
    try:
        con.execute("insert into ops.load_log (load_id, source, location, status, started_at) values"
                    " (99, 'siaf-gasto', 'x.csv', 'failed', now()::timestamp)")  # fmt: skip
        (loaded_at,) = con.execute("select max(finished_at) from ops.load_log where status = 'unchanged'").fetchone()
        caplog.set_level(logging.WARNING, logger="expectations.freshness")
        soon = {item.source.name: item for item in evaluate(con, loaded_at + timedelta(days=1))}
        later = {item.source.name: item for item in evaluate(con, loaded_at + timedelta(days=366))}
    finally:
        con.close()

    assert soon["ubigeo-inei"].status == FRESH and soon["ubigeo-inei"].last_load.status == "unchanged"
    assert later["ubigeo-inei"].status == STALE
    assert soon["siaf-gasto"].status == NEVER_LOADED  # a failed load is no arrival
    assert {soon[name].status for name in registry().planned} == {NEVER_LOADED}
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert sum("ubigeo-inei" in m for m in warned) == 1  # stale only at the later date
    assert sum("siaf-gasto has never been loaded" in m for m in warned) == 2
    assert not any(name in m for m in warned for name in registry().planned)


def test_as_of_parsing() -> None:
    assert parse_as_of("2026-05-21T09:00:00Z") == AS_OF
    assert parse_as_of("2026-05-21T04:00:00-05:00") == AS_OF  # Lima time
    assert parse_as_of("2026-05-21 09:00") == AS_OF  # no zone: UTC
    assert parse_as_of(AS_OF.replace(tzinfo=None)) == AS_OF
    assert parse_as_of(None).tzinfo is UTC
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["validate", "--as-of", "yesterday"])
    assert exit_info.value.code == cli.EXIT_ERROR
    assert (format_duration(timedelta(days=3, hours=4)), format_duration(timedelta(minutes=5))) == (
        "3 días 4 h",
        "5 min",
    )
