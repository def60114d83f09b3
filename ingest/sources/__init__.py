"""The registry of loadable sources (one module per source, each declaring ``SOURCE``), and the sources planned.

``SOURCES`` is what ``python -m ingest`` can load. ``PLANNED_SOURCES`` (see :mod:`ingest.sources.planned`) have no
loader yet and are declared only for freshness reports; ``FRESHNESS_POLICY`` gives every declared source's cadence.
"""

from __future__ import annotations

from datetime import timedelta

from ingest.errors import UnknownSourceError
from ingest.schema import PlannedSource, Source
from ingest.sources import planned, siaf_gasto, ubigeo_inei

SOURCES: dict[str, Source] = {s.name: s for s in (siaf_gasto.SOURCE, ubigeo_inei.SOURCE)}

# Not loadable: a source leaves this registry when its loader joins SOURCES (a name is in one or the other).
PLANNED_SOURCES: dict[str, PlannedSource] = {s.name: s for s in planned.PLANNED if s.name not in SOURCES}

# How often each declared source should arrive (loadable and planned): what freshness is measured against.
FRESHNESS_POLICY: dict[str, timedelta] = {
    **{name: s.expected_every for name, s in SOURCES.items()},
    **{name: s.expected_every for name, s in PLANNED_SOURCES.items()},
}


def get_source(name: str) -> Source:
    """Return the source called ``name`` or raise :class:`UnknownSourceError` listing the known ones."""
    try:
        return SOURCES[name]
    except KeyError:
        raise UnknownSourceError(f"unknown source {name!r}; loadable sources: {', '.join(sorted(SOURCES))}") from None
