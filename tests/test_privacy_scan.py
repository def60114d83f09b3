"""People stay private: every municipal example file through the whole pipeline, then a scan of what is published.

Which files: every file in ``examples/municipal/`` whose header matches a layout of an active contract (found through
the contracts, no file names here), loaded with the real SIAF sample (the quality gate needs SIAF rows) and the
shipped ubigeo table, then ``dbt build``, the quality gate and publish: one pipeline run, as ``python -m pipeline
run`` does it. The personal values are every distinct value of every ``personal: true`` column of those contracts,
read back from the raw tables (so the scan looks for exactly what was loaded). The scan looks for each of them, as a
case-insensitive substring, in every column of every table of ``published.duckdb`` (the marts, the lineage tables,
the gate's history) and in every file the run wrote under ``<warehouse>/quality`` (the auditor's reports, Great
Expectations' validation results and Data Docs). It must find nothing; a value planted in a copy of the
published file and in a report file must be found.

The run also carries generated SIAF and InfObras rows, a generated agreements file whose CUIs match them and a
generated participants register with a person registered twice, for the checks of
tests/test_participatory_budgeting.py, which shares this run (one per session).
"""

from __future__ import annotations

import atexit
import csv
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.conftest import ROOT, SIAF_SAMPLE, UBIGEO_INEI

EXAMPLES = ROOT / "examples" / "municipal"

# Generated rows for the compliance checks: CUIs in the 29999xx range, absent from the real SIAF sample.
CUI_FULFILLED = "2999901"  # PIM and devengado in 2026, its InfObras work at 100 %
CUI_NO_DEVENGADO = "2999902"  # PIM in 2026 but no devengado, work at 100 %
CUI_NOT_BUILT = "2999903"  # PIM and devengado, work at 60 %
SIAF_PROJECTS = {CUI_FULFILLED: ("1000", "500"), CUI_NO_DEVENGADO: ("1000", "0"), CUI_NOT_BUILT: ("1000", "500")}
WORK_PROGRESS = {CUI_FULFILLED: "100", CUI_NO_DEVENGADO: "100", CUI_NOT_BUILT: "60"}
TEST_UBIGEO = "080101"  # a municipality the examples do not use
# (year, priority, project, CUI, amount, in PMI) of the generated acta: a 2027 agreement cannot count 2026 SIAF rows
TEST_AGREEMENTS = [
    (2025, 1, "Obra generada cumplida", CUI_FULFILLED, "100,000.00", "SI"),
    (2025, 2, "Obra generada sin devengado", CUI_NO_DEVENGADO, "50,000.00", "SI"),
    (2025, 3, "Obra generada sin terminar", CUI_NOT_BUILT, "70,000.00", "SI"),
    (2025, 4, "Proyecto generado sin CUI", "", "10,000.00", "NO"),
    (2027, 1, "Obra generada priorizada después del año SIAF", CUI_FULFILLED, "100,000.00", "SI"),
]


# Generated participants of TEST_UBIGEO in 2025: 6 rows, 5 people (one registered twice), 3 women and 2 men.
TEST_PARTICIPANTS = [
    ("X9000001", "PERSONA GENERADA UNO, ANA", "F"),
    ("X9000002", "PERSONA GENERADA DOS, ROSA", "F"),
    ("X9000003", "PERSONA GENERADA TRES, JUANA", "F"),
    ("X9000004", "PERSONA GENERADA CUATRO, LUIS", "M"),
    ("X9000005", "PERSONA GENERADA CINCO, JOSE", "M"),
    ("X9000001", "PERSONA GENERADA UNO, ANA", "F"),
]


@dataclass
class PipelineRun:
    """What the shared pipeline run loaded and where it published."""

    warehouse: Path
    started: float  # time.time() before the first load: files written since belong to this run
    loads: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # source -> load summaries
    example_sources: dict[str, list[Path]] = field(default_factory=dict)  # source -> example files loaded

    @property
    def published(self) -> Path:
        return self.warehouse / "published.duckdb"

    @property
    def working(self) -> Path:
        return self.warehouse / "monitoring.duckdb"


def example_files_by_source() -> dict[str, list[Path]]:
    """Return active source -> the files of examples/municipal whose header matches one of its layouts."""
    from ingest import header as csv_header
    from ingest import xlsx
    from ingest.contracts import registry
    from ingest.errors import IngestError

    found: dict[str, list[Path]] = {}
    files = sorted(p for p in EXAMPLES.iterdir() if p.suffix.lower() in (".csv", ".xlsx"))
    for name, source in sorted(registry().sources.items()):
        for path in files:
            if (path.suffix.lower() == ".xlsx") != (source.format == "xlsx"):
                continue
            dialect = source.dialect
            try:
                if source.format == "xlsx":
                    names = xlsx.read_header(path, dialect)
                else:
                    names = csv_header.read_header(path, dialect.delimiter, dialect.quote, dialect.header_row)
                csv_header.detect_layout(source, names, path)
            except IngestError:
                continue
            found.setdefault(name, []).append(path)
    return found


def _write_siaf(path: Path) -> Path:
    """The real SIAF sample plus one 2026 project line per generated CUI (PIM, devengado as SIAF_PROJECTS says)."""
    with SIAF_SAMPLE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    head, data = rows[0], rows[1:]
    template = next(row for row in data if row[head.index("TIPO_ACT_PROY")] == "2")
    for cui, (pim, devengado) in SIAF_PROJECTS.items():
        row = list(template)
        row[head.index("PRODUCTO_PROYECTO")] = cui
        for i, name in enumerate(head):
            if name.startswith("MONTO_"):
                row[i] = "0"
        row[head.index("MONTO_PIM")] = pim
        row[head.index("MONTO_DEVENGADO")] = devengado
        data.append(row)
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows([head, *data])
    return path


def _write_infobras(path: Path) -> Path:
    """An InfObras file from the fixture generator (its layout: 3 title rows, header on row 4) with one finished
    or unfinished work per generated CUI and 20 plain generator works."""
    from benchmarks.generate_infobras import iter_rows, write_works

    rows = list(iter_rows(len(WORK_PROGRESS) + 20, seed=11, cutoff="15-05-2026"))
    for row, (cui, progress) in zip(rows, WORK_PROGRESS.items(), strict=False):
        finished = progress == "100"
        row.update({
            "cui": cui, "avance_fisico_real_pct": progress, "existe_paralizacion": "No", "causal_paralizacion": "",
            "fecha_paralizacion": "", "dias_paralizado": "",
            "estado_ejecucion": "Finalizada" if finished else "En Ejecución",
        })  # fmt: skip
    return write_works(path, rows)


def _write_agreements(path: Path) -> Path:
    """A participatory-budgeting acta in the contract's layout for TEST_UBIGEO, CUIs matching the generated rows."""
    header = ["UBIGEO", "AÑO", "PRIORIDAD", "PROYECTO", "CUI", "MONTO (S/)", "INCLUIDO EN PMI"]
    rows = [[TEST_UBIGEO, str(y), str(p), name, cui, amount, pmi] for y, p, name, cui, amount, pmi in TEST_AGREEMENTS]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *rows])
    return path


def _write_participants(path: Path) -> Path:
    """A participants register in the contract's layout for TEST_UBIGEO, with one person registered twice."""
    header = [
        "UBIGEO",
        "AÑO",
        "DOCUMENTO",
        "APELLIDOS Y NOMBRES",
        "SEXO",
        "ORGANIZACIÓN",
        "TIPO DE ORGANIZACIÓN",
        "ROL",
    ]
    rows = [
        [TEST_UBIGEO, "2025", doc, name, sex, "Junta Vecinal Generada", "Junta vecinal", "Agente participante"]
        for doc, name, sex in TEST_PARTICIPANTS
    ]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *rows])
    return path


@cache
def pipeline_run() -> PipelineRun:
    """Load, build, gate and publish once per test session (shared by the municipal tests); return the run."""
    from pipeline.tasks import build_marts, load_source, publish_marts, run_quality_gate

    base = Path(tempfile.mkdtemp(prefix="municipal-privacy-"))
    atexit.register(shutil.rmtree, base, True)
    warehouse = base / "warehouse"
    warehouse.mkdir()
    inputs = base / "inputs"
    inputs.mkdir()
    run = PipelineRun(warehouse=warehouse, started=time.time(), example_sources=example_files_by_source())
    to_load: list[tuple[str, Path]] = [
        ("ubigeo-inei", UBIGEO_INEI),
        ("siaf-gasto", _write_siaf(inputs / "2026-Gasto-Diario.csv")),
        ("infobras-obras", _write_infobras(inputs / "DataSet-Obras-Publicas.xlsx")),
        *((name, path) for name, paths in run.example_sources.items() for path in paths),
        ("municipal-pp-acuerdos", _write_agreements(inputs / "acta-generada.csv")),
        ("municipal-pp-participantes", _write_participants(inputs / "participantes-generados.csv")),
    ]
    for name, path in to_load:
        run.loads.setdefault(name, []).append(load_source(name, str(path), warehouse=warehouse))
    build_marts(warehouse)
    publish_marts(run_quality_gate(warehouse), warehouse)
    return run


def personal_values(run: PipelineRun) -> dict[str, set[str]]:
    """Return 'table.column' -> the distinct values of every personal column of the example sources, from raw."""
    from ingest.contracts import get_source

    values: dict[str, set[str]] = {}
    con = duckdb.connect(str(run.working), read_only=True)
    try:
        for name in run.example_sources:
            source = get_source(name)
            for column in source.personal_columns:
                found = con.execute(
                    f"select distinct cast({column} as varchar) from raw.{source.table} where {column} is not null"
                ).fetchall()
                values[f"{source.table}.{column}"] = {str(v) for (v,) in found}
    finally:
        con.close()
    return values


def scan_database(path: Path, needles: set[str]) -> list[str]:
    """Return 'schema.table.column: value' for every needle found (case-insensitive substring) in the database.

    One join per table on all its columns joined as text, then per column only for a table with a hit.
    """
    con = duckdb.connect()
    try:
        con.execute(f"attach '{path}' as pub (read_only)")
        con.execute("create temp table needles as select lower(unnest(?::varchar[])) as needle", [sorted(needles)])
        columns: dict[tuple[str, str], list[str]] = {}
        for schema, table, column in con.execute(
            "select schema_name, table_name, column_name from duckdb_columns() where database_name = 'pub'"
            " order by 1, 2, column_index"
        ).fetchall():
            columns.setdefault((schema, table), []).append(column)

        def found(schema: str, table: str, expression: str) -> list[str]:
            return [
                value
                for (value,) in con.execute(
                    f'select distinct n.needle from pub."{schema}"."{table}" t'
                    f" join needles n on contains(lower({expression}), n.needle) order by 1"
                ).fetchall()
            ]

        hits = []
        for (schema, table), names in columns.items():
            row_text = "concat_ws(chr(31), " + ", ".join(f't."{c}"::varchar' for c in names) + ")"
            if found(schema, table, row_text):
                for column in names:
                    hits += [f"{schema}.{table}.{column}: {v}" for v in found(schema, table, f't."{column}"::varchar')]
        return hits
    finally:
        con.close()


def scan_files(paths: list[Path], needles: set[str]) -> list[str]:
    """Return 'file: value' for every needle found (case-insensitive substring) in the text of the given files.

    A needle is looked for only in a file holding every word of it (letters and digits between separators; one pass
    over the file's words), which keeps the scan linear in the files' size: a needle glued to further letters or
    digits on both sides ('abcX1234567') is the one thing this misses; the database scan has no such limit.
    """
    words = re.compile(r"[^\W_]+")
    lowered = sorted({n.lower() for n in needles})
    hits = []
    for path in paths:
        text = path.read_bytes().decode("utf-8", errors="replace").lower()
        present = set(words.findall(text))
        hits += [
            f"{path}: {needle}"
            for needle in lowered
            if all(word in present for word in words.findall(needle)) and needle in text
        ]
    return hits


def written_files(run: PipelineRun) -> list[Path]:
    """Return the report and validation-result files the run wrote: the warehouse's quality folder, which holds the
    auditor's reports and GX's validation results and Data Docs pages (``quality/gx``; not the site's static
    assets)."""
    return [
        p
        for p in (run.warehouse / "quality").rglob("*")
        if p.is_file() and not (p.suffix not in (".json", ".html") and "static" in p.parts)
    ]


@pytest.fixture(scope="module")
def run() -> PipelineRun:
    return pipeline_run()


@pytest.fixture(scope="module")
def needles(run: PipelineRun) -> set[str]:
    return set().union(*personal_values(run).values())


def test_every_personal_example_source_was_loaded(run: PipelineRun) -> None:
    from ingest.contracts import get_source

    personal = sorted(name for name in run.example_sources if get_source(name).personal_columns)
    # the participatory-budgeting examples at least; any other municipal example with personal fields is picked up
    assert {"municipal-pp-participantes", "municipal-pp-comite"} <= set(personal), run.example_sources
    for name in run.example_sources:
        for load in run.loads[name]:
            assert load["status"] in ("loaded", "unchanged"), load
            assert load["rows_rejected"] == 0, load
    assert run.published.is_file()


def test_personal_values_are_real_and_many(run: PipelineRun) -> None:
    values = personal_values(run)
    # 557 example participants and 5 generated ones, 5 committee members: a document number and a name each
    assert len(values["municipal_pp_participantes.participante_id"]) == 557 + 5
    assert len(values["municipal_pp_participantes.participante_nombre"]) == 557 + 5
    assert len(values["municipal_pp_comite.miembro_id"]) == 5
    assert all(values.values()), {k: len(v) for k, v in values.items()}


def test_published_warehouse_holds_no_personal_value(run: PipelineRun, needles: set[str]) -> None:
    con = duckdb.connect(str(run.published), read_only=True)
    try:
        tables = {t for (t,) in con.execute("select schema_name || '.' || table_name from duckdb_tables()").fetchall()}
    finally:
        con.close()
    assert {"marts.fct_participation", "marts.agg_agreement_compliance", "ops.validation_results"} <= tables
    assert scan_database(run.published, needles) == []


def test_reports_and_validation_results_hold_no_personal_value(run: PipelineRun, needles: set[str]) -> None:
    files = written_files(run)
    assert any(p.suffix == ".html" for p in files) and any(p.suffix == ".json" for p in files), files
    assert scan_files(files, needles) == []


def test_the_scan_finds_a_planted_value(run: PipelineRun, needles: set[str], tmp_path: Path) -> None:
    planted = sorted(needles)[len(needles) // 2]
    copy = tmp_path / "published.duckdb"
    shutil.copy(run.published, copy)
    con = duckdb.connect(str(copy))
    try:
        con.execute("create table marts.leak as select 'row of ' || lower(?) || ' here' as note", [planted])
    finally:
        con.close()
    assert scan_database(copy, needles) == [f"marts.leak.note: {planted.lower()}"]
    report = tmp_path / "report.html"
    report.write_text(f"<td>{planted}</td>", encoding="utf-8")
    assert scan_files([report], needles) == [f"{report}: {planted.lower()}"]
