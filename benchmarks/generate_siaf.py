"""Generate a SIAF gasto CSV of any size in the real published layout, shaped like a real year.

The rows are built from the real sample in ``../shared/realdata`` (or any SIAF file given with ``--template``):
every code and name comes from a real row, so codes keep their zero padding and the header is MEF's own.

A budget line is a distinct template row (all its codes, without year, month and amounts) run by one executing unit.
Line ``n`` uses template row ``n mod T`` (the rows in a seeded order, so a small file still mixes rows) and unit
``n div T``: unit 0 is the row's real SEC_EJEC; unit ``k`` >= 1 is an **invented** SEC_EJEC,
``base + (k - 1) * S + j`` for the row's real code, the ``j``-th of the template's ``S`` codes (``base`` is
``INVENTED_SEC_EJEC_BASE``, or above the template's largest real code if that is larger).
An invented unit keeps every other attribute of its real unit (sector, pliego, ejecutora, ubigeo, names), so
``dim_entity`` stays coherent. The number of lines therefore grows with the file: nearly every row is a distinct
line x month, as in MEF's daily files.

Each line has a month-0 row (the older layout) with its PIA and PIM (PIM > 0; PIA 50-100 % of it, 0 for one line in
ten) and execution rows for months 1-12 (a month is skipped with probability 0.2). A month's certificado is at most
1/12 of the PIM, and comprometido anual >= comprometido >= devengado >= girado within it, so per line
PIM >= certificado >= devengado >= girado for the year; year-to-date devengado stays within -2 % to 100 % of PIM. One
execution row in twenty is a reversal: devengado and girado both minus up to 2 % of PIM (certificado and
comprometido 0), so girado never passes devengado. Amounts have 0 to 2 decimals (per row, rounded down so the
orderings hold).

Rows are written in batches of at most ``BATCH_LINES`` lines (month 0 of every line of the batch, then month 1, ...),
sized to the bytes left, so memory is bounded by one batch's PIMs whatever the file size; a seed gives the same file.

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
EXECUTION_COLUMNS = (
    "MONTO_CERTIFICADO",
    "MONTO_COMPROMETIDO_ANUAL",
    "MONTO_COMPROMETIDO",
    "MONTO_DEVENGADO",
    "MONTO_GIRADO",
)

DEFAULT_TEMPLATE = (
    Path(__file__).resolve().parents[2] / "shared" / "realdata" / "siaf_gasto" / "mef-2026-gasto-diario.head.csv"
)
INVENTED_SEC_EJEC_BASE = 900_000  # real SEC_EJEC codes are far below; invented ones are documented as such
BATCH_LINES = 50_000
SKIP_MONTH = 0.2
REVERSAL = 0.05


def _quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _amount(rng: random.Random, scale: float) -> str:
    """A heavy-tailed amount with 0-2 decimals, 5 % negative (generate_siaf_devengado.py draws its PIMs with it)."""
    value = rng.lognormvariate(8, 2) * scale
    if rng.random() < 0.05:
        value = -value
    decimals = rng.choice((0, 1, 2))
    text = f"{value:.{decimals}f}"
    return "0" if text in ("0", "-0", "0.0", "-0.0", "0.00", "-0.00") else text


def _money(cents: int, decimals: int) -> str:
    """``cents`` as MEF writes it with ``decimals`` decimals (the caller has already rounded to that quantum)."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    if decimals == 0:
        text = f"{whole}"
    elif decimals == 1:
        text = f"{whole}.{frac // 10}"
    else:
        text = f"{whole}.{frac:02d}"
    return "0" if cents == 0 else sign + text


def _load_template(template: Path) -> tuple[list[str], list[list[str]]]:
    with template.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    varying = {header.index(name) for name in ("ANO_EJE", "MES_EJE", *AMOUNT_COLUMNS)}
    seen: set[tuple[str, ...]] = set()
    distinct = []
    for row in rows:  # one template row per budget line: the same line in two months would collide
        key = tuple(value for i, value in enumerate(row) if i not in varying)
        if key not in seen:
            seen.add(key)
            distinct.append(row)
    return header, distinct


def generate(out: Path, size_bytes: int, template: Path, year: int, seed: int) -> int:
    """Write rows until the file reaches ``size_bytes``; return the number of data rows written."""
    header, templates = _load_template(template)
    random.Random(seed).shuffle(templates)
    pia_pos, pim_pos = header.index("MONTO_PIA"), header.index("MONTO_PIM")
    exec_pos = [header.index(name) for name in EXECUTION_COLUMNS]
    year_pos, month_pos = header.index("ANO_EJE"), header.index("MES_EJE")
    sec_ejec_pos = header.index("SEC_EJEC")
    real_codes = sorted({row[sec_ejec_pos] for row in templates}, key=lambda code: (len(code), code))
    code_index = {code: j for j, code in enumerate(real_codes)}
    base = max(INVENTED_SEC_EJEC_BASE, 1 + max(int(code) for code in real_codes))
    # Each template row is quoted once, with the bytes its non-ASCII names add; the fields a row changes are ASCII.
    quoted = [([_quote(value) for value in row], len(",".join(row).encode()) - len(",".join(row))) for row in templates]
    for fields, _ in quoted:
        fields[year_pos] = _quote(str(year))
    months = [_quote(str(month)) for month in range(13)]
    zero = _quote("0")
    quantum = (100, 10, 1)  # cents per unit of the last decimal, for 0, 1 and 2 decimals
    n_templates, n_codes = len(templates), len(real_codes)

    def line_fields(line: int) -> tuple[list[str], int]:
        fields, extra = quoted[line % n_templates]
        unit = line // n_templates
        if unit:
            row = fields.copy()
            code = code_index[templates[line % n_templates][sec_ejec_pos]]
            row[sec_ejec_pos] = f'"{base + (unit - 1) * n_codes + code}"'
            return row, extra
        return fields.copy(), extra

    rows = 0
    written = 0
    next_line = 0
    batch_number = 0
    bytes_per_line = 0.0
    with out.open("w", encoding="utf-8", newline="") as sink:
        line = ",".join(_quote(name) for name in header) + "\r\n"
        sink.write(line)
        written += len(line.encode())
        while written < size_bytes:
            rng = random.Random(f"{seed}:{batch_number}")
            batch_number += 1
            if not bytes_per_line:  # first batch: the template's mean row with short amounts, ~1 + 12 * 0.8 rows a line
                mean_row = sum(len(",".join(f)) + e for f, e in quoted) / n_templates + 40
                bytes_per_line = mean_row * (1 + 12 * (1 - SKIP_MONTH))
            lines = max(1, min(BATCH_LINES, round((size_bytes - written) / bytes_per_line)))
            first, next_line = next_line, next_line + lines
            pims = [int(rng.lognormvariate(15.5, 1.6)) // 100 * 100 + 100 for _ in range(lines)]  # cents, whole soles
            batch_start, batch_bytes = written, 0
            buffer: list[str] = []
            for month in range(13):
                for offset, pim in enumerate(pims):
                    if month and rng.random() < SKIP_MONTH:
                        continue
                    row, extra = line_fields(first + offset)
                    row[month_pos] = months[month]
                    decimals = rng.randrange(3)
                    q = quantum[decimals]
                    if month == 0:
                        pia = 0 if rng.random() < 0.1 else int(pim * rng.uniform(0.5, 1.0)) // q * q
                        row[pia_pos], row[pim_pos] = f'"{_money(pia, decimals)}"', f'"{_money(pim, decimals)}"'
                        for pos in exec_pos:
                            row[pos] = zero
                    else:
                        row[pia_pos] = row[pim_pos] = zero
                        if rng.random() < REVERSAL:
                            back = -(int(pim * rng.uniform(0, 0.02)) // q * q)
                            amounts = (0, 0, 0, back, back)
                        else:
                            cert = int(pim * rng.uniform(0, 1 / 12)) // q * q
                            anual = int(cert * rng.uniform(0.9, 1)) // q * q
                            comp = int(anual * rng.uniform(0.85, 1)) // q * q
                            dev = int(comp * rng.uniform(0.7, 1)) // q * q
                            amounts = (cert, anual, comp, dev, int(dev * rng.uniform(0.8, 1)) // q * q)
                        for pos, cents in zip(exec_pos, amounts, strict=True):
                            row[pos] = f'"{_money(cents, decimals)}"' if cents else zero
                    text = ",".join(row) + "\r\n"
                    buffer.append(text)
                    written += len(text) + extra
                    rows += 1
                    if len(buffer) >= 20_000:
                        sink.write("".join(buffer))
                        buffer.clear()
                    if written >= size_bytes:
                        break
                if written >= size_bytes:
                    break
            sink.write("".join(buffer))
            batch_bytes = written - batch_start
            bytes_per_line = batch_bytes / lines
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
