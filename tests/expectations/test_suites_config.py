"""Every raw table has a suite and every published mart is checked; every suite is wired and written for an auditor.

A mart is checked either by its own GX suite (the marts that had one before dbt's tests entered the report) or by
the dbt data tests declared beside it, which the gate reports as the suite ``dbt_tests`` (expectations/dbt_results.py):
every mart without a GX suite must declare a uniqueness test on its grain, so the report always says it was checked.

Static checks of the committed GX context (no Great Expectations run): suites, validation definitions, checkpoints,
the assets of great_expectations.yml, severities and descriptions; the cross-table suites validate the dbt audit
tables, and no mart expectation repeats a dbt test.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from ingest.contracts import registry
from tests.expectations.gx_scratch_warehouse import COMMITTED_GX_ROOT, REPO_ROOT

SUITES = sorted(path.stem for path in (COMMITTED_GX_ROOT / "expectations").glob("*.json"))
LINEAGE = ["_source_sha256", "_source_row"]
# What each new suite's examples carry (unexpected_index_column_names of its checkpoint).
INDEX_COLUMNS = {
    **{f"raw_{source.table}": LINEAGE for source in registry().sources.values()},  # generated from the contracts
    "marts_dim_entity": ["sec_ejec"],
    "marts_dim_budget_program": ["programa_ppto"],
    "marts_dim_function": ["funcion"],
    "marts_dim_geography": ["department_code"],
    "marts_budget_execution": ["budget_line_key", "year", "month", "sec_ejec", "_source_sha256", "_source_rows"],
    "marts_municipal_execution": ["sec_ejec", "year", *LINEAGE],
    "marts_works": ["codigo_infobras", *LINEAGE],
    "marts_works_spending": ["cui", "year", "month"],
    "marts_works_match_rates": ["department_code", "nivel_gobierno", "start_year"],
    "marts_works_red_flags": ["codigo_infobras", "flag_code", *LINEAGE],
    "cross_source_rows": ["source", *LINEAGE],
    "cross_siaf_totals": ["year", "load_id", "_source_sha256"],
    "cross_budget_lines": ["budget_line_key", "year", "sec_ejec", "_source_sha256", "_source_rows"],
    "cross_mart_references": [
        "mart",
        "row_key",
        "year",
        "month",
        "sec_ejec",
        "department_code",
        "_source_sha256",
        "_source_rows",
    ],
}


def _load(kind: str, name: str) -> dict[str, Any]:
    return json.loads((COMMITTED_GX_ROOT / kind / f"{name}.json").read_text(encoding="utf-8"))


def _assets() -> dict[str, dict[str, Any]]:
    config = yaml.safe_load((COMMITTED_GX_ROOT / "great_expectations.yml").read_text(encoding="utf-8"))
    return config["fluent_datasources"]["warehouse"]["assets"]


def _validated_assets() -> dict[str, str]:
    """Asset name -> suite, from the validation definitions."""
    return {_load("validation_definitions", name)["data"]["asset"]["name"]: name for name in SUITES}


def _marts_with_a_dbt_grain_test() -> set[str]:
    """marts.<model> of every mart whose yml declares unique on a column or unique_combination_of_columns."""
    checked: set[str] = set()
    for path in (REPO_ROOT / "dbt_project" / "models" / "marts").rglob("*.yml"):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models", []):
            tests = [*model.get("data_tests", [])]
            for column in model.get("columns", []):
                tests += [test for test in column.get("data_tests", []) if test == "unique"]
            names = {test if isinstance(test, str) else next(iter(test)) for test in tests}
            if names & {"unique", "unique_combination_of_columns"}:
                checked.add(f"marts.{model['name']}")
    return checked


def test_every_raw_table_has_a_suite_and_every_mart_is_checked() -> None:
    marts = {f"marts.{path.stem}" for path in (REPO_ROOT / "dbt_project" / "models" / "marts").rglob("*.sql")}
    raw = {f"raw.{source.table}" for source in registry().sources.values()}
    assert marts and raw
    suites = set(_validated_assets())
    assert not sorted(raw - suites), f"raw tables without a suite: {sorted(raw - suites)}"
    unchecked = sorted(marts - suites - _marts_with_a_dbt_grain_test())
    assert not unchecked, f"marts with neither a GX suite nor a dbt uniqueness test on their grain: {unchecked}"


@pytest.mark.parametrize("name", SUITES)
def test_suite_is_wired_to_its_asset_validation_definition_and_checkpoint(name: str) -> None:
    suite = _load("expectations", name)
    definition = _load("validation_definitions", name)
    checkpoint = _load("checkpoints", name)
    assert suite["name"] == definition["name"] == checkpoint["name"] == name
    assert definition["suite"] == {"id": suite["id"], "name": name}
    assert checkpoint["validation_definitions"] == [{"id": definition["id"], "name": name}]
    asset = _assets()[definition["data"]["asset"]["name"]]
    assert asset["id"] == definition["data"]["asset"]["id"]
    assert asset["batch_definitions"]["whole_table"]["id"] == definition["data"]["batch_definition"]["id"]
    assert definition["data"]["batch_definition"]["name"] == "whole_table"


@pytest.mark.parametrize("name", SUITES)
def test_checkpoint_returns_20_examples_that_trace_rows(name: str) -> None:
    checkpoint = _load("checkpoints", name)
    result_format = checkpoint["result_format"]
    assert result_format["result_format"] == "SUMMARY"  # COMPLETE would fetch every unexpected value
    assert result_format["partial_unexpected_count"] == 20
    assert checkpoint["actions"] == [{"name": "update_data_docs", "site_names": [], "type": "update_data_docs"}]
    if name in INDEX_COLUMNS:
        assert result_format["unexpected_index_column_names"] == INDEX_COLUMNS[name]


@pytest.mark.parametrize("name", SUITES)
def test_every_expectation_has_a_severity_and_a_plain_description(name: str) -> None:
    suite = _load("expectations", name)
    assert suite["expectations"], name
    ids = [expectation["id"] for expectation in suite["expectations"]]
    assert len(ids) == len(set(ids)), f"{name}: repeated expectation ids"
    for expectation in suite["expectations"]:
        meta = expectation.get("meta", {})
        assert meta.get("severity") in ("critical", "warning"), expectation
        assert expectation.get("severity") == meta["severity"], f"GX's own severity field disagrees: {expectation}"
        description = meta.get("description")
        assert isinstance(description, str) and 10 <= len(description) <= 500, expectation
        # GX's own description (shown in Data Docs) says the same as the one the auditor's report shows
        assert expectation.get("description") == description, expectation


AUDIT_MODELS = REPO_ROOT / "dbt_project" / "models" / "audit"


def test_cross_suites_validate_the_dbt_audit_tables() -> None:
    """Each cross-table check has one implementation: a dbt model of the audit layer, which its suite validates."""
    assets = _assets()
    cross = {suite: assets[asset] for asset, suite in _validated_assets().items() if suite.startswith("cross_")}
    assert sorted(cross) == ["cross_budget_lines", "cross_mart_references", "cross_siaf_totals", "cross_source_rows"]
    assert not [name for name, asset in assets.items() if asset["type"] == "query"], "SQL belongs in dbt_project"
    for suite, asset in cross.items():
        assert (asset["type"], asset["schema_name"], asset["table_name"]) == ("table", "audit", suite)
        assert (AUDIT_MODELS / f"{suite}.sql").is_file(), suite
        # a stale audit table fails closed as one critical suite_run outcome; the suite's own checks are critical too
        assert "critical" in {e["meta"]["severity"] for e in _load("expectations", suite)["expectations"]}, suite


def test_audit_models_never_read_whole_source_lines() -> None:
    sql = {path.name: path.read_text(encoding="utf-8") for path in AUDIT_MODELS.glob("*.sql")}
    assert "audit_current_loads.sql" in sql and len(sql) == 5
    for name, text in sql.items():
        assert "raw_text" not in text, f"{name}: ops.rejects.raw_text holds whole source lines"


def _dbt_column_tests() -> dict[str, set[tuple[str, str]]]:
    """marts.<model> -> {(kind, column)} of its dbt tests at error severity (unique/not_null/accepted_*, grain)."""
    found: dict[str, set[tuple[str, str]]] = {}
    for path in (REPO_ROOT / "dbt_project" / "models" / "marts").rglob("*.yml"):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models", []):
            tests = found.setdefault(f"marts.{model['name']}", set())
            for test in model.get("data_tests", []):
                if isinstance(test, dict) and "unique_combination_of_columns" in test:
                    columns = test["unique_combination_of_columns"]["arguments"]["combination_of_columns"]
                    tests.add(("unique_combination_of_columns", ",".join(columns)))
            for column in model.get("columns", []):
                for test in column.get("data_tests", []):
                    kind, spec = (test, {}) if isinstance(test, str) else next(iter(test.items()))
                    if (spec.get("config") or {}).get("severity", "error") == "error":
                        tests.add((kind, column["name"]))
    return found


# GX expectation type -> the dbt test that says the same thing
DBT_EQUIVALENT = {
    "expect_column_values_to_not_be_null": "not_null",
    "expect_column_values_to_be_unique": "unique",
    "expect_compound_columns_to_be_unique": "unique_combination_of_columns",
    "expect_column_values_to_be_in_set": "accepted_values",
}


@pytest.mark.parametrize("name", [name for name in SUITES if name.startswith("marts_")])
def test_no_mart_expectation_repeats_a_dbt_test(name: str) -> None:
    """A check dbt declares beside the mart (error severity) is reported from dbt (suite dbt_tests), not run twice.

    Only plain checks repeat: an expectation with a row condition or `mostly` says something dbt's test does not.
    """
    table = _load("validation_definitions", name)["data"]["asset"]["name"]
    dbt_tests = _dbt_column_tests()[table]
    for expectation in _load("expectations", name)["expectations"]:
        kwargs = expectation["kwargs"]
        kind = DBT_EQUIVALENT.get(expectation["type"])
        if kind is None or "row_condition" in kwargs or "mostly" in kwargs:
            continue
        column = ",".join(kwargs["column_list"]) if "column_list" in kwargs else kwargs["column"]
        assert (kind, column) not in dbt_tests, f"{name}: {expectation['type']}({column}) repeats dbt's {kind}"


def test_duplicate_tolerance_is_about_one_per_100000_rows() -> None:
    suite = _load("expectations", "cross_source_rows")
    (duplicates,) = [e for e in suite["expectations"] if e["kwargs"].get("column") == "identical_rows"]
    assert duplicates["meta"]["severity"] == "critical"
    # both rows of a duplicate pair are flagged: 2 flagged rows in 100,000 = 1 duplicate per 100,000 rows
    assert duplicates["kwargs"]["mostly"] == pytest.approx(1 - 2 / 100_000)
    assert "100,000" in duplicates["meta"]["description"]


def test_pim_checks_are_warnings() -> None:
    """The real 127-row sample has PIM = 0 on every row (its PIA/PIM rows are further down MEF's file)."""
    for name in SUITES:
        for expectation in _load("expectations", name)["expectations"]:
            kwargs = expectation["kwargs"]
            about_pim = "pim" in {kwargs.get("column"), kwargs.get("column_A")} or kwargs.get("column") == "monto_pim"
            if about_pim and expectation["type"] != "expect_column_values_to_not_be_null":
                assert expectation["meta"]["severity"] == "warning", (name, expectation)


def test_committed_context_has_no_absolute_paths_in_new_files() -> None:
    for path in Path(COMMITTED_GX_ROOT).rglob("*"):
        if path.is_file() and "uncommitted" not in path.parts:
            text = path.read_text(encoding="utf-8")
            assert "/tmp/" not in text and "/work/" not in text and "/home/" not in text, path
