"""Readers of the isochrone sources of the age grid: the MIST v1.2 (v/vcrit = 0.4) theory isochrones
of the PyPI package ``lachesis-grids`` (HDF5), official MIST ``*.iso.cmd`` files, and the PARSEC
v1.2S / YBC table of bolometric corrections shipped in ``hotstars/data`` (provenance in its
README.md). The grid itself is built by :mod:`hotstars.isochrones`.
"""

from __future__ import annotations

import importlib.resources
import io
import re
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

from hotstars.errors import HotstarsError

BANDS = ("G", "J", "H", "Ks")
MAG_COLUMNS = [f"M_{b}" for b in BANDS]


# Columns interpolated in [Fe/H] at equal EEP.
PHYSICAL = ["initial_mass", "log_teff", "log_g", "log_L"]
DECIMALS = 4  # grid values are rounded to this many decimals (exact equality with np.round)


# PARSEC/YBC table shipped with the package (see hotstars/data/README.md).
PARSEC_TABLE = "parsec_v1.2S_ybc_bc_table.csv.gz"


LACHESIS_FILE = "mist_v2.5_vvcrit0.4.h5"


_LACHESIS_COLUMNS = {"eep": "eep", "age": "log_age", "initial_mass": "initial_mass",
                     "log_Teff": "log_teff", "log_g": "log_g", "log_L": "log_L",
                     "Mbol": "Mbol", "phase": "phase"}


# Official MIST .iso.cmd column names -> grid names.
_MIST_COLUMNS = {"EEP": "eep", "log10_isochrone_age_yr": "log_age",
                 "initial_mass": "initial_mass", "log_Teff": "log_teff", "log_g": "log_g",
                 "log_L": "log_L", "2MASS_J": "M_J", "2MASS_H": "M_H", "2MASS_Ks": "M_Ks",
                 "phase": "phase"}
_MIST_GAIA_G = ("Gaia_G_EDR3", "Gaia_G_DR2Rev")  # first present wins


class IsochroneError(HotstarsError):
    """Bad isochrone input: a malformed file, a missing column or an impossible grid request."""


def read_parsec_table() -> pd.DataFrame:
    """The PARSEC v1.2S/YBC table shipped in ``hotstars/data`` (provenance in its README.md)."""
    with importlib.resources.files("hotstars").joinpath("data", PARSEC_TABLE).open("rb") as f:
        return pd.read_csv(f, compression="gzip")


def lachesis_path() -> Path:
    """Path of the MIST v1.2 vvcrit 0.4 grid inside the installed ``lachesis-grids`` package."""
    return Path(str(importlib.resources.files("lachesis_grids").joinpath("grids", LACHESIS_FILE)))


def read_lachesis(log_ages, fehs, h5_path=None) -> pd.DataFrame:
    """MIST isochrones of ``lachesis-grids`` at the given log-ages and MIST node [Fe/H] values.

    Columns: log_age, feh, eep, initial_mass, log_teff, log_g, log_L, Mbol, phase. The HDF5
    'sparse_v1' layout: block ``b`` of ``values`` (rows ``sum(lengths[:b])`` onwards, ``lengths[b]``
    rows, EEPs ``offsets[b]`` onwards, NaN rows where an EEP is absent) is the isochrone
    (feh_values[b // n_age], age_values[b % n_age]) — the file attribute ``shape`` = (n_feh,
    n_age, n_eep, n_col); the age column of every block is checked against it.
    """
    path = Path(h5_path) if h5_path is not None else lachesis_path()
    log_ages = np.round(np.asarray(log_ages, float), DECIMALS)
    fehs = np.round(np.asarray(fehs, float), DECIMALS)
    with h5py.File(path, "r") as f:
        if f.attrs.get("storage") != "sparse_v1":
            raise IsochroneError(f"{path}: expected storage 'sparse_v1', got {f.attrs.get('storage')!r}")
        names = [str(c) for c in f.attrs["columns"]]
        missing = [c for c in _LACHESIS_COLUMNS if c not in names]
        if missing:
            raise IsochroneError(f"{path}: missing column(s) {missing} in attribute 'columns'")
        ages = np.round(f["age_values"][:], DECIMALS)
        grid_fehs = np.round(f["feh_values"][:], DECIMALS)
        n_feh, n_age = (int(n) for n in f.attrs["shape"][:2])
        lengths, offsets = f["lengths"][:], f["offsets"][:]
        if (n_feh, n_age) != (grid_fehs.size, ages.size) or lengths.size != n_feh * n_age:
            raise IsochroneError(f"{path}: attribute shape {f.attrs['shape']} does not match "
                                 f"{grid_fehs.size} feh x {ages.size} age values, {lengths.size} blocks")
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        cols = [names.index(c) for c in _LACHESIS_COLUMNS]
        values = f["values"]
        parts, ages_out, fehs_out = [], [], []
        for feh in fehs:
            ifeh = np.flatnonzero(grid_fehs == feh)
            if ifeh.size == 0:
                raise IsochroneError(f"{path}: [Fe/H] {feh:g} is not a grid value {grid_fehs.tolist()}")
            iages = [np.flatnonzero(ages == age) for age in log_ages]
            blocks = [ifeh[0] * n_age + i[0] for i in iages if i.size]
            if blocks:  # one read of the rows spanning this [Fe/H]'s blocks, needed columns only
                lo = min(starts[b] for b in blocks)
                hi = max(starts[b] + lengths[b] for b in blocks)
                span = np.column_stack([values[lo:hi, c] for c in cols])
            for age, iage in zip(log_ages, iages):
                if iage.size == 0:
                    raise IsochroneError(f"{path}: log_age {age:g} is not a grid value "
                                         f"({ages.min():g}..{ages.max():g})")
                b = ifeh[0] * n_age + iage[0]
                block = span[starts[b] - lo:starts[b] - lo + lengths[b]].astype(float)
                block = block[~np.isnan(block).any(axis=1)]
                if not (np.allclose(block[:, 1], age, atol=1e-4)
                        and (block[:, 0] >= offsets[b]).all()):
                    raise IsochroneError(f"{path}: block {b} does not hold log_age {age:g} "
                                         f"(the layout differs from shape {f.attrs['shape']})")
                parts.append(block)
                ages_out.append(np.full(len(block), age))
                fehs_out.append(np.full(len(block), feh))
    table = pd.DataFrame(np.concatenate(parts), columns=list(_LACHESIS_COLUMNS.values()))
    table["log_age"] = np.concatenate(ages_out)
    table["feh"] = np.concatenate(fehs_out)
    return table


_EEP_BLOCK = re.compile(r"^#\s*number of EEPs, cols\s*=\s*(\d+)\s+(\d+)\s*$")
_N_ISO = re.compile(r"^#\s*number of isochrones\s*=\s*(\d+)\s*$")


def read_mist_iso_cmd(path) -> pd.DataFrame:
    """Read one official MIST v1.2 ``*.iso.cmd`` file (all ages of one [Fe/H]).

    Returns log_age [dex(yr)], feh (the header's [Fe/H]), eep, initial_mass, log_teff, log_g,
    log_L, M_G (Gaia_G_EDR3, else Gaia_G_DR2Rev), M_J, M_H, M_Ks (2MASS), phase. The file layout
    (MIST iso_eep_color output): '#' header lines incl. ``#  Yinit  Zinit  [Fe/H]  [a/Fe]  v/vcrit``
    followed by a '#' line of values and ``# number of isochrones = N``; then per age
    ``# number of EEPs, cols = n m``, a '#' line of column numbers, the '# EEP ...' column-name
    line and n whitespace-separated rows (blank lines between blocks).
    """
    path = Path(path)
    lines = path.read_text().splitlines()

    def fail(lineno: int | None, msg: str):
        where = f"{path}" if lineno is None else f"{path}, line {lineno + 1}"
        raise IsochroneError(f"{where}: {msg}")

    feh = n_iso = None
    for i, line in enumerate(lines):
        if "Yinit" in line and line.startswith("#"):
            keys = line.lstrip("#").split()
            vals = lines[i + 1].lstrip("#").split() if i + 1 < len(lines) else []
            if "[Fe/H]" not in keys or len(vals) != len(keys) or not lines[i + 1].startswith("#"):
                fail(i + 1, f"expected a '#' line of {len(keys)} values under {keys}")
            try:
                feh = float(vals[keys.index("[Fe/H]")])
            except ValueError:
                fail(i + 1, f"[Fe/H] value {vals[keys.index('[Fe/H]')]!r} is not a number")
        elif m := _N_ISO.match(line):
            n_iso = int(m.group(1))
        elif _EEP_BLOCK.match(line):
            break
    if feh is None:
        fail(None, "no '#  Yinit  Zinit  [Fe/H]  [a/Fe]  v/vcrit' header line")
    if n_iso is None:
        fail(None, "no '# number of isochrones = N' header line")

    names = None
    rows: list[str] = []
    blocks = 0
    i = 0
    while i < len(lines):
        m = _EEP_BLOCK.match(lines[i])
        if not m:
            if lines[i].strip() and not lines[i].startswith("#"):
                fail(i, "data row outside an isochrone block")
            i += 1
            continue
        n, ncol = int(m.group(1)), int(m.group(2))
        header = i + 2
        if header >= len(lines) or not lines[header].startswith("# EEP"):
            fail(header, "expected the '# EEP log10_isochrone_age_yr ...' column-name line")
        block_names = lines[header].lstrip("#").split()
        if len(block_names) != ncol:
            fail(header, f"{len(block_names)} column names, the block header says {ncol}")
        if names is None:
            names = block_names
        elif block_names != names:
            fail(header, "column names differ from the first isochrone block")
        data = lines[header + 1:header + 1 + n]
        if len(data) != n or any(not d.strip() or d.startswith("#") for d in data):
            fail(header + 1, f"expected {n} data rows in this isochrone block")
        rows.extend(data)
        blocks += 1
        i = header + 1 + n
    if blocks != n_iso:
        fail(None, f"{blocks} isochrone blocks, the header says {n_iso}")

    try:
        table = pd.read_csv(io.StringIO("\n".join(rows)), sep=r"\s+", header=None, names=names,
                            dtype=float, engine="c")
    except (ValueError, pd.errors.ParserError) as err:
        fail(None, f"malformed data rows ({err})")
    if table.isna().any().any():
        fail(None, f"data rows with fewer than {len(names)} columns")
    gaia = next((g for g in _MIST_GAIA_G if g in names), None)
    missing = [c for c in _MIST_COLUMNS if c not in names] + ([] if gaia else [" or ".join(_MIST_GAIA_G)])
    if missing:
        fail(None, f"missing column(s) {missing}")
    out = table.rename(columns={**_MIST_COLUMNS, gaia: "M_G"})[
        ["log_age", "eep", "phase", *PHYSICAL, *MAG_COLUMNS]].copy()
    out["log_age"] = np.round(out["log_age"], DECIMALS)
    out[["eep", "phase"]] = out[["eep", "phase"]].astype(np.int64)
    out["feh"] = round(feh, DECIMALS)
    return out


def lachesis_fehs(h5_path=None) -> np.ndarray:
    """The [Fe/H] nodes of the ``lachesis-grids`` MIST file (rounded as the grid values)."""
    path = Path(h5_path) if h5_path is not None else lachesis_path()
    with h5py.File(path, "r") as f:
        return np.round(f["feh_values"][:], DECIMALS)
