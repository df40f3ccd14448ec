"""The built-in mock Galaxy survey: the workflow's default input and its test oracle.

:func:`simulate_survey` draws a seeded young-disc population from the isochrone grid, observes it
like SDSS-V ``mwm_ob`` + Gaia DR3 + Bailer-Jones + 2MASS, and returns the five survey inputs in
their real formats (column names, dtypes, units) plus the truth table; :func:`write_survey`
writes them. The model (star formation, IMF, disc and clumps, extinction, kinematics with the
injected v_R field, the carton selection, the observations) is described in ``docs/mock.md``;
every number is a :class:`MockParams` knob.

Products (dict keys): 'spall' (UPPER-case, one row per spectrum, ~1 % rows of other programs),
'bossnet' (Astra visit names), 'gaia', 'distances' (pc), 'tmass', 'truth'. Units of every column:
:data:`TABLE_UNITS`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hotstars import binaries
from hotstars.errors import require_columns
from hotstars.frame import (
    cartesian_velocity,
    cylindrical,
    frame_from_config,
    galactocentric_to_observed,
    galactocentric_to_sky,
    sun_position_kpc,
)
from hotstars.io.tables import write_table
from hotstars.mock.params import MockError, MockParams

if TYPE_CHECKING:
    from astropy.coordinates import Galactocentric

GRID_REQUIRED = ("log_age", "feh", "eep", "initial_mass", "log_teff", "log_g", "M_G", "M_J", "M_H",
                 "M_Ks", "dm", "phase")
BANDS = ("G", "J", "H", "Ks")
# Observables interpolated between the isochrones bracketing a star's (log-age, [Fe/H]) at its EEP
INTERPOLATED = ("initial_mass", "log_teff", "log_g", "M_G", "M_J", "M_H", "M_Ks")
_EEP_SPAN = 1 << 12  # row key = isochrone code × span + EEP (MIST EEPs < 1710)
_BATCH = 400_000  # stars drawn per batch (fixed: part of the seeded random stream)
_BOUND_STEP = 0.02  # mag: threshold grid of the sampler's brightness bound (a table, no search)
_MAX_EMPTY_BATCHES = 200
# The reduction of the mock's spectra (spAll RUN2D, BOSS Net run2d; as DR20's spAll-v6_2_1).
MOCK_RUN2D = "v6_2_1"


# ------------------------------------------------------------------------------------------
# Geometry, kinematics and the injected field
# ------------------------------------------------------------------------------------------


def injected_mean_vr(x_kpc, y_kpc, params: MockParams | None = None) -> np.ndarray:
    """The mock's injected mean Galactocentric v_R field [km/s] at (X, Y) [kpc].

    A two-armed logarithmic spiral pattern: v_R = A sin(m [ln(R/R_ref)/tan p + φ] + φ0), with
    φ = atan2(Y, −X) in rad (Reid et al. 2019's β), constant along log spirals
    ln(R/R_ref) = −φ tan p (the arm shape of Reid et al. 2019). With φ0 = 0 it vanishes at the Sun,
    is negative just inside the solar circle and positive just outside (as in the paper's Fig. 7).
    """
    p = params or MockParams()
    r, phi_deg, _, _ = cylindrical(np.asarray(x_kpc, float), np.asarray(y_kpc, float), 0.0, 0.0)
    phase = (p.vr_arms * (np.log(r / p.vr_r_ref_kpc) / np.tan(np.radians(p.vr_pitch_deg))
                          + np.radians(phi_deg)) + np.radians(p.vr_phase_deg))
    return p.vr_amplitude_kms * np.sin(phase)


def circular_velocity(r_kpc, r_sun_kpc: float, params: MockParams) -> np.ndarray:
    """v_c(R) = v_c,⊙ + slope (max(R, R_in) − R⊙) [km/s]: the Eilers et al. (2019) slope,
    constant inside R_in = ``vcirc_inner_kpc`` (their fit starts at 5 kpc; the bar region)."""
    r = np.maximum(np.asarray(r_kpc, float), params.vcirc_inner_kpc)
    return params.vcirc_kms + params.vcirc_slope_kms_per_kpc * (r - r_sun_kpc)


def dust_av(x, y, z, sun_xyz, params: MockParams, distance=None) -> np.ndarray:
    """A_V [mag] from the Sun to (x, y, z) [kpc] through dA_V/ds = a_V exp(−|Z|/h) (no patchiness).

    Along the straight line Z is linear in s, so A_V = a_V d [F(Z1) − F(Z0)]/(Z1 − Z0) with the
    antiderivative F(Z) = sign(Z) h (1 − exp(−|Z|/h)) of exp(−|Z|/h). ``distance``: d [kpc] if
    already computed.
    """
    h = params.dust_scale_height_pc / 1000.0
    x0, y0, z0 = sun_xyz
    d = (np.sqrt((x - x0) ** 2 + (y - y0) ** 2 + (z - z0) ** 2) if distance is None
         else distance)
    dz = z - z0
    f = lambda zz: np.sign(zz) * h * (1.0 - np.exp(-np.abs(zz) / h))  # noqa: E731
    small = np.abs(dz) < 1e-9
    mean = np.where(small, np.exp(-abs(z0) / h), (f(z) - f(z0)) / np.where(small, 1.0, dz))
    return params.av_per_kpc * d * mean


# ------------------------------------------------------------------------------------------
# Observational models
# ------------------------------------------------------------------------------------------

def parallax_error(g_mag, params: MockParams) -> np.ndarray:
    """Typical Gaia DR3 σ_ϖ [mas] at G: hypot(0.02, 0.098 × 10^(0.4 (G − 16))) by default
    (≈ 0.02 mas for G ≲ 13, 0.1 mas at G = 16; cf. Lindegren et al. 2021)."""
    return np.hypot(params.plx_err_floor_mas,
                    params.plx_err_g16_mas * 10 ** (0.4 * (np.asarray(g_mag) - 16.0)))


def tmass_error(mag, params: MockParams) -> np.ndarray:
    """2MASS total photometric error [mag] at magnitude ``mag`` (≈ 0.02–0.03 for Ks ≲ 13)."""
    return np.hypot(params.tmass_err_floor, params.tmass_err_13 * 10 ** (0.4 * (np.asarray(mag) - 13.0)))


def carton_selection(g, j, h, ks, parallax, params: MockParams) -> np.ndarray:
    """The mwm_ob carton on observed values: G < g_max and paper Eq. 2,
    ϖ < 10^((10 − Ks + mk_max)/5) [mas] (negative parallaxes pass), plus (if enabled) the carton's
    colour cuts (mwm_ob carton notes; Zari et al. 2021): −0.30 < (J − Ks) − 0.25 (G − Ks) < 0.10;
    0.15 (G − Ks) − 0.15 < J − H < 0.15 (G − Ks) + 0.05; J − Ks < 0.23 (G − Ks) + 0.03;
    G > 2 (G − Ks) + 3.
    """
    keep = (g < params.g_max) & (parallax < 10 ** ((10.0 - ks + params.mk_max) / 5.0))
    if params.carton_colour_cuts:
        gk, jk, jh = g - ks, j - ks, j - h
        q = jk - 0.25 * gk
        keep &= ((q > -0.30) & (q < 0.10) & (jh > 0.15 * gk - 0.15) & (jh < 0.15 * gk + 0.05)
                 & (jk < 0.23 * gk + 0.03) & (g > 2.0 * gk + 3.0))
    return keep


# ------------------------------------------------------------------------------------------
# Drawing the population
# ------------------------------------------------------------------------------------------

class _IsochroneSampler:
    """Draws stars of continuous (log-age, [Fe/H]) from the isochrone grid.

    Each star picks one of the four isochrones bracketing its (log-age, [Fe/H]) with probability
    equal to its bilinear weight, draws a point there with weight ξ(m) dm (alive with probability
    W_k / W_ref), and takes that point's EEP; its observables (:data:`INTERPOLATED`) are the
    bilinear interpolation in (log-age, [Fe/H]) of the four isochrones' values at that EEP
    (interpolation at equal EEP, Dotter 2016 Sec. 4). A bracketing isochrone without that EEP
    (the grid's mass limit or the phase's end reached there) is left out and the others' weights
    renormalised, so the star keeps the values of the isochrones where it exists.
    """

    @staticmethod
    def key_of(params: MockParams) -> tuple:
        """The parameters a sampler depends on."""
        return params.imf_slope, params.mass_min_msun, params.evolved_a_boost

    def __init__(self, grid: pd.DataFrame, params: MockParams):
        self.key = self.key_of(params)
        require_columns(grid, GRID_REQUIRED, "isochrone grid", MockError)
        if len(grid) == 0:
            raise MockError("isochrone grid: no rows")
        g = grid.assign(log_age=grid["log_age"].round(4), feh=grid["feh"].round(4))
        self.ages = np.unique(g["log_age"].to_numpy())
        self.fehs = np.unique(g["feh"].to_numpy())
        code = (np.searchsorted(self.ages, g["log_age"].to_numpy()) * self.fehs.size
                + np.searchsorted(self.fehs, g["feh"].to_numpy()))
        order = np.argsort(code, kind="stable")
        self.rows = g.iloc[order].reset_index(drop=True)
        code = code[order]
        # rows keyed by (isochrone, EEP): sorted, as the grid is by (log_age, feh, eep)
        self.eep = self.rows["eep"].to_numpy(np.int64)
        row_key = code.astype(np.int64) * _EEP_SPAN + self.eep
        if (np.diff(row_key) <= 0).any() or (self.eep < 0).any() or (self.eep >= _EEP_SPAN).any():
            raise MockError("isochrone grid: EEPs must be distinct, sorted and in 0..4095 within "
                            "each (log_age, feh) isochrone")
        self.values = {c: self.rows[c].to_numpy(float) for c in INTERPOLATED}
        n_iso = self.ages.size * self.fehs.size
        # row of each (isochrone, EEP), -1 where the isochrone lacks that EEP: a direct lookup
        self.row_at = np.full((n_iso, int(self.eep.max()) + 1), -1, np.int32)
        self.row_at[code, self.eep] = np.arange(code.size)
        counts = np.bincount(code, minlength=n_iso)
        if (counts == 0).any():
            k = np.flatnonzero(counts == 0)[0]
            raise MockError(f"isochrone grid: no rows for log_age = {self.ages[k // self.fehs.size]}, "
                            f"feh = {self.fehs[k % self.fehs.size]} (the grid must be complete)")
        m = self.rows["initial_mass"].to_numpy(float)
        teff = 10 ** self.rows["log_teff"].to_numpy(float)
        w = np.where(m >= params.mass_min_msun,
                     m ** -params.imf_slope * np.clip(self.rows["dm"].to_numpy(float), 0, None), 0.0)
        # Phenomenological boost of post-main-sequence A/F points (see MockParams.evolved_a_boost).
        boosted = ((self.rows["phase"].to_numpy() >= 2) & (teff >= 7400) & (teff < 10000)
                   & (self.rows["log_g"].to_numpy(float) >= 3.0))
        w = np.where(boosted, params.evolved_a_boost * w, w)
        # A lower bound of the interpolated M_G of a star drawn at each row: the brightest M_G at
        # that EEP on the isochrones around the row's (its 3 x 3 neighbourhood holds every
        # bracketing isochrone; an interpolated value is a weighted mean of theirs). Each
        # isochrone's rows are drawn in the order of this bound (brightest first), so the points
        # of a star that could be brighter than a limit are a prefix of its isochrone.
        m_g_bound = self._neighbourhood_min(code, self.rows["M_G"].to_numpy(float))
        self.by_bound = np.lexsort((m_g_bound, code))  # row at each drawing position
        self.bound_sorted = m_g_bound[self.by_bound]
        self.cum = np.cumsum(w[self.by_bound])
        ends = np.cumsum(counts)
        starts = ends - counts
        cum0 = np.concatenate([[0.0], self.cum])
        self.c_before = cum0[starts]
        self.c_end = self.cum[ends - 1]
        if not (self.c_end > self.c_before).any():
            raise MockError(f"isochrone grid: no point with initial_mass >= {params.mass_min_msun}")
        # reach[k, j]: the drawing position where isochrone k's rows with bound < the j-th
        # threshold (a BOUND_STEP grid covering every bound) end. A star whose M_G must be below
        # t (its limit minus distance modulus and extinction) can only be drawn before
        # reach[k, ceil(t)]; stars past it are dropped without searching their row.
        self.bound_lo = float(self.bound_sorted.min())
        n_steps = int(np.ceil((self.bound_sorted.max() - self.bound_lo) / _BOUND_STEP)) + 1
        thresholds = self.bound_lo + _BOUND_STEP * np.arange(n_steps + 1)
        below = np.stack([np.searchsorted(self.bound_sorted[a:b], thresholds) for a, b in
                          zip(starts, ends)])
        self.reach = cum0[starts[:, None] + below]
        # A star of isochrone k is alive with probability W_k / W_ref (dead: mass beyond the
        # isochrone's end). W_ref = ∫ ξ dm over [m_min, m_up], or the largest W_k if the boost
        # (or the discrete sum) exceeds it: the same factor for every isochrone.
        a, m_up = 1.0 - params.imf_slope, m.max()
        self.w_full = max((m_up ** a - params.mass_min_msun ** a) / a,
                          (self.c_end - self.c_before).max())
        # age_reach[k, j]: the furthest fraction of W_ref that reach[., j] allows on any
        # isochrone a star of log-age bin k can be drawn on (its bracketing nodes k, k + 1; one
        # more node each side covers rounding in the bin): drawing positions beyond it cannot be
        # kept, whatever the star's [Fe/H] (may_keep). Slightly loose, so float rounding only
        # lets more stars through.
        frac = ((self.reach - self.c_before[:, None]) / self.w_full).reshape(
            self.ages.size, self.fehs.size, -1).max(axis=1)
        padded = np.concatenate([frac[:1], frac, frac[-1:], frac[-1:]])
        self.age_reach = np.max([padded[i:i + self.ages.size] for i in range(4)], axis=0)
        self.age_reach = self.age_reach * (1 + 1e-9) + 1e-12
        step = np.diff(self.ages).mean() if self.ages.size > 1 else 0.0
        self.age_step = step if np.allclose(np.diff(self.ages), step, rtol=1e-9, atol=0) else 0.0
        self.mags = {b: self.rows[f"M_{b}"].to_numpy(float) for b in BANDS}
        # Companions: unevolved points (MIST phase <= 0: PMS, MS) keyed by (isochrone, mass).
        unevolved = np.flatnonzero(self.rows["phase"].to_numpy() <= 0) if "phase" in self.rows \
            else np.arange(len(self.rows))
        key = code[unevolved] * 1000.0 + m[unevolved]
        o = np.argsort(key, kind="stable")
        self.comp_key, self.comp_row = key[o], unevolved[o]

    def _neighbourhood_min(self, code, values):
        """Per row: the minimum of ``values`` at the row's EEP over the isochrones within one
        node in log-age and in [Fe/H] of the row's (``code``: each row's isochrone)."""
        na, nz = self.ages.size, self.fehs.size
        ia, iz = np.divmod(code, nz)
        out = np.full(code.size, np.inf)
        for da in (-1, 0, 1):
            for dz in (-1, 0, 1):
                a, z = ia + da, iz + dz
                ok = (a >= 0) & (a < na) & (z >= 0) & (z < nz)
                idx = np.full(code.size, -1)
                idx[ok] = self.row_at[a[ok] * nz + z[ok], self.eep[ok]]
                out = np.minimum(out, np.where(idx >= 0, values[idx], np.inf))
        return out

    def _step(self, limit):
        """Index of the first threshold of ``reach`` at or above each limit (clipped)."""
        j = np.clip(np.ceil((limit - self.bound_lo) / _BOUND_STEP), 0, self.reach.shape[1] - 1)
        return j.astype(np.intp)

    def may_keep(self, log_age, limit, u):
        """Mask of the stars :meth:`draw` could keep with drawing positions ``u`` (uniform in
        [0, 1), passed on to it), ``limit`` = g_limit − g_offset: a superset found from log-age
        alone (``age_reach``), so [Fe/H] and the point need only be drawn for these."""
        if self.ages.size == 1:
            k = np.zeros(np.shape(log_age), np.intp)
        elif self.age_step:  # evenly spaced nodes: the bin by division (off by one at worst)
            k = np.clip((np.asarray(log_age) - self.ages[0]) / self.age_step, 0,
                        self.ages.size - 1).astype(np.intp)
        else:
            k = np.clip(_search_sorted(self.ages, log_age, side="right") - 1, 0, self.ages.size - 1)
        return u < self.age_reach[k, self._step(limit)]

    def draw(self, rng, log_age, feh, g_offset, g_limit, u=None):
        """Stars of continuous ``log_age``, ``feh`` that are alive and could be brighter than
        ``g_limit`` given their ``g_offset`` (distance modulus + A_G): (base isochrone code, base
        row, interpolated observables {column: values} computed on access, mask of the kept
        stars). ``u``: each star's drawing position (uniform in [0, 1)) if already drawn
        (:meth:`may_keep`), else drawn here."""
        a0, fa = _bracket(self.ages, log_age)
        z0, fz = _bracket(self.fehs, feh)
        n, nz = a0.size, self.fehs.size
        # base isochrone: a bracketing one with probability = its bilinear weight (the upper
        # log-age node with probability f_τ, the upper [Fe/H] node with f_Z, independently)
        up_a = rng.uniform(size=n) < fa
        up_z = rng.uniform(size=n) < fz
        iso = (a0 + up_a) * nz + z0 + up_z
        # its point: drawing position uniform over W_ref (past the isochrone's end: dead)
        if u is None:
            u = rng.uniform(size=n)
        target = self.c_before[iso] + u * self.w_full
        limit = g_limit - np.asarray(g_offset, float)  # the M_G the star must beat
        keep = target < self.reach[iso, self._step(limit)]  # alive and possibly bright enough
        at = _search_sorted(self.cum, target[keep], side="right")
        possible = self.bound_sorted[at] < limit[keep]
        keep[np.flatnonzero(keep)[~possible]] = False
        row = self.by_bound[at[possible]]
        a0, fa, z0, fz = a0[keep], fa[keep], z0[keep], fz[keep]
        a1 = np.minimum(a0 + 1, self.ages.size - 1)
        z1 = np.minimum(z0 + 1, nz - 1)
        codes = np.column_stack([a0 * nz + z0, a0 * nz + z1, a1 * nz + z0, a1 * nz + z1])
        w = np.column_stack([(1 - fa) * (1 - fz), (1 - fa) * fz, fa * (1 - fz), fa * fz])
        pick = 2 * up_a[keep] + up_z[keep]  # the base isochrone's column in codes
        return iso[keep], row, self.interpolate(row, codes, w, pick), keep

    def interpolate(self, row, codes, w, pick):
        """:data:`INTERPOLATED` at the EEP of ``row`` on the isochrones ``codes`` (n, 4) with
        weights ``w``, leaving out those without that EEP (``pick``: the column of ``row``'s
        isochrone, which always has it)."""
        idx = self.row_at[codes, self.eep[row][:, None]]
        w = np.where(idx >= 0, w, 0.0)
        idx = np.maximum(idx, 0)
        k = np.arange(row.size)
        idx[k, pick] = row
        w[k, pick] = np.maximum(w[k, pick], 1e-12)  # the base isochrone counts even at weight ~0
        w = w / w.sum(axis=1, keepdims=True)
        return _Interpolated(self.values, np.ascontiguousarray(idx.T), np.ascontiguousarray(w.T))

    def companion(self, iso, mass):
        """Rows of the unevolved point of isochrone ``iso`` nearest below-or-at ``mass``."""
        i = np.searchsorted(self.comp_key, iso * 1000.0 + mass, side="right") - 1
        i = np.clip(i, 0, self.comp_key.size - 1)
        # fall back to the isochrone's lightest unevolved point if the mass is below the grid
        low = self.comp_key[i] < iso * 1000.0
        i[low] = np.minimum(i[low] + 1, self.comp_key.size - 1)
        return self.comp_row[i]


def isochrone_sampler(grid: pd.DataFrame, params: MockParams | Mapping | None = None):
    """The star sampler :func:`simulate_survey` builds from ``grid`` (0.3 s for the paper's grid),
    to pass to calls that share the grid."""
    p = params if isinstance(params, MockParams) else MockParams.from_overrides(params)
    return _IsochroneSampler(grid, p)


class _Interpolated(Mapping):
    """{column: Σ_k w_k v[idx_k]} per star, each column computed when first read (most drawn
    stars are dropped on M_G alone); ``subset(mask)`` keeps some stars. ``idx``, ``w``: (4, n),
    the four isochrones' rows and weights: a sum of rows, twice as fast as one along each row,
    with the same additions in the same order ((w0 v0 + w1 v1) + w2 v2) + w3 v3."""

    def __init__(self, values, idx, w):
        self._values, self._idx, self._w, self._done = values, idx, w, {}

    def __getitem__(self, column):
        if column not in self._done:
            v = self._values[column].take(self._idx)
            v *= self._w
            self._done[column] = v[0] + v[1] + v[2] + v[3]
        return self._done[column]

    def __iter__(self):
        return iter(self._values)

    def __len__(self):
        return len(self._values)

    def subset(self, mask):
        return _Interpolated(self._values, self._idx[:, mask], self._w[:, mask])


def _exp_disc_xy(rng, n, rd, sun, d_max):
    """n points of Σ ∝ exp(−R/R_d) (R ~ Gamma(2, R_d): R_d times the sum of two standard
    exponentials; uniform azimuth) and the mask of those within d_max of the Sun in the plane.
    The azimuth's cosine and sine are taken in float32 (10x faster; a 1e-7 change of a random
    angle, 0.2 AU at 10 kpc)."""
    r = rd * rng.standard_exponential((2, n)).sum(axis=0)
    th = rng.uniform(0, 2 * np.pi, n).astype(np.float32)
    x, y = r * np.cos(th), r * np.sin(th)
    return x, y, (x - sun[0]) ** 2 + (y - sun[1]) ** 2 < d_max ** 2


def _draw_clumps(rng, n, sun, p: MockParams) -> dict:
    """Clump centres (disc within clump_d_max_kpc of the Sun), ages [Myr] (uniform in
    clump_age_min..max_myr), sizes [kpc], [Fe/H] (Eq. 9 + scatter) and richness (the relative
    number of members: dN/dM ∝ M^−clump_richness_slope on [1, clump_richness_range])."""
    xs, ys = [np.empty(0)], [np.empty(0)]
    while sum(map(len, xs)) < n:
        x, y, ok = _exp_disc_xy(rng, 4 * n + 16, p.disc_scale_length_kpc, sun, p.clump_d_max_kpc)
        xs.append(x[ok])
        ys.append(y[ok])
    x, y = np.concatenate(xs)[:n], np.concatenate(ys)[:n]
    age_myr = rng.uniform(p.clump_age_min_myr, p.clump_age_max_myr, n)
    # truncated power law by inversion: M = [1 − u (1 − R^(1−a))]^(1/(1−a)) (a ≠ 1)
    a, r = p.clump_richness_slope, p.clump_richness_range
    u = rng.uniform(size=n)
    richness = (np.exp(u * np.log(r)) if abs(a - 1) < 1e-9
                else (1 - u * (1 - r ** (1 - a))) ** (1 / (1 - a)))
    return {"x": x, "y": y, "z": rng.laplace(0.0, p.scale_height_young_pc / 1000, n),
            "age_myr": age_myr,
            "sigma": rng.uniform(p.clump_sigma_min_pc, p.clump_sigma_max_pc, n) / 1000,
            "feh": _feh_eq9(x, y, p) + rng.normal(0, p.feh_scatter, n),
            "cum_richness": np.cumsum(richness) / max(richness.sum(), 1e-300)}


def _feh_eq9(x, y, p: MockParams):
    """Mean [Fe/H] at Galactocentric radius R (paper Eq. 9): −0.0678 R + 0.546."""
    return p.feh_intercept + p.feh_gradient * np.sqrt(x * x + y * y)


def _search_sorted(a, v, side="left"):
    """np.searchsorted(a, v, side), faster for many unsorted ``v`` in a large ``a``: the values
    are looked up in sorted order (each search starts where the previous one ended)."""
    v = np.asarray(v)
    order = np.argsort(v, axis=None)
    out = np.empty(v.size, np.intp)
    out[order] = np.searchsorted(a, v.ravel()[order], side=side)
    return out.reshape(v.shape)


def _bracket(nodes, values):
    """Lower bracketing node index i and fraction f of each value, value = (1 − f) n_i + f n_(i+1)
    (``nodes`` sorted; values clipped to the nodes' range; one node: i = 0, f = 0)."""
    values = np.asarray(values, float)
    if nodes.size == 1:
        return np.zeros(values.shape, int), np.zeros(values.shape)
    top = nodes.size - 2
    step = (nodes[-1] - nodes[0]) / (nodes.size - 1)
    if np.allclose(np.diff(nodes), step, rtol=1e-9, atol=0) and np.isfinite(values).all():
        # evenly spaced nodes: the index by division, corrected to searchsorted's where rounding
        # put a value on the wrong side of a node
        i = np.clip(np.floor((values - nodes[0]) / step), 0, top).astype(np.intp)
        i -= (nodes[i] > values) & (i > 0)
        i += (nodes[i + 1] <= values) & (i < top)
    else:
        i = np.clip(np.searchsorted(nodes, values, side="right") - 1, 0, top)
    f = np.clip((values - nodes[i]) / (nodes[i + 1] - nodes[i]), 0.0, 1.0)
    return i, f


def _draw_batch(rng, sampler: _IsochroneSampler, clumps, sun, p: MockParams, to_galactic) -> dict:
    """One batch of candidate stars; returns those passing the carton selection (true and
    observed photometry/parallax, Galactic l, b from ``to_galactic``, :func:`_galactic_affine`).
    Stars that are dead, or whose true G (plus the largest possible companion brightening)
    exceeds g_max by > 5 σ_G, are dropped before the observations; a bound on each isochrone
    point's M_G drops those that cannot be bright enough before their row is searched."""
    x, y, ok = _exp_disc_xy(rng, _BATCH, p.disc_scale_length_kpc, sun, p.d_max_kpc)
    x, y = x[ok], y[ok]
    n = x.size
    # constant star formation rate: age uniform over the grid's span, i.e. ψ(τ) ∝ 10^τ in
    # log-age (paper Sec. 3.2, Eq. 7), continuous (not on the grid's nodes)
    t_lo, t_hi = 10 ** (sampler.ages.min() - 6), 10 ** (sampler.ages.max() - 6)
    age_myr = rng.uniform(t_lo, t_hi, n)
    growth = (p.scale_height_1gyr_pc - p.scale_height_young_pc) * age_myr / 1000
    # Laplace(0, h): an exponential of scale h with a random sign
    z = (rng.standard_exponential(n) * np.where(rng.random(n) < 0.5, -1.0, 1.0)
         * (p.scale_height_young_pc + growth) / 1000)
    clump_id = np.full(n, -1)
    n_clumps = clumps["x"].size
    member = ((age_myr >= p.clump_age_min_myr) & (age_myr <= p.clump_age_max_myr)
              & (rng.uniform(size=n) < p.clump_fraction) & (n_clumps > 0))
    # clump of each member: probability ∝ the clump's richness
    k = np.minimum(np.searchsorted(clumps["cum_richness"], rng.uniform(size=int(member.sum()))),
                   max(n_clumps - 1, 0))
    if member.any():
        sig = clumps["sigma"][k]
        x[member] = clumps["x"][k] + rng.normal(0, sig)
        y[member] = clumps["y"][k] + rng.normal(0, sig)
        z[member] = clumps["z"][k] + rng.normal(0, sig)
        age_myr[member] = np.clip(clumps["age_myr"][k] + rng.normal(0, p.clump_age_spread_myr, k.size),
                                  t_lo, t_hi)
        clump_id[member] = k
    log_age = np.log10(age_myr) + 6
    d = np.sqrt((x - sun[0]) ** 2 + (y - sun[1]) ** 2 + (z - sun[2]) ** 2)
    # patchiness 10^N(0, σ) = exp N(0, σ ln 10)
    av = dust_av(x, y, z, sun, p, d) * np.exp(rng.normal(0, p.av_scatter_dex * np.log(10), n))
    dm = 5 * np.log10(d) + 10.0  # distance modulus, d in kpc
    g_limit = p.g_max + 5 * p.g_err_mag + (2.5 * np.log10(2) if p.binary_light else 0.0)
    # each star's drawing position on its isochrone (sampler.draw), drawn now: the ~93 % that
    # no isochrone of their log-age could make alive and bright enough are dropped before
    # [Fe/H] and the rest are drawn (every star's draws are independent of the others')
    u = rng.uniform(size=n)
    may = sampler.may_keep(log_age, g_limit - dm - p.ext_g * av, u)
    s = {"x": x, "y": y, "z": z, "log_age": log_age, "clump_id": clump_id, "distance": d,
         "A_V": av, "dm": dm, "u": u}
    may = np.flatnonzero(may)
    s = {key: v[may] for key, v in s.items()}
    n = may.size
    # [Fe/H] from the Eq. 9 gradient + scatter (clump members: their clump's value ± spread),
    # continuous, clipped to the grid's range
    feh = _feh_eq9(s["x"], s["y"], p) + rng.normal(0, p.feh_scatter, n)
    m = s["clump_id"] >= 0
    feh[m] = clumps["feh"][s["clump_id"][m]] + rng.normal(0, p.clump_feh_spread, m.sum())
    s["feh"] = np.clip(feh, sampler.fehs.min(), sampler.fehs.max())
    iso, row, values, keep = sampler.draw(rng, s["log_age"], s["feh"], s["dm"] + p.ext_g * s["A_V"],
                                          g_limit, s.pop("u"))
    s = {key: v[keep] for key, v in s.items()}
    bright = values["M_G"] + s["dm"] + p.ext_g * s["A_V"] < g_limit
    s = {key: v[bright] for key, v in s.items()}
    s.update(values.subset(bright), iso=iso[bright])  # iso: the base isochrone (for the companion)
    n = s["x"].size
    s["is_binary"] = rng.uniform(size=n) < p.binary_fraction
    s["q"] = np.where(s["is_binary"], binaries.draw_mass_ratio(rng, n), np.nan)
    light = s["is_binary"] & p.binary_light
    # the companion: the unevolved point of the star's base isochrone at mass q × m1
    comp = sampler.companion(s["iso"], s["q"] * s["initial_mass"])
    noise = 1.0 if p.observational_noise else 0.0
    for band, ratio in (("G", p.ext_g), ("J", p.ext_j), ("H", p.ext_h), ("Ks", p.ext_ks)):
        # s[f"M_{band}"]: the primary's (interpolated)
        m2 = sampler.mags[band][comp]
        # unresolved system: m = −2.5 log10(10^(−0.4 m1) + 10^(−0.4 m2))
        s[f"dM_{band}"] = np.where(light, -2.5 * np.log10(1 + 10 ** (-0.4 * (m2 - s[f"M_{band}"]))), 0.0)
        s[f"{band}_true"] = s[f"M_{band}"] + s[f"dM_{band}"] + s["dm"] + ratio * s["A_V"]
        err = p.g_err_mag if band == "G" else tmass_error(s[f"{band}_true"], p)
        s[f"{band}_err"] = np.broadcast_to(err, (n,)).astype(float)
        # rounded to the float32 of the written catalogues, so the selection holds on them
        obs_mag = s[f"{band}_true"] + noise * rng.normal(0, 1, n) * s[f"{band}_err"]
        s[f"{band}_obs"] = obs_mag.astype(np.float32).astype(float)
    s["plx_err"] = parallax_error(s["G_obs"], p) * 10 ** rng.normal(0, p.plx_err_scatter_dex, n)
    s["plx_eps"] = noise * rng.normal(0, 1, n)
    s["parallax_obs"] = 1.0 / s["distance"] + s["plx_eps"] * s["plx_err"]
    keep = carton_selection(s["G_obs"], s["J_obs"], s["H_obs"], s["Ks_obs"], s["parallax_obs"], p)
    s = {key: v[keep] for key, v in s.items()}
    s["l"], s["b"] = _galactic_lb(s["x"], s["y"], s["z"], to_galactic)
    return s


def _galactic_affine(frame: Galactocentric) -> tuple[np.ndarray, np.ndarray]:
    """(A, c) with heliocentric Galactic Cartesian = A @ (x, y, z) + c [kpc] for Galactocentric
    positions in ``frame``: the frame change is a rotation and a shift, here read off astropy's
    transform of the origin and the three unit vectors (plain numpy in the batches' threads)."""
    import astropy.units as u
    from astropy.coordinates import CartesianRepresentation, Galactic

    points = np.array([[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
    gal = frame.realize_frame(CartesianRepresentation(points * u.kpc)).transform_to(Galactic())
    xyz = gal.cartesian.xyz.to_value(u.kpc)
    return xyz[:, 1:] - xyz[:, :1], xyz[:, 0]


def _galactic_lb(x, y, z, to_galactic) -> tuple[np.ndarray, np.ndarray]:
    """Galactic l in [0, 360), b [deg] of Galactocentric positions [kpc] (:func:`_galactic_affine`)."""
    a, c = to_galactic
    gx, gy, gz = a @ np.vstack([x, y, z]) + c[:, None]
    return np.degrees(np.arctan2(gy, gx)) % 360.0, np.degrees(np.arctan2(gz, np.hypot(gx, gy)))


def _field_cells(l_deg, b_deg, p: MockParams) -> np.ndarray:
    """The field (a field_size_deg cell in l, b) of each position; cells < n_field_cells(p)."""
    nb = int(np.ceil(180 / p.field_size_deg))
    return (np.floor(np.mod(l_deg, 360) / p.field_size_deg).astype(int) * nb
            + np.clip(np.floor((b_deg + 90) / p.field_size_deg).astype(int), 0, nb - 1))


def n_field_cells(p: MockParams) -> int:
    return int(np.ceil(360 / p.field_size_deg)) * int(np.ceil(180 / p.field_size_deg))


def _draw_targets(rng, sampler, clumps, sun, n_targets, p, frame, observed_cell,
                  threads: int = 1) -> pd.DataFrame:
    """Carton targets in drawing order until ``n_targets`` of them lie in observed fields
    (``observed_cell``): every target (column ``observed``), with its sky position and field.

    Batch i draws from its own generator (seeded from ``rng`` and i), so ``threads`` batches can
    run at once (numpy releases the GIL) and the targets do not depend on ``threads``."""
    entropy = int(rng.integers(2**63))
    to_galactic = _galactic_affine(frame)
    threads = max(1, int(threads))

    def batch(i):
        b_rng = np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(i,)))
        return _draw_batch(b_rng, sampler, clumps, sun, p, to_galactic)

    parts, total, empty = [], 0, 0
    with ThreadPoolExecutor(threads) as pool:
        running = deque()
        while total < n_targets:
            while len(running) < threads:
                running.append(pool.submit(batch, len(parts) + len(running)))
            b = running.popleft().result()
            empty = empty + 1 if b["x"].size == 0 else 0
            if empty >= _MAX_EMPTY_BATCHES:
                raise MockError(f"no star passes the carton selection in {_MAX_EMPTY_BATCHES} "
                                f"batches of {_BATCH}: check mock.physics (g_max, mk_max, "
                                "av_per_kpc, mass_min_msun)")
            b["cell"] = _field_cells(b["l"], b["b"], p)
            b["observed"] = observed_cell[b["cell"]]
            total += int(b["observed"].sum())
            parts.append(b)
        for future in running:
            future.cancel()
    t = pd.DataFrame({key: np.concatenate([b[key] for b in parts]) for key in parts[0]})
    last = int(np.flatnonzero(t["observed"].to_numpy())[n_targets - 1])
    t = t.iloc[:last + 1].reset_index(drop=True)
    sky = galactocentric_to_sky(t["x"].to_numpy(), t["y"].to_numpy(), t["z"].to_numpy(), frame)
    for key in ("ra", "dec", "l", "b"):  # astropy's (the cells used the same transform above)
        t[key] = sky[key]
    return t


# ------------------------------------------------------------------------------------------
# Kinematics
# ------------------------------------------------------------------------------------------

def _kinematics(rng, t: pd.DataFrame, clumps, r_sun, p: MockParams) -> dict:
    n = len(t)
    x, y = t["x"].to_numpy(), t["y"].to_numpy()
    age = t["age_myr"].to_numpy()
    grow = (1.0 + age / 1000.0) ** p.dispersion_growth_power
    r = np.hypot(x, y)
    field = injected_mean_vr(x, y, p)
    expected = field.copy()  # each star's mean v_R: the field, or its clump's bulk motion
    v_r = field + p.sigma_r_kms * grow * rng.normal(0, 1, n)
    v_phi = circular_velocity(r, r_sun, p) + p.sigma_phi_kms * grow * rng.normal(0, 1, n)
    v_z = p.sigma_z_kms * grow * rng.normal(0, 1, n)
    # Clumps share a bulk velocity drawn like a field star at the clump centre.
    nc = clumps["x"].size
    if nc:
        gc = (1.0 + clumps["age_myr"] / 1000.0) ** p.dispersion_growth_power
        bulk_r = (injected_mean_vr(clumps["x"], clumps["y"], p)
                  + p.sigma_r_kms * gc * rng.normal(0, 1, nc))
        bulk_phi = (circular_velocity(np.hypot(clumps["x"], clumps["y"]), r_sun, p)
                    + p.sigma_phi_kms * gc * rng.normal(0, 1, nc))
        bulk_z = p.sigma_z_kms * gc * rng.normal(0, 1, nc)
        k = t["clump_id"].to_numpy()
        m = k >= 0
        s = p.clump_internal_dispersion_kms
        expected[m] = bulk_r[k[m]]
        v_r[m] = bulk_r[k[m]] + s * rng.normal(0, 1, m.sum())
        v_phi[m] = bulk_phi[k[m]] + s * rng.normal(0, 1, m.sum())
        v_z[m] = bulk_z[k[m]] + s * rng.normal(0, 1, m.sum())
    vx, vy = cartesian_velocity(x, y, v_r, v_phi)
    vz = v_z.copy()
    runaway = rng.uniform(size=n) < p.runaway_fraction
    nr = runaway.sum()
    kick = rng.normal(0, 1, (nr, 3))
    kick *= (rng.uniform(p.runaway_kick_min_kms, p.runaway_kick_max_kms, nr)
             / np.linalg.norm(kick, axis=1))[:, None]  # isotropic direction
    vx[runaway] += kick[:, 0]
    vy[runaway] += kick[:, 1]
    vz[runaway] += kick[:, 2]
    return {"vx": vx, "vy": vy, "vz": vz, "vR_field": field, "vR_expected": expected,
            "is_runaway": runaway}


# ------------------------------------------------------------------------------------------
# BOSS epochs
# ------------------------------------------------------------------------------------------

def _epochs(rng, cell, p: MockParams):
    """Fields and epochs of the targets in field cells ``cell`` (:func:`_field_cells`): (field id
    per target, cadence per target, epoch table target_idx/mjd)."""
    n = cell.size
    cells, field_idx = np.unique(cell, return_inverse=True)
    nf = cells.size
    t0 = rng.uniform(p.mjd_start, p.mjd_first_max, nf)
    gaps = 1.0 + np.floor(rng.exponential(2.0, (nf, 2)))  # bright_3x1: epochs a few days apart
    visits3 = np.floor(np.column_stack([t0, t0 + gaps[:, 0], t0 + gaps.sum(axis=1)]))
    n_extra = np.minimum(rng.poisson(p.extra_visits_per_field, nf), 6)
    extra = np.floor(t0[:, None] + rng.uniform(20.0, p.extra_visit_max_days, (nf, 6)))
    is3 = rng.uniform(size=n) < p.frac_3x1
    mjd = np.column_stack([visits3[field_idx], extra[field_idx]])
    obs = np.zeros(mjd.shape, bool)
    obs[:, 0] = True
    obs[:, 1:3] = is3[:, None] & (rng.uniform(size=(n, 2)) < p.epoch_completion)
    obs[:, 3:] = ((np.arange(6)[None, :] < n_extra[field_idx][:, None])
                  & (rng.uniform(size=(n, 6)) < p.extra_visit_coverage))
    tgt, col = np.nonzero(obs)
    ep = pd.DataFrame({"target": tgt, "mjd": mjd[tgt, col].astype(np.int64)})
    ep = ep.drop_duplicates(["target", "mjd"]).sort_values(["target", "mjd"], kind="stable")
    fieldid = (15000 + cells).astype(np.int64)
    return fieldid[field_idx], is3, ep.reset_index(drop=True)


# ------------------------------------------------------------------------------------------
# The survey
# ------------------------------------------------------------------------------------------

def _unique_ids(rng, n, base, max_step):
    """n distinct large int64 ids in random order (base + cumulative random steps, shuffled)."""
    return rng.permutation(base + np.cumsum(rng.integers(1, max_step, n, dtype=np.int64)))


def _population(teff, logg):
    """'hot' (≥ 10 kK), 'giant' (log g < 3), 'A' (≥ 7.4 kK), 'F' (≥ 6.05 kK), 'cool' (Sec. 2.2)."""
    return np.select([teff >= 10000, logg < 3.0, teff >= 7400, teff >= 6050],
                     ["hot", "giant", "A", "F"], "cool")


def simulate_survey(grid: pd.DataFrame, n_targets: int, seed: int, frame: Galactocentric | Mapping,
                    params: MockParams | Mapping | None = None, *,
                    threads: int = 1, with_spectra: bool = True,
                    sampler: "_IsochroneSampler | None" = None) -> dict[str, pd.DataFrame]:
    """Simulate the mwm_ob survey: the five inputs in real formats and the truth (module docstring).

    ``grid``: isochrone grid (:mod:`hotstars.isochrones` product: log_age, feh, initial_mass,
    log_teff, log_g, M_G, M_J, M_H, M_Ks, dm). ``n_targets``: number of carton targets (all have
    ≥ 1 spectrum with MJD ≤ 60708). ``frame``: :func:`hotstars.frame.galactocentric_frame`, or
    the config's ``frame:`` dict.
    ``params``: :class:`MockParams` or a dict of overrides. ``threads``: batches of stars drawn
    at once (the result does not depend on it). Returns DataFrames keyed 'spall',
    'bossnet', 'gaia', 'distances', 'tmass', 'truth' (the observed targets) and 'ob_sample' (every
    carton target, observed or not: the OB target sample; units: :data:`TABLE_UNITS`).
    ``with_spectra=False``: no 'spall' and 'bossnet' (the other tables are the same).
    ``sampler``: :func:`isochrone_sampler` of ``grid`` and ``params`` from an earlier call (for
    repeated calls on one grid).
    """
    p = params if isinstance(params, MockParams) else MockParams.from_overrides(params)
    if int(n_targets) < 1:
        raise MockError(f"n_targets must be >= 1, got {n_targets}")
    n_targets = int(n_targets)
    if isinstance(frame, Mapping):
        frame = frame_from_config(frame)
    rng = np.random.default_rng(seed)
    sun = sun_position_kpc(frame)
    r_sun = float(np.hypot(sun[0], sun[1]))
    noise = 1.0 if p.observational_noise else 0.0
    if sampler is None:
        sampler = _IsochroneSampler(grid, p)
    elif sampler.key != _IsochroneSampler.key_of(p):
        raise MockError("simulate_survey: the sampler was built with other IMF/boost parameters")
    n_clumps = int(round(p.clumps_per_1000_targets * n_targets / 1000)) if p.clump_fraction > 0 else 0
    clumps = _draw_clumps(rng, n_clumps, sun, p)

    # --- population and selection; the fields observed by the DR20 cut ---
    observed_cell = rng.uniform(size=n_field_cells(p)) < p.field_completion
    everyone = _draw_targets(rng, sampler, clumps, sun, n_targets, p, frame, observed_cell, threads)
    t = everyone[everyone["observed"]].reset_index(drop=True)
    t["age_myr"] = 10 ** (t["log_age"] - 6)  # log_age, feh, observables: continuous (drawn)
    t["teff"] = 10 ** t["log_teff"]
    teff, logg = t["teff"].to_numpy(), t["log_g"].to_numpy()
    n = n_targets

    # --- kinematics and astrometry ---
    kin = _kinematics(rng, t, clumps, r_sun, p)
    for k, v in kin.items():
        t[k] = v
    obs = galactocentric_to_observed(t["x"].to_numpy(), t["y"].to_numpy(), t["z"].to_numpy(),
                                     kin["vx"], kin["vy"], kin["vz"], frame)
    R, phi, v_R, v_phi = cylindrical(t["x"], t["y"], t["vx"], t["vy"])
    plx_err = t["plx_err"].to_numpy()
    pm_ratio = rng.uniform(p.pm_err_ratio_min, p.pm_err_ratio_max, (n, 2))
    pmra_err, pmdec_err = plx_err * pm_ratio[:, 0], plx_err * pm_ratio[:, 1]
    corr = rng.uniform(-p.pm_corr_max, p.pm_corr_max, n)
    e1, e2 = rng.normal(0, 1, n) * noise, rng.normal(0, 1, n) * noise
    pmra = obs["pmra"] + pmra_err * e1
    pmdec = obs["pmdec"] + pmdec_err * (corr * e1 + np.sqrt(1 - corr ** 2) * e2)

    # --- binaries, RUWE, ids ---
    is_bin = t["is_binary"].to_numpy()
    orbits = binaries.draw_orbits(rng, int(is_bin.sum()), t["initial_mass"].to_numpy()[is_bin],
                                  q=t["q"].to_numpy()[is_bin])
    tail = rng.uniform(size=n) < np.where(is_bin, p.ruwe_tail_binary, p.ruwe_tail_single)
    ruwe = np.where(tail, 1.4 * np.exp(rng.exponential(0.5, n)),
                    np.exp(rng.normal(0, p.ruwe_core_sigma, n)))
    # Gaia-like ids (HEALPix-encoded in reality, up to ~6.9e18): all above 2^53, so any float64
    # round trip of an id (e.g. a NaN-filled merge) corrupts it and a join finds nothing.
    all_ids = _unique_ids(rng, len(everyone), 30_000_000_000_000_000, 2 ** 45)
    source_id = all_ids[everyone["observed"].to_numpy()]
    ob_sample = _ob_sample(everyone, all_ids, p)
    del everyone  # every carton target: only the OB target sample needs it
    dr2_id = _unique_ids(rng, n, 30_000_000_000_000_003, 2 ** 45)
    dr2_id = np.where(dr2_id == source_id, dr2_id + 1, dr2_id)
    sdss_id = _unique_ids(rng, n, 61_000_000, 200)
    catalogid = _unique_ids(rng, n, 63_050_395_000_000_000, 10_000)

    # --- Bailer-Jones distances (pc): log-normal, correlated with the parallax error ---
    r_med, s_ln = _bj_distance(t, p)

    # --- Gaia RVS, template Teff, ESP-HS ---
    gk_true = t["G_true"] - t["Ks_true"]
    grvs = (t["G_obs"] - 0.04 - 0.45 * gk_true).to_numpy()  # ≈ Sartoretti et al. 2023 colour terms
    # rv_template_teff: the star's Teff ± 8 %, on a 250 K grid
    template = np.clip(np.round(teff * np.exp(0.08 * noise * rng.normal(0, 1, n)) / 250) * 250,
                       3100, 40000)
    has_rv = ((template <= p.gaia_rv_template_max_k) & (grvs >= 6)
              & (grvs <= np.where(template >= 7000, p.gaia_rv_grvs_max, 14.0))
              & (rng.uniform(size=n) < p.gaia_rv_completeness))
    v_gaia = obs["radial_velocity"].copy()
    if is_bin.any():
        t_gaia = rng.uniform(56863, 57901, (int(is_bin.sum()), p.gaia_rv_epochs))  # DR3 span
        v_gaia[is_bin] += binaries.radial_velocity(orbits, t_gaia).mean(axis=1)
    rv_err = np.hypot(1.5, 5.0 * 10 ** (0.2 * (grvs - 11)))
    # Blomme et al. (2023) offset, inverse of paper Eq. 3, where Eq. 3 applies
    blomme = np.where((template >= 8500) & (template <= 14500), 7.98 - 1.135 * grvs, 0.0)
    gaia_rv = np.where(has_rv, v_gaia + blomme + noise * rv_err * rng.normal(0, 1, n), np.nan)
    has_esphs = (teff > 7500) & (rng.uniform(size=n) < p.esphs_fraction)
    teff_esphs = np.where(has_esphs, teff * np.exp(noise * (p.esphs_teff_bias + p.esphs_teff_scatter
                                                            * rng.normal(0, 1, n))), np.nan)
    logg_esphs = np.where(has_esphs, logg + noise * (p.esphs_logg_bias + p.esphs_logg_scatter
                                                      * rng.normal(0, 1, n)), np.nan)
    hot_esphs = ~(teff_esphs < 10000)  # NaN (no ESP-HS) counts as hot: mwm_ob_core_boss

    # --- BOSS epochs and spectra (not needed for field stars) ---
    ids = {"source_id": source_id, "dr2_id": dr2_id, "sdss_id": sdss_id, "catalogid": catalogid}
    spectra = {}
    if with_spectra:
        spectra["spall"], spectra["bossnet"] = _spectra(rng, t, obs, is_bin, orbits, hot_esphs,
                                                        ids, p)
    f32, g_obs = np.float32, t["G_obs"].to_numpy()
    gaia = pd.DataFrame({
        "source_id": source_id, "ra": obs["ra"], "dec": obs["dec"], "l": obs["l"], "b": obs["b"],
        "parallax": t["parallax_obs"].to_numpy(), "parallax_error": plx_err.astype(f32),
        "pmra": pmra, "pmra_error": pmra_err.astype(f32), "pmdec": pmdec,
        "pmdec_error": pmdec_err.astype(f32), "pmra_pmdec_corr": corr.astype(f32),
        "ruwe": ruwe.astype(f32), "phot_g_mean_mag": g_obs.astype(f32),
        "radial_velocity": gaia_rv.astype(f32),
        "radial_velocity_error": np.where(has_rv, rv_err, np.nan).astype(f32),
        "grvs_mag": np.where(has_rv, grvs, np.nan).astype(f32),
        "rv_template_teff": np.where(has_rv, template, np.nan).astype(f32),
        "teff_esphs": teff_esphs.astype(f32), "logg_esphs": logg_esphs.astype(f32)})
    distances = pd.DataFrame({"source_id": source_id, "r_med_photogeo": r_med.astype(f32),
                              "r_lo_photogeo": (r_med * np.exp(-s_ln)).astype(f32),
                              "r_hi_photogeo": (r_med * np.exp(s_ln)).astype(f32)})
    tm_bands = (("j", "J"), ("h", "H"), ("ks", "Ks"))
    tmass = pd.DataFrame({"source_id": source_id,
                          **{f"{b}_m": t[f"{B}_obs"].to_numpy(f32) for b, B in tm_bands},
                          **{f"{b}_msigcom": t[f"{B}_err"].to_numpy(f32) for b, B in tm_bands}})

    orb = pd.DataFrame(np.nan, index=np.arange(n), columns=["period_d", "ecc", "q", "k1_kms"])
    orb.loc[is_bin, :] = orbits[["period_d", "ecc", "q", "k1_kms"]].to_numpy()
    truth = pd.DataFrame({
        "source_id": source_id, "sdss_id": sdss_id,
        "x": t["x"], "y": t["y"], "z": t["z"], "R": R, "phi": phi,
        "vx": t["vx"], "vy": t["vy"], "vz": t["vz"], "v_R": v_R, "v_phi": v_phi, "v_z": t["vz"],
        "vR_field": t["vR_field"], "vR_expected": t["vR_expected"], "distance": t["distance"],
        "parallax_true": 1 / t["distance"], "pmra_true": obs["pmra"], "pmdec_true": obs["pmdec"],
        "v_sys": obs["radial_velocity"], "age_myr": t["age_myr"], "log_age": t["log_age"],
        "feh": t["feh"], "initial_mass": t["initial_mass"], "teff": teff, "logg": logg,
        "M_G": t["M_G"], "M_Ks": t["M_Ks"], "G_true": t["G_true"], "Ks_true": t["Ks_true"],
        "A_V": t["A_V"], "A_Ks": p.ext_ks * t["A_V"], "dKs_companion": t["dM_Ks"], "is_binary": is_bin,
        **orb.to_dict("series"), "is_runaway": t["is_runaway"],
        "clump_id": t["clump_id"].astype(np.int64), "population": _population(teff, logg)})
    return {**spectra, "gaia": gaia, "distances": distances, "tmass": tmass, "truth": truth,
            "ob_sample": ob_sample}


def _spectra(rng, t: pd.DataFrame, obs: dict, is_bin, orbits: pd.DataFrame, hot_esphs, ids: dict,
             p: MockParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The targets' BOSS epochs and spectra: spAll (with ~1 % rows of other programs) and BOSS
    Net. ``t``: the observed targets; ``obs``: their observables; ``ids``: source_id, dr2_id,
    sdss_id, catalogid."""
    n, noise = len(t), 1.0 if p.observational_noise else 0.0
    teff, logg = t["teff"].to_numpy(), t["log_g"].to_numpy()
    source_id, dr2_id, sdss_id, catalogid = (ids[k] for k in ("source_id", "dr2_id", "sdss_id",
                                                               "catalogid"))
    fieldid, is3, ep = _epochs(rng, t["cell"].to_numpy(), p)
    it = ep["target"].to_numpy()
    ns = it.size
    v_los = obs["radial_velocity"][it].copy()
    bidx = np.full(n, -1)
    bidx[is_bin] = np.arange(int(is_bin.sum()))
    eb = bidx[it] >= 0
    v_los[eb] += binaries.radial_velocity(orbits.iloc[bidx[it][eb]], ep["mjd"].to_numpy()[eb])
    g_obs = t["G_obs"].to_numpy()
    # SNR ∝ √flux (fixed 15-min exposures, paper Sec. 2.3) with log-normal scatter; fibre failures
    snr = (p.snr_at_g13 * 10 ** (-0.2 * (g_obs[it] - 13.0))
           * 10 ** rng.normal(0, p.snr_scatter_dex, ns))
    snr = np.where(rng.uniform(size=ns) < p.snr_failure_fraction, snr * rng.uniform(0.03, 0.2, ns), snr)
    tt = teff[it]
    rxc = (p.rxc_at_snr20_15kk * np.sqrt(snr / 20) * np.sqrt(15000 / tt)
           * 10 ** rng.normal(0, p.rxc_scatter_dex, ns))
    erv = p.xcsao_width_kms * np.sqrt(tt / 15000) / (1 + rxc)  # Tonry & Davis 1979
    outlier = (rng.uniform(size=ns) < p.rv_outlier_fraction) * noise
    xcsao_rv = (v_los + noise * erv * rng.normal(0, 1, ns)
                + outlier * rng.choice([-1, 1], ns) * rng.uniform(20, 150, ns))
    e_bn = np.clip(p.bn_rv_err_kms * (tt / 15000) ** 0.4 * np.sqrt(20 / snr), 1.0, 200.0)
    bn_v = v_los + noise * e_bn * rng.normal(0, 1, ns)
    f_teff = np.hypot(p.bn_teff_err_floor, p.bn_teff_err_snr / snr)
    bn_teff = tt * np.exp(noise * f_teff * rng.normal(0, 1, ns))
    e_logg = np.hypot(p.bn_logg_err_floor, p.bn_logg_err_snr / snr)
    bn_logg = logg[it] + noise * e_logg * rng.normal(0, 1, ns)
    e_feh = np.hypot(0.1, 2.0 / snr)
    bn_feh = t["feh"].to_numpy()[it] + noise * e_feh * rng.normal(0, 1, ns)

    telescope = np.where(obs["dec"] >= -10.0, "apo25m", "lco25m")  # by target (fields are small)
    cadence = np.where(is3, "bright_3x1", "bright_1x1")
    carton = np.where(hot_esphs, "mwm_ob_core_boss", "mwm_astar_core_boss")
    carton = np.where(is3, carton, np.char.add(carton.astype(str), "_single"))
    f32 = np.float32
    spall = pd.DataFrame({
        "FIELD": fieldid[it], "MJD": ep["mjd"].to_numpy(np.int64),
        "OBS": np.where(telescope[it] == "apo25m", "APO", "LCO"), "RUN2D": MOCK_RUN2D,
        "SDSS_ID": sdss_id[it], "CATALOGID": catalogid[it], "PROGRAMNAME": "mwm_ob",
        "SURVEY": "mwm", "CADENCE": cadence[it], "FIRSTCARTON": carton[it], "OBJTYPE": "science",
        "SN_MEDIAN_ALL": snr.astype(f32), "XCSAO_RV": xcsao_rv.astype(f32),
        "XCSAO_ERV": erv.astype(f32), "XCSAO_RXC": rxc.astype(f32),
        "RACAT": obs["ra"][it], "DECCAT": obs["dec"][it], "COORD_EPOCH": f32(2016.0),
        "GAIA_ID": dr2_id[it], "GAIA_G_MAG": g_obs[it].astype(f32)})
    spall = pd.concat([spall, _other_programs(rng, spall, p)], ignore_index=True)
    spall = spall.sort_values(["FIELD", "MJD", "CATALOGID"], kind="stable").reset_index(drop=True)

    keep_bn = rng.uniform(size=ns) >= p.bossnet_missing_fraction
    i32 = np.int32
    bossnet = pd.DataFrame({
        "sdss_id": sdss_id[it], "gaia_dr2_source_id": dr2_id[it], "gaia_dr3_source_id": source_id[it],
        "catalogid": catalogid[it], "ra": obs["ra"][it].astype(f32), "dec": obs["dec"][it].astype(f32),
        "release": "sdss5", "filetype": "specFull", "run2d": MOCK_RUN2D,
        "mjd": ep["mjd"].to_numpy().astype(i32), "fieldid": fieldid[it].astype(i32),
        "telescope": telescope[it],
        "snr": (snr * 10 ** rng.normal(0, 0.02, ns)).astype(f32),
        "teff": bn_teff.astype(f32), "e_teff": (bn_teff * f_teff).astype(f32),
        "logg": bn_logg.astype(f32), "e_logg": e_logg.astype(f32),
        "fe_h": bn_feh.astype(f32), "e_fe_h": e_feh.astype(f32),
        "bn_v_r": bn_v.astype(f32), "e_bn_v_r": e_bn.astype(f32),
        "result_flags": np.zeros(ns, np.int64)})[keep_bn].reset_index(drop=True)

    return spall, bossnet


def _bj_distance(t: pd.DataFrame, p: MockParams) -> tuple[np.ndarray, np.ndarray]:
    """Bailer-Jones-like r_med_photogeo [pc] and its log-normal width: log-normal about the true
    distance, shifted with the parallax's own error (correlated), width capped."""
    d_kpc = t["distance"].to_numpy()
    s_ln = np.minimum(t["plx_err"].to_numpy() * d_kpc, p.bj_max_rel_error)
    return d_kpc * 1000 * np.exp(-s_ln * t["plx_eps"].to_numpy()), s_ln


def _ob_sample(everyone: pd.DataFrame, ids: np.ndarray, p: MockParams) -> pd.DataFrame:
    """The OB target sample (Zari et al. 2021): every carton target, observed or not, with its
    Gaia DR3 astrometry, G, 2MASS Ks and Bailer-Jones distance, as selected from the archive."""
    r_med, _ = _bj_distance(everyone, p)
    f32 = np.float32
    return pd.DataFrame({
        "source_id": ids, "ra": everyone["ra"].to_numpy(), "dec": everyone["dec"].to_numpy(),
        "l": everyone["l"].to_numpy(), "b": everyone["b"].to_numpy(),
        "parallax": everyone["parallax_obs"].to_numpy(),
        "parallax_error": everyone["plx_err"].to_numpy(f32),
        "phot_g_mean_mag": everyone["G_obs"].to_numpy(f32),
        "ks_m": everyone["Ks_obs"].to_numpy(f32), "r_med_photogeo": r_med.astype(f32)})


def _other_programs(rng, spall: pd.DataFrame, p: MockParams) -> pd.DataFrame:
    """~1 % spAll rows of other programs on the same fields/nights, with NaNs where they have them."""
    k = int(round(p.other_program_fraction * len(spall)))
    src = spall.iloc[rng.integers(0, len(spall), k)].reset_index(drop=True)
    prog = rng.choice(["mwm_yso", "bhm_aqmes", "mwm_wd"], k)
    carton = np.select([prog == "mwm_yso", prog == "bhm_aqmes"],
                       ["mwm_yso_disk_boss", "bhm_aqmes_med"], "mwm_wd_core")
    nan_rv = rng.uniform(size=k) < 0.5
    f32 = np.float32
    return pd.DataFrame({
        "FIELD": src["FIELD"], "MJD": src["MJD"], "OBS": src["OBS"], "RUN2D": src["RUN2D"],
        "SDSS_ID": _unique_ids(rng, k, 140_000_000, 200),
        "CATALOGID": _unique_ids(rng, k, 63_050_396_000_000_000, 10_000),
        "PROGRAMNAME": prog, "SURVEY": np.where(prog == "bhm_aqmes", "bhm", "mwm"),
        "CADENCE": "dark_2x1", "FIRSTCARTON": carton, "OBJTYPE": "science",
        "SN_MEDIAN_ALL": rng.uniform(1, 30, k).astype(f32),
        "XCSAO_RV": np.where(nan_rv, np.nan, rng.normal(0, 50, k)).astype(f32),
        "XCSAO_ERV": np.where(nan_rv, np.nan, rng.uniform(2, 30, k)).astype(f32),
        "XCSAO_RXC": np.where(nan_rv, np.nan, rng.uniform(1, 20, k)).astype(f32),
        "RACAT": np.where(rng.uniform(size=k) < 0.2, np.nan, src["RACAT"] + rng.normal(0, 0.5, k)),
        "DECCAT": src["DECCAT"], "COORD_EPOCH": f32(2016.0), "GAIA_ID": np.int64(-999),
        "GAIA_G_MAG": np.full(k, np.nan, f32)})


TABLE_UNITS: dict[str, dict[str, str]] = {
    "spall": {"RACAT": "deg", "DECCAT": "deg", "XCSAO_RV": "km/s", "XCSAO_ERV": "km/s"},
    # log g and [Fe/H] (log10(cm/s^2), dex) have no FITS unit: left blank, as readers assume.
    "bossnet": {"ra": "deg", "dec": "deg", "teff": "K", "e_teff": "K", "bn_v_r": "km/s",
                "e_bn_v_r": "km/s"},
    "gaia": {"ra": "deg", "dec": "deg", "l": "deg", "b": "deg", "parallax": "mas",
             "parallax_error": "mas", "pmra": "mas/yr", "pmra_error": "mas/yr", "pmdec": "mas/yr",
             "pmdec_error": "mas/yr", "phot_g_mean_mag": "mag", "radial_velocity": "km/s",
             "radial_velocity_error": "km/s", "grvs_mag": "mag", "rv_template_teff": "K",
             "teff_esphs": "K", "logg_esphs": "log(cm.s**-2)"},
    "distances": {"r_med_photogeo": "pc", "r_lo_photogeo": "pc", "r_hi_photogeo": "pc"},
    "ob_sample": {"ra": "deg", "dec": "deg", "l": "deg", "b": "deg", "parallax": "mas",
                  "parallax_error": "mas", "phot_g_mean_mag": "mag", "ks_m": "mag",
                  "r_med_photogeo": "pc"},
    "tmass": {"j_m": "mag", "h_m": "mag", "ks_m": "mag", "j_msigcom": "mag", "h_msigcom": "mag",
              "ks_msigcom": "mag"},
    "truth": {"x": "kpc", "y": "kpc", "z": "kpc", "R": "kpc", "phi": "deg", "vx": "km/s",
              "vy": "km/s", "vz": "km/s", "v_R": "km/s", "v_phi": "km/s", "v_z": "km/s",
              "vR_field": "km/s", "vR_expected": "km/s", "distance": "kpc",
              "parallax_true": "mas", "pmra_true": "mas/yr",
              "pmdec_true": "mas/yr", "v_sys": "km/s", "age_myr": "Myr", "log_age": "dex(yr)",
              "feh": "dex", "initial_mass": "solMass", "teff": "K", "logg": "dex(cm s-2)",
              "M_G": "mag", "M_Ks": "mag", "G_true": "mag", "Ks_true": "mag", "A_V": "mag",
              "A_Ks": "mag", "dKs_companion": "mag", "period_d": "d", "k1_kms": "km/s"},
}


SURVEY_PRODUCTS = ("spall", "bossnet", "gaia", "distances", "tmass", "truth", "ob_sample")


def write_survey(tables: Mapping[str, pd.DataFrame], paths: Mapping[str, str], seed: int,
                 n_targets: int, *, release: bool = False) -> None:
    """Write the :func:`simulate_survey` tables to ``paths`` (keys of :data:`SURVEY_PRODUCTS`).

    Formats follow the suffixes (spAll and BOSS Net as FITS, the rest Parquet/CSV) through
    :func:`hotstars.io.tables.write_table`, with :data:`TABLE_UNITS`. spAll's table HDU is named
    SPALL, as in the real file (HDU 0 an empty primary). The largest tables are written last;
    ``release``: drop each table from ``tables`` (a dict) once written, so that the largest is
    converted without the others in memory.
    """
    missing = [k for k in SURVEY_PRODUCTS if k not in paths]
    if missing:
        raise MockError(f"write_survey: no output path for {missing}")
    for key in sorted(SURVEY_PRODUCTS, key=lambda k: tables[k].memory_usage(deep=False).sum()):
        meta = {"MOCKSEED": int(seed), "NTARGETS": int(n_targets), "ORIGIN": "hotstars mock survey"}
        if key == "spall":
            meta["EXTNAME"] = "SPALL"
        write_table(tables[key], paths[key], units=TABLE_UNITS[key], meta=meta)
        if release:
            del tables[key]
