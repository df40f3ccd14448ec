"""The spiral arms of Reid et al. (2019, ApJ 885, 131), drawn in the paper's Galactic-plane frame.

Model (Reid et al. 2019, Sect. 4 and Table 2; docs/conventions.md, Comparisons): each arm is a
log-periodic spiral with a kink,

    ln(R / R_kink) = -(beta - beta_kink) tan(psi),

with psi = the pitch angle before the kink (beta < beta_kink) or after it (beta > beta_kink),
beta the Galactocentric azimuth (0 toward the Sun, increasing in the direction of Galactic
rotation; in rad in the formula, deg in the table), drawn over [beta_min, beta_max] of the table.

Frame. Our frame (docs/conventions.md, Kinematics) has the GC at (0, 0), the Sun at (-R0, 0) and +Y
toward l = 90 deg (the direction of rotation), so a point at (R, beta) is X = -R cos beta, Y = +R
sin beta (beta = our azimuth phi = atan2(Y, -X)).

R0. Reid's fit uses R0 = 8.15 kpc (:data:`REID_R0_KPC`), ours 8.2 kpc. The arms were fitted to
maser parallaxes, i.e. to *heliocentric* positions; changing R0 moves every source by the same
ΔX = -(R0 - 8.15) kpc (X = -R0 + d cos b cos l). So :func:`arm_curves` translates Reid's curves by
that ΔX (-0.05 kpc for R0 = 8.2), which keeps every arm where it is relative to the Sun and to our
stars (whose X were computed with our R0). Scaling R by R0/8.15 instead would move the far arms by
up to ~0.1 kpc relative to the Sun for no reason; with ``r0_kpc=REID_R0_KPC`` the curves are
Reid's, unchanged.

The table ships with the package (``data/reid2019_table2_arm_parameters.csv``; provenance in
``data/README.md``) and is read by :func:`hotstars.io.reference.load_arm_table`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hotstars.io.reference import load_arm_table

REID_R0_KPC = 8.15  # Reid et al. 2019 (their fitted R0; the arm table's frame)
# The five arms of the paper's Fig. 10 (right panel), outermost first, with the paper's names.
PAPER_ARMS: dict[str, str] = {
    "Outer": "Outer", "Perseus": "Perseus", "Local": "Local", "Sgr-Car": "Sagittarius–Carina",
    "Sct-Cen": "Scutum–Centaurus",
}


def arm_radius(beta_deg, beta_kink_deg: float, r_kink_kpc: float, pitch_before_deg: float,
               pitch_after_deg: float) -> np.ndarray:
    """Galactocentric R (kpc) of an arm at azimuth ``beta_deg`` (deg): Reid et al. (2019) arm
    model, ln(R/R_kink) = -(beta - beta_kink) tan psi, beta in rad, psi before/after the kink."""
    beta = np.asarray(beta_deg, float)
    pitch = np.where(beta < beta_kink_deg, pitch_before_deg, pitch_after_deg)
    return r_kink_kpc * np.exp(-np.radians(beta - beta_kink_deg) * np.tan(np.radians(pitch)))


def arm_xy(beta_deg, r_kpc, r0_kpc: float = 8.2) -> tuple[np.ndarray, np.ndarray]:
    """(X, Y) in kpc in our frame of points at Reid's (R, beta): X = -R cos beta + (8.15 - R0),
    Y = R sin beta (see the module notes: the shift keeps the heliocentric positions)."""
    beta = np.radians(np.asarray(beta_deg, float))
    r = np.asarray(r_kpc, float)
    return -r * np.cos(beta) + (REID_R0_KPC - float(r0_kpc)), r * np.sin(beta)


def arm_curves(table: pd.DataFrame | None = None, r0_kpc: float = 8.2,
               step_deg: float = 0.5, arms=None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The arms as polylines in our frame: {arm name: (X, Y) arrays in kpc}.

    ``table``: :func:`load_arm_table` (default: the package copy); ``r0_kpc``: our Sun–GC
    distance (the curves are translated so that their heliocentric positions are Reid's);
    ``step_deg``: azimuth sampling (the kink is always a vertex); ``arms``: names to keep
    (default all, in the table's order).
    """
    table = load_arm_table() if table is None else table
    if not step_deg > 0:
        raise ValueError(f"arm_curves: step_deg must be > 0, got {step_deg!r}")
    rows = table if arms is None else table.set_index("arm").loc[list(arms)].reset_index()
    out = {}
    for row in rows.itertuples(index=False):
        n = max(2, int(np.ceil((row.beta_max_deg - row.beta_min_deg) / step_deg)) + 1)
        beta = np.linspace(row.beta_min_deg, row.beta_max_deg, n)
        if row.beta_min_deg < row.beta_kink_deg < row.beta_max_deg:
            beta = np.unique(np.append(beta, row.beta_kink_deg))
        r = arm_radius(beta, row.beta_kink_deg, row.R_kink_kpc, row.pitch_before_deg,
                       row.pitch_after_deg)
        out[row.arm] = arm_xy(beta, r, r0_kpc)
    return out


def distance_to_curve(x, y, curve: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Shortest distance (kpc) from points (x, y) to a polyline (X, Y) (segments, not vertices)."""
    px = np.atleast_1d(np.asarray(x, float))[:, None]
    py = np.atleast_1d(np.asarray(y, float))[:, None]
    cx, cy = (np.asarray(c, float) for c in curve)
    ax, ay, dx, dy = cx[:-1], cy[:-1], np.diff(cx), np.diff(cy)
    t = np.clip(((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy), 0.0, 1.0)
    return np.hypot(px - ax - t * dx, py - ay - t * dy).min(axis=1)
