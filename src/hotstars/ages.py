"""Bayesian isochrone ages: the log-age posterior of every HSS star (Zari et al. 2025, Sec. 3.2).

The posterior (JL05; paper Eq. 5–14, docs/conventions.md, Ages) on the isochrone log-ages τ_k:

    f(τ_k) ∝ ψ(τ_k) G(τ_k),   G(τ_k) = Σ_j φ(Z_j) Σ_i ξ(m_ijk) dm_ijk exp(−χ²_ijk / 2)

with i the points of the isochrone (τ_k, Z_j), χ² over (log Teff, log g, M_K) (Eq. 11), ψ(τ) = 10^τ
(uniform in age, Eq. 7) or 1 (uniform in log-age), φ(Z) = N(slope·R_Gal + intercept, σ_Z) (Eq.
8–9), ξ(m) = m^−2.7 unnormalised (Eq. 10; the sign: docs/conventions.md, Ages) and dm the grid's
central mass differences. Constant factors (1/√(2π)σ, the per-star scale of φ, ψ) are dropped: they
cancel in the normalisation.

Two implementations of the same sum:

- :func:`posteriors_reference`: the plain sum over every isochrone point, no pruning (slow);
- :func:`posteriors`: the fast path. For each star it visits only the points near its χ² ≤ w²
  ellipsoid (w = ``window_sigma``), found without scanning the grid: the points are sorted by
  (log g cell, M_K cell, log Teff) and, for every (log g, M_K) cell the ellipsoid reaches, the
  log Teff range it allows there is one ``searchsorted`` away. Each star's ranges are gathered
  (concatenated slices) in pieces of at most ``chunk`` points or one range (memory bounded
  whatever the number of stars or the window's size), then χ², ξ dm L and a sum per isochrone.

**Window and accuracy.** Every point left out lies outside the star's χ² ≤ w² ellipsoid, so its
term is < e^(−w²/2) ψ φ ξ dm. The share of the posterior left out is therefore
below e^(−w²/2) S / T, with S = Σ_all ψ φ ξ dm (the prior mass of the whole grid) and T =
Σ_kept ψ φ ξ dm L (the kept sum); both are known after one pass. With w = 10, e^(−50) = 2e−22 and
S/T ~ 10^9 for a well-fitted hot star, so the bound is ~1e−13. For a poor fit (best χ² not far
below w²; ~1 % of the mock HSS) T is small and the bound can reach 1e−5: such stars get a
second pass with their own window w_s = √(2 ln(S / (T · NEGLECT_MAX))) > w, which makes the bound
NEGLECT_MAX = 1e−12 (T only grows). So every fast posterior equals the plain sum to < n_age ·
1e−12 relative to its maximum, far below the 1e−10 required (tests).

**Flags** (``ages.parquet`` ``age_flag``): 2 = missing input (non-finite or non-positive Teff,
log g, Ks, distance, R_Gal or uncertainty; a star without usable 2MASS Ks - no 2MASS row, NULL,
or a sentinel such as 99.99 made NaN by the reader - is one such star, counted by
:func:`missing_photometry`, docs/conventions.md, Ages); 1 = off the grid: no isochrone point with χ² ≤ w²
(the same definition in both implementations: the ellipsoid lies inside the window, so the
fast path sees all of its points); 0 = ok. Flagged stars have NaN posteriors and ages.
``n_isochrone_points`` counts the points with χ² ≤ w².

**Results do not depend on sharding or** ``chunk``: the points visited for a star, their order and
the sums depend on that star only (``np.add.at`` adds sequentially, piece after piece).
"""

from __future__ import annotations

import dataclasses
import logging
import math
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from hotstars import isochrones
from hotstars.errors import HotstarsError, require_columns
from hotstars.io import tables

AGE_INPUT_COLUMNS = ["source_id", "log_teff", "sig_log_teff", "logg", "sig_logg", "mk", "sig_mk",
                     "r_gal"]
AGES_COLUMNS = ["source_id", "logage_p16", "logage_p50", "logage_p84", "logage_err", "age_myr",
                "age_p16_myr", "age_p84_myr", "age_flag", "n_isochrone_points"]
UNITS = {"logage_p16": "dex(yr)", "logage_p50": "dex(yr)", "logage_p84": "dex(yr)",
         "logage_err": "dex", "age_myr": "Myr", "age_p16_myr": "Myr", "age_p84_myr": "Myr"}
AGE_PRIORS = ("uniform_age", "uniform_log_age")
FLAG_OK, FLAG_OFF_GRID, FLAG_MISSING = 0, 1, 2

log = logging.getLogger(__name__)

_HSS_COLUMNS = ["source_id", "teff", "e_teff", "logg", "e_logg", "ks_m", "ks_msigcom",
                "r_med_photogeo", "r_lo_photogeo", "r_hi_photogeo"]
_GRID_COLUMNS = ["log_age", "feh", "initial_mass", "log_teff", "log_g", "M_Ks", "dm"]
_DECIMALS = 4           # log-ages compared after rounding, as in hotstars.isochrones
_LOGG_CELL = 0.2        # fast-path cells in log g [dex] and M_K [mag] (speed only, not results)
_MK_CELL = 0.5
_STAR_BLOCK = 1024      # stars whose windows are enumerated together
_TOL = 1e-9             # padding of the window edges (superset guarantee under rounding)
NEGLECT_MAX = 1e-12     # bound on the posterior share the fast path leaves out, per star


class AgeError(HotstarsError):
    """Input the age estimates cannot use (missing column, bad grid request, bad prior)."""


# --------------------------------------------------------------------------------------------
# Priors
# --------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class AgePriors:
    """The priors of Eq. 6: ψ(τ) (``age_prior``), ξ(m) ∝ m^−imf_exponent, φ(Z) of Eq. 8–9.

    ``feh_slope`` [dex/kpc], ``feh_intercept`` [dex], ``feh_sigma`` [dex]: φ([Fe/H]) =
    N(feh_slope · R_Gal + feh_intercept, feh_sigma) (Hackshaw et al. 2024 via Eq. 9).
    """

    age_prior: str = "uniform_age"
    imf_exponent: float = 2.7
    feh_slope: float = -0.0678
    feh_intercept: float = 0.546
    feh_sigma: float = 0.1

    def __post_init__(self):
        if self.age_prior not in AGE_PRIORS:
            raise AgeError(f"age_prior: expected one of {AGE_PRIORS}, got {self.age_prior!r}")
        if not (math.isfinite(self.feh_sigma) and self.feh_sigma > 0):
            raise AgeError(f"metallicity_prior.sigma: expected > 0, got {self.feh_sigma!r}")
        for name in ("imf_exponent", "feh_slope", "feh_intercept"):
            if not math.isfinite(getattr(self, name)):
                raise AgeError(f"{name}: expected a finite number, got {getattr(self, name)!r}")

    @classmethod
    def from_config(cls, cfg: Mapping) -> "AgePriors":
        """From the config ``ages`` keys: age_prior, imf_exponent, metallicity_prior
        {slope, intercept, sigma} (missing keys take the paper's values)."""
        met = dict(cfg.get("metallicity_prior") or {})
        unknown = set(met) - {"slope", "intercept", "sigma"}
        if unknown:
            raise AgeError(f"metallicity_prior: unknown key(s) {sorted(unknown)}; "
                           "expected slope, intercept, sigma")
        d = cls()
        try:
            numbers = [float(v) for v in (cfg.get("imf_exponent", d.imf_exponent),
                                          met.get("slope", d.feh_slope),
                                          met.get("intercept", d.feh_intercept),
                                          met.get("sigma", d.feh_sigma))]
        except (TypeError, ValueError) as err:
            raise AgeError(f"age priors: non-numeric value in {dict(cfg)!r}") from err
        return cls(str(cfg.get("age_prior", d.age_prior)), *numbers)


def _log_age_prior(log_age_axis: np.ndarray, priors: AgePriors) -> np.ndarray:
    """ψ(τ_k) scaled to max 1: 10^τ (uniform in age, Eq. 7) or 1 (uniform in log-age)."""
    if priors.age_prior == "uniform_age":
        return 10.0 ** (log_age_axis - log_age_axis.max())
    return np.ones_like(log_age_axis)


def _metallicity_prior(r_gal: np.ndarray, feh_axis: np.ndarray, priors: AgePriors) -> np.ndarray:
    """φ(Z_j) per star [n × n_feh], Eq. 8–9, scaled per star to max 1 (no underflow)."""
    z_exp = priors.feh_slope * r_gal + priors.feh_intercept  # Eq. 9
    log_phi = -0.5 * ((feh_axis[None, :] - z_exp[:, None]) / priors.feh_sigma) ** 2  # Eq. 8
    return np.exp(log_phi - log_phi.max(axis=1, keepdims=True))


def _log_mass_weight(initial_mass: np.ndarray, dm: np.ndarray, priors: AgePriors) -> np.ndarray:
    """ln(ξ(m) dm) with ξ(m) = m^−imf_exponent (Eq. 10); −inf where dm = 0."""
    with np.errstate(divide="ignore"):
        return -priors.imf_exponent * np.log(initial_mass) + np.log(dm)


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------

def age_inputs(hss: pd.DataFrame, kinematics: pd.DataFrame,
               extinction_column: str | None = None) -> pd.DataFrame:
    """The observables of Eq. 11 per HSS star, sorted by source_id (docs/conventions.md, Ages).

    log_teff = log10(teff), sig_log_teff = e_teff / (teff ln 10) [dex]; logg, sig_logg = e_logg
    [dex]; mk = Ks − A_K − 5 log10(d / 10 pc) with d = r_med_photogeo [pc] and A_K the optional
    ``extinction_column`` of the HSS [mag] (none by default); sig_mk² = ks_msigcom² +
    (5/ln 10 · σ_d/d)², σ_d = (r_hi − r_lo)/2 (the paper's 2.171 σ_d/d); r_gal = R of the
    kinematics product [kpc]. Missing values stay NaN (they become age_flag 2).
    """
    need = _HSS_COLUMNS + ([extinction_column] if extinction_column else [])
    missing = [c for c in need if c not in hss.columns]
    if missing:
        raise AgeError(f"HSS table: missing column(s) {missing}"
                       + (f" (ages.extinction_column = {extinction_column!r})"
                          if extinction_column in missing else ""))
    for c in ("source_id", "R"):
        if c not in kinematics.columns:
            raise AgeError(f"kinematics table: missing column {c!r}")
    if hss["source_id"].duplicated().any() or kinematics["source_id"].duplicated().any():
        raise AgeError("HSS / kinematics tables: duplicated source_id")
    lost = np.setdiff1d(hss["source_id"], kinematics["source_id"])
    if lost.size:
        raise AgeError(f"kinematics table: {lost.size} HSS star(s) missing, e.g. source_id "
                       f"{lost[:3].tolist()}; expected the same stars as the HSS")
    r_gal = kinematics.set_index("source_id")["R"].reindex(hss["source_id"])
    f = {c: hss[c].to_numpy(float) for c in need if c != "source_id"}
    ks = f["ks_m"] - (f[extinction_column] if extinction_column else 0.0)
    d = f["r_med_photogeo"]
    sig_d = 0.5 * (f["r_hi_photogeo"] - f["r_lo_photogeo"])
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame({
            "source_id": hss["source_id"].to_numpy(np.int64),
            "log_teff": np.log10(f["teff"]),
            "sig_log_teff": f["e_teff"] / (f["teff"] * np.log(10.0)),
            "logg": f["logg"],
            "sig_logg": f["e_logg"],
            "mk": ks - 5.0 * np.log10(d / 10.0),  # distance modulus, d in pc
            "sig_mk": np.hypot(f["ks_msigcom"], 5.0 / np.log(10.0) * sig_d / d),
            "r_gal": r_gal.to_numpy(float),
        })
    return out.sort_values("source_id", kind="stable").reset_index(drop=True)


def missing_photometry(hss: pd.DataFrame) -> int:
    """Stars of ``hss`` without a usable 2MASS Ks (NaN ``ks_m``: no 2MASS row, NULL, or a
    sentinel the reader made NaN); they get age_flag 2 (docs/conventions.md, Ages)."""
    return int((~np.isfinite(hss["ks_m"].to_numpy(float))).sum())


def _observables(inputs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x [n × 3], 1/σ [n × 3], r_gal [n], missing [n]) from an :func:`age_inputs` table."""
    require_columns(inputs, AGE_INPUT_COLUMNS, "age inputs", AgeError)
    x = inputs[["log_teff", "logg", "mk"]].to_numpy(float)
    sig = inputs[["sig_log_teff", "sig_logg", "sig_mk"]].to_numpy(float)
    r_gal = inputs["r_gal"].to_numpy(float)
    ok = (np.isfinite(x).all(axis=1) & np.isfinite(sig).all(axis=1) & (sig > 0).all(axis=1)
          & np.isfinite(r_gal))
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = 1.0 / sig
    return x, inv, r_gal, ~ok


# --------------------------------------------------------------------------------------------
# Grid
# --------------------------------------------------------------------------------------------

def log_age_axis(spec: Mapping) -> np.ndarray:
    """The posterior log-age grid [dex(yr)] from ``{min, max, step}`` (config ``ages.log_age``),
    rounded like the isochrone grid's log-ages (:func:`hotstars.isochrones.grid_axes`)."""
    return isochrones.grid_axes(spec, {"min": 0.0, "max": 0.0, "step": 1.0})[0]  # dummy [Fe/H]


def _select_ages(grid: pd.DataFrame, log_age_axis) -> tuple[pd.DataFrame, np.ndarray]:
    """The grid rows at the requested log-ages (which must be grid nodes), the rounded axis."""
    require_columns(grid, _GRID_COLUMNS, "isochrone grid", AgeError)
    axis = np.round(np.asarray(log_age_axis, float), _DECIMALS)
    if axis.ndim != 1 or axis.size < 2:
        raise AgeError(f"log_age axis: expected at least 2 ages, got {axis.tolist()}")
    steps = np.diff(axis)
    if not (steps > 0).all() or not np.allclose(steps, steps[0], rtol=0, atol=1e-6):
        raise AgeError(f"log_age axis: expected increasing, equally spaced ages, got {axis.tolist()}")
    grid_ages = np.round(grid["log_age"].to_numpy(float), _DECIMALS)
    absent = np.setdiff1d(axis, grid_ages)
    if absent.size:
        raise AgeError(f"isochrone grid: log_age {absent.tolist()} requested (ages.log_age) but "
                       f"not a grid node; grid has {np.unique(grid_ages).size} ages "
                       f"{grid_ages.min():g}..{grid_ages.max():g}")
    rows = grid[np.isin(grid_ages, axis)]
    m, dm = rows["initial_mass"].to_numpy(float), rows["dm"].to_numpy(float)
    q = rows[["log_teff", "log_g", "M_Ks"]].to_numpy(float)
    if not ((m > 0).all() and (dm >= 0).all() and np.isfinite(q).all()):
        raise AgeError("isochrone grid: expected initial_mass > 0, dm >= 0 and finite "
                       "log_teff, log_g, M_Ks")
    return rows, axis


def _iso_index(rows: pd.DataFrame, axis: np.ndarray, feh_axis: np.ndarray) -> np.ndarray:
    """Isochrone index k·n_feh + j of each row (k: log-age, j: [Fe/H])."""
    k = np.searchsorted(axis, np.round(rows["log_age"].to_numpy(float), _DECIMALS))
    j = np.searchsorted(feh_axis, np.round(rows["feh"].to_numpy(float), _DECIMALS))
    return (k * feh_axis.size + j).astype(np.int64)


@dataclasses.dataclass(frozen=True, eq=False)
class PreparedGrid:
    """The isochrone points of the requested ages laid out for :func:`posteriors`.

    Points sorted by (log g cell, M_K cell, log Teff); ``key`` = cell · key_span + log_teff −
    lt0 is increasing, so the points of one cell within a log Teff range are one slice.
    """

    log_age_axis: np.ndarray
    feh_axis: np.ndarray
    log_teff: np.ndarray
    log_g: np.ndarray
    m_ks: np.ndarray
    initial_mass: np.ndarray
    dm: np.ndarray
    iso: np.ndarray
    key: np.ndarray
    cell_count: np.ndarray   # points per cell, [n_logg_cells × n_mk_cells]
    logg0: float
    mk0: float
    lt0: float
    key_span: float

    @property
    def n_iso(self) -> int:
        return self.log_age_axis.size * self.feh_axis.size


def prepare_grid(grid: pd.DataFrame, log_age_axis) -> PreparedGrid:
    """Select the isochrones of ``log_age_axis`` (grid nodes, else :class:`AgeError`) from the
    grid table (:data:`hotstars.isochrones.GRID_UNITS`) and lay them out for :func:`posteriors`."""
    rows, axis = _select_ages(grid, log_age_axis)
    feh_axis = np.unique(np.round(rows["feh"].to_numpy(float), _DECIMALS))
    lt, lg, mk = (rows[c].to_numpy(float) for c in ("log_teff", "log_g", "M_Ks"))
    logg0, mk0, lt0 = lg.min(), mk.min(), lt.min()
    ig = np.floor((lg - logg0) / _LOGG_CELL).astype(np.int64)
    im = np.floor((mk - mk0) / _MK_CELL).astype(np.int64)
    shape = (ig.max() + 1, im.max() + 1)
    cell = ig * shape[1] + im
    key_span = float(np.ceil(lt.max() - lt0) + 1.0)
    order = np.lexsort((lt, cell))  # stable: ties keep the grid order
    return PreparedGrid(
        log_age_axis=axis, feh_axis=feh_axis, log_teff=lt[order], log_g=lg[order],
        m_ks=mk[order], initial_mass=rows["initial_mass"].to_numpy(float)[order],
        dm=rows["dm"].to_numpy(float)[order], iso=_iso_index(rows, axis, feh_axis)[order],
        key=(cell * key_span + (lt - lt0))[order],
        cell_count=np.bincount(cell, minlength=shape[0] * shape[1]).reshape(shape),
        logg0=float(logg0), mk0=float(mk0), lt0=float(lt0), key_span=key_span)


# --------------------------------------------------------------------------------------------
# Posteriors
# --------------------------------------------------------------------------------------------

def _sum_over_feh(g_iso: np.ndarray, r_gal: np.ndarray, feh_axis: np.ndarray,
                  priors: AgePriors) -> np.ndarray:
    """G(τ_k) = Σ_j φ(Z_j) Σ_i ξ dm L [n × n_age] from the per-isochrone sums
    [n × n_age·n_feh, isochrone k·n_feh + j] (Eq. 14)."""
    phi = _metallicity_prior(r_gal, feh_axis, priors)
    n, n_iso = g_iso.shape
    return (g_iso.reshape(n, n_iso // feh_axis.size, feh_axis.size) * phi[:, None, :]).sum(axis=2)


def _finish(g: np.ndarray, n_points: np.ndarray, missing: np.ndarray, log_age_axis: np.ndarray,
            priors: AgePriors) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """f(τ_k) = ψ(τ_k) G(τ_k) normalised (Eq. 12), in place in ``g``, and the flags; NaN rows
    for flagged stars."""
    g *= _log_age_prior(log_age_axis, priors)[None, :]
    total = g.sum(axis=1)
    good = ~missing & (n_points > 0) & (total > 0) & np.isfinite(total)
    g /= np.where(good, total, 1.0)[:, None]
    g[~good] = np.nan
    flag = np.where(missing, FLAG_MISSING, np.where(good, FLAG_OK, FLAG_OFF_GRID))
    return g, n_points, flag.astype(np.int64)


def posteriors_reference(inputs: pd.DataFrame, grid: pd.DataFrame, log_age_axis,
                         priors: AgePriors, window_sigma: float = 10.0,
                         star_chunk: int = 128) -> np.ndarray:
    """Normalised f(τ_k) [n_star × n_age]: the plain sum over every isochrone point, no pruning.

    A loop over the isochrones, vectorised over (stars × points). Slow; kept as the reference of
    :func:`posteriors`. NaN rows for flagged stars (flags as in the module docstring, with the same
    ``window_sigma``).
    """
    rows, axis = _select_ages(grid, log_age_axis)
    feh_axis = np.unique(np.round(rows["feh"].to_numpy(float), _DECIMALS))
    x, inv, r_gal, missing = _observables(inputs)
    iso = _iso_index(rows, axis, feh_axis)
    w2 = float(window_sigma) ** 2
    q = rows[["log_teff", "log_g", "M_Ks"]].to_numpy(float)
    weight = rows["initial_mass"].to_numpy(float) ** -priors.imf_exponent * rows["dm"].to_numpy(float)
    n, n_iso = len(inputs), axis.size * feh_axis.size
    g = np.zeros((n, axis.size))
    n_points = np.zeros(n, np.int64)
    todo = np.flatnonzero(~missing)
    isochrone_rows = [np.flatnonzero(iso == k) for k in range(n_iso)]
    for s in range(0, todo.size, star_chunk):
        st = todo[s:s + star_chunk]
        g_iso = np.zeros((st.size, n_iso))
        for k, r in enumerate(isochrone_rows):
            chi2 = ((q[None, r, 0] - x[st, None, 0]) * inv[st, None, 0]) ** 2  # Eq. 11
            chi2 = chi2 + ((q[None, r, 1] - x[st, None, 1]) * inv[st, None, 1]) ** 2
            chi2 = chi2 + ((q[None, r, 2] - x[st, None, 2]) * inv[st, None, 2]) ** 2
            n_points[st] += (chi2 <= w2).sum(axis=1)
            g_iso[:, k] = np.exp(-0.5 * chi2) @ weight[r]  # Σ_i ξ(m_i) dm_i L_i (Eq. 14)
        g[st] = _sum_over_feh(g_iso, r_gal[st], feh_axis, priors)
    return _finish(g, n_points, missing, axis, priors)[0]


def _windows(xb: np.ndarray, invb: np.ndarray, grid: PreparedGrid, w: np.ndarray):
    """Slices of the sorted grid that cover each star's χ² ≤ w² ellipsoid (w per star).

    For every (log g, M_K) cell within the star's window, the nearest distances to the cell in σ
    units (dz_g, dz_m) leave a log Teff half-width σ_T √(w² − dz_g² − dz_m²) (Eq. 11 with the
    other two terms at their minimum): one searchsorted range per cell. Returns (star, start,
    length) per non-empty range, in star order.
    """
    n_g, n_m = grid.cell_count.shape
    sig = 1.0 / invb
    lo = [np.floor((xb[:, d] - w * sig[:, d] - o) / c) for d, o, c in
          ((1, grid.logg0, _LOGG_CELL), (2, grid.mk0, _MK_CELL))]
    hi = [np.floor((xb[:, d] + w * sig[:, d] - o) / c) for d, o, c in
          ((1, grid.logg0, _LOGG_CELL), (2, grid.mk0, _MK_CELL))]
    g_lo, g_hi = (np.clip(v, 0, n_g - 1).astype(np.int64) for v in (lo[0], hi[0]))
    m_lo, m_hi = (np.clip(v, 0, n_m - 1).astype(np.int64) for v in (lo[1], hi[1]))
    outside = (hi[0] < 0) | (lo[0] > n_g - 1) | (hi[1] < 0) | (lo[1] > n_m - 1)
    n_gc = np.where(outside, 0, g_hi - g_lo + 1)
    n_mc = np.where(outside, 0, m_hi - m_lo + 1)
    n_cells = n_gc * n_mc
    star = np.repeat(np.arange(xb.shape[0]), n_cells)
    local = np.arange(star.size) - np.repeat(np.cumsum(n_cells) - n_cells, n_cells)
    ig = g_lo[star] + local // n_mc[star]
    im = m_lo[star] + local % n_mc[star]
    keep = grid.cell_count[ig, im] > 0
    star, ig, im = star[keep], ig[keep], im[keep]
    r2 = w[star] ** 2
    for d, cell_lo, size in ((1, grid.logg0 + ig * _LOGG_CELL, _LOGG_CELL),
                             (2, grid.mk0 + im * _MK_CELL, _MK_CELL)):
        gap = np.maximum(cell_lo - xb[star, d], xb[star, d] - (cell_lo + size)) - _TOL
        r2 = r2 - (np.maximum(gap, 0.0) * invb[star, d]) ** 2
    keep = r2 >= 0
    star, ig, im, r2 = star[keep], ig[keep], im[keep], r2[keep]
    half = sig[star, 0] * np.sqrt(r2) + _TOL
    base = (ig * n_m + im) * grid.key_span
    t_max = grid.key_span - 1.0
    t_lo = np.clip(xb[star, 0] - half - grid.lt0, 0.0, t_max)
    t_hi = np.clip(xb[star, 0] + half - grid.lt0, 0.0, t_max)
    start = np.searchsorted(grid.key, base + t_lo, side="left")
    length = np.searchsorted(grid.key, base + t_hi, side="right") - start
    keep = length > 0
    return star[keep], start[keep], length[keep]


def _fast_sums(inputs: pd.DataFrame, grid: PreparedGrid, priors: AgePriors, window_sigma: float,
               chunk: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """G(τ_k) [n × n_age] (Eq. 14) over the windows, the χ² ≤ w² counts and the missing mask.

    Pass 1 with w = ``window_sigma`` for every star; pass 2 again, with the widened window of the
    module docstring, for the stars whose left-out share may exceed :data:`NEGLECT_MAX`.
    """
    w = float(window_sigma)
    if not (math.isfinite(w) and w > 0):
        raise AgeError(f"window_sigma: expected a positive number, got {window_sigma!r}")
    if int(chunk) < 1:
        raise AgeError(f"chunk: expected a positive number of star-point pairs, got {chunk!r}")
    x, inv, r_gal, missing = _observables(inputs)
    n = len(inputs)
    g = np.zeros((n, grid.log_age_axis.size))
    n_points = np.zeros(n, np.int64)
    log_w = _log_mass_weight(grid.initial_mass, grid.dm, priors)
    todo = np.flatnonzero(~missing)
    args = (x, inv, r_gal, grid, priors, log_w, w, int(chunk), g, n_points)
    _window_sums(todo, np.full(todo.size, w), *args)
    # Left-out share <= e^(-w²/2) S / T (module docstring); widen where it may exceed NEGLECT_MAX.
    psi = _log_age_prior(grid.log_age_axis, priors)
    prior_weight = np.bincount(grid.iso, np.exp(log_w), minlength=grid.n_iso)  # Σ_i ξ dm
    per_feh = psi @ prior_weight.reshape(psi.size, grid.feh_axis.size)  # Σ_k ψ_k Σ_i ξ dm
    total_prior = _metallicity_prior(r_gal[todo], grid.feh_axis, priors) @ per_feh  # S
    kept = (g @ psi)[todo]  # T
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        need = np.log(total_prior / (kept * NEGLECT_MAX))  # w_s² / 2
    redo = (n_points[todo] > 0) & (kept > 0) & (need > 0.5 * w * w)
    if redo.any():
        log.info("%d of %d stars: window widened beyond %g sigma (poor fits)", int(redo.sum()),
                 todo.size, w)
        _window_sums(todo[redo], np.sqrt(2.0 * need[redo]), *args)
    return g, n_points, missing


def _window_sums(stars: np.ndarray, w_star: np.ndarray, x, inv, r_gal, grid: PreparedGrid,
                 priors: AgePriors, log_w, w: float, chunk: int, g, n_points) -> None:
    """Fill g[stars] (Eq. 14) from the points in windows of ``w_star`` σ, and n_points[stars] with
    the χ² ≤ w² counts.

    Stars in blocks of :data:`_STAR_BLOCK` (window enumeration), then one star at a time, in
    pieces of whole ranges with at most ``chunk`` points (or one range): the ranges' points
    concatenated (slices, no index array), χ², ξ dm L, added per isochrone by ``np.add.at``
    (sequential, like a ``np.bincount``, and continued piece after piece): memory is bounded by
    ``chunk`` and the largest cell.
    """
    n_iso = grid.n_iso
    q = (grid.log_teff, grid.log_g, grid.m_ks)
    for b0 in range(0, stars.size, _STAR_BLOCK):
        block = stars[b0:b0 + _STAR_BLOCK]
        xb, invb = x[block], inv[block]
        star, start, length = _windows(xb, invb, grid, w_star[b0:b0 + _STAR_BLOCK])
        ranges_end = np.cumsum(np.bincount(star, minlength=block.size)).tolist()
        lo, hi, n_r = start.tolist(), (start + length).tolist(), length.tolist()
        g_iso = np.zeros((block.size, n_iso))
        counts = np.zeros(block.size, np.int64)
        r0 = 0
        for s, r_end in enumerate(ranges_end):
            while r0 < r_end:  # a piece: ranges r0..r1-1 of star s
                r1, size = r0 + 1, n_r[r0]
                while r1 < r_end and size + n_r[r1] <= chunk:
                    size += n_r[r1]
                    r1 += 1
                cut = [slice(lo[r], hi[r]) for r in range(r0, r1)]
                r0 = r1
                # Eq. 11, the same floating-point operations as the reference
                chi2 = np.concatenate([q[0][c] for c in cut])
                chi2 -= xb[s, 0]
                chi2 *= invb[s, 0]
                chi2 *= chi2
                for d in (1, 2):
                    z = np.concatenate([q[d][c] for c in cut])
                    z -= xb[s, d]
                    z *= invb[s, d]
                    z *= z
                    chi2 += z
                counts[s] += np.count_nonzero(chi2 <= w * w)
                chi2 *= -0.5
                chi2 += np.concatenate([log_w[c] for c in cut])
                np.exp(chi2, out=chi2)  # ξ(m) dm L
                np.add.at(g_iso[s], np.concatenate([grid.iso[c] for c in cut]), chi2)
        n_points[block] = counts
        g[block] = _sum_over_feh(g_iso, r_gal[block], grid.feh_axis, priors)


def posteriors(inputs: pd.DataFrame, prepared: PreparedGrid, priors: AgePriors,
               window_sigma: float = 10.0, chunk: int = 1 << 17):
    """The fast path: (P [n × n_age] normalised f(τ_k), n_isochrone_points [n], age_flag [n]).

    ``inputs``: an :func:`age_inputs` table; ``prepared``: :func:`prepare_grid`. Only the points
    inside each star's window (``window_sigma`` σ; module docstring) are evaluated; ``chunk``
    bounds the points gathered at once (~30 bytes each). Memory: the prepared grid (~40 MB for
    the paper's grid), ~10 MB of work arrays and P (8 n_age bytes per star).
    The left-out share of each posterior is < :data:`NEGLECT_MAX` (module docstring), so P
    equals :func:`posteriors_reference` to < 1e−10.
    """
    g, n_points, missing = _fast_sums(inputs, prepared, priors, window_sigma, chunk)
    return _finish(g, n_points, missing, prepared.log_age_axis, priors)


# --------------------------------------------------------------------------------------------
# Summaries
# --------------------------------------------------------------------------------------------

def percentiles(P: np.ndarray, log_age_axis, q: Sequence[float] = (16, 50, 84)) -> np.ndarray:
    """Percentiles [dex(yr)] of the posteriors, shape (n_star, len(q)) (docs/conventions.md).

    The CDF of f(τ): each τ_k owns the bin [τ_k − Δ/2, τ_k + Δ/2] (Δ the grid step) with its
    mass spread uniformly, so the CDF is linear inside a bin. ``P`` needs no normalisation (any
    non-negative row; scaled by its maximum first, so huge or tiny values neither overflow nor
    underflow). Rows with a NaN, an infinity, a negative value or no mass give NaN.
    """
    P = np.atleast_2d(np.asarray(P, float))
    axis = np.asarray(log_age_axis, float)
    qs = np.asarray(q, float)
    if P.shape[1] != axis.size:
        raise AgeError(f"percentiles: {P.shape[1]} posterior bins, {axis.size} log-ages")
    if not ((qs > 0) & (qs < 100)).all():
        raise AgeError(f"percentiles: expected 0 < q < 100, got {qs.tolist()}")
    step = np.diff(axis)
    if not np.allclose(step, step[0], rtol=1e-6):
        raise AgeError("percentiles: the log-age grid must be equally spaced")
    out = np.full((P.shape[0], qs.size), np.nan)
    edges_lo = axis - 0.5 * step[0]
    for r0 in range(0, P.shape[0], _STAR_BLOCK * 64):  # row blocks bound the temporaries
        rows = slice(r0, r0 + _STAR_BLOCK * 64)
        ok = np.isfinite(P[rows]).all(axis=1) & (P[rows] >= 0).all(axis=1)
        ok[ok] = P[rows][ok].max(axis=1) > 0
        p = P[rows][ok] / P[rows][ok].max(axis=1, keepdims=True)
        p /= p.sum(axis=1, keepdims=True)
        c_right = np.cumsum(p, axis=1)
        i = np.arange(p.shape[0])
        for iq, frac in enumerate(qs / 100.0):
            k = np.minimum((c_right < frac).sum(axis=1), axis.size - 1)  # first bin: C >= frac
            inside = np.clip((frac - (c_right[i, k] - p[i, k])) / p[i, k], 0.0, 1.0)
            out[r0 + np.flatnonzero(ok), iq] = edges_lo[k] + inside * step[0]
    return out


def summarise(source_id, P: np.ndarray, log_age_axis, n_points, flag) -> pd.DataFrame:
    """The ``ages.parquet`` table (:data:`AGES_COLUMNS`, units :data:`UNITS`).

    logage_p16/p50/p84 from :func:`percentiles`; logage_err = (p84 − p16)/2 (paper Sec. 3.2);
    age_myr = 10^p50 / 1e6 and age_p16_myr, age_p84_myr likewise.
    """
    pc = percentiles(P, log_age_axis, (16, 50, 84))
    return pd.DataFrame({
        "source_id": np.asarray(source_id, np.int64),
        "logage_p16": pc[:, 0], "logage_p50": pc[:, 1], "logage_p84": pc[:, 2],
        "logage_err": 0.5 * (pc[:, 2] - pc[:, 0]),
        "age_myr": 10.0 ** pc[:, 1] / 1e6,
        "age_p16_myr": 10.0 ** pc[:, 0] / 1e6,
        "age_p84_myr": 10.0 ** pc[:, 2] / 1e6,
        "age_flag": np.asarray(flag, np.int64),
        "n_isochrone_points": np.asarray(n_points, np.int64),
    })


# --------------------------------------------------------------------------------------------
# Shards and products
# --------------------------------------------------------------------------------------------

def shard_indices(n_stars: int, i: int, n: int) -> np.ndarray:
    """Positions (in the source_id-sorted table) of shard ``i`` of ``n``: index % n == i."""
    if not (int(n) >= 1 and 0 <= int(i) < int(n)):
        raise AgeError(f"shard: expected 0 <= i < n, got i = {i!r}, n = {n!r}")
    return np.arange(int(i), int(n_stars), int(n))


def gather(ages_paths: Sequence, post_paths: Sequence):
    """Concatenate shard products: (ages DataFrame, source_ids, log_age_grid, P), by source_id.

    Errors if the shards' grids differ, a star appears twice, or the ages and posteriors shards
    hold different stars.
    """
    if not ages_paths or len(ages_paths) != len(post_paths):
        raise AgeError(f"gather: expected as many ages as posteriors shards (>= 1), got "
                       f"{len(ages_paths)} and {len(post_paths)}")
    ages = pd.concat([tables.read_table(p) for p in ages_paths], ignore_index=True)
    parts = [tables.read_posteriors(p) for p in post_paths]
    axis = parts[0][1]
    for p, part in zip(post_paths, parts):
        if not np.array_equal(part[1], axis):
            raise AgeError(f"{p}: log_age_grid differs from {post_paths[0]}")
    sid = np.concatenate([part[0] for part in parts])
    order = np.argsort(sid, kind="stable")
    sid = sid[order]
    P = np.concatenate([part[2] for part in parts])[order]
    del parts
    ages = ages.sort_values("source_id", kind="stable").reset_index(drop=True)
    if np.any(np.diff(sid) == 0):
        raise AgeError(f"gather: source_id {sid[np.flatnonzero(np.diff(sid) == 0)[0]]} "
                       "is in more than one shard")
    if not np.array_equal(ages["source_id"].to_numpy(np.int64), sid):
        raise AgeError("gather: the ages and posteriors shards hold different stars")
    return ages[AGES_COLUMNS], sid, axis, P
