"""APOGEE DR17 astroNN value-added catalogue: reader, the App. D disc-giant selection (with the
Toomre-diagram cut), the v̄_R map of Fig. 13, and an astroNN-format mock of old giants.

Frame (PAPER.md, Comparisons; paper App. D): astroNN's own. The VAC's galr, galphi, galz, galvr,
galvt, galvz were computed with galpy (henrysky/astroNN_APOGEE_VAC, 4_orbital_parameters.py) for
R0 = 8.125 kpc, z0 = 20.8 pc and a solar motion of v_R = -11.1, v_T = 242, v_z = 7.25 km/s. They are
taken as given, not recomputed. galpy's frame has the Sun at x = +R0, y toward l = 90 deg and
phi = atan2(y, x), so galphi is our azimuth phi = atan2(Y, -X) (0 at the Sun, increasing toward
l = 90 deg) and, in the paper's orientation (Sun at X = -R0, +Y toward l = 90 deg):
X = -galr cos(galphi), Y = galr sin(galphi), v_R = galvr (outward > 0), v_phi = galvt (about
+240 km/s in the disc). The Sun's Cartesian velocity in that orientation is (11.1, 242, 7.25) km/s
(:data:`ASTRONN_V_SUN`: toward the GC, toward rotation, toward the NGP).

Toomre velocities (App. D, Fig. D.1): U, V, W = the star's Galactocentric Cartesian velocity
minus the Sun's, on the axes toward the GC, toward l = 90 deg and toward the NGP (velocities
relative to the Sun; the 2.6 mrad tilt from z0 is neglected). Disc stars have V ≈ 0 and halo stars
V ≈ -240 km/s; the paper's cut (-600 < V < 200, √(U² + W²) < 400 km/s) only removes outliers.

Conventions of this module (not stated by the paper):
- the VAC has one row per allStar entry, so a star observed in several fields or with both
  telescopes repeats: one row per APOGEE_ID is kept, the one with the smallest dist_error/dist;
- |b| is computed from RA_APOGEE/DEC_APOGEE (the VAC has no l, b);
- all cuts are strict inequalities, as the paper writes them; a NaN fails every cut;
- R < 5 kpc is masked by dropping the spaxels whose centre has R < ``r_mask_kpc``.
"""

from __future__ import annotations

import logging
from typing import Sequence

import astropy.units as u
import numpy as np
import pandas as pd
from astropy.coordinates import ICRS, Galactic
from astropy.table import Table

from hotstars import maps
from hotstars.frame import galactocentric_frame
from hotstars.io import ColumnSpec, InputSpec, read_input
from hotstars.mock import galactocentric_to_observed
from hotstars.tables import atomic_path

log = logging.getLogger(__name__)

#: astroNN's solar parameters (paper App. D; astroNN_APOGEE_VAC config.py and the DR17 datamodel).
ASTRONN_R_SUN_KPC = 8.125
ASTRONN_Z_SUN_PC = 20.8
#: Cartesian solar velocity (toward the GC, toward rotation, toward the NGP), km/s: the Sun's
#: cylindrical v_R = -11.1 km/s is a motion toward the GC.
ASTRONN_V_SUN = (11.1, 242.0, 7.25)

_LOGG_UNITS = ("log10(cm/s^2)", "log(cm/s^2)", "log(cm.s**-2)", "log10(cm.s**-2)", "cm/s^2",
               "dex(cm/s2)", "[cm/s2]")
_c = ColumnSpec

#: The VAC columns used (DR17 names, matched case-insensitively; shared/data/datamodel list).
ASTRONN_SPEC = InputSpec("apogee_astronn", (
    _c("apogee_id", "str"), _c("telescope", "str"), _c("location_id", "int"),
    _c("ra_apogee", "float", "deg", aliases=("ra",)),
    _c("dec_apogee", "float", "deg", aliases=("dec",)),
    _c("teff", "float", "K"), _c("logg", "float", "dex", unit_aliases=_LOGG_UNITS),
    _c("dist", "float", "pc"), _c("dist_error", "float", "pc"),
    _c("galr", "float", "kpc"), _c("galphi", "float", "rad"), _c("galz", "float", "kpc"),
    _c("galvr", "float", "km / s"), _c("galvt", "float", "km / s"), _c("galvz", "float", "km / s"),
    _c("galvr_err", "float", "km / s"),
), key=("apogee_id", "telescope", "location_id"))

STAR_UNITS = {"ra": "deg", "dec": "deg", "l": "deg", "b": "deg", "dist": "pc",
              "dist_error": "pc", "teff": "K", "logg": "dex", "x": "kpc", "y": "kpc", "z": "kpc",
              "R": "kpc", "phi": "deg", "v_R": "km / s", "v_phi": "km / s", "v_z": "km / s",
              "v_R_err": "km / s", "U": "km / s", "V": "km / s", "W": "km / s"}
FLAGS = ("in_plane", "dist_ok", "giant", "toomre_ok")


class ApogeeError(ValueError):
    """A table handed to the APOGEE functions breaks their contract."""


# --- reading ----------------------------------------------------------------------------------

def read_astronn(path, hdu: int | str = 1) -> pd.DataFrame:
    """The astroNN DR17 VAC columns of :data:`ASTRONN_SPEC` (FITS, Parquet or CSV; names
    case-insensitive; file units converted: dist/dist_error in pc, galr/galz kpc, galphi rad,
    velocities km/s), one row per APOGEE_ID (see :func:`unique_stars`).

    Raises :class:`hotstars.io.InputError` naming the file and the column on a broken contract.
    """
    df = read_input(path, ASTRONN_SPEC, hdu=hdu)
    return unique_stars(df, str(path))


def unique_stars(df: pd.DataFrame, what: str = "astroNN VAC") -> pd.DataFrame:
    """One row per apogee_id: the one with the smallest dist_error/dist (NaN last, then first)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = (df["dist_error"] / df["dist"]).to_numpy(float)
    order = np.lexsort((np.arange(len(df)), np.where(np.isfinite(rel), rel, np.inf)))
    out = df.iloc[order].drop_duplicates("apogee_id", keep="first").sort_index()
    if len(out) < len(df):
        log.info("%s: %d repeated APOGEE_ID rows dropped (kept the smallest dist_error/dist)",
                 what, len(df) - len(out))
    return out.reset_index(drop=True)


# --- frame and Toomre velocities --------------------------------------------------------------

def plane_xy(galr, galphi) -> tuple[np.ndarray, np.ndarray]:
    """(X, Y) [kpc] in the paper's orientation from galpy's (R [kpc], phi [rad]) (module doc)."""
    r, p = np.asarray(galr, float), np.asarray(galphi, float)
    return -r * np.cos(p), r * np.sin(p)


def toomre_uvw(x, y, v_r, v_phi, v_z, v_sun_kms: Sequence[float] = ASTRONN_V_SUN):
    """Velocities relative to the Sun (U toward the GC, V toward l = 90 deg, W toward the NGP),
    km/s, from Galactocentric positions (kpc, Sun at X < 0) and cylindrical velocities (PAPER.md:
    v_R = (X v_X + Y v_Y)/R, v_phi = (Y v_X - X v_Y)/R, inverted) minus the Sun's Cartesian
    velocity.
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    v_r, v_phi, v_z = (np.asarray(a, float) for a in (v_r, v_phi, v_z))
    r = np.hypot(x, y)
    v_x = (x * v_r + y * v_phi) / r
    v_y = (y * v_r - x * v_phi) / r
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


def galactic_lb(ra_deg, dec_deg) -> tuple[np.ndarray, np.ndarray]:
    """Galactic (l, b) [deg] of ICRS (ra, dec) [deg] through astropy; NaN in, NaN out."""
    ra, dec = np.asarray(ra_deg, float), np.asarray(dec_deg, float)
    ok = np.isfinite(ra) & np.isfinite(dec)
    lon, lat = np.full(ra.shape, np.nan), np.full(ra.shape, np.nan)
    gal = ICRS(ra=ra[ok] * u.deg, dec=dec[ok] * u.deg).transform_to(Galactic())
    lon[ok], lat[ok] = gal.l.to_value(u.deg), gal.b.to_value(u.deg)
    return lon, lat


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

    ``vac``: :func:`read_astronn` output. Returns apogee_id, ra, dec, l, b, dist, dist_error, teff,
    logg, x, y, z, R, phi [deg], v_R, v_phi, v_z, v_R_err, U, V, W (:data:`STAR_UNITS`), the flags
    :data:`FLAGS` and ``selected`` (all four). ``attrs["counts"]`` holds the cut-flow (cuts applied
    in the paper's order). A consistency check of (X, Y) against (RA, Dec, dist) with
    ``r_sun_kpc`` is logged (a wrong azimuth convention in the file would show there).
    """
    need = [c.name for c in ASTRONN_SPEC.columns]
    missing = [c for c in need if c not in vac.columns]
    if missing:
        raise ApogeeError(f"astroNN table: missing column(s) {missing}")
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


def summary_numbers(stars: pd.DataFrame, vr: pd.DataFrame,
                    hss_vr: pd.DataFrame | None = None) -> dict[str, float]:
    """Sec. 4.3 / App. B numbers: selected stars, spread of v̄_R (p05, p95), median σ_R, and the
    ratio of the HSS v̄_R spread (p95 - p05) to the APOGEE one (paper: "lower by a factor of
    about 3")."""
    v = vr["vR_mean"].to_numpy(float)
    p05, p95 = (float(np.percentile(v, q)) if v.size else float("nan") for q in (5, 95))
    out = {"comparisons.apogee.n_selected": int(stars["selected"].sum()),
           "comparisons.apogee.n_spaxels_vR": len(vr),
           "comparisons.apogee.vR_mean_p05_kms": p05, "comparisons.apogee.vR_mean_p95_kms": p95,
           "comparisons.apogee.median_sigma_R_kms": float(vr["sigma_R"].median())}
    if hss_vr is not None:
        h = hss_vr["vR_mean"].to_numpy(float)
        spread = np.percentile(h, 95) - np.percentile(h, 5) if h.size else np.nan
        out["comparisons.apogee.hss_to_apogee_vR_spread"] = float(spread / (p95 - p05))
    return out


# --- mock ----------------------------------------------------------------------------------------

def mock_mean_vr(x, y, amplitude_kms: float = 10.0, pitch_deg: float = 12.0,
                 bar_amplitude_kms: float = 20.0, bar_angle_deg: float = 30.0) -> np.ndarray:
    """The mock's injected mean v_R [km/s] at (X, Y) [kpc] (paper's orientation).

    A two-armed log-spiral wave A cos(2 [φ - ln(R / 8.125 kpc)/tan p]) (an Eilers et al. 2020-like
    pattern of ~10 km/s) plus a bar quadrupole B exp(-(R - 3)²/4.5) sin(2 (φ - φ_bar)) confined to
    R ≲ 5 kpc (the masked region); φ = atan2(Y, -X) in rad.
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    r, phi = np.hypot(x, y), np.arctan2(y, -x)
    spiral = amplitude_kms * np.cos(2 * (phi - np.log(r / ASTRONN_R_SUN_KPC)
                                         / np.tan(np.radians(pitch_deg))))
    bar = bar_amplitude_kms * np.exp(-((r - 3.0) ** 2) / 4.5) * np.sin(
        2 * (phi - np.radians(bar_angle_deg)))
    return spiral + bar


def simulate_astronn(n_stars: int, seed: int, d_max_kpc: float = 7.0,
                     halo_fraction: float = 0.03, outlier_fraction: float = 0.005,
                     dwarf_fraction: float = 0.12, repeat_fraction: float = 0.01) -> pd.DataFrame:
    """An astroNN-DR17-format table of mock APOGEE stars (DR17 column names and cases).

    Old disc giants: exponential disc (R_d = 2.6 kpc, R in 0.5-16 kpc, |z| scale 0.3 kpc) seen
    with a probability e^(-d / 2.5 kpc) within ``d_max_kpc`` of the Sun (a magnitude-limited
    survey); σ_(R, φ, z) = (35, 25, 20) km/s about v_φ = 230 (1 - e^(-R/1.2 kpc))
    - 15 km/s and v̄_R = :func:`mock_mean_vr`. Also a non-rotating halo (σ = 150 km/s), velocity
    outliers (400-800 km/s, removed by the Toomre cut), dwarfs (log g > 3.8), some stars cooler
    than 3500 K or hotter than 5000 K, relative distance errors 2-45 %, and ``repeat_fraction``
    stars repeated as a second telescope's row. Positions are exact; velocities carry Gaussian
    errors galv*_err. RA/DEC, dist, pmra/pmdec and VHELIO_AVG are consistent with astroNN's frame.
    """
    rng = np.random.default_rng(seed)
    r0 = ASTRONN_R_SUN_KPC
    # positions: exponential disc by rejection to d < d_max (Sun at X = -R0)
    xs, ys = [], []
    while sum(map(len, xs)) < n_stars:
        r = rng.gamma(2.0, 2.6, 4 * n_stars)  # Σ ∝ e^(-R/R_d): p(R) ∝ R e^(-R/R_d)
        ph = rng.uniform(-np.pi, np.pi, r.size)
        x, y = -r * np.cos(ph), r * np.sin(ph)
        d = np.hypot(x + r0, y)
        ok = (r > 0.5) & (r < 16.0) & (d < d_max_kpc) & (rng.random(r.size) < np.exp(-d / 2.5))
        xs.append(x[ok])
        ys.append(y[ok])
    x, y = np.concatenate(xs)[:n_stars], np.concatenate(ys)[:n_stars]
    z = rng.laplace(0.0, 0.3, n_stars)
    r, phi = np.hypot(x, y), np.arctan2(y, -x)
    kind = rng.choice(4, n_stars, p=[1 - halo_fraction - outlier_fraction - dwarf_fraction,
                                     halo_fraction, outlier_fraction, dwarf_fraction])
    v_r = mock_mean_vr(x, y) + rng.normal(0, 35, n_stars)
    v_phi = 230 * (1 - np.exp(-r / 1.2)) - 15 + rng.normal(0, 25, n_stars)
    v_z = rng.normal(0, 20, n_stars)
    halo = kind == 1
    v_r[halo], v_phi[halo], v_z[halo] = rng.normal(0, 150, (3, halo.sum()))
    out = kind == 2
    speed = rng.uniform(400, 800, out.sum())
    direction = rng.normal(size=(3, out.sum()))
    direction /= np.linalg.norm(direction, axis=0)
    v_r[out], v_phi[out], v_z[out] = speed * direction
    # stellar parameters
    teff = rng.uniform(3600, 5300, n_stars)
    logg = rng.uniform(0.8, 3.5, n_stars)
    dwarf = kind == 3
    teff[dwarf] = rng.uniform(4000, 6200, dwarf.sum())
    logg[dwarf] = rng.uniform(3.8, 4.8, dwarf.sum())
    cool = rng.random(n_stars) < 0.03
    teff[cool], logg[cool] = rng.uniform(3200, 3500, cool.sum()), rng.uniform(0.3, 1.0, cool.sum())
    # heliocentric observables in astroNN's frame (positions exact)
    frame = galactocentric_frame(r0, ASTRONN_Z_SUN_PC, ASTRONN_V_SUN)
    v_x = (x * v_r + y * v_phi) / r  # PAPER.md cylindrical -> Cartesian
    v_y = (y * v_r - x * v_phi) / r
    obs = galactocentric_to_observed(x, y, z, v_x, v_y, v_z, frame)
    dist_pc = obs["distance"] * 1000.0
    rel = rng.uniform(0.02, 0.45, n_stars)
    err = 2.0 + 30.0 * rel  # km/s, grows with the distance error
    noisy = [v + rng.normal(0, e) for v, e in ((v_r, err), (v_phi, err), (v_z, 0.5 * err))]
    tel = np.where(obs["dec"] < -20, "lco25m", "apo25m")
    table = pd.DataFrame({
        "APOGEE_ID": [f"2M{i:08d}{s}{j:07d}" for i, s, j in
                      zip(rng.permutation(n_stars), np.where(obs["dec"] < 0, "-", "+"),
                          rng.integers(0, 10**7, n_stars))],
        "LOCATION_ID": rng.integers(2000, 6000, n_stars).astype(np.int32),
        "TELESCOPE": tel, "RA_APOGEE": obs["ra"], "DEC_APOGEE": obs["dec"],
        "TEFF": teff.astype(np.float32), "TEFF_ERR": np.full(n_stars, 60, np.float32),
        "LOGG": logg.astype(np.float32), "LOGG_ERR": np.full(n_stars, 0.05, np.float32),
        "FE_H": rng.normal(-0.1, 0.2, n_stars).astype(np.float32),
        "dist": dist_pc, "dist_error": rel * dist_pc, "RA": obs["ra"], "DEC": obs["dec"],
        "pmra": obs["pmra"], "pmdec": obs["pmdec"],
        "VHELIO_AVG": obs["radial_velocity"].astype(np.float32),
        "source_id": rng.integers(10**17, 7 * 10**18, n_stars),
        "galr": r, "galphi": phi, "galz": z, "galvr": noisy[0], "galvt": noisy[1],
        "galvz": noisy[2], "galvr_err": err, "galvt_err": err, "galvz_err": 0.5 * err,
    })
    rep = rng.random(n_stars) < repeat_fraction  # the same star seen by the other telescope
    again = table.loc[rep].copy()
    again["TELESCOPE"] = np.where(again["TELESCOPE"] == "apo25m", "lco25m", "apo25m")
    again["dist_error"] *= 1.3
    return pd.concat([table, again], ignore_index=True)


def write_astronn(table: pd.DataFrame, path) -> None:
    """Write :func:`simulate_astronn` output as FITS with the VAC's column types (18A, J, 8A,
    E for the spectroscopic values, D, K) and units in TUNIT, atomically."""
    t = Table.from_pandas(table)
    for name, dtype in (("APOGEE_ID", "S18"), ("TELESCOPE", "S8")):
        t[name] = t[name].astype(dtype)
    units = {"RA_APOGEE": "deg", "DEC_APOGEE": "deg", "RA": "deg", "DEC": "deg", "TEFF": "K",
             "TEFF_ERR": "K", "dist": "pc", "dist_error": "pc", "pmra": "mas / yr",
             "pmdec": "mas / yr", "VHELIO_AVG": "km / s", "galr": "kpc", "galphi": "rad",
             "galz": "kpc"}
    units.update({c: "km / s" for c in table.columns if c.startswith("galv")})
    for name, unit in units.items():
        t[name].unit = unit
    with atomic_path(path) as tmp:
        t.write(tmp, format="fits", overwrite=True)
