"""Re-render benchmark of the dashboard's execution page after a filter change, on a generated full-year warehouse.

    python benchmarks/bench_dashboard.py --build --size-mb 2500   # generate a SIAF file (~2.8 M rows) and publish it
    python benchmarks/bench_dashboard.py                          # time it again on the warehouse already built

``--build`` writes ``<warehouse>/<year>-Gasto-Diario.csv`` with benchmarks/generate_siaf.py, loads it with the real
loader, builds the budget marts the page reads (dbt, models and snapshots), runs the quality gate on the budget suite
and publishes. Then:

1. queries: the four queries the execution page runs for one choice of filters (``dashboard.queries.execution_page``:
   total, by the next place level, month by month, the files behind it) through the app's own read-only connection
   (``dashboard.data.Published``), for ``--changes`` random filter choices drawn from the published codes; no
   Streamlit cache (every choice is new, as after a filter change);
2. browser: the dashboard served on 127.0.0.1 and driven by chromium: pick another function in the sidebar and wait
   until the page is drawn again (script done, no skeleton left), ``--changes`` times.

Prints p50 / p95 / max of each and the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BUDGET_MARTS = ["+fct_budget_execution_wide", "+fct_budget_pim_monthly", "+fct_execution_yoy"]


def machine() -> str:
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in lines if "model name" in line), platform.processor())
    memory = next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in line)
    load = os.getloadavg()
    return (
        f"{os.cpu_count()} CPU ({cpu}), {int(memory) / 1024**2:.1f} GiB RAM, Python {platform.python_version()}, "
        f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )


def build(warehouse: Path, size_mb: int, year: int) -> None:
    from ingest.load import load
    from pipeline.paths import dbt_project_dir
    from pipeline.tasks import publish_marts, run_quality_gate
    from pipeline.transform import dbt_executable

    warehouse.mkdir(parents=True, exist_ok=True)
    os.environ["WAREHOUSE_DIR"] = str(warehouse)
    siaf = warehouse / f"{year}-Gasto-Diario.csv"
    started = time.perf_counter()
    if not siaf.is_file():
        subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "generate_siaf.py"), "--size-mb", str(size_mb), "--year",
             str(year), "--out", str(siaf)],
            check=True,
        )  # fmt: skip
    print(f"generated {siaf} ({siaf.stat().st_size / 1024**2:,.0f} MiB) in {time.perf_counter() - started:.0f} s")
    step = time.perf_counter()
    load("ubigeo-inei", str(ROOT / "reference" / "ubigeo" / "ubigeo-inei-2025.csv"), warehouse=warehouse)
    result = load("siaf-gasto", str(siaf), warehouse=warehouse)
    print(f"loaded: {result}"[:300] + f" in {time.perf_counter() - step:.0f} s")
    step = time.perf_counter()
    project = str(dbt_project_dir())
    subprocess.run(
        [dbt_executable(), "--no-use-colors", "build", "--resource-type", "model", "--resource-type", "snapshot",
         "--project-dir", project, "--profiles-dir", project, "--target-path", str(warehouse / "dbt" / "target"),
         "--log-path", str(warehouse / "dbt" / "logs"), "--select", *BUDGET_MARTS],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    print(f"dbt (budget marts) in {time.perf_counter() - step:.0f} s")
    step = time.perf_counter()
    gate = run_quality_gate(warehouse, suites=["marts_budget_execution"])
    publish_marts(gate, warehouse)
    print(f"gate and publish in {time.perf_counter() - step:.0f} s")


def scale(warehouse: Path, copies: int) -> None:
    """Make the published budget marts as large as a real year's: ``copies`` copies of every row, each copy moved to
    another executing unit and place (codes drawn by hash from the real code lists), in place of the published file.

    The generator draws every classification from the 127 rows of the real sample, so 2.8 M generated rows collapse
    onto ~11,600 budget lines; MEF's real 2.8 M rows are nearly all distinct lines. Amounts, months, PIM rows and the
    lineage columns are kept; ``budget_execution_key`` gets the copy number so keys stay unique.
    """
    import duckdb

    path = warehouse / "published.duckdb"
    staging = warehouse / ".published.scaled.tmp"
    staging.unlink(missing_ok=True)
    os.replace(path, staging)
    con = duckdb.connect(str(staging))
    try:
        moved = {
            "budget_execution_key": "budget_execution_key || '-' || copy",
            "sec_ejec": "lpad(cast(300000 + hash(sec_ejec, copy) % 2500 as varchar), 6, '0')",
            "departamento_ejecutora": "lpad(cast(1 + hash(copy, 'd') % 25 as varchar), 2, '0')",
            "provincia_ejecutora": "lpad(cast(1 + hash(copy, 'p') % 12 as varchar), 2, '0')",
            "distrito_ejecutora": "lpad(cast(1 + hash(copy, 'x') % 20 as varchar), 2, '0')",
        }
        for name in ("fct_budget_execution_wide", "fct_budget_execution"):
            columns = {r[0] for r in con.execute(f"describe marts.{name}").fetchall()}
            replace = ", ".join(f"{expr} as {col}" for col, expr in moved.items() if col in columns)
            con.execute(
                f"create table marts.{name}_scaled as select * exclude (copy) replace ({replace})"
                f" from marts.{name}, range({copies}) as copies(copy)"
            )
            con.execute(f"drop table marts.{name}")
            con.execute(f"alter table marts.{name}_scaled rename to {name}")
        con.execute("checkpoint")
    finally:
        con.close()
    os.replace(staging, path)


def percentile(seconds: list[float], share: float) -> float:
    """Return the nearest-rank percentile ``share`` (0.5, 0.95) of ``seconds``; the median for 0.5."""
    ordered = sorted(seconds)
    if share == 0.5:
        return statistics.median(ordered)
    return ordered[max(0, round(share * len(ordered)) - 1)]


def percentiles(label: str, seconds: list[float]) -> None:
    print(
        f"{label}: n={len(seconds)} p50={percentile(seconds, 0.5) * 1000:.0f} ms"
        f" p95={percentile(seconds, 0.95) * 1000:.0f} ms max={max(seconds) * 1000:.0f} ms"
    )


def time_queries(published_db: Path, changes: int, seed: int) -> tuple[int, int, list[float]]:
    """Time the execution page's queries for ``changes`` random filter choices on ``published_db``.

    Returns the published year, the rows of ``fct_budget_execution_wide`` and one duration per choice (seconds; a
    first, untimed choice warms DuckDB's buffer pool, as the page's first load does).
    """
    from dashboard.data import Published
    from dashboard.queries import FILTERS, execution_page, group_for

    published = Published(published_db)
    try:
        with published.cursor() as con:
            year, rows = con.execute("select max(year), count(*) from marts.fct_budget_execution_wide").fetchone()  # type: ignore[misc]
            codes = {
                name: [
                    r[0] for r in con.execute(f"select distinct {name} from marts.fct_budget_execution_wide").fetchall()
                ]
                for name in ("departamento_ejecutora", *FILTERS)
            }
        rng = random.Random(seed)
        timings = []
        for number in range(changes + 1):
            filters = {}
            for name in rng.sample(["departamento_ejecutora", *FILTERS], k=rng.randint(0, 2)):
                filters[name] = rng.choice(codes[name])
            months = list(range(1, rng.randint(1, 12) + 1))
            started = time.perf_counter()
            with published.cursor() as con:
                execution_page(con, filters, int(year), months, group_for(filters))
            if number:
                timings.append(time.perf_counter() - started)
    finally:
        published.close()
    return int(year), int(rows), timings


def bench_queries(warehouse: Path, changes: int, seed: int) -> None:
    year, rows, timings = time_queries(warehouse / "published.duckdb", changes, seed)
    print(f"published fct_budget_execution_wide: {rows:,} rows, year {year}")
    percentiles("execution page queries after a filter change", timings)


def bench_browser(warehouse: Path, changes: int) -> None:
    from playwright.sync_api import sync_playwright

    from dashboard.server import CHROMIUM, arm, serve, settle

    with serve(warehouse, timeout=120) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(server.url)
        settle(page, 120_000)
        box = page.locator("[data-testid=stSelectbox]").filter(has_text="Función").first

        def open_list(text: str) -> None:
            for attempt in range(3):  # a click landing while the page settles can leave the list closed
                box.locator("input").click()
                if text:
                    box.locator("input").fill(text)
                try:
                    page.get_by_role("option").first.wait_for(timeout=10_000)
                    return
                except Exception:
                    if attempt == 2:
                        raise

        open_list("")
        labels = [text for text in page.get_by_role("option").all_inner_texts() if text != "Todos"]
        page.keyboard.press("Escape")
        timings = []
        for number in range(changes):
            label = labels[number % len(labels)]
            open_list(label)
            arm(page)
            started = time.perf_counter()
            page.get_by_role("option", name=label, exact=True).click()
            settle(page, 120_000)
            timings.append(time.perf_counter() - started)
        browser.close()
    percentiles(f"execution page re-render in chromium after picking a function ({len(labels)} functions)", timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=Path("/tmp/bench-dashboard"))
    parser.add_argument("--build", action="store_true", help="generate the SIAF file and publish it first")
    parser.add_argument("--size-mb", type=int, default=2500, help="SIAF file size (2500 MiB is ~2.8 M rows)")
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument(
        "--scale", type=int, default=0, help="copies of each published budget line (240: ~2.8 M lines; see scale())"
    )
    args = parser.parse_args()
    print(f"machine: {machine()}")
    if args.build:
        build(args.warehouse, args.size_mb, args.year)
    if args.scale:
        started = time.perf_counter()
        scale(args.warehouse, args.scale)
        print(f"scaled the published budget marts x{args.scale} in {time.perf_counter() - started:.0f} s")
    bench_queries(args.warehouse, args.changes, args.seed)
    if not args.no_browser:
        bench_browser(args.warehouse, args.changes)


if __name__ == "__main__":
    main()
