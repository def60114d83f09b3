"""SIAF Devengado mensual feeds the same budget facts as the gasto file (docs/siaf-expenditure-files.md).

One scratch warehouse, loaded with the real loader and built three times with dbt (one full parse):

1. a synthetic 2024 Devengado file with one row whose annual devengado is not the sum of its months: the build
   must fail naming that row (c);
2. the corrected 2024 file, MEF's real 2026 gasto sample pivoted into a Devengado file by
   benchmarks/generate_siaf_devengado.py, a generated 2023 gasto file (with PIA/PIM rows: the real sample's are all
   0) pivoted the same way, and a synthetic 2025 file spelling September ``SETIEMBRE``: every year comes from the
   Devengado file, and its facts are kept (a, b, e);
3. the real 2026 gasto sample and the 2023 gasto file themselves: those years now come from the gasto file (the
   rule), 2024 and 2025 still from the Devengado file (d); their facts are compared with step 2's (a).

Builds after step 1 do not select ``stg_siaf__gasto`` (its view is made in step 1; staging views read raw live), so
they run fewer tests; assert_budget_execution_reconciles_to_siaf_files checks the facts of every year against the
file the rule picks. fct_execution_progress on a Devengado year is covered by a dbt unit test
(models/intermediate/siaf/_int_siaf__models.yml), not built here.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import ROOT, SIAF_SAMPLE
from tests.ingest.helpers import records

GENERATOR = ROOT / "benchmarks" / "generate_siaf_devengado.py"
DEVENGADO = "siaf-devengado-mensual"
DEVENGADO_BUILD = (
    "stg_siaf__devengado_mensual int_siaf__devengado_months int_siaf__budget_lines fct_budget_execution"
    " dim_entity dim_budget_program dim_function"
)
DIMENSIONS = (("dim_entity", "sec_ejec"), ("dim_function", "funcion"), ("dim_budget_program", "programa_ppto"))
SYNTHETIC_YEAR, SYNTHETIC_ROWS, SYNTHETIC_CUTOFF = 2025, 300, 9
BAD_YEAR, BAD_ROWS, BAD_ROW = 2024, 20, 3
# the real sample's 127 rows carry no PIA/PIM (all 0): a small gasto file from benchmarks/generate_siaf.py, with
# PIA/PIM rows, is pivoted too, so that PIA/PIM equality is checked on non-zero figures
GASTO_YEAR, GASTO_BYTES = 2023, 80_000
AT = datetime(2026, 5, 16, 6, 0, tzinfo=UTC)


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_siaf_devengado", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


gen = _generator()


def _load(warehouse: Path, source: str, path: Path) -> Any:
    from ingest.load import load

    result = load(source, str(path), warehouse=warehouse)
    assert result.status == "loaded", result
    assert result.rows_rejected == 0, result
    return result


def _query(warehouse: Path, sql: str) -> list[dict[str, Any]]:
    return records(warehouse / "monitoring.duckdb", sql)


def _break_annual(good: Path, bad: Path, row: int) -> None:
    """Copy ``good`` to ``bad`` with data row ``row``'s MONTO_DEVENGADO_ANUAL raised by 0.02 soles."""
    lines = good.read_bytes().split(b"\r\n")
    fields = lines[row].split(b'","')
    annual = gen.HEADER.index("MONTO_DEVENGADO_ANUAL")
    fields[annual] = str(Decimal(fields[annual].decode()) + Decimal("0.02")).encode()
    lines[row] = b'","'.join(fields)
    bad.write_bytes(b"\r\n".join(lines))


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Devengado files: the real gasto sample pivoted (2026), a SETIEMBRE file (2025), a 2024 file and a bad copy."""
    folder = tmp_path_factory.mktemp("devengado_files")
    names = ("pivot", "synthetic", "good", "bad", "gasto_pivot")
    paths = {name: folder / f"{name}-Gasto-Devengado-Mensual.csv" for name in names}
    assert gen.pivot_gasto(SIAF_SAMPLE, paths["pivot"]) > 0
    import generate_siaf  # on sys.path since the generator module put benchmarks/ there

    paths["gasto"] = folder / f"{GASTO_YEAR}-Gasto.csv"
    assert generate_siaf.generate(paths["gasto"], GASTO_BYTES, SIAF_SAMPLE, GASTO_YEAR, seed=5) > 0
    assert gen.pivot_gasto(paths["gasto"], paths["gasto_pivot"]) > 0
    assert (
        gen.generate(
            paths["synthetic"], SYNTHETIC_ROWS, SYNTHETIC_YEAR, seed=7, setiembre=True, cutoff_month=SYNTHETIC_CUTOFF
        )
        == SYNTHETIC_ROWS
    )
    assert gen.generate(paths["good"], BAD_ROWS, BAD_YEAR, seed=11) == BAD_ROWS
    _break_annual(paths["good"], paths["bad"], BAD_ROW)
    return paths


@dataclass
class Built:
    warehouse: Path
    devengado_facts: dict[int, dict[tuple[str, int], dict[str, Any]]]  # step 2: every year from the Devengado file
    devengado_dimensions: dict[str, list[str]]  # step 2: the codes of each dimension
    bad_error: str
    bad_sha256: str
    bad_failures: list[dict[str, Any]]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, files: dict[str, Path]) -> Iterator[Built]:
    """Load and build the warehouse in the three steps of the module docstring."""
    from pipeline.transform import TransformError, dbt_build

    warehouse = tmp_path_factory.mktemp("siaf_devengado") / "warehouse"
    warehouse.mkdir()
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr("ingest.load._utcnow", lambda: AT)
        monkeypatch.setenv("WAREHOUSE_DIR", str(warehouse))

        bad = _load(warehouse, DEVENGADO, files["bad"])
        with pytest.raises(TransformError) as failed:
            dbt_build(warehouse, select="stg_siaf__gasto stg_siaf__devengado_mensual")
        failures = _query(warehouse, "select * from dbt_test__audit.assert_devengado_mensual_annual_equals_months")

        for name in ("good", "pivot", "gasto_pivot", "synthetic"):
            _load(warehouse, DEVENGADO, files[name])
        dbt_build(warehouse, select=DEVENGADO_BUILD)
        devengado_facts = {year: _facts(warehouse, year) for year in (GASTO_YEAR, 2026)}
        dimensions = {
            dim: _query(warehouse, f"select list({code} order by {code}) as codes from marts.{dim}")[0]["codes"]
            for dim, code in DIMENSIONS
        }

        _load(warehouse, "siaf-gasto", SIAF_SAMPLE)
        _load(warehouse, "siaf-gasto", files["gasto"])
        dbt_build(warehouse, select="fct_budget_execution dim_entity")  # staging and intermediate views read raw live

        yield Built(warehouse, devengado_facts, dimensions, str(failed.value), bad.sha256, failures)


def _facts(warehouse: Path, year: int) -> dict[tuple[str, int], dict[str, Any]]:
    rows = _query(warehouse, f"select * from marts.fct_budget_execution where year = {year}")
    return {(row["budget_line_key"], row["month"]): row for row in rows}


def _per_line(facts: dict[tuple[str, int], dict[str, Any]], column: str) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for (line, _), row in facts.items():
        totals[line] = totals.get(line, Decimal(0)) + (row[column] or Decimal(0))
    return totals


@pytest.mark.parametrize("year", [2026, GASTO_YEAR], ids=["real-sample", "generated-with-pia-pim"])
def test_devengado_pivoted_from_a_gasto_file_gives_the_same_facts(built: Built, year: int) -> None:
    """(a) fct_budget_execution devengado by year x month x budget line equal to the cent; PIA/PIM equal."""
    devengado, gasto = built.devengado_facts[year], _facts(built.warehouse, year)
    assert {row["source_contract"] for row in devengado.values()} == {DEVENGADO}
    assert {row["source_contract"] for row in gasto.values()} == {"siaf-gasto"}

    def by_month(facts: dict[tuple[str, int], dict[str, Any]]) -> dict[tuple[str, int], Decimal]:
        return {key: row["monto_devengado"] for key, row in facts.items() if key[1] >= 1 and row["monto_devengado"]}

    assert by_month(gasto) == by_month(devengado)
    assert len(by_month(gasto)) >= 47  # 47 line x month cells with devengado in the real sample: a real comparison
    for column in ("monto_pia", "monto_pim", "monto_devengado", "monto_certificado", "monto_girado"):
        assert _per_line(gasto, column) == _per_line(devengado, column), column
    for column in ("monto_pia", "monto_pim"):
        total = sum(_per_line(gasto, column).values())
        assert total == sum(_per_line(devengado, column).values())
        assert (total != 0) == (year == GASTO_YEAR)  # the real sample's rows have PIA/PIM 0


def test_devengado_year_keeps_annual_only_amounts_off_the_months(built: Built) -> None:
    """Month rows carry devengado only; PIA, PIM, certificado, comprometido and girado sit on the year row (month 0)."""
    devengado_years = f"source_contract = '{DEVENGADO}'"
    months = _query(
        built.warehouse,
        "select count(*) as n, count(monto_certificado) as certificado, count(monto_girado) as girado,"
        " count(monto_comprometido_anual) as comprometido_anual, count(monto_comprometido) as comprometido,"
        " sum(monto_pim) as pim, count(*) filter (where monto_devengado = 0) as zero_devengado"
        f" from marts.fct_budget_execution where month >= 1 and {devengado_years}",
    )[0]
    assert months["n"] > 0
    assert months["certificado"] == months["girado"] == months["comprometido_anual"] == months["comprometido"] == 0
    assert months["pim"] == 0 and months["zero_devengado"] == 0
    raw = _query(
        built.warehouse,
        "select ano_eje as year, sum(monto_certificado_anual) as certificado, sum(monto_girado_anual) as girado,"
        " sum(monto_pim) as pim, sum(monto_devengado_anual) as devengado"
        f" from raw.siaf_devengado_mensual where ano_eje in ({BAD_YEAR}, {SYNTHETIC_YEAR}) group by all order by year",
    )
    facts = _query(
        built.warehouse,
        "select year, sum(monto_certificado) filter (where month = 0) as certificado,"
        " sum(monto_girado) filter (where month = 0) as girado, sum(monto_pim) filter (where month = 0) as pim,"
        f" sum(monto_devengado) as devengado from marts.fct_budget_execution where {devengado_years}"
        " group by year order by year",
    )
    assert raw == facts
    assert [row["year"] for row in facts] == [BAD_YEAR, SYNTHETIC_YEAR]
    assert all(row["certificado"] and row["girado"] and row["pim"] and row["devengado"] for row in facts)


def test_setiembre_spelling_loads(built: Built) -> None:
    """(b) The SETIEMBRE layout is recognised and its September column lands in monto_devengado_septiembre."""
    layouts = _query(
        built.warehouse,
        f"select partitions[1] as year, layout from ops.load_log where status = 'loaded' and source = '{DEVENGADO}'",
    )
    assert {(row["year"], row["layout"]) for row in layouts} == {
        (str(BAD_YEAR), "devengado-mensual"),
        (str(GASTO_YEAR), "devengado-mensual"),
        (str(SYNTHETIC_YEAR), "devengado-mensual-setiembre"),
        ("2026", "devengado-mensual"),
    }
    september = _query(
        built.warehouse,
        "select count(*) filter (where monto_devengado_septiembre <> 0) as moved,"
        " sum(monto_devengado_septiembre) as devengado,"
        " count(*) filter (where monto_devengado_octubre <> 0) as after_cutoff"
        f" from raw.siaf_devengado_mensual where ano_eje = {SYNTHETIC_YEAR}",
    )[0]
    assert september["moved"] > 0 and september["after_cutoff"] == 0
    facts = _query(
        built.warehouse,
        "select sum(monto_devengado) as devengado, sum(source_row_count) as source_rows"
        f" from marts.fct_budget_execution where year = {SYNTHETIC_YEAR} and month = 9",
    )[0]
    assert (facts["devengado"], facts["source_rows"]) == (september["devengado"], september["moved"])


def test_annual_not_equal_to_the_months_fails_naming_the_row(built: Built) -> None:
    """(c) A row whose MONTO_DEVENGADO_ANUAL differs from its months by 0.02 fails the build; the row is named."""
    assert "assert_devengado_mensual_annual_equals_months" in built.bad_error
    assert [(row["_source_sha256"], row["_source_row"]) for row in built.bad_failures] == [(built.bad_sha256, BAD_ROW)]
    failure = built.bad_failures[0]
    assert failure["problem"].startswith(f"file {built.bad_sha256} data row {BAD_ROW}: MONTO_DEVENGADO_ANUAL ")
    assert failure["monto_devengado_anual"] - failure["sum_of_months"] == Decimal("0.02")


def test_gasto_wins_a_year_both_files_cover_and_devengado_fills_the_others(built: Built) -> None:
    """(d) 2023 and 2026 in both files: the gasto file's facts, marked so; 2024 and 2025 only in the Devengado file."""
    kinds = _query(
        built.warehouse,
        "select year, list(distinct source_contract) as kinds, string_agg(distinct _source_sha256, ',') as files,"
        " sum(source_row_count) as source_rows from marts.fct_budget_execution group by year order by year",
    )
    loads = {
        (row["source"], row["partitions"][0]): row
        for row in _query(built.warehouse, "select * from ops.load_log where status = 'loaded'")
    }
    assert [(row["year"], row["kinds"]) for row in kinds] == [
        (GASTO_YEAR, ["siaf-gasto"]),
        (BAD_YEAR, [DEVENGADO]),
        (SYNTHETIC_YEAR, [DEVENGADO]),
        (2026, ["siaf-gasto"]),
    ]
    for row, source in zip(kinds, ("siaf-gasto", DEVENGADO, DEVENGADO, "siaf-gasto"), strict=True):
        assert row["files"] == loads[(source, str(row["year"]))]["sha256"], row["year"]
    # a gasto year is the gasto file alone: every one of its rows, once
    assert kinds[3]["source_rows"] == loads[("siaf-gasto", "2026")]["rows_loaded"] == 127
    assert kinds[0]["source_rows"] == loads[("siaf-gasto", str(GASTO_YEAR))]["rows_loaded"]
    entities = _query(built.warehouse, "select min(first_year) as first, max(last_year) as last from marts.dim_entity")
    assert (entities[0]["first"], entities[0]["last"]) == (GASTO_YEAR, 2026)
    # with no gasto rows at all (step 2), the dimensions come from the Devengado file: every code of its rows
    for dim, code in DIMENSIONS:
        raw = _query(
            built.warehouse, f"select list(distinct {code} order by {code}) as codes from raw.siaf_devengado_mensual"
        )[0]["codes"]
        assert built.devengado_dimensions[dim] == raw and len(raw) > 1, dim


def test_bom_and_all_quoted_layout_load_on_the_typed_path_with_zero_rejects(
    built: Built, files: dict[str, Path]
) -> None:
    """(e) The generated files start with a BOM and quote every field; they load typed, codes zero-padded."""
    from ingest.contracts import get_source

    loaded = ("bad", "good", "pivot", "gasto_pivot", "synthetic")
    for name in loaded:
        data = files[name].read_bytes()
        assert data.startswith(b'\xef\xbb\xbf"ANO_EJE","')
        assert data.count(b"\r\n") == data.count(b"\n") > 1
    assert not get_source(DEVENGADO).needs_text_stage  # no parser declared: DuckDB's typed reader, BOM included
    loads = _query(
        built.warehouse,
        f"select rows_read, rows_loaded, rows_rejected from ops.load_log where source = '{DEVENGADO}' order by load_id",
    )
    # data rows = CRLF-terminated lines below the header
    expected = [files[name].read_bytes().count(b"\r\n") - 1 for name in loaded]
    assert expected[1] == BAD_ROWS and expected[4] == SYNTHETIC_ROWS
    assert loads == [{"rows_read": n, "rows_loaded": n, "rows_rejected": 0} for n in expected]
    assert _query(built.warehouse, "select count(*) as n from ops.rejects") == [{"n": 0}]
    codes = _query(
        built.warehouse,
        "select ano_eje, meta, rubro, programa_ppto from raw.siaf_devengado_mensual"
        " where ano_eje = 2026 and _source_row = 1",
    )
    assert codes == [{"ano_eje": 2026, "meta": "00001", "rubro": "00", "programa_ppto": "0002"}]
