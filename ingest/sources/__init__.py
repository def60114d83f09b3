"""The registry of loadable sources: one module per source, each declaring ``SOURCE``."""

from __future__ import annotations

from ingest.errors import UnknownSourceError
from ingest.schema import Source
from ingest.sources import siaf_gasto, ubigeo_inei

SOURCES: dict[str, Source] = {s.name: s for s in (siaf_gasto.SOURCE, ubigeo_inei.SOURCE)}


def get_source(name: str) -> Source:
    """Return the source called ``name`` or raise :class:`UnknownSourceError` listing the known ones."""
    try:
        return SOURCES[name]
    except KeyError:
        raise UnknownSourceError(f"unknown source {name!r}; loadable sources: {', '.join(sorted(SOURCES))}") from None
