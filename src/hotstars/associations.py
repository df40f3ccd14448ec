"""Positions of the star-forming complexes labelled in the paper's Fig. 11 (Sec. 4.1: Cygnus,
Cassiopeia W3/W4/W5, Carina, Sagittarius/Serpens M17/M20), as a small literature table.

The paper takes the positions from Table 1 of Wright (2020, New Astron. Rev. 90, 101549); that
table is not available here, so each row types in a published (l, b, distance) with its source
(``reference``). Distances are heliocentric, in kpc; they only place labels on a kpc-scale map,
so differences of ~10 % between sources do not matter.
"""

from __future__ import annotations

import astropy.units as u
import pandas as pd
from astropy.coordinates import Galactic

from hotstars.errors import require_columns
from hotstars.frame import galactocentric_frame

ASSOCIATIONS = pd.DataFrame.from_records(
    [
        # name, label group, l (deg), b (deg), d (kpc), reference
        ("Cyg OB2", "Cygnus", 79.8, 0.8, 1.76,
         "Berlanas et al. 2019, MNRAS 484, 1838 (main group, Gaia DR2; field centre l, b)"),
        ("W3", "W3/W4/W5", 133.95, 1.06, 1.95,
         "Xu et al. 2006, Science 311, 54 (W3(OH) maser parallax 0.512 mas)"),
        ("W4 (IC 1805)", "W3/W4/W5", 134.73, 0.94, 2.02,
         "Hunt & Reffert 2023, A&A 673, A114 (IC 1805, dist50)"),
        ("W5 (IC 1848)", "W3/W4/W5", 137.20, 0.90, 2.06,
         "Hunt & Reffert 2023, A&A 673, A114 (IC 1848, dist50)"),
        ("Carina (Tr 14/16)", "Carina", 287.5, -0.6, 2.2,
         "Cantat-Gaudin et al. 2020, A&A 640, A1 (Trumpler 14: 2.29 kpc, Trumpler 16: 2.11 kpc)"),
        ("M17", "M17/M20", 15.03, -0.68, 1.98,
         "Xu et al. 2011, ApJ 733, 25 (G15.03-0.68 maser parallax 0.505 mas)"),
        ("M20", "M17/M20", 7.00, -0.27, 1.26,
         "Kuhn et al. 2019, ApJ 870, 32 (Trifid Nebula, Gaia DR2 parallaxes)"),
    ],
    columns=["name", "group", "l_deg", "b_deg", "distance_kpc", "reference"],
)


def association_xy(frame=None, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """``table`` (default :data:`ASSOCIATIONS`: l_deg, b_deg, distance_kpc) with Galactocentric
    x, y, z (kpc) added, in ``frame``: an astropy ``Galactocentric`` (default the paper's,
    :func:`hotstars.frame.galactocentric_frame`: GC at (0, 0), Sun at (-8.2, 0), +Y toward
    l = 90 deg; use :func:`hotstars.frame.frame_from_config` for the configured one).
    """
    df = (ASSOCIATIONS if table is None else table).copy()
    require_columns(df, ("l_deg", "b_deg", "distance_kpc"), "association_xy")
    frame = galactocentric_frame() if frame is None else frame
    xyz = Galactic(l=df["l_deg"].to_numpy(float) * u.deg, b=df["b_deg"].to_numpy(float) * u.deg,
                   distance=df["distance_kpc"].to_numpy(float) * u.kpc).transform_to(frame)
    for c in ("x", "y", "z"):
        df[c] = getattr(xyz, c).to_value(u.kpc)
    return df


def group_labels(frame: pd.DataFrame) -> pd.DataFrame:
    """One label per ``group``: the mean (x, y) of its members (from :func:`association_xy`)."""
    return frame.groupby("group", sort=False)[["x", "y"]].mean().reset_index()
