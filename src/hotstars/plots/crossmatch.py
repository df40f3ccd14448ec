"""Figures of the D23 comparison (Zari et al. 2025, Appendix A): Fig. A.1 (the D23 OB stars in
the mwm_ob selection diagrams of Zari et al. 2021) and Fig. A.2 (the D23 stars in the Galactic
plane, all and with Gaia DR3 radial velocities).

Pure functions in the shared style of :mod:`hotstars.plots.style`: they take the
:func:`hotstars.crossmatch.d23_stars` product (and the targets' colours), return a Figure, and
:func:`hotstars.plots.style.savefig` writes it.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from hotstars.crossmatch import MK_CARTON, MK_Z21, Z21_LINES
from hotstars.plots import style
from hotstars.plots.style import (
    COLUMN_WIDTH_IN,
    PAGE_WIDTH_IN,
    PlotInputError,
    format_count,
    galactic_plane_axes,
    paper_style,
    require,
)

D23_CMAP = style.truncated_cmap("Greys", 0.2, 1.0)  # D23 star counts, log scale (as Fig. 7)
TARGET_CONTOUR_COLOR = "#1f5fa8"  # the mwm_ob targets' density contours in Fig. A.1
_PANELS = (("j_h", "$J - H$ (mag)"), ("j_ks", "$J - K_s$ (mag)"),
           ("m_k", "$M_{K}$ (mag)"))


def _range(values: np.ndarray, lo: float = 0.2, hi: float = 99.8, pad: float = 0.05):
    v = values[np.isfinite(values)]
    a, b = np.percentile(v, [lo, hi])
    span = max(b - a, 1e-3)
    return a - pad * span, b + pad * span


def density_levels(counts: np.ndarray, fractions: Sequence[float]) -> list[float]:
    """Count levels whose contours enclose the given fractions of the stars (highest-density
    bins first), increasing, distinct: e.g. (0.5, 0.9, 0.99)."""
    c = np.sort(counts.ravel())[::-1]
    cum = np.cumsum(c) / c.sum()
    levels = [float(c[min(np.searchsorted(cum, f), c.size - 1)]) for f in fractions]
    return sorted({lv for lv in levels if lv > 0})


def drawn_note(n_all: int, n_finite: int, n_drawn: int, no_value: str, beyond: str,
               sep: str = " ") -> str:
    """"D23: 35,629 of 35,962 stars drawn (333 beyond the frame)": how many of the ``n_all``
    D23 stars a panel draws, and why the others are not (``n_all - n_finite`` lack the plotted
    value, ``no_value``; ``n_finite - n_drawn`` are ``beyond`` the plotted range)."""
    why = [f"{format_count(k)} {text}" for k, text in
           ((n_all - n_finite, no_value), (n_finite - n_drawn, beyond)) if k]
    return (f"D23: {format_count(n_drawn)} of {format_count(n_all)} stars drawn"
            + (f"{sep}({'; '.join(why)})" if why else ""))


def fig_d23_selection(d23: pd.DataFrame, targets: pd.DataFrame, bins: int = 120,
                      contour_fractions: Sequence[float] = (0.5, 0.8, 0.95)) -> Figure:
    """Fig. A.1: the D23 stars (grey, log counts) and the mwm_ob targets (blue contours enclosing
    ``contour_fractions`` of them) in the Zari et al. (2021) diagrams against G − Ks: J − H (top)
    and J − Ks (middle) with the carton's colour cuts (:data:`hotstars.crossmatch.Z21_LINES`,
    solid black), and M_K (bottom, Eq. 2, brighter up) with M_K = −0.6 (mwm_ob, solid) and
    M_K = 0 (Z21 full sample, dashed).

    ``d23``, ``targets``: tables with g_ks, j_h, j_ks, m_k (mag;
    :func:`hotstars.crossmatch.selection_colours`); non-finite values (M_K: no parallax > 0) and
    stars beyond the axes (0.2–99.8 percentile ranges) are left out per panel. The legend gives
    all D23 stars (the base count of Fig. A.2 too); each panel says how many it draws and why
    the others are not (:func:`drawn_note`).
    """
    cols = ["g_ks", "j_h", "j_ks", "m_k"]
    require(d23, cols, "fig_d23_selection: d23")
    require(targets, cols, "fig_d23_selection: targets")
    both = pd.concat([d23[cols], targets[cols]])
    xlim = _range(both["g_ks"].to_numpy(float))
    xs = np.linspace(*xlim, 2)
    with paper_style():
        fig = Figure(figsize=(COLUMN_WIDTH_IN, 2.3 * COLUMN_WIDTH_IN), layout="constrained")
        axes = fig.subplots(3, 1, sharex=True)
        for ax, (col, label) in zip(axes, _PANELS):
            # M_K: the targets' few non-positive/tiny parallaxes would stretch the axis
            ylim = _range(both[col].to_numpy(float), *((0.5, 99.5) if col == "m_k" else ()))
            edges = (np.linspace(*xlim, bins + 1), np.linspace(*ylim, bins + 1))
            for df, kind in ((d23, "d23"), (targets, "targets")):
                x, y = df["g_ks"].to_numpy(float), df[col].to_numpy(float)
                ok = np.isfinite(x) & np.isfinite(y)
                h, _, _ = np.histogram2d(x[ok], y[ok], bins=edges)
                if kind == "d23":
                    no_value = "without $M_K$" if col == "m_k" else "without the colours"
                    top = col == "m_k"  # the bright end (top) of the M_K panel is sparse
                    ax.text(0.98, 0.97 if top else 0.03,
                            drawn_note(len(df), int(ok.sum()), int(h.sum()), no_value,
                                       "beyond the axes", sep="\n"),
                            transform=ax.transAxes, ha="right", va="top" if top else "bottom",
                            fontsize=5.5,
                            path_effects=style.HALO, zorder=5, gid="d23_drawn")
                    ax.pcolormesh(edges[0], edges[1], np.ma.masked_equal(h.T, 0), cmap=D23_CMAP,
                                  norm=LogNorm(vmin=1, vmax=max(2.0, h.max())), rasterized=True,
                                  gid="d23")
                elif h.sum() > 0:
                    from scipy.ndimage import gaussian_filter
                    smooth = gaussian_filter(h, 1.0)
                    centres = [0.5 * (e[1:] + e[:-1]) for e in edges]
                    ax.contour(centres[0], centres[1], smooth.T,
                               levels=density_levels(smooth, contour_fractions),
                               colors=TARGET_CONTOUR_COLOR, linewidths=0.7,
                               zorder=3).set_gid("targets")
            if col in Z21_LINES:
                for slope, intercept in Z21_LINES[col]:
                    ax.plot(xs, slope * xs + intercept, color="k", linewidth=0.8, zorder=4,
                            gid="z21_line")
            else:
                ax.axhline(MK_CARTON, color="k", linewidth=0.8, zorder=4, gid="mk_carton")
                ax.axhline(MK_Z21, color="k", linewidth=0.8, linestyle="--", zorder=4,
                           gid="mk_z21")
                for v, text, dy in ((MK_CARTON, r"$M_K = -0.6$", 2), (MK_Z21, r"$M_K = 0$", -2)):
                    ax.annotate(text, (xlim[1], v), xytext=(-3, dy), textcoords="offset points",
                                ha="right", va="bottom" if dy > 0 else "top", fontsize=6,
                                path_effects=style.HALO, zorder=5)
                ylim = ylim[::-1]  # brighter up
            ax.set_ylim(*ylim)
            ax.set_ylabel(label)
        axes[0].set_xlim(*xlim)
        axes[-1].set_xlabel("$G - K_s$ (mag)")
        handles = [Patch(color="0.45", label=f"D23 ($N$ = {format_count(len(d23))})"),
                   Line2D([], [], color=TARGET_CONTOUR_COLOR, linewidth=0.7,
                          label=f"mwm_ob targets ($N$ = {format_count(len(targets))})"),
                   Line2D([], [], color="k", linewidth=0.8, label="Zari et al. (2021) cuts")]
        axes[0].legend(handles=handles, loc="upper left", fontsize=6)
    return fig


def plane_limits(x: np.ndarray, y: np.ndarray, r_sun_kpc: float, pad_kpc: float = 1.0,
                 lo: float = 0.5, hi: float = 99.5):
    """(xlim, ylim) in whole kpc covering the ``lo``–``hi`` percentiles of the stars and the
    Sun, padded by ``pad_kpc``."""
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        raise PlotInputError("no star with a finite X, Y")
    (x0, x1), (y0, y1) = (np.percentile(v[ok], [lo, hi]) for v in (x, y))
    xlim = (np.floor(min(x0, -r_sun_kpc) - pad_kpc), np.ceil(max(x1, -r_sun_kpc) + pad_kpc))
    ylim = (np.floor(min(y0, 0.0) - pad_kpc), np.ceil(max(y1, 0.0) + pad_kpc))
    return xlim, ylim


def fig_d23_plane(d23: pd.DataFrame, r_sun_kpc: float = 8.2, bin_kpc: float = 0.1,
                  radii_kpc: Sequence[float] = (2, 4, 6, 8, 10)) -> Figure:
    """Fig. A.2: the D23 stars in the Galactic plane, all (left) and those with a Gaia DR3
    radial velocity (right, ``has_gaia_rv``): star counts in ``bin_kpc`` × ``bin_kpc`` bins, log
    scale, the plane furniture of :func:`hotstars.plots.style.galactic_plane_axes` (the Sun a
    yellow star at (−``r_sun_kpc``, 0), dashed circles at ``radii_kpc``, lines of constant
    longitude). Both panels share the limits (:func:`plane_limits`: the 0.5–99.5 percentiles of
    all stars) and the colour scale.

    ``d23``: :func:`hotstars.crossmatch.d23_stars` (x, y [kpc], has_gaia_rv). Each title gives
    the panel's whole sample (left: all D23 stars, the count of Fig. A.1) and how many are drawn:
    stars without a distance (NaN x, y) and those beyond the frame are left out and counted.
    """
    require(d23, ["x", "y", "has_gaia_rv"], "fig_d23_plane: d23")
    if not bin_kpc > 0:
        raise PlotInputError(f"fig_d23_plane: bin_kpc must be > 0, got {bin_kpc!r}")
    x, y = d23["x"].to_numpy(float), d23["y"].to_numpy(float)
    ok = np.isfinite(x) & np.isfinite(y)
    rv = style.bool_column(d23, "has_gaia_rv", "fig_d23_plane: d23")
    xlim, ylim = plane_limits(x, y, r_sun_kpc)
    edges = (np.arange(xlim[0], xlim[1] + 0.5 * bin_kpc, bin_kpc),
             np.arange(ylim[0], ylim[1] + 0.5 * bin_kpc, bin_kpc))
    hists = {k: np.histogram2d(x[ok & sel], y[ok & sel], bins=edges)[0]
             for k, sel in (("all", np.ones_like(ok)), ("rv", rv))}
    norm = LogNorm(vmin=1, vmax=max(2.0, hists["all"].max()))
    titles = {"all": "all D23 stars", "rv": "D23 stars with a Gaia DR3 $v_{\\rm l.o.s.}$"}
    base = {"all": np.ones_like(ok), "rv": rv}
    with paper_style():
        fig = Figure(figsize=(PAGE_WIDTH_IN, 0.5 * PAGE_WIDTH_IN), layout="constrained")
        axes = fig.subplots(1, 2, sharex=True, sharey=True)
        for ax, (key, h) in zip(axes, hists.items()):
            mesh = ax.pcolormesh(edges[0], edges[1], np.ma.masked_equal(h.T, 0), norm=norm,
                                 cmap=D23_CMAP, rasterized=True, gid=key)
            galactic_plane_axes(ax, r_sun_kpc=r_sun_kpc, xlim=xlim, ylim=ylim,
                                radii_kpc=radii_kpc)
            style.kpc_ticks(ax)
            n_all, n_ok = int(base[key].sum()), int((base[key] & ok).sum())
            ax.set_title(f"{titles[key]}: $N$ = {format_count(n_all)}\n"
                         + drawn_note(n_all, n_ok, int(h.sum()), "without distance",
                                      "beyond the frame").removeprefix("D23: "),
                         fontsize=7)
        fig.colorbar(mesh, ax=axes, location="right", shrink=0.8, aspect=30, pad=0.01,
                     label=f"stars per {bin_kpc * 1000:g} × {bin_kpc * 1000:g} pc bin")
        axes[1].set_ylabel("")
    return fig
