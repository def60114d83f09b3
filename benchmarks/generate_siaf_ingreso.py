"""Generate a SIAF Ingreso file (``YYYY-Ingreso.csv``) in MEF's published layout, of any number of rows.

The layout is MEF's dictionary's (``../shared/realdata/siaf_ingreso/diccionario-ingreso.xlsx``, 36 columns, the
contract ``contracts/siaf-ingreso.yaml``): UTF-8 without BOM, CRLF, ``,`` delimiter, every field double-quoted,
amounts with ``.`` decimals and no fixed scale (``"645"``, ``"-1141.3"``, ``"0"``), codes as zero-padded text, and
one junk row after the data (the physical format is assumed to be the gasto file's: no real Ingreso rows exist here).

Entities are real:

- municipalities (local governments, ``TIPO_GOBIERNO`` M) from MEF's Consulta Amigable table
  (``consulta_amigable/ejecucion-gasto-municipalidades-2024-2025.xlsx``): their real SEC_EJEC and 6-digit ubigeo
  split out of ``010101-300001: MUNICIPALIDAD PROVINCIAL DE CHACHAPOYAS``, department and province names from the same
  cells, the district name from INEI's table (``reference/ubigeo``, upper case without accents, as SIAF writes
  names); SECTOR and PLIEGO are '' as the gasto file publishes them for local governments, EJECUTORA ``001``;
- national and regional executing units as they appear in MEF's real gasto sample
  (``siaf_gasto/mef-2026-gasto-diario.head.csv``: SEC_EJEC, sector, pliego, ejecutora and their places).

Revenue lines: municipal taxes under RUBRO ``08`` IMPUESTOS MUNICIPALES (fuente 5 RECURSOS DETERMINADOS), classifier
1.1 impuestos y contribuciones obligatorias: predial, alcabala, patrimonio vehicular (provincial municipalities only,
which collect it), juegos, espectáculos públicos no deportivos, and 1.9 saldos de balance; beside them FONCOMUN
(rubro 07), canon (18), recursos directamente recaudados (09: tasas, licencias, arbitrios) and, for national and
regional units, 09 and 13 (donaciones y transferencias). Classifier codes follow the revenue classifier's structure
(1.generica.subgenerica.subgenerica_det.especifica.especifica_det); names are plausible, the tax names exact.

Each (entity, revenue line) writes its PIA/PIM row in month 1 (recaudado 0), sometimes a PIM modification row in a
later month (PIA 0, recaudado 0), and a collection row for most months up to the cut-off (PIA and PIM 0), with
predial and arbitrios peaking in February, May, August and November (the quota months); about 1 % of collection rows
are reversals (negative) and about 0.3 % of rows are written twice (MEF's files hold exact duplicates). Rows are
streamed to the file as they are made; deterministic for a seed.

    python benchmarks/generate_siaf_ingreso.py --rows 400 --seed 7 --out warehouse/demo-input/2026-Ingreso.csv
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
import unicodedata
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parents[1]
REALDATA = ROOT.parent / "shared" / "realdata"
CONSULTA = REALDATA / "consulta_amigable" / "ejecucion-gasto-municipalidades-2024-2025.xlsx"
GASTO_SAMPLE = REALDATA / "siaf_gasto" / "mef-2026-gasto-diario.head.csv"
UBIGEO = ROOT / "reference" / "ubigeo" / "ubigeo-inei-2025.csv"

# MEF's dictionary, in order (contracts/siaf-ingreso.yaml).
HEADER: tuple[str, ...] = (
    "ANO_DOC", "MES_DOC", "TIPO_GOBIERNO", "TIPO_GOBIERNO_NOMBRE", "SECTOR", "SECTOR_NOMBRE", "PLIEGO",
    "PLIEGO_NOMBRE", "SEC_EJEC", "EJECUTORA", "EJECUTORA_NOMBRE", "DEPARTAMENTO_EJECUTORA",
    "DEPARTAMENTO_EJECUTORA_NOMBRE", "PROVINCIA_EJECUTORA", "PROVINCIA_EJECUTORA_NOMBRE", "DISTRITO_EJECUTORA",
    "DISTRITO_EJECUTORA_NOMBRE", "FUENTE_FINANC", "FUENTE_FINANC_NOMBRE", "RUBRO", "RUBRO_NOMBRE", "TIPO_RECURSO",
    "TIPO_RECURSO_NOMBRE", "GENERICA", "GENERICA_NOMBRE", "SUBGENERICA", "SUBGENERICA_NOMBRE", "SUBGENERICA_DET",
    "SUBGENERICA_DET_NOMBRE", "ESPECIFICA", "ESPECIFICA_NOMBRE", "ESPECIFICA_DET", "ESPECIFICA_DET_NOMBRE",
    "MONTO_PIA", "MONTO_PIM", "MONTO_RECAUDADO",
)  # fmt: skip
ENTITY_COLUMNS = HEADER[2:17]
LINE_COLUMNS = HEADER[17:33]
FUSED = re.compile(r"^(\d{6})-(\d+): (.+)$")
CODE_NAME = re.compile(r"^(\d+): (.+)$")

Junk = Literal["note", "totals", "none"]

_GOBIERNO_LOCAL = ("M", "GOBIERNOS LOCALES")
_FUENTE = {
    "2": "RECURSOS DIRECTAMENTE RECAUDADOS",
    "4": "DONACIONES Y TRANSFERENCIAS",
    "5": "RECURSOS DETERMINADOS",
}
_GENERICA = {
    "1": "IMPUESTOS Y CONTRIBUCIONES OBLIGATORIAS",
    "3": "VENTA DE BIENES Y SERVICIOS Y DERECHOS ADMINISTRATIVOS",
    "4": "DONACIONES Y TRANSFERENCIAS",
    "5": "OTROS INGRESOS",
    "9": "SALDOS DE BALANCE",
}


def _line(
    fuente: str, rubro: str, rubro_nombre: str, tipo: tuple[str, str], classifier: str, names: tuple[str, str, str, str]
) -> dict[str, str]:
    """A revenue line: funding source, rubro, resource type and classifier ``generica.sub.sub_det.esp.esp_det``."""
    generica, sub, sub_det, esp, esp_det = classifier.split(".")
    return dict(
        zip(
            LINE_COLUMNS,
            (
                fuente, _FUENTE[fuente], rubro, rubro_nombre, tipo[0], tipo[1], generica, _GENERICA[generica],
                sub, names[0], sub_det, names[1], esp, names[2], esp_det, names[3],
            ),
            strict=True,
        )
    )  # fmt: skip


_NORMAL = ("0", "NORMAL")
_IM = ("5", "08", "IMPUESTOS MUNICIPALES", _NORMAL)
_PROPIEDAD = ("IMPUESTOS SOBRE LA PROPIEDAD", "IMPUESTOS SOBRE LA PROPIEDAD")
_PRODUCCION = ("IMPUESTOS A LA PRODUCCION Y EL CONSUMO", "OTROS IMPUESTOS A LA PRODUCCION Y EL CONSUMO")
# (line, mean monthly collection in soles, seasonal: peaks in the quota months)
MUNICIPAL_TAXES = {
    "predial": (_line(*_IM, "1.2.1.1.1", (*_PROPIEDAD, "PREDIAL", "IMPUESTO PREDIAL")), 60_000.0, True),
    "alcabala": (_line(*_IM, "1.2.1.2.1", (*_PROPIEDAD, "ALCABALA", "ALCABALA")), 25_000.0, False),
    "vehicular": (
        _line(*_IM, "1.2.1.3.1", (*_PROPIEDAD, "PATRIMONIO VEHICULAR", "IMPUESTO AL PATRIMONIO VEHICULAR")),
        30_000.0,
        True,
    ),
    "juegos": (_line(*_IM, "1.3.3.3.1", (*_PRODUCCION, "IMPUESTO A LOS JUEGOS", "JUEGOS DE AZAR")), 3_000.0, False),
    "espectaculos": (
        _line(
            *_IM,
            "1.3.3.4.1",
            (*_PRODUCCION, "IMPUESTO A LOS ESPECTACULOS PUBLICOS NO DEPORTIVOS", "ESPECTACULOS PUBLICOS NO DEPORTIVOS"),
        ),
        2_000.0,
        False,
    ),
    "saldo": (
        _line(*_IM, "9.1.1.1.1", ("SALDOS DE BALANCE", "SALDOS DE BALANCE", "SALDOS DE BALANCE", "SALDOS DE BALANCE")),
        80_000.0,
        False,
    ),
}
_DERECHOS = ("DERECHOS Y TASAS ADMINISTRATIVOS", "ADMINISTRACION Y PLANEAMIENTO")
_RDR = ("2", "09", "RECURSOS DIRECTAMENTE RECAUDADOS", _NORMAL)
_TRANSFER = ("TRANSFERENCIAS", "TRANSFERENCIAS DE OTRAS UNIDADES DE GOBIERNO")
OTHER_MUNICIPAL = {
    "licencias": (_line(*_RDR, "3.2.1.1.1", (*_DERECHOS, "LICENCIAS", "LICENCIA DE FUNCIONAMIENTO")), 8_000.0, False),
    "arbitrios": (
        _line(*_RDR, "3.3.1.1.1", ("VENTA DE SERVICIOS", "SERVICIOS MUNICIPALES", "ARBITRIOS", "LIMPIEZA PUBLICA")),
        20_000.0,
        True,
    ),
    "foncomun": (
        _line(
            "5",
            "07",
            "FONDO DE COMPENSACION MUNICIPAL",
            _NORMAL,
            "4.1.1.1.1",
            (*_TRANSFER, "FONDO DE COMPENSACION MUNICIPAL", "FONDO DE COMPENSACION MUNICIPAL"),
        ),
        150_000.0,
        False,
    ),
    "canon": (
        _line(
            "5",
            "18",
            "CANON Y SOBRECANON, REGALIAS, RENTA DE ADUANAS Y PARTICIPACIONES",
            ("0", "CANON"),
            "4.1.1.2.1",
            (*_TRANSFER, "CANON", "CANON MINERO"),
        ),
        90_000.0,
        False,
    ),
}
STATE_LINES = {
    "tasas": (
        _line(*_RDR, "3.2.1.9.1", (*_DERECHOS, "OTROS DERECHOS", "OTROS DERECHOS ADMINISTRATIVOS")),
        40_000.0,
        False,
    ),
    "servicios": (
        _line(*_RDR, "3.3.4.1.1", ("VENTA DE SERVICIOS", "SERVICIOS DE SALUD", "ATENCION MEDICA", "CONSULTA EXTERNA")),
        35_000.0,
        False,
    ),
    "donaciones": (
        _line(
            "4",
            "13",
            "DONACIONES Y TRANSFERENCIAS",
            ("18", "SUBCUENTA - TRANSFERENCIAS FINANCIERAS"),
            "4.1.1.1.2",
            (*_TRANSFER, "TRANSFERENCIAS DEL GOBIERNO NACIONAL", "TRANSFERENCIAS FINANCIERAS"),
        ),
        120_000.0,
        False,
    ),
    "intereses": (
        _line(
            *_RDR,
            "5.1.1.1.1",
            ("RENTAS DE LA PROPIEDAD", "RENTAS DE LA PROPIEDAD FINANCIERAS", "INTERESES", "INTERESES POR DEPOSITOS"),
        ),
        5_000.0,
        False,
    ),
}
QUOTA_MONTHS = {2: 3.0, 5: 1.6, 8: 1.4, 11: 1.3}


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def mef_amount(value: Decimal) -> str:
    """Write soles as MEF does: ``.`` decimals, no trailing zeros, no exponent (``645``, ``-1141.3``, ``0``)."""
    text = f"{value.quantize(Decimal('0.01')):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def municipalities(year: int = 2025) -> list[dict[str, str]]:
    """Every municipality of MEF's Consulta Amigable table for ``year``, as the entity columns of a SIAF row."""
    from python_calamine import CalamineWorkbook

    if not CONSULTA.is_file():
        raise FileNotFoundError(f"{CONSULTA}: MEF's Consulta Amigable table gives the municipalities' real codes")
    with UBIGEO.open(encoding="utf-8-sig", newline="") as handle:
        districts = {r["ubigeo"]: r["distrito"] for r in csv.DictReader(handle, delimiter=";")}
    rows = CalamineWorkbook.from_path(str(CONSULTA)).get_sheet_by_index(0).to_python()
    entities = []
    for row in rows[1:]:
        if int(float(row[0])) != year:
            continue
        fused, department, province = FUSED.fullmatch(row[3]), CODE_NAME.fullmatch(row[1]), CODE_NAME.fullmatch(row[2])
        assert fused and department and province, row
        ubigeo, sec_ejec, name = fused.groups()
        district = _strip_accents(districts.get(ubigeo, province.group(2))).upper()
        entities.append(
            dict(
                zip(
                    ENTITY_COLUMNS,
                    (
                        *_GOBIERNO_LOCAL, "", "", "", "", sec_ejec, "001", name, ubigeo[:2], department.group(2),
                        ubigeo[2:4], province.group(2), ubigeo[4:], district,
                    ),
                    strict=True,
                )
            )
        )  # fmt: skip
    return entities


def state_units() -> list[dict[str, str]]:
    """The national and regional executing units of MEF's real gasto sample, as the entity columns of a SIAF row."""
    gasto = {
        "TIPO_GOBIERNO": "NIVEL_GOBIERNO",
        "TIPO_GOBIERNO_NOMBRE": "NIVEL_GOBIERNO_NOMBRE",
    }
    with GASTO_SAMPLE.open(encoding="utf-8", newline="") as handle:
        units = {
            r["SEC_EJEC"]: {c: r[gasto.get(c, c)] for c in ENTITY_COLUMNS}
            for r in csv.DictReader(handle)
            if r["NIVEL_GOBIERNO"] != "M"
        }
    return [units[k] for k in sorted(units, key=int)]


class _Rows:
    """The generator's state: entities, lines and the random stream, one seed."""

    def __init__(self, seed: int, year: int, cutoff_month: int) -> None:
        self.rng = random.Random(seed)
        self.year, self.cutoff = year, cutoff_month
        munis = municipalities()
        self.rng.shuffle(munis)
        self.municipalities = munis
        self.states = state_units()

    def _amount(self, mean: float, month: int, seasonal: bool) -> Decimal:
        factor = QUOTA_MONTHS.get(month, 0.7) if seasonal else 1.0
        value = self.rng.lognormvariate(0, 0.8) * mean * factor
        return Decimal(str(round(value, self.rng.choice((0, 1, 2, 2)))))

    def _lines(self, entity: dict[str, str]) -> list[tuple[dict[str, str], float, bool]]:
        rng = self.rng
        if entity["TIPO_GOBIERNO"] != "M":
            return [STATE_LINES[k] for k in STATE_LINES if k == "tasas" or rng.random() < 0.5]
        provincial = "PROVINCIAL" in entity["EJECUTORA_NOMBRE"]
        chosen = ["predial"]
        chosen += [k for k, p in (("alcabala", 0.7), ("juegos", 0.1), ("espectaculos", 0.15), ("saldo", 0.5))
                   if rng.random() < p]  # fmt: skip
        if provincial and rng.random() < 0.9:
            chosen.append("vehicular")
        lines = [MUNICIPAL_TAXES[k] for k in sorted(chosen, key=list(MUNICIPAL_TAXES).index)]
        lines += [OTHER_MUNICIPAL[k] for k, p in (("licencias", 0.6), ("arbitrios", 0.6), ("foncomun", 0.95),
                                                   ("canon", 0.3)) if rng.random() < p]  # fmt: skip
        return lines

    def _block(self, entity: dict[str, str], line: dict[str, str], mean: float, seasonal: bool) -> Iterator[list[str]]:
        """Rows of one (entity, line): its PIA/PIM row, maybe a PIM modification, its monthly collection."""
        rng, zero = self.rng, Decimal(0)
        prefix = [str(self.year)]
        codes = [*(entity[c] for c in ENTITY_COLUMNS), *(line[c] for c in LINE_COLUMNS)]
        pia = Decimal(round(mean * 12 * rng.uniform(0.6, 1.2)))
        yield [*prefix, "1", *codes, mef_amount(pia), mef_amount(pia), "0"]
        if rng.random() < 0.3 and self.cutoff > 1:
            change = Decimal(round(float(pia) * rng.uniform(-0.2, 0.4)))
            yield [*prefix, str(rng.randint(2, self.cutoff)), *codes, "0", mef_amount(change), "0"]
        for month in range(1, self.cutoff + 1):
            if rng.random() < 0.15:
                continue  # nothing collected that month
            amount = self._amount(mean, month, seasonal)
            if rng.random() < 0.01:
                amount = -amount / 10  # a reversal
            yield [*prefix, str(month), *codes, mef_amount(zero), mef_amount(zero), mef_amount(amount)]

    def rows(self) -> Iterator[list[str]]:
        rng = self.rng
        while True:
            for index, municipality in enumerate(self.municipalities):
                entity = municipality if index % 6 else rng.choice(self.states)  # ~1 row block in 6 is national
                for line, mean, seasonal in self._lines(entity):
                    for row in self._block(entity, line, mean, seasonal):
                        yield row
                        if rng.random() < 0.003:
                            yield list(row)  # an exact duplicate, as MEF's files have


def iter_rows(rows: int, seed: int = 20260516, year: int = 2026, cutoff_month: int = 5) -> Iterator[list[str]]:
    """Yield the ``rows`` data rows (cell texts in :data:`HEADER` order) the generator writes for these arguments."""
    source = _Rows(seed, year, cutoff_month).rows()
    for _ in range(rows):
        yield next(source)


def junk_row(kind: Junk, totals: tuple[Decimal, Decimal, Decimal]) -> list[str] | None:
    """The row written after the data: a note (one field), a totals row of the full width, or none."""
    if kind == "none":
        return None
    if kind == "note":
        return ["Fuente: MEF - Consulta Amigable. Información actualizada al cierre del día anterior."]
    return ["TOTAL", *([""] * (len(HEADER) - 4)), *(mef_amount(t) for t in totals)]


def generate(
    out: Path,
    rows: int,
    *,
    seed: int = 20260516,
    year: int = 2026,
    cutoff_month: int = 5,
    junk: Junk = "note",
) -> int:
    """Write ``rows`` data rows (and the junk row) to ``out``, streaming; return the number of data rows written."""
    if not 1 <= cutoff_month <= 12:
        raise ValueError(f"cutoff_month must be 1..12, not {cutoff_month}")
    totals = [Decimal(0)] * 3
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(HEADER)
        for row in iter_rows(rows, seed, year, cutoff_month):
            writer.writerow(row)
            totals = [t + Decimal(v) for t, v in zip(totals, row[-3:], strict=True)]
        last = junk_row(junk, (totals[0], totals[1], totals[2]))
        if last is not None:
            writer.writerow(last)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=400, help="data rows (the junk row comes on top)")
    parser.add_argument("--out", type=Path, required=True, help="the .csv to write, e.g. .../2026-Ingreso.csv")
    parser.add_argument("--seed", type=int, default=20260516)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--cutoff-month", type=int, default=5, help="last month with collection rows (1..12)")
    parser.add_argument("--junk", choices=["note", "totals", "none"], default="note", help="the row after the data")
    args = parser.parse_args(argv)
    written = generate(
        args.out, args.rows, seed=args.seed, year=args.year, cutoff_month=args.cutoff_month, junk=args.junk
    )
    print(f"{args.out}: {written:,} data rows + junk row '{args.junk}', {args.out.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
