"""Turn a location (local path, http(s) URL, a .zip holding the CSV, or an .xlsx) into a local file with its facts.

URLs are downloaded by :mod:`ingest.fetch` (retries, conditional GET, size limit, HTML refused) into
``<warehouse>/landing`` as ``*.part`` and renamed only once complete, so an interrupted download never counts as a
file. The SHA-256 and the line count are computed in the same pass that downloads, unzips or reads the file.
"""

from __future__ import annotations

import hashlib
import logging
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlparse

from ingest.errors import FetchError

log = logging.getLogger(__name__)

CHUNK = 8 * 1024 * 1024
MAX_ZIP_RATIO = 200  # a member may expand to 200x its compressed size ...
MIN_ZIP_ALLOWANCE = 64 * 1024**2  # ... or to 64 MiB, whichever is larger
PROGRESS_EVERY = 1024**3  # log progress once per GiB


@dataclass(frozen=True)
class FileFacts:
    """What one pass over a file tells: its digest, size and physical lines."""

    sha256: str
    size: int
    newlines: int
    last_byte: bytes

    @property
    def ends_with_newline(self) -> bool:
        """Return whether the file's last byte is a line break."""
        return self.last_byte == b"\n"

    @property
    def physical_lines(self) -> int:
        """Return the number of lines, counting a last line without a line break."""
        return self.newlines + (0 if self.ends_with_newline or self.size == 0 else 1)


@dataclass(frozen=True)
class LandedFile:
    """A local file ready to load and where it came from."""

    location: str  # what the user gave: path or URL, with ``!member`` for a file inside a zip
    path: Path  # the local file to read
    facts: FileFacts | None  # None for a user's local file: the loader scans it (before or while DuckDB reads it)
    container_sha256: str | None = None  # the zip's SHA-256 when the file came out of one


class _Digest:
    """Accumulate SHA-256, size and line breaks over chunks, logging progress once per GiB."""

    def __init__(self, label: str) -> None:
        self.sha = hashlib.sha256()
        self.size = 0
        self.newlines = 0
        self.last = b""
        self.label = label
        self._next_report = PROGRESS_EVERY
        self._started = time.monotonic()

    def update(self, chunk: bytes) -> None:
        self.sha.update(chunk)
        self.size += len(chunk)
        self.newlines += chunk.count(b"\n")
        self.last = chunk[-1:] or self.last
        if self.size >= self._next_report:
            rate = self.size / max(time.monotonic() - self._started, 1e-9) / 1024**2
            log.info("%s: %.1f GiB so far (%.0f MiB/s)", self.label, self.size / 1024**3, rate)
            self._next_report += PROGRESS_EVERY

    def facts(self) -> FileFacts:
        return FileFacts(self.sha.hexdigest(), self.size, self.newlines, self.last)


def _copy(source: BinaryIO, sink: BinaryIO | None, digest: _Digest) -> None:
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        if sink is not None:
            sink.write(chunk)


def scan(path: Path) -> FileFacts:
    """Return the SHA-256, size and line-break count of a local file in one streaming pass."""
    digest = _Digest(f"hashing {path.name}")
    with path.open("rb") as handle:
        _copy(handle, None, digest)
    return digest.facts()


def sha256_of(path: Path) -> str:
    """Return the SHA-256 of a local file: the digest alone, about twice as fast as :func:`scan` (no line count)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def find_blank_lines(path: Path) -> list[int]:
    """Return the 1-based physical line numbers of empty lines (LF or CRLF), which CSV readers skip.

    A second, slower pass, run only when rows read fall short of the file's line count.
    """
    blank: list[int] = []
    line = 1
    with path.open("rb") as handle:
        for raw in handle:  # iterates by b"\n", keeping the line break
            if raw in (b"\n", b"\r\n"):
                blank.append(line)
            line += 1
    return blank


def is_url(location: str) -> bool:
    """Return whether ``location`` is an http(s) URL."""
    return urlparse(location).scheme in ("http", "https")


def _pick_member(archive: zipfile.ZipFile, zip_path: Path, wanted: str | None) -> zipfile.ZipInfo:
    members = [m for m in archive.infolist() if not m.is_dir()]
    if wanted is not None:
        for member in members:
            if member.filename == wanted:
                return member
        raise FetchError(f"{zip_path}: no member {wanted!r}; members: {', '.join(m.filename for m in members)}")
    csvs = [m for m in members if m.filename.lower().endswith((".csv", ".txt"))]
    if len(csvs) != 1:
        raise FetchError(
            f"{zip_path}: expected exactly one .csv inside, found {len(csvs)} "
            f"({', '.join(m.filename for m in members) or 'empty archive'}); name one as {zip_path}!<member>"
        )
    return csvs[0]


def _extraction_limit(info: zipfile.ZipInfo) -> int:
    """Return how many bytes a member may expand to: the download size limit, and at most ``MAX_ZIP_RATIO`` times its
    compressed size (MEF's CSVs compress 10-20x; a zip bomb 1000x and more)."""
    from ingest.fetch import FetchSettings

    return min(FetchSettings.from_env().max_bytes, max(MAX_ZIP_RATIO * info.compress_size, MIN_ZIP_ALLOWANCE))


def unzip(zip_path: Path, landing: Path, member: str | None = None) -> tuple[Path, FileFacts, str]:
    """Extract the CSV inside ``zip_path`` (streamed); return it, its facts and the zip's SHA-256.

    Only the member's base name is used (a ``../`` path cannot escape the landing folder), and a member that expands
    beyond :func:`_extraction_limit` (declared or while streaming) is refused: a zip bomb never fills the disk.
    """
    container = scan(zip_path).sha256
    part: Path | None = None
    try:
        with zipfile.ZipFile(zip_path) as archive:
            info = _pick_member(archive, zip_path, member)
            limit = _extraction_limit(info)
            if info.file_size > limit:
                raise FetchError(
                    f"{zip_path}: member {info.filename!r} expands to {info.file_size:,} bytes from "
                    f"{info.compress_size:,}, beyond the {limit:,} allowed (a zip bomb?); nothing was loaded"
                )
            target_dir = landing / f"{container[:12]}-{zip_path.stem}"
            target_dir.mkdir(parents=True, exist_ok=True)
            target = target_dir / Path(info.filename).name
            part = target.with_name(target.name + ".part")
            digest = _Digest(f"unzipping {info.filename}")
            with archive.open(info) as source, part.open("wb") as sink:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    if digest.size > limit:
                        raise FetchError(
                            f"{zip_path}: member {info.filename!r} expands beyond {limit:,} bytes (it declares "
                            f"{info.file_size:,}; a zip bomb?); nothing was loaded"
                        )
                    sink.write(chunk)
            part.replace(target)
    except zipfile.BadZipFile as exc:
        raise FetchError(f"{zip_path} is not a readable zip archive: {exc}") from exc
    except FetchError:
        if part is not None:
            part.unlink(missing_ok=True)
        raise
    log.info("unzipped %s from %s (%s bytes)", info.filename, zip_path.name, f"{digest.size:,}")
    return target, digest.facts(), container


def is_xlsx(path: Path) -> bool:
    """Return whether ``path`` is an Office Open XML workbook (a zip holding ``xl/workbook.xml``), whatever its name.

    Checked before any zip handling: an ``.xlsx`` is a zip archive, and must not be taken for one holding a CSV.
    """
    if not zipfile.is_zipfile(path):
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return False
    return "xl/workbook.xml" in names or "xl/workbook.bin" in names


def land(location: str, landing: Path) -> LandedFile:
    """Resolve ``location`` to a local file: download URLs and unzip archives (their facts taken on the way).

    A user's local file is returned as it is, with ``facts`` None: the loader hashes it while DuckDB reads it, or
    first when it has the size of the source's current load (``ingest.load._Load._digest_first``).

    ``archive.zip!member.csv`` names one member of an archive holding several files.
    """
    member: str | None = None
    base = location
    if "!" in location and location.split("!", 1)[0].lower().endswith(".zip"):
        base, member = location.split("!", 1)
    if is_url(base):
        from ingest.fetch import fetch  # fetch imports this module's FileFacts

        fetched = fetch(base, landing)
        path, facts = fetched.path, fetched.facts
    else:
        path = Path(base).expanduser()
        if not path.is_file():
            raise FetchError(f"{location}: no such file")
        facts = None
    if is_xlsx(path) or path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        return LandedFile(location, path, facts)  # a workbook: the XLSX reader checks it
    if path.suffix.lower() == ".zip" or zipfile.is_zipfile(path):
        if not zipfile.is_zipfile(path):
            raise FetchError(f"{location} is not a readable zip archive")
        csv_path, csv_facts, container = unzip(path, landing, member)
        return LandedFile(f"{location}" if member else f"{base}!{csv_path.name}", csv_path, csv_facts, container)
    return LandedFile(location, path, facts)
