"""APOGEE DR17 astroNN giants (paper Sec. 4.3, App. D): the disc-giant selection with the
Toomre-diagram cut, and the v̄_R map of Fig. 13. The file is read by :mod:`hotstars.io.apogee`.

Frame (docs/conventions.md, Comparisons; paper App. D): astroNN's own. The VAC's galr, galphi,
galz, galvr, galvt, galvz were computed with galpy (henrysky/astroNN_APOGEE_VAC,
4_orbital_parameters.py) for R0 = 8.125 kpc, z0 = 20.8 pc and a solar motion of v_R = -11.1, v_T =
242, v_z = 7.25 km/s. They are taken as given, not recomputed. galpy's frame has the Sun at x =
+R0, y toward l = 90 deg and phi = atan2(y, x), so galphi is our azimuth phi = atan2(Y, -X) (0 at
the Sun, increasing toward l = 90 deg) and, in the paper's orientation (Sun at X = -R0, +Y toward l
= 90 deg): X = -galr cos(galphi), Y = galr sin(galphi), v_R = galvr (outward > 0), v_phi = galvt
(about +240 km/s in the disc). The Sun's Cartesian velocity in that orientation is (11.1, 242,
7.25) km/s (:data:`ASTRONN_V_SUN`: toward the GC, toward rotation, toward the NGP).

Toomre velocities (App. D, Fig. D.1): U, V, W = the star's Galactocentric Cartesian velocity
minus the Sun's, on the axes toward the GC, toward l = 90 deg and toward the NGP (velocities
relative to the Sun; the 2.6 mrad tilt from z0 is neglected). Disc stars have V ≈ 0 and halo stars
V ≈ -240 km/s; the paper's cut (-600 < V < 200, √(U² + W²) < 400 km/s) only removes outliers.

Conventions of this module (not stated by the paper):
- one row per APOGEE_ID (the reader keeps the one with the smallest dist_error/dist);
- |b| is computed from RA_APOGEE/DEC_APOGEE (the VAC has no l, b);
- all cuts are strict inequalities, as the paper writes them; a NaN fails every cut;
- R < 5 kpc is masked by dropping the spaxels whose centre has R < ``r_mask_kpc``.
"""

from __future__ import annotations

import logging
from typing import Sequence

import numpy as np
import pandas as pd

from hotstars import maps
from hotstars.errors import HotstarsError, require_columns
from hotstars.frame import cartesian_velocity, galactic_lb
from hotstars.io.apogee import (  # noqa: F401 (the frame constants belong to the apogee API too)
    ASTRONN_R_SUN_KPC, ASTRONN_SPEC, ASTRONN_V_SUN, ASTRONN_Z_SUN_PC)

log = logging.getLogger(__name__)


STAR_UNITS = {"ra": "deg", "dec": "deg", "l": "deg", "b": "deg", "dist": "pc",
              "dist_error": "pc", "teff": "K", "logg": "dex", "x": "kpc", "y": "kpc", "z": "kpc",
              "R": "kpc", "phi": "deg", "v_R": "km / s", "v_phi": "km / s", "v_z": "km / s",
              "v_R_err": "km / s", "U": "km / s", "V": "km / s", "W": "km / s"}
FLAGS = ("in_plane", "dist_ok", "giant", "toomre_ok")


class ApogeeError(HotstarsError):
    """A table handed to the APOGEE functions breaks their contract."""


# --- frame and Toomre velocities --------------------------------------------------------------

def plane_xy(galr, galphi) -> tuple[np.ndarray, np.ndarray]:
    """(X, Y) [kpc] in the paper's orientation from galpy's (R [kpc], phi [rad]) (module doc)."""
    r, p = np.asarray(galr, float), np.asarray(galphi, float)
    return -r * np.cos(p), r * np.sin(p)


def toomre_uvw(x, y, v_r, v_phi, v_z, v_sun_kms: Sequence[float] = ASTRONN_V_SUN):
    """Velocities relative to the Sun (U toward the GC, V toward l = 90 deg, W toward the NGP),
    km/s, from Galactocentric positions (kpc, Sun at X < 0) and cylindrical velocities
    (docs/conventions.md, Kinematics: v_R = (X v_X + Y v_Y)/R, v_phi = (Y v_X - X v_Y)/R, inverted)
    minus the Sun's Cartesian velocity.
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    v_r, v_phi, v_z = (np.asarray(a, float) for a in (v_r, v_phi, v_z))
    v_x, v_y = cartesian_velocity(x, y, v_r, v_phi)
    us, vs, ws = map(float, v_sun_kms)
    return v_x - us, v_y - vs, v_z - ws


def toomre_ok(u_kms, v_kms, w_kms, v_range_kms: Sequence[float] = (-600.0, 200.0),
              uw_max_kms: float = 400.0) -> np.ndarray:
    """App. D disc kinematics: lo < V < hi and √(U² + W²) < uw_max (km/s, strict; NaN fails)."""
    lo, hi = map(float, v_range_kms)
    if not lo < hi:
        raise ApogeeError(f"Toomre V range: expected lo < hi, got {v_range_kms}")
    u_, v_, w_ = (np.asarray(a, float) for a in (u_kms, v_kms, w_kms))
    with np.errstate(invalid="ignore"):
        return (v_ > lo) & (v_ < hi) & (np.hypot(u_, w_) < uw_max_kms)


def giant_cuts(b_deg, dist, dist_error, teff, logg, *, b_max_deg: float = 10.0,
               dist_rel_error_max: float = 0.3, teff_k: Sequence[float] = (3500.0, 5000.0),
               logg_max: float = 3.6) -> dict[str, np.ndarray]:
    """App. D cuts 1-3 (Hackshaw et al. 2024), strict, NaN fails: in_plane |b| < b_max [deg];
    dist_ok dist_error/dist < max (dist > 0); giant teff_lo < Teff < teff_hi [K] and log g < max."""
    b, d, de, t, g = (np.asarray(a, float) for a in (b_deg, dist, dist_error, teff, logg))
    t_lo, t_hi = map(float, teff_k)
    with np.errstate(invalid="ignore", divide="ignore"):
        return {"in_plane": np.abs(b) < b_max_deg,
                "dist_ok": (d > 0) & (de / d < dist_rel_error_max),
                "giant": (t > t_lo) & (t < t_hi) & (g < logg_max)}


def select_disc_giants(vac: pd.DataFrame, *, b_max_deg: float = 10.0,
                       dist_rel_error_max: float = 0.3,
                       teff_k: Sequence[float] = (3500.0, 5000.0), logg_max: float = 3.6,
                       toomre_v_kms: Sequence[float] = (-600.0, 200.0),
                       toomre_uw_max_kms: float = 400.0,
                       v_sun_kms: Sequence[float] = ASTRONN_V_SUN,
                       r_sun_kpc: float = ASTRONN_R_SUN_KPC) -> pd.DataFrame:
    """Every VAC star with the App. D flags and its kinematics in the paper's orientation.

    ``vac``: :func:`hotstars.io.apogee.read_astronn` output. Returns apogee_id, ra, dec, l, b, dist, dist_error, teff,
    logg, x, y, z, R, phi [deg], v_R, v_phi, v_z, v_R_err, U, V, W (:data:`STAR_UNITS`), the flags
    :data:`FLAGS` and ``selected`` (all four). ``attrs["counts"]`` holds the cut-flow (cuts applied
    in the paper's order). A consistency check of (X, Y) against (RA, Dec, dist) with
    ``r_sun_kpc`` is logged (a wrong azimuth convention in the file would show there).
    """
    require_columns(vac, ASTRONN_SPEC.names, "astroNN table", ApogeeError)
    ra, dec = vac["ra_apogee"].to_numpy(float), vac["dec_apogee"].to_numpy(float)
    lon, lat = galactic_lb(ra, dec)
    x, y = plane_xy(vac["galr"], vac["galphi"])
    v_r, v_phi, v_z = (vac[c].to_numpy(float) for c in ("galvr", "galvt", "galvz"))
    uu, vv, ww = toomre_uvw(x, y, v_r, v_phi, v_z, v_sun_kms)
    out = pd.DataFrame({
        "apogee_id": vac["apogee_id"].to_numpy(), "ra": ra, "dec": dec, "l": lon, "b": lat,
        "dist": vac["dist"].to_numpy(float), "dist_error": vac["dist_error"].to_numpy(float),
        "teff": vac["teff"].to_numpy(float), "logg": vac["logg"].to_numpy(float),
        "x": x, "y": y, "z": vac["galz"].to_numpy(float), "R": vac["galr"].to_numpy(float),
        "phi": np.degrees(vac["galphi"].to_numpy(float)), "v_R": v_r, "v_phi": v_phi, "v_z": v_z,
        "v_R_err": vac["galvr_err"].to_numpy(float), "U": uu, "V": vv, "W": ww})
    flags = giant_cuts(lat, out["dist"], out["dist_error"], out["teff"], out["logg"],
                       b_max_deg=b_max_deg, dist_rel_error_max=dist_rel_error_max, teff_k=teff_k,
                       logg_max=logg_max)
    flags["toomre_ok"] = toomre_ok(uu, vv, ww, toomre_v_kms, toomre_uw_max_kms)
    keep = np.ones(len(out), bool)
    counts = {"n_input": len(out)}
    for name in FLAGS:
        out[name] = flags[name]
        keep &= flags[name]
        counts[f"n_{name}"] = int(keep.sum())
    out["selected"] = keep
    out.attrs["counts"] = counts
    log.info("App. D cut-flow: %s", counts)
    _log_position_check(out, r_sun_kpc)
    return out


def _log_position_check(stars: pd.DataFrame, r_sun_kpc: float) -> None:
    """Compare (X, Y) from galr/galphi with (X, Y) from (l, b, dist) and R0 (log only)."""
    d = stars["dist"].to_numpy(float) / 1000.0
    lon, lat = np.radians(stars["l"].to_numpy(float)), np.radians(stars["b"].to_numpy(float))
    dx = stars["x"].to_numpy(float) - (-r_sun_kpc + d * np.cos(lat) * np.cos(lon))
    dy = stars["y"].to_numpy(float) - d * np.cos(lat) * np.sin(lon)
    off = np.hypot(dx, dy)
    ok = np.isfinite(off)
    if ok.any():
        log.info("galr/galphi vs (RA, Dec, dist): median offset %.3f kpc, %.2f %% of %d stars off "
                 "by > 0.5 kpc", np.median(off[ok]), 100 * np.mean(off[ok] > 0.5), ok.sum())


def toomre_table(stars: pd.DataFrame) -> pd.DataFrame:
    """The stars passing cuts 1-3 (those of the Toomre diagram, Fig. D.1) with their positions,
    velocities and the last two flags: a compact product (the full VAC has 0.7 M rows)."""
    base = stars[["in_plane", "dist_ok", "giant"]].all(axis=1).to_numpy()
    cols = ["apogee_id", "l", "b", "dist", "x", "y", "z", "R", "v_R", "v_phi", "v_z", "v_R_err",
            "U", "V", "W", "in_plane", "dist_ok", "giant", "toomre_ok", "selected"]
    return stars.loc[base, cols].reset_index(drop=True)


# --- map ---------------------------------------------------------------------------------------

def vr_map(stars: pd.DataFrame, size_kpc: float, min_stars: int = 6, sigma_max: float = 300.0,
           r_mask_kpc: float = 5.0) -> pd.DataFrame:
    """Fig. 13: Eq. 4 mean v_R map (:func:`hotstars.maps.vr_map`) of the selected stars with finite
    x, y, v_R and v_R_err > 0; spaxels whose centre lies at R < ``r_mask_kpc`` are dropped (the
    bar region). ``attrs["counts"]``: n_selected, n_mapped (stars with usable velocities),
    n_spaxels, n_spaxels_masked."""
    sel = stars["selected"].to_numpy(bool)
    x, y, v, e = (stars[c].to_numpy(float) for c in ("x", "y", "v_R", "v_R_err"))
    with np.errstate(invalid="ignore"):
        use = sel & np.isfinite(x) & np.isfinite(y) & maps.usable_velocities(v, e)
    out = maps.vr_map(x[use], y[use], v[use], e[use], size_kpc, min_stars, sigma_max)
    masked = np.hypot(out["x_center"], out["y_center"]).to_numpy() < r_mask_kpc
    out = out.loc[~masked].reset_index(drop=True)
    out.attrs["counts"] = {"n_selected": int(sel.sum()), "n_mapped": int(use.sum()),
                           "n_spaxels": len(out), "n_spaxels_masked": int(masked.sum())}
    log.info("APOGEE v_R map: %s", out.attrs["counts"])
    return out


def fig13_map(stars: pd.DataFrame, size_kpc: float, min_stars: int = 6, sigma_max: float = 300.0,
              r_mask_kpc: float = 5.0, max_err_kms: float = 5.0) -> pd.DataFrame:
    """Fig. 13 map: :func:`vr_map`'s Eq. 4 spaxels, masked ones kept and flagged.

    Columns: those of :func:`hotstars.maps.vr_map` plus ``in_mask`` (centre at R <
    ``r_mask_kpc``), ``precise`` (σ_R/√N < ``max_err_kms``: the paper's App. B error of the mean,
    ``vR_mean_err_sqrtn``) and ``plotted`` (not in_mask and precise). Why a precision cut: the
    error of a spaxel mean, σ_R/√N (App. B), is ~37/√6 ≈ 15 km/s at N = 6, as large as the
    whole signal, so only spaxels whose error is well below the v̄_R pattern are shown.
    ``attrs["counts"]``: n_selected, n_mapped, n_in_spaxels (stars in spaxels with N >=
    min_stars), n_in_mask, n_imprecise, n_plotted (stars), n_spaxels_plotted.
    """
    sel = stars["selected"].to_numpy(bool)
    x, y, v, e = (stars[c].to_numpy(float) for c in ("x", "y", "v_R", "v_R_err"))
    with np.errstate(invalid="ignore"):
        use = sel & np.isfinite(x) & np.isfinite(y) & maps.usable_velocities(v, e)
    out = maps.vr_map(x[use], y[use], v[use], e[use], size_kpc, min_stars, sigma_max)
    out["in_mask"] = np.hypot(out["x_center"], out["y_center"]).to_numpy() < r_mask_kpc
    with np.errstate(invalid="ignore"):
        out["precise"] = out["vR_mean_err_sqrtn"].to_numpy(float) < max_err_kms
    out["plotted"] = ~out["in_mask"] & out["precise"]
    n = out["n_stars"].to_numpy(int)
    out.attrs["counts"] = {
        "n_selected": int(sel.sum()), "n_mapped": int(use.sum()), "n_in_spaxels": int(n.sum()),
        "n_in_mask": int(n[out["in_mask"]].sum()),
        "n_imprecise": int(n[~out["in_mask"] & ~out["precise"]].sum()),
        "n_plotted": int(n[out["plotted"]].sum()), "n_spaxels_plotted": int(out["plotted"].sum())}
    log.info("APOGEE Fig. 13 map (%.0f pc, error < %g km/s): %s", 1000 * size_kpc, max_err_kms,
             out.attrs["counts"])
    return out


def noise_free_amplitude(v_mean, err) -> float:
    """RMS of the v̄_R pattern with the noise removed: √(var(v̄_R) − ⟨err²⟩) over the spaxels
    given (the excess variance, Vaughan et al. 2003, MNRAS 345, 1271, Eq. 8: the observed variance
    of the spaxel means is the signal's plus the mean squared error of a mean). NaN when the
    excess is negative (no signal above the noise) or fewer than 3 spaxels."""
    v, e = np.asarray(v_mean, float), np.asarray(err, float)
    ok = np.isfinite(v) & np.isfinite(e)
    if ok.sum() < 3:
        return float("nan")
    excess = np.var(v[ok], ddof=1) - np.mean(e[ok] ** 2)
    return float(np.sqrt(excess)) if excess > 0 else float("nan")


# The error used to remove the noise: the Eq. 4 posterior std of the mean marginalised over
# sigma_R (hotstars.maps), calibrated also at the HSS's small N where sigma_R / sqrt(N) is not.
AMPLITUDE_ERR = "vR_mean_err_marg"


def summary_numbers(stars: pd.DataFrame, vr: pd.DataFrame,
                    hss_vr: pd.DataFrame | None = None) -> dict[str, float]:
    """Sec. 4.3 / App. B numbers over the plotted spaxels of ``vr`` (:func:`fig13_map`; all rows
    without a ``plotted`` column): selected stars, spread of v̄_R (p05, p95), median σ_R, the
    noise-free amplitude (:func:`noise_free_amplitude` with :data:`AMPLITUDE_ERR`), and against
    ``hss_vr`` (the Fig. 7 map, every spaxel) the HSS/APOGEE ratio of the p95 - p05 spreads
    (noisy: both widened by the errors) and of the noise-free amplitudes (paper: APOGEE's
    variations "lower by a factor of about 3")."""
    if "plotted" in vr.columns:
        vr = vr.loc[vr["plotted"].to_numpy(bool)]
    v = vr["vR_mean"].to_numpy(float)
    p05, p95 = (float(np.percentile(v, q)) if v.size else float("nan") for q in (5, 95))
    amp = noise_free_amplitude(v, vr[AMPLITUDE_ERR]) if len(vr) else float("nan")
    out = {"comparisons.apogee.n_selected": int(stars["selected"].sum()),
           "comparisons.apogee.n_spaxels_vR": len(vr),
           "comparisons.apogee.n_stars_plotted": int(vr["n_stars"].sum()),
           "comparisons.apogee.vR_mean_p05_kms": p05, "comparisons.apogee.vR_mean_p95_kms": p95,
           "comparisons.apogee.median_sigma_R_kms": float(vr["sigma_R"].median()),
           "comparisons.apogee.vR_amplitude_kms": amp}
    if hss_vr is not None:
        h = hss_vr["vR_mean"].to_numpy(float)
        spread = np.percentile(h, 95) - np.percentile(h, 5) if h.size else np.nan
        out["comparisons.apogee.hss_to_apogee_vR_spread"] = float(spread / (p95 - p05))
        hss_amp = noise_free_amplitude(h, hss_vr[AMPLITUDE_ERR]) if h.size else float("nan")
        out["comparisons.apogee.hss_vR_amplitude_kms"] = hss_amp
        out["comparisons.apogee.hss_to_apogee_vR_amplitude"] = float(hss_amp / amp)
    return out
