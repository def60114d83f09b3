"""Run ``dbt build`` on the working warehouse in a subprocess.

A subprocess, not dbt's in-process runner: dbt-duckdb keeps the database file open for the life of the process, and
the gate and publish steps that follow open the same file with another configuration (see STACK-NOTES).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from pipeline.paths import dbt_project_dir

log = logging.getLogger(__name__)


class TransformError(RuntimeError):
    """``dbt build`` failed; the message carries dbt's own summary of what failed."""


def dbt_executable() -> str:
    """Return the ``dbt`` next to the running Python (the project's virtualenv), or ``dbt`` on PATH."""
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def dbt_build(warehouse: Path, select: str | None = None, full_refresh: bool = False) -> list[str]:
    """Run ``dbt build`` (models, data tests and unit tests) against ``warehouse``; return dbt's output lines.

    dbt's target and log folders go under ``<warehouse>/dbt`` so runs on different warehouses never share them.
    ``full_refresh`` rebuilds incremental models from scratch (``--full-refresh``; snapshots are left alone).
    Raises :class:`TransformError` with dbt's error lines when any model or test fails.
    """
    project = dbt_project_dir()
    command = [
        dbt_executable(), "--no-use-colors", "build",
        "--project-dir", str(project), "--profiles-dir", str(project),
        "--target-path", str(warehouse / "dbt" / "target"), "--log-path", str(warehouse / "dbt" / "logs"),
    ]  # fmt: skip
    if full_refresh:
        command.append("--full-refresh")
    if select:
        # cautious: a test runs only when every model it reads is selected (dbt's default, eager, also runs a
        # relationship test of an unselected model whose parent is selected, and fails on the missing table)
        command += ["--select", select, "--indirect-selection", "cautious"]
    env = {**os.environ, "WAREHOUSE_DIR": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    log.info("running %s", " ".join(command))
    process = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    lines = process.stdout.splitlines()
    for line in lines:
        log.info("dbt | %s", line)
    if process.returncode != 0:
        failures = [line for line in lines if "ERROR" in line or "FAIL" in line or "Error" in line]
        detail = "\n".join(failures[-20:] or lines[-20:] or process.stderr.splitlines()[-20:])
        raise TransformError(f"dbt build failed (exit {process.returncode}) on {warehouse}:\n{detail}")
    return lines
