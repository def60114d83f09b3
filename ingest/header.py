"""Read a file's header and match it against a source's declared layouts."""

from __future__ import annotations

import csv
from pathlib import Path

from ingest.contracts import Layout, Source
from ingest.errors import LayoutError, NotCsvError

MAX_HEADER_BYTES = 1024 * 1024


def read_header(path: Path, delimiter: str, quote: str, header_row: int = 1) -> list[str]:
    """Return the header names on line ``header_row`` of a delimited text file (a UTF-8 BOM is dropped).

    Lines above the header are title rows and are skipped. Raises :class:`NotCsvError` for an empty file, an HTML
    page, binary content, text that is not UTF-8, or a header line with no delimiter in it.
    """
    with path.open("rb") as handle:
        head = handle.read(MAX_HEADER_BYTES)
    if not head.strip():
        raise NotCsvError(f"{path}: the file is empty")
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").lower().startswith((b"<!doctype html", b"<html")):
        raise NotCsvError(
            f"{path}: an HTML page (an error or login page?), not this source's CSV "
            f"(no '{delimiter}' delimiter, no header)"
        )
    if head.startswith((b"PK\x03\x04", b"%PDF", b"\x1f\x8b")) or b"\x00" in head.split(b"\n", 1)[0]:
        raise NotCsvError(f"{path}: binary content where a '{delimiter}'-delimited text header was expected")
    lines = head.split(b"\n", header_row)
    if len(lines) < header_row or not lines[header_row - 1].strip():
        raise LayoutError(f"{path}: the file has no line {header_row}, where the contract puts the header")
    line = lines[header_row - 1]
    try:
        text = line.decode("utf-8-sig" if header_row == 1 else "utf-8").rstrip("\r")
    except UnicodeDecodeError as exc:
        raise NotCsvError(f"{path}: line {header_row} is not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    if delimiter not in text:
        raise NotCsvError(
            f"{path}: line {header_row} has no '{delimiter}' delimiter, so it is not this source's CSV: {text[:120]!r}"
        )
    return next(csv.reader([text], delimiter=delimiter, quotechar=quote))


def detect_layout(source: Source, header: list[str], path: Path, where: str = "line 1") -> Layout:
    """Return the layout whose columns are exactly ``header`` (in any order), or, for a contract with
    ``fieldsMatch: subset``, the first layout all of whose columns are in ``header`` (an exact match wins).

    Raises :class:`LayoutError` naming, for the closest layout, the missing and the unexpected columns.
    """
    names = set(header)  # a header cell may feed several fields (a fused 'code: name' cell)
    duplicates = sorted({name for name in header if header.count(name) > 1})
    # A repeated name in what is otherwise a layout's header: say so. A row that is no header at all (a data row
    # where the contract puts the header) repeats values too, but is better described by what it lacks, below.
    if duplicates and any(layout.header <= names for layout in source.layouts):
        raise LayoutError(f"{path}: the header on {where} repeats column(s) {', '.join(duplicates)}")
    for layout in source.layouts:
        if names == layout.header and not duplicates:
            return layout
    if source.fields_match == "subset":
        for layout in source.layouts:
            if layout.header <= names:
                return layout
    closest = min(source.layouts, key=lambda layout: len(names ^ layout.header))
    missing = sorted(closest.header - names)
    unexpected = [name for name in header if name not in closest.header]
    allowed = " (further columns are allowed: fieldsMatch subset)" if source.fields_match == "subset" else ""
    raise LayoutError(
        f"{path}: the header on {where} matches no {source.name} layout "
        f"({', '.join(layout.name for layout in source.layouts)}){allowed}. Closest is {closest.name}: "
        f"missing {len(missing)} column(s) [{', '.join(missing)}], "
        f"unexpected {len(unexpected)} column(s) [{', '.join(unexpected)}]"
        + (f", repeated {len(duplicates)} column(s) [{', '.join(duplicates)}]" if duplicates else "")
    )
