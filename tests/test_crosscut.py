"""Cross-cuts (pipeline.crosscut over marts.fct_budget_execution_wide) and year over year (fct_execution_yoy).

One scratch warehouse for the module: the real SIAF sample (2026) as it is, plus an edited copy relabelled as 2025
(devengado doubled, a PIM on every fourth row, a third of the rows moved to month 3), loaded with the real loader and
built with ``dbt build --select +fct_budget_execution_wide +fct_execution_yoy``. Every expected figure is computed
from the CSV files with Python's csv module and Decimal, independently of the loader and the SQL.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

from pipeline.crosscut import DIMENSIONS, CrossCutError, UnknownDimensionError, execution_by

# The file's columns behind each dimension used here (written out again on purpose: not read from DIMENSIONS)
RAW_COLUMNS = {
    "pliego": ("PLIEGO",),
    "departamento_meta": ("DEPARTAMENTO_META",),
    "month": ("MES_EJE",),
    "funcion": ("FUNCION",),
    "fuente_financiamiento": ("FUENTE_FINANCIAMIENTO",),
    "generica": ("GENERICA",),
    "departamento_ejecutora": ("DEPARTAMENTO_EJECUTORA",),
    "provincia_ejecutora": ("DEPARTAMENTO_EJECUTORA", "PROVINCIA_EJECUTORA"),
    "distrito_ejecutora": ("DEPARTAMENTO_EJECUTORA", "PROVINCIA_EJECUTORA", "DISTRITO_EJECUTORA"),
    "ejecutora": ("SEC_EJEC",),
}
CROSS_CUTS = [
    ["pliego", "departamento_meta", "month"],
    ["funcion", "fuente_financiamiento", "generica"],
    ["departamento_ejecutora", "provincia_ejecutora", "distrito_ejecutora"],
]
HOSTILE = "440' or '1'='1'); drop table marts.fct_budget_execution_wide; --"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _edited_2025(sample: Path, out: Path) -> None:
    """Write the sample relabelled as 2025: devengado x 2, PIM 250000.50 on every 4th row, every 3rd row in March."""
    with sample.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    col = {name: header.index(name) for name in header}
    for number, row in enumerate(rows):
        row[col["ANO_EJE"]] = "2025"
        row[col["MES_EJE"]] = "3" if number % 3 == 0 else row[col["MES_EJE"]]
        row[col["MONTO_DEVENGADO"]] = str(Decimal(row[col["MONTO_DEVENGADO"]]) * 2)
        if number % 4 == 0:
            row[col["MONTO_PIM"]] = "250000.50"
    with out.open("w", encoding="utf-8", newline="") as sink:
        writer = csv.writer(sink, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)


def _key(row: dict[str, str], dimensions: list[str]) -> tuple[Any, ...]:
    """The group of a file row: its codes ('' as None, as staging makes it), month as an int."""
    key: list[Any] = []
    for dimension in dimensions:
        for column in RAW_COLUMNS[dimension]:
            value = row[column]
            key.append(int(value) if column == "MES_EJE" else (value or None))
    return tuple(key)


def _result_key(record: dict[str, Any], dimensions: list[str]) -> tuple[Any, ...]:
    return tuple(record[column] for dimension in dimensions for column in DIMENSIONS[dimension].codes)


@pytest.fixture(scope="module")
def files(siaf_sample: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    edited = tmp_path_factory.mktemp("crosscut_files") / "siaf-2025-edited.csv"
    _edited_2025(siaf_sample, edited)
    return {2026: siaf_sample, 2025: edited}


@pytest.fixture(scope="module")
def con(files: dict[int, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A read-only connection to a warehouse holding both years, built up to the cross-cut and YoY marts."""
    import duckdb

    from ingest.load import load
    from pipeline.transform import dbt_build

    warehouse = tmp_path_factory.mktemp("crosscut") / "warehouse"
    warehouse.mkdir()
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("WAREHOUSE_DIR", str(warehouse))
        for year in (2025, 2026):
            assert load("siaf-gasto", str(files[year])).status == "loaded"
        dbt_build(warehouse, select="+fct_budget_execution_wide +fct_execution_yoy")
    connection = duckdb.connect(str(warehouse / "monitoring.duckdb"), read_only=True)
    yield connection
    connection.close()


@pytest.mark.parametrize("dimensions", CROSS_CUTS, ids=lambda dims: " x ".join(dims))
def test_cross_cut_totals_equal_the_raw_file(con: Any, files: dict[int, Path], dimensions: list[str]) -> None:
    raw = _rows(files[2026])
    expected: dict[tuple[Any, ...], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in raw:
        group = expected[_key(row, dimensions)]
        for amount in ("MONTO_PIA", "MONTO_PIM", "MONTO_DEVENGADO"):
            group[amount] += Decimal(row[amount])
    records = execution_by(con, dimensions, years=2026).records()

    got = {_result_key(record, dimensions): record for record in records}
    assert set(got) == set(expected)
    devengado = "devengado_month" if "month" in dimensions else "devengado"
    for key, sums in expected.items():
        # the sample has one month, so a month row's annual PIM is the group's PIM in the file
        assert (got[key]["pia"], got[key]["pim"], got[key][devengado]) == (
            sums["MONTO_PIA"], sums["MONTO_PIM"], sums["MONTO_DEVENGADO"]
        ), key  # fmt: skip
    assert sum(record[devengado] for record in records) == sum(Decimal(row["MONTO_DEVENGADO"]) for row in raw)
    names = {dimension: DIMENSIONS[dimension].name for dimension in dimensions if DIMENSIONS[dimension].name}
    for record in records:
        for dimension, name in names.items():
            raw_names = {row[name.upper()] for row in raw if _key(row, [dimension]) == _result_key(record, [dimension])}
            assert {record[name]} == raw_names, (dimension, record)


def test_month_rows_divide_devengado_to_date_by_the_annual_pim(con: Any, files: dict[int, Path]) -> None:
    raw = _rows(files[2025])
    pim: dict[str, Decimal] = defaultdict(Decimal)
    by_month: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    for row in raw:
        pim[row["SEC_EJEC"]] += Decimal(row["MONTO_PIM"])
        by_month[row["SEC_EJEC"], int(row["MES_EJE"])] += Decimal(row["MONTO_DEVENGADO"])
    records = execution_by(con, ["ejecutora", "month"], years=[2025]).records()

    assert {(r["sec_ejec"], r["month"]) for r in records} == set(by_month)
    assert any(r["month"] == 5 and by_month.get((r["sec_ejec"], 3)) for r in records)  # a YTD that adds 2 months
    for record in records:
        unit, month = record["sec_ejec"], record["month"]
        to_date = sum((amount for (u, m), amount in by_month.items() if u == unit and m <= month), Decimal(0))
        assert record["pim"] == pim[unit]  # annual, on every month row
        assert record["devengado_month"] == by_month[unit, month]
        assert record["devengado"] == to_date
        if pim[unit]:
            assert record["pct_execution"] == pytest.approx(float(100 * to_date / pim[unit]))
        else:
            assert record["pct_execution"] is None

    march_only = execution_by(con, ["ejecutora"], years=2025, months=[3]).records()
    for record in march_only:
        assert record["pim"] == pim[record["sec_ejec"]]  # months limit devengado, never the annual PIM
        assert record["devengado"] == by_month.get((record["sec_ejec"], 3), Decimal(0))


@pytest.mark.parametrize(
    ("dimensions", "filters", "match"),
    [
        (["pliego", "pliego; drop table x"], {}, "unknown dimension 'pliego; drop table x'"),
        (["PLIEGO"], {}, "unknown dimension 'PLIEGO'"),
        (["pliego"], {"monto_pim": "0"}, "unknown filter 'monto_pim'"),
    ],
)
def test_the_allowlist_refuses_unknown_names(
    con: Any, dimensions: list[str], filters: dict[str, Any], match: str
) -> None:
    with pytest.raises(UnknownDimensionError, match=match) as caught:
        execution_by(con, dimensions, filters)
    assert "allowed: nivel_gobierno, " in str(caught.value)


def test_year_and_month_go_through_their_own_parameters(con: Any) -> None:
    with pytest.raises(CrossCutError, match="filter year with years="):
        execution_by(con, ["pliego"], {"year": 2026})
    with pytest.raises(CrossCutError, match="years must be whole numbers"):
        execution_by(con, ["pliego"], years=["2026 or 1=1"])


def test_filter_values_are_data_never_sql(con: Any, files: dict[int, Path]) -> None:
    hostile = execution_by(con, ["pliego"], {"pliego": HOSTILE}, years=2026)
    assert hostile.rows == []
    assert HOSTILE not in hostile.sql and "'440'" not in hostile.sql
    mixed = execution_by(con, ["pliego"], {"pliego": ["440", HOSTILE]}, years=2026).records()
    plain = execution_by(con, ["pliego"], {"pliego": "440"}, years=2026).records()
    assert mixed == plain
    assert [r["devengado"] for r in plain] == [sum(Decimal(r["MONTO_DEVENGADO"]) for r in _rows(files[2026]))]
    assert con.execute("select count(*) from marts.fct_budget_execution_wide").fetchone()[0] > 0


def _pct(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    return None if not denominator else (100 * numerator / denominator).quantize(Decimal("0.01"), ROUND_HALF_UP)


def test_year_over_year_compares_the_same_unit_and_programme_at_the_same_month(
    con: Any, files: dict[int, Path]
) -> None:
    sums: dict[tuple[int, str, str], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for year, path in files.items():
        for row in _rows(path):
            group = sums[year, row["SEC_EJEC"], row["PROGRAMA_PPTO"]]
            group["pim"] += Decimal(row["MONTO_PIM"])
            group[f"devengado_{row['MES_EJE']}"] += Decimal(row["MONTO_DEVENGADO"])
    cursor = con.execute(
        "select * from marts.fct_execution_yoy where year = 2026 order by sec_ejec, programa_ppto, month"
    )
    columns = [column[0] for column in cursor.description]
    rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

    assert {(r["sec_ejec"], r["programa_ppto"]) for r in rows} == {(u, p) for (y, u, p) in sums if y == 2026}
    assert {r["month"] for r in rows} == {1, 2, 3, 4, 5}  # the spine runs to 2026's latest month
    checked_pct = 0
    for row in rows:
        now, before = (
            sums[2026, row["sec_ejec"], row["programa_ppto"]],
            sums[2025, row["sec_ejec"], row["programa_ppto"]],
        )
        ytd_now = sum(
            (v for k, v in now.items() if k.startswith("devengado_") and int(k[10:]) <= row["month"]), Decimal(0)
        )
        ytd_before = sum(
            (v for k, v in before.items() if k.startswith("devengado_") and int(k[10:]) <= row["month"]), Decimal(0)
        )
        assert (row["pim"], row["devengado_ytd"]) == (now["pim"], ytd_now)
        assert (row["pim_prev_year"], row["devengado_ytd_prev_year"]) == (before["pim"], ytd_before)
        assert row["pim_change"] == now["pim"] - before["pim"]
        assert row["devengado_ytd_change"] == ytd_now - ytd_before
        assert row["pct_execution_ytd"] == _pct(ytd_now, now["pim"])
        assert row["pct_execution_ytd_prev_year"] == _pct(ytd_before, before["pim"])
        checked_pct += row["pct_execution_ytd_prev_year"] is not None and ytd_before != 0
    assert checked_pct > 0
    first_year = con.execute("select count(*), count(pim_prev_year) from marts.fct_execution_yoy where year = 2025")
    count, with_previous = first_year.fetchone()
    assert count > 0 and with_previous == 0  # nothing loaded for 2024


def test_cli_prints_a_cross_cut(con: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from pipeline.cli import main

    database = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchone()
    assert main(["crosscut", "--by", "generica", "--year", "2026", "--db", database[0], "--csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "generica,generica_nombre,pia,pim,devengado,pct_execution"
    assert len(lines) == 1 + len(execution_by(con, ["generica"], years=2026).rows)
    assert main(["crosscut", "--by", "nope", "--db", database[0]]) == 2


def test_the_docs_list_exactly_the_allowlist() -> None:
    from tests.conftest import ROOT

    text = (ROOT / "docs" / "cross-cuts.md").read_text(encoding="utf-8")
    section = text.split("## Dimensions (the allowlist)", 1)[1].split("\n## ", 1)[0]
    documented = [line.split("|")[1].strip().strip("`") for line in section.splitlines() if line.startswith("| `")]
    assert documented == list(DIMENSIONS)
