"""The Airflow assets, pool and per-source load DAG specs the DAGs share.

Importing this does no I/O. :func:`load_dag_specs` reads the source contracts (``contracts/*.yaml``, through
:func:`ingest.contracts.registry`, cached per process): the DAG files call it at parse time, which is the only work
they do there.

**Schedule rule** (:func:`schedule_for`), from the contract's ``cadence``:

- a reference table the repository ships (INEI's ubigeo): ``@once``, loaded when its DAG is first unpaused; trigger
  it again after the file in ``reference/`` changes (its cadence only drives the freshness warning);
- cadence of a day or less: ``0 9 * * *`` (04:00 in Lima, after MEF's nightly refresh);
- up to a week: ``@weekly``; up to 31 days: ``@monthly``; longer: ``@yearly``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from airflow.sdk import Asset

from pipeline.paths import SHIPPED_REFERENCES, configured_location, location_env_var

# DuckDB allows one writer: every task that writes the warehouse runs in this one-slot pool.
WAREHOUSE_POOL = "warehouse_writer"

PUBLISHED_MARTS = Asset(name="published.marts", uri="duckdb://warehouse/published/marts")
DAILY_AT = "0 9 * * *"


def raw_asset(table: str) -> Asset:
    """Return the asset a load of ``raw.<table>`` updates."""
    return Asset(name=f"raw.{table}", uri=f"duckdb://warehouse/monitoring/raw/{table}")


def schedule_for(source: str, cadence: timedelta) -> str:
    """Return the load DAG's schedule for a source and its contract cadence (the rule in this module's doc)."""
    if source in SHIPPED_REFERENCES:
        return "@once"
    if cadence <= timedelta(days=1):
        return DAILY_AT
    if cadence <= timedelta(weeks=1):
        return "@weekly"
    if cadence <= timedelta(days=31):
        return "@monthly"
    return "@yearly"


@dataclass(frozen=True)
class LoadDagSpec:
    """What one source's load DAG needs from its contract."""

    source: str  # contract name, e.g. siaf-gasto
    table: str  # raw table, e.g. siaf_gasto
    title: str
    publisher: str
    format: str
    cadence: timedelta
    schedule: str
    location_env: str  # e.g. SIAF_GASTO_LOCATION
    default_location: str | None  # $<TABLE>_LOCATION or the shipped reference, when parsed; None: must be given

    @property
    def dag_id(self) -> str:
        return f"load_{self.table}"

    @property
    def asset(self) -> Asset:
        return raw_asset(self.table)


def load_dag_specs() -> list[LoadDagSpec]:
    """Return one spec per active (loadable) contract, ordered by table."""
    from ingest.contracts import registry

    return [
        LoadDagSpec(
            source=source.name,
            table=source.table,
            title=source.title,
            publisher=source.publisher,
            format=source.format,
            cadence=source.expected_every,
            schedule=schedule_for(source.name, source.expected_every),
            location_env=location_env_var(source.table),
            default_location=configured_location(source.name, source.table),
        )
        for source in sorted(registry().sources.values(), key=lambda s: s.table)
    ]


def raw_assets() -> list[Asset]:
    """Return the raw asset of every active contract (what the marts DAG is scheduled on), ordered by table."""
    return [spec.asset for spec in load_dag_specs()]
