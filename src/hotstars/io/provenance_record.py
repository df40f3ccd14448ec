"""The provenance record of a workflow job: what made a product (hotstars version, git commit,
config digest, Snakemake, rule, input files with sizes and checksums). Standard library only:
every rule imports it through :mod:`hotstars.workflow.logs`, including the lean download
environment. :mod:`hotstars.io.provenance` re-exports it and adds the reader.

A rule script hands its Snakemake object to :func:`hotstars.workflow.logs.setup`, which calls
:func:`record_job` once per process; the writers (:mod:`hotstars.io.tables`,
:mod:`hotstars.io.vac`, :func:`hotstars.plots.style.savefig`) embed :func:`current`. Outside a
job (tests, notebooks) nothing is recorded and products carry no provenance.

The record (a dict; docs/conventions.md, Product metadata and provenance) holds nothing
that differs between two runs of the same commit and config (no time, host or absolute path),
so products stay deterministic:

- ``hotstars_version``; ``git_commit`` (of the workflow's folder, "unknown" without git) and
  ``git_dirty`` (tracked files modified; None when unknown);
- ``config_sha256``: SHA-256 of the run's config as canonical JSON (:func:`config_digest`);
- ``snakemake_version``, ``rule``;
- ``inputs``: the job's input files (paths as the rule names them, relative to the workflow),
  each ``{"path", "size" [bytes], "sha256"}``; a directory input is listed file by file;
- ``code_sha256``: one digest of the library files of the ``code`` input (their paths and
  SHA-256), which are not listed one by one.

This module is not :mod:`hotstars.workflow.provenance` (the import closure of rule scripts).
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import subprocess
import zlib
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Iterator, Mapping

from hotstars import __version__
from hotstars.errors import HotstarsError

UNKNOWN = "unknown"
FIELDS = ("hotstars_version", "git_commit", "git_dirty", "config_sha256", "snakemake_version",
          "rule", "code_sha256", "inputs")
PNG_KEY = "provenance"  # PNG tEXt keyword of the JSON record
_CHUNK = 1 << 20

_current: dict | None = None


class ProvenanceError(HotstarsError):
    """A file whose provenance cannot be read (unsupported format, unreadable file)."""


# --- the record ---------------------------------------------------------------------------------

def canonical_json(obj) -> str:
    """Sorted-key, compact, ASCII JSON (anything not JSON-native by ``str``)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)


def config_digest(config: Mapping) -> str:
    """SHA-256 hex digest of ``config`` as :func:`canonical_json`."""
    return hashlib.sha256(canonical_json(config).encode()).hexdigest()


def file_sha256(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def file_records(path: str | os.PathLike) -> list[dict]:
    """``[{"path", "size", "sha256"}]`` of a file, or of every file under a directory (sorted);
    a path that does not exist gives ``size`` and ``sha256`` None."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file())
        return [r for p in files for r in file_records(p)]
    if not path.is_file():
        return [{"path": path.as_posix(), "size": None, "sha256": None}]
    return [{"path": path.as_posix(), "size": path.stat().st_size, "sha256": file_sha256(path)}]


def git_state(folder: str | os.PathLike) -> tuple[str, bool | None]:
    """(HEAD commit, dirty) of the git checkout holding ``folder``; ("unknown", None) when there
    is none, git is absent or fails. Dirty: a tracked file differs from HEAD (untracked files
    are ignored: runs write products and logs while they go)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["GIT_OPTIONAL_LOCKS"] = "0"  # git status must not write the index of a running checkout

    def git(*args) -> str:
        return subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True,
                              env=env, timeout=60, check=True).stdout.strip()
    try:
        commit = git("rev-parse", "--verify", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return UNKNOWN, None
    return (commit, dirty) if commit else (UNKNOWN, None)


def snakemake_version() -> str:
    """The installed Snakemake's version (the library never imports Snakemake)."""
    try:
        return metadata.version("snakemake")
    except metadata.PackageNotFoundError:
        return UNKNOWN


def _paths(value) -> list[str]:
    """Flatten a Snakemake Namedlist (or list, str, namespace of them) into path strings."""
    if value is None:
        return []
    if isinstance(value, (str, os.PathLike)):
        return [os.fspath(value)]
    if isinstance(value, Mapping):
        value = list(value.values())
    elif not isinstance(value, (list, tuple)) and hasattr(value, "__dict__"):
        value = list(vars(value).values())
    return [p for item in value for p in _paths(item)]


def _named(inputs, name: str):
    try:
        return inputs.get(name) if hasattr(inputs, "get") else getattr(inputs, name, None)
    except (AttributeError, KeyError, TypeError):
        return None


def job_record(job) -> dict | None:
    """The provenance record of a Snakemake job (the ``snakemake`` object of a rule script), or
    None when ``job`` is not one (no ``rule``: e.g. a stand-in namespace in a test)."""
    rule = getattr(job, "rule", None)
    if not rule:
        return None
    inputs = getattr(job, "input", None)
    code = sorted(set(_paths(_named(inputs, "code"))))
    data = [p for p in dict.fromkeys(_paths(inputs)) if p not in set(code)]
    folder = Path(getattr(job, "scriptdir", None) or Path(__file__).parent).resolve()
    if folder.name == "scripts":  # the workflow's folder: scripts/ sits in it
        folder = folder.parent
    commit, dirty = git_state(folder)
    code_digest = hashlib.sha256(canonical_json(
        [[p, file_sha256(p) if Path(p).is_file() else None] for p in code]).encode()).hexdigest()
    return {
        "hotstars_version": __version__,
        "git_commit": commit,
        "git_dirty": dirty,
        "config_sha256": config_digest(getattr(job, "config", None) or {}),
        "snakemake_version": snakemake_version(),
        "rule": str(rule),
        "code_sha256": code_digest if code else None,
        "inputs": [r for p in data for r in file_records(p)],
    }


def record_job(job) -> dict | None:
    """Record ``job``'s provenance (:func:`job_record`) as this process's; return it."""
    return set_current(job_record(job))


def set_current(record: Mapping | None) -> dict | None:
    """Set (or, with None, clear) the record the writers embed."""
    global _current
    _current = None if record is None else json.loads(canonical_json(record))
    return _current


def current() -> dict | None:
    """This process's record (a copy), or None outside a workflow job."""
    return None if _current is None else json.loads(canonical_json(_current))


@contextmanager
def recording(record: Mapping | None) -> Iterator[dict | None]:
    """Use ``record`` inside a ``with`` block (tests, notebooks), then restore the previous."""
    previous = _current
    try:
        yield set_current(record)
    finally:
        set_current(previous)


# --- FITS header cards -------------------------------------------------------------------------

#: FITS keyword -> record field (scalars); inputs are HSINP<n> (path), HSINS<n> (size),
#: HSINH<n> (sha256), n = 1, 2, ... (HSNINP of them). Long strings use CONTINUE cards.
FITS_KEYS = {"HSVERS": "hotstars_version", "HSCOMMIT": "git_commit", "HSDIRTY": "git_dirty",
             "HSCONFIG": "config_sha256", "HSSMK": "snakemake_version", "HSRULE": "rule",
             "HSCODE": "code_sha256"}
_FITS_COMMENTS = {"hotstars_version": "hotstars version", "git_commit": "git commit (workflow)",
                  "git_dirty": "tracked files modified at run time",
                  "config_sha256": "sha256 of the run config (canonical JSON)",
                  "snakemake_version": "Snakemake version", "rule": "Snakemake rule",
                  "code_sha256": "sha256 of the rule's library files"}


def fits_cards(record: Mapping | None) -> list[tuple[str, object, str]]:
    """(keyword, value, comment) cards of ``record`` (none for None); None values are left
    out (FITS has no null keyword value to round-trip)."""
    if not record:
        return []
    cards = [_card(key, record[field], _FITS_COMMENTS[field])
             for key, field in FITS_KEYS.items() if record.get(field) is not None]
    inputs = record.get("inputs") or []
    cards.append(("HSNINP", len(inputs), "number of input files (HSINP/HSINS/HSINH n)"))
    for i, item in enumerate(inputs, start=1):
        cards.append(_card(f"HSINP{i}", item["path"], f"input {i}: path"))
        if item.get("size") is not None:
            cards.append(_card(f"HSINS{i}", int(item["size"]), f"input {i}: size [byte]"))
        if item.get("sha256") is not None:
            cards.append(_card(f"HSINH{i}", item["sha256"], f"input {i}: sha256"))
    return cards


def _card(key: str, value, comment: str) -> tuple[str, object, str]:
    """The card, its comment dropped when it would not fit in 80 characters (FITS Standard 4.0
    Sect. 4.1-4.2: keyword and '= ' take 10, a value at least 20, ' / ' 3)."""
    text = f"'{value}'" if isinstance(value, str) else str(value)
    fits = len(text) <= 70 and 10 + max(len(text), 20) + 3 + len(comment) <= 80
    return key, value, comment if fits else ""


def from_fits_header(header) -> dict:
    """The record written by :func:`fits_cards` into ``header`` ({} if there is none)."""
    if "HSRULE" not in header:
        return {}
    record: dict = {field: header.get(key) for key, field in FITS_KEYS.items()}
    record["inputs"] = [{"path": header.get(f"HSINP{i}"), "size": header.get(f"HSINS{i}"),
                         "sha256": header.get(f"HSINH{i}")}
                        for i in range(1, int(header.get("HSNINP", 0)) + 1)]
    return record


# --- reading -----------------------------------------------------------------------------------

def png_text(path: str | os.PathLike) -> dict[str, str]:
    """The tEXt, zTXt and iTXt chunks of a PNG file (PNG specification, 3rd ed., sec. 11.3.3)."""
    path = Path(path)
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ProvenanceError(f"{path}: not a PNG file")
    out, pos = {}, 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"tEXt":
            key, _, text = body.partition(b"\0")
            out[key.decode("latin-1")] = text.decode("latin-1")
        elif kind == b"zTXt":
            key, _, rest = body.partition(b"\0")
            out[key.decode("latin-1")] = zlib.decompress(rest[1:]).decode("latin-1")
        elif kind == b"iTXt":
            key, _, rest = body.partition(b"\0")
            compressed, rest = rest[0], rest[2:]
            _, _, rest = rest.partition(b"\0")  # language tag
            _, _, text = rest.partition(b"\0")  # translated keyword
            out[key.decode("latin-1")] = (zlib.decompress(text) if compressed else text).decode()
        elif kind == b"IEND":
            break
    return out
