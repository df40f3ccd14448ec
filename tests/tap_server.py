"""A small IVOA TAP service on 127.0.0.1 for the archive tests (stand-in for the Gaia archive).

It speaks what :mod:`hotstars.io.archive` uses of TAP 1.1 and UWS 1.1: synchronous queries
(``POST .../sync``) and asynchronous jobs (``POST .../async`` -> 303 to the job; ``PHASE=RUN``;
``GET .../phase``; the job document; ``results/result``; ``DELETE``), table uploads
(``UPLOAD=name,param:name`` with a multipart VOTable), ``MAXREC`` with ``QUERY_STATUS=OVERFLOW``,
and the ESA archives' login form (``POST .../login``; a session cookie).

"Running" a query: the service holds tables under the names the ADQL files join
(``gaiadr3.gaia_source``, ...); the answer is the rows of the first one named in the query whose
``source_id`` is in the upload, with the SELECT's columns (by their name after the last dot), and
without rows where a ``x.col IS NOT NULL`` condition fails. That is all the three queries of
``config/adql`` need, and it gives back exactly the rows and values of the tables it holds.
Results are VOTable BINARY2 (exact values, nulls kept).

Faults to test the client with: ``fail`` (the next requests of a kind answer HTTP 503),
``drop`` (the next answers of a kind stop after N body bytes and close the connection),
``exec_polls`` (an async job reports EXECUTING that many times), ``upload_limit`` (more ids are
refused: HTTP 400 synchronously, an ERROR job asynchronously, with a message naming the limit),
``row_limit`` (results cut at that many rows, OVERFLOW), ``login`` (user, password required).
A query naming no table the service holds ends in ERROR ("Table ... not found").
"""

from __future__ import annotations

import io
import re
import threading
import uuid
from collections import Counter
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import numpy as np
from astropy.io.votable import from_table, parse_single_table
from astropy.io.votable.tree import Info
from astropy.table import Table

BASE = "/tap-server"


@dataclass
class Request:
    method: str
    path: str
    kind: str      # sync, async, phase, job, result, delete, login, other
    status: int
    cookie: bool   # the session cookie was sent


@dataclass
class Job:
    id: str
    query: str
    ids: np.ndarray | None
    maxrec: int | None
    phase: str = "PENDING"
    polls: int = 0
    body: bytes = b""
    error: str = ""


class TapServer:
    def __init__(self, tables: dict[str, Table]):
        self.tables = {name.lower(): t for name, t in tables.items()}
        self.fail: Counter = Counter()
        self.drop: dict[str, list[int]] = {}
        self.exec_polls = 0
        self.upload_limit: int | None = None
        self.row_limit: int | None = None
        self.login: tuple[str, str] | None = None
        self.requests: list[Request] = []
        self.jobs: dict[str, Job] = {}
        self.deleted: list[str] = []
        self.sessions: set[str] = set()
        self.bodies: list[bytes] = []     # every request body received (for leak checks)
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                server._handle(self, "GET")

            def do_POST(self):
                server._handle(self, "POST")

            def do_DELETE(self):
                server._handle(self, "DELETE")

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def url(self) -> str:
        """The TAP endpoint, as the Gaia archive's: <root>/tap-server/tap."""
        return f"{self.root}{BASE}/tap"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def kinds(self) -> list[str]:
        return [r.kind for r in self.requests]

    # --- HTTP ------------------------------------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler, method: str):
        path = urlparse(h.path).path
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        self.bodies.append(body)
        form, files = _form(h.headers.get("Content-Type", ""), body)
        cookie = "JSESSIONID=" in (h.headers.get("Cookie") or "")
        kind = _kind(method, path)
        if self.fail[kind] > 0:
            self.fail[kind] -= 1
            return self._send(h, method, path, kind, cookie, 503, b"busy, try later", "text/plain")
        if kind == "login":
            return self._login(h, method, path, form)
        if self.login and kind != "other" and not self._logged_in(h):
            return self._send(h, method, path, kind, cookie, 401, b"log in first", "text/plain")
        if kind == "sync":
            status, data = self._run(form.get("QUERY", ""), _upload(form, files),
                                     _int(form.get("MAXREC")), sync=True)
            return self._send(h, method, path, kind, cookie, status, data, "text/xml")
        if kind == "async":
            job = Job(uuid.uuid4().hex[:12], form.get("QUERY", ""), _upload(form, files),
                      _int(form.get("MAXREC")))
            self.jobs[job.id] = job
            return self._send(h, method, path, kind, cookie, 303, b"", "text/plain",
                              {"Location": f"{self.url}/async/{job.id}"})
        job = self.jobs.get(path.split("/async/", 1)[-1].split("/")[0])
        if job is None:
            return self._send(h, method, path, kind, cookie, 404, b"no such job", "text/plain")
        if kind == "phase" and method == "POST":
            if form.get("PHASE", "").upper() == "RUN" and job.phase == "PENDING":
                job.phase = "QUEUED"
            return self._send(h, method, path, kind, cookie, 303, b"", "text/plain",
                              {"Location": f"{self.url}/async/{job.id}"})
        if kind == "phase":
            self._advance(job)
            return self._send(h, method, path, kind, cookie, 200, job.phase.encode(), "text/plain")
        if kind == "job":
            return self._send(h, method, path, kind, cookie, 200, self._job_xml(job), "text/xml")
        if kind == "result":
            if job.phase != "COMPLETED":
                return self._send(h, method, path, kind, cookie, 404, b"no result", "text/plain")
            return self._send(h, method, path, kind, cookie, 200, job.body, "text/xml")
        if kind == "delete":
            self.deleted.append(job.id)
            del self.jobs[job.id]
            return self._send(h, method, path, kind, cookie, 303, b"", "text/plain",
                              {"Location": f"{self.url}/async"})
        return self._send(h, method, path, kind, cookie, 404, b"not here", "text/plain")

    def _send(self, h, method, path, kind, cookie, status, data: bytes, ctype, headers=None):
        self.requests.append(Request(method, path, kind, status, cookie))
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            h.send_header(key, value)
        drops = self.drop.get(kind)
        if drops:
            data = data[:drops.pop(0)]
            h.send_header("Connection", "close")
            h.close_connection = True
        h.end_headers()
        h.wfile.write(data)
        h.wfile.flush()

    def _login(self, h, method, path, form):
        if self.login and (form.get("username"), form.get("password")) != self.login:
            return self._send(h, method, path, "login", False, 401, b"bad credentials",
                              "text/plain")
        token = uuid.uuid4().hex
        self.sessions.add(token)
        return self._send(h, method, path, "login", False, 200, b"OK", "text/plain",
                          {"Set-Cookie": f"JSESSIONID={token}; Path=/"})

    def _logged_in(self, h) -> bool:
        cookie = h.headers.get("Cookie") or ""
        return any(f"JSESSIONID={token}" in cookie for token in self.sessions)

    # --- jobs ------------------------------------------------------------------------------

    def _advance(self, job: Job):
        if job.phase not in ("QUEUED", "EXECUTING"):
            return
        if job.polls < self.exec_polls:
            job.polls += 1
            job.phase = "EXECUTING"
            return
        status, data = self._run(job.query, job.ids, job.maxrec, sync=False)
        if status == 200 and b'value="ERROR"' not in data:
            job.phase, job.body = "COMPLETED", data
        else:
            job.phase = "ERROR"
            job.error = re.search(rb"<INFO[^>]*>(.*?)</INFO>", data, re.S).group(1).decode()

    def _job_xml(self, job: Job) -> bytes:
        results = ""
        if job.phase == "COMPLETED":
            results = (f'<uws:result id="result" xlink:href="{self.url}/async/{job.id}'
                       '/results/result"/>')
        error = ""
        if job.phase == "ERROR":
            error = (f'<uws:errorSummary type="fatal" hasDetail="false"><uws:message>'
                     f"{_escape(job.error)}</uws:message></uws:errorSummary>")
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<uws:job xmlns:uws="http://www.ivoa.net/xml/UWS/v1.0" '
            'xmlns:xlink="http://www.w3.org/1999/xlink" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" version="1.1">'
            f"<uws:jobId>{job.id}</uws:jobId><uws:runId/><uws:ownerId xsi:nil=\"true\"/>"
            f"<uws:phase>{job.phase}</uws:phase><uws:quote xsi:nil=\"true\"/>"
            "<uws:creationTime>2026-01-01T00:00:00Z</uws:creationTime>"
            "<uws:startTime xsi:nil=\"true\"/><uws:endTime xsi:nil=\"true\"/>"
            "<uws:executionDuration>0</uws:executionDuration>"
            "<uws:destruction xsi:nil=\"true\"/>"
            f'<uws:parameters><uws:parameter id="query">{_escape(job.query)}</uws:parameter>'
            "</uws:parameters>"
            f"<uws:results>{results}</uws:results>{error}</uws:job>"
        ).encode()

    def _run(self, query: str, ids, maxrec, sync: bool) -> tuple[int, bytes]:
        """(HTTP status, VOTable) of ``query`` on the upload ``ids``."""
        if ids is not None and self.upload_limit is not None and len(ids) > self.upload_limit:
            message = (f"Upload of {len(ids)} rows exceeds the limit of {self.upload_limit} "
                       "rows for this user")
            return (400 if sync else 200), _error_votable(message)
        names = re.findall(r"(?:FROM|JOIN)\s+([\w.]+)", query, re.I)
        table = next((self.tables[n.lower()] for n in names if n.lower() in self.tables), None)
        if table is None:
            wanted = next((n for n in names if not n.upper().startswith("TAP_UPLOAD.")), "?")
            return (400 if sync else 200), _error_votable(f"Table '{wanted}' not found")
        select = re.search(r"SELECT\s+(.*?)\s+FROM", query, re.S | re.I).group(1)
        columns = [c.strip().split(".")[-1] for c in select.split(",")]
        rows = table
        if ids is not None:
            rows = rows[np.isin(np.asarray(rows["source_id"], np.int64), ids)]
        for col in re.findall(r"\w+\.(\w+)\s+IS\s+NOT\s+NULL", query, re.I):
            values = rows[col]
            bad = np.asarray(getattr(values, "mask", np.zeros(len(rows), bool)))
            if values.dtype.kind == "f":
                bad = bad | np.isnan(np.asarray(values, float))
            rows = rows[~bad]
        status = "OK"
        limit = min(x for x in (maxrec, self.row_limit, len(rows) + 1) if x is not None)
        if len(rows) > limit:
            rows, status = rows[:limit], "OVERFLOW"
        return 200, _votable(rows[columns], status)


def _kind(method: str, path: str) -> str:
    tail = path.removeprefix(BASE)
    if tail == "/login":
        return "login"
    if tail == "/tap/sync":
        return "sync"
    if tail == "/tap/async" and method == "POST":
        return "async"
    if re.fullmatch(r"/tap/async/\w+/phase", tail):
        return "phase"
    if re.fullmatch(r"/tap/async/\w+/results/result", tail):
        return "result"
    if re.fullmatch(r"/tap/async/\w+", tail):
        return "delete" if method == "DELETE" else "job"
    return "other"


def _form(ctype: str, body: bytes) -> tuple[dict[str, str], dict[str, bytes]]:
    """Fields and files of a urlencoded or multipart/form-data body."""
    if ctype.startswith("application/x-www-form-urlencoded"):
        return {k: v[0] for k, v in parse_qs(body.decode()).items()}, {}
    if not ctype.startswith("multipart/form-data"):
        return {}, {}
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {ctype}\r\n\r\n".encode() + body)
    fields, files = {}, {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True) or b""
        if part.get_filename():
            files[name] = data
        else:
            fields[name] = data.decode()
    return fields, files


def _upload(form, files) -> np.ndarray | None:
    spec = form.get("UPLOAD")
    if not spec:
        return None
    name, ref = spec.split(",", 1)
    table = parse_single_table(io.BytesIO(files[ref.removeprefix("param:")])).to_table()
    return np.asarray(table["source_id"], np.int64)


def _int(value) -> int | None:
    return int(value) if value not in (None, "") else None


def _votable(rows: Table, status: str) -> bytes:
    votable = from_table(rows)
    resource = votable.resources[0]
    resource.type = "results"
    resource.infos.append(Info(name="QUERY_STATUS", value=status))
    buffer = io.BytesIO()
    votable.to_xml(buffer, tabledata_format="binary2")
    return buffer.getvalue()


def _error_votable(message: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3">'
            '<RESOURCE type="results">'
            f'<INFO name="QUERY_STATUS" value="ERROR">{_escape(message)}</INFO>'
            "</RESOURCE></VOTABLE>").encode()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
