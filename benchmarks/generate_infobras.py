"""Generate an InfObras ``DataSet-Obras-Publicas dd-mm-aaaa.xlsx`` in the published layout, of any number of rows.

The layout is the real file's as far as it is known (../shared/realdata/README.md, "InfObras DataSet"): one sheet,
3 title rows, the header on row 4, data from row 5, EVERY cell a string (codes, money, percentages, days and dates
included), money and percentages with a space as the decimal mark (``"1205287 56"``, ``"27 78"``; some percentages
over 100 and a few over 999), dates as ``dd/mm/yyyy``, ``dd-mm-yyyy`` or an Excel serial day number written as
text, CUIs as 7-digit text (some empty), places by NAME only (no ubigeo), taken from INEI's table
``reference/ubigeo/ubigeo-inei-2025.csv`` and written as publishers do: upper-cased or not, with or without accents.

The 47 known columns carry their real header text (the contract's ``header``s, double space included). The real file
has 97 columns whose other 50 names are not known: they are written as ``Columna no identificada NN`` (clearly not
real names) with filler values, so that a file of 191,000 rows weighs about what the real one does (57 MB) and the
loader is exercised with columns beyond the contract's (``fieldsMatch: subset``). ``extra_columns=0`` leaves them
out. The title rows' text is plausible, not copied from a real file. Entity names, works and contractors
(companies, RUC ``20…``) are invented.

xlsxwriter writes in ``constant_memory`` mode: each row is flushed to disk as it is written, so memory stays flat
whatever the number of rows. Deterministic for a seed.

    python benchmarks/generate_infobras.py --rows 191000 --out /tmp/DataSet-Obras-Publicas\\ 16-05-2026.xlsx
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UBIGEO = ROOT / "reference" / "ubigeo" / "ubigeo-inei-2025.csv"
TITLE_ROWS = 3
COLUMNS = 97  # the real file's width
EXCEL_EPOCH = date(1899, 12, 30)

# The known columns, in the contract's order (the README's), with the canonical field each feeds.
KNOWN_HEADERS: tuple[tuple[str, str], ...] = (
    ("codigo_entidad", "codigo Entidad"),
    ("codigo_infobras", "Código INFOBRAS"),
    ("cui", "Codigo unico de inversión"),
    ("codigo_snip", "Código SNIP"),
    ("nombre_obra", "Nombre de obra"),
    ("nombre_proyecto", "Nombre proyecto"),
    ("entidad", "Entidad Pública"),
    ("nivel_gobierno", "Nivel de gobierno"),
    ("sector", "Sector de la Entidad"),
    ("departamento", "Departamento"),
    ("provincia", "Provincia"),
    ("distrito", "Distrito"),
    ("direccion", "Dirección o información de referencia"),
    ("tipo_ubicacion", "Tipo de ubicación (exacta/referencial)"),
    ("naturaleza", "Naturaleza de la obra"),
    ("tipo_obra_n1", "Tipo de obra - Clasificador Nivel 1"),
    ("tipo_obra_n2", "Tipo de obra - Clasificador Nivel 2"),
    ("tipo_obra_n3", "Tipo de obra - Clasificador Nivel 3"),
    ("estado_ejecucion", "Estado de ejecución"),
    ("modalidad", "Modalidad de ejecución de la obra"),
    ("fecha_inicio", "Fecha de inicio de obra"),
    ("fecha_fin_programada", "Fecha finalización programada de obra"),
    ("fecha_fin_reprogramada", "Fecha finalización reprogramada de obra"),
    ("fecha_fin_real", "Fecha de finalización real"),
    ("plazo_dias", "Plazo de ejecución (en dias)"),
    ("avance_fisico_real_pct", "Avance Físico Real Acumulado (%)"),
    ("avance_fisico_programado_pct", "Avance Físico Programado Acumulado (%)"),
    ("avance_financiero_pct", "Porcentaje de ejecución financiera"),
    ("valorizacion_programada", "Monto de valorización Programado Acumulado"),
    ("valorizacion_ejecutada", "Monto de valorización Ejecutado Acumulado"),
    ("monto_contrato", "Monto del contrato  en soles"),
    ("monto_viable", "Monto Viable/Aprobado"),
    ("costo_actualizado", "Costo Actualizado de la inversión"),
    ("costo_obra_et", "Costo de obra en soles según ET en soles"),
    ("contratista", "Nombre o razón social de la empresa o consorcio"),
    ("ruc_contratista", "RUC"),
    ("existe_paralizacion", "Existe Paralización"),
    ("causal_paralizacion", "Causal de paralización"),
    ("fecha_paralizacion", "Fecha de paralización"),
    ("dias_paralizado", "Número de dias paralizado"),
    ("dias_modificacion_plazo", "N° días de modificaciones de plazo"),
    ("fecha_registro_avance", "Fecha de registro de avance"),
    ("motivo_no_100", "Motivo en caso no se llegue al 100%"),
    ("comentarios", "Comentarios"),
    ("estado_proyecto", "Estado del proyecto"),
    ("marca_rcc", "Marca Reconstrucción con Cambios (Si/No)"),
    ("marca_reactivacion", "Marca Reactivación Economicas (Si/No)"),
)
FIELDS = tuple(name for name, _ in KNOWN_HEADERS)
DATE_FIELDS = ("fecha_inicio", "fecha_fin_programada", "fecha_fin_reprogramada", "fecha_fin_real")
DATE_FIELDS += ("fecha_paralizacion", "fecha_registro_avance")
PCT_FIELDS = ("avance_fisico_real_pct", "avance_fisico_programado_pct", "avance_financiero_pct")
MONEY_FIELDS = ("valorizacion_programada", "valorizacion_ejecutada", "monto_contrato", "monto_viable")
MONEY_FIELDS += ("costo_actualizado", "costo_obra_et")
DAY_FIELDS = ("plazo_dias", "dias_paralizado", "dias_modificacion_plazo")

ESTADOS = (("En Ejecución", 38), ("Finalizada", 40), ("Paralizada", 8), ("Sin Ejecución", 14))
NIVELES = (("GOBIERNO LOCAL", 70), ("GOBIERNO REGIONAL", 18), ("GOBIERNO NACIONAL", 12))
SECTORES_NACIONALES = (
    ("MINISTERIO DE VIVIENDA, CONSTRUCCIÓN Y SANEAMIENTO", "VIVIENDA CONSTRUCCION Y SANEAMIENTO"),
    ("MINISTERIO DE EDUCACIÓN", "EDUCACION"),
    ("MINISTERIO DE SALUD", "SALUD"),
    ("PROVIAS DESCENTRALIZADO", "TRANSPORTES Y COMUNICACIONES"),
    ("PROGRAMA SUBSECTORIAL DE IRRIGACIONES", "AGRARIO Y DE RIEGO"),
    ("AUTORIDAD PARA LA RECONSTRUCCIÓN CON CAMBIOS", "PRESIDENCIA CONSEJO MINISTROS"),
)
TIPOS_OBRA = (
    ("Urbanismo", "Pistas y veredas", "Pavimento rígido"),
    ("Urbanismo", "Parques y plazas", "Áreas verdes"),
    ("Saneamiento", "Agua potable", "Redes de distribución"),
    ("Saneamiento", "Alcantarillado", "Planta de tratamiento de aguas residuales"),
    ("Educación", "Infraestructura educativa", "Aulas"),
    ("Salud", "Establecimiento de salud", "Puesto de salud"),
    ("Transportes", "Carreteras", "Afirmado"),
    ("Transportes", "Puentes", "Puente vehicular"),
    ("Riego", "Canales", "Revestimiento de canal"),
    ("Energía", "Electrificación rural", "Redes secundarias"),
)
NATURALEZAS = ("Construcción/Creación", "Mejoramiento", "Ampliación", "Rehabilitación", "Recuperación")
VERBOS = ("MEJORAMIENTO", "CREACIÓN", "AMPLIACIÓN", "REHABILITACIÓN", "RECUPERACIÓN", "INSTALACIÓN")
OBJETOS = {
    "Urbanismo": ("DE LAS PISTAS Y VEREDAS", "DEL SERVICIO DE TRANSITABILIDAD VEHICULAR Y PEATONAL", "DE LA PLAZA"),
    "Saneamiento": ("DEL SERVICIO DE AGUA POTABLE Y SANEAMIENTO", "DEL SISTEMA DE ALCANTARILLADO"),
    "Educación": ("DEL SERVICIO EDUCATIVO DE NIVEL PRIMARIO", "DE LA INSTITUCIÓN EDUCATIVA N° {n}"),
    "Salud": ("DEL PUESTO DE SALUD", "DE LOS SERVICIOS DE SALUD DEL CENTRO DE SALUD"),
    "Transportes": ("DEL CAMINO VECINAL", "DEL PUENTE VEHICULAR", "DE LA CARRETERA DEPARTAMENTAL"),
    "Riego": ("DEL SERVICIO DE AGUA PARA RIEGO", "DEL CANAL DE RIEGO"),
    "Energía": ("DEL SERVICIO DE ENERGÍA ELÉCTRICA MEDIANTE SISTEMA CONVENCIONAL",),
}
CAUSALES = (
    "Falta de disponibilidad presupuestal",
    "Deficiencias en el expediente técnico",
    "Arbitraje / controversias",
    "Resolución de contrato",
    "Conflictos sociales",
    "Problemas climatológicos",
    "Falta de libre disponibilidad del terreno",
)
MOTIVOS = (
    "Saldo de obra por ejecutar",
    "Deductivo de obra",
    "Obra liquidada con menor metrado",
    "Resolución de contrato",
)
COMENTARIOS = (
    "Se presentó ampliación de plazo.",
    "Obra recepcionada.",
    "Pendiente de liquidación.",
    "En proceso de arbitraje",
)
ESTADOS_PROYECTO = ("ACTIVO", "CERRADO", "DESACTIVADO")
EMPRESA_NUCLEO = (
    "ANDINA", "DEL SUR", "VIAL", "SAN MARTIN", "LOS ANDES", "PACIFICO", "HUASCARAN", "AMAZONICA", "CORDILLERA",
    "INKA", "SANTA ROSA", "EL PROGRESO", "MISTI", "CHAVIN", "NORTE", "TITICACA", "VILCANOTA", "RIMAC",
)  # fmt: skip
EMPRESA_RUBRO = ("CONSTRUCTORA", "INGENIEROS CONTRATISTAS", "INVERSIONES Y CONSTRUCCIONES", "EDIFICACIONES", "OBRAS")
EMPRESA_FORMA = ("S.A.C.", "E.I.R.L.", "S.R.L.", "S.A.")
CALLES = ("JR.", "AV.", "CALLE", "PSJE.")


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def _districts(path: Path = UBIGEO) -> list[tuple[str, str, str]]:
    """Return (departamento, provincia, distrito) names from INEI's ubigeo table, as INEI writes them."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [(r["departamento"], r["provincia"], r["distrito"]) for r in csv.DictReader(handle, delimiter=";")]


def header(extra_columns: int = COLUMNS - len(KNOWN_HEADERS)) -> list[str]:
    """Return the header row: the 47 known names, then ``extra_columns`` placeholders for the unknown ones."""
    known = len(KNOWN_HEADERS)
    return [h for _, h in KNOWN_HEADERS] + [
        f"Columna no identificada {known + i + 1:02d}" for i in range(extra_columns)
    ]


def space_decimal(value: float) -> str:
    """Return ``value`` as InfObras writes numbers: integral ones bare (``"100"``), others with two decimals after
    a space (``"1205287 56"``)."""
    cents = round(value * 100)
    whole, frac = divmod(abs(cents), 100)
    sign = "-" if cents < 0 else ""
    return f"{sign}{whole}" if frac == 0 else f"{sign}{whole} {frac:02d}"


class _Rows:
    """The deterministic row source: one ``dict[field, text]`` per work (empty string = an empty cell)."""

    def __init__(self, seed: int, cutoff: date) -> None:
        self.rng = random.Random(seed)
        self.cutoff = cutoff
        self.districts = _districts()
        self.code = 1_000 + self.rng.randrange(1_000)
        self.entity_codes: dict[str, str] = {}
        self.companies = [self._company() for _ in range(2_000)]
        self.estados = [e for e, _ in ESTADOS]
        self.estado_weights = [w for _, w in ESTADOS]
        self.niveles = [n for n, _ in NIVELES]
        self.nivel_weights = [w for _, w in NIVELES]

    def _company(self) -> tuple[str, str]:
        rng = self.rng
        core = f"{rng.choice(EMPRESA_NUCLEO)}"
        if rng.random() < 0.35:
            name = f"CONSORCIO {core} {rng.choice(EMPRESA_NUCLEO)}"
        else:
            name = f"{rng.choice(EMPRESA_RUBRO)} {core} {rng.choice(EMPRESA_FORMA)}"
        return name, "20" + f"{rng.randrange(10**9):09d}"

    def _place(self, name: str) -> str:
        """A place name as publishers write it: mostly upper case, accents kept or dropped, sometimes as INEI."""
        roll = self.rng.random()
        if roll < 0.45:
            return name.upper()
        if roll < 0.80:
            return _strip_accents(name).upper()
        if roll < 0.92:
            return name
        return _strip_accents(name)

    def _date(self, day: date) -> str:
        roll = self.rng.random()
        if roll < 0.60:
            return day.strftime("%d/%m/%Y")
        if roll < 0.85:
            return day.strftime("%d-%m-%Y")
        return str((day - EXCEL_EPOCH).days)

    def _money(self, mu: float) -> str:
        value = self.rng.lognormvariate(mu, 1.1)
        return space_decimal(round(value) if self.rng.random() < 0.3 else value)

    def _pct(self, value: float) -> str:
        if self.rng.random() < 0.004:  # entities' typing errors: 1,000 % and more are published
            value = self.rng.uniform(1_000, 9_999)
        return space_decimal(value if self.rng.random() < 0.7 else round(value))

    def _entity(self, nivel: str, dep: str, prov: str, dist: str) -> tuple[str, str, str]:
        """Return (entity name, sector, InfObras entity code)."""
        rng = self.rng
        if nivel == "GOBIERNO LOCAL":
            if rng.random() < 0.75:
                name = f"MUNICIPALIDAD DISTRITAL DE {_strip_accents(dist).upper()}"
            else:
                name = f"MUNICIPALIDAD PROVINCIAL DE {_strip_accents(prov).upper()}"
            sector = "GOBIERNOS LOCALES"
        elif nivel == "GOBIERNO REGIONAL":
            name, sector = f"GOBIERNO REGIONAL DE {_strip_accents(dep).upper()}", "GOBIERNOS REGIONALES"
        else:
            name, sector = rng.choice(SECTORES_NACIONALES)
        code = self.entity_codes.setdefault(name, f"{(len(self.entity_codes) * 7919 + 17) % 9000 + 1:04d}")
        return name, sector, code

    def row(self) -> dict[str, str]:
        rng = self.rng
        r = dict.fromkeys(FIELDS, "")
        self.code += rng.randint(1, 3)
        dep, prov, dist = rng.choice(self.districts)
        nivel = rng.choices(self.niveles, self.nivel_weights)[0]
        estado = rng.choices(self.estados, self.estado_weights)[0]
        entidad, sector, codigo_entidad = self._entity(nivel, dep, prov, dist)
        n1, n2, n3 = rng.choice(TIPOS_OBRA)
        objeto = rng.choice(OBJETOS[n1]).format(n=rng.randint(10_000, 99_999))
        lugar = f"{_strip_accents(dist).upper()} - {_strip_accents(prov).upper()} - {_strip_accents(dep).upper()}"
        r.update(
            codigo_entidad=codigo_entidad,
            codigo_infobras=str(self.code),
            cui="" if rng.random() < 0.15 else f"2{rng.randrange(10**6):06d}",
            codigo_snip=str(rng.randint(10_000, 399_999)) if rng.random() < 0.25 else "",
            nombre_obra=f"{rng.choice(VERBOS)} {objeto} EN EL DISTRITO DE {lugar}",
            nombre_proyecto=f"{rng.choice(VERBOS)} {objeto} EN LA LOCALIDAD DE {_strip_accents(dist).upper()}",
            entidad=entidad,
            nivel_gobierno=nivel,
            sector=sector,
            departamento=self._place(dep),
            provincia=self._place(prov),
            distrito=self._place(dist),
            direccion=f"{rng.choice(CALLES)} {rng.choice(EMPRESA_NUCLEO)} {rng.randint(1, 999)}"
            if rng.random() < 0.8
            else "",
            tipo_ubicacion=rng.choice(("Exacta", "Referencial")),
            naturaleza=rng.choice(NATURALEZAS),
            tipo_obra_n1=n1,
            tipo_obra_n2=n2,
            tipo_obra_n3=n3,
            estado_ejecucion=estado,
            modalidad=rng.choices(("Contrata", "Administración Directa"), (75, 25))[0],
            estado_proyecto=rng.choice(ESTADOS_PROYECTO),
            marca_rcc="Si" if rng.random() < 0.06 else "No",
            marca_reactivacion="Si" if rng.random() < 0.04 else "No",
            existe_paralizacion="Si" if estado == "Paralizada" else "No",
        )
        viable = rng.lognormvariate(14, 1.1)
        r["monto_viable"] = space_decimal(viable if rng.random() < 0.7 else round(viable))
        r["costo_actualizado"] = "0" if rng.random() < 0.3 else self._money(14.1)
        r["costo_obra_et"] = self._money(13.8)
        if r["modalidad"] == "Contrata":
            r["contratista"], r["ruc_contratista"] = rng.choice(self.companies)
            r["monto_contrato"] = self._money(13.7)
        if estado != "Sin Ejecución":
            self._execution(r, estado)
        elif rng.random() < 0.5:
            r["avance_fisico_real_pct"] = r["avance_fisico_programado_pct"] = r["avance_financiero_pct"] = "0"
        if rng.random() < 0.1:
            r["comentarios"] = rng.choice(COMENTARIOS)
        return r

    def _execution(self, r: dict[str, str], estado: str) -> None:
        """Fill dates, term, progress and valuations of a work that started (and its paralysis, if paralysed)."""
        rng, cutoff = self.rng, self.cutoff
        plazo = rng.choice((60, 90, 120, 150, 180, 210, 240, 300, 360, 450, 540, 720))
        span = (cutoff - date(2008, 1, 1)).days
        if estado == "Finalizada":
            inicio = cutoff - timedelta(days=rng.randint(plazo + 30, span))
        else:
            inicio = cutoff - timedelta(days=rng.randint(10, min(span, plazo * 4)))
        fin_prog = inicio + timedelta(days=plazo)
        extension = rng.choice((0, 0, 0, 15, 30, 45, 60, 90, 120))
        r["plazo_dias"] = str(plazo)
        r["dias_modificacion_plazo"] = str(extension) if extension or rng.random() < 0.5 else ""
        r["fecha_inicio"] = self._date(inicio)
        r["fecha_fin_programada"] = self._date(fin_prog)
        if extension:
            r["fecha_fin_reprogramada"] = self._date(fin_prog + timedelta(days=extension))
        elapsed = (cutoff - inicio).days
        programado = min(100.0, 100.0 * elapsed / (plazo + extension))
        if estado == "Finalizada":
            real = rng.choice((100.0, 100.0, 100.0, rng.uniform(85, 100), rng.uniform(100, 115)))
            fin_real = min(cutoff, fin_prog + timedelta(days=extension + rng.randint(-10, 60)))
            r["fecha_fin_real"] = self._date(max(fin_real, inicio + timedelta(days=1)))
            if real < 100:
                r["motivo_no_100"] = rng.choice(MOTIVOS)
        else:
            real = max(0.0, programado * rng.uniform(0.3, 1.05))
        r["avance_fisico_programado_pct"] = self._pct(programado)
        r["avance_fisico_real_pct"] = self._pct(real)
        r["avance_financiero_pct"] = self._pct(max(0.0, real * rng.uniform(0.6, 1.2)))
        contrato = rng.lognormvariate(13.7, 1.1)
        r["valorizacion_programada"] = space_decimal(contrato * programado / 100)
        r["valorizacion_ejecutada"] = space_decimal(contrato * real / 100)
        r["fecha_registro_avance"] = self._date(cutoff - timedelta(days=rng.randint(0, min(elapsed, 400))))
        if estado == "Paralizada":
            paralizada = inicio + timedelta(days=rng.randint(1, max(1, elapsed - 1)))
            r["causal_paralizacion"] = rng.choice(CAUSALES)
            r["fecha_paralizacion"] = self._date(paralizada)
            r["dias_paralizado"] = str((cutoff - paralizada).days)


class _Filler:
    """Values for the unknown columns: by column, a space-decimal number, a date, Si/No, a count or a document kind,
    drawn from small pools (real columns repeat values a lot) or empty."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        rng = self.rng
        self.pools = (
            [space_decimal(rng.lognormvariate(11, 1.5)) for _ in range(500)],
            [(date(2010, 1, 1) + timedelta(days=rng.randrange(6_000))).strftime("%d/%m/%Y") for _ in range(500)],
            ["Si", "No"],
            [str(n) for n in range(200)],
            ["Contrato", "Adenda", "Resolución de alcaldía", "Informe técnico", "Acta de entrega de terreno"],
        )

    def value(self, index: int) -> str:
        if self.rng.random() < 0.35:
            return ""
        return self.rng.choice(self.pools[index % len(self.pools)])


def iter_rows(rows: int, seed: int = 20260516, cutoff: date | str = "16-05-2026") -> Iterator[dict[str, str]]:
    """Yield the ``rows`` works the generator writes for ``seed`` and ``cutoff`` (field → cell text; '' = empty).

    The same sequence :func:`generate` writes in the known columns: tests compare a load against it.
    """
    day = cutoff if isinstance(cutoff, date) else datetime.strptime(cutoff, "%d-%m-%Y").date()
    source = _Rows(seed, day)
    for _ in range(rows):
        yield source.row()


def write_works(out: Path, works: Iterable[dict[str, str]]) -> Path:
    """Write ``works`` (rows keyed by FIELDS, e.g. from :func:`iter_rows`, edited) as an InfObras XLSX with the
    published title rows and the 47 known columns only (no unidentified ones): the tests' files."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(out))
    try:
        sheet = workbook.add_worksheet()
        for number, title in enumerate(("CONTRALORÍA GENERAL DE LA REPÚBLICA - INFOBRAS", "DataSet", "Fecha de corte")):
            sheet.write_string(number, 0, title)
        for col, name in enumerate(header(0)):
            sheet.write_string(TITLE_ROWS, col, name)
        for offset, work in enumerate(works):
            for col, field in enumerate(FIELDS):
                if work[field]:
                    sheet.write_string(TITLE_ROWS + 1 + offset, col, work[field])
    finally:
        workbook.close()
    return out


def generate(
    out: Path,
    rows: int,
    *,
    seed: int = 20260516,
    cutoff: date | str = "16-05-2026",
    extra_columns: int = COLUMNS - len(KNOWN_HEADERS),
    title_rows: int = TITLE_ROWS,
    rename: dict[str, str] | None = None,
) -> int:
    """Write the XLSX to ``out`` and return the number of data rows written (``rows``).

    ``title_rows`` title rows precede the header (3 in the real file: the header is on row 4); ``rename`` maps a
    header text to another one (both only to build files the loader must refuse).
    """
    import xlsxwriter

    day = cutoff if isinstance(cutoff, date) else datetime.strptime(cutoff, "%d-%m-%Y").date()
    names = [(rename or {}).get(h, h) for h in header(extra_columns)]
    filler = _Filler(seed + 1)
    workbook = xlsxwriter.Workbook(str(out), {"constant_memory": True})
    try:
        sheet = workbook.add_worksheet()
        titles = [
            "CONTRALORÍA GENERAL DE LA REPÚBLICA - INFOBRAS",
            "DataSet de Obras Públicas registradas por las entidades en el Sistema INFOBRAS",
            f"Fecha de corte: {day.strftime('%d-%m-%Y')}",
        ]
        for number in range(title_rows):
            sheet.write_string(number, 0, titles[number % len(titles)])
        write = sheet.write_string
        for col, name in enumerate(names):
            write(title_rows, col, name)
        known = len(FIELDS)
        for offset, work in enumerate(iter_rows(rows, seed, day)):
            row = title_rows + 1 + offset
            for col, name in enumerate(FIELDS):
                text = work[name]
                if text:
                    write(row, col, text)
            for i in range(extra_columns):
                text = filler.value(i)
                if text:
                    write(row, known + i, text)
    finally:
        workbook.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=191_000, help="data rows (the real file: about 191,000)")
    parser.add_argument("--out", type=Path, required=True, help="the .xlsx to write")
    parser.add_argument("--seed", type=int, default=20260516)
    parser.add_argument("--date", default="16-05-2026", help="cut-off date dd-mm-yyyy (title row, dates before it)")
    parser.add_argument("--extra-columns", type=int, default=COLUMNS - len(KNOWN_HEADERS), help="unknown columns")
    args = parser.parse_args(argv)
    written = generate(args.out, args.rows, seed=args.seed, cutoff=args.date, extra_columns=args.extra_columns)
    print(
        f"{args.out}: {written:,} rows x {len(FIELDS) + args.extra_columns} columns, {args.out.stat().st_size:,} bytes"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
