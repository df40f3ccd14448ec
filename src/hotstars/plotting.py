"""The shared figure style, the Galactic-plane map furniture and the sample figures (Figs. 1, 2, 4).

Conventions
- One style (:func:`paper_style`): a Times-like serif (STIX, close to A&A's TX fonts), 8 pt text,
  inward ticks on all four sides, widths of the A&A layout (one column 88 mm, full page 180 mm;
  A&A author guide, "Figures").
- Figure functions are pure: they take DataFrames, build a :class:`matplotlib.figure.Figure`
  without pyplot (no global state) and return it; :func:`savefig` writes it atomically and
  byte-for-byte reproducibly.
- Galactic-plane maps use the paper's frame (PAPER.md, Kinematics; Zari et al. 2025, Fig. 7): Sun
  at (X, Y) = (-R_sun, 0) kpc, Galactic centre at (0, 0), +X from the Sun toward l = 0 deg, +Y
  toward l = 90 deg. Mean v_R maps use a diverging colour map centred on 0 (blue = inward,
  red = outward, as in the paper).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator, Mapping, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.colors import CenteredNorm, LinearSegmentedColormap, LogNorm
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Patch
from matplotlib.ticker import FuncFormatter

from hotstars.tables import atomic_path

MM = 1 / 25.4  # inches per millimetre
COLUMN_WIDTH_IN = 88 * MM  # A&A one-column figure width
PAGE_WIDTH_IN = 180 * MM  # A&A full-page figure width

TARGET_COLOR = "0.45"  # all mwm_ob targets (Fig. 1 top, Fig. 4 background): gray
HSS_COLOR = "#e8710a"  # the Hot Star Sample: orange, as in the paper
VR_CMAP = "RdBu_r"  # mean v_R: blue inward (< 0), red outward (> 0), as in the paper's Fig. 7

# Spectral types of the Kiel-diagram Teff lines (Zari et al. 2025, Fig. 4 caption).
PAPER_TEFF_TYPES: dict[float, str] = {
    31000.0: "O9.5V", 17000.0: "B3V", 10400.0: "B9V", 7400.0: "A9V", 6050.0: "F9V",
}

PAPER_RC: dict[str, object] = {
    "font.family": "serif",
    "font.serif": ["STIXGeneral", "DejaVu Serif"],
    "mathtext.fontset": "stix",
    "font.size": 8.0,
    "axes.titlesize": 8.0,
    "axes.labelsize": 8.0,
    "xtick.labelsize": 7.0,
    "ytick.labelsize": 7.0,
    "legend.fontsize": 7.0,
    "axes.linewidth": 0.6,
    "axes.formatter.use_mathtext": True,
    "lines.linewidth": 1.0,
    "xtick.direction": "in",
    "ytick.direction": "in",
    "xtick.top": True,
    "ytick.right": True,
    "xtick.minor.visible": True,
    "ytick.minor.visible": True,
    "xtick.major.size": 3.5,
    "ytick.major.size": 3.5,
    "xtick.minor.size": 2.0,
    "ytick.minor.size": 2.0,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "xtick.minor.width": 0.5,
    "ytick.minor.width": 0.5,
    "legend.frameon": False,
    "legend.handlelength": 1.2,
    "figure.dpi": 150,
    "savefig.dpi": 150,
    "image.cmap": "viridis",
    "pdf.fonttype": 42,
    "svg.hashsalt": "hotstars",
}

# A white outline that keeps labels readable over data.
_HALO = [patheffects.withStroke(linewidth=1.5, foreground="white")]

# Metadata that would make two writes of the same figure differ (software version, dates).
_METADATA = {
    ".png": {"Software": None},
    ".pdf": {"Creator": None, "Producer": None, "CreationDate": None},
}


class PlotInputError(ValueError):
    """A table handed to a figure function lacks a column, has bad values or is empty."""


@contextmanager
def paper_style(overrides: Mapping[str, object] | None = None) -> Iterator[None]:
    """Apply the paper style (:data:`PAPER_RC`, plus ``overrides``) inside a ``with`` block."""
    with mpl.rc_context({**PAPER_RC, **(overrides or {})}):
        yield


def savefig(fig: Figure, path: str | os.PathLike, dpi: float = 150) -> None:
    """Write ``fig`` to ``path`` (.png or .pdf) atomically and reproducibly, then close it.

    Identical figures give identical bytes: the software/date metadata are stripped. ``dpi``
    is the PNG resolution (and that of rasterised artists in a PDF).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix not in _METADATA:
            raise ValueError(f"{path}: unsupported figure format {suffix!r} (.png or .pdf)")
        with paper_style(), atomic_path(path) as tmp:
            fig.savefig(tmp, format=suffix[1:], dpi=dpi, metadata=_METADATA[suffix])
    finally:
        plt.close(fig)  # frees a pyplot-managed figure; a no-op for a bare Figure


def format_count(n: int) -> str:
    """Thousands with commas, as the paper writes counts: 165460 -> '165,460'."""
    return f"{int(n):,}"


# --- Galactic-plane maps --------------------------------------------------------------------

def galactic_plane_axes(ax, r_sun_kpc: float = 8.2, xlim: Sequence[float] = (-16.0, 0.0),
                        ylim: Sequence[float] = (-8.0, 8.0),
                        radii_kpc: Iterable[float] | None = None, r_step_kpc: float = 2.0,
                        longitudes_deg: Iterable[float] = range(0, 360, 30),
                        label_longitudes: bool = True, zorder: float = 3.0):
    """Draw the furniture of the paper's Galactic-plane maps (Fig. 7) on ``ax``; return ``ax``.

    Frame (PAPER.md): GC at (0, 0), Sun at (-r_sun_kpc, 0) kpc, +Y toward l = 90 deg. Draws
    - the Sun, a ⊙ (gold disc with a central dot; ``gid='sun'``), and the GC as a small '+';
    - dashed circles of constant Galactocentric R (``gid='R_circle'``): ``radii_kpc``, or every
      ``r_step_kpc`` out to the farthest corner of the limits;
    - solid lines of constant Galactic longitude from the Sun (``gid='l_line'``), at
      ``longitudes_deg``, labelled near the frame edge when ``label_longitudes``;
    and sets equal aspect, the limits (kpc) and the axis labels. Data drawn with the default
    zorder (images 0-1, points 1-2) stay below the furniture (``zorder``).
    """
    x0 = -float(r_sun_kpc)
    (xmin, xmax), (ymin, ymax) = sorted(map(float, xlim)), sorted(map(float, ylim))
    corners = np.array([[xmin, ymin], [xmin, ymax], [xmax, ymin], [xmax, ymax]])
    if radii_kpc is None:
        r_far = np.hypot(corners[:, 0], corners[:, 1]).max()
        radii_kpc = np.arange(r_step_kpc, r_far + 1e-9, r_step_kpc)
    furniture = dict(color="0.35", linewidth=0.5, zorder=zorder)
    for r in radii_kpc:
        ax.add_patch(Circle((0.0, 0.0), float(r), fill=False, linestyle=(0, (4, 3)),
                            gid="R_circle", **furniture))

    # A ray from the Sun: (X, Y) = (-R_sun + s cos l, s sin l), long enough to leave the frame.
    s_far = np.hypot(corners[:, 0] - x0, corners[:, 1]).max()
    sun_inside = xmin < x0 < xmax and ymin < 0.0 < ymax
    for lon in longitudes_deg:
        c, s = np.cos(np.radians(lon)), np.sin(np.radians(lon))
        ax.plot([x0, x0 + s_far * c], [0.0, s_far * s], linestyle="-", alpha=0.6, gid="l_line",
                **furniture)
        if label_longitudes and sun_inside:
            # Exit distance of the ray from the frame (the nearer of its x and y crossings).
            exits = [(xmax - x0) / c if c > 1e-12 else (xmin - x0) / c if c < -1e-12 else np.inf,
                     ymax / s if s > 1e-12 else ymin / s if s < -1e-12 else np.inf]
            d = 0.93 * min(exits)
            ax.text(x0 + d * c, d * s, f"{lon % 360:g}°", fontsize=5.5, color="0.3",
                    ha="center", va="center", zorder=zorder, gid="l_label", path_effects=_HALO)
    ax.plot([0.0], [0.0], marker="+", markersize=5, color="k", linestyle="none", gid="gc",
            zorder=zorder + 1)
    ax.plot([x0], [0.0], marker="o", markersize=6, markerfacecolor="gold", markeredgecolor="k",
            markeredgewidth=0.6, linestyle="none", gid="sun", zorder=zorder + 1)
    ax.plot([x0], [0.0], marker="o", markersize=1.2, color="k", linestyle="none",
            zorder=zorder + 2)
    ax.set_aspect("equal")
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_xlabel("$X$ (kpc)")
    ax.set_ylabel("$Y$ (kpc)")
    return ax


def diverging_norm(values, vmax: float | None = None) -> CenteredNorm:
    """A colour normalisation symmetric about 0 (for mean v_R, km/s): [-vmax, +vmax].

    ``vmax`` defaults to the largest |value| among the finite ``values``. Use with
    :data:`VR_CMAP`.
    """
    if vmax is None:
        v = np.asarray(values, dtype=float).ravel()
        v = v[np.isfinite(v)]
        if v.size == 0:
            raise ValueError("diverging_norm: no finite values to set the colour range; pass vmax")
        vmax = float(np.abs(v).max())
    if not (np.isfinite(vmax) and vmax > 0):
        raise ValueError(f"diverging_norm: vmax must be finite and > 0, got {vmax!r}")
    return CenteredNorm(vcenter=0.0, halfrange=float(vmax))


# --- input checks -----------------------------------------------------------------------------

def _require(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise PlotInputError(f"{what}: missing column(s) {missing}; has {list(df.columns)}")
    if len(df) == 0:
        raise PlotInputError(f"{what}: the table is empty (no rows)")


def _bool_column(df: pd.DataFrame, column: str, what: str) -> np.ndarray:
    """A flag column as a bool array; NaN/None or values other than 0/1 are an error."""
    col = df[column]
    if col.dtype == bool:
        return col.to_numpy()
    values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isin(values, (0.0, 1.0))
    if bad.any():
        rows = np.flatnonzero(bad)[:5].tolist()
        raise PlotInputError(f"{what}: column {column!r} must be boolean; bad values at rows "
                             f"{rows}")
    return values.astype(bool)


def _finite_lb(df: pd.DataFrame, what: str) -> tuple[np.ndarray, np.ndarray, int]:
    """Galactic (l, b) in deg of the rows where both are finite, and the number dropped."""
    _require(df, ["l", "b"], what)
    lon, lat = df["l"].to_numpy(dtype=float), df["b"].to_numpy(dtype=float)
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        raise PlotInputError(f"{what}: no row has finite l and b")
    return lon[ok], lat[ok], int((~ok).sum())


def _truncated(cmap_name: str, lo: float, hi: float) -> LinearSegmentedColormap:
    cmap = mpl.colormaps[cmap_name]
    return LinearSegmentedColormap.from_list(f"{cmap_name}_{lo:g}_{hi:g}",
                                             cmap(np.linspace(lo, hi, 256)))


# --- Fig. 1: the sky --------------------------------------------------------------------------

def fig_sky(targets: pd.DataFrame, hss: pd.DataFrame) -> Figure:
    """Fig. 1: the observed mwm_ob targets (top, gray) and the HSS (bottom, orange) on the sky.

    Mollweide projection in Galactic coordinates (``l``, ``b`` in deg), l increasing to the left
    (l = 0 at the centre, +180/-180 at the edges), as astronomers draw the sky. Each panel's title
    gives N, the number of plotted rows (finite l and b); rows without coordinates are counted
    in the title if any.
    """
    panels = [("observed mwm_ob targets", _finite_lb(targets, "fig_sky: targets"), TARGET_COLOR,
               0.5),
              ("Hot Star Sample", _finite_lb(hss, "fig_sky: hss"), HSS_COLOR, 0.6)]
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
                        va="center", color="0.2", path_effects=_HALO)
            ax.set_yticks(np.radians([-60, -30, 0, 30, 60]))
            ax.tick_params(axis="y", labelsize=6)
            ax.grid(True, linewidth=0.3, color="0.75")
            extra = f", {format_count(n_bad)} without $l, b$" if n_bad else ""
            ax.set_title(f"{title} ($N$ = {format_count(lon.size)}{extra})", pad=4)
        axes[1].set_xlabel("$l$ (deg)", labelpad=2)
        for ax in axes:
            ax.set_ylabel("$b$ (deg)", labelpad=1)
    return fig


# --- Fig. 2: the cut-flow ---------------------------------------------------------------------

def fig_cutflow(cutflow: pd.DataFrame) -> Figure:
    """Fig. 2: the HSS cut-flow as paired horizontal bars (spectra, stars), steps top to bottom.

    ``cutflow`` has columns step, criterion, n_spectra, n_stars (cumulative counts, in order);
    each step is labelled with its criterion, and each bar with its count and its percentage of
    the first step's count. The bar containers are labelled 'spectra' and 'stars'.
    """
    what = "fig_cutflow: cutflow"
    _require(cutflow, ["step", "criterion", "n_spectra", "n_stars"], what)
    counts = {}
    for col in ("n_spectra", "n_stars"):
        v = pd.to_numeric(cutflow[col], errors="coerce").to_numpy(dtype=float)
        bad = ~(np.isfinite(v) & (v >= 0) & (v == np.round(v)))
        if bad.any():
            raise PlotInputError(f"{what}: column {col!r} must hold non-negative integers; bad "
                                 f"rows {np.flatnonzero(bad)[:5].tolist()}")
        counts[col] = v.astype(np.int64)
    n_steps = len(cutflow)
    with paper_style({"ytick.minor.visible": False, "ytick.left": False, "ytick.right": False}):
        fig = Figure(figsize=(COLUMN_WIDTH_IN, 0.55 + 0.47 * n_steps), layout="constrained")
        ax = fig.add_subplot()
        y = -np.arange(n_steps, dtype=float)  # step i at y = -i: first step on top
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
        for i, (step, criterion) in enumerate(zip(cutflow["step"], cutflow["criterion"])):
            criterion = str(criterion).replace("<=", "≤").replace(">=", "≥")
            ax.text(0, y[i] + 0.2, f"{i + 1}. {step}: {criterion}", ha="left", va="center",
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


# --- Fig. 4: the Kiel diagram -----------------------------------------------------------------

def _edges(values: np.ndarray, step: float) -> np.ndarray:
    """Bin edges at multiples of ``step`` that cover ``values`` (finite, non-empty)."""
    lo = np.floor(values.min() / step) * step
    hi = np.ceil(values.max() / step) * step
    lo -= step if lo > values.min() else 0.0  # guard against round-off at the ends
    hi += step if hi < values.max() else 0.0
    n = max(1, int(round((hi - lo) / step)))
    return lo + step * np.arange(n + 1)


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
    _require(flags, ["teff", "logg", "passes_quality", "in_hss"], what)
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
        member = _bool_column(flags, column, what)
        if not member.any():
            raise PlotInputError(f"{what}: no {name} ({column} is False in every row)")
        keep = member & finite
        if not keep.any():
            raise PlotInputError(f"{what}: no {name} has finite teff and logg")
        sets[key] = (np.log10(teff[keep]), logg[keep], int((member & ~finite).sum()))

    x_all = np.concatenate([s[0] for s in sets.values()])
    y_all = np.concatenate([s[1] for s in sets.values()])
    xe, ye = _edges(x_all, dlogteff), _edges(y_all, dlogg)

    with paper_style():
        fig = Figure(figsize=(COLUMN_WIDTH_IN, 0.8 * COLUMN_WIDTH_IN), layout="constrained")
        ax = fig.add_subplot()
        styles = {"quality": ("quality cuts", _truncated("Greys", 0.25, 0.85), "0.55"),
                  "hss": ("HSS", _truncated("Oranges", 0.4, 1.0), HSS_COLOR)}
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
                    transform=ax.get_xaxis_transform(), zorder=4, path_effects=_HALO)
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
