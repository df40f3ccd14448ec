"""The MIST isochrone grid of the age estimates (Zari et al. 2025, Sec. 3.2).

One product, two sources:

1. the default, offline: MIST v1.2 (v/vcrit = 0.4) theory isochrones of the PyPI package
   ``lachesis-grids`` (no band magnitudes), with M_X = Mbol − BC_X and BC_X(log Teff, log g,
   [M/H]) interpolated in the PARSEC v1.2S / YBC table shipped in ``hotstars/data`` (a documented
   substitute for MIST's own bolometric corrections, see ``hotstars/data/README.md``);
2. official MIST ``*.iso.cmd`` files (UBVRIplus) given by the user, magnitudes taken from the files.

Both are interpolated linearly in [Fe/H] between the two bracketing MIST metallicities at equal
EEP (equivalent evolutionary phase), onto the paper's grid (log-age 6.0–9.0 step 0.05, [Fe/H]
−0.5…+0.4 step 0.1). The source files are read by :mod:`hotstars.io.isochrones`.

Conventions of the grid table (one row per isochrone point): ``log_age`` [dex(yr)], ``feh`` [dex],
``eep``, ``initial_mass`` [Msun], ``log_teff`` [dex(K)], ``log_g`` [dex(cm s^-2)], ``log_L``
[dex(Lsun)], ``M_G``, ``M_J``, ``M_H``, ``M_Ks`` [mag, absolute, Vega: Gaia G, 2MASS J, H, Ks],
``dm`` [Msun] and the MIST ``phase``. Rows sorted by (log_age, feh, eep). Kept phases (sensible
for log-age ≤ 9): −1 PMS, 0 MS, 2 RGB, 3 CHeB, 4 EAGB, 5 TP-AGB, 9 Wolf–Rayet; post-AGB and
white dwarfs (MIST phase 6, and the lachesis fill value −9) are dropped.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from hotstars.errors import require_columns
from hotstars.io.isochrones import (
    BANDS,
    DECIMALS,
    MAG_COLUMNS,
    PARSEC_TABLE,
    PHYSICAL,
    IsochroneError,
    lachesis_fehs,
    lachesis_path,
    read_lachesis,
    read_mist_iso_cmd,
    read_parsec_table,
)

GRID_UNITS: dict[str, str] = {
    "log_age": "dex(yr)",
    "feh": "dex",
    "eep": "",
    "initial_mass": "solMass",
    "log_teff": "dex(K)",
    "log_g": "dex(cm s-2)",
    "log_L": "dex(solLum)",
    "M_G": "mag",
    "M_J": "mag",
    "M_H": "mag",
    "M_Ks": "mag",
    "dm": "solMass",
    "phase": "",
}
GRID_COLUMNS = list(GRID_UNITS)
# MIST phases kept (MIST v1.2 README: −1 PMS, 0 MS, 2 RGB, 3 CHeB, 4 EAGB, 5 TP-AGB, 6 post-AGB/WD,
# 9 WR); lachesis marks a few white-dwarf points of old isochrones with −9.
KEEP_PHASES = (-1, 0, 2, 3, 4, 5, 9)
_FEH_TOL = 1e-6  # a target [Fe/H] this close to a MIST node takes the node itself

PARSEC_BANDS = {"G": "GAIAEDR3_GMAG", "J": "TMASS_JMAG", "H": "TMASS_HMAG", "Ks": "TMASS_KSMAG"}
_PARSEC_COLUMNS = ["MH", "LOGTE", "LOGG", "MBOLMAG", *PARSEC_BANDS.values()]
# Coordinate scales of the (log Teff, log g) plane for the triangulation and nearest neighbour:
# BC depends far more on Teff than on gravity, so 0.05 dex in Teff weighs as 0.5 dex in log g.
_BC_SCALE = np.array([0.05, 0.5])


# --------------------------------------------------------------------------------------------
# Grid axes and per-isochrone mass weights
# --------------------------------------------------------------------------------------------

def _axis(spec: Mapping, name: str) -> np.ndarray:
    try:
        lo, hi, step = float(spec["min"]), float(spec["max"]), float(spec["step"])
    except (KeyError, TypeError, ValueError) as err:
        raise IsochroneError(f"{name}: expected a mapping with numeric min, max, step; "
                             f"got {spec!r}") from err
    if step <= 0 or hi < lo:
        raise IsochroneError(f"{name}: need step > 0 and max >= min; got {spec!r}")
    n = (hi - lo) / step
    if abs(n - round(n)) > 1e-6:
        raise IsochroneError(f"{name}: (max - min) / step = {n:g} is not an integer; got {spec!r}")
    return np.round(lo + step * np.arange(round(n) + 1), DECIMALS)


def grid_axes(log_age: Mapping, feh: Mapping) -> tuple[np.ndarray, np.ndarray]:
    """Log-age [dex(yr)] and [Fe/H] [dex] axes from ``{min, max, step}`` mappings (ends included).

    Values are rounded to 4 decimals, so they equal e.g. ``np.round(np.arange(6, 9.025, 0.05), 4)``.
    """
    return _axis(log_age, "log_age"), _axis(feh, "feh")


def central_dm(initial_mass, first=None) -> np.ndarray:
    """Mass weight of each point of one isochrone [Msun] (docs/conventions.md: central differences).

    dm_i = (m_{i+1} − m_{i−1}) / 2 inside, one-sided half differences (m_1 − m_0) / 2 and
    (m_{n−1} − m_{n−2}) / 2 at the ends: each point owns half of each neighbouring interval, so
    Σ dm = m_max − m_min (trapezoid weights). A single point gets dm = 0. ``first`` (bool mask):
    several isochrones one after another, each starting where it is True (default: one).
    """
    m = np.asarray(initial_mass, dtype=float)
    if m.ndim != 1:
        raise IsochroneError(f"central_dm: expected a 1-D mass array, got shape {m.shape}")
    if first is None:
        first = np.arange(m.size) == 0
    first = np.asarray(first, bool)
    inner = ~first[1:]  # m[i], m[i+1] on the same isochrone
    last = np.ones(m.size, bool)
    last[:-1] = first[1:]
    mid = 0.5 * (m[1:] + m[:-1])  # half-way points
    left, right = m.copy(), m.copy()  # each point's interval: from left to right
    left[1:][inner] = mid[inner]
    right[:-1][inner] = mid[inner]
    return np.where(first & last, 0.0, right - left)


# --------------------------------------------------------------------------------------------
# Bolometric corrections from the PARSEC/YBC table
# --------------------------------------------------------------------------------------------

class BolometricCorrections:
    """BC_X(log Teff, log g, [M/H]) = Mbol − M_X interpolated in a PARSEC/YBC isochrone table.

    For each [M/H] of the table, a linear interpolation on the Delaunay triangulation of the
    scattered isochrone points in the scaled (log Teff / 0.05, log g / 0.5) plane; points outside
    the convex hull take the value of the nearest table point in that plane (no extrapolation).
    Between the table's [M/H] values the BCs are interpolated linearly in [M/H]; beyond its range
    [M/H] is clamped to the nearest end (the BC depends only weakly on metallicity).

    ``table`` needs the columns MH, LOGTE, LOGG, MBOLMAG and the band magnitudes of
    :data:`PARSEC_BANDS` (absolute, Vega).

    Accuracy (PARSEC isochrones held out, tests/test_isochrones.py): median |ΔM_Ks| ~ 0.001 mag,
    < 0.1 mag for OB stars with log L < 5. Brighter massive stars carry wind-dependent YBC
    spectra, so their BC is not a function of (Teff, g, [M/H]) alone (up to ~1 mag in Ks).
    """

    def __init__(self, table: pd.DataFrame, source: str = "PARSEC table"):
        # scipy.interpolate: imported here, not by the users of the grid alone (ages, mock)
        from scipy.interpolate import LinearNDInterpolator, NearestNDInterpolator
        from scipy.spatial import Delaunay

        require_columns(table, _PARSEC_COLUMNS, source, IsochroneError)
        self.mh_nodes = np.unique(table["MH"].to_numpy(float))
        self._nodes = []
        for mh in self.mh_nodes:
            t = table[table["MH"] == mh]
            xy = t[["LOGTE", "LOGG"]].to_numpy(float) / _BC_SCALE
            bc = t["MBOLMAG"].to_numpy(float)[:, None] - t[list(PARSEC_BANDS.values())].to_numpy(float)
            self._nodes.append((LinearNDInterpolator(Delaunay(xy), bc), NearestNDInterpolator(xy, bc)))

    def _at_node(self, k: int, xy: np.ndarray) -> np.ndarray:
        linear, nearest = self._nodes[k]
        bc = linear(xy)
        outside = np.isnan(bc).any(axis=1)
        if outside.any():
            bc[outside] = nearest(xy[outside])
        return bc

    def all_bands(self, log_teff, log_g, mh) -> np.ndarray:
        """BCs [mag] of all :data:`BANDS`, shape (N, 4), for broadcastable 1-D inputs."""
        lt, lg, mh = np.broadcast_arrays(*(np.atleast_1d(np.asarray(a, float))
                                           for a in (log_teff, log_g, mh)))
        lt, lg, mh = lt.ravel(), lg.ravel(), mh.ravel()
        if not (np.isfinite(lt).all() and np.isfinite(lg).all() and np.isfinite(mh).all()):
            raise IsochroneError("bolometric_correction: log_teff, log_g and mh must be finite")
        xy = np.column_stack([lt, lg]) / _BC_SCALE
        nodes = self.mh_nodes
        out = np.zeros((lt.size, len(BANDS)))
        if nodes.size == 1:
            return self._at_node(0, xy)
        mhc = np.clip(mh, nodes[0], nodes[-1])
        i = np.clip(np.searchsorted(nodes, mhc, side="right") - 1, 0, nodes.size - 2)
        w = (mhc - nodes[i]) / (nodes[i + 1] - nodes[i])  # linear in [M/H]
        for k in range(nodes.size):
            weight = np.where(i == k, 1.0 - w, 0.0) + np.where(i + 1 == k, w, 0.0)
            use = weight > 0
            if use.any():
                out[use] += weight[use, None] * self._at_node(k, xy[use])
        return out

    def __call__(self, band: str, log_teff, log_g, mh) -> np.ndarray:
        if band not in BANDS:
            raise IsochroneError(f"bolometric_correction: unknown band {band!r}; expected {BANDS}")
        return self.all_bands(log_teff, log_g, mh)[:, BANDS.index(band)]


@functools.lru_cache(maxsize=1)
def default_bolometric_corrections() -> BolometricCorrections:
    """The :class:`BolometricCorrections` of the shipped PARSEC table (built once, ~1 s)."""
    return BolometricCorrections(read_parsec_table(), source=PARSEC_TABLE)


def bolometric_correction(band: str, log_teff, log_g, mh) -> np.ndarray:
    """BC_X = Mbol − M_X [mag] for X in G (Gaia EDR3), J, H, Ks (2MASS), from PARSEC/YBC.

    ``log_teff`` [dex(K)], ``log_g`` [dex(cm s^-2)], ``mh`` = [M/H] [dex] (we take [M/H] = [Fe/H]);
    broadcastable. Interpolation as described in :class:`BolometricCorrections`.
    """
    return default_bolometric_corrections()(band, log_teff, log_g, mh)


# --------------------------------------------------------------------------------------------
# [Fe/H] interpolation at equal EEP
# --------------------------------------------------------------------------------------------

def _bracket(node_fehs, feh: float, source: str) -> tuple[float, float, float]:
    """The bracketing node metallicities (f0, f1) of ``feh`` and its weight w = (feh−f0)/(f1−f0).

    At a node (within 1e-6 dex): (node, node, 0). Error if ``feh`` is outside the nodes.
    """
    fehs = np.sort(np.asarray(node_fehs, float))
    near = np.flatnonzero(np.abs(fehs - feh) <= _FEH_TOL)
    if near.size:
        return fehs[near[0]], fehs[near[0]], 0.0
    if feh < fehs[0] or feh > fehs[-1]:
        raise IsochroneError(f"{source}: target [Fe/H] = {feh:+.2f} is not bracketed by the "
                             f"available metallicities {fehs.tolist()}")
    j = np.searchsorted(fehs, feh)
    return fehs[j - 1], fehs[j], (feh - fehs[j - 1]) / (fehs[j] - fehs[j - 1])


def interpolate_feh(nodes: Mapping[float, Mapping], feh: float, columns: Sequence[str],
                    source: str = "isochrones") -> dict[str, np.ndarray]:
    """One isochrone at ``feh`` from isochrones of the same age at MIST metallicities ``nodes``.

    ``nodes`` maps [Fe/H] -> columns ``eep`` (unique), ``phase`` and ``columns`` (a table or a
    dict of arrays). At a node (within 1e-6 dex) the node isochrone is returned unchanged;
    otherwise every column is interpolated linearly in [Fe/H] between the two bracketing nodes
    at equal EEP, over the EEPs present in both (ascending); the phase is that of the nearer
    node. Returns {column: array} for ``eep``, ``phase`` and ``columns``.
    """
    f0, f1, w = _bracket(list(nodes), feh, source)
    if f0 == f1:
        return {c: np.asarray(nodes[f0][c]) for c in ["eep", "phase", *columns]}
    lo, hi = nodes[f0], nodes[f1]
    eeps, ilo, ihi = np.intersect1d(np.asarray(lo["eep"]), np.asarray(hi["eep"]),
                                    return_indices=True)
    near, inear = (lo, ilo) if w <= 0.5 else (hi, ihi)
    out = {"eep": eeps, "phase": np.asarray(near["phase"])[inear]}
    for c in columns:
        out[c] = (1.0 - w) * np.asarray(lo[c], float)[ilo] + w * np.asarray(hi[c], float)[ihi]
    return out


def _assemble(grid: pd.DataFrame) -> pd.DataFrame:
    """Keep the phases of :data:`KEEP_PHASES`, add ``dm`` per isochrone, order and sort.

    ``grid``: the isochrones of :func:`_build`, one (log_age, feh) pair each, EEPs unique.
    """
    grid = grid[np.isin(grid["phase"].to_numpy(), KEEP_PHASES)].reset_index(drop=True)
    grid["eep"] = grid["eep"].astype(np.int64)
    grid["phase"] = grid["phase"].astype(np.int64)
    age, feh = grid["log_age"].to_numpy(), grid["feh"].to_numpy()
    order = np.lexsort((grid["eep"].to_numpy(), feh, age))  # stable, as sort_values(kind="stable")
    if (np.diff(order) != 1).any():  # _build's rows are sorted already for sorted axes
        grid = grid.iloc[order].reset_index(drop=True)
    # each isochrone now one run of rows by EEP
    age, feh = age[order], feh[order]
    first = np.ones(age.size, bool)
    first[1:] = (age[1:] != age[:-1]) | (feh[1:] != feh[:-1])
    grid["dm"] = central_dm(grid["initial_mass"].to_numpy(float), first)
    return grid[GRID_COLUMNS]


def _build(table: pd.DataFrame, log_ages, fehs, columns: Sequence[str],
           source: str) -> pd.DataFrame:
    """Interpolate MIST isochrones (eep, phase, ``columns``, log_age, feh) to the grid with
    :func:`interpolate_feh` per (log_age, feh); isochrones in argument order.

    ``table`` must hold every requested log-age at every node [Fe/H] it contains.
    """
    log_ages = np.round(np.asarray(log_ages, float), DECIMALS)
    fehs = np.round(np.asarray(fehs, float), DECIMALS)
    names = ["eep", "phase", *columns]
    data = {c: table[c].to_numpy() for c in names}
    table_age, table_feh = table["log_age"].to_numpy(float), table["feh"].to_numpy(float)
    parts: dict[str, list] = {c: [] for c in [*names, "log_age", "feh"]}
    for age in log_ages:
        at_age = np.flatnonzero(np.isclose(table_age, age, atol=1e-6))
        node_fehs, which = np.unique(table_feh[at_age], return_inverse=True)
        nodes = {f: {c: data[c][at_age[which == k]] for c in names}
                 for k, f in enumerate(node_fehs)}
        for feh in fehs:
            iso = interpolate_feh(nodes, feh, columns, source)
            for c in names:
                parts[c].append(iso[c])
            n = iso["eep"].size
            parts["log_age"].append(np.full(n, age))
            parts["feh"].append(np.full(n, feh))
    return pd.DataFrame({c: np.concatenate(v) for c, v in parts.items()})


# --------------------------------------------------------------------------------------------
# Source 1: lachesis-grids (MIST v1.2 theory, offline default)
# --------------------------------------------------------------------------------------------


def _bracketing_nodes(node_fehs, fehs, source: str) -> np.ndarray:
    """The node metallicities needed to interpolate to ``fehs`` (error if one is not bracketed)."""
    return np.unique([f for feh in fehs for f in _bracket(node_fehs, feh, source)[:2]])


def build_grid_lachesis(log_ages, fehs, h5_path=None) -> pd.DataFrame:
    """The isochrone grid from MIST v1.2 theory (``lachesis-grids``) plus PARSEC/YBC BCs.

    initial_mass, log Teff, log g, log L and Mbol are interpolated in [Fe/H] at equal EEP
    (:func:`interpolate_feh`); then M_X = Mbol − BC_X(log Teff, log g, [M/H] = [Fe/H]) for
    X in G, J, H, Ks (:func:`bolometric_correction`). Columns and units: :data:`GRID_UNITS`.
    """
    path = Path(h5_path) if h5_path is not None else lachesis_path()
    fehs = np.round(np.asarray(fehs, float), DECIMALS)
    node_fehs = lachesis_fehs(path)
    nodes = _bracketing_nodes(node_fehs, fehs, str(path))
    table = read_lachesis(log_ages, nodes, path)
    grid = _build(table, log_ages, fehs, [*PHYSICAL, "Mbol"], str(path))
    bc = default_bolometric_corrections().all_bands(grid["log_teff"], grid["log_g"], grid["feh"])
    for k, col in enumerate(MAG_COLUMNS):
        grid[col] = grid["Mbol"].to_numpy() - bc[:, k]  # M_X = Mbol − BC_X
    return _assemble(grid)


def build_grid_mist(paths: Sequence, log_ages, fehs) -> pd.DataFrame:
    """The isochrone grid from official MIST ``*.iso.cmd`` files (one file per [Fe/H]).

    initial_mass, log Teff, log g, log L and the files' own M_G, M_J, M_H, M_Ks are interpolated in
    [Fe/H] at equal EEP (:func:`interpolate_feh`). Errors if the files do not bracket a requested
    [Fe/H] or lack a requested age. Columns and units: :data:`GRID_UNITS`.
    """
    if not paths:
        raise IsochroneError("build_grid_mist: no MIST .iso.cmd files given")
    tables = [read_mist_iso_cmd(p) for p in paths]
    by_feh: dict[float, str] = {}
    for p, t in zip(paths, tables):
        f = float(t["feh"].iloc[0])
        if f in by_feh:
            raise IsochroneError(f"{p}: [Fe/H] = {f:+.2f} also in {by_feh[f]}")
        by_feh[f] = str(p)
    fehs = np.round(np.asarray(fehs, float), DECIMALS)
    source = f"MIST files {sorted(by_feh.values())}"
    nodes = _bracketing_nodes(np.array(list(by_feh)), fehs, source)
    table = pd.concat([t for t in tables if t["feh"].iloc[0] in nodes], ignore_index=True)
    for p, t in zip(paths, tables):  # every requested age in every file used
        if t["feh"].iloc[0] in nodes:
            lacking = sorted(set(np.round(np.asarray(log_ages, float), DECIMALS).tolist())
                             - set(t["log_age"].tolist()))
            if lacking:
                raise IsochroneError(f"{p}: no isochrone at log_age {lacking}")
    return _assemble(_build(table, log_ages, fehs, [*PHYSICAL, *MAG_COLUMNS], source))
