"""Time ten cross-cuts (pipeline.crosscut.execution_by) on a generated full-year SIAF file.

1. A template is derived from the real sample: its rows, spread over ~1,500 invented executing units placed in real
   INEI districts (level of government, pliego, the unit's department / province / district and the goal's
   department vary as in the national file; every classification code and name stays a real row's).
2. ``generate_siaf.py --template`` draws the full-year file from it (2.8 M rows by default, as MEF's
   ``YYYY-Gasto-Devengado-Mensual.csv``), which is loaded with the project's loader, then ``dbt build`` builds
   ``+fct_budget_execution_wide +fct_execution_yoy``.
3. Each cross-cut (1 to 4 dimensions, with and without filters) runs ``--repeats`` times on a read-only connection;
   p50 and p95 per cross-cut and over all runs are printed as Markdown, with the machine. ``--view-cuts N`` also
   times the first cross-cuts once on a view with the mart's SQL (to decide table vs view).

    python benchmarks/bench_crosscut.py --workdir /tmp/crosscut-bench              # 2.8 M rows
    python benchmarks/bench_crosscut.py --workdir /tmp/crosscut-bench --rows 100000  # a quick run
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SAMPLE = ROOT.parent / "shared" / "realdata" / "siaf_gasto" / "mef-2026-gasto-diario.head.csv"
UBIGEO = ROOT / "reference" / "ubigeo" / "ubigeo-inei-2025.csv"
YEAR = 2026

# (label, dimensions, filters, months): filters and months are applied as the dashboard would
CROSS_CUTS: list[tuple[str, list[str], dict[str, Any], list[int] | None]] = [
    ("nivel_gobierno", ["nivel_gobierno"], {}, None),
    ("month", ["month"], {}, None),
    ("pliego x departamento_meta x month", ["pliego", "departamento_meta", "month"], {}, None),
    ("funcion x fuente x generica", ["funcion", "fuente_financiamiento", "generica"], {}, None),
    (
        "departamento x provincia x distrito of the ejecutora",
        ["departamento_ejecutora", "provincia_ejecutora", "distrito_ejecutora"], {}, None,
    ),
    (
        "ejecutora x programa_ppto x producto_proyecto x month | pliego = 001",
        ["ejecutora", "programa_ppto", "producto_proyecto", "month"], {"pliego": "001"}, None,
    ),
    ("generica | nivel_gobierno = M", ["generica"], {"nivel_gobierno": "M"}, None),
    (
        "distrito_ejecutora x month | departamento_ejecutora = 15",
        ["distrito_ejecutora", "month"], {"departamento_ejecutora": "15"}, None,
    ),
    ("pliego x funcion x generica | months 1-6", ["pliego", "funcion", "generica"], {}, [1, 2, 3, 4, 5, 6]),
    (
        "programa_ppto x departamento_meta x fuente x categoria_gasto | 3 departments",
        ["programa_ppto", "departamento_meta", "fuente_financiamiento", "categoria_gasto"],
        {"departamento_meta": ["01", "08", "15"]}, None,
    ),
]  # fmt: skip


def write_template(out: Path, units: int, seed: int) -> None:
    """Write a SIAF-layout template: the sample's rows spread over ``units`` invented units in real districts."""
    rng = random.Random(seed)
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    with UBIGEO.open(encoding="utf-8-sig", newline="") as handle:
        districts = [r for r in csv.DictReader(handle, delimiter=";") if len(r["ubigeo"]) == 6]
    col = {name: header.index(name) for name in header}
    pliegos = [(f"{n:03d}", f"PLIEGO {n:03d}") for n in range(1, 200)]
    with out.open("w", encoding="utf-8", newline="") as sink:
        writer = csv.writer(sink, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(header)
        for unit in range(units):
            district = rng.choice(districts)
            level = rng.choices(["E", "R", "M"], weights=[2, 1, 7])[0]
            sector, pliego = ("", ("", "")) if level == "M" else (f"{rng.randint(1, 40):02d}", rng.choice(pliegos))
            spend_in = district if level != "E" or rng.random() < 0.5 else rng.choice(districts)
            for row in rng.sample(rows, 8):
                row = list(row)
                row[col["NIVEL_GOBIERNO"]] = level
                row[col["NIVEL_GOBIERNO_NOMBRE"]] = {"E": "GOBIERNO NACIONAL", "R": "GOBIERNOS REGIONALES"}.get(
                    level, "GOBIERNOS LOCALES"
                )
                row[col["SECTOR"]], row[col["PLIEGO"]], row[col["PLIEGO_NOMBRE"]] = sector, pliego[0], pliego[1]
                row[col["SECTOR_NOMBRE"]] = f"SECTOR {sector}" if sector else ""
                row[col["SEC_EJEC"]] = str(300000 + unit)
                row[col["EJECUTORA_NOMBRE"]] = f"UNIDAD EJECUTORA {300000 + unit}"
                ubigeo = district["ubigeo"]
                for part, start, name in (("DEPARTAMENTO", 0, "departamento"), ("PROVINCIA", 2, "provincia"),
                                          ("DISTRITO", 4, "distrito")):  # fmt: skip
                    row[col[f"{part}_EJECUTORA"]] = ubigeo[start : start + 2]
                    row[col[f"{part}_EJECUTORA_NOMBRE"]] = district[name].upper()
                row[col["DEPARTAMENTO_META"]] = spend_in["ubigeo"][:2]
                row[col["DEPARTAMENTO_META_NOMBRE"]] = spend_in["departamento"].upper()
                writer.writerow(row)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def _time_cuts(
    con: Any, repeats: int, table: str, cuts: int | None = None, warm_up: bool = True
) -> dict[str, list[float]]:
    from pipeline.crosscut import execution_by

    timings: dict[str, list[float]] = {}
    for label, dims, filters, months in CROSS_CUTS[:cuts]:
        if warm_up:  # not counted
            execution_by(con, dims, filters, years=YEAR, months=months, table=table)
        runs = []
        for _ in range(repeats):
            started = time.perf_counter()
            result = execution_by(con, dims, filters, years=YEAR, months=months, table=table)
            runs.append(time.perf_counter() - started)
        timings[f"{label} ({len(result.rows):,} rows)"] = runs
    return timings


def _print_table(title: str, timings: dict[str, list[float]]) -> None:
    print(f"\n{title}\n\n| cross-cut (result rows) | p50 ms | p95 ms |\n|---|---:|---:|")
    for label, runs in timings.items():
        print(f"| {label} | {1000 * statistics.median(runs):.0f} | {1000 * _percentile(runs, 0.95):.0f} |")
    every = [run for runs in timings.values() for run in runs]
    print(
        f"| **all {len(every)} runs** | {1000 * statistics.median(every):.0f} | {1000 * _percentile(every, 0.95):.0f} |"
    )


def _machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError, StopIteration), open("/proc/cpuinfo", encoding="utf-8") as info:
        cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    import duckdb

    python, version = platform.python_version(), duckdb.__version__
    return f"{os.cpu_count()} cores ({cpu}), {memory:.1f} GiB RAM, Python {python}, DuckDB {version}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, required=True, help="scratch folder (file, warehouse)")
    parser.add_argument(
        "--rows", type=int, default=2_800_000, help="rows to generate, at least (default 2.8 M; ~0.5 %% more)"
    )
    parser.add_argument("--repeats", type=int, default=20, help="timed runs per cross-cut (default 20)")
    parser.add_argument("--view-cuts", type=int, default=2, help="cross-cuts also timed once on a view (0: none)")
    parser.add_argument("--reuse", action="store_true", help="reuse the built warehouse in --workdir")
    parser.add_argument("--seed", type=int, default=20261128)
    args = parser.parse_args(argv)

    import duckdb

    from ingest.load import load
    from pipeline.transform import dbt_build

    work = args.workdir.resolve()
    warehouse = work / "warehouse"
    database = warehouse / "monitoring.duckdb"
    os.environ["WAREHOUSE_DIR"] = str(warehouse)
    print(f"machine: {_machine()}; load average before: {os.getloadavg()[0]:.1f}", flush=True)
    if not (args.reuse and database.exists()):
        work.mkdir(parents=True, exist_ok=True)
        template, data = work / "template.csv", work / f"siaf-{YEAR}-{args.rows}.csv"
        write_template(template, units=1_500, seed=args.seed)
        generator = [sys.executable, str(ROOT / "benchmarks" / "generate_siaf.py"), "--template", str(template),
                     "--year", str(YEAR), "--seed", str(args.seed)]  # fmt: skip
        started = time.perf_counter()
        # generate_siaf.py takes a size: measure its bytes per row on a small file first, then ask for 0.5 % more
        probe = work / "probe.csv"
        subprocess.run([*generator, "--out", str(probe), "--size-mb", "20"], check=True, capture_output=True)
        with probe.open(encoding="utf-8") as handle:
            row_bytes = probe.stat().st_size / (sum(1 for _ in handle) - 1)
        probe.unlink()
        size_mb = args.rows * row_bytes * 1.005 / 1024**2
        subprocess.run([*generator, "--out", str(data), "--size-mb", f"{size_mb:.3f}"], check=True)
        print(f"generated in {time.perf_counter() - started:.1f} s")
        if warehouse.exists():
            subprocess.run(["rm", "-rf", str(warehouse)], check=True)
        warehouse.mkdir(parents=True)
        started = time.perf_counter()
        load("ubigeo-inei", str(UBIGEO))
        loaded = load("siaf-gasto", str(data))
        print(f"loaded {loaded.rows_loaded:,} rows in {time.perf_counter() - started:.1f} s")
        data.unlink()
        started = time.perf_counter()
        dbt_build(warehouse, select="+fct_budget_execution_wide +fct_execution_yoy")
        print(f"dbt build +fct_budget_execution_wide +fct_execution_yoy: {time.perf_counter() - started:.1f} s")

    con = duckdb.connect(str(database), read_only=True)
    try:
        lines, rows = con.execute(
            "select count(*), sum(source_row_count) from marts.fct_budget_execution_wide"
        ).fetchone()
        print(f"marts.fct_budget_execution_wide: {lines:,} rows from {rows:,} source rows")
        _print_table(
            f"table marts.fct_budget_execution_wide, {args.repeats} runs each",
            _time_cuts(con, args.repeats, "marts.fct_budget_execution_wide"),
        )
    finally:
        con.close()
    if args.view_cuts:
        compiled = next((warehouse / "dbt" / "target" / "compiled").rglob("fct_budget_execution_wide.sql")).read_text()
        con = duckdb.connect(str(database))
        try:
            con.execute(f"create or replace temp view wide_view as {compiled}")
            _print_table("the same SQL as a view, 1 run each", _time_cuts(con, 1, "wide_view", args.view_cuts, False))
        finally:
            con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
