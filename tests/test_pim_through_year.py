"""PIM through the year: the budget's state kept from daily SIAF gasto loads (snapshots/_budget_state__snapshots.yml)
and the PIM at each month end in marts.fct_budget_pim_monthly and marts.fct_execution_progress.

Edited copies of the real sample (rows spread over the months up to the load's month; PIA/PIM set on three budget
lines of three different groups) are loaded with the real loader, dated by patching its clock, with a build after
each as the daily DAG does: 15 Jan, 10 Feb, 5 Apr, then a rebuild with no new load, then 20 May (devengado edited,
budget unchanged) and 3 Jun (the May file again: the loader finds it identical). The first build creates the
staging and intermediate views; later builds select only the state models and the marts (the views read the raw
data as it is now). SIAF gasto keeps only the current file of a year, so
the snapshots are the only record of the January and February states.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SIAF_SAMPLE
from tests.ingest.helpers import read_rows, records

LOAD_TIMES = {
    "jan": datetime(2026, 1, 15, 6, 0),
    "feb": datetime(2026, 2, 10, 6, 0),
    "apr": datetime(2026, 4, 5, 6, 0),
    "may": datetime(2026, 5, 20, 6, 0),
    "jun": datetime(2026, 6, 3, 6, 0),
}
# (PIA, PIM) of three budget lines in each file: A is modified twice, B never, C gets its budget in February
BUDGETS = {
    "A": {"jan": (1000, 1000), "feb": (1000, 1250.5), "apr": (1000, 900), "may": (1000, 900)},
    "B": {"jan": (500, 500), "feb": (500, 500), "apr": (500, 500), "may": (500, 500)},
    "C": {"jan": (0, 0), "feb": (0, 300), "apr": (0, 300), "may": (0, 300)},
}
GROUP = ("SEC_EJEC", "PROGRAMA_PPTO", "FUNCION", "DEPARTAMENTO_META")
BUILD_FIRST = "+snp_budget_state__line_budget +snp_budget_state__loads_captured"
BUILD_STATE = (
    "int_budget_state__line_budget int_budget_state__current_loads"
    " snp_budget_state__line_budget snp_budget_state__loads_captured"
)
BUILD_MARTS = f"{BUILD_STATE} int_budget_state__observations fct_budget_execution fct_budget_pim_monthly" + (
    " fct_execution_progress"
)


@dataclass
class Run:
    warehouse: Path
    groups: dict[str, tuple[str, ...]]  # line -> its group (sec_ejec, programa_ppto, funcion, department_code)
    line_count: int  # distinct budget lines in each file
    file_rows: int  # data rows in each file
    versions_after: dict[str, int]  # snapshot rows after each step
    captured_after: dict[str, int]


def _query(warehouse: Path, sql: str) -> list[dict[str, Any]]:
    return records(warehouse / "monitoring.duckdb", sql)


def _count(warehouse: Path, relation: str) -> int:
    return _query(warehouse, f"select count(*) as n from {relation}")[0]["n"]


def _lines_of_distinct_groups(head: list[str], data: list[list[str]]) -> dict[str, int]:
    """Pick, for lines A, B and C, the first rows of three different groups (so group sums are each line's)."""
    picked: dict[tuple[str, ...], int] = {}
    for index, row in enumerate(data):
        group = tuple(row[head.index(column)] for column in GROUP)
        picked.setdefault(group, index)
    assert len(picked) >= len(BUDGETS), "the sample has fewer groups than the test needs"
    return dict(zip(BUDGETS, list(picked.values())[: len(BUDGETS)], strict=True))


def _write(path: Path, head: list[str], data: list[list[str]], rows: dict[str, int], day: str) -> Path:
    """The sample with its rows spread over months 1 .. the load's month, PIA/PIM zero except on the picked rows,
    written as MEF writes the file (every field quoted, CRLF)."""
    last_month = min(LOAD_TIMES[day].month, 5)  # the June load is the May file again
    out = []
    for index, source in enumerate(data):
        row = list(source)
        row[head.index("MES_EJE")] = str(1 + index % last_month)
        row[head.index("MONTO_PIA")] = row[head.index("MONTO_PIM")] = "0"
        out.append(row)
    for line, index in rows.items():
        pia, pim = BUDGETS[line][day]
        out[index][head.index("MONTO_PIA")] = f"{pia:g}"
        out[index][head.index("MONTO_PIM")] = f"{pim:g}"
    if day == "may":  # the budget is as in April; only a devengado differs, so the file is a new one
        devengado = head.index("MONTO_DEVENGADO")
        out[0][devengado] = f"{float(out[0][devengado]) + 1:g}"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows([head, *out])
    return path


def _load(monkeypatch: pytest.MonkeyPatch, path: Path, at: datetime) -> str:
    from ingest.load import load

    monkeypatch.setattr("ingest.load._utcnow", lambda: at)
    return load("siaf-gasto", str(path)).status


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    from pipeline.transform import dbt_build

    folder = tmp_path_factory.mktemp("pim_files")
    head, data = read_rows(SIAF_SAMPLE)
    rows = _lines_of_distinct_groups(head, data)
    files = {day: _write(folder / f"2026-Gasto-Diario-{day}.csv", head, data, rows, day) for day in BUDGETS["A"]}
    groups = {line: tuple(data[index][head.index(column)] for column in GROUP) for line, index in rows.items()}

    warehouse = tmp_path_factory.mktemp("pim_warehouse") / "warehouse"
    warehouse.mkdir()
    versions: dict[str, int] = {}
    captured: dict[str, int] = {}

    def snapshot_counts(step: str) -> None:
        versions[step] = _count(warehouse, "snapshots.snp_budget_state__line_budget")
        captured[step] = _count(warehouse, "snapshots.snp_budget_state__loads_captured")

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("WAREHOUSE_DIR", str(warehouse))
        for day in ("jan", "feb", "apr"):
            assert _load(monkeypatch, files[day], LOAD_TIMES[day]) == "loaded"
            dbt_build(warehouse, select=BUILD_FIRST if day == "jan" else BUILD_STATE)
            snapshot_counts(day)
        dbt_build(warehouse, select=BUILD_STATE)  # same data again
        snapshot_counts("rebuild")
        assert _load(monkeypatch, files["may"], LOAD_TIMES["may"]) == "loaded"
        assert _load(monkeypatch, files["may"], LOAD_TIMES["jun"]) == "unchanged"
        dbt_build(warehouse, select=BUILD_MARTS)
        snapshot_counts("may")
        line_count = _count(warehouse, "intermediate.int_budget_state__line_budget")
        yield Run(warehouse, groups, line_count, len(data), versions, captured)


def _monthly(run: Run, line: str, table: str = "marts.fct_budget_pim_monthly") -> dict[int, dict[str, Any]]:
    sec_ejec, programa, funcion, department = run.groups[line]
    rows = _query(
        run.warehouse,
        f"select * from {table} where year = 2026 and sec_ejec = '{sec_ejec}' and programa_ppto = '{programa}'"
        f" and funcion = '{funcion}' and department_code = '{department}' order by month",
    )
    return {row["month"]: row for row in rows}


def test_only_changed_lines_are_stored(run: Run) -> None:
    # January keeps every line once; February changes A and C, April changes A; later loads change nothing
    assert run.versions_after == {
        "jan": run.line_count,
        "feb": run.line_count + 2,
        "apr": run.line_count + 3,
        "rebuild": run.line_count + 3,
        "may": run.line_count + 3,
    }
    versions = _query(
        run.warehouse,
        "select pia, pim, dbt_valid_from, dbt_valid_to from snapshots.snp_budget_state__line_budget"
        " where pim <> 0 or pia <> 0 or dbt_valid_to is not null order by pim, dbt_valid_from",
    )
    # dated by the loads, not by the builds' clock
    assert [(float(v["pim"]), v["dbt_valid_from"], v["dbt_valid_to"]) for v in versions] == sorted(
        [
            (1000.0, LOAD_TIMES["jan"], LOAD_TIMES["feb"]),
            (1250.5, LOAD_TIMES["feb"], LOAD_TIMES["apr"]),
            (900.0, LOAD_TIMES["apr"], None),
            (500.0, LOAD_TIMES["jan"], None),
            (0.0, LOAD_TIMES["jan"], LOAD_TIMES["feb"]),
            (300.0, LOAD_TIMES["feb"], None),
        ]
    )


def test_a_rebuild_and_a_load_that_changes_nothing_add_no_state(run: Run) -> None:
    assert run.versions_after["rebuild"] == run.versions_after["apr"]
    assert run.captured_after == {"jan": 1, "feb": 2, "apr": 3, "rebuild": 3, "may": 4}
    observations = _query(
        run.warehouse,
        "select observation_kind, observed_at from intermediate.int_budget_state__observations order by observed_at",
    )
    assert [(o["observation_kind"], o["observed_at"]) for o in observations] == [
        *(("captured", LOAD_TIMES[day]) for day in ("jan", "feb", "apr", "may")),
        ("identical_reload", LOAD_TIMES["jun"]),
    ]


def test_pim_at_month_ends_from_kept_loads(run: Run) -> None:
    months = _monthly(run, "A")
    assert sorted(months) == [1, 2, 3, 4, 5, 6]
    # how many loads a month saw is not published: a second run with the same file must publish the same marts
    assert {m: r["pim_observed"] for m, r in months.items()} == {1: True, 2: True, 3: False, 4: True, 5: True, 6: True}
    assert "observation_count" not in months[1]
    pim = {m: None if r["pim_month_end"] is None else float(r["pim_month_end"]) for m, r in months.items()}
    assert pim == {1: 1000.0, 2: 1250.5, 3: None, 4: 900.0, 5: 900.0, 6: 900.0}
    assert months[3]["pia_month_end"] is None and months[3]["pim_change_month"] is None
    assert months[2]["last_observed_at"] == LOAD_TIMES["feb"]
    assert months[6]["last_observed_at"] == LOAD_TIMES["jun"]  # the identical reload counts the month as seen
    change = {m: None if r["pim_change_month"] is None else float(r["pim_change_month"]) for m, r in months.items()}
    assert change == {1: 0.0, 2: 250.5, 3: None, 4: -350.5, 5: 0.0, 6: 0.0}
    assert [months[m]["change_months_covered"] for m in range(1, 7)] == [1, 1, None, 2, 1, 1]
    # a line never modified, and a line that got its budget in February
    assert [float(r["pim_month_end"] or -1) for r in _monthly(run, "B").values()] == [500, 500, -1, 500, 500, 500]
    c = _monthly(run, "C")
    assert [c[m]["pim_month_end"] for m in (1, 2, 3, 4)] == [0, 300, None, 300]


def test_changes_add_up_over_months(run: Run) -> None:
    for line in BUDGETS:
        months = _monthly(run, line)
        last_observed = max(m for m, r in months.items() if r["pim_observed"])
        total = sum(r["pim_change_month"] for r in months.values() if r["pim_change_month"] is not None)
        opening = months[1]["pia_opening"]
        assert total == months[last_observed]["pim_month_end"] - opening, line
        assert float(opening) == BUDGETS[line]["jan"][0]
    # over every group: the sum of the month changes is the current PIM minus the opening PIA
    (totals,) = _query(
        run.warehouse,
        "select sum(pim_change_month) as changes, sum(pia_opening) filter (where month = 1) as opening,"
        " sum(pim_month_end) filter (where month = 6) as pim_june from marts.fct_budget_pim_monthly",
    )
    (current,) = _query(run.warehouse, "select sum(monto_pim) as pim from marts.fct_budget_execution")
    assert totals["changes"] == totals["pim_june"] - totals["opening"]
    assert totals["pim_june"] == current["pim"] == 1700


def test_execution_progress_month_end_pim_beside_the_annual_stock(run: Run) -> None:
    months = _monthly(run, "A", table="marts.fct_execution_progress")
    # the progress mart's months run to the latest month with data (May); its pim is today's annual PIM on each
    assert sorted(months) == [1, 2, 3, 4, 5]
    assert {float(r["pim"]) for r in months.values()} == {900.0}
    assert [r["pim_observed"] for r in months.values()] == [True, True, False, True, True]
    month_end = [None if r["pim_month_end"] is None else float(r["pim_month_end"]) for r in months.values()]
    assert month_end == [1000.0, 1250.5, None, 900.0, 900.0]
    change = [None if r["pim_change_month"] is None else float(r["pim_change_month"]) for r in months.values()]
    assert change == [0.0, 250.5, None, -350.5, 0.0]
    # devengado of the month in the PIM mart is the fact's, month by month
    by_month = (
        "select month, sum({column}) as amount from marts.{table} where month between 1 and 5 group by month"
        " order by month"
    )
    assert _query(run.warehouse, by_month.format(column="devengado_month", table="fct_budget_pim_monthly")) == (
        _query(run.warehouse, by_month.format(column="monto_devengado", table="fct_budget_execution"))
    )
