"""The Auriga "aurigaia" mock catalogues (Grand et al. 2018, MNRAS 481, 1726) as in the paper's
Sec. 4.2 and Fig. 12: the young (HSS-like) and old (App. D giant) selections and their density and
mean v_R maps. The files are read by :mod:`hotstars.io.auriga`.

Selections (paper Sec. 4.2, App. D; docs/conventions.md, Comparisons), strict inequalities:
- young: G < 16, age < 0.5 Gyr, Teff > 10,000 K (the paper's ADQL query);
- old: the App. D giant cuts that apply to a mock (:func:`hotstars.apogee.giant_cuts`):
  |b| < 10 deg, 3500 < Teff < 5000 K, log g < 3.6 (SurfaceGravity), the Toomre cut with
  velocities relative to the mock's Sun; the distance-error cut uses σ_ϖ/ϖ (HCoordinateErrors)
  with the observed astrometry and is void (no error) with the true values.
Kinematics: :func:`hotstars.kinematics.galactocentric` in a given frame (default the paper's; the
toy galaxy is built in that same frame). By default the true ("noiseless") values are used, as the
paper's query names them (``Gmagnitude``, ``EffectiveTemperature``); ``observed=True`` uses the
``Obs`` datasets and propagates their errors. With true values every star's v_R error is 0, so
Eq. 4 gets e_i = ``vr_error_floor_kms`` (added in quadrature to the propagated error in both
modes): the map is then the mean and the dispersion of v_R.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from astropy.coordinates import Galactocentric

# astropy.coordinates, scipy.ndimage, hotstars.apogee/kinematics/maps (scipy.special,
# scipy.optimize) are imported in the functions that use them: Fig. 12 needs only
# density_contours, the summary numbers none of them.

log = logging.getLogger(__name__)


# --- selections and kinematics ---------------------------------------------------------------

def young_mask(g_mag, age_gyr, teff, *, g_max: float = 16.0, age_max_gyr: float = 0.5,
               teff_min_k: float = 10000.0) -> np.ndarray:
    """Paper Sec. 4.2: G < 16, age < 0.5 Gyr, Teff > 10,000 K (strict; NaN fails)."""
    g, a, t = (np.asarray(v, float) for v in (g_mag, age_gyr, teff))
    with np.errstate(invalid="ignore"):
        return (g < g_max) & (a < age_max_gyr) & (t > teff_min_k)


def prefilter(young: Mapping, giants: Mapping) -> Callable[[pd.DataFrame], np.ndarray]:
    """A :func:`read_mock` ``select``: rows that may pass the young or the giant cuts (the cuts
    on G, age, Teff and log g only; position and velocity cuts come later)."""
    t_lo, t_hi = giants.get("teff_k", (3500.0, 5000.0))
    logg_max = giants.get("logg_max", 3.6)

    def select(t: pd.DataFrame) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            giant = (t["teff"] > t_lo) & (t["teff"] < t_hi) & (t["logg"] < logg_max)
        return young_mask(t["g_mag"], t["age"], t["teff"], **young) | giant.to_numpy()

    return select


def star_kinematics(data: pd.DataFrame, frame: Galactocentric,
                    vr_error_floor_kms: float = 1.0) -> pd.DataFrame:
    """Galactocentric positions/velocities of mock stars (``read_mock`` table) through
    :func:`hotstars.kinematics.galactocentric` (distance = 1/parallax; with error columns, the
    errors are propagated, ρ(μα*, μδ) = 0), plus l, b [deg] and Toomre U, V, W relative to
    ``frame``'s Sun. Stars with parallax <= 0 get NaN. v_R_err = hypot(propagated, floor)."""
    import astropy.units as u

    from hotstars import apogee, kinematics
    from hotstars.frame import galactic_lb

    plx = data["parallax"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        dist = np.where(plx > 0, 1.0 / plx, np.nan)  # kpc for parallax in mas
    zeros = np.zeros(len(data))
    err = lambda c: data[c].to_numpy(float) if c in data else zeros  # noqa: E731
    inputs = pd.DataFrame({
        "source_id": np.arange(len(data), dtype=np.int64), "ra": data["ra"], "dec": data["dec"],
        "distance": dist, "distance_err": err("parallax_error") * dist**2,  # σ_d = σ_ϖ/ϖ²
        "pmra": data["pmra"], "pmdec": data["pmdec"], "pmra_error": err("pmra_error"),
        "pmdec_error": err("pmdec_error"), "pmra_pmdec_corr": zeros,
        "vlos": data["radial_velocity"], "vlos_err": err("radial_velocity_error"),
        "n_epochs": np.ones(len(data), np.int64)})
    kin = kinematics.galactocentric(inputs, frame, "auriga")
    lon, lat = galactic_lb(data["ra"], data["dec"])
    v_sun = frame.galcen_v_sun  # astropy stores it as a CartesianRepresentation
    v_sun = (v_sun.d_xyz if hasattr(v_sun, "d_xyz") else v_sun.xyz).to_value(u.km / u.s)
    uu, vv, ww = apogee.toomre_uvw(kin["x"], kin["y"], kin["v_R"], kin["v_phi"], kin["v_z"], v_sun)
    out = kin[["x", "y", "z", "R", "phi", "v_R", "v_phi", "v_z"]].copy()
    out["v_R_err"] = np.hypot(kin["v_R_err"].to_numpy(float), vr_error_floor_kms)
    out["l"], out["b"], out["U"], out["V"], out["W"] = lon, lat, uu, vv, ww
    out["distance"] = dist
    return out


def select_populations(data: pd.DataFrame, frame: Galactocentric, *, young: Mapping,
                       giants: Mapping, vr_error_floor_kms: float = 1.0) -> pd.DataFrame:
    """The young and old stars of a mock with their kinematics and a ``population`` column.

    ``young``: :func:`young_mask` keywords; ``giants``: :func:`hotstars.apogee.giant_cuts`
    keywords plus toomre_v_kms and toomre_uw_max_kms. The distance-error cut uses
    parallax_error/parallax when the table has parallax_error (observed mode), else it is void.
    ``attrs["counts"]`` holds both cut-flows.
    """
    from hotstars import apogee

    giants = dict(giants)
    toomre = {"v_range_kms": giants.pop("toomre_v_kms", (-600.0, 200.0)),
              "uw_max_kms": giants.pop("toomre_uw_max_kms", 400.0)}
    kin = star_kinematics(data, frame, vr_error_floor_kms)
    finite = np.isfinite(kin[["x", "y", "v_R", "v_R_err"]].to_numpy(float)).all(axis=1)
    is_young = young_mask(data["g_mag"], data["age"], data["teff"], **young) & finite
    if "parallax_error" in data:  # σ_ϖ/ϖ = σ_d/d to first order
        dist_err = data["parallax_error"].to_numpy(float) * kin["distance"].to_numpy() ** 2
    else:
        dist_err = np.zeros(len(data))
    cuts = apogee.giant_cuts(kin["b"], kin["distance"], dist_err, data["teff"], data["logg"],
                             **giants)
    cuts["toomre_ok"] = apogee.toomre_ok(kin["U"], kin["V"], kin["W"], **toomre)
    is_old = finite.copy()
    counts = {"n_read": len(data), "n_young": int(is_young.sum()), "n_finite": int(finite.sum())}
    for name in apogee.FLAGS:
        is_old &= cuts[name]
        counts[f"n_old_{name}"] = int(is_old.sum())
    if (is_young & is_old).any():
        raise ValueError("auriga: the young and old selections overlap; check the Teff cuts")
    keep = is_young | is_old
    out = pd.concat([data.loc[keep, ["particle_id", "g_mag", "age", "teff", "logg"]]
                     .reset_index(drop=True), kin.loc[keep].reset_index(drop=True)], axis=1)
    out.insert(0, "population", np.where(is_young[keep], "young", "old"))
    out.attrs["counts"] = counts
    log.info("Auriga selections: %s", counts)
    return out


STAR_UNITS = {"g_mag": "mag", "age": "Gyr", "teff": "K", "logg": "dex", "x": "kpc", "y": "kpc",
              "z": "kpc", "R": "kpc", "phi": "deg", "v_R": "km / s", "v_phi": "km / s",
              "v_z": "km / s", "v_R_err": "km / s", "l": "deg", "b": "deg", "U": "km / s",
              "V": "km / s", "W": "km / s", "distance": "kpc"}


def population_maps(stars: pd.DataFrame, size_kpc: float, min_stars: int = 6,
                    sigma_max: float = 300.0) -> dict[str, pd.DataFrame]:
    """Density and Eq. 4 v̄_R maps (:mod:`hotstars.maps`) of each population:
    keys young_density, young_vR, old_density, old_vR."""
    from hotstars import maps

    out = {}
    for pop in ("young", "old"):
        s = stars.loc[stars["population"] == pop]
        x, y = s["x"].to_numpy(float), s["y"].to_numpy(float)
        out[f"{pop}_density"] = maps.density_map(x, y, size_kpc)
        out[f"{pop}_vR"] = maps.vr_map(x, y, s["v_R"].to_numpy(float),
                                       s["v_R_err"].to_numpy(float), size_kpc, min_stars,
                                       sigma_max)
    return out


def density_contours(density: pd.DataFrame, size_kpc: float, smooth_kpc: float = 0.5,
                     quantiles: Sequence[float] = (0.5, 0.8, 0.95)) -> dict:
    """Contours of a density map (Fig. 12's black lines): star counts on the spaxel grid (empty
    spaxels 0) smoothed by a Gaussian of ``smooth_kpc`` (scipy.ndimage), in log10 of stars per
    spaxel, at the ``quantiles`` of the smoothed values over the occupied spaxels. Returns the
    :func:`hotstars.plots.ages.fig_young_old` contour hook: x, y (grid centres, kpc), z [y, x],
    levels.
    """
    from scipy import ndimage

    ix = np.rint(density["x_center"].to_numpy(float) / size_kpc - 0.5).astype(int)
    iy = np.rint(density["y_center"].to_numpy(float) / size_kpc - 0.5).astype(int)
    pad = int(np.ceil(3 * smooth_kpc / size_kpc))
    x0, y0 = ix.min() - pad, iy.min() - pad
    grid = np.zeros((iy.max() - y0 + pad + 1, ix.max() - x0 + pad + 1))
    grid[iy - y0, ix - x0] = density["n_stars"].to_numpy(float)
    smooth = ndimage.gaussian_filter(grid, smooth_kpc / size_kpc, mode="constant", truncate=3.0)
    z = np.log10(np.maximum(smooth, 1e-3))
    levels = np.unique(np.quantile(z[iy - y0, ix - x0], quantiles))
    return {"x": (np.arange(grid.shape[1]) + x0 + 0.5) * size_kpc,
            "y": (np.arange(grid.shape[0]) + y0 + 0.5) * size_kpc, "z": z,
            "levels": levels.tolist()}


def summary_numbers(maps_: Mapping[str, pd.DataFrame], stars: pd.DataFrame) -> dict:
    """Sec. 4.2 numbers from the products: stars (``stars``: the selected-stars table) and v̄_R
    spaxels of each population, p05/p95 of v̄_R (the paper: the young mock stars' v̄_R has an
    amplitude comparable to Fig. 7, about ±30 km/s)."""
    out = {}
    for pop in ("young", "old"):
        out[f"comparisons.auriga.n_{pop}"] = int((stars["population"] == pop).sum())
        v = maps_[f"{pop}_vR"]["vR_mean"].to_numpy(float)
        out[f"comparisons.auriga.{pop}_n_spaxels_vR"] = int(v.size)
        for q in (5, 95):
            out[f"comparisons.auriga.{pop}_vR_mean_p{q:02d}_kms"] = (
                float(np.percentile(v, q)) if v.size else float("nan"))
    return out
