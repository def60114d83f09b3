"""Sources the project will add but cannot load yet: declared for freshness reports only (no layout, no loader).

They are not in ``ingest.sources.SOURCES``, so ``python -m ingest`` does not offer them. The quality report lists
them as "sin cargas" (never loaded) next to the loadable sources, with the cadence they will be expected at.
"""

from __future__ import annotations

from datetime import timedelta

from ingest.schema import PlannedSource

INFOBRAS = PlannedSource(
    name="infobras",
    title="Contraloría InfObras: public works (obras) with their progress, contracts and suspensions",
    publisher="Contraloría General de la República (InfObras)",
    expected_every=timedelta(days=1),
)

INVIERTE_PE = PlannedSource(
    name="invierte-pe",
    title="Invierte.pe: the bank of public investment projects (inversiones) and their execution",
    publisher="MEF, Invierte.pe",
    expected_every=timedelta(days=1),
)

MUNICIPAL_EXPORTS = PlannedSource(
    name="municipal-exports",
    title="Municipal exports: files each municipality sends once a month",
    publisher="Municipalidades",
    # "monthly": a file for each calendar month, so up to 31 days may pass between two arrivals.
    expected_every=timedelta(days=31),
)

PLANNED: tuple[PlannedSource, ...] = (INFOBRAS, INVIERTE_PE, MUNICIPAL_EXPORTS)
