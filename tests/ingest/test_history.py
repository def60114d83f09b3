"""History as the contract says, and the guardrails: superseded loads kept or dropped, ``raw.<table>__history``,
landing pruned with the loads dropped, and a file that shrinks a partition refused unless allowed."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from ingest.errors import ShrinkError
from ingest.load import load
from ingest.settings import landing_dir
from tests.conftest import REALDATA
from tests.ingest.helpers import edited_copy, query
from tests.ingest.test_contracts import CONTRACT, EXPORT


def _first_rows(source: Path, target: Path, rows: int) -> Path:
    return edited_copy(source, target, lambda lines: [*lines[: rows + 1], b""])


def test_a_shrinking_file_is_refused_unless_allowed(siaf_sample: Path, warehouse: Path, tmp_path: Path) -> None:
    load("siaf-gasto", str(siaf_sample))
    before = query(warehouse, "select count(*), sum(monto_devengado) from raw.siaf_gasto")
    smaller = _first_rows(siaf_sample, tmp_path / "2026-Gasto-Diario.csv", 100)
    with pytest.raises(ShrinkError) as error:
        load("siaf-gasto", str(smaller))
    message = str(error.value)
    assert "2026-Gasto-Diario.csv" in message and "ano_eje = 2026 from 127 to 100 rows (-21.3%)" in message
    assert "10%" in message and "--allow-shrink" in message
    assert query(warehouse, "select count(*), sum(monto_devengado) from raw.siaf_gasto") == before
    assert query(warehouse, "select status from ops.load_log order by load_id desc limit 1") == [("failed",)]

    result = load("siaf-gasto", str(smaller), allow_shrink=True)
    assert (result.status, result.rows_loaded) == ("loaded", 100)
    assert query(warehouse, "select count(*) from raw.siaf_gasto") == [(100,)]


def test_siaf_keeps_only_the_current_load(siaf_sample: Path, warehouse: Path, tmp_path: Path) -> None:
    first = load("siaf-gasto", str(siaf_sample))
    newer = load("siaf-gasto", str(_first_rows(siaf_sample, tmp_path / "next.csv", 120)))
    tables = query(warehouse, "select table_name from duckdb_tables() where schema_name = 'raw_loads'")
    assert tables == [(f"siaf_gasto__{newer.load_id:06d}",)]
    history = query(warehouse, "select distinct _load_id from raw.siaf_gasto__history")
    assert history == [(newer.load_id,)] and first.load_id != newer.load_id


@pytest.fixture
def export_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "contracts"
    folder.mkdir()
    monkeypatch.setenv("CONTRACTS_PATH", str(folder))
    (folder / "recaudacion-campanas.yaml").write_text(CONTRACT, encoding="utf-8")
    return folder


def _export(tmp_path: Path, name: str, amount: str) -> Path:
    path = tmp_path / name
    path.write_text(EXPORT.replace('"10,000.00"', f'"{amount}"'), encoding="utf-8")
    return path


def test_every_load_is_kept_and_queryable_with_its_load_date(
    export_source: Path, warehouse: Path, tmp_path: Path
) -> None:
    loads = [load("recaudacion-campanas", str(_export(tmp_path, f"v{i}.csv", f"{i},000.00"))) for i in (1, 2, 3)]
    current = query(warehouse, "select distinct _load_id from raw.recaudacion_campanas")
    assert current == [(loads[-1].load_id,)]
    history = query(
        warehouse,
        "select _load_id, min(_loaded_at), sum(monto_pagado) from raw.recaudacion_campanas__history"
        " where asociacion = 'ASOC. VIVIENDA EL SOL' group by 1 order by 1",
    )
    assert [(h[0], h[2]) for h in history] == [(r.load_id, i * 1000) for i, r in zip((1, 2, 3), loads, strict=True)]
    assert history[0][1] < history[1][1] < history[2][1]  # each load's date: snapshots can be rebuilt from them


def test_max_loads_bounds_the_history(export_source: Path, warehouse: Path, tmp_path: Path) -> None:
    contract = export_source / "recaudacion-campanas.yaml"
    contract.write_text(CONTRACT.replace("history: {keep: all}", "history: {keep: all, maxLoads: 2}"))
    loads = [load("recaudacion-campanas", str(_export(tmp_path, f"v{i}.csv", f"{i},000.00"))) for i in (1, 2, 3)]
    kept = query(warehouse, "select distinct _load_id from raw.recaudacion_campanas__history order by 1")
    assert kept == [(loads[1].load_id,), (loads[2].load_id,)]


def _zipped(csv_path: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.write(csv_path, arcname="2026-Gasto.csv")
    return target


def test_landing_is_pruned_with_the_loads_dropped(siaf_sample: Path, warehouse: Path, tmp_path: Path) -> None:
    load("siaf-gasto", str(_zipped(siaf_sample, tmp_path / "day1.zip")))
    (first_file,) = [p for p in landing_dir(warehouse).rglob("*.csv")]
    newer = _first_rows(siaf_sample, tmp_path / "day2.csv", 125)
    load("siaf-gasto", str(_zipped(newer, tmp_path / "day2.zip")))
    files = [p for p in landing_dir(warehouse).rglob("*.csv")]
    assert first_file not in files and len(files) == 1  # day 1's file went with its load; day 2's stays
    assert siaf_sample.is_file()  # a user's own file is never touched

    broken = edited_copy(siaf_sample, tmp_path / "broken.csv", lambda lines: [lines[0], b'"2026","1"', b""])
    with pytest.raises(Exception, match="rejected"):
        load("siaf-gasto", str(_zipped(broken, tmp_path / "day3.zip")))
    assert [p for p in landing_dir(warehouse).rglob("*.csv")] == files  # the refused file is not kept either


def test_other_years_of_the_consulta_amigable_table_load_beside_the_current_ones(
    warehouse: Path, tmp_path: Path
) -> None:
    """The header is the same for 2015-2025: a file of other years adds its years and leaves 2024-2025 alone."""
    import xlsxwriter
    from python_calamine import CalamineWorkbook

    consulta = REALDATA / "consulta_amigable" / "ejecucion-gasto-municipalidades-2024-2025.xlsx"
    rows = CalamineWorkbook.from_path(str(consulta)).get_sheet_by_index(0).to_python()
    older = tmp_path / "ejecucion-gasto-municipalidades-2015-2016.xlsx"
    workbook = xlsxwriter.Workbook(str(older), {"constant_memory": True})
    sheet = workbook.add_worksheet("Sheet1")
    for number, row in enumerate(rows):
        values = [row[0] - 9, *row[1:]] if number else row  # 2024 -> 2015, 2025 -> 2016, as numbers like MEF's
        sheet.write_row(number, 0, values)
    workbook.close()

    first = load("consulta-amigable-municipalidades", str(consulta))
    second = load("consulta-amigable-municipalidades", str(older))
    assert (first.partitions, second.partitions) == (["2024", "2025"], ["2015", "2016"])
    by_year = query(
        warehouse,
        "select ano, count(*), any_value(_load_id), sum(monto_pim) from raw.consulta_amigable_municipalidades"
        " group by 1 order by 1",
    )
    assert [(y, n, load_id) for y, n, load_id, _ in by_year] == [
        (2015, 1891, second.load_id),
        (2016, 1891, second.load_id),
        (2024, 1891, first.load_id),
        (2025, 1891, first.load_id),
    ]
    assert by_year[0][3] == by_year[2][3] and by_year[1][3] == by_year[3][3]  # same amounts, other years
