"""The shared figure style, the Galactic-plane map furniture, the sample figures (Figs. 1, 2, 4),
the kinematics and map figures (Figs. 6, 7, B.1) and the v̄_R injection-recovery figure.

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
from matplotlib.ticker import FuncFormatter, MultipleLocator

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


# Tick labels as plain numbers with a true minus sign (no 10^x, no hyphen).
_PLAIN = FuncFormatter(lambda v, _: f"{v:g}".replace("-", "\N{MINUS SIGN}"))


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


# --- Fig. 6: v_phi against R ------------------------------------------------------------------

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
    _require(kinematics, ["R", "v_phi"], what)
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
        _require(flags, ["source_id", "in_vphi_window"], "fig_vphi: flags")
        _require(kinematics, ["source_id"], what)
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
    r_edges = _edges(r[finite], dr_kpc)
    v_edges = y_lo + dvphi_kms * np.arange(int(np.ceil((y_hi - y_lo) / dvphi_kms)) + 1)
    with paper_style():
        fig = Figure(figsize=(COLUMN_WIDTH_IN, 0.75 * COLUMN_WIDTH_IN), layout="constrained")
        ax = fig.add_subplot()
        hist, _, _ = np.histogram2d(r[shown], vphi[shown], bins=(r_edges, v_edges))
        mesh = ax.pcolormesh(r_edges, v_edges, np.ma.masked_equal(hist.T, 0), gid="vphi_hist",
                             cmap=_truncated("Blues", 0.3, 1.0), rasterized=True,
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
        cbar.ax.yaxis.set_major_formatter(_PLAIN)
    return fig


# --- spaxel maps (Figs. 7, B.1) ---------------------------------------------------------------

MAP_CMAP = "viridis"  # σ_R and the errors of v̄_R (log scale, Fig. B.1)


def spaxel_size(df: pd.DataFrame, what: str = "map") -> float:
    """The spaxel size (kpc) of a map product, from its centres (i + 0.5)·size.

    The smallest spacing of the centres in X or Y, checked: every centre must then be at a
    half-integer multiple of it (a map without two adjacent spaxels is an error).
    """
    _require(df, ["x_center", "y_center"], what)
    steps = [np.diff(np.unique(df[c].to_numpy(dtype=float))) for c in ("x_center", "y_center")]
    steps = np.concatenate(steps)
    steps = steps[steps > 1e-9]
    if steps.size == 0:
        raise PlotInputError(f"{what}: cannot infer the spaxel size (no two spaxels adjacent)")
    size = float(steps.min())
    for c in ("x_center", "y_center"):
        k = df[c].to_numpy(dtype=float) / size - 0.5
        if np.max(np.abs(k - np.rint(k))) > 1e-6:
            raise PlotInputError(f"{what}: {c} is not on a grid of spaxels of {size:g} kpc with "
                                 "edges at multiples of the size")
    return size


def _spaxel_image(df: pd.DataFrame, values: np.ndarray, size: float, extent):
    """(x edges, y edges, masked 2-D array [y, x]) of per-spaxel ``values`` over ``extent``
    = (ix0, ix1, iy0, iy1) spaxel indices; empty spaxels masked."""
    ix0, ix1, iy0, iy1 = extent
    img = np.full((iy1 - iy0 + 1, ix1 - ix0 + 1), np.nan)
    ix = np.rint(df["x_center"].to_numpy(dtype=float) / size - 0.5).astype(int)
    iy = np.rint(df["y_center"].to_numpy(dtype=float) / size - 0.5).astype(int)
    img[iy - iy0, ix - ix0] = values
    xe = size * np.arange(ix0, ix1 + 2)
    ye = size * np.arange(iy0, iy1 + 2)
    return xe, ye, np.ma.masked_invalid(img)


def _map_frame(tables: Sequence[pd.DataFrame], size: float, r_sun_kpc: float, pad_kpc=1.0):
    """Spaxel index extent covering all tables, and axis limits (kpc) covering the data and the
    Sun, padded by ``pad_kpc``, and the Galactic centre with 2 kpc to spare (room for the
    0° longitude label), rounded out to whole kpc."""
    x = np.concatenate([t["x_center"].to_numpy(dtype=float) for t in tables])
    y = np.concatenate([t["y_center"].to_numpy(dtype=float) for t in tables])
    ix = np.rint(x / size - 0.5).astype(int)
    iy = np.rint(y / size - 0.5).astype(int)
    extent = (ix.min(), ix.max(), iy.min(), iy.max())
    xlim = (np.floor(min(x.min() - size / 2, -r_sun_kpc) - pad_kpc),
            np.ceil(max(x.max() + size / 2 + pad_kpc, -r_sun_kpc + pad_kpc, 2.0)))
    ylim = (np.floor(min(y.min() - size / 2, 0.0) - pad_kpc),
            np.ceil(max(y.max() + size / 2, 0.0) + pad_kpc))
    return extent, xlim, ylim


def _kpc_ticks(ax, step: float = 2.0) -> None:
    """Major ticks every ``step`` kpc on both axes of a Galactic-plane map."""
    ax.xaxis.set_major_locator(MultipleLocator(step))
    ax.yaxis.set_major_locator(MultipleLocator(step))


def _finite_column(df: pd.DataFrame, column: str, what: str) -> np.ndarray:
    v = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(v).any():
        raise PlotInputError(f"{what}: column {column!r} has no finite value")
    return v


def fig_maps(density: pd.DataFrame, vr: pd.DataFrame, r_sun_kpc: float = 8.2,
             vmax_kms: float = 30.0) -> Figure:
    """Fig. 7: the HSS in the Galactic plane, spaxel by spaxel.

    Left: stars per spaxel (``density`` product: x_center, y_center, n_stars), log colour scale.
    Right: mean v_R (``vr`` product: vR_mean, km/s; only spaxels with enough stars), diverging
    colour map centred on 0 (:data:`VR_CMAP`: blue inward, red outward) with limits ±``vmax_kms``
    (paper: ±30 km/s). Both panels: the plane furniture (:func:`galactic_plane_axes`; Sun at
    (−``r_sun_kpc``, 0)), the same limits covering the data and the Sun.
    """
    _require(density, ["x_center", "y_center", "n_stars"], "fig_maps: density")
    _require(vr, ["x_center", "y_center", "n_stars", "vR_mean"], "fig_maps: vr")
    n_stars = _finite_column(density, "n_stars", "fig_maps: density")
    vr_mean = _finite_column(vr, "vR_mean", "fig_maps: vr")
    size = spaxel_size(density, "fig_maps: density")
    extent, xlim, ylim = _map_frame([density, vr], size, r_sun_kpc)
    panels = [
        (density, np.where(n_stars > 0, n_stars, np.nan), "density",
         LogNorm(vmin=1, vmax=max(2.0, np.nanmax(n_stars))), _truncated("Greys", 0.2, 1.0),
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
            xe, ye, img = _spaxel_image(df, values, size, extent)
            mesh = ax.pcolormesh(xe, ye, img, norm=norm, cmap=cmap, gid=gid, rasterized=True)
            galactic_plane_axes(ax, r_sun_kpc=r_sun_kpc, xlim=xlim, ylim=ylim)
            _kpc_ticks(ax)
            cbar = fig.colorbar(mesh, ax=ax, label=label, location="top", shrink=0.8,
                                aspect=35, extend=extend, pad=0.01)
            cbar.ax.xaxis.set_major_formatter(_PLAIN)
        axes[1].set_ylabel("")
    return fig


def fig_map_errors(vr: pd.DataFrame, r_sun_kpc: float = 8.2,
                   limits_kms: Sequence[float] = (1.0, 60.0)) -> Figure:
    """Fig. B.1 (HSS row), plus our error: maps of σ_R, of the paper's error of v̄_R, σ_R/√N,
    and of the error marginalised over σ_R (``vr`` product columns sigma_R, vR_mean_err_sqrtn,
    vR_mean_err_marg; km/s; see :func:`hotstars.maps.grouped_mle`).

    One log colour scale over ``limits_kms`` (paper: 1–60 km/s) for all three. Spaxels with
    σ_R = 0 (then σ_R/√N = 0 too) cannot be shown on a log scale: they are drawn light grey and
    counted in the panel titles. The marginalised error is never 0: it includes the stars' own errors.
    """
    cols = ["sigma_R", "vR_mean_err_sqrtn", "vR_mean_err_marg"]
    _require(vr, ["x_center", "y_center", "n_stars"] + cols, "fig_map_errors: vr")
    size = spaxel_size(vr, "fig_map_errors: vr")
    extent, xlim, ylim = _map_frame([vr], size, r_sun_kpc)
    lo, hi = map(float, limits_kms)
    norm = LogNorm(vmin=lo, vmax=hi)
    cmap = mpl.colormaps[MAP_CMAP]
    titles = {"sigma_R": r"$\sigma_R$", "vR_mean_err_sqrtn": r"$\sigma_R/\sqrt{N}$ (paper)",
              "vR_mean_err_marg": r"error of $\bar{v}_R$ marginalised over $\sigma_R$"}
    with paper_style():
        fig = Figure(figsize=(PAGE_WIDTH_IN, 0.4 * PAGE_WIDTH_IN), layout="constrained")
        axes = fig.subplots(1, 3, sharex=True, sharey=True)
        for ax, col in zip(axes, cols):
            values = _finite_column(vr, col, "fig_map_errors: vr")
            xe, ye, img = _spaxel_image(vr, np.where(values > 0, values, np.nan), size, extent)
            # empty spaxels stay transparent; zero values are drawn with the 'bad' grey
            zero = _spaxel_image(vr, np.where(values > 0, np.nan, 1.0), size, extent)[2]
            ax.pcolormesh(xe, ye, zero, cmap=mpl.colors.ListedColormap(["0.8"]), gid="zero",
                          rasterized=True)
            mesh = ax.pcolormesh(xe, ye, img, norm=norm, cmap=cmap, gid=col, rasterized=True)
            galactic_plane_axes(ax, r_sun_kpc=r_sun_kpc, xlim=xlim, ylim=ylim,
                                label_longitudes=False)
            _kpc_ticks(ax)
            n_zero = int(np.sum(values <= 0))
            ax.set_title(titles[col] + (f"\n({n_zero} spaxels = 0, grey)" if n_zero else ""))
            if ax is not axes[0]:
                ax.set_ylabel("")
        cbar = fig.colorbar(mesh, ax=axes, label="km s$^{-1}$", extend="both", shrink=0.8,
                            aspect=30, pad=0.01)
        ticks = [t for t in (1, 2, 5, 10, 20, 50, 100, 200) if lo <= t <= hi]
        cbar.set_ticks(ticks, labels=[f"{t:g}" for t in ticks])
    return fig


def fig_injection_recovery(matched: pd.DataFrame, r_sun_kpc: float = 8.2,
                           pull_max: float = 5.0) -> Figure:
    """The truth check of the v̄_R map: recovered against true v̄_R per spaxel.

    ``matched``: one row per map spaxel with x_center, y_center, n_stars, vR_mean,
    vR_mean_err_marg (the error marginalised over σ_R), vR_expected (the mean expected v_R of
    the spaxel's stars: field, or their association's bulk motion) and vR_true (the smooth
    injected field) in km/s (:func:`hotstars.validation.match_map`). Left: vR_mean ± error
    against vR_expected with the 1:1 line, and against the smooth field as open circles; the
    legend gives the mean bias and χ²/dof of each. Right: the map of (recovered − expected) /
    error on a diverging scale ±``pull_max``, with the plane furniture.
    """
    what = "fig_injection_recovery: matched"
    _require(matched, ["x_center", "y_center", "n_stars", "vR_mean", "vR_mean_err_marg",
                       "vR_expected", "vR_true"], what)
    rec = _finite_column(matched, "vR_mean", what)
    err = _finite_column(matched, "vR_mean_err_marg", what)
    expected = _finite_column(matched, "vR_expected", what)
    smooth = _finite_column(matched, "vR_true", what)
    pull = (rec - expected) / err

    def stats(diff):  # mean bias and chi2/dof = mean pull^2 (validation.pull_stats)
        bias = f"{np.mean(diff):+.1f}".replace("-", "\N{MINUS SIGN}")
        return rf"bias {bias} km s$^{{-1}}$, $\chi^2$/dof = {np.mean((diff / err) ** 2):.2f}"

    size = spaxel_size(matched, what)
    extent, xlim, ylim = _map_frame([matched], size, r_sun_kpc)
    with paper_style():
        fig = Figure(figsize=(PAGE_WIDTH_IN, 0.45 * PAGE_WIDTH_IN), layout="constrained")
        ax, axm = fig.subplots(1, 2, width_ratios=[1, 1.15])
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
        xe, ye, img = _spaxel_image(matched, pull, size, extent)
        mesh = axm.pcolormesh(xe, ye, img, norm=diverging_norm(pull, vmax=pull_max),
                              cmap=VR_CMAP, gid="pull", rasterized=True)
        galactic_plane_axes(axm, r_sun_kpc=r_sun_kpc, xlim=xlim, ylim=ylim)
        _kpc_ticks(axm)
        axm.set_title("(recovered − expected) / error")
        fig.colorbar(mesh, ax=axm, label=r"pull ($\sigma$)", extend="both", pad=0.02,
                     aspect=30)
    return fig


# --- ages: Figs. 8, 9, 11 and the age truth check ---------------------------------------------

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
    the plane furniture of :func:`galactic_plane_axes`. ``size_kpc``: the spaxel size (kpc),
    inferred from the centres if None (a sparse map may need it given).
    """
    what = "fig_logage_map: logage_map"
    _require(logage_map, ["x_center", "y_center", "n_stars", "logage_mean"], what)
    values = _finite_column(logage_map, "logage_mean", what)
    size = float(size_kpc) if size_kpc is not None else spaxel_size(logage_map, what)
    extent, xlim, ylim = _map_frame([logage_map], size, r_sun_kpc)
    with paper_style():
        aspect = (ylim[1] - ylim[0]) / (xlim[1] - xlim[0])  # height of the map / its width
        fig = Figure(figsize=(COLUMN_WIDTH_IN, COLUMN_WIDTH_IN * (0.85 * aspect + 0.3)),
                     layout="constrained")
        ax = fig.add_subplot()
        xe, ye, img = _spaxel_image(logage_map, values, size, extent)
        mesh = ax.pcolormesh(xe, ye, img, cmap=AGE_CMAP, vmin=limits[0], vmax=limits[1],
                             gid="logage", rasterized=True)
        galactic_plane_axes(ax, r_sun_kpc=r_sun_kpc, xlim=xlim, ylim=ylim)
        _kpc_ticks(ax)
        cbar = fig.colorbar(mesh, ax=ax, location="top", extend="both", pad=0.01, aspect=35,
                            shrink=0.9,
                            label=f"mean {LOGAGE_LABEL} per {size * 1000:g} × {size * 1000:g} pc "
                                  f"spaxel ({format_count(len(logage_map))} spaxels with "
                                  f"$N \\geq {int(logage_map['n_stars'].min())}$)")
        cbar.ax.xaxis.set_major_formatter(_PLAIN)
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
                  contours: Mapping | None = None, size_kpc: float | None = None) -> Figure:
    """Fig. 11: stars per spaxel of the young (< ``young_max_myr``, left) and the older
    (> ``old_min_myr``, right) stars, log colour scale, same limits and plane furniture.

    ``young``, ``old``: :func:`hotstars.maps.young_old_density` products (x_center, y_center,
    n_stars); an empty one gives a panel saying so. ``contours`` (hook for the density contrast
    Δ_Σ of Eq. 15, drawn as solid black lines on both panels, ``gid='contours'``): a mapping
    with ``x``, ``y`` (grid centres, kpc), ``z`` (array [len(y), len(x)]) and ``levels``.
    ``size_kpc``: the spaxel size, inferred from the centres if None.
    """
    tables = {"young": young, "old": old}
    for name, df in tables.items():
        missing = [c for c in ("x_center", "y_center", "n_stars") if c not in df.columns]
        if missing:
            raise PlotInputError(f"fig_young_old: {name}: missing column(s) {missing}")
    filled = [df for df in tables.values() if len(df)]
    if size_kpc is not None:
        size = float(size_kpc)
    elif filled:
        size = spaxel_size(pd.concat(filled), "fig_young_old")
    else:
        size = 0.25
    if filled:
        extent, xlim, ylim = _map_frame(filled, size, r_sun_kpc)
    else:
        extent, xlim, ylim = None, (-16.0, 0.0), (-8.0, 8.0)
    contours = _valid_contours(contours) if contours is not None else None
    titles = {"young": f"younger than {young_max_myr:g} Myr",
              "old": f"older than {old_min_myr:g} Myr"}
    with paper_style():
        fig = Figure(figsize=(PAGE_WIDTH_IN, 0.5 * PAGE_WIDTH_IN), layout="constrained")
        axes = fig.subplots(1, 2, sharex=True, sharey=True)
        for ax, (name, df) in zip(axes, tables.items()):
            n_stars = df["n_stars"].to_numpy(dtype=float)
            galactic_plane_axes(ax, r_sun_kpc=r_sun_kpc, xlim=xlim, ylim=ylim)
            _kpc_ticks(ax)
            ax.set_title(f"{titles[name]} ({format_count(int(n_stars.sum()))} stars)")
            if contours is not None:
                ax.contour(contours["x"], contours["y"], contours["z"], levels=contours["levels"],
                           colors="k", linewidths=0.6, zorder=2.5).set_gid("contours")
            if not len(df):
                ax.text(0.5, 0.5, "no stars", transform=ax.transAxes, ha="center",
                        gid="empty")
                continue
            xe, ye, img = _spaxel_image(df, n_stars, size, extent)
            mesh = ax.pcolormesh(xe, ye, img, norm=LogNorm(vmin=1, vmax=max(2.0, n_stars.max())),
                                 cmap=_truncated("Greys", 0.2, 1.0), gid=name, rasterized=True)
            cbar = fig.colorbar(mesh, ax=ax, location="top", shrink=0.8, aspect=35, pad=0.01,
                                label=f"stars per {size * 1000:g} × {size * 1000:g} pc spaxel")
            ticks = [t for t in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
                     if t <= max(2.0, n_stars.max())]
            cbar.set_ticks(ticks, labels=[f"{t:g}" for t in ticks])
            cbar.ax.xaxis.set_minor_formatter(mpl.ticker.NullFormatter())
        axes[1].set_ylabel("")
    return fig


def _robust_scatter(d: np.ndarray) -> float:
    """1.4826 × median absolute deviation (Gaussian-equivalent σ)."""
    return float(1.482602218505602 * np.median(np.abs(d - np.median(d))))


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
                              f"{_signed(np.median(d))}, $\\sigma$ = {_robust_scatter(d):.2f}"))
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
    from hotstars import validation  # the statistics of the figure are those of the JSON

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
                             cmap=_truncated("Blues", 0.25, 1.0), rasterized=True,
                             norm=LogNorm(vmin=1, vmax=max(2.0, hist.max())))
        nodes = np.unique(np.round(true, 6))
        q = np.array([np.percentile(rec[np.isclose(true, t)], [16, 50, 84]) for t in nodes])
        ax.errorbar(nodes, q[:, 1], yerr=[q[:, 1] - q[:, 0], q[:, 2] - q[:, 1]], fmt="o",
                    ms=1.8, color="k", elinewidth=0.5, capsize=0, gid="node_medians",
                    label="median, 16–84 % at each true age")
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
