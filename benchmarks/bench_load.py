"""Time the project's SIAF load next to a bare DuckDB ``read_csv`` with the same types, on the same file, same run.

For each size a SIAF-layout file is generated (``generate_siaf.py``), then each contender runs in its own fresh
process against a fresh database so that peak memory (``ru_maxrss`` of that process) is its own:

- ``bare``: ``create table t as select * from read_csv(file, columns = <the layout's types>, header = true, ...)``
- ``project``: ``ingest.load.load("siaf-gasto", file)``: hashing, header and layout check, typed read with
  rejects, lineage columns, reconciliation, load log and the view swap.

    python benchmarks/bench_load.py --sizes-mb 1024 4096 --workdir /tmp/siaf-bench

Prints one Markdown row per size and contender; ``docs/benchmarks.md`` keeps the figures measured here.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
mode, csv_path, work = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
started = time.perf_counter()
if mode == "bare":
    import duckdb
    from ingest.header import read_header
    from ingest.contracts import get_source
    layout = get_source("siaf-gasto").layouts[0]
    header = read_header(csv_path, ",", '"')
    types = ", ".join(f"'{{n}}': '{{layout.column_for(n).type}}'" for n in header)
    con = duckdb.connect(str(work / "bare.duckdb"))
    con.execute(f"create table t as select * from read_csv('{{csv_path}}', columns = {{{{{{types}}}}}}, header = true, "
                f"auto_detect = false, delim = ',', quote = '\"', escape = '\"')")
    rows = con.execute("select count(*) from t").fetchone()[0]
    con.close()
else:
    from ingest.load import load
    rows = load("siaf-gasto", str(csv_path), warehouse=work / "warehouse").rows_loaded
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"rows": rows, "seconds": seconds, "peak_rss_mb": peak}}))
"""


def _run(mode: str, csv_path: Path, work: Path) -> dict[str, float]:
    work.mkdir(parents=True, exist_ok=True)
    script = CHILD.format(root=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", script, mode, str(csv_path), str(work)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes-mb", type=float, nargs="+", default=[1024, 4096], help="file sizes in MiB")
    parser.add_argument("--workdir", type=Path, default=None, help="where files and databases go (default: a tmp dir)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per contender (the best is reported)")
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="siaf-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate_siaf import DEFAULT_TEMPLATE, generate

    print("| input | rows | bare DuckDB read_csv | project load | ratio | peak RSS bare | peak RSS project |")
    print("|---|---|---|---|---|---|---|")
    for size in args.sizes_mb:
        csv_path = workdir / f"siaf-{int(size)}mb.csv"
        if not csv_path.exists():
            print(f"generating {csv_path} …", file=sys.stderr)
            generate(csv_path, int(size * 1024 * 1024), DEFAULT_TEMPLATE, 2026, 20260516)
        results: dict[str, dict[str, float]] = {}
        for attempt in range(args.repeat):
            for mode in ("bare", "project"):
                run_dir = workdir / f"{mode}-{int(size)}-{attempt}"
                subprocess.run(["rm", "-rf", str(run_dir)], check=True)
                outcome = _run(mode, csv_path, run_dir)
                print(f"  {mode} {size:.0f} MiB: {outcome}", file=sys.stderr)
                if mode not in results or outcome["seconds"] < results[mode]["seconds"]:
                    results[mode] = outcome
                subprocess.run(["rm", "-rf", str(run_dir)], check=True)
        bare, project = results["bare"], results["project"]
        assert bare["rows"] == project["rows"], (bare, project)
        gib = csv_path.stat().st_size / 1024**3
        print(
            f"| {gib:.2f} GiB | {int(project['rows']):,} | {bare['seconds']:.1f} s | {project['seconds']:.1f} s "
            f"| {project['seconds'] / bare['seconds']:.2f}x | {bare['peak_rss_mb']:,.0f} MB "
            f"| {project['peak_rss_mb']:,.0f} MB |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
