"""Writing and reading the workflow's own products (Parquet through astropy, CSV, JSON).

Every product is written atomically: to a temporary file beside the target, then renamed, so a
killed job never leaves a half-written product behind. Parquet products go through
``astropy.table.Table`` so that column units and table metadata survive (TOPCAT and
``Table.read`` show them).
"""

from __future__ import annotations

import glob
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Mapping

import numpy as np
import pandas as pd
from astropy.table import Column, MaskedColumn, Table


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it onto ``path`` on success.

    The temporary file is ``.<name>.<random>.part``; those left by an earlier write of the same
    product that was killed (SIGKILL runs no cleanup) are removed first. One writer per product
    is assumed (Snakemake runs one job per output).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(glob.escape(f".{path.name}.") + "*.part"):
        stale.unlink(missing_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; products are shared files
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def to_astropy(df: pd.DataFrame, units: Mapping[str, str] | None = None,
               meta: Mapping | None = None) -> Table:
    """Convert a DataFrame to an astropy Table, attaching ``units`` (column -> unit string)."""
    table = Table.from_pandas(df.reset_index(drop=True))
    for name in table.colnames:
        # from_pandas masks NaN floats; keep plain NaN so Parquet has no '<col>.mask' companions
        col = table[name]
        if isinstance(col, MaskedColumn) and col.dtype.kind == "f":
            table[name] = Column(col.filled(np.nan), name=name)
    for name, unit in (units or {}).items():
        if name in table.colnames and unit:
            table[name].unit = unit
    if meta:
        table.meta.update(meta)
    return table


def write_table(df: pd.DataFrame, path: str | os.PathLike, units: Mapping[str, str] | None = None,
                meta: Mapping | None = None) -> None:
    """Write ``df`` to Parquet (through astropy, units kept), FITS or CSV, atomically.

    The format follows the suffix: ``.parquet``, ``.fits`` or ``.csv``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    with atomic_path(path) as tmp:
        if suffix == ".parquet":
            to_astropy(df, units, meta).write(tmp, format="parquet", overwrite=True)
        elif suffix == ".fits":
            to_astropy(df, units, meta).write(tmp, format="fits", overwrite=True)
        elif suffix == ".csv":
            df.to_csv(tmp, index=False)
        else:
            raise ValueError(f"{path}: unsupported product format {suffix!r} (parquet, fits, csv)")


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a product written by :func:`write_table` back into a DataFrame (units dropped)."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        return pd.read_csv(path)
    return Table.read(path).to_pandas()


def read_units(path: str | os.PathLike) -> dict[str, str]:
    """Column units of a Parquet/FITS product, as strings (columns without a unit omitted)."""
    table = Table.read(path)
    return {name: str(col.unit) for name, col in table.columns.items() if col.unit is not None}


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def write_json(obj, path: str | os.PathLike) -> None:
    """Write ``obj`` as indented, key-sorted JSON, atomically (numpy scalars allowed)."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, default=_json_default) + "\n")
