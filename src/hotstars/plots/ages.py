"""Figures of the ages (Zari et al. 2025, Sec. 3.2): Fig. 8 (mean log-age map), Fig. 9 (cluster ages
against the catalogues') and the young / old density panels of Fig. 11."""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from hotstars.errors import require_columns
from hotstars.plots.style import (
    COLUMN_WIDTH_IN,
    PAGE_WIDTH_IN,
    PLAIN,
    PlotInputError,
    finite_column,
    format_count,
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
    truncated_cmap,
)
from hotstars.stats import robust_std

AGE_CMAP = "viridis"  # mean log-age (Fig. 8): dark = young, yellow = old


LOGAGE_LABEL = r"$\log(\mathrm{age}/\mathrm{yr})$"


CLUSTER_CMAP = "plasma"  # number of hot members per cluster (Fig. 9)


CATALOGUE_NAMES = {"h23": "Hunt & Reffert (2023)", "cg20": "Cantat-Gaudin et al. (2020)"}


CLUSTER_COLUMNS = ["cluster", "n_hot", "logage_hs", "logage_err_hs", "logage_joint",
                   "logage_err_joint", "logage_catalogue"]


def _signed(v: float, fmt: str = "+.2f") -> str:
    return f"{v:{fmt}}".replace("-", "\N{MINUS SIGN}")


def fig_logage_map(logage_map: pd.DataFrame, r_sun_kpc: float = 8.2,
                   limits: Sequence[float] = (6.5, 8.7), size_kpc: float | None = None) -> Figure:
    """Fig. 8: mean log-age (``logage_mean``, log10(age/yr)) per spaxel in the Galactic plane.

    ``logage_map``: the :func:`hotstars.maps.logage_map` product (x_center, y_center, n_stars,
    logage_mean). Sequential colour map :data:`AGE_CMAP` over ``limits`` (dex; young dark),
    the plane furniture of :func:`galactic_plane_axes` in the shared frame
    :func:`hotstars.plots.style.plane_frame` (as Figs. 7 and 10). ``size_kpc``: the spaxel size
    (kpc), inferred from the centres if None (a sparse map may need it given).
    """
    what = "fig_logage_map: logage_map"
    require(logage_map, ["x_center", "y_center", "n_stars", "logage_mean"], what)
    values = finite_column(logage_map, "logage_mean", what)
    size = float(size_kpc) if size_kpc is not None else spaxel_size(logage_map, what)
    extent = map_frame([logage_map], size, r_sun_kpc)[0]
    xlim, ylim = plane_frame(r_sun_kpc)
    with paper_style():
        aspect = (ylim[1] - ylim[0]) / (xlim[1] - xlim[0])  # height of the map / its width
        fig = Figure(figsize=(COLUMN_WIDTH_IN, COLUMN_WIDTH_IN * (0.85 * aspect + 0.3)),
                     layout="constrained")
        ax = fig.add_subplot()
        xe, ye, img = spaxel_image(logage_map, values, size, extent)
        mesh = ax.pcolormesh(xe, ye, img, cmap=AGE_CMAP, vmin=limits[0], vmax=limits[1],
                             gid="logage", rasterized=True)
        galactic_plane_axes(ax, r_sun_kpc=r_sun_kpc, xlim=xlim, ylim=ylim)
        kpc_ticks(ax)
        note_outside_frame(ax, [logage_map], xlim, ylim)
        cbar = fig.colorbar(mesh, ax=ax, location="top", extend="both", pad=0.01, aspect=35,
                            shrink=0.9,
                            label=f"mean {LOGAGE_LABEL} per {size * 1000:g} × {size * 1000:g} pc "
                                  f"spaxel ({format_count(len(logage_map))} spaxels with "
                                  f"$N \\geq {int(logage_map['n_stars'].min())}$)")
        cbar.ax.xaxis.set_major_formatter(PLAIN)
    return fig


def _valid_contours(contours: Mapping) -> Mapping:
    """Check the contour hook of :func:`fig_young_old`: x (nx), y (ny), z (ny × nx), levels."""
    missing = [k for k in ("x", "y", "z", "levels") if k not in contours]
    if missing:
        raise PlotInputError(f"fig_young_old: contours need keys x, y, z, levels; missing "
                             f"{missing}")
    x, y, z = (np.asarray(contours[k], float) for k in ("x", "y", "z"))
    if z.shape != (y.size, x.size):
        raise PlotInputError(f"fig_young_old: contours z has shape {z.shape}, expected "
                             f"(len(y), len(x)) = {(y.size, x.size)}")
    return {"x": x, "y": y, "z": z, "levels": list(contours["levels"])}


def fig_young_old(young: pd.DataFrame, old: pd.DataFrame, r_sun_kpc: float = 8.2,
                  young_max_myr: float = 30.0, old_min_myr: float = 150.0,
                  contours: Mapping | None = None, size_kpc: float | None = None,
                  sample_label: str | None = None) -> Figure:
    """Fig. 11: stars per spaxel of the young (< ``young_max_myr``, left) and the older
    (> ``old_min_myr``, right) map stars, log colour scale, the shared frame
    (:func:`hotstars.plots.style.plane_frame`) and plane furniture.

    ``young``, ``old``: :func:`hotstars.maps.young_old_density` products (x_center, y_center,
    n_stars) of the map stars (:func:`hotstars.maps.select_age_map_stars`: HSS stars in the v_φ
    window with usable v_R and an age); the titles count their stars, the numbers
    summary.json gives as ``ages.n_young_map`` / ``ages.n_old_map``. An empty one gives a panel
    saying so. ``sample_label``: if given, written in a small box at the top of both panels
    (e.g. the sample and kernels of the Δ_Σ contours). ``contours`` (hook for the density contrast
    Δ_Σ of Eq. 15, drawn as solid black lines on both panels, ``gid='contours'``): a mapping
    with ``x``, ``y`` (grid centres, kpc), ``z`` (array [len(y), len(x)]) and ``levels``.
    ``size_kpc``: the spaxel size, inferred from the centres if None.
    """
    tables = {"young": young, "old": old}
    for name, df in tables.items():
        require_columns(df, ("x_center", "y_center", "n_stars"), f"fig_young_old: {name}",
                        PlotInputError)
    filled = [df for df in tables.values() if len(df)]
    if size_kpc is not None:
        size = float(size_kpc)
    elif filled:
        size = spaxel_size(pd.concat(filled), "fig_young_old")
    else:
        size = 0.25
    extent = map_frame(filled, size, r_sun_kpc)[0] if filled else None
    xlim, ylim = plane_frame(r_sun_kpc)
    contours = _valid_contours(contours) if contours is not None else None
    titles = {"young": f"younger than {young_max_myr:g} Myr",
              "old": f"older than {old_min_myr:g} Myr"}
    with paper_style():
        fig = Figure(figsize=(PAGE_WIDTH_IN, 0.5 * PAGE_WIDTH_IN), layout="constrained")
        axes = fig.subplots(1, 2, sharex=True, sharey=True)
        for ax, (name, df) in zip(axes, tables.items()):
            n_stars = df["n_stars"].to_numpy(dtype=float)
            galactic_plane_axes(ax, r_sun_kpc=r_sun_kpc, xlim=xlim, ylim=ylim)
            kpc_ticks(ax)
            ax.set_title(f"{titles[name]} ({format_count(int(n_stars.sum()))} map stars)")
            if sample_label:
                sample_label_box(ax, sample_label)
            if contours is not None:
                ax.contour(contours["x"], contours["y"], contours["z"], levels=contours["levels"],
                           colors="k", linewidths=0.6, zorder=2.5).set_gid("contours")
            if not len(df):
                ax.text(0.5, 0.5, "no stars", transform=ax.transAxes, ha="center",
                        gid="empty")
                continue
            note_outside_frame(ax, [df], xlim, ylim)
            xe, ye, img = spaxel_image(df, n_stars, size, extent)
            mesh = ax.pcolormesh(xe, ye, img, norm=LogNorm(vmin=1, vmax=max(2.0, n_stars.max())),
                                 cmap=truncated_cmap("Greys", 0.2, 1.0), gid=name, rasterized=True)
            cbar = fig.colorbar(mesh, ax=ax, location="top", shrink=0.8, aspect=35, pad=0.01,
                                label=f"stars per {size * 1000:g} × {size * 1000:g} pc spaxel")
            ticks = [t for t in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
                     if t <= max(2.0, n_stars.max())]
            cbar.set_ticks(ticks, labels=[f"{t:g}" for t in ticks])
            cbar.ax.xaxis.set_minor_formatter(mpl.ticker.NullFormatter())
        axes[1].set_ylabel("")
    return fig


def _cluster_rows(df: pd.DataFrame, what: str) -> pd.DataFrame:
    """The rows of a cluster table with finite catalogue and hot-star ages (empty allowed)."""
    missing = [c for c in CLUSTER_COLUMNS if c not in df.columns]
    if missing and len(df):
        raise PlotInputError(f"{what}: missing column(s) {missing}; has {list(df.columns)}")
    if not len(df):
        return df
    ok = np.isfinite(df["logage_hs"].to_numpy(float)) & np.isfinite(
        df["logage_catalogue"].to_numpy(float))
    return df.loc[ok]


def _cluster_panel(ax, df: pd.DataFrame, x_col: str, x_label: str, norm, cmap,
                   marker: str = "o", tag: str = "") -> None:
    """Our cluster ages (y; filled: median of Π f⋆, open: joint ψ Π G⋆) against ``x_col``."""
    x = df[x_col].to_numpy(float)
    colours = cmap(norm(df["n_hot"].to_numpy(float)))
    xerr = None
    if x_col == "logage_catalogue" and {"logage_catalogue_p16", "logage_catalogue_p84"} <= set(
            df.columns):
        xerr = np.abs(np.vstack([x - df["logage_catalogue_p16"].to_numpy(float),
                                 df["logage_catalogue_p84"].to_numpy(float) - x]))
    for col, err, filled in (("logage_hs", "logage_err_hs", True),
                             ("logage_joint", "logage_err_joint", False)):
        y = df[col].to_numpy(float)
        d = y - x
        d = d[np.isfinite(d)]
        name = r"$\prod f_\star$" if filled else r"$\psi\prod\mathcal{G}_\star$"
        ax.errorbar(x, y, yerr=df[err].to_numpy(float), xerr=xerr if filled else None,
                    fmt="none", ecolor="0.6", elinewidth=0.5, capsize=0, zorder=1)
        size, lw = (14, 0.4) if filled else (22, 0.8)
        ax.scatter(x, y, s=size, marker=marker, zorder=2, linewidths=lw,
                   facecolors=colours if filled else "none", edgecolors="k" if filled else colours,
                   gid=f"{'hs' if filled else 'joint'}{'_' + tag.strip() if tag else ''}")
        if d.size:  # a neutral legend symbol (the points are coloured by n_hot)
            ax.scatter([], [], s=size, marker=marker, linewidths=lw,
                       facecolors="0.6" if filled else "none", edgecolors="k" if filled else "0.3",
                       label=(f"{tag}{name} ($N$ = {d.size}): $\\Delta$ = "
                              f"{_signed(np.median(d))}, $\\sigma$ = {robust_std(d):.2f}"))
    ax.set_xlabel(x_label)


def fig_cluster_ages(h23: pd.DataFrame, cg20: pd.DataFrame) -> Figure:
    """Fig. 9: cluster log-ages from the hot members against Hunt & Reffert (2023) logAge50
    (left) and Cantat-Gaudin et al. (2020) AgeNN (right).

    Tables (:mod:`hotstars.clusters`): cluster, n_hot, logage_hs, logage_err_hs (median and
    error of Π f⋆(τ), the paper's), logage_joint, logage_err_joint (the joint posterior
    ψ(τ) Π G⋆(τ)), logage_catalogue (optional logage_catalogue_p16/p84: horizontal error
    bars); log10(age/yr). Filled symbols: Π f⋆; open: joint; colour: the number of hot members (colour
    bar); dashed: 1:1. The legend gives N, the median offset Δ (ours − catalogue) and the robust
    scatter σ (1.4826 MAD), dex. With a ``logage_true`` column (mock), a third panel compares
    with the truth (circles H23, squares CG20). An empty table gives a panel saying "no cluster
    passes the cuts".
    """
    tables = {"h23": _cluster_rows(h23, "fig_cluster_ages: h23"),
              "cg20": _cluster_rows(cg20, "fig_cluster_ages: cg20")}
    truth = {k: df.loc[np.isfinite(df["logage_true"].to_numpy(float))]
             for k, df in tables.items() if len(df) and "logage_true" in df.columns}
    truth = {k: df for k, df in truth.items() if len(df)}
    filled = [df for df in tables.values() if len(df)]
    values = np.concatenate([df[c].to_numpy(float) for df in filled for c in
                             ("logage_hs", "logage_joint", "logage_catalogue")]
                            + [df["logage_true"].to_numpy(float) for df in truth.values()]
                            + [np.array([6.0, 9.0])])  # at least the isochrone grid
    values = values[np.isfinite(values)]
    lim = (np.floor(values.min() * 4) / 4 - 0.1, np.ceil(values.max() * 4) / 4 + 0.1)
    n_hot = (np.concatenate([df["n_hot"].to_numpy(float) for df in filled]) if filled
             else np.ones(1))
    norm = mpl.colors.Normalize(vmin=n_hot.min(), vmax=max(n_hot.max(), n_hot.min() + 1))
    cmap = mpl.colormaps[CLUSTER_CMAP]
    n_panels = 3 if truth else 2
    with paper_style():
        fig = Figure(figsize=(PAGE_WIDTH_IN * n_panels / 3 + 0.6, PAGE_WIDTH_IN / 3 + 0.5),
                     layout="constrained")
        axes = fig.subplots(1, n_panels, sharey=True)
        for ax, (name, df) in zip(axes, tables.items()):
            ax.set_title(CATALOGUE_NAMES[name])
            if len(df):
                _cluster_panel(ax, df, "logage_catalogue",
                               f"{LOGAGE_LABEL}, {CATALOGUE_NAMES[name].split(' (')[0]}",
                               norm, cmap)
            else:
                ax.set_xlabel(f"{LOGAGE_LABEL}, catalogue")
                ax.text(0.5, 0.5, "no cluster passes the cuts", transform=ax.transAxes,
                        ha="center", va="center", gid="empty")
        if truth:
            ax = axes[2]
            ax.set_title("mock truth")
            for (name, df), marker in zip(truth.items(), ("o", "s")):
                _cluster_panel(ax, df, "logage_true", f"true {LOGAGE_LABEL}", norm, cmap,
                               marker=marker, tag=f"{name.upper()} ")
        for ax in axes:
            ax.plot(lim, lim, color="0.3", linestyle="--", linewidth=0.8, zorder=0,
                    gid="one_to_one")
            ax.set_xlim(lim)
            ax.set_ylim(lim)
            ax.set_aspect("equal")
            if ax.get_legend_handles_labels()[0]:
                ax.legend(loc="upper left", fontsize=5.5, handletextpad=0.2,
                          borderaxespad=0.3)
        axes[0].set_ylabel(f"{LOGAGE_LABEL}, this work (hot stars)")
        if filled:
            fig.colorbar(mpl.cm.ScalarMappable(norm=norm, cmap=cmap), ax=axes,
                         label="number of hot stars", pad=0.01, aspect=30, shrink=0.9)
    return fig
