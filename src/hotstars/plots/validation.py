"""Figures of the truth check on the mock survey: recovered against injected mean v_R per spaxel,
and recovered against true log-ages."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from hotstars import validation
from hotstars.plots.ages import LOGAGE_LABEL
from hotstars.plots.style import (
    COLUMN_WIDTH_IN,
    HSS_COLOR,
    PAGE_WIDTH_IN,
    VR_CMAP,
    PlotInputError,
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


COVERAGE_STYLE = {  # error name in validation.coverage_by_n -> (label, colour, marker)
    "hksj": ("HKSJ (REML, t$_{N-1}$)", "k", "o"),
    "marginal": (r"marginalised over $\sigma_R$", "tab:blue", "s"),
    "fisher": (r"Fisher ($\sigma_R$ fixed)", HSS_COLOR, "^"),
    "sqrtn": (r"$\sigma_R/\sqrt{N}$ (paper)", "0.5", "v"),
}


def coverage_panel(ax, coverage: dict, level: int = 68, target_tol: float = 0.03) -> None:
    """Coverage (``level`` %) of every interval of v̄_R against the N bin on ``ax``: filled
    markers and solid lines on ideal Gaussian data, open markers and dashed lines on the mock
    (against the expected truth); grey band: the target ``level`` ± ``target_tol``.
    ``coverage``: the ``coverage_by_n`` block of :func:`hotstars.validation.vr_map_recovery`
    (``ideal`` with ``per_bin``, ``mock_expected_truth``)."""
    key = f"coverage_{level}"
    target = level / 100
    ax.axhspan(target - target_tol, target + target_tol, color="0.9", zorder=0,
               gid=f"target_{level}")
    ax.axhline(target, color="0.4", linestyle=":", linewidth=0.8)
    for which, rows, ls, filled in (("ideal", coverage["ideal"]["per_bin"], "-", True),
                                    ("mock", coverage["mock_expected_truth"], "--", False)):
        labels = [r["bin"] for r in rows]
        for name, (label, colour, marker) in COVERAGE_STYLE.items():
            y = np.array([r[name][key] if name in r else np.nan for r in rows], float)
            if not np.any(np.isfinite(y)):
                continue
            ax.plot(np.arange(len(rows)), y, linestyle=ls, marker=marker, color=colour, ms=3.5,
                    linewidth=0.9, mfc=colour if filled else "none", gid=f"{which}_{name}",
                    label=label if filled else None)
        ax.set_xticks(np.arange(len(rows)), labels)
    ax.plot([], [], "k-", label="ideal Gaussian data")
    ax.plot([], [], "k--", mfc="none", label="mock (expected truth)")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("stars per spaxel $N$")
    ax.set_ylabel(f"{level} % coverage of " + r"$\bar{v}_R$")
    ax.legend(loc="lower right", fontsize=5.5)


def fig_injection_recovery(matched: pd.DataFrame, r_sun_kpc: float = 8.2,
                           pull_max: float = 5.0, coverage: dict | None = None) -> Figure:
    """The truth check of the v̄_R map: recovered against true v̄_R per spaxel.

    ``matched``: one row per map spaxel with x_center, y_center, n_stars, vR_mean,
    vR_mean_err_marg (the error marginalised over σ_R), vR_expected (the mean expected v_R of
    the spaxel's stars: field, or their association's bulk motion) and vR_true (the smooth
    injected field) in km/s (:func:`hotstars.validation.match_map`). Left: vR_mean ± error
    against vR_expected with the 1:1 line, and against the smooth field as open circles; the
    legend gives the mean bias and χ²/dof of each. Right: the map of (recovered − expected) /
    error on a diverging scale ±``pull_max``, with the plane furniture. With ``coverage``
    (the ``coverage_by_n`` block of :func:`hotstars.validation.vr_map_recovery`) a third
    panel: the 68 % coverage of every error against N (:func:`coverage_panel`).
    """
    what = "fig_injection_recovery: matched"
    require(matched, ["x_center", "y_center", "n_stars", "vR_mean", "vR_mean_err_marg",
                       "vR_expected", "vR_true"], what)
    rec = finite_column(matched, "vR_mean", what)
    err = finite_column(matched, "vR_mean_err_marg", what)
    expected = finite_column(matched, "vR_expected", what)
    smooth = finite_column(matched, "vR_true", what)
    pull = (rec - expected) / err

    def stats(diff):  # mean bias and chi2/dof = mean pull^2 (validation.pull_stats)
        bias = f"{np.mean(diff):+.1f}".replace("-", "\N{MINUS SIGN}")
        return rf"bias {bias} km s$^{{-1}}$, $\chi^2$/dof = {np.mean((diff / err) ** 2):.2f}"

    size = spaxel_size(matched, what)
    extent = map_frame([matched], size, r_sun_kpc)[0]
    xlim, ylim = plane_frame(r_sun_kpc)  # the frame of Figs. 7, 8, 10
    with paper_style():
        if coverage is None:
            fig = Figure(figsize=(PAGE_WIDTH_IN, 0.45 * PAGE_WIDTH_IN), layout="constrained")
            ax, axm = fig.subplots(1, 2, width_ratios=[1, 1.15])
        else:
            fig = Figure(figsize=(1.4 * PAGE_WIDTH_IN, 0.45 * PAGE_WIDTH_IN),
                         layout="constrained")
            ax, axm, axc = fig.subplots(1, 3, width_ratios=[1, 1.15, 0.9])
            coverage_panel(axc, coverage)
        ax.plot(smooth, rec, "o", ms=3.0, mfc="none", mec="0.6", mew=0.5, gid="smooth",
                label=f"vs smooth field: {stats(rec - smooth)}")
        ax.errorbar(expected, rec, yerr=err, fmt="o", ms=2.0, color="k", elinewidth=0.4,
                    capsize=0, gid="recovered",
                    label=f"vs expected (field + associations): {stats(rec - expected)}")
        lim = np.nanmax(np.abs(np.concatenate([rec, expected, smooth]))) * 1.1
        ax.plot([-lim, lim], [-lim, lim], color="0.4", linestyle="--", linewidth=0.8,
                gid="one_to_one", zorder=0)
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_aspect("equal")
        ax.set_xlabel(r"true $\bar{v}_R$ (km s$^{-1}$)")
        ax.set_ylabel(r"recovered $\bar{v}_R$ (km s$^{-1}$)")
        ax.legend(loc="lower right", fontsize=6, reverse=True)
        ax.set_title(f"{format_count(len(matched))} spaxels "
                     f"({size * 1000:g} pc, $N \\geq {int(matched['n_stars'].min())}$)")
        xe, ye, img = spaxel_image(matched, pull, size, extent)
        mesh = axm.pcolormesh(xe, ye, img, norm=diverging_norm(pull, vmax=pull_max),
                              cmap=VR_CMAP, gid="pull", rasterized=True)
        galactic_plane_axes(axm, r_sun_kpc=r_sun_kpc, xlim=xlim, ylim=ylim)
        kpc_ticks(axm)
        note_outside_frame(axm, [matched], xlim, ylim)
        axm.set_title("(recovered − expected) / error")
        fig.colorbar(mesh, ax=axm, label=r"pull ($\sigma$)", extend="both", pad=0.02,
                     aspect=30)
    return fig


def fig_age_recovery(ages: pd.DataFrame, truth: pd.DataFrame,
                     bins_myr: Sequence[float] | None = None, step: float = 0.05) -> Figure:
    """The age truth check: recovered (posterior median logage_p50) against true log-age of the
    mock stars with age_flag 0 (top: 2-D histogram in ``step``-dex cells centred on the grid
    nodes, log colour; black: median and 16–84 % range of the recovered log-age at each true
    node; dashed: 1:1), and per true-age bin (``bins_myr``, default
    :data:`hotstars.validation.AGE_BINS_MYR`; points at the median true log-age of the bin's
    stars, horizontal bars: the bin) the median bias (middle) and the [p16, p84] coverage
    (bottom; dotted: 0.68), for all, single and binary stars
    (:func:`hotstars.validation.age_recovery`). Log-ages in log10(age/yr).
    """
    res = validation.age_recovery(ages, truth, **({} if bins_myr is None else
                                                 {"bins_myr": bins_myr}))
    df = ages[["source_id", "logage_p50", "age_flag"]].merge(
        truth[["source_id", "age_myr"]], on="source_id")
    df = df.loc[df["age_flag"] == 0]
    if not len(df):
        raise PlotInputError("fig_age_recovery: no star with age_flag 0")
    true = np.log10(df["age_myr"].to_numpy(float)) + 6.0
    rec = df["logage_p50"].to_numpy(float)
    lo = np.floor(min(true.min(), rec.min()) / step) * step - step / 2
    hi = np.ceil(max(true.max(), rec.max()) / step) * step + step / 2
    edges = lo + step * np.arange(int(round((hi - lo) / step)) + 1)
    older = res[f"older_than_{res['split_myr']:g}myr"]
    with paper_style():
        fig = Figure(figsize=(COLUMN_WIDTH_IN * 1.15, 1.6 * COLUMN_WIDTH_IN),
                     layout="constrained")
        ax, axb, axc = fig.subplots(3, 1, sharex=True, height_ratios=[3, 1, 1])
        hist, _, _ = np.histogram2d(true, rec, bins=(edges, edges))
        mesh = ax.pcolormesh(edges, edges, np.ma.masked_equal(hist.T, 0), gid="hist2d",
                             cmap=truncated_cmap("Blues", 0.25, 1.0), rasterized=True,
                             norm=LogNorm(vmin=1, vmax=max(2.0, hist.max())))
        # true ages are continuous: medians per grid-step cell of true log-age (≥ 5 stars)
        cell = np.digitize(true, edges) - 1
        filled = [k for k in np.unique(cell) if (cell == k).sum() >= 5]
        nodes = np.array([0.5 * (edges[k] + edges[k + 1]) for k in filled])
        q = np.array([np.percentile(rec[cell == k], [16, 50, 84]) for k in filled]).reshape(-1, 3)
        ax.errorbar(nodes, q[:, 1], yerr=[q[:, 1] - q[:, 0], q[:, 2] - q[:, 1]], fmt="o",
                    ms=1.8, color="k", elinewidth=0.5, capsize=0, gid="node_medians",
                    label=f"median, 16–84 % per {step:g} dex of true age")
        ax.plot([lo, hi], [lo, hi], color="0.3", linestyle="--", linewidth=0.8,
                gid="one_to_one", label="1:1")
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        ax.set_ylabel(f"recovered {LOGAGE_LABEL}")
        ax.legend(loc="upper left")
        ax.set_title(f"$N$ = {format_count(res['n_age_ok'])} mock stars (age_flag 0); "
                     f"[p16, p84] coverage {res['overall']['coverage_68']:.2f}, "
                     f"{older['coverage_68']:.2f} above {res['split_myr']:g} Myr")
        fig.colorbar(mesh, ax=ax, label="stars", pad=0.01, aspect=25)
        bin_lo = np.log10(np.maximum(res["bins_myr"][:-1], 10 ** (lo - 6))) + 6
        bin_hi = np.minimum(np.log10(res["bins_myr"][1:]) + 6, hi)
        for key, marker, colour, dx in (("", "o", "k", 0.0), ("single", "s", HSS_COLOR, -0.03),
                                        ("binary", "^", "tab:blue", 0.03)):
            rows = (res[key] if key else res)["per_bin"]
            has = np.array(["bias_median_dex" in b for b in rows])
            rows = [b for b in rows if "bias_median_dex" in b]
            at = np.array([b["true_logage_median_dex"] for b in rows]) + dx  # where the stars are
            style = dict(marker=marker, color=colour, ms=3, linestyle="none",
                         label=key or "all")
            axb.errorbar(at, [b["bias_median_dex"] for b in rows],
                         xerr=None if key else [at - bin_lo[has], bin_hi[has] - at],
                         elinewidth=0.5, gid=f"bias_{key or 'all'}", **style)
            axc.plot(at, [b["coverage_68"] for b in rows], gid=f"coverage_{key or 'all'}",
                     **style)
        axb.axhline(0.0, color="0.3", linestyle="--", linewidth=0.8)
        axb.set_ylabel("median bias (dex)")
        axb.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=3, fontsize=6,
                   borderaxespad=0.1)
        axc.axhline(0.68, color="0.3", linestyle=":", linewidth=0.8, gid="coverage_68")
        axc.set_ylim(0, 1.05)
        axc.set_ylabel("[p16, p84] coverage")
        axc.set_xlabel(f"true {LOGAGE_LABEL}")
        for a in (axb, axc):
            for e in bin_hi[:-1]:
                a.axvline(e, color="0.85", linewidth=0.5, zorder=0)
    return fig
