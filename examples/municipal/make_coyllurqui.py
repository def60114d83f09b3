"""Write the Coyllurqui participatory-budgeting example files (invented people, published totals).

    .venv/bin/python examples/municipal/make_coyllurqui.py [--out examples/municipal]

Deterministic (fixed seed): running it again rewrites the committed files byte for byte. What is published and what
is invented is listed in docs/participatory-budgeting.md. In short: the totals are Coyllurqui's published figures
(300 participants in 2016, 195 men and 105 women; 257 in 2017, 212 men and 45 women; 22 prioritised projects, 14 of
them added to the investment programme; a surveillance committee of 5); everything below them is invented: every
name, every document number, the organisations and their split, the projects, amounts, CUIs and the 2016/2017 split
of the projects.

Document numbers are ``X`` + 7 digits: a Peruvian DNI is 8 digits, so none of them can be a real person's. CUIs are
``00000NN``: MEF's CUIs start at 2000000, so none can match a real investment.
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

UBIGEO = "030503"  # Coyllurqui, Cotabambas, Apurímac (reference/ubigeo/ubigeo-inei-2025.csv)
SEED = 2016
HERE = Path(__file__).resolve().parent
FILES = {
    "participantes": "coyllurqui-pp-participantes.csv",
    "acuerdos": "coyllurqui-pp-acuerdos.csv",
    "comite": "coyllurqui-pp-comite.csv",
}

FIRST_F = [
    "María", "Juana", "Rosa", "Lucía", "Carmen", "Teresa", "Julia", "Elena", "Marina", "Felícitas", "Hilda",
    "Nélida", "Victoria", "Justina", "Martha", "Gregoria", "Paulina", "Isabel", "Flora", "Sabina", "Yolanda", "Ana",
]  # fmt: skip
FIRST_M = [
    "Juan", "José", "Pedro", "Luis", "Carlos", "Mario", "Julio", "Víctor", "Félix", "Hilario", "Santos", "Valentín",
    "Alejandro", "Marcelino", "Ignacio", "Eusebio", "Wilber", "Edwin", "Rubén", "Teodoro", "Agustín", "Fortunato",
]  # fmt: skip
SURNAMES = [
    "Quispe", "Huamán", "Mamani", "Condori", "Ccahuana", "Huillca", "Ccorimanya", "Puma", "Challco", "Taipe",
    "Cusihuamán", "Soto", "Ramos", "Flores", "Vargas", "Chipana", "Huaraca", "Ayquipa", "Palomino", "Rojas",
    "Sullca", "Pillco", "Ttito", "Hancco", "Yauri", "Gutiérrez", "Cárdenas", "Oblitas", "Merma", "Lima",
]  # fmt: skip

# Invented organisations of each type (the published figures do not break participants down by organisation).
ORGANISATIONS = {
    "Comunidad campesina": [
        "Comunidad Campesina de Ccaccasiri", "Comunidad Campesina de Pumamarca Alta", "Comunidad Campesina de Ayaquiña",
        "Comunidad Campesina de Huayllapampa", "Comunidad Campesina de Ccochapata", "Comunidad Campesina de Tincoc",
    ],
    "Junta vecinal": ["Junta Vecinal Barrio Centro", "Junta Vecinal Barrio Alto Pucará", "Junta Vecinal Santa Rosa"],
    "Ronda campesina": ["Ronda Campesina Central de Coyllurqui", "Ronda Campesina Sector Ccollpa"],
    "Club de madres": [
        "Club de Madres Virgen del Carmen", "Club de Madres Mujeres Emprendedoras", "Club de Madres Sumaq Warmi",
    ],
    "Comité de vaso de leche": ["Comité de Vaso de Leche Barrio Centro", "Comité de Vaso de Leche Ccaccasiri"],
    "Asociación de productores": [
        "Asociación de Productores Agropecuarios Coyllurqui", "Asociación de Criadores de Alpacas Qori Millma",
    ],
    "Municipalidad": ["Municipalidad Distrital de Coyllurqui"],
}  # fmt: skip
# (men, women) per organisation type and year: invented, summing to the published 195/105 (2016) and 212/45 (2017).
# Several groups are below the privacy minimum of 5 on purpose: the marts must suppress them.
PARTICIPANTS = {
    2016: {
        "Comunidad campesina": (120, 30), "Junta vecinal": (25, 12), "Ronda campesina": (30, 3),
        "Club de madres": (0, 35), "Comité de vaso de leche": (2, 15), "Asociación de productores": (10, 6),
        "Municipalidad": (8, 4),
    },
    2017: {
        "Comunidad campesina": (140, 15), "Junta vecinal": (22, 6), "Ronda campesina": (28, 2),
        "Club de madres": (0, 12), "Comité de vaso de leche": (1, 6), "Asociación de productores": (12, 1),
        "Municipalidad": (9, 3),
    },
}  # fmt: skip

# 22 prioritised projects (published); the 12/10 split over 2016/2017, the names and amounts are invented.
# (year, project, amount, added to the investment programme); 14 are added (published), 8 in 2016 and 6 in 2017.
PROJECTS = [
    (2016, "Mejoramiento del sistema de riego Ccaccasiri - Pumamarca", 1_245_380.00, True),
    (2016, "Creación del servicio de agua potable y saneamiento en Ayaquiña", 986_420.50, True),
    (2016, "Mejoramiento del camino vecinal Coyllurqui - Huayllapampa", 1_870_000.00, True),
    (2016, "Mejoramiento de la institución educativa inicial de Tincoc", 642_115.30, True),
    (2016, "Instalación de cobertizos para ganado alpaquero en Ccochapata", 318_750.00, True),
    (2016, "Mejoramiento del servicio de salud del puesto de salud de Ccaccasiri", 754_900.00, True),
    (2016, "Construcción del reservorio de riego Tincoc", 412_300.00, True),
    (2016, "Mejoramiento de la plaza principal de Coyllurqui", 530_000.00, True),
    (2016, "Fortalecimiento de capacidades de productores de cuyes", 85_000.00, False),
    (2016, "Instalación de biohuertos familiares en Huayllapampa", 64_500.00, False),
    (2016, "Construcción del local comunal de Pumamarca Alta", 210_000.00, False),
    (2016, "Forestación con especies nativas en la microcuenca Ccollpa", 150_000.00, False),
    (2017, "Mejoramiento del sistema de agua potable del Barrio Alto Pucará", 695_240.00, True),
    (2017, "Creación del puente peatonal sobre el río Coyllurqui", 1_120_500.00, True),
    (2017, "Mejoramiento del canal de riego Ayaquiña", 880_000.00, True),
    (2017, "Instalación del servicio de electrificación rural en Ccochapata", 1_402_870.25, True),
    (2017, "Mejoramiento de la institución educativa primaria de Huayllapampa", 1_015_300.00, True),
    (2017, "Creación del centro de acopio de fibra de alpaca", 460_000.00, True),
    (2017, "Fortalecimiento de la cadena productiva de papa nativa", 120_000.00, False),
    (2017, "Construcción de la losa deportiva de Tincoc", 240_000.00, False),
    (2017, "Instalación de cocinas mejoradas en Ccaccasiri", 96_000.00, False),
    (2017, "Capacitación en gestión de residuos sólidos", 45_000.00, False),
]  # fmt: skip
COMMITTEE_YEAR = 2017  # the published figure is a committee of 5 without a year: placed in the 2017 process
COMMITTEE = [
    ("Comunidad Campesina de Ccaccasiri", "Presidente"),
    ("Club de Madres Virgen del Carmen", "Vicepresidenta"),
    ("Junta Vecinal Barrio Centro", "Secretario"),
    ("Ronda Campesina Central de Coyllurqui", "Vocal"),
    ("Asociación de Productores Agropecuarios Coyllurqui", "Vocal"),
]
COMMITTEE_WOMEN = {"Vicepresidenta"}


class People:
    """Invented people: a name from the lists, a document number that no DNI can have, each used once."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.ids: set[str] = set()
        self.names: set[str] = set()

    def new(self, woman: bool) -> tuple[str, str]:
        """Return (document number, 'SURNAME SURNAME, Name') for a new invented person."""
        while True:
            doc = f"X{self.rng.randrange(10**7):07d}"
            first = self.rng.choice(FIRST_F if woman else FIRST_M)
            name = f"{self.rng.choice(SURNAMES)} {self.rng.choice(SURNAMES)}, {first}".upper()
            if doc not in self.ids and name not in self.names:
                self.ids.add(doc)
                self.names.add(name)
                return doc, name


def participants(people: People, rng: random.Random) -> list[list[str]]:
    """Return the participants rows, per year, grouped by organisation type and shuffled within the year."""
    rows: list[list[str]] = []
    for year, by_type in PARTICIPANTS.items():
        year_rows = []
        for kind, (men, women) in by_type.items():
            role = "Representante del Estado" if kind == "Municipalidad" else "Agente participante"
            for woman in [False] * men + [True] * women:
                doc, name = people.new(woman)
                organisation = rng.choice(ORGANISATIONS[kind])
                year_rows.append([UBIGEO, str(year), doc, name, "F" if woman else "M", organisation, kind, role])
        rng.shuffle(year_rows)
        rows += year_rows
    return rows


def agreements() -> list[list[str]]:
    """Return the agreements rows: priority in listed order per year; CUIs 00000NN for the projects in the PMI."""
    rows, priority, cui = [], {}, 0
    for year, project, amount, in_pmi in PROJECTS:
        priority[year] = priority.get(year, 0) + 1
        if in_pmi:
            cui += 1
        code = f"{cui:07d}" if in_pmi else ""
        rows.append([UBIGEO, str(year), str(priority[year]), project, code, f"{amount:,.2f}", "SI" if in_pmi else "NO"])
    return rows


def committee(people: People) -> list[list[str]]:
    """Return the surveillance-committee rows."""
    rows = []
    for organisation, post in COMMITTEE:
        doc, name = people.new(post in COMMITTEE_WOMEN)
        rows.append([UBIGEO, str(COMMITTEE_YEAR), doc, name, organisation, post])
    return rows


HEADERS = {
    "participantes": ["UBIGEO", "AÑO", "DOCUMENTO", "APELLIDOS Y NOMBRES", "SEXO", "ORGANIZACIÓN",
                      "TIPO DE ORGANIZACIÓN", "ROL"],
    "acuerdos": ["UBIGEO", "AÑO", "PRIORIDAD", "PROYECTO", "CUI", "MONTO (S/)", "INCLUIDO EN PMI"],
    "comite": ["UBIGEO", "AÑO", "DOCUMENTO", "APELLIDOS Y NOMBRES", "ORGANIZACIÓN", "CARGO"],
}  # fmt: skip


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """Write ``rows`` under ``header`` as UTF-8, comma-delimited CSV (quotes only where needed); return the path."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *rows])
    return path


def write_examples(out: Path) -> dict[str, Path]:
    """Write the three example files into ``out``; return kind -> path."""
    rng = random.Random(SEED)
    people = People(rng)
    rows = {"participantes": participants(people, rng), "acuerdos": agreements(), "comite": committee(people)}
    out.mkdir(parents=True, exist_ok=True)
    return {kind: write_csv(out / FILES[kind], HEADERS[kind], rows[kind]) for kind in FILES}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write into (default: this one)")
    for path in write_examples(parser.parse_args().out).values():
        print(path)


if __name__ == "__main__":
    main()
