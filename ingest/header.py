"""Read a file's header and match it against a source's declared layouts."""

from __future__ import annotations

import csv
from pathlib import Path

from ingest.errors import LayoutError, NotCsvError
from ingest.schema import Layout, Source

MAX_HEADER_BYTES = 1024 * 1024


def read_header(path: Path, delimiter: str, quote: str) -> list[str]:
    """Return the header names of a delimited text file (a UTF-8 BOM is dropped).

    Raises :class:`NotCsvError` for an empty file, binary content, text that is not UTF-8, or a first line with no
    delimiter in it.
    """
    with path.open("rb") as handle:
        head = handle.read(MAX_HEADER_BYTES)
    if not head.strip():
        raise NotCsvError(f"{path}: the file is empty")
    first = head.split(b"\n", 1)[0]
    if b"\x00" in first or head.startswith((b"PK\x03\x04", b"%PDF", b"\x1f\x8b")):
        raise NotCsvError(f"{path}: binary content where a '{delimiter}'-delimited text header was expected")
    try:
        text = first.decode("utf-8-sig").rstrip("\r")
    except UnicodeDecodeError as exc:
        raise NotCsvError(f"{path}: line 1 is not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    if delimiter not in text:
        raise NotCsvError(
            f"{path}: line 1 has no '{delimiter}' delimiter, so it is not this source's CSV: {text[:120]!r}"
        )
    return next(csv.reader([text], delimiter=delimiter, quotechar=quote))


def detect_layout(source: Source, header: list[str], path: Path) -> Layout:
    """Return the layout whose columns are exactly ``header`` (in any order).

    Raises :class:`LayoutError` naming, for the closest layout, the missing and the unexpected columns.
    """
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise LayoutError(f"{path}: the header repeats column(s) {', '.join(duplicates)}")
    names = set(header)
    for layout in source.layouts:
        if names == layout.header:
            return layout
    closest = min(source.layouts, key=lambda layout: len(names ^ layout.header))
    missing = sorted(closest.header - names)
    unexpected = [name for name in header if name not in closest.header]
    raise LayoutError(
        f"{path}: the header matches no {source.name} layout "
        f"({', '.join(layout.name for layout in source.layouts)}). Closest is {closest.name}: "
        f"missing {len(missing)} column(s) [{', '.join(missing)}], "
        f"unexpected {len(unexpected)} column(s) [{', '.join(unexpected)}]"
    )
