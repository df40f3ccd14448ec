"""The Galactocentric frame of the paper, with every parameter explicit (PAPER.md, Kinematics).

Convention: Sun at (X, Y) = (-R0, 0) with R0 = 8.2 kpc in the plane, z_sun = 25 pc above it;
+Y toward l = 90 deg. ``v_sun`` is astropy's *Cartesian* ``galcen_v_sun`` (U, V, W) =
(11.1, 232.24, 7.25) km/s, i.e. the Sun moves *inward*: its cylindrical v_R is -11.1 km/s.
astropy's own defaults differ (R0 = 8.122 kpc, z_sun = 20.8 pc, ...), so nothing is left default.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import astropy.units as u
from astropy.coordinates import CartesianDifferential, Galactocentric


def galactocentric_frame(r_sun_kpc: float = 8.2, z_sun_pc: float = 25.0,
                         v_sun_kms: Sequence[float] = (11.1, 232.24, 7.25),
                         roll_deg: float = 0.0) -> Galactocentric:
    """astropy Galactocentric frame; ``galcen_distance = hypot(r_sun, z_sun)`` (Sun-GC distance)."""
    r_sun = float(r_sun_kpc) * u.kpc
    z_sun = float(z_sun_pc) * u.pc
    return Galactocentric(
        galcen_distance=np.hypot(r_sun, z_sun.to(u.kpc)),
        z_sun=z_sun,
        roll=float(roll_deg) * u.deg,
        galcen_v_sun=CartesianDifferential(list(map(float, v_sun_kms)) * (u.km / u.s)),
    )


def frame_from_config(frame_cfg: dict) -> Galactocentric:
    """The frame from the config's ``frame:`` block (keys r_sun_kpc, z_sun_pc, v_sun_kms, roll_deg)."""
    return galactocentric_frame(frame_cfg["r_sun_kpc"], frame_cfg["z_sun_pc"],
                                frame_cfg["v_sun_kms"], frame_cfg.get("roll_deg", 0.0))
