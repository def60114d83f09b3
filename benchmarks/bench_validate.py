"""Time the raw SIAF suite run as SQL inside DuckDB (the gate) next to the same suite through pandas.

A SIAF-layout file of ``--rows`` rows is generated and loaded with the project's loader, then, each in its own
process so that peak memory is its own:

- ``sql``: ``expectations.validate.run_gate(warehouse, ["raw_siaf_gasto"])``: GX's SQL datasource on DuckDB;
- ``pandas``: ``raw.siaf_gasto`` fetched into a DataFrame, and the same committed suite validated on it with GX's
  pandas datasource (the way a project without the DuckDB fix would have to do it).

    python benchmarks/bench_validate.py --rows 2000000 --workdir /tmp/validate-bench
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
BYTES_PER_ROW = 948  # generated SIAF rows average ~948 bytes (measured on generate_siaf.py output)

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
mode, warehouse = sys.argv[1], Path(sys.argv[2])
started = time.perf_counter()
if mode == "sql":
    from expectations.validate import run_gate
    result = run_gate(warehouse, ["raw_siaf_gasto"])
    outcomes = [o for s in result.suites for o in s.outcomes]
    failed = sum(1 for o in outcomes if not o.success)
    checked = len(outcomes)
else:
    import duckdb
    import great_expectations as gx
    from great_expectations.core.expectation_suite import ExpectationSuite
    suite_file = Path(sys.argv[3])
    con = duckdb.connect(str(warehouse / "monitoring.duckdb"), read_only=True)
    frame = con.execute("select * from raw.siaf_gasto").df()
    con.close()
    fetched = time.perf_counter() - started
    context = gx.get_context(mode="ephemeral")
    spec = json.loads(suite_file.read_text())
    suite = context.suites.add(ExpectationSuite(name=spec["name"], expectations=spec["expectations"]))
    batch = (context.data_sources.add_pandas("pandas").add_dataframe_asset("siaf")
             .add_batch_definition_whole_dataframe("all").get_batch(batch_parameters={"dataframe": frame}))
    validation = batch.validate(suite, result_format={"result_format": "SUMMARY", "partial_unexpected_count": 20})
    checked = len(validation.results)
    failed = sum(1 for r in validation.results if not r.success)
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_rss_mb": peak, "expectations": checked, "failed": failed}))
"""


def _child(args: list[str]) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *args], capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"{args[0]} run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="validate-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT / "benchmarks"))
    sys.path.insert(0, str(ROOT))
    from generate_siaf import DEFAULT_TEMPLATE, generate

    from ingest.load import load

    csv_path = workdir / f"siaf-{args.rows}.csv"
    warehouse = workdir / "warehouse"
    if not (warehouse / "monitoring.duckdb").exists():
        rows = generate(csv_path, args.rows * BYTES_PER_ROW, DEFAULT_TEMPLATE, 2026, 7)
        print(f"generated {rows:,} rows ({csv_path.stat().st_size / 1024**3:.2f} GiB)", file=sys.stderr)
        load("siaf-gasto", str(csv_path), warehouse=warehouse)
    suite = ROOT / "expectations" / "gx" / "expectations" / "raw_siaf_gasto.json"
    sql = _child(["sql", str(warehouse)])
    pandas = _child(["pandas", str(warehouse), str(suite)])
    print("| contender | expectations | failed | time | peak RSS |")
    print("|---|---|---|---|---|")
    for name, outcome in (("SQL inside DuckDB (gate)", sql), ("pandas DataFrame", pandas)):
        print(
            f"| {name} | {outcome['expectations']} | {outcome['failed']} | {outcome['seconds']:.1f} s "
            f"| {outcome['peak_rss_mb']:,.0f} MB |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
