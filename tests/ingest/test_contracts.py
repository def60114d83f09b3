"""Contracts: every committed one validates; a broken one is refused naming its file, key and problem; a municipal
export declared in YAML alone (a folder on ``$CONTRACTS_PATH``) loads with no Python written for it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ingest.cli import main
from ingest.contracts import PROJECT_CONTRACTS, read_contract, registry
from ingest.errors import ContractError, LayoutError, NotCsvError
from ingest.load import load
from tests.conftest import REALDATA
from tests.ingest.helpers import query

CONSULTA = REALDATA / "consulta_amigable" / "ejecucion-gasto-municipalidades-2024-2025.xlsx"

# An export as a municipality might send it: two title lines, ';' delimiter, comma thousands, dd/mm/yyyy dates,
# a placeholder, and a TOTAL line at the end. The people are invented.
EXPORT = """\
MUNICIPALIDAD DISTRITAL DE EJEMPLO - RECAUDACION POR CAMPAÑA
Reporte generado el 05/03/2021
campaña;asociación;fecha de pago;monto pagado;contribuyente
MINKACUNI 2021;AA.HH. LOS ÁLAMOS;05/03/2021;"1,250.50";Persona Inventada Uno
MINKACUNI 2021;AA.HH. LOS ÁLAMOS;06/03/2021;S.I.;Persona Inventada Dos
MINKACUNI 2021;ASOC. VIVIENDA EL SOL;07/03/2021;"10,000.00";Persona Inventada Tres
TOTAL;;;"11,250.50";
"""

CONTRACT = """\
name: recaudacion-campanas
status: active
table: recaudacion_campanas
title: Tax collected per campaign (example municipal export)
publisher: Municipalidad Distrital de Ejemplo
cadence: P31D
partition: campana
history: {keep: all}
format: csv
encoding: utf-8
dialect: {delimiter: ";", quoteChar: '"', headerRows: [3], junkRowsAtEnd: 1}
layouts:
  - {name: recaudacion-v1, description: "campaña;asociación;fecha de pago;monto pagado;contribuyente"}
schema:
  missingValues: ["", "S.I."]
  fields:
    - {name: campana, header: campaña, type: string, description: Campaign name}
    - {name: asociacion, header: asociación, type: string, description: Neighbourhood association}
    - {name: fecha_pago, header: fecha de pago, type: date, parser: date, format: "%d/%m/%Y", description: Payment date}
    - name: monto_pagado
      header: monto pagado
      type: number
      sqlType: DECIMAL(18,2)
      parser: number
      groupChar: ","
      description: Amount paid, soles
    - {name: contribuyente, header: contribuyente, type: string, personal: true, description: Taxpayer (personal)}
"""


@pytest.mark.parametrize("path", sorted(PROJECT_CONTRACTS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_committed_contract_validates(path: Path) -> None:
    contract = read_contract(path)
    assert contract.name == path.stem


def test_sources_lists_every_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sources"]) == 0
    out = capsys.readouterr().out
    contracts = registry()
    assert contracts.sources and contracts.planned
    for name in [*contracts.sources, *contracts.planned]:
        assert f"{name}  " in out
    assert not contracts.invalid


@pytest.fixture
def contracts_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "contracts"
    folder.mkdir()
    monkeypatch.setenv("CONTRACTS_PATH", str(folder))
    return folder


def _broken(folder: Path, old: str, new: str) -> Path:
    path = folder / "recaudacion-campanas.yaml"
    assert old in CONTRACT
    path.write_text(CONTRACT.replace(old, new), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("cadence: P31D", "cadence: P31D\nfrequency: monthly", "unknown key in the top level"),
        ("type: string, personal", "type: text, personal", "key 'schema.fields[4].type': 'text' is not one of"),
        ("parser: number", "parser: money", "key 'schema.fields[3].parser': 'money' is not one of"),
        ("headerRows: [3], ", "", "key 'dialect': 'headerRows' is a required property"),
        ("name: recaudacion-campanas", "name: recaudacion", "key 'name' is 'recaudacion'"),
        ("partition: campana", "partition: campaign", "key 'partition': no field named 'campaign'"),
        ('format: "%d/%m/%Y", ', "", "parser 'date' needs the key 'format'"),
        ("type: string, personal: true", "type: integer, personal: true",
         "a personal field is type string with no parser"),
        ('groupChar: ","', 'groupChar: ","\n      constraints: {minimum: 0}\n      checks: {enum: {severity: warning}}',
         "checks.enum': no matching constraint"),
    ],
)  # fmt: skip
def test_a_broken_contract_is_refused_naming_file_key_and_problem(
    contracts_dir: Path, warehouse: Path, tmp_path: Path, old: str, new: str, expected: str
) -> None:
    path = _broken(contracts_dir, old, new)
    export = tmp_path / "export.csv"
    export.write_text(EXPORT, encoding="utf-8")
    with pytest.raises(ContractError) as error:
        load("recaudacion-campanas", str(export))
    assert str(path) in str(error.value) and expected in str(error.value)
    # the other sources still load: one municipality's typo does not stop SIAF
    assert "siaf-gasto" in registry().sources


def test_a_municipal_export_loads_from_yaml_alone(contracts_dir: Path, warehouse: Path, tmp_path: Path) -> None:
    (contracts_dir / "recaudacion-campanas.yaml").write_text(CONTRACT, encoding="utf-8")
    export = tmp_path / "recaudacion-2021.csv"
    export.write_text(EXPORT, encoding="utf-8")
    result = load("recaudacion-campanas", str(export))
    assert (result.rows_loaded, result.rows_rejected, result.rows_skipped) == (3, 0, 1)  # TOTAL is the junk row
    assert result.partitions == ["MINKACUNI 2021"]
    rows = query(
        warehouse,
        "select _source_row, asociacion, fecha_pago, monto_pagado from raw.recaudacion_campanas order by 1",
    )
    assert [(r[0], r[1], str(r[2]), r[3]) for r in rows] == [
        (1, "AA.HH. LOS ÁLAMOS", "2021-03-05", 1250.50),
        (2, "AA.HH. LOS ÁLAMOS", "2021-03-06", None),  # S.I. is a placeholder, read as NULL
        (3, "ASOC. VIVIENDA EL SOL", "2021-03-07", 10000.00),
    ]
    log = query(warehouse, "select rows_read, rows_loaded, rows_skipped, status from ops.load_log")
    assert log == [(3, 3, 1, "loaded")]


def test_a_bad_value_in_an_export_is_rejected_with_its_column(
    contracts_dir: Path, warehouse: Path, tmp_path: Path
) -> None:
    (contracts_dir / "recaudacion-campanas.yaml").write_text(CONTRACT, encoding="utf-8")
    export = tmp_path / "recaudacion-2021.csv"
    export.write_text(EXPORT.replace("06/03/2021", "31/02/2021"), encoding="utf-8")
    result = load("recaudacion-campanas", str(export), max_rejects=1)
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded_with_rejects", 2, 1)
    (row, reason), *_ = query(warehouse, "select source_row, reason from ops.rejects")
    assert row == 2 and reason.startswith("in column fecha_pago (fecha de pago): '31/02/2021' is not a date")


def test_an_xlsx_is_recognised_before_any_zip_handling(warehouse: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "2026-Gasto-Diario.zip"
    renamed.write_bytes(CONSULTA.read_bytes())
    with pytest.raises(NotCsvError, match="is an XLSX workbook, but source siaf-gasto is declared as a ','-delimited"):
        load("siaf-gasto", str(renamed))
    as_csv = tmp_path / "quien-gasta.csv"
    as_csv.write_bytes(CONSULTA.read_bytes())
    result = load("consulta-amigable-municipalidades", str(as_csv))  # the contents decide, not the name
    assert result.rows_loaded == 3782


def test_a_csv_given_to_an_xlsx_source_is_refused(warehouse: Path, siaf_sample: Path) -> None:
    with pytest.raises(NotCsvError, match=r"is declared as XLSX .* but this file is not an XLSX workbook"):
        load("consulta-amigable-municipalidades", str(siaf_sample))


def test_header_not_on_the_declared_row(contracts_dir: Path, warehouse: Path) -> None:
    text = (PROJECT_CONTRACTS / "consulta-amigable-municipalidades.yaml").read_text(encoding="utf-8")
    moved = textwrap.dedent(text).replace("name: consulta-amigable-municipalidades", "name: consulta-header-moved")
    moved = moved.replace("table: consulta_amigable_municipalidades", "table: consulta_header_moved")
    (contracts_dir / "consulta-header-moved.yaml").write_text(moved.replace("headerRows: [1]", "headerRows: [4]"))
    with pytest.raises(LayoutError, match=r"the header on sheet row 4 \(the contract's headerRows\) matches no"):
        load("consulta-header-moved", str(CONSULTA))
    (contracts_dir / "consulta-header-moved.yaml").write_text(moved.replace("headerRows: [1]", "headerRows: [2]"))
    with pytest.raises(LayoutError, match=r"the header on sheet row 2 .* matches no consulta-header-moved layout") as e:
        load("consulta-header-moved", str(CONSULTA))
    assert "missing 12 column(s) [Atención de Compromiso Mensual, Avance %, Año" in str(e.value)


def test_further_columns_are_refused_unless_the_contract_says_fields_match_subset(
    contracts_dir: Path, warehouse: Path, tmp_path: Path
) -> None:
    path = contracts_dir / "recaudacion-campanas.yaml"
    path.write_text(CONTRACT, encoding="utf-8")
    lines = EXPORT.splitlines()
    wider = "\n".join([*lines[:2], *(line + (";observación" if i == 0 else ";") for i, line in enumerate(lines[2:]))])
    export = tmp_path / "wider.csv"
    export.write_text(wider + "\n", encoding="utf-8")
    with pytest.raises(LayoutError, match=r"unexpected 1 column\(s\) \[observación\]"):
        load("recaudacion-campanas", str(export))
    path.write_text(CONTRACT.replace("  missingValues:", "  fieldsMatch: subset\n  missingValues:"), encoding="utf-8")
    result = load("recaudacion-campanas", str(export))
    assert result.rows_loaded == 3 and "1 column(s) not in the contract ignored: ['observación']" in result.message
    assert "observación" not in [r[0] for r in query(warehouse, "describe raw.recaudacion_campanas")]
