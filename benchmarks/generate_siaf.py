"""Generate a SIAF gasto CSV of any size in the real published layout.

The rows are built from the real sample in ``../shared/realdata`` (or any SIAF file given with ``--template``):
every code and name comes from a real row, so codes keep their zero padding and the header is MEF's own.
Months, amounts and the executing unit vary per row; about one row in twelve is a PIA/PIM row (month 0 in the
older layout, PIA/PIM only, execution amounts zero) as in the full national files. Amounts have 0 to 2 decimals and
some are negative (reversals).

    python benchmarks/generate_siaf.py --size-mb 1024 --out /tmp/siaf-1g.csv
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ingest.contracts import get_source

AMOUNT_COLUMNS = tuple(f.header for f in get_source("siaf-gasto").fields if f.sql_type.startswith("DECIMAL"))

DEFAULT_TEMPLATE = (
    Path(__file__).resolve().parents[2] / "shared" / "realdata" / "siaf_gasto" / "mef-2026-gasto-diario.head.csv"
)


def _quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _amount(rng: random.Random, scale: float) -> str:
    value = rng.lognormvariate(8, 2) * scale
    if rng.random() < 0.05:
        value = -value
    decimals = rng.choice((0, 1, 2))
    text = f"{value:.{decimals}f}"
    return "0" if text in ("0", "-0", "0.0", "-0.0", "0.00", "-0.00") else text


def generate(out: Path, size_bytes: int, template: Path, year: int, seed: int) -> int:
    """Write rows until the file reaches ``size_bytes``; return the number of data rows written."""
    rng = random.Random(seed)
    with template.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        templates = list(reader)
    positions = [header.index(name) for name in AMOUNT_COLUMNS]
    year_pos, month_pos = header.index("ANO_EJE"), header.index("MES_EJE")
    sec_ejec_pos = header.index("SEC_EJEC")
    sec_ejecs = sorted({row[sec_ejec_pos] for row in templates})
    rows = 0
    written = 0
    with out.open("w", encoding="utf-8", newline="") as sink:
        line = ",".join(_quote(name) for name in header) + "\r\n"
        sink.write(line)
        written += len(line.encode())
        buffer: list[str] = []
        while written < size_bytes:
            row = list(rng.choice(templates))
            row[year_pos] = str(year)
            row[sec_ejec_pos] = rng.choice(sec_ejecs)
            budget_row = rng.random() < 1 / 12
            row[month_pos] = "0" if budget_row else str(rng.randint(1, 12))
            for name, pos in zip(AMOUNT_COLUMNS, positions, strict=True):
                if budget_row:
                    row[pos] = _amount(rng, 20) if name in ("MONTO_PIA", "MONTO_PIM") else "0"
                else:
                    row[pos] = "0" if name in ("MONTO_PIA", "MONTO_PIM") else _amount(rng, 1)
            line = ",".join(_quote(value) for value in row) + "\r\n"
            buffer.append(line)
            written += len(line.encode())
            rows += 1
            if len(buffer) >= 10_000:
                sink.write("".join(buffer))
                buffer.clear()
        sink.write("".join(buffer))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="CSV file to write")
    parser.add_argument("--size-mb", type=float, default=100, help="target size in MiB (default 100)")
    parser.add_argument("--template", type=Path, default=DEFAULT_TEMPLATE, help="real SIAF gasto CSV to draw rows from")
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--seed", type=int, default=20260516)
    args = parser.parse_args(argv)
    rows = generate(args.out, int(args.size_mb * 1024 * 1024), args.template, args.year, args.seed)
    print(f"wrote {rows:,} rows, {args.out.stat().st_size / 1024**2:,.1f} MiB to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
