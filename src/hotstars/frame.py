"""The Galactocentric frame of the paper, with every parameter explicit, and the conversions
between Galactocentric Cartesian, cylindrical and heliocentric observed coordinates.

Convention: Sun at (X, Y) = (-R0, 0) with R0 = 8.2 kpc in the plane, z_sun = 25 pc above it;
+Y toward l = 90 deg. ``v_sun`` is astropy's *Cartesian* ``galcen_v_sun`` (U, V, W) =
(11.1, 232.24, 7.25) km/s, i.e. the Sun moves *inward*: its cylindrical v_R is -11.1 km/s.
astropy's own defaults differ (R0 = 8.122 kpc, z_sun = 20.8 pc, ...), so nothing is left default.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

from hotstars.io.sky import galactic_lb  # noqa: F401 (the science modules' name for it)

if TYPE_CHECKING:
    from astropy.coordinates import Galactocentric


def galactocentric_frame(r_sun_kpc: float = 8.2, z_sun_pc: float = 25.0,
                         v_sun_kms: Sequence[float] = (11.1, 232.24, 7.25),
                         roll_deg: float = 0.0) -> Galactocentric:
    """astropy Galactocentric frame; ``galcen_distance = hypot(r_sun, z_sun)`` (Sun-GC distance)."""
    # astropy here, not at import: most jobs use only the plain-numpy conversions
    import astropy.units as u
    from astropy.coordinates import CartesianDifferential, Galactocentric

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


def sun_position_kpc(frame: Galactocentric) -> tuple[float, float, float]:
    """(X, Y, Z) of the Sun [kpc] in ``frame`` (astropy: X = −√(d² − z²), Y = 0, Z = z_sun)."""
    import astropy.units as u

    d = frame.galcen_distance.to_value(u.kpc)
    z = frame.z_sun.to_value(u.kpc)
    return -float(np.sqrt(d * d - z * z)), 0.0, float(z)


def cylindrical(x, y, vx, vy):
    """(R [kpc], φ [deg], v_R, v_φ [km/s]) in the paper's convention (docs/conventions.md,
    Kinematics).

    R = √(X² + Y²); φ = atan2(Y, −X) (0 at the Sun); v_R = (X v_X + Y v_Y)/R (outward > 0);
    v_φ = (Y v_X − X v_Y)/R (≈ +230 km/s for disc stars).
    """
    r = np.hypot(x, y)
    return (r, np.degrees(np.arctan2(y, -np.asarray(x))), (x * vx + y * vy) / r,
            (y * vx - x * vy) / r)


def cartesian_velocity(x, y, v_r, v_phi):
    """Inverse of :func:`cylindrical` for the velocities: (v_X, v_Y) [km/s]."""
    r = np.hypot(x, y)
    return (x * v_r + y * v_phi) / r, (y * v_r - x * v_phi) / r


def galactocentric_to_observed(x, y, z, vx, vy, vz, frame: Galactocentric) -> dict[str, np.ndarray]:
    """Heliocentric observables of Galactocentric phase-space points (kpc, km/s), via astropy.

    Returns ra, dec, l, b [deg], distance [kpc], parallax [mas], pmra (μα*), pmdec [mas/yr],
    radial_velocity [km/s].
    """
    import astropy.units as u
    from astropy.coordinates import CartesianDifferential, CartesianRepresentation, ICRS

    rep = CartesianRepresentation(x * u.kpc, y * u.kpc, z * u.kpc,
                                  differentials=CartesianDifferential(vx, vy, vz, unit=u.km / u.s))
    icrs = frame.realize_frame(rep).transform_to(ICRS())
    sky = _sky(icrs)
    return {**sky, "parallax": 1.0 / sky["distance"],
            "pmra": icrs.pm_ra_cosdec.to_value(u.mas / u.yr),
            "pmdec": icrs.pm_dec.to_value(u.mas / u.yr),
            "radial_velocity": icrs.radial_velocity.to_value(u.km / u.s)}


def galactocentric_to_sky(x, y, z, frame: Galactocentric) -> dict[str, np.ndarray]:
    """ra, dec, l, b [deg] and distance [kpc] of Galactocentric positions (kpc), via astropy:
    :func:`galactocentric_to_observed`'s values without its velocities (~3x faster)."""
    import astropy.units as u
    from astropy.coordinates import CartesianRepresentation, ICRS

    rep = CartesianRepresentation(x * u.kpc, y * u.kpc, z * u.kpc)
    return _sky(frame.realize_frame(rep).transform_to(ICRS()))


def _sky(icrs) -> dict[str, np.ndarray]:
    """ra, dec, l, b [deg], distance [kpc] of ICRS coordinates."""
    import astropy.units as u
    from astropy.coordinates import Galactic, SkyCoord

    gal = SkyCoord(icrs.ra, icrs.dec, frame="icrs").transform_to(Galactic())
    return {"ra": icrs.ra.to_value(u.deg), "dec": icrs.dec.to_value(u.deg),
            "l": gal.l.to_value(u.deg), "b": gal.b.to_value(u.deg),
            "distance": icrs.distance.to_value(u.kpc)}
