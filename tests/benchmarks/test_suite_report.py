"""The benchmark suite's pure parts: the targets it judges, the table it prints and the section it writes into
docs/benchmarks.md. Figures here are made up; nothing is timed (the suite itself measures: ``make bench``)."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest

from benchmarks.suite import child_env, serve
from benchmarks.suite_report import (
    E2E_STAGES,
    END_MARKER,
    START_MARKER,
    Measure,
    SizeRun,
    evaluate_targets,
    render_report,
    render_table,
    replace_section,
)

ROOT = Path(__file__).resolve().parents[2]
MACHINE = {
    "date": "2026-11-28 23:00 UTC",
    "machine": "2 cores (test CPU), 23.5 GiB RAM",
    "duckdb": "2.0.0",
    "python": "3.11.2",
    "settings": "`WAREHOUSE_MEMORY_LIMIT` = 4GB, `WAREHOUSE_THREADS` = unset",
    "load": "0.5 0.4 0.3",
}


def size_run(multiplier: int, *, seconds: float = 10.0, peak: float = 500.0, **overrides: Measure) -> SizeRun:
    """A run whose stages each take ``seconds`` x multiplier with ``peak`` MiB, unless ``overrides`` says otherwise;
    bare is 0.9x the load, the no-op 1 s, the dashboard 20 / 50 ms."""
    stages = {name: Measure(seconds * multiplier, peak) for name in E2E_STAGES}
    stages["bare"] = Measure(0.9 * seconds * multiplier, peak)
    stages["noop"] = Measure(1.0, 200.0)
    stages["dashboard"] = Measure(0.5, 150.0, {"p50": 0.020, "p95": 0.050})
    stages.update({name.replace("_", "-"): measure for name, measure in overrides.items()})
    return SizeRun(f"{multiplier}x", multiplier, 256.0 * multiplier, 283_061 * multiplier, stages)


def test_targets_met_on_a_linear_flat_run() -> None:
    runs = [size_run(1), size_run(2), size_run(4)]
    targets = {t.name: t for t in evaluate_targets(runs)}
    assert [t.met for t in targets.values()] == [True, True, True, True, True, None]
    assert targets["load ≤ 1.25x bare DuckDB"].measured == "worst 1.11x (1x)"
    assert targets["cost linear (time ratio ≤ 1.1 x input ratio)"].measured == "4x input: 4.00x time (limit 4.4x)"
    # no separate pipeline run: the no-op is compared with the six stages `python -m pipeline run` does, 40 s each
    assert targets["no-op daily run ≤ 5% of a full run"].measured.startswith("0.4% (4x: 1.0 s of 240.0 s")
    assert targets["end to end, a generated national year (10 GB), dominating stage named"].measured == (
        "not run (`--national`)"
    )


def test_each_target_fails_on_its_own_figure() -> None:
    slow_load = [size_run(1), size_run(4, load=Measure(60.0, 500.0))]  # bare 36 s: 1.67x
    assert evaluate_targets(slow_load)[0].met is False
    assert evaluate_targets(slow_load)[0].measured == "worst 1.67x (4x)"

    growing = [size_run(1), size_run(4, dbt=Measure(160.0, 900.0))]  # 500 -> 900 MiB: 1.8x
    target = evaluate_targets(growing)[1]
    assert (target.met, target.measured) == (False, "worst 1.80x (dbt build (every model and test), 4x over 1x)")

    slow_large = size_run(4)
    slow_large.stages["dbt"] = Measure(100.0, 500.0)  # e2e 1x: 70 s; 4x: 6 x 40 + 100 = 340 s: 4.86x
    assert evaluate_targets([size_run(1), slow_large])[2].met is False

    busy_noop = [size_run(1), size_run(4, noop=Measure(13.0, 200.0))]  # 13 / 240 s = 5.4 %
    assert evaluate_targets(busy_noop)[3].met is False

    slow_gate = [size_run(1, gate=Measure(11.0, 500.0)), size_run(4)]  # gate 11 s, load 10 s
    target = evaluate_targets(slow_gate)[4]
    assert (target.met, target.measured) == (False, "worst 1.10x the load (1x)")


def test_noop_share_prefers_the_one_process_pipeline_run() -> None:
    run = size_run(4, pipeline_run=Measure(200.0, 900.0))
    assert run.noop_share() == pytest.approx(1.0 / 200.0)
    assert run.full_run_seconds() == (200.0, "`python -m pipeline run`")
    del run.stages["pipeline-run"]
    assert run.full_run_seconds() == (240.0, "the sum of its stages")


def test_one_size_cannot_judge_growth_and_national_year_is_reported_with_its_dominant_stage() -> None:
    national = size_run(1, dbt=Measure(300.0, 3000.0))
    national.label, national.file_mib, national.rows = "national year", 10240.0, 11_000_000
    targets = evaluate_targets([size_run(1)], national)
    assert [(t.measured, t.met) for t in targets[1:3]] == [("needs two sizes", None), ("needs two sizes", None)]
    assert targets[-1].met is None
    assert targets[-1].measured == (
        "6 min 00 s for 10.0 GiB, 11,000,000 rows; dbt build (every model and test) dominates (83%)"
    )
    assert national.dominant_stage() == ("dbt", pytest.approx(300.0 / 360.0))


def test_table_has_a_row_per_measured_stage_and_the_ratios() -> None:
    runs = [size_run(2), size_run(1)]  # any order: columns go by size
    del runs[0].stages["export"]
    table = render_table(runs).splitlines()
    assert table[0] == "| stage | 1x: 256 MiB, 283,061 rows | 2x: 512 MiB, 566,122 rows | 2x/1x time |"
    assert "| load SIAF gasto | 10.0 s · 500 MiB | 20.0 s · 500 MiB | 2.00x |" in table
    assert "| open-data export | 10.0 s · 500 MiB | - | - |" in table
    # end to end needs every stage: missing at 2x
    assert "| **end to end** (sum of the stages) | 70.0 s · 500 MiB | - | - |" in table
    noop = (
        "| no-op re-run, same URL | 1.0 s · 200 MiB (1.7% of the full run) | 1.0 s · 200 MiB (0.8% of the full run) |"
    )
    assert f"{noop} 1.00x |" in table
    assert "| load / bare `read_csv` | 1.11x | 1.11x |  |" in table
    assert "| dashboard queries (execution page) | p50 20 ms · p95 50 ms | p50 20 ms · p95 50 ms |  |" in table
    assert not any(line.startswith("| `python -m pipeline run`") for line in table)  # not measured: no row


def test_report_names_machine_settings_targets_and_dominant_stage() -> None:
    runs = [size_run(1), size_run(2), size_run(4, dbt=Measure(90.0, 700.0))]
    report = render_report(runs, None, MACHINE, "python benchmarks/suite.py --base-mb 256")
    assert report.startswith("### Latest run: every stage at 1x, 2x and 4x a base size of 256 MiB\n")
    assert "Measured 2026-11-28 23:00 UTC by `python benchmarks/suite.py --base-mb 256` on 2 cores" in report
    assert "DuckDB 2.0.0, Python 3.11.2; `WAREHOUSE_MEMORY_LIMIT` = 4GB, `WAREHOUSE_THREADS` = unset" in report
    assert "| load ≤ 1.25x bare DuckDB | worst 1.11x (1x) | met |" in report
    assert "Dominating stage at 4x (1,024 MiB): dbt build (every model and test), 27% of end to end." in report
    assert START_MARKER not in report and END_MARKER not in report


def test_section_is_replaced_between_the_markers_and_the_rest_kept() -> None:
    document = f"# Benchmarks\n\nhistory 1\n\n{START_MARKER}\nold figures\n{END_MARKER}\n\n## History 2\nkept\n"
    once = replace_section(document, "new figures\n")
    assert once == f"# Benchmarks\n\nhistory 1\n\n{START_MARKER}\nnew figures\n{END_MARKER}\n\n## History 2\nkept\n"
    assert replace_section(once, "new figures\n") == once


def test_section_is_appended_once_when_the_document_has_no_markers() -> None:
    appended = replace_section("# Benchmarks\n\nhistory\n", "figures")
    assert appended == f"# Benchmarks\n\nhistory\n\n{START_MARKER}\nfigures\n{END_MARKER}\n"
    assert replace_section(appended, "again") == f"# Benchmarks\n\nhistory\n\n{START_MARKER}\nagain\n{END_MARKER}\n"


@pytest.mark.parametrize(
    "document",
    [
        f"text {START_MARKER} no end",
        f"{END_MARKER} before {START_MARKER}",
        f"{START_MARKER} a {END_MARKER} {START_MARKER} b {END_MARKER}",
    ],
)
def test_broken_markers_are_refused_rather_than_overwriting_text(document: str) -> None:
    with pytest.raises(ValueError, match="bench-suite"):
        replace_section(document, "figures")


def test_the_committed_benchmarks_page_keeps_its_history_when_the_suite_writes() -> None:
    page = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    written = replace_section(page, "the suite's figures")
    assert "## Loading SIAF gasto: the project's load next to a bare DuckDB `read_csv`" in written
    assert "## Validating a 2-million-row SIAF table" in written
    assert written.count(START_MARKER) == written.count(END_MARKER) == 1
    assert "the suite's figures" in written


def test_loopback_server_serves_the_cache_and_stops(tmp_path: Path) -> None:
    (tmp_path / "file.csv").write_bytes(b'"A"\r\n"1"\r\n')
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never through a proxy
    with serve(tmp_path) as url:
        assert url.startswith("http://127.0.0.1:")
        with opener.open(f"{url}/file.csv", timeout=5) as response:
            assert response.read() == b'"A"\r\n"1"\r\n'
    with pytest.raises(OSError):
        opener.open(f"{url}/file.csv", timeout=2)


def test_children_load_only_the_benchmark_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SIAF_INGRESO_LOCATION", "/somewhere/2025-Ingreso.csv")
    monkeypatch.setenv("WAREHOUSE_THREADS", "1")
    env = child_env(tmp_path / "warehouse")
    assert "SIAF_INGRESO_LOCATION" not in env
    assert env["WAREHOUSE_DIR"] == str(tmp_path / "warehouse")
    assert env["WAREHOUSE_THREADS"] == "1"
    assert "127.0.0.1" in env["NO_PROXY"]


def test_a_run_that_cannot_fit_on_the_disk_is_refused_before_generating(tmp_path: Path) -> None:
    from benchmarks.suite import disk_problem

    assert disk_problem(tmp_path / "not-yet", [1, 2, 4]) is None
    problem = disk_problem(tmp_path / "not-yet", [10**9])
    assert problem is not None and "GiB free; this run needs about" in problem
