"""Figures comparing the kinematics with the density structure: Fig. 10 (density contrast, v̄_R
and the Reid et al. 2019 arms) and Fig. 11 with its Δ_Σ contours and OB-association labels.

Same style and frame as :mod:`hotstars.plots.style` (its :func:`~hotstars.plots.style.paper_style`,
:func:`~hotstars.plots.style.galactic_plane_axes`, spaxel images); figure functions are pure and
return a :class:`matplotlib.figure.Figure` (write it with :func:`hotstars.plots.style.savefig`).
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from hotstars import contrast as contrast_mod
from hotstars.plots.ages import fig_young_old
from hotstars.plots.style import (
    HALO,
    PAGE_WIDTH_IN,
    PLAIN,
    VR_CMAP,
    PlotInputError,
    diverging_norm,
    finite_column,
    galactic_plane_axes,
    kpc_ticks,
    map_frame,
    note_outside_frame,
    paper_style,
    plane_frame,
    require,
    sample_label_box,
    spaxel_image,
    spaxel_size,
)
from hotstars.spiral import PAPER_ARMS

CONTRAST_CMAP = "PuOr_r"  # Δ_Σ: orange over-dense, purple under-dense (not v̄_R's red/blue)
CONTRAST_LIMITS = (-1.0, 1.0)
# Contour styles of Δ_Σ = 0 and 0.5 (the paper: solid black lines at both levels)
CONTOUR_STYLE = {0.0: dict(linewidths=0.5, linestyles="solid"),
                 0.5: dict(linewidths=1.1, linestyles="solid")}


def _contour_style(levels: Sequence[float]):
    widths = [CONTOUR_STYLE.get(float(v), {}).get("linewidths", 0.8) for v in levels]
    return dict(colors="k", linewidths=widths, linestyles="solid")


def _draw_contours(ax, grid: Mapping, gid: str = "contrast_contours"):
    cs = ax.contour(grid["x"], grid["y"], grid["z"], levels=grid["levels"], zorder=2.5,
                    **_contour_style(grid["levels"]))
    cs.set_gid(gid)
    return cs


def _contour_legend(ax, levels: Sequence[float]) -> None:
    handles = [Line2D([], [], color="k", linewidth=w, label=rf"$\Delta_\Sigma = {v:g}$")
               for v, w in zip(levels, _contour_style(levels)["linewidths"])]
    ax.legend(handles=handles, loc="lower left", fontsize=6, framealpha=0.8, frameon=True,
              edgecolor="none")


def _plane_panels(axes, grid: Mapping, r_sun_kpc: float, xlim, ylim) -> None:
    """Plane furniture on every panel, the Δ_Σ contours on the first two, their legend."""
    for ax in axes:
        galactic_plane_axes(ax, r_sun_kpc=r_sun_kpc, xlim=xlim, ylim=ylim,
                            label_longitudes=ax is axes[0])
        kpc_ticks(ax)
    for ax in axes[:2]:
        _draw_contours(ax, grid)
    _contour_legend(axes[0], grid["levels"])


def _arm_label_point(x: np.ndarray, y: np.ndarray, xlim, ylim, margin: float = 0.06):
    """The vertex with the largest azimuth index (the end toward +Y, Galactic rotation) that lies
    inside the limits shrunk by ``margin`` of their span; None if the arm misses the frame."""
    dx, dy = margin * (xlim[1] - xlim[0]), margin * (ylim[1] - ylim[0])
    inside = ((x > xlim[0] + dx) & (x < xlim[1] - dx) & (y > ylim[0] + dy) & (y < ylim[1] - dy))
    idx = np.flatnonzero(inside)
    return None if idx.size == 0 else (x[idx[-1]], y[idx[-1]])


def fig_contrast(contrast: pd.DataFrame, vr_map: pd.DataFrame,
                 arms: Mapping[str, tuple[np.ndarray, np.ndarray]], r_sun_kpc: float = 8.2,
                 vmax_kms: float = 30.0, levels: Sequence[float] = contrast_mod.CONTOUR_LEVELS,
                 arm_names: Mapping[str, str] | None = None,
                 sample_label: str | None = None) -> Figure:
    """Fig. 10: the density contrast and the v̄_R map, with the Δ_Σ contours and the spiral arms.

    ``contrast``: :func:`hotstars.contrast.density_contrast` product (x, y, delta_sigma on a full
    pixel grid; NaN outside the footprint); ``vr_map``: the v̄_R spaxel map (x_center, y_center,
    n_stars, vR_mean in km/s); ``arms``: {name: (X, Y)} in kpc (:func:`hotstars.spiral.arm_curves`),
    drawn in the right panel and labelled with ``arm_names`` (default
    :data:`hotstars.spiral.PAPER_ARMS`, whose keys also select the arms drawn; others are
    skipped). Left: Δ_Σ (colour :data:`CONTRAST_CMAP` over ±1) with the contours at ``levels``
    (paper: 0 and 0.5); middle: v̄_R (±``vmax_kms``, :data:`hotstars.plots.style.VR_CMAP`) with
    the same contours; right: v̄_R with the arms. Plane furniture and the shared frame
    (:func:`hotstars.plots.style.plane_frame`) as Figs. 7 and 8. ``sample_label``: if given
    (e.g. "Δ_Σ: Z21 OB targets, N = 31,204; w = 0.3 / 2 kpc"), written in a small box at the
    top of the Δ_Σ panel.
    """
    require(vr_map, ["x_center", "y_center", "n_stars", "vR_mean"], "fig_contrast: vr_map")
    vr = finite_column(vr_map, "vR_mean", "fig_contrast: vr_map")
    try:
        grid = contrast_mod.contour_grid(contrast, levels=levels)
    except contrast_mod.ContrastError as err:
        raise PlotInputError(f"fig_contrast: contrast: {err}") from None
    z = grid["z"]
    if not np.isfinite(z).any():
        raise PlotInputError("fig_contrast: contrast: delta_sigma has no finite value")
    names = PAPER_ARMS if arm_names is None else arm_names
    size = spaxel_size(vr_map, "fig_contrast: vr_map")
    extent = map_frame([vr_map], size, r_sun_kpc)[0]
    xlim, ylim = plane_frame(r_sun_kpc)
    pix = float(np.min(np.diff(grid["x"]))) if grid["x"].size > 1 else 1.0
    xe = np.append(grid["x"] - pix / 2, grid["x"][-1] + pix / 2)
    ye = np.append(grid["y"] - pix / 2, grid["y"][-1] + pix / 2)
    with paper_style():
        fig = Figure(figsize=(PAGE_WIDTH_IN, 0.42 * PAGE_WIDTH_IN), layout="constrained")
        axes = fig.subplots(1, 3, sharex=True, sharey=True)
        mesh = axes[0].pcolormesh(xe, ye, np.ma.masked_invalid(z), cmap=CONTRAST_CMAP,
                                  norm=Normalize(*CONTRAST_LIMITS), gid="delta_sigma",
                                  rasterized=True)
        cbar = fig.colorbar(mesh, ax=axes[0], location="top", shrink=0.85, aspect=30, pad=0.01,
                            extend="both", label=r"density contrast $\Delta_\Sigma$")
        cbar.ax.xaxis.set_major_formatter(PLAIN)
        xs, ys, img = spaxel_image(vr_map, vr, size, extent)
        for ax in axes[1:]:
            vmesh = ax.pcolormesh(xs, ys, img, norm=diverging_norm(vr, vmax=vmax_kms),
                                  cmap=VR_CMAP, gid="vR", rasterized=True)
        cbar = fig.colorbar(vmesh, ax=axes[1:], location="top", shrink=0.5, aspect=35, pad=0.01,
                            extend="both", label=r"$\bar{v}_R$ (km s$^{-1}$)")
        cbar.ax.xaxis.set_major_formatter(PLAIN)
        _plane_panels(axes, grid, r_sun_kpc, xlim, ylim)
        note_outside_frame(axes[1], [vr_map], xlim, ylim)
        if sample_label:
            sample_label_box(axes[0], sample_label)
        for key, label in names.items():
            if key not in arms:
                continue
            ax_x, ax_y = (np.asarray(a, float) for a in arms[key])
            axes[2].plot(ax_x, ax_y, color="k", linewidth=1.2, zorder=2.6, gid=f"arm_{key}")
            at = _arm_label_point(ax_x, ax_y, xlim, ylim)
            if at is not None:
                axes[2].text(*at, label, fontsize=6, ha="center", va="bottom", zorder=4,
                             gid=f"arm_label_{key}", path_effects=HALO)
        for ax in axes[1:]:
            ax.set_ylabel("")
    return fig


def fig_young_old_contours(young: pd.DataFrame, old: pd.DataFrame, contrast: pd.DataFrame,
                           associations: pd.DataFrame | None = None, r_sun_kpc: float = 8.2,
                           young_max_myr: float = 30.0, old_min_myr: float = 150.0,
                           levels: Sequence[float] = contrast_mod.CONTOUR_LEVELS,
                           size_kpc: float | None = None,
                           sample_label: str | None = None) -> Figure:
    """Fig. 11 as in the paper: :func:`hotstars.plots.ages.fig_young_old` (young <
    ``young_max_myr`` left, old > ``old_min_myr`` right, stars per spaxel) with the Δ_Σ contours of
    all stars at ``levels`` on both panels (``contrast``:
    :func:`hotstars.contrast.density_contrast` product) and, on the left panel, the star-forming
    regions of ``associations`` (:func:`hotstars.associations.association_xy`: name, group, x, y in
    kpc): a small open circle per region and one label per group, placed at the group's mean
    position. ``sample_label``: if given (e.g. "Δ_Σ: Z21 OB targets, N = 31,204; w = 0.3 / 2
    kpc"), written in a small box at the top of both contour panels.
    """
    try:
        grid = contrast_mod.contour_grid(contrast, levels=levels)
    except contrast_mod.ContrastError as err:
        raise PlotInputError(f"fig_young_old_contours: contrast: {err}") from None
    fig = fig_young_old(young, old, r_sun_kpc=r_sun_kpc, young_max_myr=young_max_myr,
                        old_min_myr=old_min_myr, contours=grid, size_kpc=size_kpc,
                        sample_label=sample_label)
    if associations is None or not len(associations):
        return fig
    require(associations, ["group", "x", "y"], "fig_young_old_contours: associations")
    ax = fig.axes[0]  # the young-star panel (first subplot)
    with paper_style():
        ax.plot(associations["x"], associations["y"], linestyle="none", marker="o",
                markersize=4, markerfacecolor="none", markeredgecolor="tab:red",
                markeredgewidth=0.7, zorder=4, gid="associations")
        xlim, ylim = ax.get_xlim(), ax.get_ylim()
        for group, rows in associations.groupby("group", sort=False):
            x, y = rows["x"].mean(), rows["y"].mean()
            # label outward from the Sun, so that it does not cover the clump itself
            dx, dy = x + r_sun_kpc, y
            norm = max(np.hypot(dx, dy), 1e-9)
            tx = np.clip(x + 0.9 * dx / norm, xlim[0] + 0.5, xlim[1] - 0.5)
            ty = np.clip(y + 0.9 * dy / norm, ylim[0] + 0.5, ylim[1] - 0.5)
            ax.annotate(group, (x, y), xytext=(tx, ty), fontsize=6, color="tab:red",
                        ha="center", va="center", zorder=4, path_effects=HALO,
                        arrowprops=dict(arrowstyle="-", color="tab:red", linewidth=0.5,
                                        shrinkA=0, shrinkB=2),
                        gid=f"association_{group}")
    return fig


def _field_image(field: pd.DataFrame, column: str):
    """(x edges, y edges, masked image [y, x]) of a full pixel grid (:mod:`hotstars.vrfield`)."""
    try:
        grid = contrast_mod.contour_grid(field, column=column)
    except contrast_mod.ContrastError as err:
        raise PlotInputError(f"fig_vr_field: field: {err}") from None
    xs, ys = grid["x"], grid["y"]
    if xs.size < 2 or ys.size < 2:
        raise PlotInputError(f"fig_vr_field: field: {xs.size} x {ys.size} pixels")
    pix = float(xs[1] - xs[0])
    return (np.append(xs - pix / 2, xs[-1] + pix / 2), np.append(ys - pix / 2, ys[-1] + pix / 2),
            np.ma.masked_invalid(grid["z"]))


def fig_vr_field(field: pd.DataFrame, vr_map: pd.DataFrame, contrast: pd.DataFrame,
                 arms: Mapping[str, tuple[np.ndarray, np.ndarray]], r_sun_kpc: float = 8.2,
                 vmax_kms: float = 30.0, err_max_kms: float = 10.0,
                 levels: Sequence[float] = contrast_mod.CONTOUR_LEVELS,
                 label: str | None = None) -> Figure:
    """The continuous v̄_R field beside the spaxel map, in the style of Fig. 7 / Fig. 10.

    Left: ``field`` (:func:`hotstars.vrfield.vr_field`; vR_smooth, blank where not supported)
    with the Reid et al. (2019) arms (``arms``, :data:`hotstars.spiral.PAPER_ARMS`) and the Δ_Σ
    contours at ``levels`` of ``contrast``; middle: the Eq. 4 spaxel map (``vr_map``) with the
    same lines; right: the field's 1σ error vR_smooth_err (0 … ``err_max_kms``) with a 5 km/s
    contour. Same colour scale (±``vmax_kms``) and frame as Fig. 7; ``label`` (bandwidth, σ_R,
    stars) in a box on the left panel.
    """
    require(field, ["x", "y", "vR_smooth", "vR_smooth_err"], "fig_vr_field: field")
    require(vr_map, ["x_center", "y_center", "n_stars", "vR_mean"], "fig_vr_field: vr_map")
    if not np.isfinite(field["vR_smooth"].to_numpy(float)).any():
        raise PlotInputError("fig_vr_field: field: vR_smooth has no finite value (no pixel "
                             "supported)")
    vr = finite_column(vr_map, "vR_mean", "fig_vr_field: vr_map")
    try:
        grid = contrast_mod.contour_grid(contrast, levels=levels)
    except contrast_mod.ContrastError as err:
        raise PlotInputError(f"fig_vr_field: contrast: {err}") from None
    xe, ye, img = _field_image(field, "vR_smooth")
    _, _, err = _field_image(field, "vR_smooth_err")
    size = spaxel_size(vr_map, "fig_vr_field: vr_map")
    extent = map_frame([vr_map], size, r_sun_kpc)[0]
    xlim, ylim = plane_frame(r_sun_kpc)
    norm = diverging_norm(vr, vmax=vmax_kms)
    with paper_style():
        fig = Figure(figsize=(PAGE_WIDTH_IN, 0.42 * PAGE_WIDTH_IN), layout="constrained")
        axes = fig.subplots(1, 3, sharex=True, sharey=True)
        axes[0].pcolormesh(xe, ye, img, norm=norm, cmap=VR_CMAP, gid="vR_smooth",
                           rasterized=True)
        xs, ys, simg = spaxel_image(vr_map, vr, size, extent)
        vmesh = axes[1].pcolormesh(xs, ys, simg, norm=norm, cmap=VR_CMAP, gid="vR",
                                   rasterized=True)
        cbar = fig.colorbar(vmesh, ax=axes[:2], location="top", shrink=0.5, aspect=35,
                            pad=0.01, extend="both", label=r"$\bar{v}_R$ (km s$^{-1}$)")
        cbar.ax.xaxis.set_major_formatter(PLAIN)
        emesh = axes[2].pcolormesh(xe, ye, err, cmap="viridis", vmin=0, vmax=err_max_kms,
                                   gid="vR_smooth_err", rasterized=True)
        xc, yc = (xe[:-1] + xe[1:]) / 2, (ye[:-1] + ye[1:]) / 2
        if np.ma.count(err) and np.nanmin(err.filled(np.nan)) < 5.0 < np.nanmax(err.filled(np.nan)):
            axes[2].contour(xc, yc, err.filled(np.inf), levels=[5.0], colors="w",
                            linewidths=0.8, gid="err_5kms")
        cbar = fig.colorbar(emesh, ax=axes[2], location="top", shrink=0.85, aspect=20,
                            pad=0.01, extend="max",
                            label=r"error of $\bar{v}_R$ (km s$^{-1}$); white: 5")
        cbar.ax.xaxis.set_major_formatter(PLAIN)
        _plane_panels(axes, grid, r_sun_kpc, xlim, ylim)
        for ax in axes[:2]:
            for key in PAPER_ARMS:
                if key in arms:
                    ax.plot(*(np.asarray(a, float) for a in arms[key]), color="k",
                            linewidth=0.9, linestyle="--", zorder=2.6, gid=f"arm_{key}")
        axes[0].set_title("continuous field", fontsize=7)
        axes[1].set_title(f"spaxel map ({size * 1000:g} pc, Eq. 4)", fontsize=7)
        axes[2].set_title("field error (jackknife)", fontsize=7)
        if label:
            sample_label_box(axes[0], label)
        for ax in axes[1:]:
            ax.set_ylabel("")
    return fig
