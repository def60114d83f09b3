"""Backfill the history of a year-partitioned source one fiscal year per file (dags/backfill_years.py).

A source is year-partitioned when its contract's ``partition`` field is an integer (a fiscal year) and its files are
CSV: the SIAF gasto, Devengado mensual and Ingreso files, one file per year. A backfill loads past years only:

* :func:`plan` turns the params into one item per year, refusing the current year (the year of the run's logical
  date in Lima, where SIAF's fiscal year runs) and later ones: the daily load DAG owns the current year;
* :func:`fetch_year` lands the year's file and refuses it, before anything is loaded, when any of its rows belongs
  to another year: a mislabelled file would otherwise replace that other year (the loader replaces every partition
  a file holds). It reads only the partition column of the file, once, with DuckDB;
* :func:`load_year` loads it with the ordinary loader (in the ``warehouse_writer`` pool).

The incremental facts then rebuild just the backfilled years (macros/years_to_rebuild.sql).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ingest.contracts import Source, get_source, registry

log = logging.getLogger(__name__)

FISCAL_TIMEZONE = "America/Lima"


class BackfillError(ValueError):
    """The backfill's params or a year's file cannot be backfilled; nothing was loaded for that year."""


@dataclass(frozen=True)
class YearItem:
    """One year to backfill: the source and where its file is."""

    source: str
    year: int
    location: str

    def as_dict(self) -> dict[str, object]:
        """Return the item as the JSON-friendly dict mapped tasks receive."""
        return {"source": self.source, "year": self.year, "location": self.location}


def year_partitioned_sources() -> list[str]:
    """Return the names of the active CSV sources whose partition field is an integer (a fiscal year), sorted."""
    names = []
    for source in registry().sources.values():
        if source.partition_column is None or source.format != "csv":
            continue
        partition = next(f for f in source.fields if f.name == source.partition_column)
        if partition.type == "integer":
            names.append(source.name)
    return sorted(names)


def current_year(logical_date: datetime) -> int:
    """Return the fiscal year the run's logical date falls in, in Lima (a naive date is taken as UTC)."""
    import pendulum

    return pendulum.instance(logical_date, tz="UTC").in_timezone(FISCAL_TIMEZONE).year


def plan(
    source: str, years: list[Any], location_template: str | None, logical_date: datetime
) -> list[dict[str, object]]:
    """Return one item per year to backfill (see :class:`YearItem`), in year order.

    ``location_template`` is a path or URL with ``{year}``, e.g. ``https://…/{year}-Gasto-Diario.csv``. Raises
    :class:`BackfillError` for a source that is not year-partitioned, no years, a repeated year, a template without
    ``{year}``, or a year that is not before the current one.
    """
    if source not in year_partitioned_sources():
        raise BackfillError(
            f"{source!r} is not a year-partitioned source; backfill one of {', '.join(year_partitioned_sources())}"
        )
    if not location_template or "{year}" not in location_template:
        raise BackfillError(
            f"location_template must contain {{year}}, e.g. /data/{{year}}-Gasto.csv: {location_template!r}"
        )
    if not years:
        raise BackfillError("no years to backfill: give years, e.g. [2016, 2017]")
    try:
        wanted = [int(year) for year in years]
    except (TypeError, ValueError) as exc:
        raise BackfillError(f"years must be whole years, e.g. [2016, 2017]: {years!r}") from exc
    if len(set(wanted)) != len(wanted):
        raise BackfillError(f"a year is given twice: {years!r}")
    current = current_year(logical_date)
    refused = [year for year in wanted if year >= current]
    if refused:
        raise BackfillError(
            f"a backfill never touches the current year {current} (the daily load DAG owns it) nor a later one:"
            f" remove {', '.join(map(str, refused))}"
        )
    return [YearItem(source, year, location_template.format(year=year)).as_dict() for year in sorted(wanted)]


def partition_counts(source: Source, path: Path) -> dict[str, int]:
    """Return the rows of a landed CSV file per value of the contract's partition column (text as written).

    The header is read and matched to a layout as the loader does, so a layout that renames the column is read
    right. Blank values and the contract's junk rows at the end are left out (the loader skips them too).
    """
    import duckdb

    from ingest.header import detect_layout, read_header
    from ingest.warehouse import sql_str

    dialect = source.dialect
    header = read_header(path, dialect.delimiter, dialect.quote, dialect.header_row)
    layout = detect_layout(source, header, path, where=f"line {dialect.header_row}")
    column = next(c for c in layout.columns if c.name == source.partition_column)
    if column.source_name is None:
        raise BackfillError(f"{path}: layout {layout.name} has no {source.partition_column} column")
    quoted = '"' + column.source_name.replace('"', '""') + '"'
    scan = (
        f"read_csv({sql_str(str(path))}, header = true, skip = {dialect.header_row - 1}, all_varchar = true,"
        f" delim = {sql_str(dialect.delimiter)}, quote = {sql_str(dialect.quote)}, escape = {sql_str(dialect.quote)},"
        f" null_padding = true, parallel = false)"
    )
    con = duckdb.connect()
    try:
        rows = con.execute(
            f"with scanned as (select trim({quoted}) as value from {scan}),"
            f" data as (select value from scanned limit greatest((select count(*) from scanned)"
            f" - {dialect.junk_rows_at_end}, 0))"
            " select value, count(*) from data where coalesce(value, '') <> '' group by value order by value"
        ).fetchall()
    finally:
        con.close()
    return {str(value): int(count) for value, count in rows}


def check_year(source: str, year: int, path: Path) -> dict[str, int]:
    """Refuse a file with rows of any year but ``year`` (or with no row of it); return its rows per year."""
    counts = partition_counts(get_source(source), path)
    others = {value: n for value, n in counts.items() if value != str(year)}
    if others:
        found = ", ".join(f"{value} ({n:,} rows)" for value, n in others.items())
        raise BackfillError(
            f"{source} file for {year} ({path}) holds rows of other years: {found}. Loading it would replace those"
            " years, so nothing was loaded; check location_template"
        )
    if not counts:
        raise BackfillError(f"{source} file for {year} ({path}) has no row of {year}; nothing was loaded")
    return counts


def fetch_year(item: dict[str, Any], warehouse: Path | None = None) -> dict[str, object]:
    """Land one year's file and check it holds that year only; return :func:`pipeline.tasks.fetch_source`'s
    summary with the ``year`` and its ``rows`` added."""
    from pipeline.tasks import fetch_source

    source, year = str(item["source"]), int(item["year"])
    landed = fetch_source(source, str(item["location"]), warehouse=warehouse)
    counts = check_year(source, year, Path(str(landed["path"])))
    log.info("%s %s: %s holds %s rows of %s only", source, year, landed["path"], counts[str(year)], year)
    return {**landed, "year": year, "rows": counts[str(year)]}


def load_year(
    landed: dict[str, Any], *, max_rejects: int = 0, allow_shrink: bool = False, warehouse: Path | None = None
) -> dict[str, object]:
    """Load one checked year's file (:func:`fetch_year`'s result); return the load's summary.

    Refuses a load whose partitions are not the year checked (the file changed between check and load).
    """
    from pipeline.tasks import load_source

    year = int(landed["year"])
    expected = {key: value for key, value in landed.items() if key not in ("year", "rows")}
    result = load_source(
        str(landed["source"]), max_rejects=max_rejects, allow_shrink=allow_shrink, warehouse=warehouse, landed=expected
    )
    partitions = result.get("partitions") or []
    if str(result.get("status")).startswith("loaded") and list(partitions) != [str(year)]:
        raise BackfillError(f"load {result.get('load_id')} replaced {partitions}, not only {year}")
    return result
