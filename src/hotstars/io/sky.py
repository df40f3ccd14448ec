"""Sky coordinates shared by the readers and the science modules (io may not import science)."""

from __future__ import annotations

import numpy as np


def galactic_lb(ra_deg, dec_deg) -> tuple[np.ndarray, np.ndarray]:
    """Galactic (l, b) [deg] of ICRS (ra, dec) [deg] through astropy; NaN in, NaN out."""
    # astropy here, not at import: most jobs never need it
    import astropy.units as u
    from astropy.coordinates import ICRS, Galactic

    ra, dec = np.asarray(ra_deg, float), np.asarray(dec_deg, float)
    ok = np.isfinite(ra) & np.isfinite(dec)
    lon, lat = np.full(ra.shape, np.nan), np.full(ra.shape, np.nan)
    gal = ICRS(ra=ra[ok] * u.deg, dec=dec[ok] * u.deg).transform_to(Galactic())
    lon[ok], lat[ok] = gal.l.to_value(u.deg), gal.b.to_value(u.deg)
    return lon, lat
