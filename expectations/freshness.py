"""Data freshness: how long since each declared source last arrived, against how often it should arrive.

A source's cadence is declared once, in its contract (``contracts/<name>.yaml``, key ``cadence``), for loadable
and planned sources alike; this module is the only place freshness is computed (dbt's source freshness is not used:
see the generated sources file). Its last arrival is the end of its
last successful load in ``ops.load_log`` (status ``loaded``, ``loaded_with_rejects`` or ``unchanged``: re-reading an
unchanged file also shows the publisher had nothing newer). Ages are measured to ``as_of``, a UTC time the caller
passes (the Airflow run's date; default now), so a report can be reproduced for a given date.

A stale source is a warning: it is reported and logged, it never blocks publishing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

logger = logging.getLogger(__name__)

FRESH = "fresh"
STALE = "stale"
NEVER_LOADED = "never_loaded"
SUCCESSFUL_LOAD_STATUSES = ("loaded", "loaded_with_rejects", "unchanged")


@dataclass(frozen=True)
class DeclaredSource:
    """A source with a declared cadence; ``loadable`` is False for planned sources that have no loader yet."""

    name: str
    title: str
    publisher: str
    expected_every: timedelta
    loadable: bool


@dataclass(frozen=True)
class LastLoad:
    """The last successful load of one source."""

    load_id: int
    status: str
    loaded_at: datetime  # naive UTC, as ops.load_log stores it


@dataclass(frozen=True)
class SourceFreshness:
    """One source's freshness at ``as_of``."""

    source: DeclaredSource
    status: str  # fresh | stale | never_loaded
    as_of: datetime
    last_load: LastLoad | None = None

    @property
    def age(self) -> timedelta | None:
        """Time from the last successful load to ``as_of`` (negative when the load came after ``as_of``)."""
        if self.last_load is None:
            return None
        return self.as_of - self.last_load.loaded_at.replace(tzinfo=UTC)

    @property
    def warning(self) -> bool:
        """True when the report should warn: stale, or a loadable source never loaded (planned ones are expected to
        have no loads)."""
        return self.status == STALE or (self.status == NEVER_LOADED and self.source.loadable)

    def message(self) -> str:
        """Return a one-line description for logs."""
        every = f"{self.source.expected_every.total_seconds() / 86400:g} day(s)"
        if self.last_load is None:
            return f"source {self.source.name} has never been loaded (expected every {every})"
        hours = (self.age or timedelta(0)).total_seconds() / 3600
        age = f"{hours / 24:.1f} day(s)" if abs(hours) >= 48 else f"{hours:.1f} h"
        return (
            f"source {self.source.name} last loaded {self.last_load.loaded_at:%Y-%m-%d %H:%M} UTC "
            f"(load {self.last_load.load_id}), {age} before {self.as_of:%Y-%m-%d %H:%M} UTC; expected every {every}"
        )

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form used by the report."""
        age = self.age
        return {
            "source": self.source.name,
            "title": self.source.title,
            "publisher": self.source.publisher,
            "loadable": self.source.loadable,
            "expected_every_seconds": int(self.source.expected_every.total_seconds()),
            "expected_every": format_duration(self.source.expected_every),
            "status": self.status,
            "warning": self.warning,
            "as_of": self.as_of.isoformat(),
            "last_load_id": self.last_load.load_id if self.last_load else None,
            "last_load_status": self.last_load.status if self.last_load else None,
            "last_loaded_at": self.last_load.loaded_at.isoformat() if self.last_load else None,
            "age_seconds": int(age.total_seconds()) if age is not None else None,
            "age": format_duration(age) if age is not None else None,
        }


def declared_sources() -> tuple[DeclaredSource, ...]:
    """Return every source with a declared cadence: the loadable ones first, then the planned ones."""
    from ingest.contracts import registry

    contracts = registry()
    return (
        *(DeclaredSource(s.name, s.title, s.publisher, s.expected_every, True) for s in contracts.sources.values()),
        *(DeclaredSource(s.name, s.title, s.publisher, s.expected_every, False) for s in contracts.planned.values()),
    )


def last_successful_loads(con: duckdb.DuckDBPyConnection) -> dict[str, LastLoad]:
    """Return each source's last successful load from ``ops.load_log`` (empty when the table does not exist)."""
    exists = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'ops' and table_name = 'load_log'"
    ).fetchone()
    if not exists or not exists[0]:
        return {}
    statuses = ", ".join(f"'{status}'" for status in SUCCESSFUL_LOAD_STATUSES)
    rows = con.execute(
        "select source, arg_max(load_id, coalesce(finished_at, started_at)),"
        " arg_max(status, coalesce(finished_at, started_at)), max(coalesce(finished_at, started_at))"
        f" from ops.load_log where status in ({statuses}) group by source"
    ).fetchall()
    return {source: LastLoad(int(load_id), str(status), loaded_at) for source, load_id, status, loaded_at in rows}


def assess(
    sources: tuple[DeclaredSource, ...], last_loads: Mapping[str, LastLoad], as_of: datetime
) -> tuple[SourceFreshness, ...]:
    """Return each declared source's freshness at ``as_of`` (aware, UTC): stale when older than its cadence."""
    as_of = as_utc(as_of)
    result = []
    for source in sources:
        last = last_loads.get(source.name)
        if last is None:
            result.append(SourceFreshness(source, NEVER_LOADED, as_of))
            continue
        age = as_of - last.loaded_at.replace(tzinfo=UTC)
        result.append(SourceFreshness(source, STALE if age > source.expected_every else FRESH, as_of, last))
    return tuple(result)


def evaluate(con: duckdb.DuckDBPyConnection, as_of: datetime) -> tuple[SourceFreshness, ...]:
    """Assess every declared source against ``ops.load_log``; log a WARNING for each one that needs attention."""
    freshness = assess(declared_sources(), last_successful_loads(con), as_of)
    for item in freshness:
        if item.warning:
            logger.warning("stale data: %s", item.message())
        else:
            logger.debug("freshness %s: %s", item.status, item.message())
    return freshness


def as_utc(moment: datetime) -> datetime:
    """Return ``moment`` as an aware UTC datetime (a naive one is taken to be UTC already)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_as_of(value: str | datetime | None) -> datetime:
    """Return an aware UTC datetime from an ISO 8601 string (``Z`` allowed; naive means UTC), a datetime or None
    (now). Raises ValueError on a string that is not ISO 8601."""
    if value is None:
        return datetime.now(UTC)
    if isinstance(value, datetime):
        return as_utc(value)
    return as_utc(datetime.fromisoformat(value.strip()))


def format_duration(delta: timedelta) -> str:
    """Return a short Spanish duration: ``1 día``, ``3 días 4 h``, ``2 h 5 min``, ``12 min``."""
    sign = "-" if delta < timedelta(0) else ""
    seconds = int(abs(delta).total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        text = f"{days} día" + ("s" if days != 1 else "") + (f" {hours} h" if hours else "")
    elif hours:
        text = f"{hours} h" + (f" {minutes} min" if minutes else "")
    else:
        text = f"{minutes} min"
    return sign + text
