"""Figures of the Gaia comparisons and of the binary simulation: Figs. 3, 5 and C.1.

Pure figure functions in the shared style of :mod:`hotstars.plots.style` (they return a
:class:`matplotlib.figure.Figure`; write it with :func:`hotstars.plots.style.savefig`). Inputs are
the tables of :mod:`hotstars.comparisons`; the numbers printed on the figures come from that
module's ``*_numbers`` functions, so figure and JSON agree.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from hotstars import comparisons
from hotstars.plots.style import (
    COLUMN_WIDTH_IN,
    HALO,
    HSS_COLOR,
    PAGE_WIDTH_IN,
    PlotInputError,
    format_count,
    paper_style,
    require,
    truncated_cmap,
)

ONE_TO_ONE = dict(color=HSS_COLOR, linestyle=(0, (5, 3)), linewidth=1.0, zorder=3,
                  gid="one_to_one")  # the paper's dashed orange 1:1 lines (Figs. 3, 5)
SINGLE_COLOR, BINARY_COLOR = HSS_COLOR, "tab:blue"  # App. C: singles orange, binaries blue


def _density_scatter(ax, x: np.ndarray, y: np.ndarray, lim, n_bins: int = 60, gid: str = ""):
    """Points coloured by the number of points in their cell of an n_bins² grid over ``lim``
    (densest drawn last); returns the PathCollection (for a colour bar)."""
    edges = np.linspace(lim[0], lim[1], n_bins + 1)
    hist, _, _ = np.histogram2d(x, y, bins=(edges, edges))
    ix = np.clip(np.searchsorted(edges, x) - 1, 0, n_bins - 1)
    iy = np.clip(np.searchsorted(edges, y) - 1, 0, n_bins - 1)
    density = np.maximum(hist[ix, iy], 1.0)
    order = np.argsort(density, kind="stable")
    return ax.scatter(x[order], y[order], c=density[order], s=1.5, linewidths=0, rasterized=True,
                      cmap=truncated_cmap("viridis", 0.0, 0.92),
                      norm=LogNorm(vmin=1, vmax=max(2.0, density.max())), gid=gid)


def _signed(value: float, digits: int) -> str:
    """'+1.2' / '−1.2' with a true minus sign."""
    return f"{value:+.{digits}f}".replace("-", "\N{MINUS SIGN}")


def _limits(*arrays, pad: float = 0.03):
    values = np.concatenate([a[np.isfinite(a)] for a in arrays])
    lo, hi = np.percentile(values, [0.2, 99.8])
    span = hi - lo or 1.0
    return lo - pad * span, hi + pad * span


# --- Fig. 3 ------------------------------------------------------------------------------------

def fig_esphs(comparison: pd.DataFrame) -> Figure:
    """Fig. 3: BOSS Net (x) against Gaia DR3 ESP-HS (y) Teff (left, kK) and log g (right, dex)
    for the HSS, points coloured by local density, dashed orange 1:1 lines.

    ``comparison``: :func:`hotstars.comparisons.compare_esphs`'s table. Each panel gives N, the
    median offset (ESP-HS − BOSS Net) and the fraction within 2σ (combined errors).
    """
    what = "fig_esphs: comparison"
    require(comparison, ["teff", "teff_esphs", "logg", "logg_esphs", "delta_teff", "pull_teff",
                          "delta_logg", "pull_logg", "e_teff", "e_logg"], what)
    numbers = comparisons.esphs_numbers(comparison)
    panels = [("teff", 1e-3, r"$T_{\rm eff}$ (kK)", "K"), ("logg", 1.0, r"$\log g$ (dex)", "dex")]
    with paper_style():
        fig = Figure(figsize=(PAGE_WIDTH_IN * 0.7, PAGE_WIDTH_IN * 0.7 / 2.2),
                     layout="constrained")
        axes = fig.subplots(1, 2)
        for ax, (par, scale, label, unit) in zip(axes, panels):
            x = comparison[par].to_numpy(float) * scale
            y = comparison[f"{par}_esphs"].to_numpy(float) * scale
            ok = np.isfinite(x) & np.isfinite(y)
            if not ok.any():
                raise PlotInputError(f"{what}: no star has finite {par} and {par}_esphs")
            lim = _limits(x[ok], y[ok])
            points = _density_scatter(ax, x[ok], y[ok], lim, gid=par)
            ax.plot(lim, lim, **ONE_TO_ONE)
            ax.set_xlim(lim)
            ax.set_ylim(lim)
            ax.set_aspect("equal")
            ax.set_xlabel(f"BOSS Net {label}")
            ax.set_ylabel(f"ESP-HS {label}")
            med = numbers[f"esphs.median_delta_{par}_{unit.lower()}"]
            med_txt = f"{_signed(med, 0)} K" if par == "teff" else f"{_signed(med, 2)} dex"
            ax.text(0.97, 0.03,
                    f"$N$ = {format_count(numbers[f'esphs.n_{par}'])}\n"
                    f"median ESP-HS − BOSS Net: {med_txt}\n"
                    f"within 2$\\sigma$: "
                    f"{100 * numbers[f'esphs.fraction_{par}_within_2sigma']:.0f}%",
                    transform=ax.transAxes, ha="right", va="bottom", fontsize=6,
                    path_effects=HALO, zorder=4)
        fig.colorbar(points, ax=axes, label="stars per cell", pad=0.01, aspect=20, shrink=0.7)
    return fig


# --- Fig. 5 ------------------------------------------------------------------------------------

def fig_gaia_rv(comparison: pd.DataFrame) -> Figure:
    """Fig. 5: our averaged v_los (y; XCSAO/BOSS Net) against Gaia DR3 (x; Eq. 3) in km/s, with
    error bars, single-epoch stars and stars with ≥ 2 epochs in two colours, the dashed orange
    1:1 line; the inset shows the distribution of (v_los − v_Gaia) / σ_comb against N(0, 1).

    ``comparison``: :func:`hotstars.comparisons.compare_gaia_rv`'s table.
    """
    what = "fig_gaia_rv: comparison"
    require(comparison, ["vlos", "vlos_err", "vlos_gaia", "radial_velocity_error", "n_epochs",
                          "delta_v", "pull", "in_eq3_window"], what)
    numbers = comparisons.gaia_rv_numbers(comparison)
    x = comparison["vlos_gaia"].to_numpy(float)
    y = comparison["vlos"].to_numpy(float)
    multi = comparison["n_epochs"].to_numpy() >= 2
    lim = _limits(x, y)
    with paper_style():
        fig = Figure(figsize=(COLUMN_WIDTH_IN, COLUMN_WIDTH_IN + 0.15), layout="constrained")
        ax = fig.add_subplot()
        for sel, colour, name in ((~multi, "tab:blue", "1 epoch"),
                                  (multi, "0.15", r"$\geq$ 2 epochs")):
            ax.errorbar(x[sel], y[sel], xerr=comparison["radial_velocity_error"].to_numpy()[sel],
                        yerr=comparison["vlos_err"].to_numpy()[sel], fmt="none", ecolor=colour,
                        elinewidth=0.3, alpha=0.25, zorder=1, rasterized=True)
            ax.scatter(x[sel], y[sel], s=2.5, color=colour, linewidths=0, zorder=2,
                       rasterized=True, gid="multi" if name != "1 epoch" else "single",
                       label=f"{name} ({format_count(int(sel.sum()))})")
        ax.plot(lim, lim, label="1:1", **ONE_TO_ONE)
        ax.set_xlim(lim)
        ax.set_ylim(lim)
        ax.set_aspect("equal")
        ax.set_xlabel(r"$v_{\rm l.o.s.,\,Gaia}$, Gaia DR3 with Eq. 3 (km s$^{-1}$)")
        ax.set_ylabel(r"$v_{\rm l.o.s.}$, SDSS-V XCSAO/BOSS Net (km s$^{-1}$)")
        ax.legend(loc="lower right", markerscale=2.5)
        ax.set_title(f"$N$ = {format_count(numbers['gaia_rv.n_common'])} stars; within "
                     f"1$\\sigma$: {100 * numbers['gaia_rv.fraction_within_1sigma']:.0f}%, "
                     f"2$\\sigma$: {100 * numbers['gaia_rv.fraction_within_2sigma']:.0f}%\n"
                     f"median $\\Delta v$ = {_signed(numbers['gaia_rv.median_delta_kms'], 1)} "
                     f"km s$^{{-1}}$, robust $\\sigma$ = "
                     f"{numbers['gaia_rv.robust_std_delta_kms']:.1f} km s$^{{-1}}$")

        inset = ax.inset_axes([0.06, 0.62, 0.34, 0.32])
        pull = comparison["pull"].to_numpy(float)
        pull = np.clip(pull[np.isfinite(pull)], -6, 6)
        edges = np.linspace(-6, 6, 49)
        inset.hist(pull, bins=edges, density=True, histtype="stepfilled", color="0.7",
                   gid="pull_hist")
        z = np.linspace(-6, 6, 200)
        inset.plot(z, np.exp(-z * z / 2) / np.sqrt(2 * np.pi), color="k", linewidth=0.7,
                   gid="unit_gaussian")
        for k in (-2, -1, 1, 2):
            inset.axvline(k, color="0.3", linewidth=0.4, linestyle=":" if abs(k) == 2 else "--")
        inset.set_xlim(-6, 6)
        inset.set_yticks([])
        inset.tick_params(labelsize=5.5, which="both", top=False)
        inset.set_xlabel(r"$\Delta v/\sigma_{\rm comb}$", fontsize=6, labelpad=1)
    return fig


# --- Fig. C.1 ----------------------------------------------------------------------------------

def _interval_label(name: str, n: int, n_out: int, half: float, mean: float, p16: float,
                    p84: float) -> str:
    beyond = f"\n{format_count(n_out)} beyond ±{half:g}" if n_out else ""
    return (f"{name} ({format_count(n)})\n${_signed(mean, 1)}^{{+{p84 - mean:.1f}}}"
            f"_{{-{mean - p16:.1f}}}$ km s$^{{-1}}${beyond}")


def fig_binaries(simulation: pd.DataFrame, bin_kms: float = 2.0) -> Figure:
    """Fig. C.1: distributions of (epoch average − systemic velocity) in km/s for the simulated
    single (orange) and binary (blue) stars: all stars, and by number of epochs (1, 2, ≥ 3).

    ``simulation``: :func:`hotstars.comparisons.simulate_binaries`'s table. Vertical lines: the
    16th/84th percentiles (singles dashed, binaries dotted); labels: N (and how many fall beyond
    the x range), the mean with the intervals to the 16th and 84th percentiles. Histograms in
    ``bin_kms`` bins.
    """
    what = "fig_binaries: simulation"
    require(simulation, ["is_binary", "n_epochs", "delta_v", "sigma_true"], what)
    numbers = comparisons.binary_numbers(simulation)
    dv = simulation["delta_v"].to_numpy(float)
    n_ep = simulation["n_epochs"].to_numpy()
    is_bin = simulation["is_binary"].to_numpy(bool)
    half = max(40.0, float(np.ceil(np.percentile(np.abs(dv), 97) / 10) * 10))
    edges = np.arange(-half, half + bin_kms / 2, bin_kms)
    panels = [("all", "all stars"), ("1epoch", "1 epoch"), ("2epoch", "2 epochs"),
              ("3plus_epoch", r"$\geq$ 3 epochs")]
    with paper_style():
        fig = Figure(figsize=(PAGE_WIDTH_IN * 0.75, PAGE_WIDTH_IN * 0.52), layout="constrained")
        axes = fig.subplots(2, 2, sharex=True).ravel()
        for ax, (label, title) in zip(axes, panels):
            lo, hi = comparisons.EPOCH_GROUPS[label]
            in_group = (n_ep >= lo) & (n_ep <= hi)
            for group, sel, colour, style, corner in (
                    ("single", ~is_bin, SINGLE_COLOR, (0, (4, 2)), 0.03),
                    ("binary", is_bin, BINARY_COLOR, (0, (1, 1.5)), 0.97)):
                x = dv[sel & in_group]
                key = f"{group}_{label}"
                if not x.size:
                    continue
                ax.hist(x, bins=edges, histtype="stepfilled", color=colour, alpha=0.35,
                        linewidth=0, gid=f"hist_{key}")
                ax.hist(x, bins=edges, histtype="step", color=colour, linewidth=0.8)
                for p in ("p16", "p84"):
                    ax.axvline(numbers[f"binaries.{p}_{key}_kms"], color=colour,
                               linestyle=style, linewidth=1.0, gid=f"{p}_{key}")
                n_out = int(np.sum(np.abs(x) > half))
                ax.text(corner, 0.96, _interval_label(
                    group, x.size, n_out, half, numbers[f"binaries.mean_{key}_kms"],
                    numbers[f"binaries.p16_{key}_kms"], numbers[f"binaries.p84_{key}_kms"]),
                        transform=ax.transAxes, ha="left" if corner < 0.5 else "right",
                        va="top", fontsize=6, color=colour, path_effects=HALO, zorder=5)
            ax.set_title(title)
            ax.set_ylim(0, ax.get_ylim()[1] * 1.3)  # room for the labels
            ax.set_xlim(edges[0], edges[-1])
            ax.set_ylabel("stars per bin")
        for ax in axes[2:]:
            ax.set_xlabel(r"$\bar v_{\rm l.o.s.} - v_{\rm sys}$ (km s$^{-1}$)")
        handles = [Line2D([], [], color=SINGLE_COLOR, linestyle=(0, (4, 2)),
                          label="single: 16th/84th percentiles"),
                   Line2D([], [], color=BINARY_COLOR, linestyle=(0, (1, 1.5)),
                          label="binary: 16th/84th percentiles")]
        fig.legend(handles=handles, loc="outside upper center", ncols=2)
    return fig
