"""Write a SIAF Devengado mensual CSV (``YYYY-Gasto-Devengado-Mensual.csv``) in MEF's published layout.

The layout is the contract's (contracts/siaf-devengado-mensual.yaml, 73 columns in its field order): UTF-8 with BOM,
CRLF, every field quoted. Two ways to fill it:

* ``--from-gasto PATH``: pivot a SIAF gasto CSV in the 2026 layout (e.g. the real sample): one row per budget line
  of the gasto file (year + full classification, as dbt's budget_line_key), its devengado of each month in the month
  columns, PIA / PIM / certificado / comprometido anual / girado summed over the year, MONTO_DEVENGADO_ANUAL the sum
  of the months. Both files give the same fct_budget_execution devengado and PIA/PIM (tests/test_siaf_devengado.py).
* ``--rows N --year Y --seed S``: N synthetic rows drawn from a real gasto file's codes and names (as
  benchmarks/generate_siaf.py does), written in batches, never held in memory: for multi-GB benchmark files.

``--setiembre`` writes MONTO_DEVENGADO_SETIEMBRE, the spelling of some SIAF extracts, instead of SEPTIEMBRE.

    python benchmarks/generate_siaf_devengado.py --out /tmp/dev.csv \
        --from-gasto ../shared/realdata/siaf_gasto/mef-2026-gasto-diario.head.csv
    python benchmarks/generate_siaf_devengado.py --rows 2800000 --year 2025 --out /tmp/2025-Gasto-Devengado-Mensual.csv
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_siaf import DEFAULT_TEMPLATE, _amount, _quote

from ingest.contracts import get_source

HEADER = tuple(field.header for field in get_source("siaf-devengado-mensual").fields)
MONTHS = (
    "ENERO", "FEBRERO", "MARZO", "ABRIL", "MAYO", "JUNIO",
    "JULIO", "AGOSTO", "SEPTIEMBRE", "OCTUBRE", "NOVIEMBRE", "DICIEMBRE",
)  # fmt: skip
MONTH_COLUMNS = tuple(f"MONTO_DEVENGADO_{month}" for month in MONTHS)
# gasto amount column -> the Devengado file's annual column it is summed into (devengado goes by month instead)
ANNUAL_FROM_GASTO = {
    "MONTO_PIA": "MONTO_PIA",
    "MONTO_PIM": "MONTO_PIM",
    "MONTO_CERTIFICADO": "MONTO_CERTIFICADO_ANUAL",
    "MONTO_COMPROMETIDO_ANUAL": "MONTO_COMPROMETIDO_ANUAL",
    "MONTO_GIRADO": "MONTO_GIRADO_ANUAL",
}
# the code columns of dbt's budget_line_columns() macro: a budget line is the year plus these
LINE_CODES = (
    "NIVEL_GOBIERNO", "SECTOR", "PLIEGO", "SEC_EJEC", "SEC_FUNC", "PROGRAMA_PPTO", "TIPO_ACT_PROY",
    "PRODUCTO_PROYECTO", "ACTIVIDAD_ACCION_OBRA", "FUNCION", "DIVISION_FUNCIONAL", "GRUPO_FUNCIONAL", "META",
    "FINALIDAD", "DEPARTAMENTO_META", "FUENTE_FINANCIAMIENTO", "RUBRO", "TIPO_RECURSO", "CATEGORIA_GASTO",
    "TIPO_TRANSACCION", "GENERICA", "SUBGENERICA", "SUBGENERICA_DET", "ESPECIFICA", "ESPECIFICA_DET",
)  # fmt: skip
# the gasto file has no TIPO_TRANSACCION_NOMBRE: MEF's names of the two codes
TRANSACTION_NAMES = {"1": "INGRESOS PRESUPUESTARIOS", "2": "GASTOS PRESUPUESTARIOS"}
BATCH_ROWS = 10_000


def header(setiembre: bool = False) -> list[str]:
    """The 73 column names in order; with ``setiembre``, September spelled as some SIAF extracts spell it."""
    if not setiembre:
        return list(HEADER)
    return [name.replace("_SEPTIEMBRE", "_SETIEMBRE") for name in HEADER]


def _text(value: Decimal) -> str:
    """An amount as MEF writes it: '.' decimals, no trailing zeros, no exponent ('645', '-45101.3', '0')."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _line(values: list[str]) -> str:
    return ",".join(_quote(value) for value in values) + "\r\n"


def _write(out: Path, columns: list[str], rows: Iterator[dict[str, str]]) -> int:
    """Write the header and ``rows`` (dicts keyed by the canonical SEPTIEMBRE names) in batches; return the count."""
    canonical = list(HEADER)
    count = 0
    with out.open("w", encoding="utf-8-sig", newline="") as sink:
        sink.write(_line(columns))
        batch: list[str] = []
        for row in rows:
            batch.append(_line([row[name] for name in canonical]))
            count += 1
            if len(batch) >= BATCH_ROWS:
                sink.write("".join(batch))
                batch.clear()
        sink.write("".join(batch))
    return count


def pivot_gasto(gasto: Path, out: Path, setiembre: bool = False) -> int:
    """Pivot the SIAF gasto CSV ``gasto`` into a Devengado mensual file at ``out``; return the rows written.

    One row per budget line (year + LINE_CODES), in the order lines first appear; names come from the line's first
    row. Holds one entry per budget line in memory (not per row). A line's month-0 row (older files' PIA/PIM rows)
    must carry no devengado: the Devengado layout has no column for it, so a non-zero one is refused.
    """
    lines: dict[tuple[str, ...], dict[str, str]] = {}
    sums: dict[tuple[str, ...], dict[str, Decimal]] = {}
    with gasto.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        for number, record in enumerate(reader, start=1):
            key = (record["ANO_EJE"], *(record[code] for code in LINE_CODES))
            if key not in lines:
                lines[key] = {name: record.get(name, "") for name in HEADER}
                lines[key]["TIPO_TRANSACCION_NOMBRE"] = TRANSACTION_NAMES.get(record["TIPO_TRANSACCION"], "")
                sums[key] = dict.fromkeys([*ANNUAL_FROM_GASTO.values(), *MONTH_COLUMNS], Decimal(0))
            totals = sums[key]
            for column, annual in ANNUAL_FROM_GASTO.items():
                totals[annual] += Decimal(record[column])
            month, devengado = int(record["MES_EJE"]), Decimal(record["MONTO_DEVENGADO"])
            if month == 0:
                if devengado:
                    raise ValueError(f"{gasto}: data row {number} has devengado {devengado} on month 0")
            else:
                totals[MONTH_COLUMNS[month - 1]] += devengado

    def rows() -> Iterator[dict[str, str]]:
        for key, row in lines.items():
            totals = sums[key]
            for column, value in totals.items():
                row[column] = _text(value)
            row["MONTO_DEVENGADO_ANUAL"] = _text(sum((totals[m] for m in MONTH_COLUMNS), Decimal(0)))
            yield row

    return _write(out, header(setiembre), rows())


def generate(
    out: Path,
    rows: int,
    year: int,
    seed: int,
    template: Path = DEFAULT_TEMPLATE,
    setiembre: bool = False,
    cutoff_month: int = 12,
) -> int:
    """Write ``rows`` synthetic Devengado mensual rows for ``year`` to ``out``; return the rows written.

    Codes and names come from a random row of the real gasto file ``template`` (with a random executing unit of it,
    as generate_siaf.py does); PIM is positive and devengado a share of it (0 to ~105 % of the year elapsed) spread
    over the months up to ``cutoff_month`` (about a third of them 0); 5 % of lines have a reversal (a negative month
    that never takes the year below 0); MONTO_DEVENGADO_ANUAL is the exact sum of the months.
    """
    rng = random.Random(seed)
    with template.open(encoding="utf-8-sig", newline="") as handle:
        templates = list(csv.DictReader(handle))
    sec_ejecs = sorted({record["SEC_EJEC"] for record in templates})

    def synthetic() -> Iterator[dict[str, str]]:
        for _ in range(rows):
            record = rng.choice(templates)
            row = {name: record.get(name, "") for name in HEADER}
            row["ANO_EJE"] = str(year)
            row["SEC_EJEC"] = rng.choice(sec_ejecs)
            row["TIPO_TRANSACCION_NOMBRE"] = TRANSACTION_NAMES.get(record["TIPO_TRANSACCION"], "")
            # a budget line as MEF publishes it: PIM >= 0, devengado a share of it (up to ~105 %) spread over the
            # months up to the cut-off, an occasional reversal (a negative month) that never takes the year below 0
            pim = abs(Decimal(_amount(rng, 20)))
            share = Decimal(str(round(rng.uniform(0, 1.05) * cutoff_month / 12, 4)))
            weights = [
                rng.random() if number <= cutoff_month and rng.random() < 2 / 3 else 0.0 for number in range(1, 13)
            ]
            total = sum(weights) or 1.0
            months = [(pim * share * Decimal(str(weight / total))).quantize(Decimal("0.01")) for weight in weights]
            reversal = rng.randrange(12)
            if months[reversal] > 0 and rng.random() < 0.05:
                months[reversal] = -min(months[reversal], sum(months[:reversal], Decimal(0)))
            devengado = sum(months, Decimal(0))
            row["MONTO_PIA"] = _text(pim * Decimal(rng.choice(("0.8", "0.9", "1"))))
            row["MONTO_PIM"] = _text(pim)
            row["MONTO_CERTIFICADO_ANUAL"] = _text(max(devengado, Decimal(0)) * Decimal("1.1"))
            row["MONTO_COMPROMETIDO_ANUAL"] = _text(max(devengado, Decimal(0)) * Decimal("1.05"))
            row["MONTO_GIRADO_ANUAL"] = _text(devengado * Decimal("0.9"))
            for column, value in zip(MONTH_COLUMNS, months, strict=True):
                row[column] = _text(value)
            row["MONTO_DEVENGADO_ANUAL"] = _text(devengado)
            yield row

    return _write(out, header(setiembre), synthetic())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="CSV file to write")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--from-gasto", type=Path, help="SIAF gasto CSV to pivot, one row per budget line")
    source.add_argument("--rows", type=int, help="number of synthetic rows to write")
    parser.add_argument("--year", type=int, default=2025, help="fiscal year of synthetic rows (default 2025)")
    parser.add_argument("--seed", type=int, default=20250101)
    parser.add_argument("--cutoff-month", type=int, default=12, choices=range(1, 13), help="months after it are 0")
    parser.add_argument("--template", type=Path, default=DEFAULT_TEMPLATE, help="real SIAF gasto CSV for codes/names")
    parser.add_argument("--setiembre", action="store_true", help="spell September MONTO_DEVENGADO_SETIEMBRE")
    args = parser.parse_args(argv)
    if args.from_gasto is not None:
        rows = pivot_gasto(args.from_gasto, args.out, args.setiembre)
    else:
        rows = generate(args.out, args.rows, args.year, args.seed, args.template, args.setiembre, args.cutoff_month)
    print(f"wrote {rows:,} rows, {args.out.stat().st_size / 1024**2:,.1f} MiB to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
