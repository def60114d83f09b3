"""Municipal tax campaigns end to end: the MINKACUNI 2021 example files (Pachacámac) through their contracts alone,
``dbt build`` into the tax-campaign marts, the published figures out of them, the works' CUIs linked to SIAF and
InfObras, small groups suppressed, and no person-level data anywhere it could be published.

Beside the committed example files, the tests write a small campaign of their own with the example generator
(``examples/municipal/make_minkacuni.py``): an association of 3 taxpayers (below the default minimum group of 5) and
one of 6, and three works: one with a CUI that the real SIAF sample has a project line for (loaded as it is) and that
a generated InfObras work carries, one with a CUI known nowhere, one without CUI.
"""

from __future__ import annotations

import csv
import functools
import importlib.util
import random
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import ROOT, SIAF_SAMPLE, UBIGEO_INEI
from tests.ingest.helpers import records

EXAMPLES = ROOT / "examples" / "municipal"
RECAUDACION = EXAMPLES / "minkacuni-2021-recaudacion.xlsx"
OBRAS = EXAMPLES / "minkacuni-2021-obras-vecinales.csv"
SOURCES = ("municipal-recaudacion-campanas", "municipal-obras-vecinales")
MINKACUNI = "MINKACUNI 2021"
TEST_CAMPAIGN = "PRUEBA 2026"
SMALL, LARGE = "Asoc. Prueba Pequeña", "Asoc. Prueba Grande"  # 3 and 6 taxpayers
CUI_LINKED = "2474717"  # a project line (TIPO_ACT_PROY 2) of the real SIAF sample
CUI_UNKNOWN = "2999999"  # in neither SIAF nor InfObras
MARTS = ("fct_tax_campaigns", "fct_tax_campaign_associations", "fct_tax_campaign_works")
SELECT = " ".join(f"+{mart}" for mart in MARTS)
LOAD_AT = datetime(2026, 5, 16, 6, 0)


@functools.cache
def _generator() -> ModuleType:
    """examples/municipal/make_minkacuni.py, imported from its path (examples/ is not a package)."""
    spec = importlib.util.spec_from_file_location("make_minkacuni", EXAMPLES / "make_minkacuni.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses resolve their annotations through sys.modules
    spec.loader.exec_module(module)
    return module


def _sheet(path: Path) -> list[dict[str, Any]]:
    """The collection XLSX's data rows as python_calamine reads them (header on sheet row 4, TOTAL row dropped)."""
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    header = [str(cell) for cell in rows[3]]
    assert rows[-1][0] == "TOTAL"
    return [dict(zip(header, row, strict=True)) for row in rows[4:-1]]


def _personal_values(path: Path) -> set[str]:
    """Every taxpayer code and name of a collection XLSX (the contract's personal fields)."""
    return {str(row[h]) for row in _sheet(path) for h in ("Cód. Contribuyente", "Contribuyente")}


def _query(database: Path, sql: str) -> list[dict[str, Any]]:
    return records(database, sql)


def _test_campaign(folder: Path, gen: ModuleType) -> tuple[Path, Path]:
    """The tests' own campaign: payments of 3 + 6 invented taxpayers and three works (linked CUI, unknown, none)."""
    rng = random.Random(7)
    taxpayers = gen.invented_taxpayers([(SMALL, 3), (LARGE, 6)], rng)
    payments = gen.payments_for(taxpayers, TEST_CAMPAIGN, gen.UBIGEO, rng, first_day=date(2026, 3, 7))
    works = [
        gen.Work(gen.UBIGEO, gen.MUNICIPALITY, TEST_CAMPAIGN, 2026, LARGE, "1", "Muro de contención", CUI_LINKED,
                 Decimal("27500.00")),
        gen.Work(gen.UBIGEO, gen.MUNICIPALITY, TEST_CAMPAIGN, 2026, LARGE, "2", "Losa deportiva", CUI_UNKNOWN,
                 Decimal("15000.50")),
        gen.Work(gen.UBIGEO, gen.MUNICIPALITY, TEST_CAMPAIGN, 2026, SMALL, "3", "Escalera peatonal", "",
                 Decimal("8000.00")),
    ]  # fmt: skip
    return (
        gen.write_recaudacion(folder / "prueba-recaudacion.xlsx", payments, f"Campaña {TEST_CAMPAIGN} (pruebas)"),
        gen.write_obras(folder / "prueba-obras.csv", works, f"OBRAS {TEST_CAMPAIGN} (pruebas)"),
    )


def _infobras(path: Path) -> Path:
    """A generated InfObras file (benchmarks/generate_infobras.py) whose first work has CUI_LINKED at 62.5 %."""
    from benchmarks.generate_infobras import iter_rows, write_works

    rows = [{**row, "cui": ""} for row in iter_rows(3, seed=11, cutoff="16-05-2026")]
    rows[0].update(
        cui=CUI_LINKED, avance_fisico_real_pct="62 50", estado_ejecucion="En Ejecución", existe_paralizacion="No",
        causal_paralizacion="", fecha_paralizacion="", dias_paralizado="",
    )  # fmt: skip
    return write_works(path, rows)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Load the examples, the tests' campaign, the real SIAF sample, INEI's ubigeo and a generated InfObras file into a
    scratch warehouse; build the tax-campaign marts (with their dbt unit tests); return the database, the loads,
    dbt's output and the personal values of the collection files."""
    from ingest.load import load
    from pipeline.transform import dbt_build

    folder = tmp_path_factory.mktemp("tax_campaigns")
    warehouse = folder / "warehouse"
    warehouse.mkdir()
    test_payments, test_works = _test_campaign(folder, _generator())
    infobras = _infobras(folder / "DataSet-Obras-Publicas 16-05-2026.xlsx")
    results = {}
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("WAREHOUSE_DIR", str(warehouse))
        monkeypatch.setattr("ingest.load._utcnow", lambda: LOAD_AT)
        for source, path in [
            ("ubigeo-inei", UBIGEO_INEI), ("siaf-gasto", SIAF_SAMPLE), ("infobras-obras", infobras),
            (SOURCES[0], RECAUDACION), (SOURCES[1], OBRAS), (SOURCES[0], test_payments), (SOURCES[1], test_works),
        ]:  # fmt: skip
            results[path.name] = result = load(source, str(path))
            assert result.status == "loaded", result
        dbt_output = dbt_build(warehouse, select=SELECT)
    return {
        "db": warehouse / "monitoring.duckdb",
        "dbt_output": dbt_output,
        "results": results,
        "personal": _personal_values(RECAUDACION) | _personal_values(test_payments),
        "test_payments": test_payments,
    }


def test_example_files_load_through_their_contracts_with_no_rejects(built: dict[str, Any]) -> None:
    recaudacion, obras = built["results"][RECAUDACION.name], built["results"][OBRAS.name]
    with OBRAS.open(encoding="utf-8", newline="") as handle:
        works = list(csv.reader(handle, delimiter=";"))[2:-1]  # title line, header, ..., TOTAL line
    assert (recaudacion.rows_loaded, recaudacion.rows_rejected) == (len(_sheet(RECAUDACION)), 0)
    assert (obras.rows_loaded, obras.rows_rejected) == (len(works), 0) == (13, 0)
    assert recaudacion.rows_skipped == obras.rows_skipped == 1  # the TOTAL row of each file
    assert recaudacion.partitions == obras.partitions == [MINKACUNI]


def test_committed_examples_are_what_the_generator_writes(tmp_path: Path) -> None:
    """The CSV byte for byte; the XLSX cell for cell (its bytes depend on the xlsxwriter version)."""
    from python_calamine import CalamineWorkbook

    assert _generator().main([str(tmp_path)]) == 0
    assert (tmp_path / OBRAS.name).read_bytes() == OBRAS.read_bytes()
    written, committed = (
        CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)
        for path in (tmp_path / RECAUDACION.name, RECAUDACION)
    )
    assert written == committed


def test_minkacuni_published_totals_come_out_of_the_marts(built: dict[str, Any]) -> None:
    (campaign,) = _query(built["db"], f"select * from marts.fct_tax_campaigns where campana = '{MINKACUNI}'")
    assert campaign["taxpayers_reached"] == 4_520
    assert campaign["amount_invested"] == Decimal("414009.41")
    assert campaign["works_funded"] == 13
    assert campaign["association_count"] == 34
    assert (campaign["ubigeo"], campaign["district_name"], campaign["year"]) == ("150123", "Pachacámac", 2021)
    assert campaign["is_suppressed_group"] is False and campaign["suppressed_association_count"] == 0
    # the invented amounts, against the XLSX as python_calamine reads it (independently of the loader)
    sheet = _sheet(RECAUDACION)
    paid = sum(Decimal(str(row["Monto Pagado (S/)"])) for row in sheet)
    assert campaign["amount_collected"] == paid and campaign["payment_count"] == len(sheet)
    associations = _query(
        built["db"], f"select * from marts.fct_tax_campaign_associations where campana = '{MINKACUNI}'"
    )
    assert len(associations) == 34 and not any(a["is_suppressed_group"] for a in associations)
    assert sum(a["taxpayers_reached"] for a in associations) == 4_520
    assert sum(a["amount_collected"] for a in associations) == paid
    assert sum(a["works_amount"] for a in associations) == Decimal("414009.41")
    assert sum(a["works_funded"] for a in associations) == 13
    for a in associations:
        assert a["debt_reduction_pct"] == round(100 * a["amount_collected"] / a["debt_before"], 2)


def test_a_taxpayer_paying_in_instalments_counts_once_with_the_debt_before_the_campaign(built: dict[str, Any]) -> None:
    sheet = _sheet(RECAUDACION)
    first: dict[str, dict[str, Any]] = {}
    for row in sorted(sheet, key=lambda r: (r["Fecha de Campaña"], r["Nº Recibo"])):
        first.setdefault(row["Cód. Contribuyente"], row)
    assert len(sheet) > len(first)  # the example has instalments
    (campaign,) = _query(built["db"], f"select * from marts.fct_tax_campaigns where campana = '{MINKACUNI}'")
    assert campaign["debt_before"] == sum(Decimal(str(row["Deuda Anterior (S/)"])) for row in first.values())


def test_a_campaign_work_with_a_cui_links_to_siaf_devengado_and_infobras_progress(built: dict[str, Any]) -> None:
    with SIAF_SAMPLE.open(encoding="utf-8", newline="") as handle:
        lines = [
            r for r in csv.DictReader(handle) if r["TIPO_ACT_PROY"] == "2" and r["PRODUCTO_PROYECTO"] == CUI_LINKED
        ]
    devengado = sum(Decimal(r["MONTO_DEVENGADO"]) for r in lines)
    assert lines and devengado > 0
    works = {
        w["obra_numero"]: w
        for w in _query(built["db"], f"select * from marts.fct_tax_campaign_works where campana = '{TEST_CAMPAIGN}'")
    }
    linked = works["1"]
    assert (linked["cui"], linked["cui_in_siaf"], linked["siaf_year"]) == (CUI_LINKED, True, int(lines[0]["ANO_EJE"]))
    assert linked["siaf_monto_devengado"] == linked["siaf_monto_devengado_all_years"] == devengado
    assert linked["siaf_monto_pim"] == sum(Decimal(r["MONTO_PIM"]) for r in lines)
    assert linked["executed"] is True
    assert (linked["infobras_work_count"], linked["avance_fisico_real_pct_min"]) == (1, Decimal("62.50"))
    assert linked["built"] is False and linked["infobras_as_of_date"] == date(2026, 5, 16)
    for number, cui in (("2", CUI_UNKNOWN), ("3", None)):
        assert (works[number]["cui"], works[number]["cui_in_siaf"], works[number]["siaf_monto_devengado"]) == (
            cui, False, None,
        )  # fmt: skip
    # the Pachacámac example carries no CUI: none of its works can be linked
    assert (
        _query(built["db"], f"select count(cui) as n from marts.fct_tax_campaign_works where campana = '{MINKACUNI}'")[
            0
        ]["n"]
        == 0
    )
    (campaign,) = _query(built["db"], f"select * from marts.fct_tax_campaigns where campana = '{TEST_CAMPAIGN}'")
    assert (campaign["works_with_cui"], campaign["works_in_siaf"], campaign["works_executed"]) == (2, 1, 1)


def test_a_group_below_the_minimum_is_suppressed_and_the_var_changes_it(built: dict[str, Any]) -> None:
    sql = f"select * from marts.fct_tax_campaign_associations where campana = '{TEST_CAMPAIGN}'"
    associations = {a["asociacion"]: a for a in _query(built["db"], sql)}
    figures = ("taxpayers_reached", "payment_count", "amount_collected", "debt_before", "debt_reduction_pct",
               "benefits_granted", "first_session_date")  # fmt: skip
    small, large = associations[SMALL], associations[LARGE]
    assert small["is_suppressed_group"] is True
    assert all(small[f] is None for f in figures)
    assert (small["works_funded"], small["works_amount"]) == (1, Decimal("8000.00"))  # works carry no people
    assert large["is_suppressed_group"] is False and large["taxpayers_reached"] == 6
    paid = sum(Decimal(str(r["Monto Pagado (S/)"])) for r in _sheet(built["test_payments"]) if r["Asociación"] == LARGE)
    assert large["amount_collected"] == paid and all(large[f] is not None for f in figures)
    (campaign,) = _query(built["db"], f"select * from marts.fct_tax_campaigns where campana = '{TEST_CAMPAIGN}'")
    assert (campaign["taxpayers_reached"], campaign["suppressed_association_count"]) == (9, 1)
    # the var: dbt unit tests of the mart (models/marts/municipal/_municipal_tax_campaigns__models.yml) build it on
    # the same rows with the default minimum (3 taxpayers suppressed) and with privacy_min_group_size: 3 (published)
    for unit_test in ("test_tax_campaign_associations_suppress_a_small_group",
                      "test_tax_campaign_associations_minimum_group_size_is_a_var"):  # fmt: skip
        assert any(f"PASS fct_tax_campaign_associations::{unit_test}" in line for line in built["dbt_output"]), (
            unit_test
        )


def test_no_personal_column_in_staging_or_marts(built: dict[str, Any]) -> None:
    from ingest.contracts import get_source

    personal = {f.name for name in SOURCES for f in get_source(name).fields if f.personal}
    assert personal == {"contribuyente_codigo", "contribuyente_nombre"}
    columns = _query(
        built["db"],
        "select table_schema, table_name, column_name from information_schema.columns"
        " where table_schema in ('staging', 'intermediate', 'marts')",
    )
    tables = {(c["table_schema"], c["table_name"]) for c in columns}
    assert {("staging", "stg_municipal__recaudacion_campanas"), *(("marts", m) for m in MARTS)} <= tables
    assert [c for c in columns if c["column_name"] in personal] == []


def test_no_personal_value_in_anything_published(built: dict[str, Any]) -> None:
    """Every column of every table publish copies (pipeline.publish: the marts schema and the lineage tables) is
    scanned for every taxpayer code and name of the example and test files, as a substring."""
    import duckdb

    from pipeline.publish import LINEAGE_TABLES, PUBLISHED_SCHEMAS

    values = built["personal"]
    assert sum(v.startswith("X") for v in values) == 4_520 + 9  # every code, the names beside them
    con = duckdb.connect(str(built["db"]), read_only=True)
    try:
        con.execute("create temp table personal as select unnest(?::varchar[]) as value", [sorted(values)])
        schemas = ", ".join(f"'{s}'" for s in PUBLISHED_SCHEMAS)
        tables = con.execute(
            f"select schema_name, table_name from duckdb_tables() where schema_name in ({schemas})"
            f" or (schema_name = 'ops' and table_name in ({', '.join(repr(t) for t in LINEAGE_TABLES)}))"
        ).fetchall()
        assert {("marts", m) for m in MARTS} <= set(tables)
        con.execute("create temp table published (source varchar, v varchar)")
        for schema, table in tables:
            columns = f'select columns(*)::varchar from "{schema}"."{table}"'
            con.execute(
                f"insert into published select distinct '{schema}.{table}.' || name, v"
                f" from (unpivot ({columns}) on columns(*) into name name value v)"
            )
        assert con.execute("select count(distinct source) from published").fetchone()[0] > 100  # columns scanned
        found = con.execute(
            "select source, v, personal.value from (select distinct v, any_value(source) as source from published"
            " group by v) join personal on contains(v, personal.value)"
        ).fetchall()
    finally:
        con.close()
    assert found == []


REJECT_CODE, REJECT_NAME = "X0000001", "PAREDES INGA, ROCIO"
REJECT_NAME_BYTES = b"PAREDES \xff\xfeINGA, ROCIO"  # not UTF-8: the CSV reader cannot read this name


def _reject_row(recibo: str, name: str, debt: str) -> list[str]:
    return [
        recibo,
        REJECT_CODE,
        name,
        "Asoc. Uno",
        "RECHAZOS 2026",
        "07/03/2026",
        debt,
        "90.00",
        "10.00",
        "x",
        "150123",
    ]


def _rejects_xlsx(path: Path, header: tuple[str, ...]) -> Path:
    """The collection layout (header on sheet row 4, TOTAL row): a good row, a row whose debt is unreadable text, and a
    row with the taxpayer's name in a cell beyond the header."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_string(0, 0, "rechazos")
    rows = [
        list(header),
        _reject_row("R-1", REJECT_NAME, "100.00"),
        _reject_row("R-2", REJECT_NAME, "no sé"),
        [*_reject_row("R-3", REJECT_NAME, "100.00"), REJECT_NAME],
        ["TOTAL"],
    ]
    for number, row in enumerate(rows, start=3):
        for col, text in enumerate(row):
            sheet.write_string(number, col, text)
    workbook.close()
    return path


def _rejects_csv(path: Path, header: tuple[str, ...]) -> Path:
    """The same fields as a ';' CSV: a good row, a row whose name is not UTF-8, a row whose debt is unreadable."""
    lines = [list(header), _reject_row("R-1", REJECT_NAME, "100.00"), _reject_row("R-2", "{name}", "100.00"),
             _reject_row("R-3", REJECT_NAME, "cien")]  # fmt: skip
    data = b"".join(";".join(line).encode() + b"\r\n" for line in lines)
    path.write_bytes(data.replace(b"{name}", REJECT_NAME_BYTES))
    return path


def test_reject_reasons_never_quote_a_personal_value(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reasons are published: pipeline.publish leaves ops.rejects behind (its raw_text holds whole rows) but copies
    ops.load_log, whose message quotes the first reasons of a refused load, and the auditor report lists reasons. A
    personal field has no parser (checked here), so no reason can quote it: an unreadable personal value (bytes that
    are not UTF-8, in a CSV export of the same fields) is named by its column only, a cell beyond the header is
    counted, not quoted, and a row rejected for another column quotes only that column's value."""
    import yaml

    from ingest.contracts import get_source
    from ingest.errors import RejectLimitError
    from ingest.load import load

    for name in SOURCES:
        assert [f.name for f in get_source(name).fields if f.personal and f.parser] == [], name
    header = _generator().RECAUDACION_HEADER
    contract = yaml.safe_load((ROOT / "contracts" / f"{SOURCES[0]}.yaml").read_text(encoding="utf-8"))
    contract.update(name="rechazos-csv", table="rechazos_csv", format="csv", encoding="utf-8",
                    dialect={"delimiter": ";", "quoteChar": '"', "headerRows": [1]})  # fmt: skip
    folder = tmp_path / "contracts"
    folder.mkdir()
    (folder / "rechazos-csv.yaml").write_text(yaml.safe_dump(contract, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("CONTRACTS_PATH", str(folder))
    files = {
        SOURCES[0]: _rejects_xlsx(tmp_path / "rechazos.xlsx", header),
        "rechazos-csv": _rejects_csv(tmp_path / "rechazos.csv", header),
    }
    for source, path in files.items():
        result = load(source, str(path), max_rejects=5)
        assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded_with_rejects", 1, 2), result
        with pytest.raises(RejectLimitError):  # refused: its message, with the reasons, lands in ops.load_log
            load(source, str(path), max_rejects=0, force=True)
    db = warehouse / "monitoring.duckdb"
    reasons = [r["reason"] for r in _query(db, "select distinct reason from ops.rejects")]  # each file's, twice
    messages = [r["message"] for r in _query(db, "select message from ops.load_log where status = 'failed'")]
    assert len(reasons) == 4 and len(messages) == 2
    assert any("Contribuyente" in r for r in reasons)  # the unreadable name's column is named
    assert any("'no sé'" in r for r in reasons) and any("'cien'" in r for r in reasons)  # the bad debt is quoted
    for text in reasons + messages:
        for value in (REJECT_CODE, REJECT_NAME, "PAREDES", "ROCIO"):
            assert value not in text, text
