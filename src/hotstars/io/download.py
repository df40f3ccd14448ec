"""Resumable, checksum-verified HTTP(S) downloads of the real data files (stdlib urllib).

The body streams into ``<file>.part`` beside the destination. An interrupted transfer keeps the
part file: the next attempt (in the same call, or a later run) asks only for the rest with a
``Range: bytes=N-`` request. A server that answers 200 (ignores the range) is read from the start
again; 416 (range not satisfiable) means the part already holds the whole file. When the config
gives checksums they are verified (a mismatch deletes the part: the bytes are wrong, resuming
cannot fix them); the part is then renamed to the destination, so the destination is complete
or absent. Progress (bytes, rate, time left) is logged every few seconds (:mod:`.progress`).
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import re
import time
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

from hotstars.errors import HotstarsError
from hotstars.io import realdata
from hotstars.io.progress import Progress

CHUNK = 1 << 20
TIMEOUT_S = 60.0          # connect and per-read socket timeout
ATTEMPTS = 3              # transfers per call; each resumes from the part file
WAIT_S = 2.0              # pause before the next attempt (doubled each time)
USER_AGENT = "hotstars-download (urllib)"

log = logging.getLogger(__name__)


class DownloadError(HotstarsError, RuntimeError):
    """The file could not be fetched (offline, HTTP error, transfer cut too often)."""


class ChecksumError(DownloadError):
    """The fetched bytes do not have the configured checksum."""


class _Restart(Exception):
    """The part file cannot be resumed: it was deleted, fetch from the start."""


def part_path(dest) -> Path:
    dest = Path(dest)
    return dest.with_name(dest.name + ".part")


def fetch(url: str, dest, checksums: dict[str, str] | None = None, *, timeout: float = TIMEOUT_S,
          attempts: int = ATTEMPTS, wait: float = WAIT_S) -> Path:
    """Download ``url`` to ``dest`` (resuming ``dest.part``), verify ``checksums``, rename atomically.

    ``checksums``: {hashlib algorithm: hex digest}. A transfer cut short or a server error (5xx) is
    retried up to ``attempts`` times, each resuming the part file; no connection at all and client
    errors (404, ...) fail at once. Raises :class:`DownloadError` (the part file is kept for the
    next call) or :class:`ChecksumError` on a mismatch (the part file is deleted).
    """
    dest = Path(dest)
    part = part_path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, attempts + 1):
        try:
            _transfer(url, part, timeout)
            break
        except _Restart as why:
            reason = f"{why}: starting again from byte 0"
        except HTTPError as err:
            if 400 <= err.code < 500 and err.code not in (408, 429):
                raise DownloadError(f"{url}: HTTP {err.code} {err.reason}") from None
            reason = f"HTTP {err.code} {err.reason}"
        except (OSError, http.client.HTTPException) as err:
            reason = str(getattr(err, "reason", None) or err)
        have = part.stat().st_size if part.exists() else 0
        log.warning("%s: %s (attempt %d of %d, %d bytes so far)", url, reason, attempt, attempts, have)
        if attempt < attempts:
            time.sleep(wait * 2 ** (attempt - 1))
    else:
        raise DownloadError(f"{url}: {reason} (gave up after {attempts} attempts; {have} bytes "
                            f"kept in {part}: the next run resumes from there)")
    _verify(part, checksums or {}, url)
    os.replace(part, dest)
    log.info("%s -> %s (%d bytes)", url, dest, dest.stat().st_size)
    return dest


def fetch_data_file(file: realdata.DataFile, **kwargs) -> Path:
    """Fetch a data file from its SAS URL to its path; if it cannot be fetched, the error is the
    workflow's missing-files message for it, headed by the reason."""
    try:
        return fetch(file.url, file.path, file.checksums, **kwargs)
    except ChecksumError:
        raise
    except DownloadError as err:
        raise DownloadError(realdata.missing_files_message([file], download=True, reason=str(err))) from None


def _transfer(url: str, part: Path, timeout: float) -> None:
    """One request: append the rest of the file to ``part`` (or all of it when not resumable)."""
    offset = part.stat().st_size if part.exists() else 0
    headers = {"User-Agent": USER_AGENT}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    try:
        response = urlopen(Request(url, headers=headers), timeout=timeout)
    except HTTPError as err:
        if err.code != 416 or not offset:
            raise
        total = _content_range(err.headers.get("Content-Range"))[1]
        if total == offset:
            return  # the part file already holds the whole file
        part.unlink()
        raise _Restart(f"the part file has {offset} bytes, the server's file {total}") from None
    except URLError as err:  # no connection (offline, unknown host, refused): not retried here
        raise DownloadError(f"{url}: {err.reason}") from None
    with response:
        if offset and response.status == 206:
            start = _content_range(response.headers.get("Content-Range"))[0]
            if start != offset:
                part.unlink()
                raise _Restart(f"asked for bytes from {offset}, the server sent from {start}")
            mode = "ab"
        else:
            if offset:
                log.warning("%s: the server ignored the range request: fetching the whole file", url)
            offset, mode = 0, "wb"
        length = response.headers.get("Content-Length")
        expected = offset + int(length) if length is not None else None
        progress = Progress(part.name.removesuffix(".part"), total=expected, start=offset)
        with open(part, mode) as fh:
            while chunk := response.read(CHUNK):
                fh.write(chunk)
                progress.update(len(chunk))
        progress.done()
    size = part.stat().st_size
    if expected is not None and size < expected:
        raise ConnectionError(f"connection closed after {size} of {expected} bytes")
    if expected is not None and size > expected:
        part.unlink()
        raise _Restart(f"received {size} bytes, {expected} announced")


def _content_range(value: str | None) -> tuple[int | None, int | None]:
    """(first byte, total size) of a Content-Range header: 'bytes 100-199/200' or 'bytes */200'."""
    match = re.fullmatch(r"bytes (?:(\d+)-\d+|\*)/(\d+|\*)", (value or "").strip())
    if not match:
        return None, None
    first, total = match.groups()
    return (int(first) if first else None), (int(total) if total != "*" else None)


def _verify(part: Path, checksums: dict[str, str], url: str) -> None:
    for algo, want in checksums.items():
        with open(part, "rb") as fh:
            got = hashlib.file_digest(fh, algo).hexdigest()
        if got != want.lower():
            part.unlink()
            raise ChecksumError(f"{url}: {algo} checksum mismatch: expected {want.lower()}, got "
                                f"{got}; the downloaded bytes were deleted")
