"""Build a small warehouse for the gate's tests (and for development) from the real SIAF sample.

``raw.siaf_gasto`` is a view over ``raw.siaf_gasto_rows`` (so tests can insert bad rows), loaded the way the brief
describes the ingest: every field read as text, codes kept as text, years/months/amounts cast, lineage columns
added. ``marts.fct_execution_progress`` is a small hand-made table with the mart's columns.

    .venv/bin/python tests/expectations/gx_scratch_warehouse.py /tmp/gxdev   # writes /tmp/gxdev/monitoring.duckdb
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SIAF_SAMPLE = REPO_ROOT.parent / "shared" / "realdata" / "siaf_gasto" / "mef-2026-gasto-diario.head.csv"
COMMITTED_GX_ROOT = REPO_ROOT / "expectations" / "gx"
MARTS_CHECKPOINT = COMMITTED_GX_ROOT / "checkpoints" / "marts_execution_progress.json"
DATABASE_FILENAME = "monitoring.duckdb"


def mart_key_column() -> str:
    """The mart's key column as the committed checkpoint names it (first unexpected_index_column_names entry)."""
    checkpoint = json.loads(MARTS_CHECKPOINT.read_text(encoding="utf-8"))
    return str(checkpoint["result_format"]["unexpected_index_column_names"][0])


def build(warehouse_dir: Path, csv_path: Path = SIAF_SAMPLE) -> Path:
    """Create ``warehouse_dir/monitoring.duckdb`` with raw.siaf_gasto and marts.fct_execution_progress."""
    import duckdb

    warehouse_dir.mkdir(parents=True, exist_ok=True)
    database = warehouse_dir / DATABASE_FILENAME
    sha256 = hashlib.sha256(csv_path.read_bytes()).hexdigest()
    source = f"read_csv('{csv_path}', all_varchar=true, allow_quoted_nulls=false, header=true)"
    con = duckdb.connect(str(database))
    try:
        header = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
        con.execute("CREATE SCHEMA IF NOT EXISTS raw")
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute(
            f"CREATE OR REPLACE TABLE raw.siaf_gasto_rows AS SELECT {', '.join(_cast(c) for c in header)}, "
            f"'{sha256}' AS _source_sha256, row_number() OVER () AS _source_row, 1::BIGINT AS _load_id, "
            f"TIMESTAMP '2026-05-21 10:00:00' AS _loaded_at FROM {source}"
        )
        con.execute("CREATE OR REPLACE VIEW raw.siaf_gasto AS SELECT * FROM raw.siaf_gasto_rows")
        key = mart_key_column()
        con.execute(
            f"""CREATE OR REPLACE TABLE marts.fct_execution_progress (
                {key} VARCHAR, year SMALLINT, month SMALLINT, sec_ejec VARCHAR, programa_ppto VARCHAR,
                funcion VARCHAR, department_code VARCHAR, pia DECIMAL(18,2), pim DECIMAL(18,2),
                devengado_month DECIMAL(18,2), devengado_ytd DECIMAL(18,2), girado_month DECIMAL(18,2),
                girado_ytd DECIMAL(18,2), pct_execution_month DOUBLE, pct_execution_ytd DOUBLE)"""
        )
        con.execute(
            """INSERT INTO marts.fct_execution_progress
            SELECT concat_ws('|', year, month, sec_ejec, programa_ppto, funcion, department_code), year, month,
                   sec_ejec, programa_ppto, funcion, department_code, pia, pim, devengado_month,
                   sum(devengado_month) OVER w, girado_month, sum(girado_month) OVER w,
                   CASE WHEN pim <> 0 THEN 100 * devengado_month / pim END,
                   CASE WHEN pim <> 0 THEN 100 * sum(devengado_month) OVER w / pim END
            FROM (VALUES
                (2026, 1, '725', '0002', '20', '01', 1000.00, 1200.00, 100.00, 90.00),
                (2026, 2, '725', '0002', '20', '01', 1000.00, 1200.00, 150.50, 140.00),
                (2026, 3, '725', '0002', '20', '01', 1000.00, 1200.00, -20.00, 0.00),
                (2026, 1, '723', '9002', '15', '01', 500.00, 500.00, 50.00, 50.00),
                (2026, 2, '723', '9002', '15', '01', 500.00, 500.00, 0.00, 0.00),
                (2026, 1, '1518', '0130', '10', '01', 0.00, 0.00, 0.00, 0.00)
            ) AS v(year, month, sec_ejec, programa_ppto, funcion, department_code, pia, pim, devengado_month,
                   girado_month)
            WINDOW w AS (PARTITION BY year, sec_ejec, programa_ppto, funcion, department_code ORDER BY month)"""
        )
    finally:
        con.close()
    return database


def _cast(column: str) -> str:
    name = column.lower()
    if name in ("ano_eje", "mes_eje"):
        return f'CAST("{column}" AS SMALLINT) AS {name}'
    if name.startswith("monto_"):
        return f'CAST("{column}" AS DECIMAL(18,2)) AS {name}'
    return f'"{column}" AS {name}'


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/gxdev")
    print(build(target))
