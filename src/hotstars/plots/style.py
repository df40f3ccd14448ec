"""The shared figure style of every figure module: colours and widths, the Galactic-plane map
furniture (Sun, Galactic centre, circles of constant R, lines of constant longitude) and frame,
spaxel images, input checks and the reproducible writer :func:`savefig`.

Conventions
- One style (:func:`paper_style`): a Times-like serif (STIX, close to A&A's TX fonts), 8 pt text,
  inward ticks on all four sides, widths of the A&A layout (one column 88 mm, full page 180 mm;
  A&A author guide, "Figures").
- Figure functions are pure: they take DataFrames, build a :class:`matplotlib.figure.Figure`
  without pyplot (no global state) and return it; :func:`savefig` writes it atomically and
  byte-for-byte reproducibly.
- Galactic-plane maps use the paper's frame (docs/conventions.md, Kinematics; Zari et al. 2025,
  Fig. 7): Sun at (X, Y) = (-R_sun, 0) kpc, Galactic centre at (0, 0), +X from the Sun toward l = 0
  deg, +Y toward l = 90 deg. As the paper's captions: the Sun a yellow star, the Galactic centre a
  dot, dashed circles R = 2, 4, 6 kpc (:func:`galactic_plane_axes`); the HSS maps (Figs. 7, 8,
  10, 11, 13, B.1 and the v_R truth check) share one frame, :func:`plane_frame`. Mean v_R maps
  use a diverging colour map centred on 0 (blue = inward, red = outward, as in the paper).
"""

from __future__ import annotations

import os
import textwrap
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.colors import CenteredNorm, LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Circle
from matplotlib.ticker import FuncFormatter, MultipleLocator

from hotstars.errors import HotstarsError, require_columns
from hotstars.io import provenance
from hotstars.io.tables import atomic_path

MM = 1 / 25.4  # inches per millimetre
COLUMN_WIDTH_IN = 88 * MM  # A&A one-column figure width
PAGE_WIDTH_IN = 180 * MM  # A&A full-page figure width

TARGET_COLOR = "0.45"  # all mwm_ob targets (Fig. 1 top, Fig. 4 background): gray
HSS_COLOR = "#e8710a"  # the Hot Star Sample: orange, as in the paper
VR_CMAP = "RdBu_r"  # mean v_R: blue inward (< 0), red outward (> 0), as in the paper's Fig. 7


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
HALO = [patheffects.withStroke(linewidth=1.5, foreground="white")]

# Metadata that would make two writes of the same figure differ (software version, dates).
_METADATA = {
    ".png": {"Software": None},
    ".pdf": {"Creator": None, "Producer": None, "CreationDate": None},
}


class PlotInputError(HotstarsError):
    """A table handed to a figure function lacks a column, has bad values or is empty."""


def require(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    """Raise :class:`PlotInputError` unless ``df`` has rows and every column of ``columns``."""
    require_columns(df, columns, what, PlotInputError, nonempty=True)


@contextmanager
def paper_style(overrides: Mapping[str, object] | None = None) -> Iterator[None]:
    """Apply the paper style (:data:`PAPER_RC`, plus ``overrides``) inside a ``with`` block."""
    with mpl.rc_context({**PAPER_RC, **(overrides or {})}):
        yield


def savefig(fig: Figure, path: str | os.PathLike, dpi: float = 150) -> None:
    """Write ``fig`` to ``path`` (.png or .pdf) atomically and reproducibly, then close it.

    Identical figures give identical bytes: the software/date metadata are stripped. ``dpi``
    is the PNG resolution (and that of rasterised artists in a PDF). Inside a workflow job a PNG
    carries the job's provenance as JSON in the tEXt chunk ``provenance``
    (:func:`hotstars.io.provenance.read_provenance` reads it).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix not in _METADATA:
            raise ValueError(f"{path}: unsupported figure format {suffix!r} (.png or .pdf)")
        metadata = dict(_METADATA[suffix])
        if fig.get_label().startswith(NOT_MADE) and suffix == ".png":
            metadata["Description"] = fig.get_label()  # a placeholder says why (PNG text)
        record = provenance.current()
        if record and suffix == ".png":
            metadata[provenance.PNG_KEY] = provenance.canonical_json(record)
        with paper_style(), atomic_path(path) as tmp:
            fig.savefig(tmp, format=suffix[1:], dpi=dpi, metadata=metadata)
    finally:
        if fig.canvas.manager is not None:  # a pyplot figure: pyplot forgets it (a bare Figure,
            import matplotlib.pyplot as plt  # as every figure function makes, needs no pyplot)

            plt.close(fig)


#: Start of a placeholder figure's text and PNG "Description" (:func:`placeholder_figure`).
NOT_MADE = "not made: "


def placeholder_figure(title: str, reason: str) -> Figure:
    """A small figure in place of an optional one whose inputs are empty: only the text
    "<title>" and "not made: <reason>" (no axes, no fake data). :func:`savefig` writes the
    "not made: ..." line into the PNG's "Description" text chunk too."""
    text = NOT_MADE + reason
    with paper_style():
        fig = Figure(figsize=(COLUMN_WIDTH_IN, COLUMN_WIDTH_IN * 0.45))
        fig.set_label(text)
        fig.text(0.5, 0.78, title, ha="center", va="center", fontsize=9, weight="bold",
                 gid="title")
        fig.text(0.5, 0.42, textwrap.fill(text, 62), ha="center", va="center", fontsize=6.5,
                 gid="not_made")
    return fig


def not_made_reason(df: pd.DataFrame, meta: Mapping, name: str) -> str:
    """Why a figure of an optional product is a placeholder: the product's ``skipped`` reason
    (its metadata), else "<name> has no rows" if ``df`` is empty; "" if the figure can be made."""
    reason = str(meta.get("skipped") or "")
    return reason or (f"{name} has no rows" if df.empty else "")


def figure_or_placeholder(label: str, title: str, df: pd.DataFrame, meta: Mapping, name: str,
                          draw: Callable[[pd.DataFrame], Figure], log=None) -> Figure:
    """``draw(df)``, or, when :func:`not_made_reason` gives a reason, a placeholder figure
    "<label>: <title>" that says it (and a warning "<label> not made: <reason>" in ``log``):
    an optional product's figure is never an error."""
    reason = not_made_reason(df, meta, name)
    if not reason:
        return draw(df)
    if log is not None:
        log.warning("%s not made: %s", label, reason)
    return placeholder_figure(f"{label}: {title}", reason)


def format_count(n: int) -> str:
    """Thousands with commas, as the paper writes counts: 165460 -> '165,460'."""
    return f"{int(n):,}"


# Tick labels as plain numbers with a true minus sign (no 10^x, no hyphen).
PLAIN = FuncFormatter(lambda v, _: f"{v:g}".replace("-", "\N{MINUS SIGN}"))


# --- Galactic-plane maps --------------------------------------------------------------------

#: Dashed circles of constant Galactocentric R drawn around the GC (the paper's captions: 2, 4, 6 kpc).
GC_CIRCLES_KPC = (2.0, 4.0, 6.0)
#: The one frame of the HSS plane maps (Figs. 7, 8, 10, 11, B.1; :func:`plane_frame`): the maps
#: reach this far from the Sun (kpc) in -X and in +-Y, and on the GC side at least to
#: :data:`PLANE_BEYOND_GC_KPC` past the Galactic centre (its circles and the 0 deg label).
PLANE_REACH_KPC = 8.0
PLANE_BEYOND_GC_KPC = 2.0
SUN_COLOR = "gold"  # the Sun: a yellow star (the paper's captions)


def plane_frame(r_sun_kpc: float = 8.2) -> tuple[tuple[float, float], tuple[float, float]]:
    """(xlim, ylim) in kpc of every HSS Galactic-plane map, whatever the data: X from
    -R_sun - PLANE_REACH_KPC (rounded out to whole kpc) to PLANE_BEYOND_GC_KPC, Y within
    +-PLANE_REACH_KPC. One frame, so that Figs. 7, 8, 10, 11 and B.1 overlay spaxel by spaxel;
    spaxels beyond it are counted on the panel (:func:`note_outside_frame`)."""
    x0 = float(np.floor(-float(r_sun_kpc) - PLANE_REACH_KPC))
    x1 = float(max(PLANE_BEYOND_GC_KPC, np.ceil(-float(r_sun_kpc) + PLANE_REACH_KPC)))
    return (x0, x1), (-PLANE_REACH_KPC, PLANE_REACH_KPC)


def n_outside_frame(df: pd.DataFrame, xlim, ylim) -> int:
    """Rows of a spaxel map (x_center, y_center in kpc) whose centre lies outside the frame."""
    x, y = df["x_center"].to_numpy(float), df["y_center"].to_numpy(float)
    inside = (x >= xlim[0]) & (x <= xlim[1]) & (y >= ylim[0]) & (y <= ylim[1])
    return int(np.sum(~inside))


def note_outside_frame(ax, tables: Sequence[pd.DataFrame], xlim, ylim,
                       what: str = "spaxels") -> int:
    """Write "N spaxels beyond the frame" in the lower right of ``ax`` when any spaxel centre of
    ``tables`` is outside (xlim, ylim) (``gid='outside_frame'``); return that number."""
    n = sum(n_outside_frame(t, xlim, ylim) for t in tables if len(t))
    if n:
        ax.text(0.98, 0.02, f"{format_count(n)} {what} beyond the frame", transform=ax.transAxes,
                ha="right", va="bottom", fontsize=5.5, color="0.2", zorder=5,
                gid="outside_frame", path_effects=HALO)
    return n


def galactic_plane_axes(ax, r_sun_kpc: float = 8.2, xlim: Sequence[float] | None = None,
                        ylim: Sequence[float] | None = None,
                        radii_kpc: Iterable[float] = GC_CIRCLES_KPC,
                        longitudes_deg: Iterable[float] = range(0, 360, 30),
                        label_longitudes: bool = True, zorder: float = 3.0):
    """Draw the furniture of the paper's Galactic-plane maps (Fig. 7) on ``ax``; return ``ax``.

    Frame (docs/conventions.md): GC at (0, 0), Sun at (-r_sun_kpc, 0) kpc, +Y toward l = 90 deg.
    Draws, as the paper's captions describe them,
    - the Sun as a yellow star (``gid='sun'``) and the Galactic centre as a black dot
      (``gid='gc'``);
    - dashed circles of constant Galactocentric R around the GC at ``radii_kpc`` (default
      :data:`GC_CIRCLES_KPC`: 2, 4, 6 kpc; ``gid='R_circle'``);
    - solid lines of constant Galactic longitude from the Sun (``gid='l_line'``), at
      ``longitudes_deg``, labelled near the frame edge when ``label_longitudes``;
    and sets equal aspect, the limits (kpc; default :func:`plane_frame`) and the axis labels.
    Data drawn with the default zorder (images 0-1, points 1-2) stay below the furniture
    (``zorder``).
    """
    x0 = -float(r_sun_kpc)
    frame = plane_frame(r_sun_kpc)
    xlim = frame[0] if xlim is None else xlim
    ylim = frame[1] if ylim is None else ylim
    (xmin, xmax), (ymin, ymax) = sorted(map(float, xlim)), sorted(map(float, ylim))
    corners = np.array([[xmin, ymin], [xmin, ymax], [xmax, ymin], [xmax, ymax]])
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
                    ha="center", va="center", zorder=zorder, gid="l_label", path_effects=HALO)
    ax.plot([0.0], [0.0], marker="o", markersize=3, color="k", linestyle="none", gid="gc",
            zorder=zorder + 1)
    ax.plot([x0], [0.0], marker="*", markersize=10, markerfacecolor=SUN_COLOR,
            markeredgecolor="k", markeredgewidth=0.5, linestyle="none", gid="sun",
            zorder=zorder + 1)
    ax.set_aspect("equal")
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_xlabel("$X$ (kpc)")
    ax.set_ylabel("$Y$ (kpc)")
    return ax


def sample_label_box(ax, label: str, gid: str = "sample_label", max_chars: int = 45):
    """Write ``label`` (e.g. "Δ_Σ: Z21 OB targets, N = 31,204; w = 0.3 / 2 kpc") in a small
    white box at the top centre inside ``ax``; return the Text. A label longer than
    ``max_chars`` is broken into lines after each "; ", and lines still too long at spaces (so
    that it stays inside the panel)."""
    if len(label) > max_chars:
        label = ";\n".join(textwrap.fill(part, max_chars) for part in label.split("; "))
    return ax.text(0.5, 0.98, label, transform=ax.transAxes, ha="center", va="top", fontsize=5.5,
                   zorder=6, gid=gid,
                   bbox=dict(boxstyle="round,pad=0.25", facecolor="white", edgecolor="0.6",
                             linewidth=0.4, alpha=0.85))


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


def bool_column(df: pd.DataFrame, column: str, what: str) -> np.ndarray:
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


def finite_lb(df: pd.DataFrame, what: str) -> tuple[np.ndarray, np.ndarray, int]:
    """Galactic (l, b) in deg of the rows where both are finite, and the number dropped."""
    require(df, ["l", "b"], what)
    lon, lat = df["l"].to_numpy(dtype=float), df["b"].to_numpy(dtype=float)
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        raise PlotInputError(f"{what}: no row has finite l and b")
    return lon[ok], lat[ok], int((~ok).sum())


def truncated_cmap(cmap_name: str, lo: float, hi: float) -> LinearSegmentedColormap:
    cmap = mpl.colormaps[cmap_name]
    return LinearSegmentedColormap.from_list(f"{cmap_name}_{lo:g}_{hi:g}",
                                             cmap(np.linspace(lo, hi, 256)))


# --- Fig. 1: the sky --------------------------------------------------------------------------


# --- Fig. 2: the cut-flow ---------------------------------------------------------------------


# --- Fig. 4: the Kiel diagram -----------------------------------------------------------------

def bin_edges(values: np.ndarray, step: float) -> np.ndarray:
    """Bin edges at multiples of ``step`` that cover ``values`` (finite, non-empty)."""
    lo = np.floor(values.min() / step) * step
    hi = np.ceil(values.max() / step) * step
    lo -= step if lo > values.min() else 0.0  # guard against round-off at the ends
    hi += step if hi < values.max() else 0.0
    n = max(1, int(round((hi - lo) / step)))
    return lo + step * np.arange(n + 1)


# --- Fig. 6: v_phi against R ------------------------------------------------------------------


# --- spaxel maps (Figs. 7, B.1) ---------------------------------------------------------------


def spaxel_size(df: pd.DataFrame, what: str = "map") -> float:
    """The spaxel size (kpc) of a map product, from its centres (i + 0.5)·size.

    The smallest spacing of the centres in X or Y, checked: every centre must then be at a
    half-integer multiple of it (a map without two adjacent spaxels is an error).
    """
    require(df, ["x_center", "y_center"], what)
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


def spaxel_image(df: pd.DataFrame, values: np.ndarray, size: float, extent):
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


def map_frame(tables: Sequence[pd.DataFrame], size: float, r_sun_kpc: float, pad_kpc=1.0):
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


def kpc_ticks(ax, step: float = 2.0) -> None:
    """Major ticks every ``step`` kpc on both axes of a Galactic-plane map."""
    ax.xaxis.set_major_locator(MultipleLocator(step))
    ax.yaxis.set_major_locator(MultipleLocator(step))


def finite_column(df: pd.DataFrame, column: str, what: str) -> np.ndarray:
    v = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(v).any():
        raise PlotInputError(f"{what}: column {column!r} has no finite value")
    return v


# --- ages: Figs. 8, 9, 11 and the age truth check ---------------------------------------------


