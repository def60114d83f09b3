"""Write the MINKACUNI 2021 example files (Pachacámac, Lima) of the municipal tax-campaign layouts, deterministically.

Published figures reproduced (issue 9, from the municipality's account of the campaign): 34 neighbourhood
associations, 4,520 taxpayers, 13 neighbourhood works, S/ 414,009.41 invested in them, in 2021, in Pachacámac
(INEI ubigeo 150123). Everything below those totals is INVENTED by this script: the taxpayers (names drawn from lists
of common Peruvian first names and surnames, codes 'X' + 7 digits, a prefix no real register uses), the associations'
names, how the 4,520 taxpayers split among them, every debt, payment, benefit and date, the works' names and the
split of S/ 414,009.41 among the 13 works (exact to the cent). The works carry no CUI: the real SIAF sample in the
tests is from another region, so a CUI here could only be a false link (the tests link CUIs on generated rows).

    .venv/bin/python examples/municipal/make_minkacuni.py            # rewrites the two files beside this script

Files (layouts: contracts/municipal-recaudacion-campanas.yaml and contracts/municipal-obras-vecinales.yaml):
  minkacuni-2021-recaudacion.xlsx     one row per payment (a taxpayer paying in two instalments has two rows)
  minkacuni-2021-obras-vecinales.csv  one row per work
"""

from __future__ import annotations

import csv
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
RECAUDACION = HERE / "minkacuni-2021-recaudacion.xlsx"
OBRAS = HERE / "minkacuni-2021-obras-vecinales.csv"

UBIGEO = "150123"  # Pachacámac, Lima (reference/ubigeo/ubigeo-inei-2025.csv)
MUNICIPALITY = "Municipalidad Distrital de Pachacámac"
CAMPAIGN = "MINKACUNI 2021"
YEAR = 2021
TAXPAYERS = 4_520  # published
ASSOCIATION_COUNT = 34  # published
WORK_COUNT = 13  # published
INVESTED = Decimal("414009.41")  # published
SEED = 2021

RECAUDACION_HEADER = (
    "Nº Recibo", "Cód. Contribuyente", "Contribuyente", "Asociación", "Campaña", "Fecha de Campaña",
    "Deuda Anterior (S/)", "Monto Pagado (S/)", "Beneficio (S/)", "Tipo de Beneficio", "Ubigeo",
)  # fmt: skip
OBRAS_HEADER = ("ubigeo", "municipalidad", "campaña", "año", "asociación", "n° obra", "obra", "cui", "monto (S/)")

FIRST_NAMES = (
    "ROSA", "MARIA", "JUAN", "CARLOS", "LUIS", "ANA", "JOSE", "CARMEN", "JORGE", "ELENA", "PEDRO", "LUCIA",
    "MIGUEL", "JULIA", "VICTOR", "GLADYS", "CESAR", "NANCY", "RAUL", "DORIS", "MARIO", "NELLY", "HUGO", "SONIA",
    "WALTER", "MARTHA", "ALBERTO", "PILAR", "FELIX", "ROCIO", "JAVIER", "YOLANDA", "EDGAR", "BETTY", "OSCAR", "ELSA",
)  # fmt: skip
SURNAMES = (
    "QUISPE", "FLORES", "SANCHEZ", "RODRIGUEZ", "GARCIA", "ROJAS", "HUAMAN", "MAMANI", "CHAVEZ", "VASQUEZ",
    "RAMOS", "TORRES", "RAMIREZ", "MENDOZA", "CASTILLO", "ESPINOZA", "DIAZ", "LOPEZ", "GONZALES", "CRUZ", "RIOS",
    "VARGAS", "CONDORI", "HUANCA", "TICONA", "PAREDES", "CACERES", "SALAZAR", "GUTIERREZ", "VILCA", "PALOMINO",
    "CCAHUANA", "YUPANQUI", "INGA", "LEON", "MORALES",
)  # fmt: skip
# Invented neighbourhood associations (place-like names, no person's name).
ASSOCIATIONS = (
    "AA.HH. Las Palmeras de Pachacámac", "Asoc. de Vivienda Los Jardines del Sur", "AA.HH. Nuevo Amanecer",
    "Asoc. de Pobladores Quebrada Alta", "AA.HH. Las Lomas del Valle", "Asoc. de Vivienda El Mirador",
    "AA.HH. Santa Rosa del Valle", "Asoc. de Vivienda Los Olivos de Lurín", "AA.HH. Los Huertos", "Asoc. Villa Verde",
    "AA.HH. Virgen del Carmen Alto", "Asoc. de Vivienda Las Casuarinas", "AA.HH. Nueva Esperanza del Sur",
    "Asoc. de Pobladores El Porvenir", "AA.HH. Los Laureles", "Asoc. de Vivienda Señor de los Milagros",
    "AA.HH. Cerro Verde", "Asoc. de Vivienda Las Praderas", "AA.HH. Valle Sagrado", "Asoc. Los Girasoles",
    "AA.HH. Los Pinos de Manchay", "Asoc. de Vivienda Sol Naciente", "AA.HH. Las Terrazas", "Asoc. Villa del Sol",
    "AA.HH. Los Cedros", "Asoc. de Vivienda Brisas del Valle", "AA.HH. Nuevo Horizonte", "Asoc. Los Eucaliptos",
    "AA.HH. Santa María del Valle", "Asoc. de Vivienda Las Gardenias", "AA.HH. El Paraíso", "Asoc. Los Rosales",
    "AA.HH. Nueva Generación", "Asoc. de Vivienda Campo Verde",
)  # fmt: skip
WORKS = (
    "Construcción de losa deportiva multiusos", "Construcción de muro de contención de concreto armado",
    "Mejoramiento de escaleras peatonales", "Construcción de veredas y sardineles",
    "Instalación de barandas de seguridad", "Mejoramiento del parque vecinal",
    "Instalación de postes de alumbrado público", "Construcción de pasaje peatonal", "Mejoramiento del local comunal",
    "Construcción de muro de contención de pircas", "Instalación de juegos infantiles", "Mejoramiento de áreas verdes",
    "Construcción de rampa peatonal",
)  # fmt: skip
BENEFITS = ("Condonación de intereses moratorios", "Condonación de multas tributarias", "Sin beneficio")


@dataclass(frozen=True)
class Payment:
    """One row of the collection file."""

    recibo: str
    contribuyente_codigo: str
    contribuyente_nombre: str
    asociacion: str
    campana: str
    fecha_campana: date
    deuda_anterior: Decimal
    monto_pagado: Decimal
    beneficio_monto: Decimal
    beneficio_tipo: str
    ubigeo: str


@dataclass(frozen=True)
class Work:
    """One row of the works file."""

    ubigeo: str
    municipalidad: str
    campana: str
    ano: int
    asociacion: str
    obra_numero: str
    obra: str
    cui: str
    monto: Decimal


def _cents(value: float) -> Decimal:
    return Decimal(round(value * 100)) / 100


def split_int(total: int, parts: int, rng: random.Random, spread: float = 0.5) -> list[int]:
    """Split ``total`` into ``parts`` positive integers of random weights in 1 ± ``spread`` that sum to it exactly
    (largest remainders)."""
    weights = [rng.uniform(1 - spread, 1 + spread) for _ in range(parts)]
    shares = [total * w / sum(weights) for w in weights]
    whole = [int(s) for s in shares]
    for i in sorted(range(parts), key=lambda i: shares[i] - whole[i], reverse=True)[: total - sum(whole)]:
        whole[i] += 1
    return whole


def split_exact(total: Decimal, parts: int, rng: random.Random) -> list[Decimal]:
    """Split ``total`` (soles with cents) into ``parts`` amounts that sum to it exactly, to the cent."""
    return [Decimal(c) / 100 for c in split_int(int(total * 100), parts, rng)]


def payments_for(
    taxpayers: Sequence[tuple[str, str, str]], campaign: str, ubigeo: str, rng: random.Random, first_day: date
) -> list[Payment]:
    """Invent the payments of ``taxpayers`` (code, name, association): one session date per association, most paying
    their debt net of the benefit at once, some in two instalments (second one 4 weeks later), some only in part."""
    sessions: dict[str, date] = {}
    rows: list[tuple[date, str, str, str, Decimal, Decimal, Decimal, str]] = []
    for code, name, association in taxpayers:
        day = sessions.setdefault(association, first_day + timedelta(weeks=len(sessions) % 36))
        debt = _cents(rng.lognormvariate(6.2, 0.7))  # median about S/ 490
        kind = rng.choices(BENEFITS, weights=(60, 20, 20))[0]
        if kind == BENEFITS[0]:
            benefit = _cents(float(debt) * rng.uniform(0.08, 0.22))
        elif kind == BENEFITS[1]:
            benefit = min(debt, _cents(rng.uniform(20, 120)))
        else:
            benefit = Decimal("0.00")
        due = debt - benefit
        mode = rng.random()
        if mode < 0.80:
            rows.append((day, association, code, name, debt, due, benefit, kind))
        elif mode < 0.90:
            first = _cents(float(due) * rng.uniform(0.4, 0.6))
            rows.append((day, association, code, name, debt, first, benefit, kind))
            second = due - first
            rows.append(
                (day + timedelta(weeks=4), association, code, name, second, second, Decimal("0.00"), BENEFITS[2])
            )
        else:
            rows.append((day, association, code, name, debt, _cents(float(due) * rng.uniform(0.2, 0.7)), benefit, kind))
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    prefix = "".join(ch for ch in campaign if ch.isalnum())[:3].upper() + campaign[-2:]
    return [
        Payment(f"{prefix}-{n:06d}", code, name, association, campaign, day, debt, paid, benefit, kind, ubigeo)
        for n, (day, association, code, name, debt, paid, benefit, kind) in enumerate(rows, start=1)
    ]


def invented_taxpayers(counts: Sequence[tuple[str, int]], rng: random.Random) -> list[tuple[str, str, str]]:
    """(code, name, association) for ``count`` invented taxpayers of each association: codes 'X' + 7 digits."""
    total = sum(n for _, n in counts)
    codes = rng.sample(range(10**7), total)
    out: list[tuple[str, str, str]] = []
    for association, n in counts:
        for _ in range(n):
            name = f"{rng.choice(SURNAMES)} {rng.choice(SURNAMES)}, {rng.choice(FIRST_NAMES)}"
            out.append((f"X{codes[len(out)]:07d}", name, association))
    return out


def minkacuni() -> tuple[list[Payment], list[Work]]:
    """The MINKACUNI 2021 example rows (deterministic)."""
    rng = random.Random(SEED)
    sizes = split_int(TAXPAYERS, ASSOCIATION_COUNT, rng, spread=0.6)
    taxpayers = invented_taxpayers(list(zip(ASSOCIATIONS, sizes, strict=True)), rng)
    payments = payments_for(taxpayers, CAMPAIGN, UBIGEO, rng, first_day=date(2021, 3, 6))
    funded = rng.sample(ASSOCIATIONS, WORK_COUNT)
    amounts = split_exact(INVESTED, WORK_COUNT, rng)
    works = [
        Work(UBIGEO, MUNICIPALITY, CAMPAIGN, YEAR, association, str(n), f"{name} en {association}", "", amount)
        for n, (name, association, amount) in enumerate(zip(WORKS, funded, amounts, strict=True), start=1)
    ]
    return payments, works


def write_recaudacion(path: Path, payments: Sequence[Payment], title: str) -> Path:
    """Write ``payments`` as the revenue office's Excel export: two title rows, a blank row, the header on sheet
    row 4, date cells and number cells as Excel holds them, and a TOTAL row at the end."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path))
    workbook.set_properties({"created": datetime(2021, 12, 31), "author": "make_minkacuni.py"})
    day_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    money = workbook.add_format({"num_format": "#,##0.00"})
    sheet = workbook.add_worksheet("Pagos")
    sheet.write_string(0, 0, "MUNICIPALIDAD DISTRITAL - GERENCIA DE RENTAS")
    sheet.write_string(1, 0, title)
    for col, name in enumerate(RECAUDACION_HEADER):
        sheet.write_string(3, col, name)
    row = 3
    for row, p in enumerate(payments, start=4):
        for col, text in enumerate((p.recibo, p.contribuyente_codigo, p.contribuyente_nombre, p.asociacion, p.campana)):
            sheet.write_string(row, col, text)
        sheet.write_datetime(row, 5, datetime.combine(p.fecha_campana, datetime.min.time()), day_format)
        for col, amount in enumerate((p.deuda_anterior, p.monto_pagado, p.beneficio_monto), start=6):
            sheet.write_number(row, col, float(amount), money)
        sheet.write_string(row, 9, p.beneficio_tipo)
        sheet.write_string(row, 10, p.ubigeo)
    sheet.write_string(row + 1, 0, "TOTAL")
    sheet.write_number(row + 1, 7, float(sum(p.monto_pagado for p in payments)), money)
    sheet.write_number(row + 1, 8, float(sum(p.beneficio_monto for p in payments)), money)
    workbook.close()
    return path


def write_obras(path: Path, works: Sequence[Work], title: str) -> Path:
    """Write ``works`` as the ';'-delimited CSV: a title line, the header, one line per work, a TOTAL line."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(title + "\r\n")
        out = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        out.writerow(OBRAS_HEADER)
        for w in works:
            row = (w.ubigeo, w.municipalidad, w.campana, w.ano, w.asociacion, w.obra_numero, w.obra, w.cui)
            out.writerow((*row, f"{w.monto:,.2f}"))
        out.writerow(("TOTAL", "", "", "", "", "", "", "", f"{sum(w.monto for w in works):,.2f}"))
    return path


def main(argv: list[str] | None = None) -> int:
    out = Path(argv[0]) if argv else HERE
    payments, works = minkacuni()
    assert len({p.contribuyente_codigo for p in payments}) == TAXPAYERS
    assert len({p.asociacion for p in payments}) == ASSOCIATION_COUNT
    assert len(works) == WORK_COUNT and sum(w.monto for w in works) == INVESTED
    note = "EJEMPLO: contribuyentes, montos y fechas inventados"
    write_recaudacion(out / RECAUDACION.name, payments, f"Campaña {CAMPAIGN}: pagos por contribuyente ({note})")
    note = "EJEMPLO: total publicado, montos por obra inventados"
    write_obras(out / OBRAS.name, works, f"OBRAS VECINALES FINANCIADAS POR LA CAMPAÑA {CAMPAIGN} ({note})")
    print(f"{len(payments):,} payments of {TAXPAYERS:,} taxpayers, {len(works)} works: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
