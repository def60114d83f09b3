"""Time the project's InfObras load next to python-calamine alone reading the same sheet, on the same file, same run.

A ``DataSet-Obras-Publicas`` file of the real size (191,000 rows x 97 columns, ``generate_infobras.py``) is
generated once, then each contender runs in its own fresh process (and, for the load, a fresh warehouse) so that
peak memory (``ru_maxrss`` of that process) is its own:

- ``calamine``: ``CalamineWorkbook.from_path(file).get_sheet_by_index(0)`` and iterate every row (what any reader
  of this XLSX has to do; calamine holds the whole sheet in memory);
- ``project``: ``ingest.load.load("infobras-obras", file)``: hashing, header and layout check, the sheet streamed
  into a text stage in batches of 20,000 rows, the 47 declared columns parsed in DuckDB SQL (space-decimal money
  and percentages, three date forms, CUI padding) with rejects, lineage, reconciliation, load log and view swap.

    python benchmarks/bench_infobras.py --rows 191000 --workdir /tmp/infobras-bench

Prints one Markdown row per contender; ``docs/benchmarks.md`` keeps the figures measured here.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
mode, xlsx, work = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
started = time.perf_counter()
if mode == "calamine":
    from python_calamine import CalamineWorkbook
    sheet = CalamineWorkbook.from_path(str(xlsx)).get_sheet_by_index(0)
    rows = cells = 0
    for row in sheet.iter_rows():
        rows += 1
        cells += len(row)
    rows -= 4  # 3 title rows and the header
else:
    from ingest.load import load
    rows = load("infobras-obras", str(xlsx), warehouse=work / "warehouse").rows_loaded
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"rows": rows, "seconds": seconds, "peak_rss_mb": peak}}))
"""


def _run(mode: str, xlsx: Path, work: Path) -> dict[str, float]:
    work.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-c", CHILD.format(root=str(ROOT)), mode, str(xlsx), str(work)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=191_000, help="data rows (the real file: about 191,000)")
    parser.add_argument("--workdir", type=Path, default=None, help="where the file and databases go (default: tmp)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per contender (the best is reported)")
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="infobras-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate_infobras import COLUMNS, generate

    xlsx = workdir / f"DataSet-Obras-Publicas {args.rows}.xlsx"
    if not xlsx.exists():
        print(f"generating {xlsx} …", file=sys.stderr)
        generate(xlsx, args.rows)
    sheet_xml = zipfile.ZipFile(xlsx).getinfo("xl/worksheets/sheet1.xml").file_size
    results: dict[str, dict[str, float]] = {}
    for attempt in range(args.repeat):
        for mode in ("calamine", "project"):
            run_dir = workdir / f"{mode}-{attempt}"
            subprocess.run(["rm", "-rf", str(run_dir)], check=True)
            outcome = _run(mode, xlsx, run_dir)
            print(f"  {mode}: {outcome}", file=sys.stderr)
            if mode not in results or outcome["seconds"] < results[mode]["seconds"]:
                results[mode] = outcome
            subprocess.run(["rm", "-rf", str(run_dir)], check=True)
    calamine, project = results["calamine"], results["project"]
    assert calamine["rows"] == project["rows"] == args.rows, (calamine, project)
    print(
        f"input: {args.rows:,} rows x {COLUMNS} columns, {xlsx.stat().st_size / 1e6:.1f} MB XLSX "
        f"({sheet_xml / 1e6:.0f} MB of sheet XML)"
    )
    print("| contender | rows | time | peak RSS |")
    print("|---|---|---|---|")
    for name, label in (("calamine", "python-calamine alone, every row"), ("project", "project load")):
        r = results[name]
        print(f"| {label} | {int(r['rows']):,} | {r['seconds']:.1f} s | {r['peak_rss_mb']:,.0f} MB |")
    print(f"ratio project / calamine: {project['seconds'] / calamine['seconds']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
