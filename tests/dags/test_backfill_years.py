"""dags/backfill_years.py and pipeline/backfill.py: past years load one file each; the current year is never touched.

One ``dag.test()`` run loads two tiny generated years into a warehouse that already holds the current year; the
refusals (current year, a mislabelled file, a source not partitioned by year) are checked on the functions the tasks
call, without Airflow.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, SIAF_SAMPLE
from tests.ingest.helpers import query

CURRENT = datetime.now(UTC).year  # dag.test() runs with the logical date now
PAST = (CURRENT - 3, CURRENT - 2)
FILE_BYTES = 20_000


def _generate(out: Path, year: int, seed: int) -> Path:
    from benchmarks.generate_siaf import generate

    assert generate(out, FILE_BYTES, SIAF_SAMPLE, year, seed=seed) > 0
    return out


@dataclass
class Run:
    warehouse: Path
    files: Path
    state: str
    current_load_before: list[tuple[Any, ...]]
    asset_events: list[tuple[str, Any]]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """The current year loaded by the ordinary loader, then ``backfill_years`` for two past years."""
    from airflow.dag_processing.dagbag import DagBag
    from airflow.models.asset import AssetEvent
    from airflow.utils.db import initdb
    from airflow.utils.session import create_session

    from ingest.load import load

    base = tmp_path_factory.mktemp("backfill")
    warehouse, files = base / "warehouse", base / "files"
    warehouse.mkdir()
    files.mkdir()
    for seed, year in enumerate((*PAST, CURRENT)):
        _generate(files / f"{year}-Gasto.csv", year, seed)
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("WAREHOUSE_DIR", str(warehouse))
        assert load("siaf-gasto", str(files / f"{CURRENT}-Gasto.csv"), warehouse=warehouse).status == "loaded"
        current_before = query(warehouse, "select * from ops.current_partitions order by partition_value")
        initdb()
        dag = DagBag(dag_folder=str(ROOT / "dags" / "backfill_years.py")).dags["backfill_years"]
        template = str(files / "{year}-Gasto.csv")
        dag_run = dag.test(run_conf={"source": "siaf-gasto", "years": list(PAST), "location_template": template})
        with create_session() as session:
            events = [
                (event.asset.name, event.extra)
                for event in session.query(AssetEvent).filter(AssetEvent.source_run_id == dag_run.run_id)
            ]
        yield Run(warehouse, files, str(dag_run.state), current_before, events)


def test_backfill_loads_each_year_from_its_file_and_announces_the_asset_once(run: Run) -> None:
    assert run.state == "success"
    loads = query(
        run.warehouse,
        "select partitions, location from ops.load_log where status = 'loaded' order by load_id",
    )
    assert loads[1:] == [([str(year)], str(run.files / f"{year}-Gasto.csv")) for year in PAST]
    raw = query(run.warehouse, "select ano_eje, count(*) from raw.siaf_gasto group by all order by 1")
    assert [year for year, _ in raw] == [*PAST, CURRENT]
    assert run.asset_events == [("raw.siaf_gasto", {"years": list(PAST)})]


def test_backfill_leaves_the_current_year_alone(run: Run) -> None:
    after = query(run.warehouse, f"select * from ops.current_partitions where partition_value = '{CURRENT}'")
    assert after == [row for row in run.current_load_before if row[1] == str(CURRENT)] != []


@pytest.mark.parametrize("years", [[CURRENT], [PAST[0], CURRENT + 1]], ids=["current", "future"])
def test_plan_refuses_the_current_and_later_years(years: list[int]) -> None:
    from pipeline.backfill import BackfillError, plan

    with pytest.raises(BackfillError, match=f"never touches the current year {CURRENT}"):
        plan("siaf-gasto", years, "/data/{year}.csv", datetime.now(UTC))


def test_plan_takes_the_current_year_in_lima() -> None:
    from pipeline.backfill import plan

    # 02:00 UTC on 1 January is still 31 December in Lima: the year before is still current there
    new_year_utc = datetime(2027, 1, 1, 2, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="current year 2026"):
        plan("siaf-gasto", [2026], "/d/{year}.csv", new_year_utc)
    assert plan("siaf-ingreso", [2025, 2024], "/d/{year}-Ingreso.csv", new_year_utc) == [
        {"source": "siaf-ingreso", "year": 2024, "location": "/d/2024-Ingreso.csv"},
        {"source": "siaf-ingreso", "year": 2025, "location": "/d/2025-Ingreso.csv"},
    ]


def test_plan_refuses_a_source_not_partitioned_by_year() -> None:
    from pipeline.backfill import BackfillError, plan, year_partitioned_sources

    assert {"siaf-gasto", "siaf-devengado-mensual", "siaf-ingreso"} <= set(year_partitioned_sources())
    with pytest.raises(BackfillError, match="not a year-partitioned source"):
        plan("infobras-obras", [2020], "/d/{year}.xlsx", datetime.now(UTC))


def test_a_file_with_rows_of_another_year_is_refused_before_loading(run: Run) -> None:
    from pipeline.backfill import BackfillError, fetch_year

    loads_before = query(run.warehouse, "select count(*) from ops.load_log")
    mislabelled = {"source": "siaf-gasto", "year": PAST[0] - 1, "location": str(run.files / f"{PAST[0]}-Gasto.csv")}
    with pytest.raises(BackfillError, match=rf"holds rows of other years: {PAST[0]} \(\d+ rows\)"):
        fetch_year(mislabelled, warehouse=run.warehouse)
    assert query(run.warehouse, "select count(*) from ops.load_log") == loads_before
