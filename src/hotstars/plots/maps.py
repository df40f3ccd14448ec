"""Figures of the kinematics and the spaxel maps (Zari et al. 2025, Sec. 3.1, App. B): Fig. 6
(v_φ against R with the v_φ window), Fig. 7 (density and mean v_R), Fig. B.1 (σ_R and the errors
of mean v_R)."""

from __future__ import annotations

from typing import Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.collections import PatchCollection
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from hotstars.plots.style import (
    COLUMN_WIDTH_IN,
    HSS_COLOR,
    PAGE_WIDTH_IN,
    PLAIN,
    VR_CMAP,
    PlotInputError,
    bin_edges,
    bool_column,
    diverging_norm,
    finite_column,
    format_count,
    galactic_plane_axes,
    kpc_ticks,
    map_frame,
    note_outside_frame,
    paper_style,
    plane_frame,
    require,
    spaxel_image,
    spaxel_size,
    truncated_cmap,
)


def fig_vphi(kinematics: pd.DataFrame, window: Sequence[float],
             flags: pd.DataFrame | None = None, dr_kpc: float = 0.2, dvphi_kms: float = 4.0,
             vphi_range: Sequence[float] = (100.0, 350.0)) -> Figure:
    """Fig. 6: 2-D histogram (log counts) of v_φ (km/s) against Galactocentric R (kpc).

    ``kinematics``: the kinematics product (R, v_phi). Orange dashed lines at the v_φ window
    ``window`` = (lo, hi) km/s (paper: 190, 250); the legend gives the number of stars outside it.
    With ``flags`` (the vphi_window product: source_id, in_vphi_window), the count comes from the
    flags, which must agree with ``window`` applied to v_φ (else the lines would not be the cut
    that was made: an error). Bins ``dr_kpc`` × ``dvphi_kms``; the y range ``vphi_range`` is
    widened to show the window; stars beyond it or without v_φ are counted in the title.
    """
    what = "fig_vphi: kinematics"
    require(kinematics, ["R", "v_phi"], what)
    lo, hi = map(float, window)
    if not lo < hi:
        raise PlotInputError(f"fig_vphi: window must be (lo, hi) with lo < hi, got {window}")
    r = kinematics["R"].to_numpy(dtype=float)
    vphi = kinematics["v_phi"].to_numpy(dtype=float)
    finite = np.isfinite(r) & np.isfinite(vphi)
    if not finite.any():
        raise PlotInputError(f"{what}: no row has finite R and v_phi")
    inside = (vphi >= lo) & (vphi <= hi)  # paper Sec. 3.1: 190 <= v_phi <= 250 km/s kept
    if flags is not None:
        require(flags, ["source_id", "in_vphi_window"], "fig_vphi: flags")
        require(kinematics, ["source_id"], what)
        flag = kinematics["source_id"].map(flags.set_index("source_id")["in_vphi_window"])
        if flag.isna().any():
            raise PlotInputError(f"fig_vphi: flags: no in_vphi_window for {flag.isna().sum()} "
                                 "source_id of the kinematics")
        flag = flag.astype(bool).to_numpy()
        if np.any(flag != inside):
            raise PlotInputError(f"fig_vphi: flags disagree with the window [{lo:g}, {hi:g}] "
                                 f"km/s for {np.sum(flag != inside)} stars (another window?)")
    n_out = int(np.sum(finite & ~inside))
    y_lo, y_hi = min(float(vphi_range[0]), lo - 20.0), max(float(vphi_range[1]), hi + 20.0)
    shown = finite & (vphi >= y_lo) & (vphi < y_hi)
    r_edges = bin_edges(r[finite], dr_kpc)
    v_edges = y_lo + dvphi_kms * np.arange(int(np.ceil((y_hi - y_lo) / dvphi_kms)) + 1)
    with paper_style():
        fig = Figure(figsize=(COLUMN_WIDTH_IN, 0.75 * COLUMN_WIDTH_IN), layout="constrained")
        ax = fig.add_subplot()
        hist, _, _ = np.histogram2d(r[shown], vphi[shown], bins=(r_edges, v_edges))
        mesh = ax.pcolormesh(r_edges, v_edges, np.ma.masked_equal(hist.T, 0), gid="vphi_hist",
                             cmap=truncated_cmap("Blues", 0.3, 1.0), rasterized=True,
                             norm=LogNorm(vmin=1, vmax=max(2.0, hist.max())))
        for v in (lo, hi):
            ax.axhline(v, color=HSS_COLOR, linestyle=(0, (5, 3)), linewidth=1.0, gid="window",
                       label=(f"{lo:g}–{hi:g} km/s: {format_count(n_out)} stars outside"
                              if v == lo else None))
        ax.set_xlim(r_edges[0], r_edges[-1])
        ax.set_ylim(y_lo, y_hi)
        ax.set_xlabel("$R$ (kpc)")
        ax.set_ylabel(r"$v_\phi$ (km s$^{-1}$)")
        ax.legend(loc="lower right")
        extra = [f"{format_count(n)} {why}" for n, why in (
            (int(np.sum(finite & ~shown)), "beyond the y range"),
            (int(np.sum(~finite)), r"without $v_\phi$")) if n]
        ax.set_title(f"$N$ = {format_count(int(finite.sum()))} stars"
                     + (f" ({', '.join(extra)})" if extra else ""))
        cbar = fig.colorbar(mesh, ax=ax, label="stars per bin", pad=0.02, aspect=30)
        cbar.ax.yaxis.set_major_formatter(PLAIN)
    return fig


MAP_CMAP = "viridis"  # σ_R and the errors of v̄_R (log scale, Fig. B.1)
BOUNDARY_HATCH = "//////"  # spaxels whose Eq. 4 fit ended at a σ_R boundary (sigma_at_boundary)


def sigma_boundary(vr: pd.DataFrame, what: str) -> np.ndarray:
    """The v_R map's ``sigma_at_boundary`` flag as a bool array (maps without the column, from
    before it existed: σ_R = 0, the boundary that occurs; neither column: none flagged)."""
    if "sigma_at_boundary" in vr.columns:
        return bool_column(vr, "sigma_at_boundary", what)
    if "sigma_R" not in vr.columns:
        return np.zeros(len(vr), bool)
    return ~(pd.to_numeric(vr["sigma_R"], errors="coerce").to_numpy(float) > 0)


def boundary_label(vr: pd.DataFrame, flag: np.ndarray) -> str:
    """Legend text of the flagged spaxels: how many, and at which boundary."""
    at_zero = ~(pd.to_numeric(vr["sigma_R"], errors="coerce").to_numpy(float)[flag] > 0)
    which = "0" if at_zero.all() else r"0 or $\sigma_{\max}$"
    return rf"$\sigma_R$ = {which} (fit boundary): {format_count(int(flag.sum()))}"


def mark_spaxels(ax, df: pd.DataFrame, flag: np.ndarray, size: float, fill: str | None = None,
                 gid: str = "sigma_boundary") -> PatchCollection | None:
    """Draw the spaxels of ``df`` where ``flag`` holds as hatched squares (``fill``: a face
    colour under the hatch, else transparent) above the map; None if none is flagged."""
    if not flag.any():
        return None
    x, y = df["x_center"].to_numpy(float)[flag], df["y_center"].to_numpy(float)[flag]
    squares = [Rectangle((xc - size / 2, yc - size / 2), size, size) for xc, yc in zip(x, y)]
    coll = PatchCollection(squares, facecolor=fill or "none", edgecolor="k", linewidth=0.4,
                           hatch=BOUNDARY_HATCH, zorder=1.5, gid=gid)
    ax.add_collection(coll)
    return coll


def boundary_legend_handle(label: str, fill: str | None = None) -> Patch:
    return Patch(facecolor=fill or "none", edgecolor="k", linewidth=0.4, hatch=BOUNDARY_HATCH,
                 label=label)


def fig_maps(density: pd.DataFrame, vr: pd.DataFrame, r_sun_kpc: float = 8.2,
             vmax_kms: float = 30.0) -> Figure:
    """Fig. 7: the HSS in the Galactic plane, spaxel by spaxel.

    Left: stars per spaxel (``density`` product: x_center, y_center, n_stars), log colour scale.
    Right: mean v_R (``vr`` product: vR_mean, km/s; only spaxels with enough stars), diverging
    colour map centred on 0 (:data:`VR_CMAP`: blue inward, red outward) with limits ±``vmax_kms``
    (paper: ±30 km/s); spaxels whose Eq. 4 fit ended at σ_R = 0 (``sigma_at_boundary``) are
    hatched and counted in the legend (their σ_R/√N error is 0: not to be trusted). Both panels:
    the plane furniture (:func:`galactic_plane_axes`; Sun at (−``r_sun_kpc``, 0)) in the shared
    frame :func:`hotstars.plots.style.plane_frame` (spaxels beyond it are counted on the panel).
    """
    require(density, ["x_center", "y_center", "n_stars"], "fig_maps: density")
    require(vr, ["x_center", "y_center", "n_stars", "vR_mean"], "fig_maps: vr")
    n_stars = finite_column(density, "n_stars", "fig_maps: density")
    vr_mean = finite_column(vr, "vR_mean", "fig_maps: vr")
    flag = sigma_boundary(vr, "fig_maps: vr")
    size = spaxel_size(density, "fig_maps: density")
    extent = map_frame([density, vr], size, r_sun_kpc)[0]
    xlim, ylim = plane_frame(r_sun_kpc)
    panels = [
        (density, np.where(n_stars > 0, n_stars, np.nan), "density",
         LogNorm(vmin=1, vmax=max(2.0, np.nanmax(n_stars))), truncated_cmap("Greys", 0.2, 1.0),
         f"stars per {size * 1000:g} × {size * 1000:g} pc spaxel "
         f"({format_count(int(np.nansum(n_stars)))} stars)", "neither"),
        (vr, vr_mean, "vR", diverging_norm(vr_mean, vmax=vmax_kms), VR_CMAP,
         r"$\bar{v}_R$ (km s$^{-1}$) "
         f"({format_count(len(vr))} spaxels with $N \\geq {int(vr['n_stars'].min())}$)", "both"),
    ]
    with paper_style():
        fig = Figure(figsize=(PAGE_WIDTH_IN, 0.5 * PAGE_WIDTH_IN), layout="constrained")
        axes = fig.subplots(1, 2, sharex=True, sharey=True)
        for ax, (df, values, gid, norm, cmap, label, extend) in zip(axes, panels):
            xe, ye, img = spaxel_image(df, values, size, extent)
            mesh = ax.pcolormesh(xe, ye, img, norm=norm, cmap=cmap, gid=gid, rasterized=True)
            galactic_plane_axes(ax, r_sun_kpc=r_sun_kpc, xlim=xlim, ylim=ylim)
            kpc_ticks(ax)
            note_outside_frame(ax, [df], xlim, ylim)
            cbar = fig.colorbar(mesh, ax=ax, label=label, location="top", shrink=0.8,
                                aspect=35, extend=extend, pad=0.01)
            cbar.ax.xaxis.set_major_formatter(PLAIN)
        if mark_spaxels(axes[1], vr, flag, size) is not None:
            axes[1].legend(handles=[boundary_legend_handle(boundary_label(vr, flag))],
                           loc="lower left", fontsize=6, frameon=True, framealpha=0.8,
                           edgecolor="none")
        axes[1].set_ylabel("")
    return fig


def fig_map_errors(vr: pd.DataFrame, r_sun_kpc: float = 8.2,
                   limits_kms: Sequence[float] = (1.0, 60.0)) -> Figure:
    """Fig. B.1 (HSS row), plus our error: maps of σ_R, of the paper's error of v̄_R, σ_R/√N,
    and of the error marginalised over σ_R (``vr`` product columns sigma_R, vR_mean_err_sqrtn,
    vR_mean_err_marg; km/s; see :func:`hotstars.maps.grouped_mle`).

    One log colour scale over ``limits_kms`` (paper: 1–60 km/s) for all three. Spaxels whose
    Eq. 4 fit ended at the boundary σ_R = 0 (``sigma_at_boundary``; then σ_R/√N = 0 too) cannot
    be shown on a log scale: in the σ_R and σ_R/√N panels they are drawn light grey and hatched,
    with a legend entry counting them. The marginalised error is never 0: it includes the stars'
    own errors. Frame: :func:`hotstars.plots.style.plane_frame`, as Fig. 7.
    """
    cols = ["sigma_R", "vR_mean_err_sqrtn", "vR_mean_err_marg"]
    require(vr, ["x_center", "y_center", "n_stars"] + cols, "fig_map_errors: vr")
    size = spaxel_size(vr, "fig_map_errors: vr")
    extent = map_frame([vr], size, r_sun_kpc)[0]
    xlim, ylim = plane_frame(r_sun_kpc)
    flag = sigma_boundary(vr, "fig_map_errors: vr")
    lo, hi = map(float, limits_kms)
    norm = LogNorm(vmin=lo, vmax=hi)
    cmap = mpl.colormaps[MAP_CMAP]
    titles = {"sigma_R": r"$\sigma_R$", "vR_mean_err_sqrtn": r"$\sigma_R/\sqrt{N}$ (paper)",
              "vR_mean_err_marg": r"error of $\bar{v}_R$ marginalised over $\sigma_R$"}
    with paper_style():
        fig = Figure(figsize=(PAGE_WIDTH_IN, 0.4 * PAGE_WIDTH_IN), layout="constrained")
        axes = fig.subplots(1, 3, sharex=True, sharey=True)
        for ax, col in zip(axes, cols):
            values = finite_column(vr, col, "fig_map_errors: vr")
            xe, ye, img = spaxel_image(vr, np.where(values > 0, values, np.nan), size, extent)
            # empty spaxels stay transparent; zero values are drawn with the 'bad' grey
            zero = spaxel_image(vr, np.where(values > 0, np.nan, 1.0), size, extent)[2]
            ax.pcolormesh(xe, ye, zero, cmap=mpl.colors.ListedColormap(["0.8"]), gid="zero",
                          rasterized=True)
            mesh = ax.pcolormesh(xe, ye, img, norm=norm, cmap=cmap, gid=col, rasterized=True)
            galactic_plane_axes(ax, r_sun_kpc=r_sun_kpc, xlim=xlim, ylim=ylim,
                                label_longitudes=False)
            kpc_ticks(ax)
            if ax is axes[0]:
                note_outside_frame(ax, [vr], xlim, ylim)
            # a zero that is not a flagged boundary fit (an old product): grey, counted here
            n_other = int(np.sum((values <= 0) & ~flag))
            ax.set_title(titles[col] + (f"\n({n_other} spaxels = 0, grey)" if n_other else ""))
            if col != "vR_mean_err_marg" and mark_spaxels(ax, vr, flag, size) is not None:
                ax.legend(handles=[boundary_legend_handle(boundary_label(vr, flag), "0.8")],
                          loc="lower left", fontsize=5.5, frameon=True, framealpha=0.8,
                          edgecolor="none")
            if ax is not axes[0]:
                ax.set_ylabel("")
        cbar = fig.colorbar(mesh, ax=axes, label="km s$^{-1}$", extend="both", shrink=0.8,
                            aspect=30, pad=0.01)
        ticks = [t for t in (1, 2, 5, 10, 20, 50, 100, 200) if lo <= t <= hi]
        cbar.set_ticks(ticks, labels=[f"{t:g}" for t in ticks])
    return fig
