"""Build a small warehouse for the gate's tests (and for development) from the real SIAF sample.

``raw.siaf_gasto`` is a view over ``raw.siaf_gasto_rows`` (so tests can insert bad rows), loaded the way the brief
describes the ingest: every field read as text, codes kept as text, years/months/amounts cast, lineage columns
added. ``marts.fct_execution_progress`` is a small hand-made table with the mart's columns.

    .venv/bin/python tests/expectations/gx_scratch_warehouse.py /tmp/gxdev   # writes /tmp/gxdev/monitoring.duckdb

The suites of every raw table, mart and cross-table check need the real chain instead: :func:`build_from_pipeline`
loads INEI's ubigeo table and a SIAF file with the project's loader and builds the marts with dbt (about 10 s), and
:func:`copy_warehouse` copies a built (closed) warehouse file so tests can share one build.
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


def build_from_pipeline(
    warehouse_dir: Path, csv_path: Path = SIAF_SAMPLE, *, max_rejects: int = 0, dbt_tests: bool = True
) -> Path:
    """Load INEI's ubigeo table and ``csv_path`` with the project's loader, then build the marts; return the database.

    ``dbt_tests=False`` runs ``dbt run`` (models only) instead of ``dbt build``: a file whose problems dbt's own tests
    would stop (a month 13) still reaches the marts, so the gate's mart suites see it.
    """
    from pipeline.paths import ubigeo_reference_location
    from pipeline.tasks import load_source

    warehouse_dir.mkdir(parents=True, exist_ok=True)
    load_source("ubigeo-inei", ubigeo_reference_location(), warehouse=warehouse_dir)
    load_siaf(warehouse_dir, csv_path, max_rejects=max_rejects, dbt_tests=dbt_tests)
    return warehouse_dir / DATABASE_FILENAME


def load_siaf(warehouse_dir: Path, csv_path: Path, *, max_rejects: int = 0, dbt_tests: bool | None = None) -> None:
    """Load a SIAF gasto file into an existing warehouse; with ``dbt_tests`` True/False also rebuild the marts
    (``dbt build`` / models only, see :func:`build_from_pipeline`); with None (default) leave the marts as they are."""
    from pipeline.tasks import build_marts, load_source

    load_source("siaf-gasto", str(csv_path), max_rejects=max_rejects, warehouse=warehouse_dir)
    if dbt_tests is True:
        build_marts(warehouse_dir)
    elif dbt_tests is False:
        run_dbt_models(warehouse_dir)


def run_dbt_models(warehouse_dir: Path, select: str | None = None) -> None:
    """Run ``dbt run`` (models only, no data tests) on the warehouse, the way pipeline.transform runs ``dbt build``;
    ``select``: only these models (e.g. ``path:models/audit`` to recompute the cross-table checks)."""
    import os
    import subprocess

    from pipeline.paths import dbt_project_dir
    from pipeline.transform import dbt_executable

    project = str(dbt_project_dir())
    command = [
        dbt_executable(), "--no-use-colors", "run", "--project-dir", project, "--profiles-dir", project,
        "--target-path", str(warehouse_dir / "dbt" / "target"), "--log-path", str(warehouse_dir / "dbt" / "logs"),
    ]  # fmt: skip
    if select:
        command += ["--select", select]
    env = {**os.environ, "WAREHOUSE_DIR": str(warehouse_dir), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"dbt run failed on {warehouse_dir}:\n{done.stdout[-3000:]}{done.stderr[-2000:]}")


def rendered_model_sql(model: str) -> str:
    """Return the SQL of the dbt model ``model`` with its ``source()`` and ``ref()`` calls replaced by the relations.

    Only for models that call nothing else (the audit layer's): ``ref('m')`` is the schema of ``m``'s layer (the
    folder under models/, see macros/generate_schema_name.sql) and ``source('s', 't')`` the schema the sources yml
    gives ``s``. A synthetic warehouse built with DuckDB alone gets its audit table without a dbt parse (~20 s).
    """
    import jinja2
    import yaml

    models = REPO_ROOT / "dbt_project" / "models"
    layer = {path.stem: path.relative_to(models).parts[0] for path in models.rglob("*.sql")}
    schemas = {
        source["name"]: source.get("schema", source["name"])
        for path in models.rglob("*.yml")
        for source in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("sources", [])
    }
    template = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(
        next(models.rglob(f"{model}.sql")).read_text(encoding="utf-8")
    )
    return template.render(ref=lambda name: f"{layer[name]}.{name}", source=lambda s, t: f"{schemas[s]}.{t}")


def copy_warehouse(source_dir: Path, target_dir: Path) -> Path:
    """Copy the (closed) ``monitoring.duckdb`` of ``source_dir`` into ``target_dir``; return ``target_dir``."""
    import shutil

    target_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source_dir / DATABASE_FILENAME, target_dir / DATABASE_FILENAME)
    return target_dir


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/gxdev")
    print(build(target))
