"""The five survey inputs: spAll, Astra BOSS Net visits, Gaia DR3, Bailer-Jones distances, 2MASS.

Each is an :class:`~hotstars.io.specs.InputSpec` (canonical column names, aliases, units, value
checks, unique key) read by :func:`~hotstars.io.specs.read_input`.

- Gaia: ra/dec are cross-checked against the file's own l/b (:func:`check_sky`); 2MASS: J/H/Ks
  outside ``KS_RANGE`` (sentinels such as 99.99) become NaN, counted in the log.
- spAll's GAIA_ID is a Gaia **DR2** id and is returned as ``gaia_dr2_id`` so nobody joins on it;
  the Gaia DR3 key of a spectrum comes from BOSS Net's ``gaia_dr3_source_id``.
- BOSS Net's velocity is ``bn_v_r``/``e_bn_v_r`` in DR20 (Astra 0.8.1) and ``v_rad``/``e_v_rad``
  in DR19 (0.6.0): both are accepted.
- A spectrum is (SDSS_ID, FIELD, MJD, RUN2D, OBS) in spAll and (sdss_id, fieldid, mjd, run2d,
  telescope) in BOSS Net (the reduction and the telescope when the file has them: older releases
  and CSV exports may not). Real files repeat such keys, so by default these two readers return
  the repeated rows and :func:`hotstars.selection.join_spectra` resolves them by the rule of
  config ``sample.repeated_spectra`` (:data:`REPEATED_SPECTRA`); ``"stop"`` makes the reader
  stop at the first repeated key, naming the file, the key and the rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hotstars.io.sky import galactic_lb
from hotstars.io.specs import LOGG_UNITS, ColumnSpec, InputError, InputSpec, read_input

_DEG, _MAS, _MASYR, _KMS = "deg", "mas", "mas / yr", "km / s"
_c = ColumnSpec


# Value checks (where a value is given; NaN = missing is judged by `finite` only). Errors are > 0:
# a zero or negative error would silently become a zero or |e| weight (squared in the SNR-weighted
# means, inverted in the likelihoods). Exceptions, by design: spAll XCSAO_ERV and BOSS Net e_bn_v_r
# <= 0 mark a failed velocity fit and are turned into "no velocity" by hotstars.rv; 2MASS
# ks_msigcom = 0 is allowed (the distance term keeps sigma(M_Ks) > 0), < 0 is not. Parallaxes may
# be <= 0 (Gaia): they leave through the counted parallax step of the HSS cut-flow.
_POS = {"gt": 0.0}
_ANGLE = {"ge": 0.0, "le": 360.0}
_LAT = {"ge": -90.0, "le": 90.0}


# Bailer-Jones distances of any Gaia sample lie between ~50 pc and ~100 kpc; a median outside
# means another unit, typically kpc in a unit-less CSV (median of a few pc).
_PC_MEDIAN = (50.0, 1e5)


# 2MASS PSC magnitudes are missing as NULL or as sentinels (99.99, -99.99, 99.999); every real
# J/H/Ks lies in (-5, 20) mag (the PSC's brightest Ks ~ -4, its faint limit ~ 15-17). Values
# outside become NaN (logged): such a star is kept, without an age (docs/conventions.md, Ages).
KS_RANGE = (-5.0, 20.0)

# Gaia's l, b are computed from ra, dec (Gaia DR3 documentation, gaia_source l, b: the ICRS ->
# Galactic rotation of the Hipparcos catalogue, which astropy uses): they agree to ~mas. More
# than this apart means a column in another unit (radians) or rows from different stars.
SKY_TOLERANCE_ARCMIN = 1.0


def _separation_arcmin(l1, b1, l2, b2) -> np.ndarray:
    """Great-circle distance [arcmin] (haversine formula) between (l1, b1) and (l2, b2) [deg]."""
    l1, b1, l2, b2 = (np.radians(np.asarray(x, float)) for x in (l1, b1, l2, b2))
    h = np.sin((b2 - b1) / 2) ** 2 + np.cos(b1) * np.cos(b2) * np.sin((l2 - l1) / 2) ** 2
    return np.degrees(2 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))) * 60.0


def check_sky(df: pd.DataFrame, where: str) -> None:
    """Cross-check a Gaia table's positions against its own Galactic coordinates: (ra, dec) ->
    (l, b) by astropy (:func:`galactic_lb`) must agree with the file's (l, b) to
    ``SKY_TOLERANCE_ARCMIN``. The unit-less radians that the median checks cannot tell (values in
    0-6.28 are valid degrees) are named as such; other disagreements as scrambled rows."""
    ra, dec, lon, lat = (df[c].to_numpy(float) for c in ("ra", "dec", "l", "b"))
    sep = _separation_arcmin(*galactic_lb(ra, dec), lon, lat)
    bad = sep > SKY_TOLERANCE_ARCMIN
    if not bad.any():
        return
    deg = np.degrees
    tests = (("ra/dec look like radians (and l/b like degrees)", (deg(ra), deg(dec), lon, lat),
              "ra, dec"),
             ("ra/dec and l/b all look like radians", (deg(ra), deg(dec), deg(lon), deg(lat)),
              "ra, dec, l, b"),
             ("l/b look like radians (and ra/dec like degrees)", (ra, dec, deg(lon), deg(lat)),
              "l, b"))
    cause = ("ra/dec and l/b disagree in a way no unit explains: they come from different rows "
             "(a sort or join that shuffled some columns?); take the file again from the archive")
    for what, (r, d, gl, gb), cols in tests:
        if (np.abs(d[bad]) > 90).any() or (np.abs(gb[bad]) > 90).any():
            continue  # not latitudes: this reading is impossible
        if (_separation_arcmin(*galactic_lb(r[bad], d[bad]), gl[bad], gb[bad])
                <= SKY_TOLERANCE_ARCMIN).mean() > 0.9:
                cause = (f"{what}: convert column(s) {cols} to degrees (multiply by 57.2958) or "
                         "declare their unit 'rad' in the file (FITS TUNIT, ECSV or astropy-Parquet "
                         "unit)")
                break
    idx = np.flatnonzero(bad)
    shown = ", ".join(f"row {i}: (ra, dec) = ({ra[i]:.6g}, {dec[i]:.6g}) -> (l, b) = "
                      f"({lon[i]:.6g}, {lat[i]:.6g}) in the file, {sep[i]:.3g} arcmin off"
                      for i in idx[:3])
    raise InputError(where, f"columns 'ra', 'dec' vs 'l', 'b': {len(idx)} of {len(df)} rows' "
                     f"positions converted to Galactic (astropy) are more than "
                     f"{SKY_TOLERANCE_ARCMIN:g} arcmin from the file's own l, b ({shown}); "
                     f"{cause}", ["ra", "dec", "l", "b"])


#: Rules for repeated spectrum keys in spAll and BOSS Net (config ``sample.repeated_spectra``;
#: the same names as :data:`hotstars.selection.REPEATED_SPECTRA_RULES`, docs/conventions.md).
REPEATED_SPECTRA = ("keep_highest_snr", "collapse_identical", "stop")
_KEY_NOTE = ("Set config sample.repeated_spectra to keep_highest_snr (or collapse_identical) to "
             "resolve repeated spectra instead of stopping (docs/conventions.md, Sample)")


SPALL = InputSpec("spall", (
    _c("sdss_id", "int"), _c("catalogid", "int", id=True), _c("field", "int"),
    _c("mjd", "int"), _c("sn_median_all", "float", "", finite=True),
    _c("xcsao_rv", "float", _KMS), _c("xcsao_erv", "float", _KMS), _c("xcsao_rxc", "float", ""),
    _c("programname", "str"), _c("firstcarton", "str"),
    _c("racat", "float", _DEG, optional=True), _c("deccat", "float", _DEG, optional=True),
    # GAIA_ID in spAll is a Gaia DR2 source_id: renamed so that it is never joined to DR3.
    _c("gaia_dr2_id", "int", optional=True, aliases=("gaia_id",)),
    # the reduction (e.g. 'v6_2_1') and the observatory ('APO' / 'LCO') of the spectrum
    _c("run2d", "str", optional=True), _c("obs", "str", optional=True),
), key=("sdss_id", "field", "mjd", "run2d", "obs"), key_note=_KEY_NOTE)


BOSSNET = InputSpec("bossnet", (
    _c("sdss_id", "int"), _c("gaia_dr3_source_id", "int", id=True), _c("mjd", "int"),
    _c("fieldid", "int"),
    _c("teff", "float", "K"), _c("e_teff", "float", "K", **_POS),
    _c("logg", "float", "dex", unit_aliases=LOGG_UNITS),
    _c("e_logg", "float", "dex", unit_aliases=LOGG_UNITS, **_POS),
    # DR20 (Astra 0.8.1) bn_v_r / e_bn_v_r; DR19 (0.6.0) v_rad / e_v_rad.
    _c("bn_v_r", "float", _KMS, aliases=("v_rad",)),
    _c("e_bn_v_r", "float", _KMS, aliases=("e_v_rad",)),
    _c("fe_h", "float", "dex", optional=True), _c("e_fe_h", "float", "dex", optional=True),
    _c("snr", "float", "", optional=True),
    # which spectrum: reduction (run2d 'v6_2_1'), telescope ('apo25m' / 'lco25m'), and the SDSS
    # release and file type of the spectrum BOSS Net ran on (e.g. 'specFull')
    _c("run2d", "str", optional=True), _c("telescope", "str", optional=True),
    _c("release", "str", optional=True), _c("filetype", "str", optional=True),
), key=("sdss_id", "mjd", "fieldid", "run2d", "telescope"), key_note=_KEY_NOTE)


GAIA = InputSpec("gaia", (
    _c("source_id", "int", id=True),
    *(_c(n, "float", _DEG, finite=True, **(_LAT if n in ("dec", "b") else _ANGLE))
      for n in ("ra", "dec", "l", "b")),
    _c("parallax", "float", _MAS, finite=True),
    _c("parallax_error", "float", _MAS, finite=True, **_POS),
    *(_c(n, "float", _MASYR, finite=True, **(_POS if n.endswith("_error") else {}))
      for n in ("pmra", "pmra_error", "pmdec", "pmdec_error")),
    _c("pmra_pmdec_corr", "float", "", finite=True, ge=-1.0, le=1.0),
    _c("ruwe", "float", "", finite=True, **_POS),
    _c("phot_g_mean_mag", "float", "mag", finite=True),
    _c("radial_velocity", "float", _KMS), _c("radial_velocity_error", "float", _KMS, **_POS),
    _c("grvs_mag", "float", "mag"), _c("rv_template_teff", "float", "K", optional=True),
    _c("teff_esphs", "float", "K", **_POS),
    _c("logg_esphs", "float", "dex", unit_aliases=LOGG_UNITS),
), key=("source_id",), check=check_sky)


DISTANCES = InputSpec("distances", (
    _c("source_id", "int", id=True),
    *(_c(f"r_{q}_photogeo", "float", "pc", median=_PC_MEDIAN, **_POS) for q in ("med", "lo", "hi")),
), key=("source_id",), ordered=("r_lo_photogeo", "r_med_photogeo", "r_hi_photogeo"))


TMASS = InputSpec("tmass", (
    _c("source_id", "int", id=True),
    *(_c(n, "float", "mag", missing_outside=KS_RANGE) for n in ("j_m", "h_m", "ks_m")),
    _c("ks_msigcom", "float", "mag", ge=0.0),
), key=("source_id",))


SPECS: dict[str, InputSpec] = {s.name: s for s in (SPALL, BOSSNET, GAIA, DISTANCES, TMASS)}


def _union_units() -> dict[str, str]:
    units: dict[str, str] = {}
    for spec in SPECS.values():
        for name, unit in spec.units.items():
            if units.setdefault(name, unit) != unit:
                raise AssertionError(f"column {name} has two units: {units[name]}, {unit}")
    return units


#: Units of the canonical input columns (union over the specs; dimensionless ones omitted).
INPUT_UNITS: dict[str, str] = _union_units()


def _unique_key(repeated_spectra: str) -> bool:
    if repeated_spectra not in REPEATED_SPECTRA:
        raise ValueError(f"repeated_spectra={repeated_spectra!r}: expected one of "
                         f"{', '.join(REPEATED_SPECTRA)}")
    return repeated_spectra == "stop"


def read_spall(path, program: str = "mwm_ob", hdu: int | str = 1,
               repeated_spectra: str = "keep_highest_snr") -> pd.DataFrame:
    """SDSS-V spAll rows of ``program`` (PROGRAMNAME or FIRSTCARTON prefix), one per spectrum;
    rows repeating a spectrum key are kept (resolved by the join) unless ``repeated_spectra``
    is ``"stop"``."""
    return read_input(path, SPALL, hdu=hdu, program=program,
                      unique_key=_unique_key(repeated_spectra))


def read_bossnet(path, hdu: int | str = 1,
                 repeated_spectra: str = "keep_highest_snr") -> pd.DataFrame:
    """Astra astraAllVisitBossNet BOSS visits (HDU 1); DR19 v_rad/e_v_rad -> bn_v_r/e_bn_v_r.
    Repeated visit keys as in :func:`read_spall`."""
    return read_input(path, BOSSNET, hdu=hdu, unique_key=_unique_key(repeated_spectra))


def read_gaia(path) -> pd.DataFrame:
    """Gaia DR3 gaia_source + astrophysical_parameters (ESP-HS) columns, keyed by source_id."""
    return read_input(path, GAIA)


def read_distances(path) -> pd.DataFrame:
    """Bailer-Jones et al. (2021) photogeometric distances in pc, keyed by Gaia DR3 source_id."""
    return read_input(path, DISTANCES)


def read_tmass(path) -> pd.DataFrame:
    """2MASS PSC photometry (via the Gaia DR3 best neighbour), keyed by Gaia DR3 source_id."""
    return read_input(path, TMASS)
