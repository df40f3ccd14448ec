"""Surface-density contrast of a sample in the Galactic plane (Zari et al. 2025, Eq. 15, Fig. 10).

The sample is the OB target sample of Zari et al. (2021), the photometric sample the mwm_ob
carton was drawn from, independent of which stars got spectra (:func:`sample_positions`): the
Hot Star Sample's own density follows the survey's progress (which fields were observed) as much
as the Galaxy, so comparing its v̄_R with its own Δ_Σ would be partly circular. The HSS map stars'
contrast is kept as a labelled extra.

Δ_Σ(X, Y) = (Σ − Σ̄) / Σ̄ (Eq. 15), with Σ the surface density smoothed with a "local" Gaussian
bandwidth and Σ̄ the same smoothed with a larger "mean" bandwidth (Poggio et al. 2021, A&A 651,
A104, Sect. 2).

Conventions (docs/conventions.md, Comparisons)
- Projection over Z first: the paper smooths the 3-D density ρ(X, Y, Z) and integrates over Z;
  integrating a 3-D Gaussian smoothing over all Z equals the 2-D Gaussian smoothing of the
  projected (X, Y) positions, so we histogram X, Y directly (Z never enters).
- Stars are counted on a grid of square pixels of ``pixel_kpc`` (edges at integer multiples of
  it, as the spaxel maps), then smoothed with ``scipy.ndimage.gaussian_filter`` (separable, kernel
  normalised to 1, truncated at ``truncate`` σ along each axis; paper: 3σ). Σ in stars kpc^-2.
- Bandwidths: default local 0.3 kpc, mean 2 kpc (Poggio et al. 2021); the paper's literal 10 pc /
  100 pc are an option (then use pixels of ≤ 5 pc; the maps are noise-dominated).
- Survey edges (our choice). Outside the volume the survey sampled there are no stars, and plain
  smoothing counts that emptiness as density 0: near the edge Σ̄ (wide kernel) is diluted more
  than Σ (narrow kernel), which draws a fake over-density band just inside the edge (Δ_Σ up to
  +0.9 for a uniform disc with the default bandwidths). We use normalised convolution
  (Knutsson & Westin 1993): with M the footprint mask (1 where the survey sampled, else 0),
  Σ_w = G*(N) / (A · G*(M)) on the footprint (A: pixel area), so a uniform density inside any
  footprint gives Δ_Σ = 0 exactly up to the edge. The footprint is
  the closing of the occupied pixels by a disc of ``footprint_kpc`` (:func:`footprint_mask`,
  default 1 kpc: gaps narrower than ~2 kpc, the mean bandwidth, count as observed and
  under-dense); outside it everything is NaN. Holes and bays wider than that become "not
  observed" rather than under-dense. ``edge_correction=False`` switches the correction off (plain
  smoothing over the grid, the paper's).
"""

from __future__ import annotations

import logging
from typing import Sequence

import numpy as np
import pandas as pd

from hotstars.errors import HotstarsError, require_columns

log = logging.getLogger(__name__)

COLUMNS = ["x", "y", "sigma_local", "sigma_mean", "delta_sigma", "in_footprint"]
UNITS = {"x": "kpc", "y": "kpc", "sigma_local": "1 / kpc2", "sigma_mean": "1 / kpc2"}
CONTOUR_LEVELS = (0.0, 0.5)  # the paper's Fig. 10 contours of Δ_Σ
#: what a contrast product was computed from (its ``sample`` metadata; figure labels)
SAMPLE_LABELS = {"ob_sample": "OB target sample (Zari et al. 2021)",
                 "hss": "HSS map stars (v_phi window)"}


def figure_label(meta) -> str:
    """One line naming a contrast product's sample, its size and bandwidths (Fig. 10/11)."""
    return (f"{meta.get('sample', SAMPLE_LABELS['hss'])}, N = {int(meta['n_stars']):,}; "
            f"w = {float(meta['local_kpc']):g} / {float(meta['mean_kpc']):g} kpc")


class ContrastError(HotstarsError):
    """Input that the density contrast cannot use (bad positions, bandwidths or grid)."""


def sample_positions(sample: pd.DataFrame, frame, parallax_over_error_min: float = 5.0,
                     z_max_kpc: float | None = None, label: str = "OB target sample"
                     ) -> pd.DataFrame:
    """Galactocentric x, y, z [kpc] of the OB target sample's stars with a usable distance.

    ``sample``: :func:`hotstars.io.catalogues.read_ob_sample` (ra, dec [deg], parallax,
    parallax_error [mas], optional r_med_photogeo [pc]); ``frame``: astropy Galactocentric.
    Kept: parallax / parallax_error > ``parallax_over_error_min`` (the HSS's σ_ϖ/ϖ < 0.2 at 5);
    distance = r_med_photogeo where finite (Bailer-Jones et al. 2021), else 1/ϖ; then |z| <
    ``z_max_kpc`` if given. ``attrs["counts"]``: n_input, n_parallax, n_selected.
    """
    from hotstars.kinematics import _sky_basis, frame_matrix

    require_columns(sample, ["ra", "dec", "parallax", "parallax_error"], label, ContrastError)
    plx, err = (sample[c].to_numpy(float) for c in ("parallax", "parallax_error"))
    with np.errstate(invalid="ignore", divide="ignore"):
        good = (plx > 0) & (plx / err > parallax_over_error_min)
        dist = 1.0 / plx  # kpc
    if "r_med_photogeo" in sample:
        r_med = sample["r_med_photogeo"].to_numpy(float) / 1000.0
        dist = np.where(np.isfinite(r_med) & (r_med > 0), r_med, dist)
    good &= np.isfinite(dist) & np.isfinite(sample["ra"].to_numpy(float))
    stars = sample.loc[good]
    los, _, _ = _sky_basis(stars["ra"].to_numpy(float), stars["dec"].to_numpy(float))
    m, c = frame_matrix(frame)
    xyz = (los * dist[good][:, None]) @ m.T + c  # x_gc = M x_icrs + c (astropy's affine map)
    out = pd.DataFrame({"source_id": stars["source_id"].to_numpy(), "x": xyz[:, 0],
                        "y": xyz[:, 1], "z": xyz[:, 2]})
    n_parallax = len(out)
    if z_max_kpc is not None:
        out = out[np.abs(out["z"]) < z_max_kpc].reset_index(drop=True)
    out.attrs["counts"] = {"n_input": len(sample), "n_parallax": n_parallax,
                           "n_selected": len(out)}
    if not len(out):
        raise ContrastError(f"{label}: no star with parallax/parallax_error > "
                            f"{parallax_over_error_min} (contrast.parallax_over_error_min) and a "
                            f"finite position, of {len(sample)} rows")
    log.info("%s: %s (parallax/error > %g, |z| < %s kpc)", label, out.attrs["counts"],
             parallax_over_error_min, z_max_kpc)
    return out


#: the config settings of :func:`contrast_product` (the rules' params of the same names)
SETTINGS = ("pixel_kpc", "local_kpc", "mean_kpc", "truncate", "edge_correction",
            "footprint_kpc", "z_max_kpc")


def contrast_product(stars: pd.DataFrame, sample: str, pixel_kpc: float, local_kpc: float,
                     mean_kpc: float, truncate: float, edge_correction: bool,
                     footprint_kpc: float, z_max_kpc: float | None = None
                     ) -> tuple[pd.DataFrame, dict]:
    """(table, metadata) of the Δ_Σ product of ``stars`` (x, y [kpc]; ``attrs["counts"]`` from
    the selection) named ``sample`` (:data:`SAMPLE_LABELS`), with the config's parameters."""
    df = density_contrast(stars["x"].to_numpy(), stars["y"].to_numpy(), pixel_kpc=pixel_kpc,
                          local_kpc=local_kpc, mean_kpc=mean_kpc, truncate=truncate,
                          edge_correction=edge_correction, footprint_kpc=footprint_kpc)
    meta = {**df.attrs, **stars.attrs.get("counts", {}), "z_max_kpc": z_max_kpc,
            "sample": sample, "definition": "delta_sigma = sigma_local / sigma_mean - 1 (Eq. 15)"}
    n_in = max(int(df["in_footprint"].sum()), 1)
    log.info("Δ_Σ of the %s (%d stars) on %d x %d pixels: %d in the footprint, %.1f %% of them "
             "with Δ_Σ > 0.5", sample, df.attrs["n_stars"], df.attrs["nx"], df.attrs["ny"],
             df["in_footprint"].sum(), 100 * (df["delta_sigma"] > 0.5).sum() / n_in)
    return df, meta


def pixel_edges(lo: float, hi: float, pixel_kpc: float) -> np.ndarray:
    """Pixel edges at integer multiples of ``pixel_kpc`` covering [lo, hi] (kpc)."""
    i0 = int(np.floor(lo / pixel_kpc + 1e-9))
    i1 = max(int(np.ceil(hi / pixel_kpc - 1e-9)), i0 + 1)
    return pixel_kpc * np.arange(i0, i1 + 1)


def smooth(image: np.ndarray, sigma_kpc: float, pixel_kpc: float,
           truncate: float = 3.0) -> np.ndarray:
    """Gaussian smoothing of a pixel image (σ in kpc), truncated at ``truncate`` σ per axis,
    zero outside the image; the kernel sums to 1."""
    from scipy import ndimage
    return ndimage.gaussian_filter(np.asarray(image, float), sigma=sigma_kpc / pixel_kpc,
                                   mode="constant", cval=0.0, truncate=truncate)


def footprint_mask(counts: np.ndarray, pixel_kpc: float, radius_kpc: float) -> np.ndarray:
    """The survey footprint on a pixel image of star counts: the morphological closing of the
    occupied pixels by a disc of ``radius_kpc`` (dilation, then erosion; via Euclidean distance
    transforms). It fills gaps and bays narrower than ~2 × radius but does not grow beyond the
    outline of the data; every occupied pixel is in it."""
    pad = int(np.ceil(radius_kpc / pixel_kpc)) + 2  # zeros around: the grid edge is "outside"
    occupied = np.pad(np.asarray(counts) > 0, pad)
    if not occupied.any():
        return np.zeros(np.shape(counts), bool)
    from scipy import ndimage
    dilated = ndimage.distance_transform_edt(~occupied) * pixel_kpc <= radius_kpc + 1e-9
    closed = ndimage.distance_transform_edt(dilated) * pixel_kpc > radius_kpc + 1e-9
    return (closed | occupied)[pad:-pad, pad:-pad]


def _check(x, y, pixel_kpc, local_kpc, mean_kpc, truncate, footprint_kpc):
    x, y = np.asarray(x, float).ravel(), np.asarray(y, float).ravel()
    if x.shape != y.shape:
        raise ContrastError(f"density_contrast: {x.size} x but {y.size} y")
    if x.size == 0:
        raise ContrastError("density_contrast: no stars")
    bad = ~(np.isfinite(x) & np.isfinite(y))
    if bad.any():
        raise ContrastError(f"density_contrast: {bad.sum()} stars with non-finite x or y "
                            f"(first rows {np.flatnonzero(bad)[:5].tolist()})")
    for name, v in (("pixel_kpc", pixel_kpc), ("local_kpc", local_kpc), ("mean_kpc", mean_kpc),
                    ("truncate", truncate)):
        if not (np.isfinite(v) and v > 0):
            raise ContrastError(f"density_contrast: {name} must be finite and > 0, got {v!r}")
    if not local_kpc < mean_kpc:
        raise ContrastError(f"density_contrast: local_kpc ({local_kpc}) must be smaller than "
                            f"mean_kpc ({mean_kpc})")
    if pixel_kpc > local_kpc / 2:
        raise ContrastError(f"density_contrast: pixel_kpc ({pixel_kpc}) must be <= local_kpc/2 "
                            f"({local_kpc / 2}) to resolve the local kernel")
    if footprint_kpc is not None and not (np.isfinite(footprint_kpc) and footprint_kpc > 0):
        raise ContrastError(f"density_contrast: footprint_kpc must be finite and > 0, got "
                            f"{footprint_kpc!r}")
    return x, y


def density_contrast(x, y, pixel_kpc: float = 0.05, local_kpc: float = 0.3,
                     mean_kpc: float = 2.0, extent: Sequence[float] | None = None,
                     truncate: float = 3.0, edge_correction: bool = True,
                     footprint_kpc: float = 1.0) -> pd.DataFrame:
    """Δ_Σ = (Σ − Σ̄)/Σ̄ (Eq. 15) of stars at (x, y) (kpc, Galactocentric X, Y) on a pixel grid.

    ``pixel_kpc``: pixel size; ``local_kpc``, ``mean_kpc``: Gaussian σ of Σ and Σ̄;
    ``truncate``: kernel cut in σ; ``extent`` = (xmin, xmax, ymin, ymax) kpc, rounded out to
    pixel edges (default: the stars' range padded by the footprint radius, or by truncate ×
    mean_kpc without the edge correction); stars outside are dropped (logged).
    ``edge_correction``: normalise by the smoothed footprint (module notes; :func:`footprint_mask`
    with radius ``footprint_kpc``); False: plain smoothing over the whole grid (the paper's),
    footprint = the grid.

    Returns one row per pixel of the full rectangular grid, ordered y-major (row k = iy·nx + ix,
    so ``values.reshape(ny, nx)`` is an image [y, x]): :data:`COLUMNS` — pixel centres x, y (kpc),
    sigma_local and sigma_mean (stars kpc^-2), delta_sigma, in_footprint; NaN outside the
    footprint and where Σ̄ = 0. ``attrs`` holds the grid and parameters.
    """
    footprint_kpc = footprint_kpc if edge_correction else None
    x, y = _check(x, y, pixel_kpc, local_kpc, mean_kpc, truncate, footprint_kpc)
    if extent is None:
        pad = footprint_kpc if footprint_kpc is not None else truncate * mean_kpc
        pad += pixel_kpc
        extent = (x.min() - pad, x.max() + pad, y.min() - pad, y.max() + pad)
    xmin, xmax, ymin, ymax = map(float, extent)
    if not (xmin < xmax and ymin < ymax):
        raise ContrastError(f"density_contrast: extent must be (xmin < xmax, ymin < ymax), got "
                            f"{tuple(extent)}")
    xe, ye = pixel_edges(xmin, xmax, pixel_kpc), pixel_edges(ymin, ymax, pixel_kpc)
    inside = (x >= xe[0]) & (x < xe[-1]) & (y >= ye[0]) & (y < ye[-1])
    if not inside.all():
        log.info("density contrast: %d of %d stars outside the extent dropped",
                 (~inside).sum(), x.size)
    counts = np.histogram2d(y[inside], x[inside], bins=(ye, xe))[0]  # image [y, x]
    area = pixel_kpc**2
    if footprint_kpc is None:
        mask = np.ones(counts.shape, bool)
        local = smooth(counts, local_kpc, pixel_kpc, truncate) / area
        mean = smooth(counts, mean_kpc, pixel_kpc, truncate) / area
    else:
        mask = footprint_mask(counts, pixel_kpc, footprint_kpc)
        with np.errstate(invalid="ignore", divide="ignore"):
            # normalised convolution: Σ_w = G*N / (A G*M) on the footprint M (module notes)
            local, mean = (smooth(counts, s, pixel_kpc, truncate)
                           / (area * smooth(mask.astype(float), s, pixel_kpc, truncate))
                           for s in (local_kpc, mean_kpc))
        local[~mask], mean[~mask] = np.nan, np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        delta = np.where(mean > 0, local / mean - 1.0, np.nan)  # Eq. 15
    xc, yc = 0.5 * (xe[:-1] + xe[1:]), 0.5 * (ye[:-1] + ye[1:])
    gx, gy = np.meshgrid(xc, yc)
    out = pd.DataFrame({"x": gx.ravel(), "y": gy.ravel(), "sigma_local": local.ravel(),
                        "sigma_mean": mean.ravel(), "delta_sigma": delta.ravel(),
                        "in_footprint": mask.ravel()})
    out.attrs.update(nx=xc.size, ny=yc.size, pixel_kpc=pixel_kpc, local_kpc=local_kpc,
                     mean_kpc=mean_kpc, truncate=truncate, n_stars=int(inside.sum()),
                     footprint_kpc=footprint_kpc if footprint_kpc is not None else "none")
    log.info("density contrast: %d stars on %d x %d pixels of %g pc (local %g kpc, mean %g kpc, "
             "footprint %s kpc: %d pixels)", inside.sum(), xc.size, yc.size, pixel_kpc * 1e3,
             local_kpc, mean_kpc, footprint_kpc, mask.sum())
    return out


def contour_grid(contrast: pd.DataFrame, column: str = "delta_sigma",
                 levels: Sequence[float] = CONTOUR_LEVELS) -> dict:
    """The grid of a :func:`density_contrast` table for matplotlib's ``contour``: {"x": centres
    (nx,), "y": centres (ny,), "z": [ny, nx] array of ``column``, "levels": list}. Rows may come in
    any order (e.g. read back from Parquet); the grid must be complete and regular."""
    require_columns(contrast, ("x", "y", column), "contour_grid", ContrastError)
    xc, ix = np.unique(np.round(contrast["x"].to_numpy(float), 9), return_inverse=True)
    yc, iy = np.unique(np.round(contrast["y"].to_numpy(float), 9), return_inverse=True)
    if xc.size * yc.size != len(contrast):
        raise ContrastError(f"contour_grid: {len(contrast)} rows do not form a full "
                            f"{xc.size} x {yc.size} grid")
    z = np.full((yc.size, xc.size), np.nan)
    z[iy.ravel(), ix.ravel()] = contrast[column].to_numpy(float)
    return {"x": xc, "y": yc, "z": z, "levels": list(levels)}


def spaxel_mean(contrast: pd.DataFrame, size_kpc: float, column: str = "delta_sigma"
                ) -> pd.DataFrame:
    """Mean of ``column`` over the finite pixels of each spaxel of ``size_kpc`` (edges at integer
    multiples, as :mod:`hotstars.maps`; pixel centres decide): x_center, y_center, ``column``."""
    ok = np.isfinite(contrast[column].to_numpy(float))
    df = contrast.loc[ok]
    ix = np.floor(df["x"].to_numpy(float) / size_kpc).astype(np.int64)
    iy = np.floor(df["y"].to_numpy(float) / size_kpc).astype(np.int64)
    out = df[column].groupby([ix, iy]).mean()
    keys = np.array(out.index.tolist()).reshape(-1, 2)
    return pd.DataFrame({"x_center": (keys[:, 0] + 0.5) * size_kpc,
                         "y_center": (keys[:, 1] + 0.5) * size_kpc, column: out.to_numpy()})


def summary_numbers(contrast: pd.DataFrame, vr_map: pd.DataFrame, size_kpc: float) -> dict:
    """Numbers of Sec. 4.1 for summary.json (the paper gives none; it states that the v̄_R
    structures are not aligned with the over-densities): the footprint's area fractions with
    Δ_Σ > 0 and > 0.5, and the Spearman rank correlation of v̄_R (``vr_map``: x_center, y_center,
    vR_mean) with the spaxel-mean Δ_Σ over the spaxels of the v̄_R map (``size_kpc``): the
    Pearson correlation of their ranks, ties averaged (Spearman 1904; what
    ``scipy.stats.spearmanr`` computes, without importing scipy.stats, ~0.5 s, as pandas'
    ``corr(method="spearman")`` does), NaN if a value is not finite or < 3 spaxels."""
    delta = contrast["delta_sigma"].to_numpy(float)
    finite = np.isfinite(delta)
    cells = spaxel_mean(contrast, size_kpc).round({"x_center": 6, "y_center": 6})
    vr = vr_map[["x_center", "y_center", "vR_mean"]].round({"x_center": 6, "y_center": 6})
    both = vr.merge(cells, on=["x_center", "y_center"])
    pair = both[["vR_mean", "delta_sigma"]].to_numpy(float)
    rho = (float(both["vR_mean"].rank().corr(both["delta_sigma"].rank()))  # Spearman's rho
           if len(both) > 2 and np.isfinite(pair).all() else float("nan"))
    return {"frac_footprint_delta_gt_0": float(np.mean(delta[finite] > 0)),
            "frac_footprint_delta_gt_0p5": float(np.mean(delta[finite] > 0.5)),
            "n_spaxels_vr_with_delta": int(len(both)),
            "spearman_vr_delta": rho}
