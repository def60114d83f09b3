"""Generate an Invierte.pe open-data ``DETALLE_INVERSIONES.csv`` in its published form, of any number of rows.

No real row of the file is available here, so the form is the one reported (contracts/invierte-detalle-inversiones.yaml
cites the sources): UTF-8 with a BOM, CRLF line ends, EVERY field quoted (empty ones as ``""``), line breaks and
doubled quotes inside quoted fields (some NOMBRE_INVERSION and ALTERNATIVA values), 68 columns named as public code
reports them (rafram96/Pivote, docs/backend/modulo_etl_mef.md, section 8), written in that listing's order (whether
it is the real file's order is not known; the loader matches a header by name).

Values take the forms reported for the file: amounts with a ``.`` decimal and no thousands separator, written as a
float would be (``"140250.0"``, ``"149431.25"``, ``"0.0"``, sometimes ``"0"`` or empty); AVANCE_FISICO ``"100.0"``;
dates ``"2023-01-15 00:00:00"``; PRIMER_DEVENGADO / ULTIMO_DEVENGADO ``"202305"`` (YYYYMM; empty when nothing was
accrued); CUIs 7 digits, unique; ubigeos, departments, provinces, districts and coordinates from INEI's table
``reference/ubigeo/ubigeo-inei-2025.csv``. Two forms are NOT reported but exercised on purpose: a few ubigeos that lost
their leading zero (``10101``) and coordinates with 7 decimals (the real form of LATITUD / LONGITUD is not known).
Entities, names and amounts are invented.

Rows are written one at a time (memory stays flat whatever ``--rows``). Deterministic for a seed.

    python benchmarks/generate_invierte_detalle.py --rows 150518 --out /tmp/DETALLE_INVERSIONES.csv
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import unicodedata
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UBIGEO = ROOT / "reference" / "ubigeo" / "ubigeo-inei-2025.csv"
REAL_ROWS = 150_518
YEAR = 2026  # ANIO_PROCESO: the "current year" of the *_ANIO_ACTUAL amounts

# The 68 columns reported for DETALLE_INVERSIONES.csv, in the order of rafram96/Pivote's listing.
HEADER: tuple[str, ...] = (
    "NIVEL", "SECTOR", "ENTIDAD", "CODIGO_UNICO", "CODIGO_SNIP", "NOMBRE_INVERSION",
    "NOMBRE_OPMI", "NOMBRE_UF", "NOMBRE_UEI", "NOMBRE_UEP", "SEC_EJEC", "ESTADO",
    "SITUACION", "MONTO_VIABLE", "COSTO_ACTUALIZADO", "CTRL_CONCURR", "MONTO_LAUDO", "MONTO_FIANZA",
    "ALTERNATIVA", "FECHA_REGISTRO", "FECHA_VIABILIDAD", "FUNCION", "PROGRAMA", "SUBPROGRAMA",
    "MARCO", "TIPO_INVERSION", "DES_MODALIDAD", "REGISTRADO_PMI", "PMI_ANIO_1", "PMI_ANIO_2",
    "PMI_ANIO_3", "PMI_ANIO_4", "EXPEDIENTE_TECNICO", "INFORME_CIERRE", "TIENE_F9", "FEC_REG_F9",
    "ETAPA_F9", "PRIMER_DEVENGADO", "ULTIMO_DEVENGADO", "DEVEN_ACUMUL_ANIO_ANT", "DEV_ANIO_ACTUAL", "PIA_ANIO_ACTUAL",
    "PIM_ANIO_ACTUAL", "CERTIF_ANIO_ACTUAL", "COMPROM_ANUAL_ANIO_ACTUAL", "SALDO_EJECUTAR", "TIENE_F8", "ETAPA_F8",
    "TIENE_F12B", "TIENE_AVAN_FISICO", "AVANCE_FISICO", "AVANCE_EJECUCION", "ULT_FEC_DECLA_ESTIM", "DES_TIPOLOGIA",
    "IND_IOARR_EMERG", "DEPARTAMENTO", "PROVINCIA", "DISTRITO", "UBIGEO", "LATITUD",
    "LONGITUD", "FEC_INI_EJECUCION", "FEC_FIN_EJECUCION", "FEC_INI_EJEC_FISICA", "FEC_FIN_EJEC_FISICA",
    "NUM_HABITANTES_BENEF", "MONTO_ET_F8", "ANIO_PROCESO",
)  # fmt: skip

# The 25 columns the contract declares (shared/realdata/README.md), by kind.
AMOUNT_COLUMNS = (
    "MONTO_VIABLE", "COSTO_ACTUALIZADO", "DEV_ANIO_ACTUAL", "DEVEN_ACUMUL_ANIO_ANT", "PIA_ANIO_ACTUAL",
    "PIM_ANIO_ACTUAL",
)  # fmt: skip
DATE_COLUMNS = ("FEC_INI_EJECUCION", "FEC_FIN_EJECUCION")
MONTH_COLUMNS = ("PRIMER_DEVENGADO", "ULTIMO_DEVENGADO")
DOUBLE_COLUMNS = ("AVANCE_FISICO", "LATITUD", "LONGITUD")
TEXT_COLUMNS = (
    "CODIGO_SNIP", "NOMBRE_INVERSION", "ESTADO", "SITUACION", "NIVEL", "SECTOR", "ENTIDAD", "FUNCION", "PROGRAMA",
    "SEC_EJEC",
)  # fmt: skip
KNOWN_COLUMNS = (
    "CODIGO_UNICO",
    "UBIGEO",
    *TEXT_COLUMNS,
    *AMOUNT_COLUMNS,
    *DATE_COLUMNS,
    *MONTH_COLUMNS,
    *DOUBLE_COLUMNS,
)

FUNCIONES = (
    ("TRANSPORTE", "TRANSPORTE TERRESTRE", "VÍAS VECINALES", "CARRETERAS VECINALES", "CAMINO VECINAL"),
    ("TRANSPORTE", "TRANSPORTE URBANO", "VÍAS URBANAS", "PISTAS Y VEREDAS", "PISTAS Y VEREDAS"),
    ("SANEAMIENTO", "SANEAMIENTO", "SANEAMIENTO RURAL", "AGUA POTABLE Y SANEAMIENTO RURAL", "SISTEMA DE AGUA POTABLE"),
    ("SANEAMIENTO", "SANEAMIENTO", "SANEAMIENTO URBANO", "ALCANTARILLADO", "SISTEMA DE ALCANTARILLADO"),
    ("EDUCACION", "EDUCACION BASICA", "EDUCACION PRIMARIA", "EDUCACION PRIMARIA", "INSTITUCION EDUCATIVA"),
    ("EDUCACION", "EDUCACION BASICA", "EDUCACION INICIAL", "EDUCACION INICIAL", "INSTITUCION EDUCATIVA INICIAL"),
    ("SALUD", "SALUD INDIVIDUAL", "ATENCION MEDICA BASICA", "ESTABLECIMIENTOS DE SALUD", "PUESTO DE SALUD"),
    ("AGROPECUARIA", "RIEGO", "INFRAESTRUCTURA DE RIEGO", "RIEGO", "CANAL DE RIEGO"),
    ("CULTURA Y DEPORTE", "DEPORTES", "INFRAESTRUCTURA DEPORTIVA", "DEPORTE", "LOSA DEPORTIVA MULTIUSO"),
    ("ORDEN PUBLICO Y SEGURIDAD", "ORDEN INTERNO", "SEGURIDAD CIUDADANA", "SEGURIDAD CIUDADANA", "SERENAZGO"),
)
VERBOS = ("MEJORAMIENTO DEL SERVICIO DE", "CREACION DEL SERVICIO DE", "AMPLIACION Y MEJORAMIENTO DEL SERVICIO DE",
          "RECUPERACION DEL SERVICIO DE", "REHABILITACION DE")  # fmt: skip
SECTORES_NACIONALES = (
    ("TRANSPORTES Y COMUNICACIONES", "MINISTERIO DE TRANSPORTES Y COMUNICACIONES"),
    ("EDUCACION", "MINISTERIO DE EDUCACION"),
    ("SALUD", "MINISTERIO DE SALUD"),
    ("VIVIENDA CONSTRUCCION Y SANEAMIENTO", "MINISTERIO DE VIVIENDA, CONSTRUCCION Y SANEAMIENTO"),
    ("AGRARIO Y DE RIEGO", "MINISTERIO DE DESARROLLO AGRARIO Y RIEGO"),
)
MODALIDADES = ("ADMINISTRACIÓN DIRECTA", "ADMINISTRACIÓN INDIRECTA - POR CONTRATA",
               "ADMINISTRACIÓN INDIRECTA - NÚCLEO EJECUTOR")  # fmt: skip
ETAPAS_F8 = ("Ejecución física (C)", "Elaboración de expediente técnico o documento equivalente (B)",
             "Aprobación de consistencia o modificaciones antes de la aprobación del ET o ET (A)")  # fmt: skip
QUOTED_PLACES = ('"EL PORVENIR"', '"SAN JUAN"', '"LOS ANGELES"', '"VIRGEN DE FATIMA"', '"NUEVA ESPERANZA"')


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _districts(path: Path = UBIGEO) -> list[tuple[str, str, str, str, float, float]]:
    """(departamento, provincia, distrito, ubigeo, latitud, longitud) of INEI's table."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [
            (r["departamento"], r["provincia"], r["distrito"], r["ubigeo"], float(r["latitud"]), float(r["longitud"]))
            for r in csv.DictReader(handle, delimiter=";")
        ]


def amount_text(cents: int) -> str:
    """Return ``cents`` as the file is reported to write amounts: like a float (``140250.0``, ``149431.25``)."""
    whole, frac = divmod(cents, 100)
    return f"{whole}.0" if frac == 0 else f"{whole}.{frac:02d}".rstrip("0")


def _datetime_text(day: date) -> str:
    return day.strftime("%Y-%m-%d 00:00:00")


def _quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


class _Rows:
    """The deterministic row source: one ``dict[column, text]`` per investment ('' = an empty field)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.districts = _districts()
        self.cui = 2_000_000 + self.rng.randrange(1_000)
        self.sec_ejec: dict[str, str] = {}
        self.today = date(YEAR, 5, 16)

    def _amount(self, mu: float) -> int:
        cents = round(self.rng.lognormvariate(mu, 1.2) * 100)
        return cents - cents % 100 if self.rng.random() < 0.4 else cents  # many whole amounts ("140250.0")

    def _entity(self, nivel: str, dep: str, prov: str, dist: str) -> tuple[str, str]:
        if nivel == "GL":
            if self.rng.random() < 0.75:
                return "GOBIERNOS LOCALES", f"MUNICIPALIDAD DISTRITAL DE {dist}"
            return "GOBIERNOS LOCALES", f"MUNICIPALIDAD PROVINCIAL DE {prov}"
        if nivel == "GR":
            return "GOBIERNOS REGIONALES", f"GOBIERNO REGIONAL DEL DEPARTAMENTO DE {dep}"
        return self.rng.choice(SECTORES_NACIONALES)

    def _name(self, objeto: str, dist: str, prov: str, dep: str) -> str:
        rng = self.rng
        place = f"{rng.choice(QUOTED_PLACES)} " if rng.random() < 0.06 else ""
        lugar = f"EN LA LOCALIDAD DE {place}{dist}, DISTRITO DE {dist} - PROVINCIA DE {prov} - DEPARTAMENTO DE {dep}"
        name = f"{rng.choice(VERBOS)} {objeto} {lugar}"
        if rng.random() < 0.10:  # names typed in several lines
            cut = name.index(" EN LA LOCALIDAD")
            name = name[:cut] + rng.choice(("\n", "\r\n", " \n")) + name[cut + 1 :]
        return name

    def row(self) -> dict[str, str]:
        rng = self.rng
        r = dict.fromkeys(HEADER, "")
        self.cui += rng.randint(1, 4)
        dep, prov, dist, ubigeo, lat, lon = rng.choice(self.districts)
        dep, prov, dist = (_strip_accents(x).upper() for x in (dep, prov, dist))
        nivel = rng.choices(("GL", "GR", "GN"), (70, 18, 12))[0]
        sector, entidad = self._entity(nivel, dep, prov, dist)
        funcion, programa, subprograma, tipologia, objeto = rng.choice(FUNCIONES)
        marco = "SNIP" if rng.random() < 0.15 else "INVIERTE"
        ioarr = marco == "INVIERTE" and rng.random() < 0.35
        cui = str(self.cui)
        registro = self.today - timedelta(days=rng.randint(30, 6_000 if marco == "SNIP" else 3_000))
        viabilidad = registro + timedelta(days=rng.randint(0, 400))
        viable = self._amount(13.0)
        costo = viable if rng.random() < 0.5 else round(viable * rng.uniform(0.9, 1.6))
        ejecuta = rng.random() < 0.7
        r.update(
            NIVEL=nivel,
            SECTOR=sector,
            ENTIDAD=entidad,
            CODIGO_UNICO=cui,
            CODIGO_SNIP=str(rng.randint(10_000, 399_999)) if marco == "SNIP" else cui,
            NOMBRE_INVERSION=self._name(objeto, dist, prov, dep),
            NOMBRE_OPMI=f"OPMI DE LA {entidad}",
            NOMBRE_UF=f"UF DE LA {entidad}",
            NOMBRE_UEI=f"UEI DE LA {entidad}",
            NOMBRE_UEP=entidad,
            SEC_EJEC=self.sec_ejec.setdefault(
                entidad, str(rng.choice((300_000, 301_000, 1_000, 0)) + 1 + rng.randrange(1_900))
            ),
            ESTADO="ACTIVO",
            SITUACION="APROBADO" if ioarr else "VIABLE",
            MONTO_VIABLE=amount_text(viable),
            COSTO_ACTUALIZADO=amount_text(costo),
            CTRL_CONCURR="0.0",
            MONTO_LAUDO="0.0",
            MONTO_FIANZA="0.0",
            ALTERNATIVA=(
                f"CONSTRUCCION DE {objeto}\nCON EQUIPAMIENTO" if rng.random() < 0.1 else f"CONSTRUCCION DE {objeto}"
            )
            if rng.random() < 0.6
            else "",
            FECHA_REGISTRO=_datetime_text(registro),
            FECHA_VIABILIDAD=_datetime_text(viabilidad),
            FUNCION=funcion,
            PROGRAMA=programa,
            SUBPROGRAMA=subprograma,
            MARCO=marco,
            TIPO_INVERSION="INVERSIONES IOARR" if ioarr else "PROYECTO DE INVERSION",
            DES_MODALIDAD=rng.choice(MODALIDADES),
            REGISTRADO_PMI=rng.choice(("SI", "NO")),
            EXPEDIENTE_TECNICO="SI" if ejecuta else rng.choice(("SI", "NO")),
            INFORME_CIERRE="NO",
            TIENE_F9="NO",
            TIENE_F8="SI" if ejecuta else "NO",
            ETAPA_F8=rng.choice(ETAPAS_F8) if ejecuta else "",
            TIENE_F12B="SI" if ejecuta and rng.random() < 0.7 else "NO",
            DES_TIPOLOGIA=tipologia,
            IND_IOARR_EMERG="SI" if ioarr and rng.random() < 0.1 else "NO",
            DEPARTAMENTO=dep,
            PROVINCIA=prov,
            DISTRITO=dist,
            NUM_HABITANTES_BENEF=str(rng.randint(50, 50_000)) if rng.random() < 0.8 else "",
            ANIO_PROCESO=str(YEAR),
        )
        for i in range(1, 5):
            r[f"PMI_ANIO_{i}"] = amount_text(self._amount(11.5)) if rng.random() < 0.3 else ""
        r["UBIGEO"] = self._ubigeo(ubigeo)
        if rng.random() < 0.85:
            r["LATITUD"] = f"{lat + rng.uniform(-0.05, 0.05):.7f}"
            r["LONGITUD"] = f"{lon + rng.uniform(-0.05, 0.05):.7f}"
        self._budget(r, costo, ejecuta, registro)
        return r

    def _ubigeo(self, ubigeo: str) -> str:
        roll = self.rng.random()
        if roll < 0.02:
            return ""
        if roll < 0.07 and ubigeo.startswith("0"):
            return ubigeo[1:]  # lost its leading zero (not reported for this file: exercised on purpose)
        return ubigeo

    def _budget(self, r: dict[str, str], costo: int, ejecuta: bool, registro: date) -> None:
        """Fill budget, accrued spending, progress and execution dates (empty or zero when not executing)."""
        rng = self.rng
        pim = round(costo * rng.uniform(0.05, 0.6)) if rng.random() < 0.6 else 0
        r["PIA_ANIO_ACTUAL"] = "" if rng.random() < 0.2 else amount_text(round(pim * rng.uniform(0, 1)))
        r["PIM_ANIO_ACTUAL"] = "0" if pim == 0 and rng.random() < 0.5 else amount_text(pim)
        r["CERTIF_ANIO_ACTUAL"] = amount_text(round(pim * rng.uniform(0.3, 1))) if pim else ""
        r["COMPROM_ANUAL_ANIO_ACTUAL"] = amount_text(round(pim * rng.uniform(0.2, 0.9))) if pim else ""
        if not ejecuta:
            r["DEVEN_ACUMUL_ANIO_ANT"] = r["DEV_ANIO_ACTUAL"] = "0.0"
            r["SALDO_EJECUTAR"] = amount_text(costo)
            r["TIENE_AVAN_FISICO"] = "NO"
            return
        anterior = round(costo * rng.uniform(0, 0.8))
        actual = round(pim * rng.uniform(0, 0.9))
        r["DEVEN_ACUMUL_ANIO_ANT"] = amount_text(anterior)
        r["DEV_ANIO_ACTUAL"] = amount_text(actual)
        r["SALDO_EJECUTAR"] = amount_text(max(0, costo - anterior - actual))
        inicio = registro + timedelta(days=rng.randint(60, 900))
        fin = inicio + timedelta(days=rng.choice((90, 120, 180, 240, 365, 540, 720)))
        r["FEC_INI_EJECUCION"], r["FEC_FIN_EJECUCION"] = _datetime_text(inicio), _datetime_text(fin)
        if rng.random() < 0.8:
            r["FEC_INI_EJEC_FISICA"] = _datetime_text(inicio + timedelta(days=rng.randint(0, 60)))
            r["FEC_FIN_EJEC_FISICA"] = _datetime_text(fin + timedelta(days=rng.randint(0, 120)))
        if anterior or actual:
            first = min(inicio, self.today)
            last = min(self.today, first + timedelta(days=rng.randint(0, 1_500)))
            r["PRIMER_DEVENGADO"], r["ULTIMO_DEVENGADO"] = first.strftime("%Y%m"), last.strftime("%Y%m")
        if rng.random() < 0.75:
            r["TIENE_AVAN_FISICO"] = "SI"
            avance = rng.choice((100.0, round(rng.uniform(0, 100), rng.choice((0, 1, 2)))))
            r["AVANCE_FISICO"] = repr(float(avance))
            r["AVANCE_EJECUCION"] = repr(round(rng.uniform(0, 100), 2))
            r["ULT_FEC_DECLA_ESTIM"] = (self.today - timedelta(days=rng.randint(0, 400))).strftime("%Y-%m-%d 08:42:14")
        else:
            r["TIENE_AVAN_FISICO"] = "NO"
        r["MONTO_ET_F8"] = amount_text(round(costo * rng.uniform(0.8, 1.1)))


def iter_rows(rows: int, seed: int = 20260516) -> Iterator[dict[str, str]]:
    """Yield the ``rows`` investments :func:`generate` writes for ``seed`` (column → field text; '' = empty)."""
    source = _Rows(seed)
    for _ in range(rows):
        yield source.row()


def generate(out: Path, rows: int, *, seed: int = 20260516) -> int:
    """Write ``DETALLE_INVERSIONES.csv`` to ``out`` (BOM, CRLF, every field quoted); return the rows written."""
    with Path(out).open("w", encoding="utf-8-sig", newline="") as handle:
        handle.write(",".join(_quote(h) for h in HEADER) + "\r\n")
        for row in iter_rows(rows, seed):
            handle.write(",".join(_quote(row[h]) for h in HEADER) + "\r\n")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=REAL_ROWS, help=f"data rows (the real file: {REAL_ROWS:,})")
    parser.add_argument("--out", type=Path, required=True, help="the .csv to write")
    parser.add_argument("--seed", type=int, default=20260516)
    args = parser.parse_args(argv)
    written = generate(args.out, args.rows, seed=args.seed)
    print(f"{args.out}: {written:,} rows x {len(HEADER)} columns, {args.out.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
