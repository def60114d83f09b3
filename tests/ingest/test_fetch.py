"""Downloads (ingest/fetch.py) against a loopback HTTP server: retries, conditional GET, size limit, HTML refused."""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path

import pytest

from ingest.errors import FetchError
from ingest.fetch import STATE_FILE, FetchSettings, fetch, read_state
from ingest.locate import land

BODY = b'"ANO_EJE","MES_EJE","MONTO"\r\n"2026","1","10.50"\r\n"2026","2","-3.00"\r\n'
FAST = FetchSettings(attempts=3, backoff=0.01, timeout=2.0)


@dataclass
class Site:
    """What the server serves and what it saw. ``plan[path]`` holds actions used up one per request:
    ``"503"``, ``"429"``, ``"drop"`` (close without answering), ``"short"`` (half the promised body), ``"slow"``."""

    base: str
    files: dict[str, bytes] = field(default_factory=dict)
    plan: dict[str, list[str]] = field(default_factory=dict)
    content_type: dict[str, str] = field(default_factory=dict)
    no_length: set[str] = field(default_factory=set)  # send no Content-Length: the body ends when the connection does
    validators: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)  # path -> (ETag, Last-Modified)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)


@pytest.fixture
def site() -> Iterator[Site]:
    state = Site(base="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path
            state.requests.append((path, dict(self.headers.items())))
            actions = state.plan.get(path) or []
            action = actions.pop(0) if actions else None
            if action in ("503", "429"):
                self.send_response(int(action))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if action == "drop":
                self.close_connection = True
                self.connection.close()
                return
            if action == "slow":
                time.sleep(1.0)
            if path not in state.files:
                self.send_error(404)
                return
            body = state.files[path]
            etag, modified = state.validators.get(path, (None, None))
            if (etag and self.headers.get("If-None-Match") == etag) or (
                modified and not etag and self.headers.get("If-Modified-Since") == modified
            ):
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", state.content_type.get(path, "text/csv"))
            if etag:
                self.send_header("ETag", etag)
            if modified:
                self.send_header("Last-Modified", modified)
            if action == "short":
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            if path not in state.no_length:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


def _files(landing: Path) -> list[str]:
    """The data files in landing (not the state file or its lock)."""
    return sorted(p.name for p in landing.iterdir() if not p.name.startswith(STATE_FILE)) if landing.exists() else []


def test_download_lands_the_file_with_its_facts(site: Site, tmp_path: Path) -> None:
    site.files["/2026-Gasto-Diario.csv"] = BODY
    got = fetch(site.url("/2026-Gasto-Diario.csv"), tmp_path, FAST)
    sha = hashlib.sha256(BODY).hexdigest()
    assert got.path == tmp_path / f"{sha[:12]}-2026-Gasto-Diario.csv"
    assert got.path.read_bytes() == BODY
    assert (got.facts.sha256, got.facts.size, got.facts.physical_lines) == (sha, len(BODY), 3)
    assert (got.not_modified, got.attempts) == (False, 1)
    assert _files(tmp_path) == [got.path.name]


@pytest.mark.parametrize("failures", [["503"], ["429", "503"], ["drop"], ["drop", "503"]])
def test_transient_failures_are_retried_then_succeed(site: Site, tmp_path: Path, failures: list[str]) -> None:
    site.files["/f.csv"] = BODY
    site.plan["/f.csv"] = list(failures)
    got = fetch(site.url("/f.csv"), tmp_path, FAST)
    assert got.path.read_bytes() == BODY
    assert got.attempts == len(failures) + 1 == site.hits("/f.csv")


def test_timeout_is_retried(site: Site, tmp_path: Path) -> None:
    site.files["/f.csv"] = BODY
    site.plan["/f.csv"] = ["slow"]
    got = fetch(site.url("/f.csv"), tmp_path, FetchSettings(attempts=2, backoff=0.01, timeout=0.3))
    assert got.attempts == 2 and got.path.read_bytes() == BODY


def test_retries_exhausted_is_a_clear_error(site: Site, tmp_path: Path) -> None:
    site.files["/f.csv"] = BODY
    site.plan["/f.csv"] = ["503"] * 5
    url = site.url("/f.csv")
    with pytest.raises(FetchError, match=rf"download of {url} failed after 3 attempt\(s\): HTTP 503"):
        fetch(url, tmp_path, FAST)
    assert site.hits("/f.csv") == 3
    assert list(tmp_path.iterdir()) == []


def test_backoff_grows_exponentially(site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    monkeypatch.setattr("ingest.fetch.time.sleep", waits.append)
    site.plan["/f.csv"] = ["503"] * 4
    with pytest.raises(FetchError, match="after 4 attempt"):
        fetch(site.url("/f.csv"), tmp_path, FetchSettings(attempts=4, backoff=0.5))
    assert waits == [0.5, 1.0, 2.0]


def test_missing_file_is_not_retried(site: Site, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match=r"refused: HTTP 404"):
        fetch(site.url("/2031-Gasto-Diario.csv"), tmp_path, FAST)
    assert site.hits("/2031-Gasto-Diario.csv") == 1


def test_not_modified_returns_the_landed_file_without_downloading(site: Site, tmp_path: Path) -> None:
    site.files["/f.csv"] = BODY
    site.validators["/f.csv"] = ('"v1"', None)
    first = fetch(site.url("/f.csv"), tmp_path, FAST)
    entry = read_state(tmp_path)[site.url("/f.csv")]
    assert (entry["etag"], entry["file"], entry["sha256"]) == ('"v1"', first.path.name, first.facts.sha256)
    stamp = first.path.stat().st_mtime_ns

    second = fetch(site.url("/f.csv"), tmp_path, FAST)
    assert second.not_modified is True
    assert (second.path, second.facts) == (first.path, first.facts)
    assert first.path.stat().st_mtime_ns == stamp  # not written again
    assert site.requests[-1][1].get("If-None-Match") == '"v1"'
    assert _files(tmp_path) == [first.path.name]


def test_last_modified_alone_is_used_too(site: Site, tmp_path: Path) -> None:
    modified = formatdate(1_767_225_600, usegmt=True)
    site.files["/f.csv"] = BODY
    site.validators["/f.csv"] = (None, modified)
    fetch(site.url("/f.csv"), tmp_path, FAST)
    assert fetch(site.url("/f.csv"), tmp_path, FAST).not_modified is True
    assert site.requests[-1][1].get("If-Modified-Since") == modified


def test_changed_file_is_downloaded_and_remembered(site: Site, tmp_path: Path) -> None:
    site.files["/f.csv"] = BODY
    site.validators["/f.csv"] = ('"v1"', None)
    first = fetch(site.url("/f.csv"), tmp_path, FAST)
    site.files["/f.csv"] = BODY + b'"2026","3","1.00"\r\n'
    site.validators["/f.csv"] = ('"v2"', None)
    second = fetch(site.url("/f.csv"), tmp_path, FAST)
    assert second.not_modified is False and second.facts.sha256 != first.facts.sha256
    assert read_state(tmp_path)[site.url("/f.csv")]["etag"] == '"v2"'


def test_landed_file_gone_means_a_full_download(site: Site, tmp_path: Path) -> None:
    site.files["/f.csv"] = BODY
    site.validators["/f.csv"] = ('"v1"', None)
    first = fetch(site.url("/f.csv"), tmp_path, FAST)
    first.path.unlink()
    again = fetch(site.url("/f.csv"), tmp_path, FAST)
    assert again.not_modified is False and again.path.read_bytes() == BODY
    assert "If-None-Match" not in site.requests[-1][1]


def test_state_file_is_valid_json_and_written_atomically(site: Site, tmp_path: Path) -> None:
    for name in ("a.csv", "b.csv"):
        site.files[f"/{name}"] = BODY
        site.validators[f"/{name}"] = (f'"{name}"', None)
        fetch(site.url(f"/{name}"), tmp_path, FAST)
    state = json.loads((tmp_path / STATE_FILE).read_text())
    assert sorted(state) == [site.url("/a.csv"), site.url("/b.csv")]
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/html; charset=utf-8", BODY),
        ("text/csv", b"<!DOCTYPE html>\n<html><body>Mantenimiento</body></html>"),
        ("application/octet-stream", b"\xef\xbb\xbf  <HTML lang='es'><head></head></HTML>"),
    ],
    ids=["content-type", "doctype", "html-tag-after-bom"],
)
def test_html_page_is_refused(site: Site, tmp_path: Path, content_type: str, body: bytes) -> None:
    site.files["/2026-Gasto-Diario.csv"] = body
    site.content_type["/2026-Gasto-Diario.csv"] = content_type
    url = site.url("/2026-Gasto-Diario.csv")
    with pytest.raises(FetchError, match=rf"{url} (answered with|returned) an HTML page"):
        fetch(url, tmp_path, FAST)
    assert site.hits("/2026-Gasto-Diario.csv") == 1  # not retried
    assert list(tmp_path.iterdir()) == []


def test_declared_size_over_the_limit_is_refused_up_front(site: Site, tmp_path: Path) -> None:
    site.files["/big.csv"] = BODY
    url = site.url("/big.csv")
    with pytest.raises(FetchError, match=rf"{url} is {len(BODY)} bytes \(Content-Length\), over the limit of 10"):
        fetch(url, tmp_path, FetchSettings(attempts=3, backoff=0.01, max_bytes=10))
    assert site.hits("/big.csv") == 1 and list(tmp_path.iterdir()) == []


def test_streamed_size_over_the_limit_is_refused(site: Site, tmp_path: Path) -> None:
    site.files["/big.csv"] = BODY
    site.no_length.add("/big.csv")
    with pytest.raises(FetchError, match=r"larger than the limit of 10 bytes"):
        fetch(site.url("/big.csv"), tmp_path, FetchSettings(attempts=3, backoff=0.01, max_bytes=10))
    assert list(tmp_path.iterdir()) == []


def test_size_limit_from_the_environment(site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INGEST_MAX_DOWNLOAD_BYTES", "10")
    monkeypatch.setenv("INGEST_FETCH_ATTEMPTS", "2")
    settings = FetchSettings.from_env()
    assert (settings.max_bytes, settings.attempts) == (10, 2)
    monkeypatch.setenv("INGEST_FETCH_ATTEMPTS", "many")
    with pytest.raises(FetchError, match="INGEST_FETCH_ATTEMPTS must be a number"):
        FetchSettings.from_env()


def test_body_without_length_is_accepted_when_complete(site: Site, tmp_path: Path) -> None:
    site.files["/f.csv"] = BODY
    site.no_length.add("/f.csv")
    assert fetch(site.url("/f.csv"), tmp_path, FAST).path.read_bytes() == BODY


def test_interrupted_stream_leaves_no_complete_looking_file(site: Site, tmp_path: Path) -> None:
    site.files["/f.csv"] = BODY
    site.plan["/f.csv"] = ["short"] * 3
    with pytest.raises(FetchError, match=r"failed after 3 attempt\(s\): download was interrupted"):
        fetch(site.url("/f.csv"), tmp_path, FAST)
    assert list(tmp_path.iterdir()) == []  # neither a .part nor a renamed file, and no state recorded


def test_interrupted_stream_then_complete_on_retry(site: Site, tmp_path: Path) -> None:
    site.files["/f.csv"] = BODY
    site.plan["/f.csv"] = ["short"]
    got = fetch(site.url("/f.csv"), tmp_path, FAST)
    assert got.attempts == 2 and got.path.read_bytes() == BODY
    assert _files(tmp_path) == [got.path.name]


def test_land_fetches_urls(site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INGEST_FETCH_BACKOFF", "0.01")
    site.files["/2026-Gasto-Diario.csv"] = BODY
    landed = land(site.url("/2026-Gasto-Diario.csv"), tmp_path / "landing")
    assert landed.location == site.url("/2026-Gasto-Diario.csv")
    assert landed.facts is not None and landed.facts.sha256 == hashlib.sha256(BODY).hexdigest()
    assert landed.path.read_bytes() == BODY
