"""Fixtures of the quality-gate tests: a scratch warehouse from the real SIAF sample and a scratch GX root."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.expectations.gx_scratch_warehouse import COMMITTED_GX_ROOT, build


@pytest.fixture
def warehouse_dir(tmp_path: Path, siaf_sample: Path) -> Path:
    """A warehouse directory whose monitoring.duckdb passes every committed expectation."""
    directory = tmp_path / "warehouse"
    build(directory, siaf_sample)
    return directory


@pytest.fixture
def gx_root(tmp_path: Path) -> Path:
    """A copy of the committed GX context, so results and Data Docs of tests stay out of the repository."""
    root = tmp_path / "gx"
    shutil.copytree(COMMITTED_GX_ROOT, root, ignore=shutil.ignore_patterns("uncommitted"))
    return root
