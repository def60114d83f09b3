"""Locations: local paths, zip archives (older MEF years ship zipped) and http(s) URLs streamed into landing."""

from __future__ import annotations

import hashlib
import http.server
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.errors import FetchError
from ingest.fetch import STATE_FILE
from ingest.load import load
from tests.ingest.helpers import query


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Downloads retry with back-off (ingest/fetch.py): keep the waits tiny here."""
    monkeypatch.setenv("INGEST_FETCH_BACKOFF", "0.01")
    monkeypatch.setenv("INGEST_FETCH_ATTEMPTS", "2")


def _landed(warehouse: Path) -> list[str]:
    """The files in landing, without the download state (``.fetch-state.json`` and its lock)."""
    return sorted(p.name for p in (warehouse / "landing").iterdir() if not p.name.startswith(STATE_FILE))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A loopback HTTP server over a folder (with Last-Modified, so 304s); ``/short/<name>`` sends half the bytes."""
    root = tmp_path / "www"
    root.mkdir()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, directory=str(root), **kwargs)

        def do_GET(self) -> None:
            if self.path.startswith("/short/"):
                body = (root / self.path.removeprefix("/short/")).read_bytes()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body) + 5000))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.connection.close()
                return
            super().do_GET()

        def log_message(self, *args) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_url_is_streamed_into_landing_and_loaded(siaf_sample: Path, warehouse: Path, server) -> None:
    base, root = server
    (root / "2026-Gasto-Diario.csv").write_bytes(siaf_sample.read_bytes())
    result = load("siaf-gasto", f"{base}/2026-Gasto-Diario.csv")
    assert (result.status, result.rows_loaded) == ("loaded", 127)
    assert result.sha256 == hashlib.sha256(siaf_sample.read_bytes()).hexdigest()
    assert _landed(warehouse) == [f"{result.sha256[:12]}-2026-Gasto-Diario.csv"]
    assert query(warehouse, "select location from ops.load_log") == [(f"{base}/2026-Gasto-Diario.csv",)]


def test_interrupted_download_never_counts_as_a_file(siaf_sample: Path, warehouse: Path, server) -> None:
    base, root = server
    (root / "2026-Gasto-Diario.csv").write_bytes(siaf_sample.read_bytes())
    with pytest.raises(FetchError, match=r"failed after 2 attempt\(s\): download was interrupted"):
        load("siaf-gasto", f"{base}/short/2026-Gasto-Diario.csv")
    assert _landed(warehouse) == []  # no .part and no complete-looking file
    assert query(warehouse, "select status from ops.load_log") == [("failed",)]
    assert query(warehouse, "select count(*) from raw.siaf_gasto") == [(0,)]


def test_not_modified_url_is_not_downloaded_again_and_is_unchanged(siaf_sample: Path, warehouse: Path, server) -> None:
    base, root = server
    (root / "2026-Gasto-Diario.csv").write_bytes(siaf_sample.read_bytes())
    first = load("siaf-gasto", f"{base}/2026-Gasto-Diario.csv")
    landed = warehouse / "landing" / f"{first.sha256[:12]}-2026-Gasto-Diario.csv"
    stamp = landed.stat().st_mtime_ns
    again = load("siaf-gasto", f"{base}/2026-Gasto-Diario.csv")  # the server answers 304 Not Modified
    assert (first.status, again.status) == ("loaded", "unchanged")
    assert again.sha256 == first.sha256 and landed.stat().st_mtime_ns == stamp
    assert _landed(warehouse) == [landed.name]


def test_html_page_instead_of_the_file_is_refused(warehouse: Path, server) -> None:
    base, root = server
    (root / "2026-Gasto-Diario.html").write_text("<!DOCTYPE html><html><body>Página no encontrada</body></html>")
    with pytest.raises(FetchError, match="HTML page"):
        load("siaf-gasto", f"{base}/2026-Gasto-Diario.html")
    assert _landed(warehouse) == []


def test_missing_url_is_a_clear_error(warehouse: Path, server) -> None:
    base, _ = server
    with pytest.raises(FetchError, match="404"):
        load("siaf-gasto", f"{base}/2031-Gasto-Diario.csv")


def test_zip_holding_the_csv(siaf_sample: Path, warehouse: Path, tmp_path: Path) -> None:
    archive = tmp_path / "2026-Gasto.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.write(siaf_sample, "2026-Gasto.csv")
    result = load("siaf-gasto", str(archive))
    assert (result.status, result.rows_loaded) == ("loaded", 127)
    assert result.sha256 == hashlib.sha256(siaf_sample.read_bytes()).hexdigest()
    container = query(warehouse, "select container_sha256, location from ops.load_log")[0]
    assert container == (hashlib.sha256(archive.read_bytes()).hexdigest(), f"{archive}!2026-Gasto.csv")


def test_zip_with_several_files_needs_a_member(siaf_sample: Path, warehouse: Path, tmp_path: Path) -> None:
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(siaf_sample, "a.csv")
        zf.write(siaf_sample, "b.csv")
    with pytest.raises(FetchError, match=r"expected exactly one \.csv inside, found 2"):
        load("siaf-gasto", str(archive))
    assert load("siaf-gasto", f"{archive}!b.csv").rows_loaded == 127


def test_corrupt_zip(warehouse: Path, tmp_path: Path) -> None:
    archive = tmp_path / "2019-Gasto.zip"
    archive.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(FetchError, match="not a readable zip"):
        load("siaf-gasto", str(archive))
