"""INEI's district table (ubigeo): the map of the country that SIAF, InfObras and Invierte.pe codes refer to.

The project ships the 2025 table in ``reference/ubigeo/``. UTF-8 with BOM, ``;``-delimited, accented header names.
A new file replaces the whole table.
"""

from __future__ import annotations

from datetime import timedelta

from ingest.schema import Column, CsvFormat, Layout, Source

INEI_2025 = Layout(
    name="ubigeo-inei-2025",
    description="INEI districts: departamento;provincia;distrito;ubigeo;capital_legal;categoría;altitud;población;…",
    columns=(
        Column("departamento", "VARCHAR", "departamento"),
        Column("provincia", "VARCHAR", "provincia"),
        Column("distrito", "VARCHAR", "distrito"),
        Column("ubigeo", "VARCHAR", "ubigeo"),
        Column("capital_legal", "VARCHAR", "capital_legal"),
        Column("categoria", "VARCHAR", "categoría"),
        Column("altitud", "DOUBLE", "altitud"),
        Column("poblacion", "BIGINT", "población"),
        Column("latitud", "DOUBLE", "latitud"),
        Column("longitud", "DOUBLE", "longitud"),
    ),
)

SOURCE = Source(
    name="ubigeo-inei",
    table="ubigeo_inei",
    title="INEI ubigeo: districts with names, capital, altitude, population and coordinates",
    publisher="INEI",
    layouts=(INEI_2025,),
    csv=CsvFormat(delimiter=";", quote='"', multiline_fields=False),
    partition_column=None,
    expected_every=timedelta(days=365),
)
