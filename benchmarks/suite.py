"""The benchmark suite: every stage of a daily run at 1x, 2x and 4x a base size, each in its own fresh process.

    python benchmarks/suite.py                      # make bench: base 1024 MiB (1, 2 and 4 GiB files)
    python benchmarks/suite.py --quick              # make bench-quick: 8 MiB at 1x and 2x, printed only (CI)
    python benchmarks/suite.py --national           # also a generated national year (10 GiB) end to end
    python benchmarks/suite.py --base-mb 256 --workdir /tmp/peru-bench --keep

For each size a SIAF gasto file is generated once (``generate_siaf.py``; cached in ``<workdir>/cache`` by size and
seed, written as ``*.part`` and renamed when complete, so an interrupted run reuses every finished file) and served
from a ``http.server`` on 127.0.0.1. Then, each in a fresh process so its peak RSS (``ru_maxrss``, including the
processes it waited for, e.g. dbt) is its own: download (``pipeline.tasks.fetch_source`` from the URL), the INEI
ubigeo reference load, a bare DuckDB ``read_csv`` of the landed file, the load (``load_source`` of the landed file),
dbt build, the quality gate, publish, the open-data export, the dashboard's execution-page queries (p50 / p95) on the
published file, and the no-op re-run: ``python -m pipeline run`` again on the same URL. Without ``--quick`` a full
``python -m pipeline run`` on a fresh warehouse is timed too, as the no-op share's denominator (``--no-pipeline-run``
leaves it out). The generator uses the whole real sample as template: its budget lines grow with the file (invented
executing units, documented in ``generate_siaf.py``), each line's execution stays within its PIM, so every generated
file passes the quality gate and the marts have about one ``fct_budget_execution`` row per file row, as a real year.

Prints the stage x size table, the targets (met / not met), the dominating stage and the machine; without
``--quick`` the same goes into ``docs/benchmarks.md`` between ``<!-- bench-suite:start -->`` and
``<!-- bench-suite:end -->`` (the rest of the file is kept). ``$WAREHOUSE_MEMORY_LIMIT`` and ``$WAREHOUSE_THREADS``
apply to the loader, the bare read and dbt, and are recorded.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.suite_report import (  # noqa: E402
    Measure,
    SizeRun,
    render_report,
    replace_section,
)

DOCS = ROOT / "docs" / "benchmarks.md"
RESULT_PREFIX = "BENCH-RESULT "
SEED = 20260516
YEAR = 2026
NATIONAL_MIB = 10 * 1024
GENERATOR = "lines1"  # in the cache names: files of the earlier generator (heavy tails, 30 rows) are not reused


class BenchError(RuntimeError):
    """A stage failed; the message names the stage, the size and the log with its output."""


# -- the stages, each run by a fresh child process ---------------------------------------------------------------------


def _stage(name: str, work: Path, url: str, changes: int) -> dict[str, Any]:
    """Run one stage against ``<work>/warehouse``; return what it reports (rows, p50, ...)."""
    warehouse = work / "warehouse"
    if name == "download":
        from pipeline.tasks import fetch_source

        landed = fetch_source("siaf-gasto", url, warehouse=warehouse)
        (work / "landed.json").write_text(json.dumps(landed))
        return {"bytes": landed["facts"]["size"] if landed["facts"] else None}
    if name == "reference":
        from pipeline.paths import ubigeo_reference_location
        from pipeline.tasks import load_source

        result = load_source("ubigeo-inei", ubigeo_reference_location(), warehouse=warehouse)
        return {"rows": result["rows_loaded"], "status": result["status"]}
    if name == "load":
        from pipeline.tasks import load_source

        landed = json.loads((work / "landed.json").read_text())
        result = load_source("siaf-gasto", landed=landed, warehouse=warehouse)
        return {"rows": result["rows_loaded"], "rejected": result["rows_rejected"], "status": result["status"]}
    if name == "bare":
        return _bare(Path(json.loads((work / "landed.json").read_text())["path"]), work / "bare.duckdb")
    if name == "dbt":
        from pipeline.tasks import build_marts

        return {"dbt_lines": build_marts(warehouse)}
    if name == "gate":
        from pipeline.tasks import run_quality_gate

        summary = run_quality_gate(warehouse)
        (work / "gate.json").write_text(json.dumps(summary, default=str))
        return {"passed": summary["passed"], "failed_warning": len(summary["failed_warning"])}  # type: ignore[arg-type]
    if name == "publish":
        from pipeline.tasks import publish_marts

        publication = publish_marts(json.loads((work / "gate.json").read_text()), warehouse)
        rows = publication["rows"]
        return {"tables": len(rows), "rows": sum(rows.values())}  # type: ignore[arg-type]
    if name == "export":
        from pipeline.export import export_release

        release = export_release(warehouse, work / "open-data")
        return {"marts": len(release.rows), "rows": sum(release.rows.values())}
    if name == "dashboard":
        from benchmarks.bench_dashboard import percentile, time_queries

        _year, rows, timings = time_queries(warehouse / "published.duckdb", changes, SEED)
        return {"p50": percentile(timings, 0.5), "p95": percentile(timings, 0.95), "n": len(timings), "rows": rows}
    if name in ("pipeline-run", "noop"):
        from pipeline.cli import main as pipeline_main

        status = pipeline_main(["run", "--load", f"siaf-gasto={url}"])
        if status != 0:
            raise RuntimeError(f"python -m pipeline run exited with {status}")
        return {}
    raise ValueError(f"unknown stage {name!r}")


def _bare(csv_path: Path, database: Path) -> dict[str, Any]:
    """Read ``csv_path`` with DuckDB alone, typed by the layout, into a fresh table (the load's yardstick)."""
    import duckdb

    from ingest.contracts import get_source
    from ingest.header import read_header
    from ingest.settings import memory_limit, threads

    layout = get_source("siaf-gasto").layouts[0]
    header = read_header(csv_path, ",", '"')
    types = ", ".join(f"'{name}': '{layout.column_for(name).type}'" for name in header)
    database.unlink(missing_ok=True)
    con = duckdb.connect(str(database))
    try:
        con.execute(f"set memory_limit = '{memory_limit()}'")
        if (count := threads()) is not None:
            con.execute(f"set threads = {count}")
        con.execute(f"set temp_directory = '{database.parent / 'bare-tmp'}'")
        con.execute(
            f"create table t as select * from read_csv('{csv_path}', columns = {{{types}}}, header = true, "
            "auto_detect = false, delim = ',', quote = '\"', escape = '\"')"
        )
        rows = con.execute("select count(*) from t").fetchone()[0]  # type: ignore[index]
    finally:
        con.close()
        database.unlink(missing_ok=True)
    return {"rows": rows}


def _child(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="suite.py _stage")
    parser.add_argument("name")
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--changes", type=int, default=20)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    extra = _stage(args.name, args.work, args.url, args.changes)
    seconds = time.perf_counter() - started
    peak_kib = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    )
    print(RESULT_PREFIX + json.dumps({"seconds": seconds, "peak_mib": peak_kib / 1024, "extra": extra}, default=str))
    return 0


# -- the parent: files, the loopback server, the children, the report ------------------------------------------------


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (a free port) in a thread; yield its base URL; stop it on the way out."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(directory)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="bench-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def cached_name(cache: Path, mib: int) -> Path:
    """Return where the generated file of ``mib`` MiB is cached (named by size, generator version and seed)."""
    return cache / f"{YEAR}-Gasto-Diario-{mib}mib-{GENERATOR}-seed{SEED}.csv"


def cached_file(cache: Path, mib: int) -> Path:
    """Return the generated SIAF file of ``mib`` MiB in ``cache``, generating it first when it is not there."""
    target = cached_name(cache, mib)
    if target.is_file():
        return target
    from benchmarks.generate_siaf import DEFAULT_TEMPLATE, generate

    cache.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    _progress(f"generating {target.name} ({mib:,} MiB)")
    started = time.perf_counter()
    rows = generate(part, mib * 1024 * 1024, DEFAULT_TEMPLATE, YEAR, SEED)
    os.replace(part, target)
    _progress(f"generated {rows:,} rows in {time.perf_counter() - started:.0f} s")
    return target


def disk_problem(workdir: Path, sizes_mib: list[int]) -> str | None:
    """Return why ``workdir`` lacks room for the run, or None: the files not cached yet, plus the largest one three
    times over (its landed copy, the warehouse and the bare read's database hold about that much at once)."""
    cache = workdir / "cache"
    missing = sum(m for m in set(sizes_mib) if not cached_name(cache, m).exists())
    needed = (missing + 3 * max(sizes_mib, default=0)) * 1024**2
    probe = workdir
    while not probe.exists():
        probe = probe.parent
    free = shutil.disk_usage(probe).free
    if free < needed:
        return (
            f"{probe} has {free / 1024**3:,.1f} GiB free; this run needs about {needed / 1024**3:,.1f} GiB (--workdir)"
        )
    return None


_STARTED = time.perf_counter()


def _progress(message: str) -> None:
    print(f"[{time.perf_counter() - _STARTED:7.1f} s] {message}", file=sys.stderr, flush=True)


def child_env(warehouse: Path) -> dict[str, str]:
    """Return the children's environment: this one without any ``*_LOCATION`` (only the benchmark's file and the
    shipped reference are loaded), the warehouse, the repository on the path and no proxy for 127.0.0.1."""
    env = {key: value for key, value in os.environ.items() if not key.endswith("_LOCATION")}
    env.update(
        WAREHOUSE_DIR=str(warehouse),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
    )
    return env


def run_stage(name: str, label: str, work: Path, url: str, logs: Path, changes: int) -> Measure:
    """Run stage ``name`` in a fresh process; return its measure. Raises :class:`BenchError` when it fails."""
    logs.mkdir(parents=True, exist_ok=True)
    log_path = logs / f"{label.replace(' ', '-')}-{name}.log"
    _progress(f"{label}: {name} …")
    command = [sys.executable, str(Path(__file__).resolve()), "_stage", name, "--work", str(work), "--url", url]
    with log_path.open("w") as log:
        done = subprocess.run(
            [*command, "--changes", str(changes)],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            env=child_env(work / "warehouse"),
            check=False,
        )
        log.write(done.stdout)
    results = [line for line in done.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if done.returncode != 0 or not results:
        # DuckDB's bindings print "nanobind: leaked …" lines at exit (see STACK-NOTES): not the error
        lines = [line for line in log_path.read_text(errors="replace").splitlines() if "leaked" not in line]
        tail = "\n".join(line for line in lines if "nanobind" not in line and "refleaks" not in line)
        tail = "\n".join(tail.splitlines()[-15:])
        raise BenchError(f"stage {name} at {label} failed (exit {done.returncode}); log {log_path}:\n{tail}")
    result = json.loads(results[-1][len(RESULT_PREFIX) :])
    measure = Measure(float(result["seconds"]), float(result["peak_mib"]), result["extra"])
    _progress(f"{label}: {name} {measure.seconds:,.1f} s, peak {measure.peak_mib:,.0f} MiB {measure.extra or ''}")
    return measure


def bench_size(
    label: str,
    multiplier: float,
    csv_path: Path,
    url: str,
    workdir: Path,
    *,
    pipeline_run: bool,
    keep: bool,
    changes: int,
) -> SizeRun:
    """Run every stage on one generated file; return the figures."""
    work = workdir / "runs" / label.replace(" ", "-")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    logs = workdir / "logs"
    run = SizeRun(label, multiplier, csv_path.stat().st_size / 1024**2, 0)
    for name in ("download", "reference", "bare", "load", "dbt", "gate", "publish", "export", "dashboard", "noop"):
        run.stages[name] = run_stage(name, label, work, url, logs, changes)
    run.rows = int(run.stages["load"].extra["rows"])
    if run.stages["bare"].extra["rows"] != run.rows:
        raise BenchError(f"{label}: the load has {run.rows:,} rows, bare read_csv {run.stages['bare'].extra['rows']:,}")
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    if pipeline_run:
        fresh = work.with_name(work.name + "-pipeline-run")
        shutil.rmtree(fresh, ignore_errors=True)
        fresh.mkdir(parents=True)
        run.stages["pipeline-run"] = run_stage("pipeline-run", label, fresh, url, logs, changes)
        if not keep:
            shutil.rmtree(fresh, ignore_errors=True)
    return run


def machine() -> dict[str, str]:
    """Return the machine and versions the report names."""
    import duckdb

    from ingest.settings import memory_limit, threads

    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), platform.processor())
    meminfo = Path("/proc/meminfo").read_text().splitlines() if Path("/proc/meminfo").exists() else []
    memory_kib = next((int(line.split()[1]) for line in meminfo if line.startswith("MemTotal")), 0)
    load = os.getloadavg()
    count = threads()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores ({cpu}), {memory_kib / 1024**2:.1f} GiB RAM",
        "duckdb": duckdb.__version__,
        "python": platform.python_version(),
        "settings": f"`WAREHOUSE_MEMORY_LIMIT` = {memory_limit()}, `WAREHOUSE_THREADS` = "
        + (str(count) if count is not None else f"unset (DuckDB's own: {os.cpu_count()})"),
        "load": " ".join(f"{value:.1f}" for value in load),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-mb", type=int, default=None, help="size of the 1x file in MiB (default 1024; quick 8)")
    parser.add_argument(
        "--multipliers",
        type=int,
        nargs="*",
        default=None,
        help="sizes as multiples of the base (default 1 2 4; quick 1 2)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="CI-sized: base 8 MiB at 1x and 2x, no separate pipeline run, no docs"
    )
    parser.add_argument("--national", action="store_true", help=f"also a generated national year ({NATIONAL_MIB} MiB)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/peru-bench"), help="cache and runs (not the repo)")
    parser.add_argument("--keep", action="store_true", help="keep each run's warehouse under <workdir>/runs")
    parser.add_argument(
        "--changes", type=int, default=None, help="dashboard filter choices timed (default 20; quick 5)"
    )
    parser.add_argument(
        "--pipeline-run",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="time a full `python -m pipeline run` on a fresh warehouse per size (default: on, off with --quick)",
    )
    parser.add_argument(
        "--write-docs",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="replace the suite's section of docs/benchmarks.md (default: on, off with --quick)",
    )
    args = parser.parse_args(argv)
    base = args.base_mb or (8 if args.quick else 1024)
    changes = args.changes or (5 if args.quick else 20)
    multipliers = args.multipliers if args.multipliers is not None else ([1, 2] if args.quick else [1, 2, 4])
    pipeline_run = args.pipeline_run if args.pipeline_run is not None else not args.quick
    write_docs = args.write_docs if args.write_docs is not None else not args.quick
    workdir = args.workdir.expanduser().resolve()
    if workdir == ROOT or ROOT in workdir.parents:
        parser.error(f"--workdir {workdir} is inside the repository; use a folder outside it (default /tmp/peru-bench)")
    if base < 1 or any(m < 1 for m in multipliers):
        parser.error("--base-mb and --multipliers must be positive")
    if not multipliers and not args.national:
        parser.error("nothing to run: give --multipliers or --national")
    # SIGTERM (a CI timeout, kill) unwinds like Ctrl-C: the server stops and the running child is killed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    cache = workdir / "cache"
    if problem := disk_problem(workdir, [base * m for m in multipliers] + ([NATIONAL_MIB] if args.national else [])):
        print(f"error: {problem}", file=sys.stderr)
        return 1
    command = "python benchmarks/suite.py " + " ".join(argv if argv is not None else sys.argv[1:])
    info = machine()
    _progress(f"workdir {workdir}; {info['machine']}; {info['settings']}")
    runs: list[SizeRun] = []
    national: SizeRun | None = None
    try:
        files = {m: cached_file(cache, base * m) for m in sorted(set(multipliers))}
        national_file = cached_file(cache, NATIONAL_MIB) if args.national else None
        with serve(cache) as server:
            for multiplier, path in files.items():
                runs.append(
                    bench_size(
                        f"{multiplier}x", multiplier, path, f"{server}/{path.name}", workdir,
                        pipeline_run=pipeline_run, keep=args.keep, changes=changes,
                    )
                )  # fmt: skip
            if national_file is not None:
                national = bench_size(
                    "national year", NATIONAL_MIB / base, national_file, f"{server}/{national_file.name}", workdir,
                    pipeline_run=False, keep=args.keep, changes=changes,
                )  # fmt: skip
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    report = render_report(runs, national, info, command.strip())
    print(report)
    if write_docs:
        DOCS.write_text(replace_section(DOCS.read_text(encoding="utf-8"), report), encoding="utf-8")
        _progress(f"wrote the suite's section of {DOCS}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_stage":
        sys.exit(_child(sys.argv[2:]))
    sys.exit(main())
