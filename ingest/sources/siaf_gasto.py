"""MEF SIAF expenditure (gasto): budget execution by entity, programme, project, function, funding and month.

Published by MEF's Datos Abiertos as ``YYYY-Gasto-Diario.csv`` (daily, 4+ GB) and, for older years, ``YYYY-Gasto.csv``
(shipped zipped). UTF-8, comma-delimited, every field double-quoted. A new file for a year replaces that year.
"""

from __future__ import annotations

from datetime import timedelta

from ingest.schema import CsvFormat, Layout, Source, canonical

AMOUNTS = (
    "MONTO_PIA",
    "MONTO_PIM",
    "MONTO_CERTIFICADO",
    "MONTO_COMPROMETIDO_ANUAL",
    "MONTO_COMPROMETIDO",
    "MONTO_DEVENGADO",
    "MONTO_GIRADO",
)

# The 63 columns of 2026-Gasto-Diario.csv, in MEF's order (../shared/realdata/siaf_gasto).
HEADER_2026 = (
    "ANO_EJE", "MES_EJE", "NIVEL_GOBIERNO", "NIVEL_GOBIERNO_NOMBRE", "SECTOR", "SECTOR_NOMBRE", "PLIEGO",
    "PLIEGO_NOMBRE", "SEC_EJEC", "EJECUTORA", "EJECUTORA_NOMBRE", "DEPARTAMENTO_EJECUTORA",
    "DEPARTAMENTO_EJECUTORA_NOMBRE", "PROVINCIA_EJECUTORA", "PROVINCIA_EJECUTORA_NOMBRE", "DISTRITO_EJECUTORA",
    "DISTRITO_EJECUTORA_NOMBRE", "SEC_FUNC", "PROGRAMA_PPTO", "PROGRAMA_PPTO_NOMBRE", "TIPO_ACT_PROY",
    "TIPO_ACT_PROY_NOMBRE", "PRODUCTO_PROYECTO", "PRODUCTO_PROYECTO_NOMBRE", "ACTIVIDAD_ACCION_OBRA",
    "ACTIVIDAD_ACCION_OBRA_NOMBRE", "FUNCION", "FUNCION_NOMBRE", "DIVISION_FUNCIONAL", "DIVISION_FUNCIONAL_NOMBRE",
    "GRUPO_FUNCIONAL", "GRUPO_FUNCIONAL_NOMBRE", "META", "FINALIDAD", "META_NOMBRE", "DEPARTAMENTO_META",
    "DEPARTAMENTO_META_NOMBRE", "FUENTE_FINANCIAMIENTO", "FUENTE_FINANCIAMIENTO_NOMBRE", "RUBRO", "RUBRO_NOMBRE",
    "TIPO_RECURSO", "TIPO_RECURSO_NOMBRE", "CATEGORIA_GASTO", "CATEGORIA_GASTO_NOMBRE", "TIPO_TRANSACCION",
    "GENERICA", "GENERICA_NOMBRE", "SUBGENERICA", "SUBGENERICA_NOMBRE", "SUBGENERICA_DET", "SUBGENERICA_DET_NOMBRE",
    "ESPECIFICA", "ESPECIFICA_NOMBRE", "ESPECIFICA_DET", "ESPECIFICA_DET_NOMBRE", *AMOUNTS,
)  # fmt: skip

TYPES = {"ANO_EJE": "SMALLINT", "MES_EJE": "SMALLINT", **dict.fromkeys(AMOUNTS, "DECIMAL(18,2)")}

DIARIO_2026 = Layout(
    name="gasto-diario-2026",
    description="YYYY-Gasto-Diario.csv, 63 columns (NIVEL_GOBIERNO, FUENTE_FINANCIAMIENTO, CATEGORIA_GASTO)",
    columns=canonical(*HEADER_2026, types=TYPES),
)

# Older YYYY-Gasto.csv (MEF dictionary, ../shared/realdata/siaf_gasto/diccionario-gasto.xlsx): 62 columns, older
# names for three code pairs and no TIPO_ACT_PROY_NOMBRE.
LEGACY_RENAMES = {
    "nivel_gobierno": "TIPO_GOBIERNO",
    "nivel_gobierno_nombre": "TIPO_GOBIERNO_NOMBRE",
    "fuente_financiamiento": "FUENTE_FINANC",
    "fuente_financiamiento_nombre": "FUENTE_FINANC_NOMBRE",
    "categoria_gasto": "CATEG_GASTO",
    "categoria_gasto_nombre": "CATEG_GASTO_NOMBRE",
}
ANUAL_LEGACY = Layout(
    name="gasto-anual-legacy",
    description="older YYYY-Gasto.csv, 62 columns (TIPO_GOBIERNO, FUENTE_FINANC, CATEG_GASTO; no TIPO_ACT_PROY_NOMBRE)",
    columns=canonical(*HEADER_2026, types=TYPES, renames=LEGACY_RENAMES, absent=frozenset({"tipo_act_proy_nombre"})),
)

SOURCE = Source(
    name="siaf-gasto",
    table="siaf_gasto",
    title="SIAF budget execution (gasto): PIA, PIM, certificado, compromiso, devengado, girado",
    publisher="MEF, Datos Abiertos (Consulta Amigable / SIAF)",
    layouts=(DIARIO_2026, ANUAL_LEGACY),
    csv=CsvFormat(delimiter=",", quote='"', multiline_fields=False, quote_all=True),
    partition_column="ano_eje",
    expected_every=timedelta(days=1),
)
