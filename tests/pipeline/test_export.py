"""The open-data release of a published warehouse built from the real SIAF sample and INEI's ubigeo table.

The warehouse is the session's reference run of ``python -m pipeline run`` (tests/test_crash_safety.py), shared with
the crash-safety and concurrency tests; the release is written outside it. The Data Package is checked by the real
``frictionless`` validator (it reads every file), the Parquet files by DuckDB against the marts.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from pipeline.docs_site import _from_yml, manifest_path, model_docs
from pipeline.export import (
    ExportError,
    PersonalColumnError,
    Release,
    export_release,
    parquet_type,
    release_id,
)
from tests.conftest import ROOT, SIAF_SAMPLE
from tests.test_crash_safety import reference_warehouse


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The published reference warehouse (read here, never written)."""
    return reference_warehouse(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="module")
def release(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Release:
    return export_release(built, tmp_path_factory.mktemp("open-data"))


@pytest.fixture(scope="module")
def package(release: Release) -> dict:
    return json.loads(release.datapackage.read_text(encoding="utf-8"))


def _marts(warehouse: Path) -> dict[str, list[tuple[str, str]]]:
    con = duckdb.connect(str(warehouse / "published.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "select table_name, column_name, data_type from information_schema.columns"
            " where table_schema = 'marts' order by table_name, ordinal_position"
        ).fetchall()
    finally:
        con.close()
    marts: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        marts.setdefault(table, []).append((column, data_type))
    return marts


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _copy_published(built: Path, target: Path) -> Path:
    """A warehouse folder holding a copy of the reference publication and its dbt manifest."""
    (target / "dbt" / "target").mkdir(parents=True)
    shutil.copy2(built / "published.duckdb", target / "published.duckdb")
    shutil.copy2(manifest_path(built), manifest_path(target))
    return target


def test_release_has_every_mart_as_parquet_and_csv(built: Path, release: Release, package: dict) -> None:
    marts = _marts(built)
    assert "fct_budget_execution" in marts and release.rows["fct_budget_execution"] == 127
    assert set(release.rows) == set(marts)
    assert {p.name for p in release.path.iterdir()} == {"datapackage.json"} | {
        f"{m}.{kind}" for m in marts for kind in ("parquet", "csv")
    }
    assert [r["name"] for r in package["resources"]] == [
        f"{m}-{kind}" for m in sorted(marts) for kind in ("csv", "parquet")
    ]
    for resource in package["resources"]:
        path = release.path / resource["path"]
        assert resource["bytes"] == path.stat().st_size
        assert resource["hash"] == f"sha256:{_sha256(path)}"
        assert [f["name"] for f in resource["schema"]["fields"]] == [c for c, _ in marts[resource["title"]]]


def test_datapackage_is_valid_for_frictionless(release: Release, package: dict) -> None:
    import frictionless

    report = frictionless.validate(str(release.datapackage))
    errors = [f"{task.name}: {error.message}" for task in report.tasks for error in task.errors]
    assert report.valid, (errors + [e.message for e in report.errors])[:20]
    # every file was read: the CSVs row by row against their Table Schema, the Parquet files for bytes and hash
    assert sorted(task.name for task in report.tasks) == sorted(r["name"] for r in package["resources"])
    rows = {task.name: task.stats.get("rows", 0) for task in report.tasks if task.name.endswith("-csv")}
    assert rows == {f"{mart}-csv": count for mart, count in release.rows.items()}


def test_parquet_reads_back_equal_to_the_marts(built: Path, release: Release) -> None:
    con = duckdb.connect(str(built / "published.duckdb"), read_only=True)
    try:
        for mart, columns in _marts(built).items():
            parquet = f"read_parquet('{release.path / f'{mart}.parquet'}')"
            types = con.execute(f"select column_name, column_type from (describe select * from {parquet})").fetchall()
            assert types == [(c, parquet_type(t)) for c, t in columns], mart
            counts = con.execute(
                f"select (select count(*) from marts.{mart}), (select count(*) from {parquet}),"
                f" (select count(*) from (select * from marts.{mart} except all select * from {parquet})),"
                f" (select count(*) from (select * from {parquet} except all select * from marts.{mart}))"
            ).fetchone()
            assert counts == (release.rows[mart], release.rows[mart], 0, 0), mart
        # one figure end to end: the sample's devengado survives the round trip to the cent
        total = con.execute(
            f"select sum(monto_devengado) from read_parquet('{release.path / 'fct_budget_execution.parquet'}')"
        ).fetchone()[0]
        assert total == con.execute("select sum(monto_devengado) from marts.fct_budget_execution").fetchone()[0]
    finally:
        con.close()


def test_csv_has_the_marts_rows_in_open_data_form(release: Release) -> None:
    con = duckdb.connect()
    try:
        for mart, count in release.rows.items():
            csv = release.path / f"{mart}.csv"
            assert con.execute(f"select count(*) from read_csv('{csv}', header = true)").fetchone() == (count,), mart
        lines = (release.path / "fct_budget_execution.csv").read_text(encoding="utf-8").splitlines()
    finally:
        con.close()
    header = lines[0].split(",")
    first = dict(zip(header, lines[1].split(","), strict=False))
    assert first["monto_devengado"].count(".") == 1  # decimals with a point, no thousands separator
    assert first["_source_rows"].startswith("[") and json.loads(first["_source_rows"].strip('"'))  # JSON array
    assert first["_loaded_at"][:4].isdigit() and first["_loaded_at"][10] == "T"  # ISO 8601


def test_descriptions_and_keys_come_from_the_dbt_docs(built: Path, package: dict) -> None:
    manifest = json.loads(manifest_path(built).read_text(encoding="utf-8"))
    model = manifest["nodes"]["model.peru_monitoring.fct_budget_execution"]
    resource = next(r for r in package["resources"] if r["name"] == "fct_budget_execution-csv")
    assert resource["description"] == model["description"].strip() and resource["description"]
    fields = {f["name"]: f for f in resource["schema"]["fields"]}
    assert fields["monto_devengado"]["description"] == model["columns"]["monto_devengado"]["description"].strip()
    assert (fields["monto_devengado"]["type"], fields["monto_devengado"]["sqlType"]) == ("number", "DECIMAL(18,2)")
    assert resource["schema"]["primaryKey"] == ["budget_execution_key"]  # unique + not_null in the yml
    assert all(f.get("description") for f in fields.values())  # every column of the mart is documented
    # without a manifest the yml files give the same docs, for every published mart whose yml is unchanged since
    # the build wrote the manifest (the tree may be edited while the tests run)
    from_manifest, from_yml = model_docs(built), _from_yml(ROOT / "dbt_project" / "models")
    built_at = manifest_path(built).stat().st_mtime
    compared = []
    for mart in _marts(built):
        yml = ROOT / "dbt_project" / manifest["nodes"][f"model.peru_monitoring.{mart}"]["patch_path"].split("://")[1]
        if yml.stat().st_mtime < built_at:
            assert from_yml[mart] == from_manifest[mart], mart
            compared.append(mart)
    assert compared


def test_sources_licence_and_gate_are_those_of_the_publication(built: Path, release: Release, package: dict) -> None:
    con = duckdb.connect(str(built / "published.duckdb"), read_only=True)
    try:
        published_at, gate_run = con.execute("select published_at, gate_run_id from ops.publication").fetchone()
    finally:
        con.close()
    assert release.path.name == release_id(published_at) == package["version"]
    assert package["created"] == published_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    siaf = next(s for s in package["sources"] if s["source"] == "siaf-gasto")
    assert siaf["sha256"] == _sha256(SIAF_SAMPLE)  # computed here from the real file
    assert (siaf["path"], siaf["rows"], siaf["partitions"]) == (str(SIAF_SAMPLE), 127, ["2026"])
    assert siaf["loaded_at"].endswith("Z") and siaf["load_id"] >= 1
    assert {s["source"] for s in package["sources"]} == {"siaf-gasto", "ubigeo-inei"}
    assert [lic["name"] for lic in package["licenses"]] == ["ODC-BY-1.0"]
    assert package["quality_gate"]["run_id"] == gate_run == release.gate_run_id
    assert package["quality_gate"]["decision"] == "passed" and package["quality_gate"]["critical_failed"] == 0


def test_second_export_is_identical_and_leaves_no_temporary_folder(
    built: Path, release: Release, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.cli import main

    root = release.path.parent
    before = {p.name: _sha256(p) for p in release.path.iterdir()}
    monkeypatch.setenv("WAREHOUSE_DIR", str(built))
    assert main(["export", "--out", str(root)]) == 0  # the command, on the same publication
    assert {p.name: _sha256(p) for p in release.path.iterdir()} == before
    assert sorted(p.name for p in root.iterdir()) == sorted([release.path.name, "latest"])
    assert (root / "latest").is_symlink() and (root / "latest").resolve() == release.path


def test_a_personal_column_is_refused_and_nothing_is_written(built: Path, tmp_path: Path) -> None:
    warehouse = _copy_published(built, tmp_path / "warehouse")
    con = duckdb.connect(str(warehouse / "published.duckdb"))
    try:  # defence in depth: a mart that somehow carries a taxpayer's name (personal in its contract)
        con.execute("alter table marts.dim_entity add column contribuyente_nombre varchar default 'Juana Inventada'")
    finally:
        con.close()
    with pytest.raises(PersonalColumnError, match=r"marts\.dim_entity\.contribuyente_nombre"):
        export_release(warehouse)
    assert list((warehouse / "open-data").iterdir()) == []


def test_nothing_published_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="nothing published"):
        export_release(tmp_path)


def test_publish_dag_exports_after_publishing_outside_the_writer_pool(built: Path, tmp_path, monkeypatch) -> None:
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(ROOT / "dags" / "marts_publish.py")).dags["marts_publish"]
    task = dag.get_task("export_open_data")
    assert task.upstream_task_ids == {"publish_marts"} and task.downstream_task_ids == set()
    assert task.pool != "warehouse_writer"  # reads published.duckdb only: never blocks loads or builds
    warehouse = _copy_published(built, tmp_path / "warehouse")
    monkeypatch.setenv("WAREHOUSE_DIR", str(warehouse))
    result = task.python_callable({"path": str(warehouse / "published.duckdb")})
    assert Path(result["path"]).parent == warehouse / "open-data"
    assert (warehouse / "open-data" / "latest" / "datapackage.json").is_file()
    assert result["rows"]["fct_budget_execution"] == 127
