"""Readers of the OB-star catalogues we compare with: the OB target sample of Zari et al. (2021;
Fig. 10/11's density contrast), ALS-III (Pantaleoni González et al. 2025;
Table 1), the Gaia DR3 OB sample of Drimmel et al. (2023, D23; App. A) with its Gaia rows, and any
further target sample for Table 1.

- ALS-III as exported from the ALS web interface (https://als.cab.inta-csic.es) or VizieR, as CSV,
  FITS, Parquet or ECSV: positions ``ra``/``dec`` in deg (aliases RA_ICRS/DE_ICRS, RAJ2000/DEJ2000,
  RAdeg/DEdeg, ...) and a sample flag whose value ``"M"`` marks the massive-star sample. The
  flag column is looked for under :data:`FLAG_ALIASES` (``sample``, ``group``, ``category``, ...)
  unless named explicitly (config), and an error lists the values present when no row carries the
  massive value. A Gaia DR3 ``source_id`` column is optional (needed only to match samples given
  without positions).
- D23: the source_id list, and the Gaia DR3 table of the D23 stars that the figures need. For real
  data that table is a Gaia-archive query of the D23 source_ids: ``gaiadr3.gaia_source``
  (source_id, ra, dec, l, b, parallax, parallax_error, phot_g_mean_mag, radial_velocity,
  radial_velocity_error, grvs_mag) joined with ``gaiadr3.astrophysical_parameters`` (teff_esphs,
  optional), 2MASS PSC j_m, h_m, ks_m through ``gaiadr3.tmass_psc_xsc_best_neighbour``, and
  optionally Bailer-Jones et al. (2021) ``external.gaiaedr3_distance`` r_med_photogeo [pc].
- The OB target sample (Z21): the photometric sample the mwm_ob carton was drawn from, every star
  whether it got a spectrum or not (``config/adql/z21_ob_sample.adql`` selects it from Gaia DR3 +
  2MASS with the carton's cuts): ``source_id``, ``ra``, ``dec`` [deg], ``parallax``,
  ``parallax_error`` [mas], optionally ``l``, ``b`` [deg] and Bailer-Jones ``r_med_photogeo`` [pc].
"""

from __future__ import annotations

import pandas as pd

from hotstars.io.specs import ColumnSpec, InputError, InputSpec, read_input

_c = ColumnSpec
_DEG = "deg"
_RA = _c("ra", "float", _DEG, finite=True,
         aliases=("ra_icrs", "raj2000", "radeg", "ra_deg", "_raj2000", "_ra", "right_ascension"))
_DEC = _c("dec", "float", _DEG, finite=True,
          aliases=("de_icrs", "dej2000", "dedeg", "dec_deg", "decl", "_dej2000", "_de",
                   "declination"))
_SOURCE_ID_ALIASES = ("gaia_dr3_source_id", "gaia_dr3", "gaiadr3", "gaia_dr3_id", "dr3_source_id",
                      "dr3name", "gaia_source_id", "source")


#: Column names tried for the ALS-III sample flag when none is configured (case-insensitive).
FLAG_ALIASES = ("sample", "group", "category", "cat", "class", "flag", "sample_flag", "als_sample")
MASSIVE_VALUE = "M"


D23_IDS = InputSpec("D23", (_c("source_id", "int", aliases=_SOURCE_ID_ALIASES),),
                    key=("source_id",))
D23_GAIA = InputSpec("D23 Gaia", (
    _c("source_id", "int", aliases=_SOURCE_ID_ALIASES), _RA, _DEC,
    _c("l", "float", _DEG, optional=True), _c("b", "float", _DEG, optional=True),
    _c("parallax", "float", "mas"), _c("parallax_error", "float", "mas", optional=True),
    _c("phot_g_mean_mag", "float", "mag"),
    _c("radial_velocity", "float", "km / s"),
    _c("radial_velocity_error", "float", "km / s", optional=True),
    _c("grvs_mag", "float", "mag", optional=True), _c("teff_esphs", "float", "K", optional=True),
    _c("j_m", "float", "mag"), _c("h_m", "float", "mag"), _c("ks_m", "float", "mag"),
    _c("r_med_photogeo", "float", "pc", optional=True),
), key=("source_id",))
OB_SAMPLE = InputSpec("OB target sample", (
    _c("source_id", "int", aliases=_SOURCE_ID_ALIASES), _RA, _DEC,
    _c("l", "float", _DEG, optional=True), _c("b", "float", _DEG, optional=True),
    _c("parallax", "float", "mas"), _c("parallax_error", "float", "mas", gt=0.0),
    _c("r_med_photogeo", "float", "pc", optional=True, gt=0.0, median=(50.0, 30000.0)),
), key=("source_id",))
_SAMPLE_POSITIONS = InputSpec("sample", (
    _RA, _DEC, _c("source_id", "int", optional=True, aliases=_SOURCE_ID_ALIASES)),
    key=("ra", "dec"))
_SAMPLE_IDS = InputSpec("sample", (_c("source_id", "int", aliases=_SOURCE_ID_ALIASES),),
                        key=("source_id",))


def read_als3(path, flag_column: str | None = None,
              massive_value: str = MASSIVE_VALUE) -> pd.DataFrame:
    """ALS-III: columns ra, dec [deg], flag (stripped text), and source_id when present.

    ``flag_column``: the sample-flag column's name (case-insensitive); None tries
    :data:`FLAG_ALIASES`. Raises :class:`InputError` (file, column) when a column is missing,
    positions are not finite, a position repeats, or no row carries ``massive_value``.
    """
    flag = (_c(flag_column.lower(), "str") if flag_column
            else _c(FLAG_ALIASES[0], "str", aliases=FLAG_ALIASES[1:]))
    spec = InputSpec("ALS-III", (
        _RA, _DEC, flag, _c("source_id", "int", optional=True, aliases=_SOURCE_ID_ALIASES)),
        key=("ra", "dec"))
    df = read_input(path, spec).rename(columns={flag.name: "flag"})
    df["flag"] = df["flag"].astype(str).str.strip()
    if not (df["flag"].str.upper() == massive_value.upper()).any():
        values = ", ".join(repr(v) for v in pd.unique(df["flag"])[:10])
        raise InputError(f"{path} [ALS-III]", f"column {flag.name!r}: no row flagged "
                         f"{massive_value!r} (the massive-star sample); values present: {values}. "
                         "Wrong flag column? Set it explicitly.", [flag.name])
    return df


def read_d23(path) -> pd.DataFrame:
    """The D23 OB sample: one Gaia DR3 ``source_id`` per row (unique)."""
    return read_input(path, D23_IDS)


def read_d23_gaia(path) -> pd.DataFrame:
    """Gaia DR3 (+ 2MASS, optional Bailer-Jones) rows of the D23 stars (:data:`D23_GAIA`)."""
    return read_input(path, D23_GAIA)


def read_ob_sample(path) -> pd.DataFrame:
    """The OB target sample of Zari et al. (2021) (:data:`OB_SAMPLE`): one row per Gaia DR3 star."""
    return read_input(path, OB_SAMPLE)


def read_sample(path) -> pd.DataFrame:
    """A target sample for Table 1: ra, dec [deg] (and source_id if present), or, for a file
    without positions, source_id only (matched on ALS-III's Gaia DR3 id)."""
    try:
        return read_input(path, _SAMPLE_POSITIONS)
    except InputError as err:
        if "missing required" not in str(err):  # unreadable file, bad or repeated positions
            raise
    try:
        return read_input(path, _SAMPLE_IDS)
    except InputError as err:
        if "missing required" not in str(err):
            raise
        raise InputError(f"{path} [sample]", "expected columns ra and dec (deg), or a Gaia DR3 "
                         f"source_id; found neither. {err}", ["ra", "dec", "source_id"]) from None
