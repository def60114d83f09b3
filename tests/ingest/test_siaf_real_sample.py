"""The SIAF loader on MEF's real published rows, read as they are."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

from ingest.load import load
from tests.conftest import SIAF_SAMPLE
from tests.ingest.helpers import query, read_rows

# What the test knows of MEF's file, independently of the contract: its own header, amounts named MONTO_*.
HEADER_2026 = read_rows(SIAF_SAMPLE)[0]
AMOUNTS = tuple(name for name in HEADER_2026 if name.startswith("MONTO_"))

CODES = ("PROGRAMA_PPTO", "META", "FINALIDAD", "GRUPO_FUNCIONAL", "DIVISION_FUNCIONAL", "RUBRO", "SEC_EJEC", "SECTOR")


def test_loads_every_row_with_lineage(siaf_sample: Path, warehouse: Path) -> None:
    result = load("siaf-gasto", str(siaf_sample))
    assert (result.status, result.layout) == ("loaded", "gasto-diario-2026")
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (127, 127, 0)
    assert result.partitions == ["2026"]
    assert result.sha256 == hashlib.sha256(siaf_sample.read_bytes()).hexdigest()

    log = query(warehouse, "select rows_read, rows_loaded, rows_rejected, sha256, status, bytes from ops.load_log")
    assert log == [(127, 127, 0, result.sha256, "loaded", siaf_sample.stat().st_size)]
    lineage = query(
        warehouse,
        "select count(*), count(distinct _source_row), min(_source_row), max(_source_row),"
        " count(distinct _source_sha256), any_value(_source_sha256), count(_loaded_at) from raw.siaf_gasto",
    )
    assert lineage == [(127, 127, 1, 127, 1, result.sha256, 127)]


def test_each_row_traces_to_its_line_in_the_file(siaf_sample: Path, warehouse: Path) -> None:
    load("siaf-gasto", str(siaf_sample))
    header, rows = read_rows(siaf_sample)
    names = ", ".join(name.lower() for name in header)
    loaded = query(warehouse, f"select _source_row, {names} from raw.siaf_gasto order by _source_row")
    assert len(loaded) == len(rows) == 127
    for (source_row, *values), expected in zip(loaded, rows, strict=True):
        as_text = [str(v) if not isinstance(v, Decimal) else v for v in values]
        for name, got, want in zip(header, as_text, expected, strict=True):
            if name in AMOUNTS:
                assert got == Decimal(want), (source_row, name)
            else:
                assert got == want, (source_row, name)


def test_codes_keep_leading_zeros_and_empty_strings(siaf_sample: Path, warehouse: Path) -> None:
    load("siaf-gasto", str(siaf_sample))
    header, rows = read_rows(siaf_sample)
    for code in CODES:
        want = sorted({row[header.index(code)] for row in rows})
        got = [r[0] for r in query(warehouse, f"select distinct {code.lower()} from raw.siaf_gasto order by 1")]
        assert got == want, code
    assert "0044277" in {r[header.index("FINALIDAD")] for r in rows}
    types = dict(
        query(
            warehouse,
            "select column_name, data_type from information_schema.columns"
            " where table_schema = 'raw' and table_name = 'siaf_gasto'",
        )
    )
    assert all(types[c.lower()] == "VARCHAR" for c in HEADER_2026 if c not in (*AMOUNTS, "ANO_EJE", "MES_EJE"))
    assert all(types[c.lower()] == "DECIMAL(18,2)" for c in AMOUNTS)


def test_amount_sums_and_reversals_match_the_file(siaf_sample: Path, warehouse: Path) -> None:
    load("siaf-gasto", str(siaf_sample))
    header, rows = read_rows(siaf_sample)
    for amount in AMOUNTS:
        position = header.index(amount)
        want = sum((Decimal(row[position]) for row in rows), Decimal(0))
        negatives = sum(1 for row in rows if Decimal(row[position]) < 0)
        got, got_negatives = query(
            warehouse, f"select sum({amount.lower()}), count_if({amount.lower()} < 0) from raw.siaf_gasto"
        )[0]
        assert (got, got_negatives) == (want, negatives), amount
    first = query(
        warehouse, "select monto_certificado, monto_comprometido_anual from raw.siaf_gasto where _source_row = 1"
    )
    assert first == [(Decimal("-43960.00"), Decimal("-45101.30"))]


def test_ubigeo_reference_keeps_codes_and_accents(warehouse: Path) -> None:
    from tests.conftest import UBIGEO_INEI

    result = load("ubigeo-inei", str(UBIGEO_INEI))
    assert (result.rows_loaded, result.rows_rejected) == (1891, 0)
    assert query(
        warehouse, "select departamento, distrito, ubigeo, poblacion from raw.ubigeo_inei where ubigeo = '010102'"
    ) == [("Amazonas", "Asunción", "010102", 269)]
    assert query(warehouse, "select count(distinct ubigeo), min(length(ubigeo)) from raw.ubigeo_inei") == [(1891, 6)]
