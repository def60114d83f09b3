"""MEF's Consulta Amigable municipal table end to end on the real export: XLSX, raw, staging, fct_municipal_execution.

One load of the real file (1,891 municipalities x 2024-2025) and of INEI's ubigeo table into a scratch warehouse, one
``dbt build --select +fct_municipal_execution``, then every figure of the mart is checked against the XLSX as
python_calamine reads it, independently of the loader.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from tests.conftest import REALDATA, UBIGEO_INEI

XLSX = REALDATA / "consulta_amigable" / "ejecucion-gasto-municipalidades-2024-2025.xlsx"
HEADER = [
    "Año", "Departamento", "Provincia", "Municipalidad", "PIA", "PIM", "Certificación", "Compromiso Anual",
    "Atención de Compromiso Mensual", "Devengado", "Girado", "Avance %",
]  # fmt: skip
MUNICIPALITIES = 1_891
YEARS = (2024, 2025)
TOLERANCE = 0.051  # points of %: MEF's Avance % comes from amounts with cents, the file has whole soles
THOUSANDS = re.compile(r"-?[0-9]{1,3}(,[0-9]{3})*")


def _soles(cell: str) -> int:
    """Parse MEF's whole-soles text with comma thousands ("132,120,049") into an int."""
    assert THOUSANDS.fullmatch(cell), f"not a whole-soles amount: {cell!r}"
    return int(cell.replace(",", ""))


@pytest.fixture(scope="module")
def sheet() -> list[list[Any]]:
    """The XLSX's first sheet as python_calamine reads it, header included: ``sheet[n - 1]`` is sheet row ``n``."""
    from python_calamine import CalamineWorkbook

    if not XLSX.is_file():
        pytest.fail(f"real Consulta Amigable export missing at {XLSX}: the tests need ../shared/realdata")
    rows = CalamineWorkbook.from_path(str(XLSX)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    assert rows[0] == HEADER
    return rows


@pytest.fixture(scope="module")
def mart(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[dict[str, Any]]]:
    """Load the real XLSX and INEI's ubigeo table, build ``+fct_municipal_execution``; return the mart's rows."""
    import duckdb

    from ingest.load import load
    from pipeline.transform import dbt_build

    warehouse = tmp_path_factory.mktemp("consulta_amigable") / "warehouse"
    warehouse.mkdir()
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("WAREHOUSE_DIR", str(warehouse))
        load("ubigeo-inei", str(UBIGEO_INEI))
        result = load("consulta-amigable-municipalidades", str(XLSX))
        assert result.status == "loaded", result
        dbt_build(warehouse, select="+fct_municipal_execution")
        con = duckdb.connect(str(warehouse / "monitoring.duckdb"), read_only=True)
        try:
            cursor = con.execute("select * from marts.fct_municipal_execution order by year, sec_ejec")
            names = [column[0] for column in cursor.description]
            yield [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            con.close()


def test_one_row_per_municipality_and_year(mart: list[dict[str, Any]]) -> None:
    assert len(mart) == 3_782
    for year in YEARS:
        rows = [row for row in mart if row["year"] == year]
        assert len(rows) == len({row["sec_ejec"] for row in rows}) == MUNICIPALITIES, year


def test_execution_pct_agrees_with_mefs_published_avance(mart: list[dict[str, Any]]) -> None:
    """Unrounded, within 0.051 points everywhere; rounded to one decimal, 0.1 off on exactly 17 rows."""
    assert all(row["monto_pim"] > 0 for row in mart)  # so every row has an execution % to compare
    differences = [abs(row["execution_pct"] - row["execution_pct_published"]) for row in mart]
    assert max(differences) <= TOLERANCE
    assert max(differences) == pytest.approx(0.0505, abs=0.0005)  # the worst row of the 2024-2025 export
    assert all(
        row["execution_pct_difference"] == pytest.approx(row["execution_pct"] - row["execution_pct_published"])
        for row in mart
    )
    rounded_gaps = []
    for row in mart:
        exact = Decimal(100) * row["monto_devengado"] / row["monto_pim"]
        rounded = exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        published = Decimal(str(row["execution_pct_published"]))
        if rounded != published:
            rounded_gaps.append(abs(rounded - published))
    assert len(rounded_gaps) == 17
    assert set(rounded_gaps) == {Decimal("0.1")}


def test_pim_and_devengado_add_up_to_the_xlsx(mart: list[dict[str, Any]], sheet: list[list[Any]]) -> None:
    data = sheet[1:]
    assert len(data) == len(mart)
    pim = HEADER.index("PIM")
    devengado = HEADER.index("Devengado")
    for year in YEARS:
        file_rows = [row for row in data if int(row[0]) == year]
        mart_rows = [row for row in mart if row["year"] == year]
        assert sum(row["monto_pim"] for row in mart_rows) == sum(_soles(row[pim]) for row in file_rows), year
        assert sum(row["monto_devengado"] for row in mart_rows) == sum(_soles(row[devengado]) for row in file_rows)
    assert sum(row["monto_pim"] for row in mart) == sum(_soles(row[pim]) for row in data)
    assert sum(row["monto_devengado"] for row in mart) == sum(_soles(row[devengado]) for row in data)


def test_every_row_cites_its_sheet_row(mart: list[dict[str, Any]], sheet: list[list[Any]]) -> None:
    assert len({row["_source_sha256"] for row in mart}) == 1
    assert sorted(row["_source_row"] for row in mart) == list(range(2, len(sheet) + 1))
    municipality = HEADER.index("Municipalidad")
    for row in mart:
        cited = sheet[row["_source_row"] - 1]
        assert cited[municipality].startswith(f"{row['ubigeo']}-{row['sec_ejec']}: "), (row, cited)
        assert int(cited[0]) == row["year"], (row, cited)
        assert _soles(cited[HEADER.index("Devengado")]) == row["monto_devengado"], (row, cited)


def test_ubigeo_resolves_to_inei(mart: list[dict[str, Any]]) -> None:
    """Every municipality of the 2024-2025 export is an INEI 2025 district (none keeps NULL names)."""
    outside_inei = [row for row in mart if not row["ubigeo_in_inei"]]
    assert outside_inei == []
    assert all(row["district_name"] and row["province_name"] and row["department_name"] for row in mart)
    assert all(row["ubigeo"].startswith(row["province_code"]) for row in mart)
    assert all(row["province_code"].startswith(row["department_code"]) for row in mart)
