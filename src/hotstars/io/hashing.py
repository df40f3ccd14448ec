"""Canonical content hashes of the workflow's products, for determinism and resumption checks.

Two products have the same hash when they hold the same content, whatever the file layout:

- Parquet, FITS (every HDU), CSV and HDF5: column (dataset) names and order, dtypes (little
  endian; text as ``str``), shapes, values (every NaN as one canonical NaN; masked entries by
  their mask only), units and descriptions, and the table metadata (FITS header keywords that
  are not structural). Left out: how the file stores it (Parquet ``created_by``, row groups,
  compression, statistics; FITS padding) and the FITS keywords that legitimately change from one
  write to the next (:data:`VOLATILE_KEYWORDS`: ``DATE*``, ``CHECKSUM``, ``DATASUM``).
- JSON: the parsed document (key order and whitespace ignored).
- Anything else (PNG, PDF, Markdown, ...): the file's bytes.

The provenance a workflow job writes into its products (:mod:`hotstars.io.provenance`: table
metadata, FITS keywords, the JSON ``provenance`` key, the PNG tEXt chunk) is content too: two
runs agree when they ran the same code (commit, library digest) on the same config and inputs,
which is what a determinism check compares; the same tables from another commit or config differ.

All hashes are SHA-256 hex digests.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd
from astropy.io import fits
from astropy.table import Table
from astropy.units import UnitsWarning

from hotstars.errors import HotstarsError

VOLATILE_KEYWORDS = ("DATE", "CHECKSUM", "DATASUM")  # prefixes: DATE, DATE-OBS, DATE-HDU, ...
SKIP_DIRS = ("logs", "benchmarks", ".snakemake")


class ProductHashError(HotstarsError):
    """A product cannot be read in the format its suffix announces (truncated, corrupt)."""


def _canonical_json(obj) -> bytes:
    """Sorted-key JSON of metadata; numpy values as Python ones, anything else by ``str``."""
    def default(value):
        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, np.ndarray):
            return value.tolist()
        return str(value)
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=default).encode()


def _update(h, *parts) -> None:
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode()
        h.update(len(data).to_bytes(8, "little"))  # length prefix: no ambiguous concatenations
        h.update(data)


def _update_array(h, values, mask=None) -> None:
    """Dtype, shape and values of one column or dataset (see the module docstring)."""
    arr = np.asarray(values)
    if mask is not None and np.any(mask):
        mask = np.broadcast_to(np.asarray(mask, bool), arr.shape)
        _update(h, b"mask", np.packbits(mask, axis=None).tobytes())
        arr = arr.copy()
        arr[mask] = arr.dtype.type() if arr.dtype.kind != "O" else ""
    _update(h, "shape", arr.shape[1:], len(arr) if arr.ndim else -1)
    if arr.dtype.kind in "SUO":
        _update(h, "str")
        for value in arr.ravel():
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            _update(h, value if isinstance(value, str) else f"{type(value).__name__}:{value!r}")
        return
    arr = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<"))
    if arr.dtype.kind in "fc":
        arr = arr.copy()
        arr[np.isnan(arr)] = np.nan  # one bit pattern for every NaN (sign, payload)
    _update(h, arr.dtype.str, arr.tobytes())


def _meta(meta: Mapping) -> dict:
    """Metadata without the volatile keywords."""
    return {k: v for k, v in meta.items() if not str(k).upper().startswith(VOLATILE_KEYWORDS)}


def table_hash(table: Table) -> str:
    """Hash of an astropy Table's content: columns (names, dtypes, values, units) and metadata."""
    h = hashlib.sha256()
    _update(h, "table", len(table), _canonical_json(_meta(table.meta)))
    for name in table.colnames:
        col = table[name]
        unit = "" if col.unit is None else col.unit.to_string()
        _update(h, "column", name, unit, col.description or "")
        _update_array(h, col, getattr(col, "mask", None))
    return h.hexdigest()


def frame_hash(df: pd.DataFrame) -> str:
    """Hash of a DataFrame's columns (names, dtypes, values); the index is ignored."""
    h = hashlib.sha256()
    _update(h, "frame", len(df))
    for name in df.columns:
        _update(h, "column", name)
        _update_array(h, df[name].to_numpy())
    return h.hexdigest()


def _fits_hash(path: Path) -> str:
    h = hashlib.sha256()
    with fits.open(path, memmap=False) as hdul, warnings.catch_warnings():
        warnings.simplefilter("ignore", UnitsWarning)  # non-FITS units ('dex') are kept as text
        for hdu in hdul:
            if isinstance(hdu, (fits.BinTableHDU, fits.TableHDU)):
                _update(h, "table_hdu", hdu.name, table_hash(Table.read(hdu)))
            else:  # image or empty primary HDU: non-structural header cards and the data
                cards = {k: v for k, v in hdu.header.items()
                         if k not in ("SIMPLE", "BITPIX", "EXTEND", "XTENSION", "PCOUNT",
                                      "GCOUNT") and not k.startswith("NAXIS")}
                _update(h, "image_hdu", hdu.name, _canonical_json(_meta(cards)))
                if hdu.data is not None:
                    _update_array(h, hdu.data)
    return h.hexdigest()


def _hdf5_hash(path: Path) -> str:
    import h5py  # only needed for the Auriga-format files

    h = hashlib.sha256()

    def visit(name, obj):
        attrs = {k: obj.attrs[k] for k in sorted(obj.attrs)}
        _update(h, type(obj).__name__, name, _canonical_json(attrs))
        if isinstance(obj, h5py.Dataset):
            _update_array(h, obj[()])

    with h5py.File(path, "r") as f:
        visit("/", f)
        f.visititems(visit)  # h5py visits by name, whatever the creation order (track_order)
    return h.hexdigest()


def product_hash(path: str | os.PathLike) -> str:
    """Canonical content hash of one product file (format from the suffix; module docstring).

    Raises :class:`ProductHashError` naming the file when it cannot be read in that format.
    """
    path = Path(path)
    name = path.name.lower()
    try:
        if name.endswith(".parquet"):
            return table_hash(Table.read(path, format="parquet"))
        if name.endswith((".fits", ".fits.gz", ".fit")):
            return _fits_hash(path)
        if name.endswith(".csv"):
            return frame_hash(pd.read_csv(path))
        if name.endswith((".hdf5", ".h5")):
            return _hdf5_hash(path)
        if name.endswith(".json"):
            return hashlib.sha256(_canonical_json(json.loads(path.read_text()))).hexdigest()
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except Exception as exc:  # noqa: BLE001 - any reader failure means a broken product
        raise ProductHashError(f"{path}: not a readable {path.suffix or 'plain'} product "
                               f"({type(exc).__name__}: {exc})") from exc


def product_files(root: str | os.PathLike, folders: Iterable[str] = ("results", "resources"),
                  skip: Iterable[str] = SKIP_DIRS) -> list[Path]:
    """Every file under ``root/<folder>`` (sorted), except in directories named in ``skip``."""
    root, skip = Path(root), set(skip)
    files = []
    for folder in folders:
        for dirpath, dirnames, filenames in os.walk(root / folder):
            dirnames[:] = sorted(d for d in dirnames if d not in skip)
            files += [Path(dirpath) / f for f in filenames]
    return sorted(files)


def product_hashes(root: str | os.PathLike, folders: Iterable[str] = ("results", "resources"),
                   skip: Iterable[str] = SKIP_DIRS) -> dict[str, str]:
    """{path relative to ``root`` (POSIX): :func:`product_hash`} for :func:`product_files`."""
    root = Path(root)
    return {p.relative_to(root).as_posix(): product_hash(p)
            for p in product_files(root, folders, skip)}
