"""Product provenance: what made a file (hotstars version, git commit, config digest, Snakemake,
rule, input files with sizes and checksums), written into every Parquet, FITS, PNG and JSON
product (:mod:`hotstars.io.provenance_record`, re-exported here), read back by
:func:`read_provenance` and shown by :func:`format_provenance` (``hotstars provenance``).

This module is not :mod:`hotstars.workflow.provenance` (the import closure of rule scripts).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Mapping

import pyarrow.parquet as pq

from hotstars.io.provenance_record import (  # noqa: F401 - the record's API, re-exported
    FIELDS,
    FITS_KEYS,
    PNG_KEY,
    UNKNOWN,
    ProvenanceError,
    canonical_json,
    config_digest,
    current,
    file_records,
    fits_cards,
    from_fits_header,
    git_state,
    job_record,
    png_text,
    record_job,
    recording,
    set_current,
    snakemake_version,
)


def read_provenance(path: str | os.PathLike) -> dict:
    """The provenance record of a product: Parquet (table metadata ``provenance``), FITS
    (keywords of the first HDU holding them), PNG (tEXt ``provenance``) or JSON (top-level
    ``"provenance"``); {} if it has none.

    Raises :class:`ProvenanceError` for another format or a file that cannot be read.
    """
    path = Path(path)
    name = path.name.lower()
    try:
        if name.endswith(".parquet"):
            yaml = (pq.read_schema(path).metadata or {}).get(b"table_meta_yaml", b"").decode()
            if not yaml:
                return {}
            from astropy.table import meta as table_meta
            header = table_meta.get_header_from_yaml(yaml.splitlines())
            return dict(header.get("meta", {}).get("provenance") or {})
        if name.endswith((".fits", ".fit", ".fits.gz")):
            from astropy.io import fits
            with fits.open(path) as hdul:
                for hdu in hdul:
                    record = from_fits_header(hdu.header)
                    if record:
                        return record
            return {}
        if name.endswith(".png"):
            text = png_text(path).get(PNG_KEY)
            return json.loads(text) if text else {}
        if name.endswith(".json"):
            obj = json.loads(path.read_text())
            return dict(obj.get("provenance") or {}) if isinstance(obj, dict) else {}
    except ProvenanceError:
        raise
    except Exception as exc:  # noqa: BLE001 - any reader failure: name the file
        raise ProvenanceError(f"{path}: cannot read its provenance "
                              f"({type(exc).__name__}: {exc})") from exc
    raise ProvenanceError(f"{path}: no provenance in this format (Parquet, FITS, PNG or JSON)")


def format_provenance(record: Mapping | None) -> str:
    """``record`` as text: what made the file, then its inputs with sizes and checksums."""
    if not record:
        return "no provenance recorded (written outside a workflow job, or by an older version)"
    dirty = {True: " (with uncommitted changes)", False: "", None: ""}[record.get("git_dirty")]
    lines = [f"rule:       {record.get('rule', UNKNOWN)}",
             f"hotstars:   {record.get('hotstars_version', UNKNOWN)}",
             f"git commit: {record.get('git_commit', UNKNOWN)}{dirty}",
             f"config:     sha256 {record.get('config_sha256', UNKNOWN)}",
             f"Snakemake:  {record.get('snakemake_version', UNKNOWN)}"]
    if record.get("code_sha256"):
        lines.append(f"library:    sha256 {record['code_sha256']} (the rule's code inputs)")
    inputs = record.get("inputs") or []
    lines.append(f"inputs ({len(inputs)}):")
    for item in inputs:
        size = "missing" if item.get("size") is None else f"{int(item['size']):,} bytes"
        lines.append(f"  {item.get('path')}  {size}  sha256 {item.get('sha256')}")
    return "\n".join(lines)
