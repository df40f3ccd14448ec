"""The SDSS DR20 value-added catalogue of Zari et al. 2025 (VAC ``yso_ob_kin``, ``ob_vac-1.0.0``).

Two directions:
- :func:`read_vac` reads the published ``ob_vac-1.0.0.fits`` (or a file in its format) and
  :func:`kinematics_inputs` turns it into the kinematics input table, so that the kinematics and
  maps can be recomputed from the paper's own catalogue;
- :func:`build_vac` assembles the same 26 columns from our products (HSS, averaged velocities,
  kinematics, optional ages) and :func:`write_vac` writes them in the release's FITS layout
  (empty primary HDU, table HDU "Joined", the datamodel's units), for a column-by-column
  comparison with the official release.

The column spec :data:`VAC_COLUMNS` is the SDSS datamodel ``yso_ob_kin.json`` (sdss/datamodel @
b90b518e), HDU 1 "Joined": names, dtypes, FITS units and descriptions, in file order.

Conventions (docs/conventions.md): distances in kpc; ``distance`` is the Bailer-Jones et al. (2021)
photogeometric median, ``e_distance`` = (r_hi − r_lo)/2; Galactocentric frame with the Sun at
X = −8.2 kpc, v_R > 0 outward; log-ages in log10(yr).
"""

from __future__ import annotations

import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import astropy.units as u
from astropy.io import fits

from hotstars import __version__
from hotstars.errors import require_columns
from hotstars.io import provenance
from hotstars.io.specs import ColumnSpec, InputSpec, read_input
from hotstars.io.tables import atomic_path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VacColumn:
    """One VAC column: name, numpy dtype, FITS unit string ('' for none), description.

    ``required``: must be finite in every row (the star's kinematics cannot be computed without).
    """

    name: str
    dtype: str
    unit: str
    description: str
    required: bool = False

    @property
    def fits_unit(self) -> str:
        """TUNIT we write: the datamodel unit if it is a FITS unit, else '' (:func:`fits_unit`)."""
        return fits_unit(self.unit)


def fits_unit(unit: str) -> str:
    """``unit`` if astropy parses it as a FITS unit without a warning, else ''.

    The datamodel's ``dex`` and ``log(yr)`` have no FITS form astropy reads: FITS Standard 4.0
    (Sect. 4.3) lists ``log()`` only among the mathematical operations on units, which
    astropy's FITS unit parser does not implement, and ``dex``/``[yr]`` are not FITS units at
    all; astropy warns (UnitsWarning) on every read of them. So those columns are written
    without TUNIT (a log10 is a plain number), the datamodel unit named in a COMMENT card
    (:func:`write_vac`).
    """
    if not unit:
        return ""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            u.Unit(unit, format="fits")
        except (ValueError, Warning):
            return ""
    return unit


_V = VacColumn
#: The 26 columns of HDU 1 "Joined" of ob_vac-1.0.0.fits, in file order (SDSS datamodel).
VAC_COLUMNS: tuple[VacColumn, ...] = (
    _V("gaia_dr3_source_id", "int64", "", "Gaia DR3 Unique Source Identifier", True),
    _V("ra", "float64", "deg", "right ascension", True),
    _V("dec", "float64", "deg", "declination", True),
    _V("distance", "float64", "kpc",
       "50th percentile of photogeometric distance (Bailer-Jones et al., 2021)", True),
    _V("pm_ra_cosdec", "float64", "mas yr-1", "Proper motion in RA", True),
    _V("pm_dec", "float64", "mas yr-1", "Proper motion in Dec", True),
    _V("radial_velocity", "float64", "km s-1",
       "Radial velocity (computed as described in Sec. 2.3 of Zari et al., 2025)", True),
    _V("e_distance", "float64", "kpc", "Error on photogeometric distance", True),
    _V("e_pmra", "float64", "mas yr-1", "Error on proper motion in RA", True),
    _V("e_pmdec", "float64", "mas yr-1", "Error on proper motion in Dec", True),
    _V("e_rv", "float64", "km s-1", "Error on radial velocity", True),
    _V("xg", "float64", "kpc", "Galactocentric cartesian x position component"),
    _V("yg", "float64", "kpc", "Galactocentric cartesian y position component"),
    _V("zg", "float64", "kpc", "Galactocentric cartesian z position component"),
    _V("R", "float64", "kpc", "Galactocentric distance"),
    _V("vR", "float64", "km s-1", "Galactocentric radial velocity"),
    _V("e_vR", "float64", "km s-1", "Error on Galactocentric radial velocity"),
    _V("teff", "float64", "K", "BossNet Effective temperature"),
    _V("e_teff", "float64", "K", "Error on BossNet effective temperature"),
    _V("logg", "float64", "dex", "BossNet surface gravity"),
    _V("e_logg", "float64", "dex", "Error on BossNet surface gravity"),
    _V("feh", "float64", "dex", "BossNet iron abundance"),
    _V("e_feh", "float64", "dex", "Error on BossNet iron abundance"),
    _V("median_log_age", "float32", "log(yr)",
       "50th percentile of log-age (computed as described in Sec. 3.2 of Zari et al., 2025)"),
    _V("lo_median_age", "float32", "log(yr)", "16th percentile of log-age"),
    _V("hi_median_age", "float32", "log(yr)", "84th percentile of log-age"),
)
VAC_EXTNAME = "Joined"
VAC_NAMES: tuple[str, ...] = tuple(c.name for c in VAC_COLUMNS)
VAC_REQUIRED: tuple[str, ...] = tuple(c.name for c in VAC_COLUMNS if c.required)

_TFORM = {"int64": "K", "float64": "D", "float32": "E"}
# 'log(yr)' is not an astropy unit: read it as dex(yr), so that e.g. an age in 'yr' is refused.
# Our own VAC has no TUNIT there (fits_unit): a blank unit is read as the datamodel's.
_READ_UNIT = {"log(yr)": ("dex(yr)", ("log(yr)", "log10(yr)", "log(year)", "[yr]"))}
# Value checks (hotstars.io.specs.ColumnSpec): a distance must be > 0 (unlike a Gaia parallax, a
# distance <= 0 has no meaning); the median distance of a Milky Way sample lies within
# 0.05-100 kpc, outside it the file is in pc (or another unit) without saying so.
_CHECKS = {
    "ra": {"ge": 0.0, "le": 360.0}, "dec": {"ge": -90.0, "le": 90.0},
    "distance": {"gt": 0.0, "median": (0.05, 100.0)}, "e_distance": {"gt": 0.0},
    "e_pmra": {"gt": 0.0}, "e_pmdec": {"gt": 0.0}, "e_rv": {"gt": 0.0},
}


def _read_spec() -> InputSpec:
    cols = []
    for c in VAC_COLUMNS:
        if c.dtype.startswith("int"):
            cols.append(ColumnSpec(c.name, "int"))
        else:
            unit, aliases = _READ_UNIT.get(c.unit, (c.unit, ()))
            cols.append(ColumnSpec(c.name, "float", unit, finite=c.required,
                                   unit_aliases=aliases, **_CHECKS.get(c.name, {})))
    return InputSpec("vac", tuple(cols), key=("gaia_dr3_source_id",), hdu=VAC_EXTNAME)


_SPEC = _read_spec()


def _hdu(path: Path) -> int | str:
    """The HDU named "Joined" if the FITS file has one, else HDU 1."""
    if not path.name.lower().endswith((".fits", ".fit", ".fts", ".gz")):
        return VAC_EXTNAME  # Parquet/CSV/ECSV: read_input ignores the HDU
    try:
        with fits.open(path, lazy_load_hdus=True) as hdul:
            names = [h.name.upper() for h in hdul]
    except Exception:  # unreadable: read_input reports it with the file name
        return VAC_EXTNAME
    return VAC_EXTNAME if VAC_EXTNAME.upper() in names else 1


def read_vac(path: str | os.PathLike) -> pd.DataFrame:
    """Read the DR20 VAC (``ob_vac-1.0.0.fits``, HDU "Joined" or else 1) or a file in its format.

    Names are matched case-insensitively; returns the 26 columns in :data:`VAC_COLUMNS` order and
    dtypes (float values converted to the datamodel units when the file's unit says otherwise,
    e.g. distance in pc -> kpc). Raises :class:`hotstars.io.specs.InputError`, naming the file and the
    column, on a missing column, a non-finite value in a :data:`VAC_REQUIRED` column, a
    distance or e_distance <= 0, a median distance outside 0.05-100 kpc (pc without a unit), a
    duplicated ``gaia_dr3_source_id``, an empty table or an incompatible unit.
    """
    path = Path(path)
    df = read_input(path, _SPEC, hdu=_hdu(path))
    return df[list(VAC_NAMES)].astype({c.name: c.dtype for c in VAC_COLUMNS})


def build_vac(hss: pd.DataFrame, vlos: pd.DataFrame, kinematics: pd.DataFrame,
              ages: pd.DataFrame | None = None) -> pd.DataFrame:
    """Our HSS in the VAC format: the 26 columns of :data:`VAC_COLUMNS`, in order and dtype.

    Inputs (joined on ``source_id``, HSS rows and order kept): ``hss`` (Gaia astrometry, BJ
    photogeometric distances in pc, star-level BOSS Net teff/logg/fe_h and errors; fe_h optional),
    ``vlos`` (vlos, vlos_err in km/s), ``kinematics`` (x, y, z, R in kpc; v_R, v_R_err in km/s;
    the paper's frame, Sun at X = −8.2 kpc) and optionally ``ages`` (logage_p50/p16/p84 in
    log10 yr; NaN when absent). Stars with a non-finite value in a :data:`VAC_REQUIRED` column
    (e.g. no velocity) are dropped (logged), as the release holds only complete stars.
    """
    require_columns(hss, ("source_id", "ra", "dec", "pmra", "pmdec", "pmra_error", "pmdec_error",
                "r_med_photogeo", "r_lo_photogeo", "r_hi_photogeo",
                "teff", "e_teff", "logg", "e_logg"), "HSS table")
    require_columns(vlos, ("source_id", "vlos", "vlos_err"), "vlos table")
    require_columns(kinematics, ("source_id", "x", "y", "z", "R", "v_R", "v_R_err"), "kinematics table")
    age_cols = {"median_log_age": "logage_p50", "lo_median_age": "logage_p16",
                "hi_median_age": "logage_p84"}
    right = [vlos[["source_id", "vlos", "vlos_err"]],
             kinematics[["source_id", "x", "y", "z", "R", "v_R", "v_R_err"]]]
    if ages is not None:
        require_columns(ages, ("source_id", *age_cols.values()), "ages table")
        right.append(ages[["source_id", *age_cols.values()]])
    joined = hss.reset_index(drop=True)
    for table, what in zip(right, ("vlos", "kinematics", "ages")):
        dup = table["source_id"].duplicated()
        if dup.any():
            raise ValueError(f"{what} table: source_id must be unique; duplicated: "
                             f"{table.loc[dup, 'source_id'].head(5).tolist()}")
        joined = joined.merge(table, on="source_id", how="left", validate="many_to_one")

    def col(name):
        return joined[name] if name in joined else np.nan

    # d = r_med_photogeo, sigma_d = (r_hi - r_lo)/2 (Bailer-Jones et al. 2021), pc -> kpc
    # (docs/conventions.md, Kinematics)
    vac = pd.DataFrame({
        "gaia_dr3_source_id": joined["source_id"],
        "ra": joined["ra"], "dec": joined["dec"],
        "distance": joined["r_med_photogeo"] / 1000.0,
        "pm_ra_cosdec": joined["pmra"], "pm_dec": joined["pmdec"],
        "radial_velocity": joined["vlos"],
        "e_distance": (joined["r_hi_photogeo"] - joined["r_lo_photogeo"]) / 2.0 / 1000.0,
        "e_pmra": joined["pmra_error"], "e_pmdec": joined["pmdec_error"],
        "e_rv": joined["vlos_err"],
        "xg": joined["x"], "yg": joined["y"], "zg": joined["z"], "R": joined["R"],
        "vR": joined["v_R"], "e_vR": joined["v_R_err"],
        "teff": joined["teff"], "e_teff": joined["e_teff"],
        "logg": joined["logg"], "e_logg": joined["e_logg"],
        "feh": col("fe_h"), "e_feh": col("e_fe_h"),
        **{name: col(src) for name, src in age_cols.items()},
    })
    vac = vac[list(VAC_NAMES)].astype({c.name: c.dtype for c in VAC_COLUMNS})
    complete = np.isfinite(vac[list(VAC_REQUIRED[1:])].to_numpy()).all(axis=1)
    if not complete.all():
        log.info("build_vac: %d of %d stars dropped (non-finite %s)", (~complete).sum(),
                 len(vac), ", ".join(c for c in VAC_REQUIRED[1:]
                                     if not np.isfinite(vac[c]).all()))
    return vac[complete].reset_index(drop=True)


def _comment(description: str) -> str:
    # A TTYPEn card leaves 47 characters for the comment; keep the text before any parenthesis.
    return description if len(description) <= 47 else description.split(" (")[0][:47]


def write_vac(df: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write a VAC-format table (:func:`build_vac`) as the release's FITS layout, atomically.

    HDU 0: empty primary (ORIGIN = 'hotstars', its version, the VAC name and the paper; inside a
    workflow job the provenance keywords of :func:`hotstars.io.provenance.fits_cards`); HDU 1
    "Joined": the 26 columns in datamodel order, TFORM K/D/E for int64/float64/float32, TUNIT the
    datamodel unit where it is a FITS unit (:func:`fits_unit`; ``dex`` and ``log(yr)`` are
    not: no TUNIT, the datamodel unit in a COMMENT card), descriptions as TTYPE comments.
    No date or checksum keywords, so the same table gives the same bytes.
    """
    require_columns(df, VAC_NAMES, "VAC table")
    for c in VAC_COLUMNS:
        if c.dtype.startswith("int") and df[c.name].dtype.kind not in "iu":
            raise ValueError(f"VAC table: column {c.name!r} must be integer, "
                             f"not {df[c.name].dtype} (float64 would corrupt Gaia ids)")
    columns = [fits.Column(name=c.name, format=_TFORM[c.dtype], unit=c.fits_unit or None,
                           array=df[c.name].to_numpy(c.dtype)) for c in VAC_COLUMNS]
    table = fits.BinTableHDU.from_columns(columns)
    table.header["EXTNAME"] = VAC_EXTNAME  # as released: mixed case (HDU.name would upper-case)
    for i, c in enumerate(VAC_COLUMNS, start=1):
        table.header.comments[f"TTYPE{i}"] = _comment(c.description)
    for c in VAC_COLUMNS:
        if c.unit and not c.fits_unit:
            table.header.add_comment(f"{c.name}: datamodel unit '{c.unit}' (not a FITS unit, "
                                     "so no TUNIT)")
    primary = fits.PrimaryHDU()
    for hdr in (primary.header, table.header):
        hdr["ORIGIN"] = ("hotstars", "written by the hotstars workflow")
        hdr["HSVERS"] = (__version__, "hotstars version")
    primary.header["VACNAME"] = ("yso_ob_kin", "SDSS DR20 VAC of this format")
    primary.header["VACVERS"] = ("1.0.0", "format of ob_vac-1.0.0.fits")
    primary.header["REFERENC"] = ("Zari et al. 2025, A&A 703, A303", "paper")
    for key, value, comment in provenance.fits_cards(provenance.current()):
        primary.header[key] = (value, comment)
    with atomic_path(path) as tmp:
        fits.HDUList([primary, table]).writeto(tmp, overwrite=True, output_verify="exception")


