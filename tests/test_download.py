"""The downloader (hotstars.io.download) against a local HTTP server on 127.0.0.1.

``FixtureServer`` serves files from a folder with Range support and can be told to drop the
connection after N bytes, to ignore Range requests, or to corrupt the bytes it sends; it records
every request. tests/test_real_data.py uses it for the workflow-level download.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from hotstars.io import download, realdata

SIZE = 300_000


@dataclass
class Served:
    path: str
    range: str | None
    status: int
    sent: int


class FixtureServer:
    """A threaded HTTP server on 127.0.0.1 serving ``root`` (see the module docstring)."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.drops: list[int] = []      # the next responses stop after these many body bytes
        self.ignore_range = False
        self.corrupt = False
        self.requests: list[Served] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server._serve(self)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def _serve(self, h: BaseHTTPRequestHandler):
        path = self.root / h.path.lstrip("/")
        asked = h.headers.get("Range")
        if not path.is_file():
            self.requests.append(Served(h.path, asked, 404, 0))
            h.send_error(404)
            return
        data = path.read_bytes()
        start, status = 0, 200
        if asked and not self.ignore_range:
            start = int(asked.removeprefix("bytes=").rstrip("-"))
            if start >= len(data):
                h.send_response(416)
                h.send_header("Content-Range", f"bytes */{len(data)}")
                h.send_header("Content-Length", "0")
                self.requests.append(Served(h.path, asked, 416, 0))
                h.end_headers()
                return
            status = 206
        body = data[start:]
        if self.corrupt:
            body = bytes([body[0] ^ 0xFF]) + body[1:]
        h.send_response(status)
        h.send_header("Content-Length", str(len(body)))
        if status == 206:
            h.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        h.end_headers()
        if self.drops:
            body = body[:self.drops.pop(0)]
            h.close_connection = True
        self.requests.append(Served(h.path, asked, status, len(body)))  # before the client has it
        h.wfile.write(body)
        h.wfile.flush()


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused: 'offline')."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "served"
    (root / "sas").mkdir(parents=True)
    (root / "sas" / "file.fits").write_bytes(os.urandom(SIZE))
    srv = FixtureServer(root)
    yield srv
    srv.close()


def digest(path, algo="sha256"):
    return hashlib.new(algo, Path(path).read_bytes()).hexdigest()


def test_full_download_is_verified_and_renamed(server, tmp_path):
    src = server.root / "sas" / "file.fits"
    dest = tmp_path / "data" / "file.fits"
    download.fetch(f"{server.url}/sas/file.fits", dest,
                   {"sha256": digest(src).upper(), "md5": digest(src, "md5")})
    assert dest.read_bytes() == src.read_bytes()
    assert not download.part_path(dest).exists()
    assert [(r.status, r.sent) for r in server.requests] == [(200, SIZE)]


def test_dropped_connection_resumes_from_the_part_file(server, tmp_path):
    """A cut transfer keeps its bytes; the next call (a new job) asks only for the rest."""
    src = server.root / "sas" / "file.fits"
    dest = tmp_path / "file.fits"
    url = f"{server.url}/sas/file.fits"
    server.drops = [120_000]
    with pytest.raises(download.DownloadError, match="120000 of 300000 bytes"):
        download.fetch(url, dest, {"sha256": digest(src)}, attempts=1)
    assert not dest.exists() and download.part_path(dest).stat().st_size == 120_000

    download.fetch(url, dest, {"sha256": digest(src)})
    first, second = server.requests
    assert second.range == "bytes=120000-" and second.status == 206
    assert second.sent == SIZE - 120_000 < SIZE
    assert digest(dest) == digest(src)


def test_retries_within_one_call_resume(server, tmp_path):
    src = server.root / "sas" / "file.fits"
    dest = tmp_path / "file.fits"
    server.drops = [50_000, 100_000]
    download.fetch(f"{server.url}/sas/file.fits", dest, {"sha256": digest(src)}, wait=0)
    assert [r.sent for r in server.requests] == [50_000, 100_000, SIZE - 150_000]
    assert digest(dest) == digest(src)


def test_server_ignoring_range_restarts_the_file(server, tmp_path):
    """A 200 answer to a Range request is the whole file: it replaces the part, no duplication."""
    src = server.root / "sas" / "file.fits"
    dest = tmp_path / "file.fits"
    download.part_path(dest).write_bytes(src.read_bytes()[:1000])
    server.ignore_range = True
    download.fetch(f"{server.url}/sas/file.fits", dest)
    assert server.requests[0].range == "bytes=1000-" and server.requests[0].status == 200
    assert dest.read_bytes() == src.read_bytes()


def test_complete_part_file_is_accepted_after_416(server, tmp_path):
    src = server.root / "sas" / "file.fits"
    dest = tmp_path / "file.fits"
    download.part_path(dest).write_bytes(src.read_bytes())
    download.fetch(f"{server.url}/sas/file.fits", dest, {"sha1": digest(src, "sha1")})
    assert [r.status for r in server.requests] == [416]
    assert dest.read_bytes() == src.read_bytes()


def test_part_file_longer_than_the_server_file_starts_over(server, tmp_path):
    src = server.root / "sas" / "file.fits"
    dest = tmp_path / "file.fits"
    download.part_path(dest).write_bytes(os.urandom(SIZE + 10))
    download.fetch(f"{server.url}/sas/file.fits", dest, wait=0)
    assert [r.status for r in server.requests] == [416, 200]
    assert dest.read_bytes() == src.read_bytes()


def test_checksum_mismatch_fails_and_leaves_nothing(server, tmp_path):
    src = server.root / "sas" / "file.fits"
    dest = tmp_path / "file.fits"
    server.corrupt = True
    want = digest(src)
    with pytest.raises(download.ChecksumError) as err:
        download.fetch(f"{server.url}/sas/file.fits", dest, {"sha256": want})
    got = hashlib.sha256(bytes([src.read_bytes()[0] ^ 0xFF]) + src.read_bytes()[1:]).hexdigest()
    assert f"expected {want}, got {got}" in str(err.value)
    assert not dest.exists() and not download.part_path(dest).exists()


def test_not_found_is_not_retried(server, tmp_path):
    with pytest.raises(download.DownloadError, match="HTTP 404"):
        download.fetch(f"{server.url}/sas/other.fits", tmp_path / "other.fits", wait=0)
    assert len(server.requests) == 1


def test_offline_fails_with_the_missing_files_message(tmp_path):
    file = realdata.DataFile(key="spall", path=str(tmp_path / "spAll-v6_2_1.fits.gz"),
                             url=f"{closed_port_url()}/dr20/spAll-v6_2_1.fits.gz")
    with pytest.raises(download.DownloadError) as err:
        download.fetch_data_file(file)
    message = str(err.value)
    assert message.startswith(f"could not download: {file.url}: ")
    assert "Connection refused" in message
    # the workflow's message for this file, after the reason
    assert message.endswith(realdata.missing_files_message([file], download=True, reason="x")
                            .split("\n", 1)[1])
    assert f"{file.path}  (inputs.spall)" in message and file.url in message
    assert not Path(file.path).exists() and not download.part_path(file.path).exists()
