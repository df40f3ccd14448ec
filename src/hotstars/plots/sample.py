"""Figures of the sample (Zari et al. 2025, Sec. 2): Fig. 1 (sky), Fig. 2 (cut-flow), Fig. 4
(Kiel diagram)."""

from __future__ import annotations

import textwrap
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from hotstars.plots.style import (
    COLUMN_WIDTH_IN,
    HALO,
    HSS_COLOR,
    TARGET_COLOR,
    PlotInputError,
    bin_edges,
    bool_column,
    finite_lb,
    format_count,
    paper_style,
    require,
    truncated_cmap,
)

# Spectral types of the Kiel-diagram Teff lines (Zari et al. 2025, Fig. 4 caption).
PAPER_TEFF_TYPES: dict[float, str] = {
    31000.0: "O9.5V", 17000.0: "B3V", 10400.0: "B9V", 7400.0: "A9V", 6050.0: "F9V",
}


def fig_sky(targets: pd.DataFrame, hss: pd.DataFrame) -> Figure:
    """Fig. 1: the observed mwm_ob targets (top, gray) and the HSS (bottom, orange) on the sky.

    Mollweide projection in Galactic coordinates (``l``, ``b`` in deg), l increasing to the left
    (l = 0 at the centre, +180/-180 at the edges), as astronomers draw the sky. Each panel's title
    gives N, the number of plotted rows (finite l and b); rows without coordinates are counted
    in the title if any.
    """
    panels = [("observed mwm_ob targets", finite_lb(targets, "fig_sky: targets"), TARGET_COLOR,
               0.5),
              ("Hot Star Sample", finite_lb(hss, "fig_sky: hss"), HSS_COLOR, 0.6)]
    with paper_style({"xtick.minor.visible": False, "ytick.minor.visible": False}):
        fig = Figure(figsize=(COLUMN_WIDTH_IN, 0.98 * COLUMN_WIDTH_IN), layout="constrained")
        axes = fig.subplots(2, 1, subplot_kw={"projection": "mollweide"})
        ticks = np.array([-120, -60, 0, 60, 120])  # l (deg) of the meridians
        for ax, (title, (lon, lat, n_bad), color, alpha) in zip(axes, panels):
            # Wrap l to [-180, 180) and mirror it: matplotlib's geo axes grow to the right.
            x = -np.radians(((lon + 180.0) % 360.0) - 180.0)
            ax.scatter(x, np.radians(lat), s=0.15, color=color, alpha=alpha, linewidths=0,
                       rasterized=True, gid="stars")
            # Meridians at x = -l; their labels go below the plane, where the stars are few.
            ax.set_xticks(np.radians(-ticks), [])
            for t in ticks:
                label = f"{t:d}°".replace("-", "\N{MINUS SIGN}")
                ax.text(np.radians(-t), np.radians(-17), label, fontsize=6, ha="center",
                        va="center", color="0.2", path_effects=HALO)
            ax.set_yticks(np.radians([-60, -30, 0, 30, 60]))
            ax.tick_params(axis="y", labelsize=6)
            ax.grid(True, linewidth=0.3, color="0.75")
            extra = f", {format_count(n_bad)} without $l, b$" if n_bad else ""
            ax.set_title(f"{title} ($N$ = {format_count(lon.size)}{extra})", pad=4)
        axes[1].set_xlabel("$l$ (deg)", labelpad=2)
        for ax in axes:
            ax.set_ylabel("$b$ (deg)", labelpad=1)
    return fig


def fig_cutflow(cutflow: pd.DataFrame) -> Figure:
    """Fig. 2: the HSS cut-flow as paired horizontal bars (spectra, stars), steps top to bottom.

    ``cutflow`` has columns step, criterion, n_spectra, n_stars (cumulative counts, in order);
    each step is labelled with its criterion, and each bar with its count and its percentage of
    the first step's count. The bar containers are labelled 'spectra' and 'stars'. A label longer
    than :data:`CUTFLOW_LABEL_CHARS` (e.g. the observed step's note on repeated spectrum keys)
    wraps onto more lines, and its step gets the extra height.
    """
    what = "fig_cutflow: cutflow"
    require(cutflow, ["step", "criterion", "n_spectra", "n_stars"], what)
    counts = {}
    for col in ("n_spectra", "n_stars"):
        v = pd.to_numeric(cutflow[col], errors="coerce").to_numpy(dtype=float)
        bad = ~(np.isfinite(v) & (v >= 0) & (v == np.round(v)))
        if bad.any():
            raise PlotInputError(f"{what}: column {col!r} must hold non-negative integers; bad "
                                 f"rows {np.flatnonzero(bad)[:5].tolist()}")
        counts[col] = v.astype(np.int64)
    n_steps = len(cutflow)
    labels = []
    for i, (step, criterion) in enumerate(zip(cutflow["step"], cutflow["criterion"])):
        criterion = str(criterion).replace("<=", "≤").replace(">=", "≥")
        labels.append(textwrap.fill(f"{i + 1}. {step}: {criterion}", CUTFLOW_LABEL_CHARS))
    # extra height (in steps) of a wrapped label: 0 for one line, as all of the paper's steps
    extra = np.array([_LINE_STEPS * label.count("\n") for label in labels])
    with paper_style({"ytick.minor.visible": False, "ytick.left": False, "ytick.right": False}):
        fig = Figure(figsize=(COLUMN_WIDTH_IN, 0.55 + 0.47 * (n_steps + extra.sum())),
                     layout="constrained")
        ax = fig.add_subplot()
        # step i at y = -i (first step on top), lowered by the extra height of the labels above
        y = -np.arange(n_steps, dtype=float) - np.cumsum(extra)
        height = 0.26
        styles = [("n_spectra", "spectra", "0.72", y - 0.08),
                  ("n_stars", "stars", HSS_COLOR, y - 0.08 - height)]
        xmax = max(1, max(int(c.max()) for c in counts.values()))
        for col, label, color, ypos in styles:
            values = counts[col]
            ax.barh(ypos, values, height=height, color=color, label=label, linewidth=0)
            first = values[0]
            for yy, v in zip(ypos, values):
                pct = f" ({100 * v / first:.0f}%)" if first > 0 else ""
                ax.text(v + 0.01 * xmax, yy, f"{format_count(v)}{pct}", va="center", ha="left",
                        fontsize=6)
        for i, label in enumerate(labels):
            ax.text(0, y[i] + 0.2 + extra[i] / 2, label, ha="left", va="center",
                    fontsize=6.5, fontweight="bold" if i == n_steps - 1 else "normal")
        ax.set_yticks([])
        ax.set_xlim(0, 1.32 * xmax)
        ax.set_ylim(y[-1] - 0.75, 0.45)
        ax.set_xlabel("number (thousands)")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v / 1e3:g}"))
        ax.legend(loc="lower right", ncols=2)
        ax.spines[["top", "right"]].set_visible(False)
        ax.tick_params(axis="x", top=False)
    return fig


#: Fig. 2: a step label ("1. observed: ...") longer than this wraps onto more lines.
CUTFLOW_LABEL_CHARS = 82
_LINE_STEPS = 0.3  # height of one more label line, in steps (a step is 0.47 in)


def fig_kiel(flags: pd.DataFrame, teff_lines_k: Sequence[float],
             type_labels: Mapping[float, str] | None = None,
             dlogteff: float = 0.01, dlogg: float = 0.05) -> Figure:
    """Fig. 4: Kiel diagram, log10(Teff/K) (x, decreasing to the right) vs log g (y, downward).

    ``flags`` is the target-flags table (teff in K, logg in dex, passes_quality, in_hss).
    Gray 2-D histogram (log counts): targets passing the quality cuts (SNR, parallax, RUWE);
    coloured 2-D histogram on top: the HSS (``in_hss``). Bins: ``dlogteff`` x ``dlogg`` dex.
    Rows with non-finite or non-positive Teff, or non-finite log g, are dropped and counted in the
    legend. Dashed vertical lines at log10(``teff_lines_k``), labelled with ``type_labels``
    (default: the paper's spectral types, :data:`PAPER_TEFF_TYPES`; else the Teff in K).
    """
    what = "fig_kiel: flags"
    require(flags, ["teff", "logg", "passes_quality", "in_hss"], what)
    lines = np.asarray(teff_lines_k, dtype=float).ravel()
    if not np.all(np.isfinite(lines) & (lines > 0)):
        raise PlotInputError(f"fig_kiel: teff_lines_k must be finite and > 0 K, got {lines}")
    labels = PAPER_TEFF_TYPES if type_labels is None else type_labels
    teff = flags["teff"].to_numpy(dtype=float)
    logg = flags["logg"].to_numpy(dtype=float)
    finite = np.isfinite(teff) & (teff > 0) & np.isfinite(logg)
    sets = {}
    for key, column, name in (("quality", "passes_quality", "targets passing the quality cuts"),
                              ("hss", "in_hss", "HSS stars")):
        member = bool_column(flags, column, what)
        if not member.any():
            raise PlotInputError(f"{what}: no {name} ({column} is False in every row)")
        keep = member & finite
        if not keep.any():
            raise PlotInputError(f"{what}: no {name} has finite teff and logg")
        sets[key] = (np.log10(teff[keep]), logg[keep], int((member & ~finite).sum()))

    x_all = np.concatenate([s[0] for s in sets.values()])
    y_all = np.concatenate([s[1] for s in sets.values()])
    xe, ye = bin_edges(x_all, dlogteff), bin_edges(y_all, dlogg)

    with paper_style():
        fig = Figure(figsize=(COLUMN_WIDTH_IN, 0.8 * COLUMN_WIDTH_IN), layout="constrained")
        ax = fig.add_subplot()
        styles = {"quality": ("quality cuts", truncated_cmap("Greys", 0.25, 0.85), "0.55"),
                  "hss": ("HSS", truncated_cmap("Oranges", 0.4, 1.0), HSS_COLOR)}
        handles, meshes = [], {}
        for z, (key, (x, y, n_bad)) in enumerate(sets.items()):
            label, cmap, proxy = styles[key]
            hist, _, _ = np.histogram2d(x, y, bins=(xe, ye))
            masked = np.ma.masked_equal(hist.T, 0)
            meshes[key] = ax.pcolormesh(xe, ye, masked, cmap=cmap, gid=f"{key}_hist",
                                        norm=LogNorm(vmin=1, vmax=max(2.0, hist.max())),
                                        rasterized=True, zorder=1 + z)
            extra = f" (+{format_count(n_bad)} without $T_{{\\rm eff}}$/$\\log g$)" if n_bad else ""
            handles.append(Patch(facecolor=proxy, label=f"{label}: {format_count(x.size)}{extra}"))
        for t in lines:
            ax.axvline(np.log10(t), color="k", linestyle=(0, (4, 2)), linewidth=0.6, zorder=3,
                       gid="teff_line")
            text = labels.get(float(t), f"{t:,.0f} K")
            ax.text(np.log10(t), 0.98, f" {text}", rotation=90, ha="right", va="top", fontsize=6,
                    transform=ax.get_xaxis_transform(), zorder=4, path_effects=HALO)
        log_lines = np.log10(lines) if lines.size else np.empty(0)
        x_lo = min(xe[0], log_lines.min() - 0.03) if lines.size else xe[0]
        x_hi = max(xe[-1], log_lines.max() + 0.03) if lines.size else xe[-1]
        ax.set_xlim(x_hi, x_lo)  # hot stars on the left
        ax.set_ylim(ye[-1], ye[0])  # high gravity at the bottom
        ax.set_xlabel(r"$\log\,(T_{\rm eff}/{\rm K})$")
        ax.set_ylabel(r"$\log g$ (dex)")
        fig.legend(handles=handles, loc="outside upper center", ncols=2, columnspacing=1.0)
        fig.colorbar(meshes["hss"], ax=ax, label="HSS stars per bin", pad=0.02, aspect=30)
    return fig
