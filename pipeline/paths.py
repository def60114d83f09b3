"""Where the project's pieces are, with environment overrides for deployments that move them."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def dbt_project_dir() -> Path:
    """Return the dbt project folder (``$DBT_PROJECT_DIR`` or ``dbt_project/`` in the repository)."""
    return Path(os.environ.get("DBT_PROJECT_DIR") or PROJECT_ROOT / "dbt_project").resolve()


def default_siaf_gasto_location() -> str:
    """Return the SIAF gasto file loaded when none is given.

    ``$SIAF_GASTO_LOCATION`` (a path or MEF's URL) in a deployment; otherwise the real 127-row sample of
    ``2026-Gasto-Diario.csv`` in ``../shared/realdata`` beside the repository.
    """
    return os.environ.get("SIAF_GASTO_LOCATION") or str(
        PROJECT_ROOT.parent / "shared" / "realdata" / "siaf_gasto" / "mef-2026-gasto-diario.head.csv"
    )


def ubigeo_reference_location() -> str:
    """Return the INEI ubigeo table the project ships (``$UBIGEO_INEI_LOCATION`` overrides it)."""
    return os.environ.get("UBIGEO_INEI_LOCATION") or str(PROJECT_ROOT / "reference" / "ubigeo" / "ubigeo-inei-2025.csv")
