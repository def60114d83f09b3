"""Participatory budgeting: Coyllurqui's example files through the contracts, the published marts' figures, the
agreement-compliance link to SIAF and InfObras by CUI, and small-group suppression.

The warehouse is the one pipeline run of tests/test_privacy_scan.py (loads, full ``dbt build``, quality gate,
publish; once per session): besides every municipal example file it carries the real SIAF sample with three
generated project lines, a generated InfObras file whose works have those CUIs, a generated acta for another
municipality whose agreements name them, and a generated participants register there with a person entered twice.
Figures are read from the published file, as a reader would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from pipeline.paths import dbt_project_dir
from pipeline.transform import dbt_executable
from tests.ingest.helpers import records
from tests.test_privacy_scan import (
    CUI_FULFILLED,
    CUI_NO_DEVENGADO,
    CUI_NOT_BUILT,
    TEST_UBIGEO,
    PipelineRun,
    pipeline_run,
)

COYLLURQUI = "030503"
EXAMPLE_ROWS = {"municipal-pp-participantes": 557, "municipal-pp-acuerdos": 22, "municipal-pp-comite": 5}


@pytest.fixture(scope="module")
def run() -> PipelineRun:
    return pipeline_run()


def _query(database: Path, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    return records(database, sql, params)


def _participation(database: Path, ubigeo: str = COYLLURQUI) -> dict[tuple[int, str, str | None, str | None], dict]:
    rows = _query(database, "select * from marts.fct_participation where ubigeo = ?", [ubigeo])
    return {(r["year"], r["aggregation_level"], r["gender"], r["organisation_type"]): r for r in rows}


def test_example_files_load_through_the_contracts_with_no_rejects(run: PipelineRun) -> None:
    for source, rows in EXAMPLE_ROWS.items():
        example = [load for load in run.loads[source] if "examples/municipal/coyllurqui-" in load["location"]]
        assert len(example) == 1, run.loads[source]
        assert example[0]["status"] == "loaded", example[0]
        assert (example[0]["rows_read"], example[0]["rows_loaded"], example[0]["rows_rejected"]) == (rows, rows, 0)
        assert example[0]["partitions"] == [COYLLURQUI]


def test_women_share_and_totals_from_the_mart(run: PipelineRun) -> None:
    cells = _participation(run.published)
    for year, total, men, women, share in ((2016, 300, 195, 105, "35.0"), (2017, 257, 212, 45, "17.5")):
        assert cells[(year, "total", None, None)]["participants"] == total
        assert cells[(year, "gender", "M", None)]["participants"] == men
        assert cells[(year, "gender", "F", None)]["participants"] == women
        assert str(cells[(year, "gender", "F", None)]["share_pct"]) == share
    compliance = {
        r["year"]: r
        for r in _query(run.published, "select * from marts.agg_agreement_compliance where ubigeo = ?", [COYLLURQUI])
    }
    assert {year: r["participants"] for year, r in compliance.items()} == {2016: 300, 2017: 257}


def test_agreements_and_committee_from_the_marts(run: PipelineRun) -> None:
    agreements = _query(
        run.published, "select * from marts.fct_participatory_agreements where ubigeo = ?", [COYLLURQUI]
    )
    assert len(agreements) == 22
    assert sum(r["added_to_investment_programme"] for r in agreements) == 14
    # the example's CUIs (00000NN) are outside MEF's range: none can match SIAF or InfObras
    assert sum(r["cui"] is not None for r in agreements) == 14
    assert not any(r["in_budget"] or r["executed"] or r["built"] or r["is_fulfilled"] for r in agreements)
    compliance = _query(
        run.published,
        "select sum(agreements) as agreements, sum(agreements_in_investment_programme) as in_pmi,"
        " sum(committee_members) as committee, count_if(committee_members is not null) as committee_years,"
        " sum(agreements_fulfilled) as fulfilled from marts.agg_agreement_compliance where ubigeo = ?",
        [COYLLURQUI],
    )[0]
    assert compliance == {"agreements": 22, "in_pmi": 14, "committee": 5, "committee_years": 1, "fulfilled": 0}


def test_compliance_links_agreements_to_siaf_and_infobras_by_cui(run: PipelineRun) -> None:
    rows = {
        (r["year"], r["priority"]): r
        for r in _query(
            run.published, "select * from marts.fct_participatory_agreements where ubigeo = ?", [TEST_UBIGEO]
        )
    }
    fulfilled, no_devengado, not_built, no_cui = (rows[(2025, p)] for p in (1, 2, 3, 4))
    assert (fulfilled["cui"], fulfilled["in_budget"], fulfilled["executed"], fulfilled["built"]) == (
        CUI_FULFILLED, True, True, True,
    )  # fmt: skip
    assert fulfilled["is_fulfilled"] is True
    assert (fulfilled["first_budget_year"], fulfilled["monto_pim"], fulfilled["monto_devengado"]) == (2026, 1000, 500)
    assert fulfilled["infobras_as_of_date"] is not None and fulfilled["siaf_loaded_at"] is not None
    assert (no_devengado["cui"], no_devengado["in_budget"], no_devengado["executed"]) == (CUI_NO_DEVENGADO, True, False)
    assert no_devengado["built"] is True and no_devengado["is_fulfilled"] is False
    assert (not_built["cui"], not_built["executed"], not_built["built"]) == (CUI_NOT_BUILT, True, False)
    assert not_built["avance_fisico_real_pct_min"] == 60 and not_built["is_fulfilled"] is False
    assert (no_cui["in_budget"], no_cui["built"], no_cui["is_fulfilled"]) == (None, None, False)
    # a process held in 2027 decides budgets from 2027 on: the 2026 SIAF line of its CUI does not count
    later = rows[(2027, 1)]
    assert (later["cui"], later["in_budget"], later["siaf_year_count"], later["is_fulfilled"]) == (
        CUI_FULFILLED, False, 0, False,
    )  # fmt: skip
    summary = _query(
        run.published, "select * from marts.agg_agreement_compliance where ubigeo = ? and year = 2025", [TEST_UBIGEO]
    )[0]
    counts = ("agreements", "agreements_with_cui", "agreements_in_budget", "agreements_executed", "agreements_built")
    assert [summary[name] for name in counts] == [4, 3, 3, 2, 2]
    assert summary["agreements_fulfilled"] == 1
    assert (str(summary["pct_fulfilled"]), str(summary["pct_fulfilled_of_with_cui"])) == ("25.0", "33.3")
    # the generated register has 6 rows for 5 people: a person registered twice counts once
    assert (summary["participants"], summary["participants_suppressed"]) == (5, False)
    assert (summary["committee_members"], summary["committee_members_suppressed"]) == (None, False)  # none loaded
    cells = _participation(run.published, TEST_UBIGEO)
    assert cells[(2025, "total", None, None)]["participants"] == 5
    assert cells[(2025, "gender", "F", None)]["suppression_reason"] == "below_minimum"  # 3 women


def test_groups_below_the_minimum_are_suppressed(run: PipelineRun) -> None:
    cells = _participation(run.published)
    women_rondas = cells[(2016, "gender_organisation", "F", "Ronda campesina")]  # 3 women in the example
    assert (women_rondas["participants"], women_rondas["share_pct"]) == (None, None)
    assert (women_rondas["is_suppressed_group"], women_rondas["suppression_reason"]) == (True, "below_minimum")
    # 2 men in the 2016 vaso de leche committees: the only small cell of the men's total, so the next smallest
    # (8 men of the municipality) is withheld too, or 195 minus the others would give the 2 away
    assert cells[(2016, "gender_organisation", "M", "Comité de vaso de leche")]["suppression_reason"] == "below_minimum"
    state = cells[(2016, "gender_organisation", "M", "Municipalidad")]
    assert (state["participants"], state["suppression_reason"]) == (None, "complementary")
    assert cells[(2016, "gender_organisation", "M", "Junta vecinal")]["participants"] == 25
    published = _query(
        run.published,
        "select count_if(participants < 5) as small, count_if(is_suppressed_group and participants is not null)"
        " as leaked, count_if(is_suppressed_group and share_pct is not null) as leaked_share,"
        " count_if(is_suppressed_group) as suppressed from marts.fct_participation where ubigeo = ?",
        [COYLLURQUI],
    )[0]
    assert published == {"small": 0, "leaked": 0, "leaked_share": 0, "suppressed": 9}


def _dbt_build(warehouse: Path, select: str, variables: str) -> None:
    """``dbt build`` of ``select`` with ``--vars`` on ``warehouse`` (the data tests see the var; the unit test pins
    the default minimum in its own overrides)."""
    project = dbt_project_dir()
    command = [
        dbt_executable(), "--no-use-colors", "build", "--project-dir", str(project), "--profiles-dir", str(project),
        "--target-path", str(warehouse / "dbt" / "target"), "--log-path", str(warehouse / "dbt" / "logs"),
        "--select", select, "--vars", variables,
    ]  # fmt: skip
    env = {**os.environ, "WAREHOUSE_DIR": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-3000:]


def test_the_minimum_group_size_is_the_dbt_var(run: PipelineRun, tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse"
    warehouse.mkdir()
    shutil.copy(run.working, warehouse / "monitoring.duckdb")  # the shared run's warehouse stays as it is
    _dbt_build(warehouse, "fct_participation", "{privacy_min_group_size: 3}")
    cells = _participation(warehouse / "monitoring.duckdb")
    assert cells[(2016, "gender_organisation", "F", "Ronda campesina")]["participants"] == 3  # 3 >= 3: published
    assert cells[(2016, "gender_organisation", "F", "Municipalidad")]["participants"] == 4
    assert cells[(2017, "gender_organisation", "F", "Ronda campesina")]["suppression_reason"] == "below_minimum"
