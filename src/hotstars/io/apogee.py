"""The APOGEE DR17 astroNN value-added catalogue (``apogee_astroNN-DR17.fits``): reader and a writer
of files in its format (used by the mock).

The VAC has one row per allStar entry, so a star observed in several fields or with both
telescopes repeats: the reader keeps one row per APOGEE_ID, the one with the smallest
dist_error/dist.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from hotstars.io import provenance
from hotstars.io.specs import LOGG_UNITS, ColumnSpec, InputSpec, read_input
from hotstars.io.tables import atomic_path

log = logging.getLogger(__name__)

#: astroNN's solar parameters (paper App. D; astroNN_APOGEE_VAC config.py and the DR17 datamodel).
ASTRONN_R_SUN_KPC = 8.125
ASTRONN_Z_SUN_PC = 20.8
#: Cartesian solar velocity (toward the GC, toward rotation, toward the NGP), km/s: the Sun's
#: cylindrical v_R = -11.1 km/s is a motion toward the GC.
ASTRONN_V_SUN = (11.1, 242.0, 7.25)

_c = ColumnSpec


#: The VAC columns used (DR17 names, matched case-insensitively; the SDSS DR17 datamodel).
ASTRONN_SPEC = InputSpec("apogee_astronn", (
    _c("apogee_id", "str"), _c("telescope", "str"), _c("location_id", "int"),
    _c("ra_apogee", "float", "deg", aliases=("ra",)),
    _c("dec_apogee", "float", "deg", aliases=("dec",)),
    _c("teff", "float", "K"), _c("logg", "float", "dex", unit_aliases=LOGG_UNITS),
    _c("dist", "float", "pc"), _c("dist_error", "float", "pc"),
    _c("galr", "float", "kpc"), _c("galphi", "float", "rad"), _c("galz", "float", "kpc"),
    _c("galvr", "float", "km / s"), _c("galvt", "float", "km / s"), _c("galvz", "float", "km / s"),
    _c("galvr_err", "float", "km / s"),
), key=("apogee_id", "telescope", "location_id"))


def read_astronn(path, hdu: int | str = 1) -> pd.DataFrame:
    """The astroNN DR17 VAC columns of :data:`ASTRONN_SPEC` (FITS, Parquet or CSV; names
    case-insensitive; file units converted: dist/dist_error in pc, galr/galz kpc, galphi rad,
    velocities km/s), one row per APOGEE_ID (see :func:`unique_stars`).

    Raises :class:`hotstars.io.specs.InputError` naming the file and the column on a broken contract.
    """
    df = read_input(path, ASTRONN_SPEC, hdu=hdu)
    return unique_stars(df, str(path))


def unique_stars(df: pd.DataFrame, what: str = "astroNN VAC") -> pd.DataFrame:
    """One row per apogee_id: the one with the smallest dist_error/dist (NaN last, then first)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = (df["dist_error"] / df["dist"]).to_numpy(float)
    order = np.lexsort((np.arange(len(df)), np.where(np.isfinite(rel), rel, np.inf)))
    out = df.iloc[order].drop_duplicates("apogee_id", keep="first").sort_index()
    if len(out) < len(df):
        log.info("%s: %d repeated APOGEE_ID rows dropped (kept the smallest dist_error/dist)",
                 what, len(df) - len(out))
    return out.reset_index(drop=True)


def write_astronn(table: pd.DataFrame, path) -> None:
    """Write :func:`simulate_astronn` output as FITS with the VAC's column types (18A, J, 8A,
    E for the spectroscopic values, D, K) and units in TUNIT, atomically."""
    from astropy.table import Table  # here, not at import: only the mock writes the VAC

    t = Table.from_pandas(table)
    for name, dtype in (("APOGEE_ID", "S18"), ("TELESCOPE", "S8")):
        t[name] = t[name].astype(dtype)
    units = {"RA_APOGEE": "deg", "DEC_APOGEE": "deg", "RA": "deg", "DEC": "deg", "TEFF": "K",
             "TEFF_ERR": "K", "dist": "pc", "dist_error": "pc", "pmra": "mas / yr",
             "pmdec": "mas / yr", "VHELIO_AVG": "km / s", "galr": "kpc", "galphi": "rad",
             "galz": "kpc"}
    units.update({c: "km / s" for c in table.columns if c.startswith("galv")})
    for name, unit in units.items():
        t[name].unit = unit
    # the job's provenance as header keywords (hotstars.io.provenance.fits_cards)
    t.meta.update({key: value for key, value, _ in provenance.fits_cards(provenance.current())})
    with atomic_path(path) as tmp:
        t.write(tmp, format="fits", overwrite=True)
