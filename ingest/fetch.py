"""Download a URL into the landing folder: retries, conditional GET, a size limit and a content check (stdlib only).

What :func:`fetch` guarantees:

- **Complete or nothing.** The body streams into ``<name>.<token>.part`` and is renamed to ``<sha256[:12]>-<name>``
  only when complete; a short read (fewer bytes than Content-Length), a dropped connection or any refusal below
  removes the partial file. The SHA-256, size and line breaks are taken on the way (:class:`FileFacts`).
- **Retries with exponential back-off** on connection errors, timeouts, short reads, HTTP 5xx and 429 (``Retry-After``
  is honoured up to the back-off cap): ``$INGEST_FETCH_ATTEMPTS`` attempts (default 4), waiting
  ``$INGEST_FETCH_BACKOFF`` seconds (default 2) times 2, 4, ... between them. Other HTTP errors (404, 403) fail at once.
- **Conditional GET.** The ETag and Last-Modified of each URL's last download are remembered in
  ``<landing>/.fetch-state.json`` (written atomically, under a lock) with the landed file's name and facts. The next
  fetch sends ``If-None-Match`` / ``If-Modified-Since`` while that file is still there with its recorded size; a
  ``304 Not Modified`` returns it without downloading, with its recorded facts, so the loader finds it ``unchanged``
  (its SHA-256 is the current load's) without reading it.
- **Size limit.** ``$INGEST_MAX_DOWNLOAD_BYTES`` (default 20 GiB), checked against Content-Length before the body is
  read and again while streaming.
- **Content check.** An HTML page (Content-Type ``text/html``, or a body starting with ``<!DOCTYPE html`` /
  ``<html``) is refused: publishers answer a moved or missing file with an HTML page and status 200.
"""

from __future__ import annotations

import contextlib
import email.utils
import fcntl
import http.client
import json
import logging
import os
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from ingest.errors import FetchError
from ingest.locate import CHUNK, FileFacts, _Digest

log = logging.getLogger(__name__)

STATE_FILE = ".fetch-state.json"
USER_AGENT = "peru-public-monitoring/0.1 (ingest)"
ATTEMPTS_ENV, BACKOFF_ENV, TIMEOUT_ENV, MAX_BYTES_ENV = (
    "INGEST_FETCH_ATTEMPTS",
    "INGEST_FETCH_BACKOFF",
    "INGEST_FETCH_TIMEOUT",
    "INGEST_MAX_DOWNLOAD_BYTES",
)
DEFAULT_ATTEMPTS = 4
DEFAULT_BACKOFF = 2.0  # seconds before the 2nd attempt; doubled for each further one
MAX_BACKOFF = 300.0
DEFAULT_TIMEOUT = 60.0  # seconds, for connecting and for each read
DEFAULT_MAX_BYTES = 20 * 1024**3
SNIFF_BYTES = 1024
_HTML_STARTS = (b"<!doctype html", b"<html")


class _Retryable(Exception):
    """A failure worth another attempt (connection, timeout, short read, 5xx, 429); ``wait`` from Retry-After."""

    def __init__(self, message: str, wait: float | None = None) -> None:
        super().__init__(message)
        self.wait = wait


@dataclass(frozen=True)
class FetchSettings:
    """How hard :func:`fetch` tries and how much it accepts."""

    attempts: int = DEFAULT_ATTEMPTS
    backoff: float = DEFAULT_BACKOFF
    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_BYTES

    @classmethod
    def from_env(cls) -> FetchSettings:
        """Return the settings from ``$INGEST_FETCH_ATTEMPTS``, ``$INGEST_FETCH_BACKOFF``, ``$INGEST_FETCH_TIMEOUT``
        and ``$INGEST_MAX_DOWNLOAD_BYTES`` (defaults where unset)."""

        def number(name: str, default: float, kind: type) -> Any:
            text = os.environ.get(name, "").strip()
            if not text:
                return default
            try:
                value = kind(text)
            except ValueError:
                raise FetchError(f"${name} must be a number, not {text!r}") from None
            if value < 0 or (kind is int and value < 1):
                raise FetchError(f"${name} must be positive, not {text!r}")
            return value

        return cls(
            attempts=number(ATTEMPTS_ENV, DEFAULT_ATTEMPTS, int),
            backoff=number(BACKOFF_ENV, DEFAULT_BACKOFF, float),
            timeout=number(TIMEOUT_ENV, DEFAULT_TIMEOUT, float),
            max_bytes=number(MAX_BYTES_ENV, DEFAULT_MAX_BYTES, int),
        )


@dataclass(frozen=True)
class Fetched:
    """A URL landed as a local file: the file, its facts, and whether the server said it had not changed (304)."""

    url: str
    path: Path
    facts: FileFacts
    not_modified: bool
    attempts: int
    etag: str | None = None
    last_modified: str | None = None


def fetch(url: str, landing: Path, settings: FetchSettings | None = None) -> Fetched:
    """Land ``url`` in ``landing``; return the file and its facts (the earlier file on ``304 Not Modified``).

    Raises :class:`FetchError` naming the URL when the download fails after the allowed attempts, the server refuses
    it (4xx), the body is an HTML page, or it is larger than the size limit; no ``*.part`` file is left behind.
    """
    settings = settings or FetchSettings.from_env()
    landing.mkdir(parents=True, exist_ok=True)
    previous = _previous(landing, url)
    last_error = ""
    for attempt in range(1, settings.attempts + 1):
        try:
            result = _attempt(url, landing, settings, previous, attempt)
        except _Retryable as exc:
            last_error = str(exc)
            if attempt == settings.attempts:
                break
            delay = min(settings.backoff * 2 ** (attempt - 1), MAX_BACKOFF)
            if exc.wait is not None:
                delay = min(max(delay, exc.wait), MAX_BACKOFF)
            log.warning("%s: attempt %d of %d failed: %s; retry in %.1f s", url, attempt, settings.attempts, exc, delay)
            time.sleep(delay)
            continue
        if result is None:  # 304 but the earlier file vanished meanwhile: ask again without conditions
            previous, last_error = None, "304 Not Modified, but the file landed earlier is gone"
            continue
        return result
    raise FetchError(f"download of {url} failed after {settings.attempts} attempt(s): {last_error}; nothing was loaded")


def _attempt(
    url: str, landing: Path, settings: FetchSettings, previous: dict[str, Any] | None, attempt: int
) -> Fetched | None:
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    if previous is not None:
        if previous.get("etag"):
            headers["If-None-Match"] = previous["etag"]
        if previous.get("last_modified"):
            headers["If-Modified-Since"] = previous["last_modified"]
    request = urllib.request.Request(url, headers=headers)
    try:
        response = urllib.request.urlopen(request, timeout=settings.timeout)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 304 and previous is not None:
            return _not_modified(url, landing, previous, attempt)
        if exc.code == 429 or exc.code >= 500:
            raise _Retryable(f"HTTP {exc.code} {exc.reason}", _retry_after(exc.headers.get("Retry-After"))) from exc
        raise FetchError(f"download of {url} refused: HTTP {exc.code} {exc.reason}; nothing was loaded") from exc
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:  # refused, reset, DNS, timeout
        reason = getattr(exc, "reason", exc)
        raise _Retryable(f"{type(reason).__name__}: {reason}") from exc
    except ValueError as exc:
        raise FetchError(f"{url} is not a URL that can be downloaded: {exc}") from exc
    with response:
        if response.status == 304 and previous is not None:  # handlers that pass 304 through
            return _not_modified(url, landing, previous, attempt)
        return _stream(url, landing, settings, response, attempt)


def _stream(url: str, landing: Path, settings: FetchSettings, response: Any, attempt: int) -> Fetched:
    content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if content_type in ("text/html", "application/xhtml+xml"):
        raise FetchError(
            f"{url} answered with an HTML page (Content-Type {content_type}), not a data file: the file may have "
            "moved or the site is showing an error page; nothing was loaded"
        )
    length = response.headers.get("Content-Length")
    expected = int(length) if length and length.strip().isdigit() else None
    if expected is not None and expected > settings.max_bytes:
        raise FetchError(
            f"{url} is {expected:,} bytes (Content-Length), over the limit of {settings.max_bytes:,} bytes "
            f"(${MAX_BYTES_ENV}); nothing was downloaded"
        )
    name = _file_name(url)
    part = landing / f"{name}.{secrets.token_hex(4)}.part"
    digest = _Digest(f"downloading {name}")
    head = b""
    log.info("downloading %s (%s bytes, attempt %d)", url, expected if expected is not None else "unknown", attempt)
    try:
        with part.open("wb") as sink:
            while True:
                try:
                    chunk = response.read(CHUNK)
                except (OSError, http.client.HTTPException) as exc:  # reset, timeout, IncompleteRead
                    raise _Retryable(
                        f"download was interrupted after {digest.size:,} bytes: {type(exc).__name__}: {exc}"
                    ) from exc
                if len(head) < SNIFF_BYTES and chunk:
                    head += chunk[: SNIFF_BYTES - len(head)]
                    if len(head) >= SNIFF_BYTES:
                        _refuse_html(url, head)
                if not chunk:
                    break
                digest.update(chunk)
                if digest.size > settings.max_bytes:
                    raise FetchError(
                        f"{url} is larger than the limit of {settings.max_bytes:,} bytes (${MAX_BYTES_ENV}); "
                        "download stopped, nothing was loaded"
                    )
                sink.write(chunk)
            _refuse_html(url, head)
            if expected is not None and digest.size != expected:
                raise _Retryable(f"download was interrupted: got {digest.size:,} of {expected:,} bytes")
            sink.flush()
            os.fsync(sink.fileno())
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    facts = digest.facts()
    final = landing / f"{facts.sha256[:12]}-{name}"
    part.replace(final)
    etag, last_modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
    _remember(landing, url, final, facts, etag, last_modified)
    log.info("downloaded %s: %s bytes, sha256 %s", final.name, f"{facts.size:,}", facts.sha256)
    return Fetched(url, final, facts, False, attempt, etag, last_modified)


def _refuse_html(url: str, head: bytes) -> None:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith(_HTML_STARTS):
        raise FetchError(
            f"{url} returned an HTML page ({start[:40].decode('ascii', 'replace')!r}...), not a data file: the file "
            "may have moved or the site is showing an error page; nothing was loaded"
        )


def _not_modified(url: str, landing: Path, previous: dict[str, Any], attempt: int) -> Fetched | None:
    path = landing / previous["file"]
    if not path.is_file() or path.stat().st_size != previous["size"]:
        log.warning("%s: 304 Not Modified, but %s is gone or changed; downloading it again", url, path)
        return None
    facts = FileFacts(previous["sha256"], previous["size"], previous["newlines"], bytes.fromhex(previous["last_byte"]))
    log.info("%s not modified since the last download (304): using %s, sha256 %s", url, path.name, facts.sha256)
    return Fetched(url, path, facts, True, attempt, previous.get("etag"), previous.get("last_modified"))


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def _file_name(url: str) -> str:
    name = Path(unquote(urlparse(url).path)).name
    cleaned = "".join(c if c.isalnum() or c in "-_.+" else "_" for c in name).lstrip(".")
    return cleaned or "download"


# -- the per-URL state: ETag, Last-Modified and the landed file's facts ----------------------------------------------


def state_path(landing: Path) -> Path:
    """Return the JSON file where each URL's ETag, Last-Modified and landed file are remembered."""
    return landing / STATE_FILE


def read_state(landing: Path) -> dict[str, dict[str, Any]]:
    """Return the remembered downloads by URL (empty when there is no state file or it cannot be read)."""
    path = state_path(landing)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("%s is unreadable (%s); downloading without conditional requests", path, exc)
        return {}
    return data if isinstance(data, dict) else {}


def _previous(landing: Path, url: str) -> dict[str, Any] | None:
    entry = read_state(landing).get(url)
    needed = ("file", "sha256", "size", "newlines", "last_byte")
    if not isinstance(entry, dict) or not all(key in entry for key in needed):
        return None
    if not (entry.get("etag") or entry.get("last_modified")):
        return None
    path = landing / entry["file"]
    if not path.is_file() or path.stat().st_size != entry["size"]:
        return None  # the landed file is gone (or was changed): nothing to fall back on, download it again
    return entry


@contextlib.contextmanager
def _locked(landing: Path) -> Iterator[None]:
    with (landing / f"{STATE_FILE}.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remember(
    landing: Path, url: str, path: Path, facts: FileFacts, etag: str | None, last_modified: str | None
) -> None:
    """Record the download under the lock and replace the state file atomically (temp file, fsync, rename)."""
    entry = {
        "file": path.name,
        "etag": etag,
        "last_modified": last_modified,
        "sha256": facts.sha256,
        "size": facts.size,
        "newlines": facts.newlines,
        "last_byte": facts.last_byte.hex(),
        "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    target = state_path(landing)
    with _locked(landing):
        state = read_state(landing)
        state[url] = entry
        temp = target.with_name(f"{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            with temp.open("w", encoding="utf-8") as handle:
                json.dump(state, handle, indent=2, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            temp.replace(target)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
