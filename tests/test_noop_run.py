"""A daily run with nothing changed upstream costs next to nothing (issue 11).

- ``python -m pipeline run`` on the files of the last publication: both loads ``unchanged``, dbt build, the gate and
  publish skipped with one line naming the publication, ``published.duckdb`` byte for byte as it was.
- A new load, a changed dbt model or ``--force``: dbt build, the gate and publish run.
- Airflow: the marts DAG's first task skips itself (and so the rest) when nothing changed. A load task whose file is
  unchanged is skipped, so ``raw.<table>`` gets no asset event: ``tests/test_end_to_end.py`` runs that in Airflow
  on the demo's metadata database (no second ``airflow db migrate``).

The published warehouse is a copy of the session's reference run (``tests/test_crash_safety.py``), so these tests
build nothing themselves; stages that must not run here raise when called.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from pipeline.cli import main
from tests.conftest import ROOT, SIAF_SAMPLE, UBIGEO_INEI
from tests.ingest.helpers import edited_copy, query
from tests.test_crash_safety import reference_warehouse

RUN = ["run", "--load", f"ubigeo-inei={UBIGEO_INEI}", "--load", f"siaf-gasto={SIAF_SAMPLE}"]
STAGES = ("build_marts", "run_quality_gate", "publish_marts")


@pytest.fixture
def published(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the reference warehouse (samples loaded, built, gated, published), as $WAREHOUSE_DIR."""
    warehouse = tmp_path / "warehouse"
    shutil.copytree(reference_warehouse(tmp_path_factory.getbasetemp()), warehouse)
    monkeypatch.setenv("WAREHOUSE_DIR", str(warehouse))
    return warehouse


def _stages(monkeypatch: pytest.MonkeyPatch, *, allowed: bool) -> list[tuple[str, dict[str, object]]]:
    """Replace dbt build, the gate and publish: record their calls, or fail the test when ``allowed`` is false."""
    import pipeline.tasks

    calls: list[tuple[str, dict[str, object]]] = []

    def stage(name: str) -> Callable[..., dict[str, object]]:
        def called(*args: object, **kwargs: object) -> dict[str, object]:
            if not allowed:
                raise AssertionError(f"{name} ran although nothing changed")
            calls.append((name, kwargs))
            return {"passed": True, "run_id": "test"}

        return called

    for name in STAGES:
        monkeypatch.setattr(pipeline.tasks, name, stage(name))
    return calls


def test_nothing_changed_skips_build_gate_and_publish(
    published: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (published / "published.duckdb").read_bytes()
    con = duckdb.connect(str(published / "published.duckdb"), read_only=True)
    try:
        (gate_run,) = con.execute("select gate_run_id from ops.publication").fetchone()
    finally:
        con.close()
    _stages(monkeypatch, allowed=False)
    assert main(RUN) == 0
    out = capsys.readouterr().out
    skipped = [line for line in out.splitlines() if line.startswith("nothing changed since publication")]
    assert len(skipped) == 1, out
    assert f"(gate run {gate_run}); dbt build, gate and publish skipped" in skipped[0]
    assert "published marts:" in out  # then the status, as after any run
    assert (published / "published.duckdb").read_bytes() == before
    # the arrivals are still recorded: each file's load is 'unchanged'
    log = query(published, "select source, status from ops.load_log order by load_id desc limit 2")
    assert sorted(log) == [("siaf-gasto", "unchanged"), ("ubigeo-inei", "unchanged")]


def test_a_new_load_rebuilds(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from pipeline.publish import code_fingerprint

    newer = edited_copy(SIAF_SAMPLE, tmp_path / "2026-Gasto-Diario.csv", lambda ls: [*ls[:125], b""])
    calls = _stages(monkeypatch, allowed=True)
    caplog.set_level("INFO", logger="pipeline.tasks")
    main(["run", "--load", f"ubigeo-inei={UBIGEO_INEI}", "--load", f"siaf-gasto={newer}"])
    assert [name for name, _ in calls] == list(STAGES)
    assert calls[2][1]["code_fingerprint"] == code_fingerprint()  # taken before the build, recorded by publish
    (load_id,) = query(published, "select max(load_id) from ops.load_log where status = 'loaded'")[0]
    assert f"loads changed: siaf-gasto 2026 (load {load_id}) since publication" in caplog.text


def test_force_rebuilds_although_nothing_changed(published: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _stages(monkeypatch, allowed=True)
    main([*RUN, "--force"])
    assert [name for name, _ in calls] == list(STAGES)


def test_a_changed_dbt_model_rebuilds(published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.tasks import marts_plan

    project = tmp_path / "dbt_project"
    shutil.copytree(ROOT / "dbt_project", project, ignore=shutil.ignore_patterns("target", "logs", ".user.yml"))
    monkeypatch.setenv("DBT_PROJECT_DIR", str(project))
    assert marts_plan(published)["rebuild"] is False  # the same files elsewhere: the same code
    model = sorted((project / "models" / "marts").rglob("*.sql"))[0]
    model.write_text(model.read_text() + "\n-- an edit\n")
    plan = marts_plan(published)
    assert plan["rebuild"] is True
    assert "the code that builds or checks the marts changed" in str(plan["message"])


def test_airflow_marts_dag_skips_when_nothing_changed(published: Path) -> None:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk.exceptions import AirflowSkipException

    dag = DagBag(dag_folder=str(ROOT / "dags" / "marts_publish.py")).dags["marts_publish"]
    assert dag.params["force"] is False
    with pytest.raises(AirflowSkipException, match="nothing changed since publication"):
        dag.get_task("dbt_build").python_callable(params={"force": False})
