"""The committed GX context and the package's light import: checked without running Great Expectations."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from tests.expectations.gx_scratch_warehouse import COMMITTED_GX_ROOT, REPO_ROOT

SUITES = sorted(path.stem for path in (COMMITTED_GX_ROOT / "expectations").glob("*.json"))


def _load(kind: str, name: str) -> dict[str, Any]:
    return json.loads((COMMITTED_GX_ROOT / kind / f"{name}.json").read_text(encoding="utf-8"))


def test_there_is_a_validation_definition_and_a_checkpoint_per_suite() -> None:
    assert {"marts_execution_progress", "raw_siaf_gasto", "raw_ubigeo_inei"} <= set(SUITES)
    for name in SUITES:
        suite = _load("expectations", name)
        definition = _load("validation_definitions", name)
        checkpoint = _load("checkpoints", name)
        assert definition["suite"] == {"id": suite["id"], "name": name}
        assert checkpoint["validation_definitions"] == [{"id": definition["id"], "name": name}]


@pytest.mark.parametrize("name", SUITES)
def test_every_expectation_has_a_severity_in_meta_matching_gx_severity(name: str) -> None:
    for expectation in _load("expectations", name)["expectations"]:
        severity = expectation.get("meta", {}).get("severity")
        assert severity in ("critical", "warning"), expectation
        assert expectation.get("severity") == severity, f"GX's own severity field disagrees: {expectation}"


@pytest.mark.parametrize(
    ("name", "index_columns"),
    [("raw_siaf_gasto", ["_source_sha256", "_source_row"]), ("marts_execution_progress", None)],
)
def test_checkpoints_return_20_examples_with_their_index_columns(name: str, index_columns: list[str] | None) -> None:
    result_format = _load("checkpoints", name)["result_format"]
    assert result_format["result_format"] == "SUMMARY"  # COMPLETE would fetch every unexpected value
    assert result_format["partial_unexpected_count"] == 20
    if index_columns:
        assert result_format["unexpected_index_column_names"] == index_columns
    assert _load("checkpoints", name)["actions"][0]["type"] == "update_data_docs"


def test_committed_config_holds_no_absolute_path() -> None:
    config = (COMMITTED_GX_ROOT / "great_expectations.yml").read_text(encoding="utf-8")
    assert "connection_string: duckdb:///${MONITORING_DUCKDB_PATH}" in config
    for path in COMMITTED_GX_ROOT.rglob("*"):
        if path.is_file() and "uncommitted" not in path.parts:
            text = path.read_text(encoding="utf-8")
            assert "/tmp/" not in text and "/work/" not in text and "/home/" not in text, path


def test_package_import_is_light_and_help_works() -> None:
    code = "import sys, expectations.cli, expectations.validate; print('great_expectations' in sys.modules)"
    imported = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert imported.stdout.strip() == "False"
    helped = subprocess.run(
        [sys.executable, "-m", "expectations", "validate", "--help"], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert helped.returncode == 0
    assert "--warehouse-dir" in helped.stdout and "--suite" in helped.stdout
