"""The Gaia-side input files through an IVOA TAP service, with the stars' ids as a table upload.

The three Gaia-side inputs of a real-data run (Gaia DR3 astrometry and ESP-HS, Bailer-Jones
distances, 2MASS photometry) are ADQL queries (``config/adql/*.adql``) that join a list of Gaia
DR3 ``source_id`` values. :func:`query_to_file` runs one of them at a TAP service (default: the
Gaia archive) with the list uploaded as ``TAP_UPLOAD.mwm_ob_ids`` (TAP 1.1, sec. 4.5):

- lists up to ``sync_max_ids`` go as one synchronous query, longer ones as asynchronous UWS jobs
  of at most ``chunk_ids`` ids each (the archive's row and upload limits stay far away), whose
  phase is reported while they run;
- a dropped connection, a timeout or a 5xx/429 answer is retried ``attempts`` times with a
  doubling wait; an error the service reports for the query itself (ERROR phase, QUERY_STATUS
  ERROR) and a refused size or quota are not retried and end in :class:`ArchiveQueryError` /
  :class:`ArchiveQuotaError` naming the query file and the service;
- a query that joins no uploaded list (the OB target sample, selected from the whole of Gaia DR3
  + 2MASS by its cuts) runs as one asynchronous job, its rows checked for repeated ids;
- results stream to a part file (bytes, rate and time left logged, :mod:`.progress`), rows are
  checked against the uploaded ids (none foreign, none repeated, none truncated by the service's
  row limit) and the file is written atomically: complete or absent.

Client: ``pyvo`` (the Astropy-affiliated IVOA client) reads the UWS job documents and the VOTable
answers (query errors, OVERFLOW) of any standard TAP service (a mirror, a local test service);
the requests themselves go through one method here, so that every one is retried and its
refusals reported the same way. ``astroquery.gaia`` speaks the ESA archive's own TAP+ dialect and
hard-wires its hosts.

Credentials are optional (the Gaia archive runs upload queries anonymously; logging in raises
its limits). They come from the environment (``HOTSTARS_ARCHIVE_USER``,
``HOTSTARS_ARCHIVE_PASSWORD``) or a netrc-format file outside the workflow folder, are used for
the archive's login form only, and are removed from every log record and error message.
"""

from __future__ import annotations

import logging
import netrc
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping
from urllib.parse import urljoin, urlparse

import numpy as np
from astropy.table import Column, MaskedColumn, Table, vstack

from hotstars.errors import HotstarsError
from hotstars.io.progress import Progress, Waiting, size_text
from hotstars.io.tables import atomic_path

log = logging.getLogger(__name__)

GAIA_TAP = "https://gea.esac.esa.int/tap-server/tap"
UPLOAD_NAME = "mwm_ob_ids"
#: the manual route's user table (config/adql/*.adql), replaced by the upload
USER_TABLE = re.compile(r"\buser_\w+\." + UPLOAD_NAME + r"\b", re.I)
USER_ENV, PASSWORD_ENV = "HOTSTARS_ARCHIVE_USER", "HOTSTARS_ARCHIVE_PASSWORD"
USER_AGENT = "hotstars-archive (pyvo)"
FINAL_PHASES = ("COMPLETED", "ERROR", "ABORTED")
#: MAXREC of a query without an upload (a whole-sky selection; the Gaia archive's anonymous
#: asynchronous limit is 3 million rows): a larger answer ends in OVERFLOW, an ArchiveQuotaError
WHOLE_QUERY_MAXREC = 3_000_000
#: words of a service's answer when a size or quota limit refused the job
QUOTA_WORDS = re.compile(r"quota|limit|too (large|big|many)|exceed|maximum", re.I)
WRITE_FORMATS = {".fits": "fits", ".fit": "fits", ".parquet": "parquet", ".csv": "ascii.csv",
                 ".vot": "votable", ".xml": "votable", ".ecsv": "ascii.ecsv"}


class ArchiveError(HotstarsError, RuntimeError):
    """The archive could not be queried (offline, login refused, transfer cut too often)."""


class ArchiveQueryError(ArchiveError):
    """The service ran the query and reported an error, or returned rows that cannot be right."""


class ArchiveQuotaError(ArchiveError):
    """The service refused the job's size (upload, rows) or the user's quota."""


class _Transient(Exception):
    """A failure worth retrying: connection dropped or refused mid-way, timeout, 5xx, 429."""


@dataclass(frozen=True)
class Settings:
    """How to query the service (config ``data.archive``)."""

    url: str = GAIA_TAP
    sync_max_ids: int = 2000       # longer lists: asynchronous jobs
    chunk_ids: int = 50000         # ids per job
    attempts: int = 4              # tries per request before giving up
    wait_s: float = 5.0            # first wait before a retry (doubled each time)
    poll_s: float = 5.0            # between two phase requests of an asynchronous job
    job_timeout_s: float = 4 * 3600.0
    timeout_s: float = 120.0       # connect / per-read socket timeout
    credentials: str | None = None  # netrc-format file (outside the workflow folder)

    @classmethod
    def from_config(cls, archive: Mapping) -> "Settings":
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in archive.items() if k in known})


@dataclass(frozen=True)
class Credentials:
    """A user name and password for the archive's login (the password never printed)."""

    user: str
    password: str = field(repr=False)
    source: str = ""

    def __str__(self) -> str:
        return f"user {self.user} ({self.source})"


def uses_upload(adql: str) -> bool:
    """Whether an ADQL text joins the uploaded id list (user table or TAP_UPLOAD)."""
    return bool(USER_TABLE.search(adql)) or f"tap_upload.{UPLOAD_NAME}" in adql.lower()


def upload_query(adql: str, source: str = "the query") -> str:
    """The ADQL of a query file for the automated route: ``--`` comments dropped, the manual
    route's ``user_<name>.mwm_ob_ids`` replaced by ``TAP_UPLOAD.mwm_ob_ids``."""
    lines = [line.split("--", 1)[0].rstrip() for line in adql.splitlines()]
    text = "\n".join(line for line in lines if line.strip())
    text, n = USER_TABLE.subn(f"TAP_UPLOAD.{UPLOAD_NAME}", text)
    if not n and f"TAP_UPLOAD.{UPLOAD_NAME}".lower() not in text.lower():
        raise ArchiveQueryError(f"{source}: the query joins no table of the stars' ids "
                                f"(expected user_YOURNAME.{UPLOAD_NAME} or "
                                f"TAP_UPLOAD.{UPLOAD_NAME})")
    return text


def login_url(url: str) -> str:
    """The ESA archives' login form beside their TAP endpoint (``.../tap-server/login``)."""
    base = url.rstrip("/")
    return (base[:-4] if base.endswith("/tap") else base) + "/login"


def find_credentials(path: str | None = None, environ: Mapping[str, str] = os.environ,
                     url: str = GAIA_TAP, workdir: str | os.PathLike = ".") -> Credentials | None:
    """Credentials from the environment (both variables set) or from the netrc-format file
    ``path`` (its entry for the service's host, or its default entry); None when neither.

    A file inside ``workdir`` (the workflow's folder, under version control) is refused: a
    password must not be one ``git add`` away from being published.
    """
    user, password = environ.get(USER_ENV), environ.get(PASSWORD_ENV)
    if user and password:
        return Credentials(user, password, f"from ${USER_ENV} and ${PASSWORD_ENV}")
    if user or password:
        raise ArchiveError(f"set both {USER_ENV} and {PASSWORD_ENV} (only one is set)")
    if not path:
        return None
    file = Path(path).expanduser().resolve()
    if file.is_relative_to(Path(workdir).resolve()):
        raise ArchiveError(f"data.archive.credentials: {path} is inside the workflow folder; "
                           "keep credentials outside it (e.g. ~/.config/hotstars/archive.netrc)")
    host = urlparse(url).hostname or ""
    try:
        entry = netrc.netrc(file).authenticators(host)
    except FileNotFoundError:
        raise ArchiveError(f"data.archive.credentials: no file {path}") from None
    except netrc.NetrcParseError as err:  # its message quotes no password, only a line number
        raise ArchiveError(f"data.archive.credentials: {path} is not a netrc file "
                           f"(line {err.lineno})") from None
    if not entry or not entry[0] or not entry[2]:
        raise ArchiveError(f"data.archive.credentials: {path} has no 'machine {host} login ... "
                           "password ...' (or default) entry")
    return Credentials(entry[0], entry[2], f"from {path}")


class _Redact(logging.Filter):
    """Replace a secret in every log record (message and arguments) by '***'."""

    def __init__(self, secret: str):
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.secret in message:
            record.msg, record.args = message.replace(self.secret, "***"), None
        return True


def _redacted(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret else text


class Client:
    """One session with a TAP service: login (optional), queries with retries, progress."""

    def __init__(self, settings: Settings = Settings(), credentials: Credentials | None = None,
                 session=None, sleep=time.sleep):
        import requests

        self.settings = settings
        self.sleep = sleep
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", USER_AGENT)
        self.session.trust_env = False  # no ~/.netrc sent to whatever host the config names
        self.secret = credentials.password if credentials else None
        self._filter = _Redact(self.secret) if self.secret else None
        if self._filter:
            for handler in logging.getLogger().handlers:
                handler.addFilter(self._filter)
        if credentials:
            self._login(credentials)

    def close(self) -> None:
        if self._filter:
            for handler in logging.getLogger().handlers:
                handler.removeFilter(self._filter)
        self.session.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- requests with retries ------------------------------------------------------------

    def _retry(self, what: str, call):
        """``call()`` up to ``attempts`` times while it fails transiently (doubling waits)."""
        attempts = self.settings.attempts
        for attempt in range(1, attempts + 1):
            try:
                return call()
            except _Transient as why:
                reason = _redacted(str(why), self.secret)
                if attempt == attempts:
                    raise ArchiveError(f"{what}: {reason} (gave up after {attempts} attempts)"
                                       ) from None
                wait = self.settings.wait_s * 2 ** (attempt - 1)
                log.warning("%s: %s (attempt %d of %d; again in %s s)", what, reason, attempt,
                            attempts, f"{wait:g}")
                self.sleep(wait)

    def _request(self, method: str, url: str, label: str | None = None, **kwargs):
        """One HTTP request; transient failures raise :class:`_Transient`, refusals
        :class:`ArchiveQuotaError` / :class:`ArchiveError`, the service's error for the query
        ``label`` :class:`ArchiveQueryError`."""
        import requests

        try:
            response = self.session.request(method, url, timeout=self.settings.timeout_s, **kwargs)
        except (requests.ConnectionError, requests.Timeout) as err:
            raise _Transient(f"{url}: {type(err).__name__}: {_first_line(err)}") from None
        self._check_status(response, url, label)
        return response

    def _check_status(self, response, url: str, label: str | None = None) -> None:
        code = response.status_code
        if code < 400:
            return
        body = _error_text(response)
        if code in (408, 429) or code >= 500:
            raise _Transient(f"{url}: HTTP {code} {response.reason}{body}")
        if code == 413 or (code in (400, 403) and QUOTA_WORDS.search(body)):
            raise ArchiveQuotaError(self._quota_message(f"HTTP {code} {response.reason}{body}"))
        if code == 400 and label and "QUERY_STATUS" in response.text:
            raise self._query_error(label, body.removeprefix(": "))  # the query's own error
        if code in (401, 403):
            raise ArchiveError(f"{url}: HTTP {code} {response.reason}{body}: the service wants a "
                               f"login: set {USER_ENV} and {PASSWORD_ENV}, or "
                               "data.archive.credentials (README, Real data)")
        raise ArchiveError(f"{url}: HTTP {code} {response.reason}{body}")

    def _quota_message(self, answer: str) -> str:
        s = self.settings
        return (f"{s.url} refused the job: {_redacted(answer, self.secret)}. Its size or quota "
                f"limits were reached: lower data.archive.chunk_ids (now {s.chunk_ids} ids per "
                f"job) or log in for larger limits ({USER_ENV}/{PASSWORD_ENV}), or run the query "
                "by hand (README, Real data)")

    def _login(self, credentials: Credentials) -> None:
        url = login_url(self.settings.url)

        def call():
            self._request("POST", url, data={"username": credentials.user,
                                             "password": credentials.password})
        try:
            self._retry(f"login at {url}", call)
        except ArchiveError as err:
            raise ArchiveError(f"login at {url} as {credentials.user} failed: "
                               f"{_redacted(str(err), self.secret)}") from None
        log.info("logged in at %s as %s", url, credentials.user)

    # --- one query ----------------------------------------------------------------------------

    def run(self, adql: str, ids: np.ndarray | None, label: str, part: Path) -> Table:
        """The rows of ``adql`` for the uploaded ``ids`` (one job, sync or async); ``ids`` None:
        a query without upload, one asynchronous job of at most :data:`WHOLE_QUERY_MAXREC` rows."""
        if ids is None:
            return self._async(adql, None, WHOLE_QUERY_MAXREC, label, part)
        upload = Table({"source_id": np.asarray(ids, np.int64)})
        maxrec = len(ids) + 1  # more rows than ids is an error; a cap below them shows OVERFLOW
        if len(ids) <= self.settings.sync_max_ids:
            return self._retry(label, lambda: self._sync(adql, upload, maxrec, label, part))
        return self._async(adql, upload, maxrec, label, part)

    def _sync(self, adql, upload, maxrec, label, part) -> Table:
        url = self.settings.url.rstrip("/") + "/sync"
        data, files = _query_form(adql, upload, maxrec)
        response = self._request("POST", url, label, data=data, files=files, stream=True)
        return self._receive(response, label, part, url)

    def _async(self, adql, upload, maxrec, label, part) -> Table:
        s = self.settings
        url = s.url.rstrip("/") + "/async"
        data, files = _query_form(adql, upload, maxrec)
        response = self._retry(f"{label}: submitting", lambda: self._request(
            "POST", url, label, data=data, files=files, allow_redirects=False))
        job_url = response.headers.get("Location") or ""
        if not job_url:
            raise ArchiveError(f"{url}: the service did not say where the job is "
                               f"(HTTP {response.status_code}, no Location header)")
        job_url = urljoin(url, job_url)
        log.info("%s: asynchronous job %s (%s)", label, job_url,
                 "no upload" if upload is None else f"{len(upload)} ids")
        try:
            self._retry(f"{label}: starting {job_url}", lambda: self._request(
                "POST", f"{job_url}/phase", data={"PHASE": "RUN"}))
            waiting = Waiting(f"{label}: job {job_url.rsplit('/', 1)[-1]}")
            t0 = time.monotonic()
            while True:
                phase = self._retry(f"{label}: phase of {job_url}", lambda: self._request(
                    "GET", f"{job_url}/phase").text.strip().upper())
                waiting.update(phase)
                if phase in FINAL_PHASES:
                    break
                if time.monotonic() - t0 > s.job_timeout_s:
                    raise ArchiveError(f"{label}: job {job_url} still {phase} after "
                                       f"{s.job_timeout_s:g} s (data.archive.job_timeout_s); "
                                       "it keeps running at the service: fetch its result by "
                                       "hand or run again later")
                self.sleep(s.poll_s)
            job = self._retry(f"{label}: job {job_url}", lambda: self._job(job_url))
            if phase != "COMPLETED":
                summary = getattr(job.errorsummary, "message", None)
                message = (getattr(summary, "content", None) or "").strip()
                raise self._query_error(label, f"job {job_url} ended {phase}: "
                                               f"{message or 'no error message'}")
            result = _result_url(job, job_url)
            table = self._retry(f"{label}: fetching the result", lambda: self._receive(
                self._request("GET", result, stream=True), label, part, result))
        finally:
            try:
                self._request("DELETE", job_url, allow_redirects=False)
            except (ArchiveError, _Transient):
                log.info("%s: could not delete job %s (the service removes it later)", label,
                         job_url)
        return table

    def _job(self, job_url: str):
        """The UWS job document (phase, results, error summary), parsed by pyvo."""
        import io

        from pyvo.io import uws

        return uws.parse_job(io.BytesIO(self._request("GET", job_url).content))

    def _query_error(self, label: str, message: str) -> ArchiveError:
        message = _redacted(message, self.secret)
        if QUOTA_WORDS.search(message):
            return ArchiveQuotaError(f"{label}: " + self._quota_message(message))
        return ArchiveQueryError(f"{label}: {self.settings.url}: {message}")

    def _receive(self, response, label: str, part: Path, url: str) -> Table:
        """Stream a VOTable answer into ``part`` (progress logged), parse and check it."""
        import requests
        from astropy.io.votable import parse
        from pyvo.dal import DALQueryError, TAPResults

        length = response.headers.get("Content-Length")
        progress = Progress(f"{label}: result", total=int(length) if length else None)
        try:
            try:
                with response, open(part, "wb") as fh:
                    for chunk in response.iter_content(1 << 20):
                        fh.write(chunk)
                        progress.update(len(chunk))
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
                    requests.Timeout) as err:
                got = part.stat().st_size if part.exists() else 0
                raise _Transient(f"{url}: connection lost after {size_text(got)}"
                                 f"{f' of {size_text(int(length))}' if length else ''} "
                                 f"({type(err).__name__})") from None
            if length and part.stat().st_size < int(length):
                raise _Transient(f"{url}: connection closed after {part.stat().st_size} of "
                                 f"{length} bytes")
            progress.done()
            try:
                results = TAPResults(parse(str(part), verify="ignore"), url=url,
                                     session=self.session)
            except DALQueryError as err:
                raise self._query_error(label, _first_line(err)) from None
            except Exception as err:  # not a VOTable: a proxy's page, a truncated document
                raise _Transient(f"{url}: the answer is not a VOTable ({_first_line(err)})"
                                 ) from None
        finally:
            part.unlink(missing_ok=True)  # complete or not, the table is read or the try failed
        if results.query_status == "OVERFLOW":
            raise ArchiveQuotaError(f"{label}: " + self._quota_message(
                f"the result was cut at its row limit ({len(results)} rows)"))
        return results.to_table()


def _query_form(adql: str, upload: Table | None, maxrec: int) -> tuple[dict, dict]:
    """The form fields and the uploaded file of a TAP query (TAP 1.1 sec. 4.5: the upload is
    referred to as ``param:<name>``); no upload field when ``upload`` is None."""
    data = {"REQUEST": "doQuery", "LANG": "ADQL", "QUERY": adql, "MAXREC": str(maxrec)}
    if upload is None:
        return data, {}
    data["UPLOAD"] = f"{UPLOAD_NAME},param:{UPLOAD_NAME}"
    return data, {UPLOAD_NAME: _votable_bytes(upload)}


def _votable_bytes(table: Table) -> bytes:
    import io

    buffer = io.BytesIO()
    table.write(buffer, format="votable", tabledata_format="binary2")
    return buffer.getvalue()


def _result_url(job, job_url: str) -> str:
    """The URL of a completed UWS job's result (TAP: the one ending in results/result)."""
    hrefs = [r.href for r in (job.results or []) if r.href and r.href.strip()]
    if not hrefs:
        raise ArchiveError(f"{job_url}: the completed job lists no result")
    best = next((h for h in hrefs if h.rstrip("/").endswith("results/result")), hrefs[0])
    return urljoin(job_url + "/", best)


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _error_text(response) -> str:
    """': <the service's error message>' of an HTTP error answer (VOTable INFO, or text)."""
    try:
        text = response.text
    except Exception:
        return ""
    match = re.search(r'<INFO[^>]*name="QUERY_STATUS"[^>]*>(.*?)</INFO>', text, re.S)
    message = match.group(1) if match else re.sub(r"<[^>]+>", " ", text)
    message = " ".join(message.split())[:300]
    return f": {message}" if message else ""


def check_rows(table: Table, ids: np.ndarray, label: str) -> None:
    """One row per uploaded id at most, none foreign: the queries join one row per star."""
    if "source_id" not in table.colnames:
        raise ArchiveQueryError(f"{label}: the result has no column 'source_id' "
                                f"(columns: {', '.join(table.colnames)})")
    got = np.asarray(table["source_id"], np.int64)
    foreign = np.setdiff1d(got, ids)
    if foreign.size:
        raise ArchiveQueryError(f"{label}: {foreign.size} returned source_id values were not "
                                f"uploaded (e.g. {foreign[0]})")
    values, counts = np.unique(got, return_counts=True)
    if (counts > 1).any():
        raise ArchiveQueryError(f"{label}: {int((counts > 1).sum())} source_id values come back "
                                f"more than once (e.g. {values[counts > 1][0]}): the query must "
                                "give one row per star")
    if len(ids) and not len(got):
        raise ArchiveQueryError(f"{label}: none of the {len(ids)} uploaded ids has a row: "
                                "are they Gaia DR3 source_id values?")


def source_ids(spall, bossnet) -> np.ndarray:
    """Sorted unique Gaia DR3 ids of the carton's stars: BOSS Net ``gaia_dr3_source_id`` of the
    visits of every ``sdss_id`` the (carton-filtered) spAll holds, at any MJD (the upload is
    the same for every ``sample.mjd_max``). Arguments: the readers' DataFrames."""
    carton = np.unique(np.asarray(spall["sdss_id"], np.int64))
    visits = bossnet.loc[np.isin(np.asarray(bossnet["sdss_id"], np.int64), carton)]
    ids = np.asarray(visits["gaia_dr3_source_id"], np.int64)
    return np.unique(ids[ids > 0])


def write_source_ids(ids, path) -> None:
    """The upload table (one column, ``source_id``), as VOTable (or by suffix), atomically."""
    path = Path(path)
    table = Table({"source_id": np.asarray(ids, np.int64)})
    table["source_id"].description = "Gaia DR3 source_id of a carton star"
    _write(table, path, WRITE_FORMATS.get(path.suffix.lower(), "votable"))


def read_source_ids(path) -> np.ndarray:
    """The ids of an upload table written by :func:`write_source_ids` (or by hand)."""
    table = Table.read(path)
    if "source_id" not in table.colnames:
        raise ArchiveError(f"{path}: no column 'source_id' (columns: {', '.join(table.colnames)})")
    return np.asarray(table["source_id"], np.int64)


def query_to_file(adql_path, ids, dest, settings: Settings = Settings(),
                  credentials: Credentials | None = None, session=None,
                  sleep=time.sleep) -> int:
    """Run the ADQL file ``adql_path`` for the Gaia DR3 ``ids`` and write ``dest`` atomically
    (format by suffix: FITS, Parquet, VOTable, CSV). Returns the number of rows. A query that
    joins no uploaded list runs once, without the ids (:func:`whole_query_to_file`)."""
    dest = Path(dest)
    fmt = _write_format(dest)
    text = Path(adql_path).read_text()
    if not uses_upload(text):
        return whole_query_to_file(adql_path, dest, settings, credentials, session, sleep)
    adql = upload_query(text, str(adql_path))
    ids = np.unique(np.asarray(ids, np.int64))
    if not ids.size:
        raise ArchiveError(f"{adql_path}: no Gaia DR3 ids to upload")
    step = max(1, settings.chunk_ids)
    chunks = [ids[i:i + step] for i in range(0, ids.size, step)]
    label = f"{dest.name} ({Path(adql_path).name})"
    log.info("%s: %d ids to %s in %d job(s)", label, ids.size, settings.url, len(chunks))
    parts = []
    rows = Progress(f"{label}: rows", total=None, unit="rows", every=0.0)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with Client(settings, credentials, session=session, sleep=sleep) as client:
        for k, chunk in enumerate(chunks, 1):
            name = f"{label} job {k}/{len(chunks)}" if len(chunks) > 1 else label
            part = dest.with_name(f".{dest.name}.result{k}.part")
            table = client.run(adql, chunk, name, part)
            check_rows(table, chunk, name)
            parts.append(table)
            rows.update(len(table))
    table = vstack(parts, metadata_conflicts="silent") if len(parts) > 1 else parts[0]
    table.meta.clear()  # the service's INFO elements; the columns keep units and descriptions
    check_rows(table, ids, label)
    log.info("%s: %d of %d uploaded ids have a row (%d without: left out by the query's "
             "conditions)", label, len(table), ids.size, ids.size - len(table))
    _write(table, dest, fmt)
    return len(table)


def _write_format(dest: Path) -> str:
    """The astropy format of an output file, by its suffix (:data:`WRITE_FORMATS`)."""
    fmt = WRITE_FORMATS.get(dest.suffix.lower())
    if fmt is None:
        raise ArchiveError(f"{dest}: unknown format {dest.suffix!r} (expected one of "
                           f"{', '.join(sorted(WRITE_FORMATS))})")
    return fmt


def whole_query_to_file(adql_path, dest, settings: Settings = Settings(),
                        credentials: Credentials | None = None, session=None,
                        sleep=time.sleep) -> int:
    """Run the ADQL file ``adql_path`` (no upload: e.g. the OB target sample's selection) as one
    asynchronous job and write ``dest`` atomically; one row per ``source_id``. Returns the rows."""
    dest = Path(dest)
    fmt = _write_format(dest)
    label = f"{dest.name} ({Path(adql_path).name})"
    log.info("%s: one asynchronous job at %s (no upload)", label, settings.url)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with Client(settings, credentials, session=session, sleep=sleep) as client:
        table = client.run(Path(adql_path).read_text(), None, label,
                           dest.with_name(f".{dest.name}.result.part"))
    table.meta.clear()
    check_rows(table, np.unique(np.asarray(table["source_id"], np.int64))
               if "source_id" in table.colnames else np.empty(0, np.int64), label)
    if not len(table):
        raise ArchiveQueryError(f"{label}: the query returned no rows")
    log.info("%s: %d rows", label, len(table))
    _write(table, dest, fmt)
    return len(table)


def _write(table: Table, dest: Path, fmt: str) -> None:
    import warnings

    from astropy.units import UnitsWarning

    for name in table.colnames:  # VOTable columns are masked: unmask those without a null
        col = table[name]
        if isinstance(col, MaskedColumn) and not np.any(col.mask):
            table[name] = Column(col.data.data, name=name, unit=col.unit,
                                 description=col.description)
    with atomic_path(dest) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore", UnitsWarning)  # archive unit strings kept as written
        table.write(tmp, format=fmt, overwrite=True)
