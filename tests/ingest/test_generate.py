"""Files generated from the contracts: the committed ones are exactly what the contracts give, and follow them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from ingest.contracts import PROJECT_CONTRACTS, Registry, read_contract, registry
from ingest.errors import ContractError
from ingest.generate import (
    BLOCK_END,
    BLOCK_START,
    COMMAND,
    GX_CONFIG,
    LINEAGE_COLUMNS,
    REPO_ROOT,
    SOURCES_FILE,
    VALUE_KEEPING,
    changes,
    generate,
    render,
)

# Expectation types that keep example values of the column (partial_unexpected_list) in the published results.
KEEPS_VALUES = {
    "expect_column_values_to_be_unique",
    "expect_column_values_to_match_regex",
    "expect_column_values_to_be_between",
    "expect_column_values_to_be_in_set",
    "expect_compound_columns_to_be_unique",
}


def _scratch_root(tmp_path: Path) -> Path:
    """A folder holding the one input the generator reads besides the contracts: great_expectations.yml."""
    root = tmp_path / "repo"
    (root / GX_CONFIG).parent.mkdir(parents=True)
    shutil.copy(REPO_ROOT / GX_CONFIG, root / GX_CONFIG)
    return root


def _edited_registry(tmp_path: Path, name: str, edit: Any) -> Registry:
    """Return the project's registry with contract ``name`` replaced by an edited copy written under ``tmp_path``."""
    document = yaml.safe_load((PROJECT_CONTRACTS / f"{name}.yaml").read_text(encoding="utf-8"))
    edit(document)
    folder = tmp_path / "contracts"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    project = registry()
    return Registry({**project.sources, name: read_contract(path)}, dict(project.planned))  # type: ignore[dict-item]


def _field(document: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in document["schema"]["fields"] if f["name"] == name)


def _suite(files: dict[Path, str], table: str) -> dict[str, Any]:
    return json.loads(files[Path("expectations/gx/expectations") / f"raw_{table}.json"])


def test_committed_files_are_what_the_contracts_generate(tmp_path: Path) -> None:
    root = _scratch_root(tmp_path)
    written = generate(root, registry())

    generated = sorted(path.relative_to(root) for path in root.rglob("*") if path.is_file())
    assert {change.path for change in written} <= set(generated)  # great_expectations.yml is a copy: maybe unchanged
    differ = [
        str(path)
        for path in generated
        if not (REPO_ROOT / path).is_file() or (REPO_ROOT / path).read_bytes() != (root / path).read_bytes()
    ]
    assert not differ, f"committed files differ from the contracts: {differ}; run `{COMMAND}`"
    stale = [str(c.path) for c in changes(REPO_ROOT, registry()) if c.action == "delete"]
    assert not stale, f"no contract produces {stale} any more; run `{COMMAND}` (it deletes them)"


def test_regenerating_is_byte_stable(tmp_path: Path) -> None:
    root = _scratch_root(tmp_path)
    generate(root, registry())
    before = {path: path.read_bytes() for path in root.rglob("*") if path.is_file()}

    assert generate(root, registry()) == []
    assert {path: path.read_bytes() for path in root.rglob("*") if path.is_file()} == before
    assert render(root, registry()) == render(root, registry())


def test_every_active_contract_gets_a_suite_definition_checkpoint_and_asset() -> None:
    files = render(REPO_ROOT, registry())
    config = yaml.safe_load(files[GX_CONFIG])
    assets = config["fluent_datasources"]["warehouse"]["assets"]
    for source in registry().sources.values():
        suite = f"raw_{source.table}"
        definition = json.loads(files[Path("expectations/gx/validation_definitions") / f"{suite}.json"])
        checkpoint = json.loads(files[Path("expectations/gx/checkpoints") / f"{suite}.json"])
        asset = assets[f"raw.{source.table}"]
        assert (asset["type"], asset["schema_name"], asset["table_name"]) == ("table", "raw", source.table)
        assert definition["data"]["asset"] == {"id": asset["id"], "name": f"raw.{source.table}"}
        assert definition["suite"] == {"id": _suite(files, source.table)["id"], "name": suite}
        assert checkpoint["validation_definitions"] == [{"id": definition["id"], "name": suite}]
        column_sets = [e["kwargs"] for e in _suite(files, source.table)["expectations"] if "column_set" in e["kwargs"]]
        expected = [*(f.name for f in source.fields), *LINEAGE_COLUMNS]
        assert column_sets == [
            {"column_set": expected, "exact_match": False},
            {"column_set": expected, "exact_match": True},
        ]
    # the hand-written assets around the generated block are kept
    assert "marts.fct_budget_execution" in assets and "cross.source_rows" in assets
    assert files[GX_CONFIG].count(BLOCK_START) == 1 and files[GX_CONFIG].count(BLOCK_END) == 1


def test_a_new_constraint_in_a_contract_changes_the_suite(tmp_path: Path) -> None:
    root = _scratch_root(tmp_path)
    generate(root, registry())

    def add_pattern(document: dict[str, Any]) -> None:
        _field(document, "capital_legal")["constraints"] = {"pattern": "[A-Z].*"}

    edited = _edited_registry(tmp_path, "ubigeo-inei", add_pattern)
    before, after = _suite(render(root, registry()), "ubigeo_inei"), _suite(render(root, edited), "ubigeo_inei")
    added = [e for e in after["expectations"] if e not in before["expectations"]]

    assert [(e["type"], e["kwargs"], e["severity"]) for e in added] == [
        ("expect_column_values_to_match_regex", {"column": "capital_legal", "regex": "^(?:[A-Z].*)$"}, "critical")
    ]
    assert "capital_legal" in added[0]["description"] == added[0]["meta"]["description"]
    suite_path = Path("expectations/gx/expectations/raw_ubigeo_inei.json")
    # the suite, and the sources file only because the edited copy lives outside the repository (its meta cites it)
    assert [(c.path, c.action) for c in changes(root, edited)] == [(SOURCES_FILE, "update"), (suite_path, "update")]


def test_personal_fields_get_no_expectation_that_keeps_their_values(tmp_path: Path) -> None:
    def make_personal(document: dict[str, Any]) -> None:
        # required + unique + pattern, enum (a range needs a number, and a personal field is text: contracts.py)
        for name in ("ubigeo", "categoria"):
            _field(document, name)["personal"] = True
        document["primaryKey"] = ["ubigeo"]

    edited = _edited_registry(tmp_path, "ubigeo-inei", make_personal)
    files = render(REPO_ROOT, edited)
    about = {}
    for expectation in _suite(files, "ubigeo_inei")["expectations"]:
        kwargs = expectation["kwargs"]
        for column in [kwargs.get("column"), *kwargs.get("column_list", ())]:
            about.setdefault(column, []).append(expectation["type"])

    assert about["ubigeo"] == ["expect_column_values_to_not_be_null"]  # required only
    assert "categoria" not in about and "altitud" in about
    assert {"unique", "pattern", "range", "enum"} == VALUE_KEEPING
    assert "expect_column_values_to_match_regex" in about["_source_sha256"]  # the other checks stay
    sources = yaml.safe_load(files[SOURCES_FILE])["sources"][0]
    (table,) = [t for t in sources["tables"] if t["name"] == "ubigeo_inei"]
    columns = {c["name"]: c["config"]["meta"] for c in table["columns"]}
    assert columns["ubigeo"]["personal"] is True and columns["distrito"]["personal"] is False


def test_sources_yaml_declares_every_column_no_data_tests_and_why_freshness_is_null() -> None:
    text = render(REPO_ROOT, registry())[SOURCES_FILE]
    assert text.startswith(f"# Generated by `{COMMAND}` from contracts/*.yaml: do not edit")
    assert "expectations/freshness.py" in text and "unchanged re-read" in text
    (source,) = yaml.safe_load(text)["sources"]
    assert (source["name"], source["schema"]) == ("raw", "raw")
    tables = {t["name"]: t for t in source["tables"]}
    expected = []
    for name in sorted(registry().sources):
        contract = registry().sources[name]
        expected += [contract.table] + ([f"{contract.table}__history"] if contract.history_keep == "all" else [])
    assert list(tables) == expected
    for contract in registry().sources.values():
        if contract.history_keep == "all":  # the history view: the same columns, every kept load
            history = tables[f"{contract.table}__history"]
            assert [c["name"] for c in history["columns"]] == [c["name"] for c in tables[contract.table]["columns"]]
            assert history["config"]["meta"]["history_view"] == f"raw.{contract.table}__history"
        table = tables[contract.table]
        assert table["config"]["loaded_at_field"] == "_loaded_at"
        assert "freshness" in table["config"] and table["config"]["freshness"] is None
        assert table["config"]["meta"]["contract"] == contract.name
        assert table["config"]["meta"]["contract_path"] == f"contracts/{contract.name}.yaml"
        assert table["description"] == f"{contract.title}. {contract.description}"
        columns = table["columns"]
        assert [c["name"] for c in columns] == [*(f.name for f in contract.fields), *LINEAGE_COLUMNS]
        for column, field in zip(columns, contract.fields, strict=False):
            assert (column["description"], column["data_type"]) == (field.description, field.sql_type)
            assert column["config"]["meta"] == {"personal": field.personal, "header": field.header}
        assert [c["data_type"] for c in columns[-4:]] == ["VARCHAR", "BIGINT", "BIGINT", "TIMESTAMP"]
        assert not any("tests" in c or "data_tests" in c for c in [table, *columns])


def test_stale_generated_files_are_reported_and_deleted(tmp_path: Path) -> None:
    root = _scratch_root(tmp_path)
    generate(root, registry())
    stale = root / "expectations/gx/checkpoints/raw_retired_table.json"
    stale.write_text("{}\n", encoding="utf-8")
    (root / SOURCES_FILE).write_text("# edited by hand\n", encoding="utf-8")

    assert [(str(c.path), c.action) for c in changes(root, registry())] == [
        (str(SOURCES_FILE), "update"),
        ("expectations/gx/checkpoints/raw_retired_table.json", "delete"),
    ]
    generate(root, registry())
    assert not stale.exists() and changes(root, registry()) == []


def test_great_expectations_yml_without_markers_is_an_error(tmp_path: Path) -> None:
    root = _scratch_root(tmp_path)
    config = root / GX_CONFIG
    config.write_text(config.read_text(encoding="utf-8").replace(BLOCK_END, "      # end"), encoding="utf-8")

    with pytest.raises(ContractError, match="generated raw assets"):
        render(root, registry())


def test_cli_check_passes_on_the_committed_files(capsys: pytest.CaptureFixture[str]) -> None:
    from ingest.cli import main

    assert main(["contracts", "check"]) == 0, capsys.readouterr().err
    assert "generated files match the contracts" in capsys.readouterr().out
