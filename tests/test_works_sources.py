"""The public-works sources through their production contracts, on the real files as they are.

MEF's SSI CSV (``contracts/ssi-inversiones.yaml``), Invierte.pe's Banco de Inversiones export
(``contracts/invierte-inversiones.yaml``) and the paralysed-works sheet (``contracts/obras-paralizadas-alertas.yaml``)
are loaded once into one scratch warehouse; every checked value is compared with the file read independently
(Python's csv module, python_calamine). The last test builds the three staging views with dbt (about 10 s).
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.conftest import REALDATA

SSI = REALDATA / "invierte" / "ssi-portalgeneral-madre-de-dios-2019.csv"
INVIERTE = REALDATA / "invierte" / "invierte-consulta-50-rows.xlsx"
PARALIZADAS = REALDATA / "obras_paralizadas" / "alertas-obras-paralizadas-2026-05.xlsx"
LOADS = {
    "ssi-inversiones": (SSI, "ssi_inversiones", 291),
    "invierte-inversiones": (INVIERTE, "invierte_inversiones", 50),
    "obras-paralizadas-alertas": (PARALIZADAS, "obras_paralizadas_alertas", 1_151),
}
SPANISH_MONTHS = ("ENE", "FEB", "MAR", "ABR", "MAY", "JUN", "JUL", "AGO", "SET", "OCT", "NOV", "DIC")  # SET: September
MONTHS = {m: i for i, m in enumerate(SPANISH_MONTHS, start=1)}
CUI = re.compile(r"[0-9]{7}")
UNKNOWN = "Información no disponible"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Load the three real files through the production contracts into one warehouse; yield it and the results."""
    from ingest.load import load

    for path, _, _ in LOADS.values():
        if not path.is_file():
            pytest.fail(f"real file missing at {path}: the tests need ../shared/realdata beside the project")
    warehouse = tmp_path_factory.mktemp("works") / "warehouse"
    warehouse.mkdir()
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("WAREHOUSE_DIR", str(warehouse))
        monkeypatch.delenv("CONTRACTS_PATH", raising=False)  # the project's contracts/ only
        results = {source: load(source, str(path)) for source, (path, _, _) in LOADS.items()}
        yield warehouse, results


def _query(warehouse: Path, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(warehouse / "monitoring.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _by_row(warehouse: Path, table: str, columns: str) -> dict[int, tuple[Any, ...]]:
    """Return ``{_source_row: (columns…)}`` of ``raw.<table>``."""
    return {r[0]: r[1:] for r in _query(warehouse, f"select _source_row, {columns} from raw.{table}")}


def _sheet(path: Path) -> list[list[Any]]:
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)


def _soles(text: str) -> Decimal:
    return Decimal(text.replace("S/.", "").replace(",", "").replace("%", "").strip())


def _cell_decimal(value: float) -> Decimal:
    """A float cell as the loader reads it: shortest round-trip text, to cents (``4878782.1399999997`` → 4878782.14)."""
    return Decimal(repr(value)).quantize(Decimal("0.01"))


@pytest.mark.parametrize("source", list(LOADS))
def test_every_row_loads_with_no_rejects(loaded: tuple[Path, dict[str, Any]], source: str) -> None:
    warehouse, results = loaded
    _, table, rows = LOADS[source]
    result = results[source]
    assert result.status == "loaded", result.message
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (rows, rows, 0)
    assert _query(warehouse, f"select count(*) from raw.{table}") == [(rows,)]
    assert _query(warehouse, f"select count(*) from ops.rejects where load_id = {result.load_id}") == [(0,)]
    log = _query(
        warehouse, f"select rows_loaded, rows_rejected, status from ops.load_log where load_id = {result.load_id}"
    )
    assert log == [(rows, 0, "loaded")]


def test_ssi_values_match_the_csv(loaded: tuple[Path, dict[str, Any]]) -> None:
    warehouse, _ = loaded
    with SSI.open(encoding="utf-8-sig", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    col = {name: i for i, name in enumerate(header)}
    got = _by_row(
        warehouse,
        "ssi_inversiones",
        "codigo_unico, snip, costo_aprobado, inver_total, avance_financiero_acum, fecha_registro, inicio_ejecucion,"
        " fecha_ultimodevengado, beneficiarios, uei",
    )
    assert len(got) == len(rows) == 291
    for number, row in enumerate(rows, start=1):  # _source_row is the CSV's data row, line breaks in fields or not
        cui, snip, cost, total, progress, registered, started, last_month, beneficiaries, uei = got[number]
        assert CUI.fullmatch(cui) and cui == row[col["codigo_unico"]]
        assert snip == row[col["snip"]]  # as published: not padded, differs from the CUI for older projects
        assert cost == _soles(row[col["costo_aprobado"]])
        assert total == _soles(row[col["inver_total"]])
        assert progress == _soles(row[col["avance_financiero_acum"]])  # "44.5 %"
        day, month, year = map(int, row[col["fecha_registro"]].split("/"))
        assert registered == date(year, month, day)
        assert (started is None) == (row[col["inicio_ejecucion"]] == "")
        text = row[col["fecha_ultimodevengado"]]
        assert last_month == (date(int(text[4:]), MONTHS[text[:3]], 1) if text else None)  # ABR-2018, SET-2019
        assert beneficiaries == int(row[col["beneficiarios"]].replace(",", ""))
        assert uei == (row[col["uei"]] or None)
    assert sum(snip != cui for cui, snip, *_ in got.values()) == 203
    assert got[1][:5] == ("2397901", "2397901", Decimal("1878117.00"), Decimal("1878117.00"), Decimal("44.50"))


def test_invierte_cuis_and_ubigeos_match_the_sheet(loaded: tuple[Path, dict[str, Any]]) -> None:
    warehouse, _ = loaded
    sheet = _sheet(INVIERTE)
    assert sheet[0][0] == "Código único de inversión" and sheet[0][15] == "Ubigeo" and len(sheet[0]) == 16
    got = _by_row(
        warehouse, "invierte_inversiones", "cui, ubigeo, monto_viable, costo_actualizado, fecha_registro, beneficiarios"
    )
    assert len(got) == len(sheet) - 1 == 50
    for number, row in enumerate(sheet[1:], start=2):  # _source_row is the sheet row: the header is row 1
        cui, ubigeo, viable, cost, registered, beneficiaries = got[number]
        assert CUI.fullmatch(cui) and cui == str(int(row[0])).zfill(7)
        assert ubigeo == str(int(row[15])).zfill(6) and len(ubigeo) == 6
        assert viable == _cell_decimal(row[2]) and cost == _cell_decimal(row[9])
        assert registered == row[7]  # a date cell
        assert beneficiaries == (int(row[11]) if row[11] != "" else None)
    assert sheet[1][15] == 10401.0 and got[2][1] == "010401"  # Nieva (Amazonas) lost its leading zero
    assert got[2][2] == Decimal("610491429.94")
    pairs = Counter((cui, ubigeo) for cui, ubigeo, *_ in got.values())
    assert max(pairs.values()) == 1, "the contract's primary key (cui, ubigeo) holds"
    assert Counter(cui for cui, *_ in got.values()).most_common(1)[0][1] == 14  # one CUI on 14 district rows


def test_paralysed_works_placeholders_cuis_and_dates(loaded: tuple[Path, dict[str, Any]]) -> None:
    warehouse, _ = loaded
    sheet = _sheet(PARALIZADAS)
    header = sheet[0]
    assert len(header) == 51
    col = {name: i for i, name in enumerate(header)}
    got = _by_row(
        warehouse,
        "obras_paralizadas_alertas",
        "cod_infobras, cui, pobl_afectada, costo_actualizado, fecha_inicio_obra, fecha_inicio_max_interrupcion,"
        " devengado_acumulado, avance_financiero",
    )
    assert len(got) == len(sheet) - 1 == 1_151
    unknown = 0
    for number, row in enumerate(sheet[1:], start=2):
        code, cui, people, cost, started, interrupted, accrued, progress = got[number]
        assert code == str(int(row[col["cod_infobras"]]))
        assert cui == (str(int(row[col["cui"]])).zfill(7) if row[col["cui"]] else None)  # 0 in the sheet: no CUI
        assert cui is None or CUI.fullmatch(cui)
        if row[col["Pobl_afectada"]] == UNKNOWN:
            unknown += 1
            assert people is None
        else:
            assert people == int(row[col["Pobl_afectada"]])
        assert cost == _cell_decimal(row[col["costo_actualizado"]])
        assert started == row[col["fecha_inicio_obra"]]
        text = row[col["fecha_inicio_max_interrupcion"]]  # text dd-mm-yyyy
        if text:
            day, month, year = map(int, text.split("-"))
            assert interrupted == date(year, month, day)
        else:
            assert interrupted is None
        assert (accrued is None) == (row[col["devengado_acumulado"]] == "")
        assert (progress is None) == (row[col["avance_financiero"]] == "")
    assert unknown == 200
    assert sum(cui is None for _, cui, *_ in got.values()) == 53
    assert got[2][:4] == ("2833", "2143986", 2109, Decimal("4878782.14"))  # 4878782.1399999997 in the XML


def test_staging_views_build_and_keep_every_row(loaded: tuple[Path, dict[str, Any]]) -> None:
    from pipeline.transform import dbt_build

    warehouse, _ = loaded
    dbt_build(warehouse, select="stg_ssi__inversiones stg_invierte__inversiones stg_obras_paralizadas__alertas")
    counts = _query(
        warehouse,
        "select (select count(*) from staging.stg_ssi__inversiones),"
        " (select count(*) from staging.stg_invierte__inversiones),"
        " (select count(*) from staging.stg_obras_paralizadas__alertas),"
        " (select count(*) from staging.stg_ssi__inversiones where uei is null),"
        " (select count(*) from staging.stg_obras_paralizadas__alertas where pobl_afectada is null)",
    )
    assert counts == [(291, 50, 1_151, 6, 200)]
    columns = _query(
        warehouse,
        "select count(*) from information_schema.columns"
        " where table_schema = 'staging' and table_name = 'stg_obras_paralizadas__alertas'",
    )
    assert columns == [(51 + 4,)]  # every contract column plus the four lineage columns
