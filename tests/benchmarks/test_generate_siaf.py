"""The SIAF gasto generator (benchmarks/generate_siaf.py): a generated file is MEF's layout and behaves like a real
year under the quality gate's rules, checked here in plain Python on small files (no warehouse, a few seconds).

The gate itself runs on generated files of 8 MiB and 256 MiB in docs/benchmarks.md's template section."""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from benchmarks import generate_siaf
from benchmarks.generate_siaf import DEFAULT_TEMPLATE, INVENTED_SEC_EJEC_BASE, generate

SIZE = 3 * 1024 * 1024
ENTITY = (
    "NIVEL_GOBIERNO",
    "SECTOR",
    "PLIEGO",
    "EJECUTORA",
    "EJECUTORA_NOMBRE",
    "DEPARTAMENTO_EJECUTORA",
    "PROVINCIA_EJECUTORA",
    "DISTRITO_EJECUTORA",
)
GROUP = ("SEC_EJEC", "PROGRAMA_PPTO", "FUNCION", "DEPARTAMENTO_META")
NOT_LINE = {"ANO_EJE", "MES_EJE", *generate_siaf.AMOUNT_COLUMNS}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def small_batches(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A 3 MiB file written in batches of 60 lines, so it spans many batches and invented units."""
    path = tmp_path_factory.mktemp("siaf") / "2026-Gasto.csv"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(generate_siaf, "BATCH_LINES", 60)
        rows = generate(path, SIZE, DEFAULT_TEMPLATE, 2026, seed=7)
    return path, rows


def test_layout_is_mefs_and_a_seed_gives_the_same_file(tmp_path: Path) -> None:
    sample = DEFAULT_TEMPLATE.read_bytes()
    first, again, other = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    rows = generate(first, 200_000, DEFAULT_TEMPLATE, 2025, seed=1)
    assert generate(again, 200_000, DEFAULT_TEMPLATE, 2025, seed=1) == rows
    generate(other, 200_000, DEFAULT_TEMPLATE, 2025, seed=2)
    data = first.read_bytes()
    assert data == again.read_bytes() != other.read_bytes()
    lines = data.split(b"\r\n")
    assert lines[0] == sample.split(b"\r\n")[0]
    assert lines[-1] == b"" and len(lines) - 2 == rows
    assert all(line.startswith(b'"2025","') and line.endswith(b'"') for line in lines[1:-1])
    assert 200_000 <= len(data) < 200_000 + max(len(line) for line in lines) + 2


def test_every_row_is_a_distinct_line_month_and_lines_grow_with_the_file(small_batches: tuple[Path, int]) -> None:
    path, count = small_batches
    rows = _rows(path)
    assert len(rows) == count > 2_500
    assert path.stat().st_size >= SIZE
    keys = [(tuple(v for k, v in row.items() if k not in NOT_LINE), row["MES_EJE"]) for row in rows]
    assert len(set(keys)) == len(keys)  # one fct_budget_execution row per file row
    lines = {line for line, _ in keys}
    assert len(lines) > 2 * 127  # the sample's 127 lines, each run by more than two executing units
    assert len(keys) / len(lines) < 12  # about 1 + 12 * 0.8 rows a line: lines, not rows, grow with the file
    codes = {row["SEC_EJEC"] for row in rows}
    real = {row["SEC_EJEC"] for row in _rows(DEFAULT_TEMPLATE)}
    assert real <= codes and len(codes) > 2 * len(real)
    assert all(code in real or int(code) >= INVENTED_SEC_EJEC_BASE for code in codes)
    entity: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    for row in rows:
        entity[row["SEC_EJEC"]].add(tuple(row[name] for name in ENTITY))
    assert {len(attributes) for attributes in entity.values()} == {1}  # dim_entity stays coherent


def test_execution_stays_within_each_lines_pim(small_batches: tuple[Path, int]) -> None:
    """The gate's rules: PIM > 0 on each line's month-0 row, PIM >= certificado >= devengado >= girado per line,
    year-to-date devengado / PIM per group and month within -100 % .. 150 % (the gate refuses outside -100 .. 1,000)."""
    rows = _rows(small_batches[0])
    totals: dict[tuple[str, ...], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    group_pim: dict[tuple[str, ...], Decimal] = defaultdict(Decimal)
    group_month: dict[tuple[tuple[str, ...], int], Decimal] = defaultdict(Decimal)
    reversals = 0
    for row in rows:
        line = tuple(v for k, v in row.items() if k not in NOT_LINE)
        group, month = tuple(row[name] for name in GROUP), int(row["MES_EJE"])
        amounts = {name: Decimal(row[f"MONTO_{name}"]) for name in ("PIA", "PIM", "CERTIFICADO", "DEVENGADO", "GIRADO")}
        assert all(len(row[name].partition(".")[2]) <= 2 for name in generate_siaf.AMOUNT_COLUMNS)
        if month == 0:
            assert amounts["PIM"] > 0 and 0 <= amounts["PIA"] <= amounts["PIM"]
            assert amounts["CERTIFICADO"] == amounts["DEVENGADO"] == amounts["GIRADO"] == 0
            group_pim[group] += amounts["PIM"]
        else:
            assert amounts["PIA"] == amounts["PIM"] == 0
            reversals += amounts["DEVENGADO"] < 0
            assert amounts["CERTIFICADO"] >= amounts["DEVENGADO"] >= amounts["GIRADO"]  # a reversal: both equal
        for name, value in amounts.items():
            totals[line][name] += value
        group_month[group, month] += amounts["DEVENGADO"]
    execution_rows = sum(int(row["MES_EJE"]) > 0 for row in rows)
    assert 0.03 < reversals / execution_rows < 0.07
    for total in totals.values():
        assert total["PIM"] >= total["CERTIFICADO"] >= total["DEVENGADO"] >= total["GIRADO"]
    for group, pim in group_pim.items():
        ytd = Decimal(0)
        for month in range(13):
            ytd += group_month.get((group, month), Decimal(0))
            assert -1 <= ytd / pim <= Decimal("1.5"), (group, month)
