"""Where the project's pieces are, with environment overrides for deployments that move them.

A source's file location is never guessed: it is the ``location`` a run is given, else ``$<TABLE>_LOCATION`` (e.g.
``$SIAF_GASTO_LOCATION``), else, only for a reference table the repository ships (INEI's ubigeo), that file. The
test samples in ``../shared/realdata`` are never a default: ``make demo`` passes them explicitly.
"""

from __future__ import annotations

import os
from pathlib import Path

from ingest.errors import FetchError

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# Reference tables the repository ships: loaded from here unless $<TABLE>_LOCATION says otherwise.
SHIPPED_REFERENCES = {"ubigeo-inei": PROJECT_ROOT / "reference" / "ubigeo" / "ubigeo-inei-2025.csv"}


class MissingLocationError(FetchError):
    """No location was given for a source and none is configured (an :class:`~ingest.errors.IngestError`)."""


def dbt_project_dir() -> Path:
    """Return the dbt project folder (``$DBT_PROJECT_DIR`` or ``dbt_project/`` in the repository)."""
    return Path(os.environ.get("DBT_PROJECT_DIR") or PROJECT_ROOT / "dbt_project").resolve()


def location_env_var(table: str) -> str:
    """Return the environment variable that configures a source's location: ``SIAF_GASTO_LOCATION`` for
    ``siaf_gasto``."""
    return f"{table.upper()}_LOCATION"


def configured_location(source: str, table: str) -> str | None:
    """Return ``$<TABLE>_LOCATION``, else the shipped reference file of ``source``, else None."""
    shipped = SHIPPED_REFERENCES.get(source)
    return os.environ.get(location_env_var(table)) or (str(shipped) if shipped is not None else None)


def resolve_location(source: str, table: str, given: str | None = None) -> str:
    """Return ``given`` when set, else :func:`configured_location`.

    Raises :class:`MissingLocationError` naming the variable to set when there is neither.
    """
    location = (given or "").strip() or configured_location(source, table)
    if not location:
        raise MissingLocationError(
            f"no location configured for {source}: set {location_env_var(table)} or pass the location param"
        )
    return location


def default_siaf_gasto_location() -> str:
    """Return ``$SIAF_GASTO_LOCATION`` (a path or MEF's URL); raise :class:`MissingLocationError` when unset."""
    return resolve_location("siaf-gasto", "siaf_gasto")


def ubigeo_reference_location() -> str:
    """Return the INEI ubigeo table the project ships (``$UBIGEO_INEI_LOCATION`` overrides it)."""
    return resolve_location("ubigeo-inei", "ubigeo_inei")
