"""Figures of the comparisons with older and simulated populations: Fig. 12 (Auriga young/old
density and v̄_R), Fig. 13 (APOGEE DR17 astroNN v̄_R) and Fig. D.1 (Toomre diagram).

Same style and map furniture as :mod:`hotstars.plots.style` (paper frame: GC at (0, 0), Sun at
(-R_sun, 0), +Y toward l = 90 deg; v̄_R on a diverging colour map centred on 0, blue inward).
Functions are pure: they take tables and return a :class:`matplotlib.figure.Figure`; write it
with :func:`hotstars.plots.style.savefig`.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.patches import Circle

from hotstars.plots.style import (
    COLUMN_WIDTH_IN,
    PAGE_WIDTH_IN,
    PLAIN,
    VR_CMAP,
    PlotInputError,
    diverging_norm,
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

AURIGA_PANELS = ("young_density", "young_vR", "old_density", "old_vR")


def _draw_contours(ax, contours: Mapping | None) -> None:
    if contours is None:
        return
    x, y, z = (np.asarray(contours[k], float) for k in ("x", "y", "z"))
    if z.shape != (y.size, x.size):
        raise PlotInputError(f"contours: z has shape {z.shape}, expected {(y.size, x.size)}")
    ax.contour(x, y, z, levels=list(contours["levels"]), colors="k", linewidths=0.5,
               zorder=2.5).set_gid("contours")


def fig_auriga(maps: Mapping[str, pd.DataFrame], contours: Mapping[str, Mapping] | None = None,
               r_sun_kpc: float = 8.2, vmax_kms: float = 30.0,
               labels: Mapping[str, str] | None = None) -> Figure:
    """Fig. 12: the Auriga mock's young (top) and old (bottom) stars: stars per spaxel (left, log
    scale) and Eq. 4 v̄_R (right, ±``vmax_kms``), with each population's density contours
    (``contours["young"]``/``["old"]``: the :func:`hotstars.auriga.density_contours` dicts) on
    both of its panels.

    ``maps``: keys :data:`AURIGA_PANELS` (density: x_center, y_center, n_stars; vR: also
    vR_mean). ``labels``: row titles (default "young ..." / "old ...").
    """
    missing = [k for k in AURIGA_PANELS if k not in maps]
    if missing:
        raise PlotInputError(f"fig_auriga: missing map(s) {missing}")
    for key in AURIGA_PANELS:
        require(maps[key], ["x_center", "y_center", "n_stars"]
                 + (["vR_mean"] if key.endswith("vR") else []), f"fig_auriga: {key}")
    size = spaxel_size(pd.concat([maps[k] for k in AURIGA_PANELS]), "fig_auriga")
    extent, xlim, ylim = map_frame([maps[k] for k in AURIGA_PANELS], size, r_sun_kpc)
    labels = {"young": "young: $G < 16$, age < 0.5 Gyr, $T_\\mathrm{eff}$ > 10,000 K",
              "old": "old: giants (App. D cuts)", **(labels or {})}
    aspect = (ylim[1] - ylim[0]) / (xlim[1] - xlim[0])
    with paper_style():
        fig = Figure(figsize=(PAGE_WIDTH_IN, PAGE_WIDTH_IN * (0.85 * aspect + 0.1)),
                     layout="constrained")
        axes = fig.subplots(2, 2, sharex=True, sharey=True)
        for row, pop in zip(axes, ("young", "old")):
            dens, vr = maps[f"{pop}_density"], maps[f"{pop}_vR"]
            n = dens["n_stars"].to_numpy(float)
            panels = [(row[0], dens, n, LogNorm(vmin=1, vmax=max(2.0, n.max())),
                       truncated_cmap("Greys", 0.2, 1.0), f"{pop}_density",
                       f"stars per {size * 1000:g} pc spaxel ({format_count(int(n.sum()))})",
                       "neither"),
                      (row[1], vr, vr["vR_mean"].to_numpy(float),
                       diverging_norm([vmax_kms], vmax=vmax_kms), VR_CMAP, f"{pop}_vR",
                       r"$\bar{v}_R$ (km s$^{-1}$)", "both")]
            for ax, df, values, norm, cmap, gid, label, extend in panels:
                galactic_plane_axes(ax, r_sun_kpc=r_sun_kpc, xlim=xlim, ylim=ylim,
                                    label_longitudes=False)
                kpc_ticks(ax)
                _draw_contours(ax, (contours or {}).get(pop))
                if len(df):
                    xe, ye, img = spaxel_image(df, values, size, extent)
                    mesh = ax.pcolormesh(xe, ye, img, norm=norm, cmap=cmap, gid=gid,
                                         rasterized=True)
                    cbar = fig.colorbar(mesh, ax=ax, label=label, shrink=0.85, aspect=25,
                                        pad=0.01, extend=extend)
                    cbar.ax.yaxis.set_major_formatter(PLAIN)
                else:
                    ax.text(0.5, 0.5, "no spaxel", transform=ax.transAxes, ha="center",
                            gid="empty")
            row[0].set_title(labels[pop], loc="left")
            row[1].set_ylabel("")
        for ax in axes[0]:
            ax.set_xlabel("")
    return fig


def fig_apogee_vr(vr: pd.DataFrame, r_sun_kpc: float = 8.125, r_mask_kpc: float = 5.0,
                  vmax_kms: float = 30.0, hss_vr: pd.DataFrame | None = None,
                  hss_r_sun_kpc: float = 8.2, n_selected: int | None = None,
                  max_err_kms: float | None = None, min_stars: int | None = None) -> Figure:
    """Fig. 13: Eq. 4 v̄_R of the APOGEE DR17 giants per spaxel (``vr``: x_center, y_center,
    n_stars, vR_mean; with :func:`hotstars.apogee.fig13_map`'s ``plotted`` column only those
    spaxels are drawn), in astroNN's frame (Sun at (-``r_sun_kpc``, 0)), the masked region R <
    ``r_mask_kpc`` shaded (``gid='mask'``), in Fig. 7's frame
    (:func:`hotstars.plots.style.plane_frame`). With ``hss_vr`` (the Fig. 7 map) the HSS panel comes
    first (``gid='hss_vR'``). Both panels share one diverging scale ±``vmax_kms`` (Fig. 7's).
    A footnote (``gid='counts'``) accounts for the ``n_selected`` giants: in plotted spaxels,
    in spaxels above the ``max_err_kms`` error, in the mask, in spaxels with < ``min_stars``."""
    what = "fig_apogee_vr: vr"
    require(vr, ["x_center", "y_center", "n_stars", "vR_mean"], what)
    size = spaxel_size(vr, what)
    n = vr["n_stars"].to_numpy(int)
    shown = vr["plotted"].to_numpy(bool) if "plotted" in vr.columns else np.ones(len(vr), bool)
    if not shown.any():
        raise PlotInputError(f"{what}: no spaxel to plot (none passes the mask and precision cut)")
    panels = []
    if hss_vr is not None:
        require(hss_vr, ["x_center", "y_center", "n_stars", "vR_mean"], "fig_apogee_vr: hss_vr")
        panels.append((hss_vr, spaxel_size(hss_vr, "fig_apogee_vr: hss_vr"), hss_r_sun_kpc,
                       "hss_vR", f"HSS, as Fig. 7 ({format_count(int(hss_vr['n_stars'].sum()))}"
                       f" stars, {format_count(len(hss_vr))} spaxels)"))
    err = rf", $\sigma_R/\sqrt{{N}} < {max_err_kms:g}$ km s$^{{-1}}$" if max_err_kms else ""
    panels.append((vr.loc[shown], size, r_sun_kpc, "vR",
                   f"APOGEE DR17 giants ({format_count(int(n[shown].sum()))} stars, "
                   f"{format_count(int(shown.sum()))} spaxels of {size * 1000:g} pc{err})"))
    frames = [map_frame([df], sz, r0) for df, sz, r0, _, _ in panels]
    # the frame of Fig. 7 (plane_frame), wider only if astroNN's R_sun needs it
    frame_lims = [plane_frame(r0) for _, _, r0, _, _ in panels]
    xlim = (min(f[0][0] for f in frame_lims), max(f[0][1] for f in frame_lims))
    ylim = (min(f[1][0] for f in frame_lims), max(f[1][1] for f in frame_lims))
    aspect = (ylim[1] - ylim[0]) / (xlim[1] - xlim[0])
    width = COLUMN_WIDTH_IN * len(panels)
    norm = diverging_norm([vmax_kms], vmax=vmax_kms)
    with paper_style():
        fig = Figure(figsize=(width, COLUMN_WIDTH_IN * (0.85 * aspect + 0.45)),
                     layout="constrained")
        axes = np.atleast_1d(fig.subplots(1, len(panels), sharex=True, sharey=True))
        for ax, (df, sz, r0, gid, title), frame in zip(axes, panels, frames):
            xe, ye, img = spaxel_image(df, df["vR_mean"].to_numpy(float), sz, frame[0])
            mesh = ax.pcolormesh(xe, ye, img, norm=norm, cmap=VR_CMAP, gid=gid, rasterized=True)
            if gid == "vR":
                ax.add_patch(Circle((0.0, 0.0), r_mask_kpc, facecolor="0.85", edgecolor="0.5",
                                    linewidth=0.5, zorder=2, gid="mask"))
            galactic_plane_axes(ax, r_sun_kpc=r0, xlim=xlim, ylim=ylim)
            kpc_ticks(ax)
            note_outside_frame(ax, [df], xlim, ylim)
            ax.set_title(title, loc="left", fontsize="small")
        for ax in axes[1:]:
            ax.set_ylabel("")
        cbar = fig.colorbar(mesh, ax=list(axes), location="top", extend="both", pad=0.01,
                            aspect=35 * len(panels), shrink=0.9,
                            label=r"$\bar{v}_R$ (km s$^{-1}$), "
                                  f"same scale as Fig. 7 (±{vmax_kms:g})")
        cbar.ax.xaxis.set_major_formatter(PLAIN)
        if n_selected is not None:
            in_mask = int(n[vr["in_mask"].to_numpy(bool)].sum()) if "in_mask" in vr else 0
            noisy = int(n[~shown].sum()) - in_mask
            sparse = int(n_selected) - int(n.sum())
            fig.text(0.01, 0.0, f"APOGEE: {format_count(int(n_selected))} giants selected; "
                     f"{format_count(int(n[shown].sum()))} in plotted spaxels, "
                     f"{format_count(noisy)} in spaxels with error ≥ {max_err_kms:g} km s$^{{-1}}$, "
                     f"{format_count(in_mask)} in R < {r_mask_kpc:g} kpc (masked), "
                     f"{format_count(sparse)} in spaxels with N < {min_stars} or without v_R",
                     fontsize="x-small", ha="left", va="bottom", gid="counts", wrap=True)
    return fig


def fig_toomre(stars: pd.DataFrame, v_range_kms: Sequence[float] = (-600.0, 200.0),
               uw_max_kms: float = 400.0, bin_kms: float = 10.0) -> Figure:
    """Fig. D.1: Toomre diagram, √(U² + W²) against V (km/s, relative to the Sun), of the stars
    passing the App. D cuts 1-3 (``stars`` flags in_plane, dist_ok, giant; columns U, V, W):
    kept stars as a 2-D histogram (log scale, ``gid='kept'``), those the Toomre cut removes as
    red points (``gid='removed'``); the selection box (dashed, ``gid='cut'``) and circles of
    constant speed every 100 km/s."""
    what = "fig_toomre: stars"
    require(stars, ["U", "V", "W", "in_plane", "dist_ok", "giant"], what)
    base = (stars["in_plane"].to_numpy(bool) & stars["dist_ok"].to_numpy(bool)
            & stars["giant"].to_numpy(bool))
    uu, vv, ww = (stars[c].to_numpy(float) for c in ("U", "V", "W"))
    uw = np.hypot(uu, ww)
    lo, hi = map(float, v_range_kms)
    finite = base & np.isfinite(vv) & np.isfinite(uw)
    with np.errstate(invalid="ignore"):
        kept = finite & (vv > lo) & (vv < hi) & (uw < uw_max_kms)
    if not finite.any():
        raise PlotInputError(f"{what}: no star passes the cuts 1-3 with finite U, V, W")
    removed = finite & ~kept
    xlim = (min(lo - 100.0, np.nanmin(vv[finite]) - 20),
            max(hi + 100.0, np.nanmax(vv[finite]) + 20))
    ylim = (0.0, max(uw_max_kms + 100.0, np.nanmax(uw[finite]) + 20))
    xe = np.arange(np.floor(xlim[0] / bin_kms), np.ceil(xlim[1] / bin_kms) + 1) * bin_kms
    ye = np.arange(0.0, np.ceil(ylim[1] / bin_kms) + 1) * bin_kms
    hist = np.histogram2d(vv[kept], uw[kept], bins=(xe, ye))[0].T
    with paper_style():
        height = COLUMN_WIDTH_IN * 0.9 * (ylim[1] - ylim[0]) / (xlim[1] - xlim[0]) + 0.9
        fig = Figure(figsize=(COLUMN_WIDTH_IN, height), layout="constrained")
        ax = fig.add_subplot()
        mesh = ax.pcolormesh(xe, ye, np.ma.masked_equal(hist, 0),
                             norm=LogNorm(vmin=1, vmax=max(2.0, hist.max())),
                             cmap=truncated_cmap("Greys", 0.25, 1.0), gid="kept", rasterized=True)
        ax.plot(vv[removed], uw[removed], ".", color="#c0392b", markersize=2, gid="removed",
                label=f"removed ({format_count(int(removed.sum()))})")
        t = np.linspace(0, np.pi, 200)
        for r in np.arange(100.0, np.hypot(max(map(abs, xlim)), ylim[1]), 100.0):
            ax.plot(r * np.cos(t), r * np.sin(t), color="0.6", linewidth=0.4, linestyle=":",
                    zorder=1)
        box = (f"${lo:g} < V < {hi:g}$, ".replace("-", "\N{MINUS SIGN}")
               + f"$\\sqrt{{U^2 + W^2}} < {uw_max_kms:g}$ km s$^{{-1}}$")
        ax.plot([lo, lo, hi, hi], [0.0, uw_max_kms, uw_max_kms, 0.0], color="k", linewidth=0.8,
                linestyle="--", gid="cut", label=box)
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.set_aspect("equal")
        ax.set_xlabel("$V$ (km s$^{-1}$)")
        ax.set_ylabel(r"$\sqrt{U^2 + W^2}$ (km s$^{-1}$)")
        ax.xaxis.set_major_formatter(PLAIN)
        fig.legend(loc="outside lower center", ncols=2, markerscale=3)
        cbar = fig.colorbar(mesh, ax=ax, location="top", pad=0.01, aspect=35, shrink=0.9,
                            label=f"kept stars per {bin_kms:g} × {bin_kms:g} km s$^{{-1}}$ bin "
                                  f"({format_count(int(kept.sum()))})")
        ticks = [t for t in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000)
                 if t <= max(2.0, hist.max())]
        cbar.set_ticks(ticks, labels=[f"{t:g}" for t in ticks])
        cbar.ax.xaxis.set_minor_formatter(mpl.ticker.NullFormatter())
    return fig
