"""The real data files of a run (config ``data``): where each lives and where it comes from.

``data.files`` maps an input key (``spall``, ``gaia``, ...) to a file ``name`` inside ``data.dir``
and its source: ``sas``, a path below ``data.base_url`` on the SDSS Science Archive Server (the
workflow can download it), or ``archive``, a description of the archive table(s) it is queried
from (Gaia DR3, Bailer-Jones, 2MASS), optionally with the ``adql`` file of the query. The one
message naming every missing file and its source (:func:`missing_files_message`) is shared by the
workflow's check before any job and by the downloader when a file cannot be fetched.

With ``data.query_archive: true`` the workflow runs the ADQL queries itself at the archive's TAP
service (:mod:`hotstars.io.archive`); by hand, ``hotstars source-ids SPALL BOSSNET OUT`` writes the
Gaia DR3 ids of the carton's spectra (the table the queries join).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

#: Checksum algorithms a data file may declare (hashlib names).
CHECKSUMS = ("md5", "sha1", "sha256")
GAIA_ARCHIVE = "https://gea.esac.esa.int/archive/"
#: The shell command that writes the overlay switching downloads on (as in README, Running).
DOWNLOAD_OVERLAY = "echo 'data: {download: true}' > download.yaml"
#: ... and the one switching both downloads and archive queries on
FETCH_ALL_OVERLAY = "echo 'data: {download: true, query_archive: true}' > fetch.yaml"


@dataclass(frozen=True)
class DataFile:
    """One input file: its config key, path, and source (SAS URL or archive description)."""

    key: str
    path: str
    url: str | None = None
    archive: str | None = None
    adql: str | None = None
    checksums: dict[str, str] = field(default_factory=dict)

    def exists(self) -> bool:
        return Path(self.path).exists()


def data_files(data: dict) -> dict[str, DataFile]:
    """{input key: DataFile} of the config's ``data`` section (``dir``, ``base_url``, ``files``)."""
    base = data["base_url"].rstrip("/")
    files = {}
    for key, entry in data["files"].items():
        sas = entry.get("sas")
        files[key] = DataFile(
            key=key,
            path=os.path.normpath(os.path.join(data["dir"], entry["name"])),
            url=f"{base}/{sas.lstrip('/')}" if sas else None,
            archive=entry.get("archive"),
            adql=entry.get("adql"),
            checksums={a: entry[a].lower() for a in CHECKSUMS if entry.get(a)},
        )
    return files


def resolve_inputs(inputs: dict, files: dict[str, DataFile]) -> dict:
    """``inputs`` with every key that is not given explicitly set to its data file's path."""
    return {**{key: f.path for key, f in files.items()}, **inputs}


def missing_files_message(files: list[DataFile], download: bool = False,
                          reason: str | None = None, header: str | None = None,
                          query: bool = False) -> str:
    """One message naming every missing file, where it comes from and how to get it.

    ``download``: the config's ``data.download`` (SDSS files are then fetched by the workflow);
    ``query``: ``data.query_archive`` (archive files are then queried by the workflow);
    ``reason``: why a download failed (the message then heads with it); ``header``: another first
    line.
    """
    if reason:
        lines = [f"could not download: {reason}", f"{len(files)} input file(s) missing:"]
    else:
        lines = [header or f"{len(files)} input file(s) of this run missing (nothing was run):"]
    for f in files:
        lines.append(f"  {f.path}  (inputs.{f.key})")
        if f.url:
            lines.append(f"      from the SDSS SAS: {f.url}")
        elif f.archive:
            adql = f"; ADQL query: {f.adql}" if f.adql else ""
            lines.append(f"      from {f.archive}{adql}")
        else:
            lines.append("      source unknown (no data.files entry): put the file there")
    sas = [f for f in files if f.url]
    asked = [f for f in files if f.archive] if not query else []
    after = ("last after --configfile (file targets, if any, go before --configfile)")
    if sas and not download and asked:
        lines.append("SDSS SAS and archive files: one more config overlay lets the run fetch the "
                     "SDSS files (resumable, checksums verified) and then query the archive files "
                     "at the Gaia archive's TAP service (no login needed): "
                     f"`{FETCH_ALL_OVERLAY}`, then give fetch.yaml {after}.")
    elif sas and not download:
        lines.append("SDSS SAS files: set `data: {download: true}` in one more config overlay to "
                     "fetch them (resumable, checksums verified; the run then fetches them first): "
                     f"`{DOWNLOAD_OVERLAY}`, then give download.yaml {after}; or download them to "
                     "the paths shown.")
    if any(f.archive for f in files):
        if asked and not (sas and not download):
            lines.append(
                "Archive files: set `data: {query_archive: true}` as well to let the run query "
                "them at the Gaia archive's TAP service (no login needed) once the SDSS files "
                f"are there: `{FETCH_ALL_OVERLAY}` switches on both downloads and queries.")
        lines.append(
            f"By hand: run the ADQL query shown at the Gaia archive ({GAIA_ARCHIVE}; "
            "asynchronous job, output format FITS) and save the result at the path shown. The "
            "queries join a user table of the stars' Gaia DR3 ids, written from the two SDSS files "
            "by: hotstars source-ids <spAll> <astraAllVisitBossNet> ids.vot")
    return "\n".join(lines)
