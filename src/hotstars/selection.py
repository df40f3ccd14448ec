"""Ingestion joins and the Hot Star Sample (HSS) cuts with their cut-flow (paper Sec. 2.2, Fig. 2).

Units: parallaxes in mas, distances in pc, Teff in K, log g in dex (cgs).

Conventions (docs/conventions.md, Sample):
- a spectrum passes the SNR cut if ``sn_median_all > snr_min`` (strict, as in the paper's "> 20");
- a star passes the parallax cut if ``parallax > 0`` and ``parallax_error / parallax < max``
  (negative parallaxes fail here: they leave through this counted step, never silently);
- a star is in the HSS if it has >= 1 spectrum passing the SNR cut and its Gaia / BOSS Net values
  pass the rest; the star's Teff (log g, [Fe/H]) is the SNR-weighted mean over its passing spectra;
- the last step keeps stars with a Bailer-Jones photogeometric distance (needed downstream).

Repeated spectra (config ``sample.repeated_spectra``, docs/conventions.md): a spectrum is
(sdss_id, field, mjd) plus the reduction (``run2d``) and the observatory (``obs``) where the files
carry them. Rows of one file with the same spectrum key are resolved before the join:
``keep_highest_snr`` collapses identical rows and keeps the highest S/N of the rest,
``collapse_identical`` collapses identical rows and stops on any other repeat, ``stop`` stops
on any repeat. The counts go to the log and the cut-flow.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hotstars.errors import HotstarsError

log = logging.getLogger(__name__)

SPECTRUM_KEY = ["sdss_id", "field", "mjd"]
# Further parts of a spectrum's key, used when both files carry them: spAll RUN2D <-> BOSS Net
# run2d (the reduction), spAll OBS <-> BOSS Net telescope (mapped by OBSERVATORIES).
REDUCTION_KEY = ["run2d", "obs"]
#: config sample.repeated_spectra (same names as hotstars.io.survey.REPEATED_SPECTRA)
REPEATED_SPECTRA_RULES = ("keep_highest_snr", "collapse_identical", "stop")
#: Astra's short telescope names -> spAll's OBS (other values: stripped, upper-case)
OBSERVATORIES = {"apo25m": "APO", "lco25m": "LCO"}
# Per spectrum: rows of each file with its key collapsed as identical / dropped for the kept row.
REPEAT_COLUMNS = ["n_identical_spall", "n_dropped_spall", "n_identical_bossnet",
                  "n_dropped_bossnet"]

# Star-level columns of targets.parquet (Gaia DR3, Bailer-Jones 2021, 2MASS names kept).
GAIA_COLUMNS = ["source_id", "ra", "dec", "l", "b", "parallax", "parallax_error", "pmra", "pmra_error",
                "pmdec", "pmdec_error", "pmra_pmdec_corr", "ruwe", "phot_g_mean_mag",
                "radial_velocity", "radial_velocity_error", "grvs_mag", "rv_template_teff",
                "teff_esphs", "logg_esphs"]
DISTANCE_COLUMNS = ["r_med_photogeo", "r_lo_photogeo", "r_hi_photogeo"]
TMASS_COLUMNS = ["j_m", "h_m", "ks_m", "ks_msigcom"]
SPECTRUM_COLUMNS = ["source_id", "sdss_id", "catalogid", "gaia_dr2_id", "field", "mjd", "sn_median_all",
                    "xcsao_rv", "xcsao_erv", "xcsao_rxc", "bn_v_r", "e_bn_v_r",
                    "teff", "e_teff", "logg", "e_logg", "fe_h", "e_fe_h"]
# written by join_spectra after SPECTRUM_COLUMNS ('' where the spAll lacks RUN2D / OBS)
SPECTRUM_EXTRA_COLUMNS = [*REDUCTION_KEY, *REPEAT_COLUMNS]
STAR_PARAMETERS = ["teff", "logg", "fe_h"]

UNITS = {
    "ra": "deg", "dec": "deg", "l": "deg", "b": "deg",
    "parallax": "mas", "parallax_error": "mas", "pmra": "mas / yr", "pmra_error": "mas / yr",
    "pmdec": "mas / yr", "pmdec_error": "mas / yr", "phot_g_mean_mag": "mag", "grvs_mag": "mag",
    "radial_velocity": "km / s", "radial_velocity_error": "km / s", "rv_template_teff": "K",
    "teff_esphs": "K", "logg_esphs": "dex", "r_med_photogeo": "pc", "r_lo_photogeo": "pc",
    "r_hi_photogeo": "pc", "j_m": "mag", "h_m": "mag", "ks_m": "mag", "ks_msigcom": "mag",
    "xcsao_rv": "km / s", "xcsao_erv": "km / s", "bn_v_r": "km / s", "e_bn_v_r": "km / s",
    "teff": "K", "e_teff": "K", "logg": "dex", "e_logg": "dex", "fe_h": "dex", "e_fe_h": "dex",
}


class SampleError(HotstarsError):
    """Inputs that cannot form a sample (e.g. ids that do not join at all)."""


@dataclass(frozen=True)
class Cuts:
    """HSS cuts (config ``sample``): SNR > snr_min, sigma_plx/plx < parallax_rel_error_max,
    RUWE < ruwe_max, Teff > teff_min_k."""

    snr_min: float = 20.0
    parallax_rel_error_max: float = 0.2
    ruwe_max: float = 1.4
    teff_min_k: float = 10000.0

    @classmethod
    def from_config(cls, sample_cfg: dict) -> "Cuts":
        return cls(**{k: float(sample_cfg[k]) for k in cls.__dataclass_fields__})


# --------------------------------------------------------------------------------------------
# Ingestion: spectra (spAll x BOSS Net) and targets (Gaia x Bailer-Jones x 2MASS)
# --------------------------------------------------------------------------------------------
#: config sample.min_join_fraction: the least fraction of the left rows that a join must keep.
#: Naturally ~1: Astra runs BOSS Net on every carton spectrum (~1 % fail, as in the mock), and
#: the Gaia-side files are queried for exactly the carton's stars (Gaia and Bailer-Jones cover
#: them all, 2MASS nearly all bright OB stars). Half of them lost means files of other releases
#: or samples (e.g. a BOSS Net file of another reduction, a Gaia query of a sub-sample).
MIN_JOIN_FRACTION = 0.5


def check_join_rate(n_kept: int, n_total: int, left: str, right: str, keys: str, what: str,
                    min_fraction: float) -> float:
    """The fraction ``n_kept / n_total`` of ``what`` (rows of ``left``) found in ``right``;
    :class:`SampleError` naming both files, the keys and the fractions below ``min_fraction``
    (config ``sample.min_join_fraction``). Logged either way."""
    if not 0.0 <= float(min_fraction) <= 1.0:
        raise ValueError(f"config sample.min_join_fraction = {min_fraction!r}: expected a "
                         "fraction between 0 and 1")
    fraction = n_kept / n_total if n_total else 1.0
    log.info("%s x %s: %d of %d %s (%.1f %%) joined on %s", left, right, n_kept, n_total, what,
             100 * fraction, keys)
    if fraction < min_fraction:
        raise SampleError(
            f"{left} x {right}: only {n_kept} of {n_total} {what} ({fraction:.1%}) join on "
            f"{keys}; expected at least {min_fraction:.0%} (config sample.min_join_fraction = "
            f"{min_fraction:g}). The two files are probably not of the same release or the same "
            "stars (check the files); if these gaps are expected, lower "
            "sample.min_join_fraction (config/config.yaml)")
    return fraction


def join_spectra(spall: pd.DataFrame, bossnet: pd.DataFrame, mjd_max: int,
                 sources: tuple[str, str] = ("spAll", "BOSS Net"),
                 repeated_spectra: str = "keep_highest_snr",
                 min_join_fraction: float = MIN_JOIN_FRACTION) -> pd.DataFrame:
    """One row per carton spectrum with MJD <= ``mjd_max``, with its BOSS Net visit result.

    spAll joins BOSS Net on (SDSS_ID, FIELD, MJD) = (sdss_id, fieldid, mjd), plus RUN2D = run2d
    and OBS = telescope (``OBSERVATORIES``: 'apo25m' is 'APO') when both files have the column
    (logged otherwise). BOSS Net rows of another reduction than the spAll's are not joined
    (counted in the log). Rows repeating a spectrum key in one file are resolved first by
    ``repeated_spectra`` (:func:`resolve_repeated`; spAll on its own key, BOSS Net on the join
    key, S/N from SN_MEDIAN_ALL and ``snr``); the counts are logged, written per spectrum
    (``REPEAT_COLUMNS``) and summed in ``attrs["repeated_spectra"]``.

    The star key is BOSS Net's ``gaia_dr3_source_id`` (spAll's GAIA_ID is a Gaia DR2 id and is
    never used). Spectra without a BOSS Net result (or without a DR3 id) keep ``source_id = -1``;
    they leave through the cut-flow's ``matched`` step. An error (naming the files,
    ``attrs["source"]`` of the readers' tables) if no spectrum joins at all, or fewer than
    ``min_join_fraction`` of them (:func:`check_join_rate`).
    """
    if repeated_spectra not in REPEATED_SPECTRA_RULES:
        raise ValueError(f"repeated_spectra={repeated_spectra!r}: expected one of "
                         f"{', '.join(REPEATED_SPECTRA_RULES)}")
    spall_name, bn_name = (_source(df, name) for df, name in zip((spall, bossnet), sources))
    spectra = spall.loc[spall["mjd"] <= mjd_max].copy()
    if "obs" in spectra:
        spectra["obs"] = observatory(spectra["obs"])
    spall_key = SPECTRUM_KEY + [c for c in REDUCTION_KEY if c in spectra]
    spectra, spall_counts = resolve_repeated(spectra, spall_key, "sn_median_all",
                                             repeated_spectra, spall_name)

    bn = bossnet.rename(columns={"fieldid": "field", "gaia_dr3_source_id": "source_id"})
    if "telescope" in bn:
        bn["obs"] = observatory(bn.pop("telescope"))
    join_key = SPECTRUM_KEY + [c for c in REDUCTION_KEY if c in spectra and c in bn]
    for col, names in (("run2d", ("RUN2D", "run2d")), ("obs", ("OBS", "telescope"))):
        lacking = [f"{name} has no column {c}" for name, df, c in
                   ((spall_name, spectra, names[0]), (bn_name, bn, names[1]))
                   if col not in df]
        if lacking:
            log.info("%s: spectra joined without the %s (on %s)", "; ".join(lacking),
                     "reduction" if col == "run2d" else "observatory", ", ".join(join_key))
    bn_run2d = _values(bn["run2d"]) if "run2d" in bn else ""
    if "run2d" in join_key:
        other = ~bn["run2d"].isin(spectra["run2d"].unique())
        if other.any():
            log.info("%s: %d rows of other reductions (run2d %s) than the %s's (%s) left out",
                     bn_name, int(other.sum()), _values(bn.loc[other, "run2d"]), sources[0],
                     _values(spectra["run2d"]))
        bn = bn.loc[~other]
    # only BOSS Net rows of this run's spectra (repeats elsewhere do not matter)
    bn = bn.merge(spectra[join_key].drop_duplicates(), on=join_key, how="inner")
    for col in ("release", "filetype"):
        if col in bn and bn[col].nunique() > 1:
            log.info("%s: the joined rows come from %d %ss (%s): rows of one spectrum from "
                     "several are resolved as repeats", bn_name, bn[col].nunique(), col,
                     _values(bn[col]))
    bn_snr = "snr" if "snr" in bn else None
    bn, bn_counts = resolve_repeated(bn, join_key, bn_snr, repeated_spectra, bn_name)
    bn_cols = [*join_key, "source_id", "bn_v_r", "e_bn_v_r", "teff", "e_teff", "logg", "e_logg",
               "fe_h", "e_fe_h", "_n_identical", "_n_dropped"]
    bn = bn[[c for c in bn_cols if c in bn.columns]]
    # nullable ints: a left join must not pass ids through float64 (DR3 ids exceed 2**53)
    bn = bn.astype({"source_id": "Int64"})
    spectra = spectra.rename(columns={"_n_identical": "n_identical_spall",
                                      "_n_dropped": "n_dropped_spall"})
    bn = bn.rename(columns={"_n_identical": "n_identical_bossnet",
                            "_n_dropped": "n_dropped_bossnet"})
    joined = spectra.merge(bn, on=join_key, how="left", validate="one_to_one")
    for col in SPECTRUM_COLUMNS:
        if col not in joined:
            joined[col] = -1 if col == "gaia_dr2_id" else np.nan
    for col in REDUCTION_KEY:
        joined[col] = joined[col].fillna("").astype(str) if col in joined else ""
    for col in REPEAT_COLUMNS:
        joined[col] = joined[col].fillna(0).astype("int64") if col in joined else 0
    joined["source_id"] = joined["source_id"].fillna(-1).astype("int64")
    joined["gaia_dr2_id"] = joined["gaia_dr2_id"].fillna(-1).astype("int64")
    joined.loc[joined["source_id"] <= 0, "source_id"] = -1
    if len(joined) and not (joined["source_id"] > 0).any():
        same = [f"{name} ({a} = {b})" for col, name, a, b in
                (("run2d", "reduction", "RUN2D", "run2d"), ("obs", "observatory", "OBS", "telescope"))
                if col in join_key]
        same = f" of the same {' and '.join(same)}" if same else ""
        found = (f" (RUN2D {_values(spectra['run2d'])} in {sources[0]}, run2d {bn_run2d} in "
                 f"{sources[1]})" if "run2d" in join_key else "")
        raise SampleError(f"{spall_name} and {bn_name}: no {sources[0]} spectrum "
                          f"(SDSS_ID, FIELD, MJD) joins a {sources[1]} visit (sdss_id, fieldid, "
                          f"mjd){same} with a gaia_dr3_source_id{found}: expected the two files "
                          "of the same data release")
    bn_names = {"field": "fieldid", "obs": "telescope"}
    check_join_rate(int((joined["source_id"] > 0).sum()), len(joined), spall_name, bn_name,
                    f"({', '.join(k.upper() for k in join_key)}) = "
                    f"({', '.join(bn_names.get(k, k) for k in join_key)}) with a "
                    "gaia_dr3_source_id", f"{sources[0]} spectra", min_join_fraction)
    out = (joined[SPECTRUM_COLUMNS + SPECTRUM_EXTRA_COLUMNS]
           .sort_values(SPECTRUM_KEY + REDUCTION_KEY, kind="stable").reset_index(drop=True))
    out.attrs["repeated_spectra"] = {"rule": repeated_spectra, "join_key": join_key,
                                     "spall": spall_counts, "bossnet": bn_counts}
    out.attrs["sources"] = (spall_name, bn_name)
    return out


def repeated_summary(spectra: pd.DataFrame) -> str:
    """One log line: the join key and, per file, the rows resolved as repeated spectrum keys
    (``attrs["repeated_spectra"]`` of :func:`join_spectra`)."""
    r = spectra.attrs["repeated_spectra"]
    per_file = "; ".join(
        f"{name}: {c['rows']} rows repeat {c['keys']} keys, {c['identical']} identical rows "
        f"collapsed, {c['dropped']} lower-S/N rows dropped"
        for name, c in (("spAll", r["spall"]), ("BOSS Net", r["bossnet"])))
    return (f"spectra joined on ({', '.join(r['join_key'])}); repeated spectrum keys "
            f"(sample.repeated_spectra: {r['rule']}): {per_file}")


def observatory(values) -> pd.Series:
    """spAll OBS ('APO', 'LCO') from either OBS or Astra's telescope ('apo25m', 'lco25m').

    Worked out once per distinct value (a survey file has a handful in a million rows)."""
    values = pd.Series(values, copy=False)
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    text = pd.Series(distinct, copy=False).astype(str).str.strip()
    per_value = text.str.lower().map(OBSERVATORIES).fillna(text.str.upper())
    return pd.Series(per_value.to_numpy()[codes], index=values.index, dtype=per_value.dtype)


def resolve_repeated(df: pd.DataFrame, key: list[str], snr: str | None, rule: str,
                     what: str) -> tuple[pd.DataFrame, dict]:
    """Rows of one file (``what``) that repeat ``key``, resolved by ``rule``.

    Identical rows (equal in every column of ``df``, NaN equal to NaN) collapse to one, except
    under ``stop``. Different rows left with the same key: ``keep_highest_snr`` keeps the row
    with the highest ``snr`` (NaN or no ``snr`` column: lowest; ties: the first in the file),
    ``collapse_identical`` and ``stop`` raise :class:`SampleError` naming ``what``, the key
    columns and up to 5 keys. Returns the kept rows in file order with ``_n_identical`` and
    ``_n_dropped`` (rows of their key collapsed / dropped) and the counts
    {rows, keys, identical, dropped}.
    """
    df = df.reset_index(drop=True)
    repeated = df.duplicated(key, keep=False).to_numpy()
    counts = {"rows": int(repeated.sum()), "keys": 0, "identical": 0, "dropped": 0}
    if not repeated.any():
        return df.assign(_n_identical=0, _n_dropped=0), counts
    counts["keys"] = int((~df.loc[repeated].duplicated(key)).sum())
    snr_name = snr or "no S/N column"
    if rule == "stop":
        raise SampleError(_repeat_message(what, df.loc[repeated], key, counts["keys"],
                                          "(config sample.repeated_spectra: stop; "
                                          "keep_highest_snr resolves repeats)"))
    distinct = df.loc[~df.duplicated(keep="first")]
    counts["identical"] = len(df) - len(distinct)
    still = distinct.duplicated(key, keep=False)
    if rule == "collapse_identical" and still.any():
        differ = _differing_columns(distinct.loc[still], key)
        raise SampleError(_repeat_message(
            what, distinct.loc[still], key, int((~distinct.loc[still].duplicated(key)).sum()),
            f"with different values (in {differ}); config sample.repeated_spectra: "
            "collapse_identical stops on these (keep_highest_snr keeps the highest S/N)"))
    order = distinct.assign(
        _snr=(-distinct[snr].astype(float).fillna(-np.inf)) if snr else 0.0,
        _pos=distinct.index)
    kept = (order.sort_values(["_snr", "_pos"], kind="stable").drop_duplicates(key, keep="first")
            .sort_values("_pos").drop(columns=["_snr", "_pos"]))
    counts["dropped"] = len(distinct) - len(kept)
    per_key = pd.DataFrame({
        "_n_identical": df.groupby(key, dropna=False).size()
        - distinct.groupby(key, dropna=False).size(),
        "_n_dropped": distinct.groupby(key, dropna=False).size() - 1}).reset_index()
    kept = kept.merge(per_key, on=key, how="left", validate="one_to_one")
    log.info("%s: %d rows repeat %d spectrum keys (%s): %d identical rows collapsed, %d rows "
             "dropped for a row of higher S/N (%s; ties: first in the file)", what,
             counts["rows"], counts["keys"], ", ".join(key), counts["identical"],
             counts["dropped"], snr_name)
    return kept.reset_index(drop=True), counts


def _repeat_message(what: str, rows: pd.DataFrame, key: list[str], n_keys: int,
                    note: str) -> str:
    groups = rows.groupby(key, sort=False, dropna=False).size()
    shown = "; ".join(f"({', '.join(f'{k}={v}' for k, v in zip(key, np.atleast_1d(vals)))}) "
                      f"x {n}" for vals, n in list(groups.items())[:5])
    more = f" ... ({n_keys} repeated keys in all)" if n_keys > 5 else ""
    return f"{what}: spectrum key ({', '.join(key)}) repeated: {shown}{more} {note}"


def _differing_columns(rows: pd.DataFrame, key: list[str]) -> str:
    cols = [c for c in rows.columns if c not in key and not c.startswith("_")]
    varies = rows.groupby(key, dropna=False)[cols].nunique(dropna=False).max()
    return ", ".join(c for c in cols if varies[c] > 1) or "?"


def _values(values, n: int = 5) -> str:
    uniq = sorted(map(str, pd.unique(pd.Series(values))))
    more = f", ... ({len(uniq)} in all)" if len(uniq) > n else ""
    return ", ".join(repr(v) for v in uniq[:n]) + more


def build_targets(spectra: pd.DataFrame, gaia: pd.DataFrame, distances: pd.DataFrame,
                  tmass: pd.DataFrame, min_join_fraction: float = MIN_JOIN_FRACTION
                  ) -> pd.DataFrame:
    """One row per matched target (Gaia DR3 source_id), with its Gaia, Bailer-Jones and 2MASS values.

    Distances and 2MASS are left-joined (missing -> NaN, counted later); a target must be in
    the Gaia table (the astrometry defines it). ``n_spectra`` counts its spectra. An error
    (naming the file) if no target is in the Gaia, the distances or the 2MASS table at all: the
    file is then the wrong one (other ids, e.g. Gaia DR2), not a file with gaps; and if fewer
    than ``min_join_fraction`` of the stars are in one of them (:func:`check_join_rate`).

    Missing photometry (docs/conventions.md, Ages): a target without a 2MASS row gets NaN
    magnitudes, like a NULL or sentinel Ks (NaN from the reader): all are kept (they have
    kinematics), counted in the log here and ``attrs["no_ks"]``, and get age_flag 2.
    """
    matched = spectra.loc[spectra["source_id"] > 0]
    counts = matched.groupby("source_id").size().rename("n_spectra").reset_index()
    # spAll's GAIA_ID (Gaia DR2) is kept only as the DR2 key of DR2-based catalogues (CG20)
    dr2 = matched.loc[matched["gaia_dr2_id"] > 0].groupby("source_id")["gaia_dr2_id"].first()
    counts["gaia_dr2_id"] = counts["source_id"].map(dr2).fillna(-1).astype("int64")
    gaia_cols = [c for c in GAIA_COLUMNS if c in gaia.columns]
    targets = counts.merge(gaia[gaia_cols], on="source_id", how="inner")
    if len(counts) and targets.empty:
        raise SampleError(f"{_source(gaia, 'Gaia table')}: no BOSS Net gaia_dr3_source_id of "
                          f"the {len(counts)} matched stars (e.g. {counts['source_id'].iloc[0]}) "
                          "is in column 'source_id': expected the Gaia DR3 ids of the same stars")
    for table, what in ((distances, "distances"), (tmass, "2MASS")):
        if len(targets) and not targets["source_id"].isin(table["source_id"]).any():
            raise SampleError(f"{_source(table, what + ' table')}: none of the {len(targets)} "
                              f"targets' Gaia DR3 ids (e.g. {targets['source_id'].iloc[0]}) is in "
                              "column 'source_id': expected the Gaia DR3 ids of the same stars")
    # the stars' DR3 ids come from BOSS Net (join_spectra's attrs["sources"])
    stars = spectra.attrs.get("sources", ("spAll", "BOSS Net table"))[1]
    check_join_rate(len(targets), len(counts), stars, _source(gaia, "Gaia table"),
                    "gaia_dr3_source_id = source_id", "matched stars", min_join_fraction)
    for table, what in ((distances, "distances"), (tmass, "2MASS")):
        check_join_rate(int(targets["source_id"].isin(table["source_id"]).sum()), len(targets),
                        _source(gaia, "Gaia table"), _source(table, what + " table"),
                        "source_id", "Gaia targets", min_join_fraction)
    targets = targets.merge(distances[["source_id", *DISTANCE_COLUMNS]], on="source_id", how="left")
    no_row = int((~targets["source_id"].isin(tmass["source_id"])).sum())
    targets = targets.merge(tmass[["source_id", *TMASS_COLUMNS]], on="source_id", how="left")
    no_ks = int((~np.isfinite(targets["ks_m"].to_numpy(float))).sum())
    log.info("%d of %d targets without a usable 2MASS Ks (%d without a 2MASS row in %s, %d "
             "NULL or sentinel): kept, no age (age_flag 2; docs/conventions.md, Ages)", no_ks,
             len(targets), no_row, _source(tmass, "the 2MASS table"), no_ks - no_row)
    for col in GAIA_COLUMNS:
        if col not in targets:
            targets[col] = np.nan
    cols = [*GAIA_COLUMNS, "gaia_dr2_id", *DISTANCE_COLUMNS, *TMASS_COLUMNS, "n_spectra"]
    out = targets[cols].sort_values("source_id").reset_index(drop=True)
    out.attrs["no_ks"] = {"no_row": no_row, "missing_or_sentinel": no_ks - no_row}
    return out


def _source(df: pd.DataFrame, default: str) -> str:
    """The file a reader's table came from (``attrs["source"]``, hotstars.io), else ``default``."""
    return str(df.attrs.get("source", default))


# --------------------------------------------------------------------------------------------
# The HSS
# --------------------------------------------------------------------------------------------
def passes_parallax(parallax, parallax_error, rel_error_max: float) -> np.ndarray:
    """sigma_plx / plx < rel_error_max with plx > 0 (paper Sec. 2.2)."""
    parallax = np.asarray(parallax, float)
    parallax_error = np.asarray(parallax_error, float)
    with np.errstate(invalid="ignore"):
        return (parallax > 0) & (parallax_error < rel_error_max * parallax)


def star_parameters(spectra: pd.DataFrame) -> pd.DataFrame:
    """SNR-weighted mean Teff, log g, [Fe/H] per source_id over the given spectra
    (docs/conventions.md, Sample).

    Weights w_i = sn_median_all; each parameter uses the spectra where it is finite. The error of
    a weighted mean of independent values is sqrt(sum w_i^2 e_i^2) / sum w_i; it is NaN if a
    spectrum used for the value has no finite error (rather than counting that error as 0).
    """
    out = {}
    grouped_source = spectra["source_id"].to_numpy()
    for par in STAR_PARAMETERS:
        value = spectra[par].to_numpy(float)
        error = spectra[f"e_{par}"].to_numpy(float)
        w = np.where(np.isfinite(value), spectra["sn_median_all"].to_numpy(float), 0.0)
        frame = pd.DataFrame({"source_id": grouped_source, "w": w,
                              "wv": w * np.nan_to_num(value),
                              "w2e2": (w * np.nan_to_num(error)) ** 2,
                              "no_error": (w > 0) & ~np.isfinite(error)})
        sums = frame.groupby("source_id").sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            out[par] = sums["wv"] / sums["w"]
            out[f"e_{par}"] = (np.sqrt(sums["w2e2"]) / sums["w"]).where(sums["no_error"] == 0)
    return pd.DataFrame(out).rename_axis("source_id")


def select_hss(spectra: pd.DataFrame, targets: pd.DataFrame, cuts: Cuts, mjd_max: int | None = None
               ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Apply the HSS cuts (Fig. 2). Returns (target_flags, hss, hss_spectra, cutflow).

    - target_flags: one row per target: star-level Teff/log g/[Fe/H] over its SNR-passing spectra,
      n_spectra, n_spectra_snr, passes_{snr,parallax,ruwe,teff,distance}, passes_quality
      (snr & parallax & ruwe: the Fig. 4 gray sample) and in_hss.
    - hss: the HSS stars, targets' columns + star-level BOSS Net parameters + n_spectra (passing).
    - hss_spectra: the SNR-passing spectra of HSS stars (what the velocities average).
    - cutflow: step, criterion, n_spectra, n_stars; cumulative. The ``observed`` criterion adds
      the rows removed as repeated spectrum keys, per file (:func:`repeated_note`), if any.
    """
    spec_ok = spectra["sn_median_all"].to_numpy(float) > cuts.snr_min
    matched = spectra["source_id"].isin(targets["source_id"]).to_numpy()
    snr_spectra = spectra.loc[spec_ok & matched]

    flags = targets[["source_id"]].copy()
    flags["n_spectra"] = targets["n_spectra"].to_numpy()
    flags["n_spectra_snr"] = (flags["source_id"].map(snr_spectra.groupby("source_id").size())
                              .fillna(0).astype("int64"))
    params = star_parameters(snr_spectra)
    flags = flags.join(params, on="source_id")
    flags["passes_snr"] = flags["n_spectra_snr"] > 0
    flags["passes_parallax"] = passes_parallax(targets["parallax"], targets["parallax_error"],
                                               cuts.parallax_rel_error_max)
    flags["passes_ruwe"] = targets["ruwe"].to_numpy(float) < cuts.ruwe_max
    flags["passes_teff"] = flags["teff"].to_numpy(float) > cuts.teff_min_k
    # a usable distance: median and both percentiles finite and > 0 (sigma_d needs r_lo, r_hi)
    dist = targets[DISTANCE_COLUMNS].to_numpy(float)
    with np.errstate(invalid="ignore"):
        flags["passes_distance"] = np.all(np.isfinite(dist) & (dist > 0), axis=1)
    flags["passes_quality"] = flags["passes_snr"] & flags["passes_parallax"] & flags["passes_ruwe"]

    steps = [
        ("snr", f"SN_MEDIAN_ALL > {cuts.snr_min:g} (>= 1 spectrum)", "passes_snr"),
        ("parallax", f"parallax > 0 and parallax_error / parallax < {cuts.parallax_rel_error_max:g}",
         "passes_parallax"),
        ("ruwe", f"RUWE < {cuts.ruwe_max:g}", "passes_ruwe"),
        ("teff", f"BOSS Net Teff > {cuts.teff_min_k:g} K (SNR-weighted)", "passes_teff"),
        ("distance", "Bailer-Jones photogeometric distance (r_med, r_lo, r_hi) available",
         "passes_distance"),
    ]
    observed_label = ("carton spectra" + (f" with MJD <= {mjd_max}" if mjd_max is not None else "")
                      + repeated_note(spectra))
    rows = [("observed", observed_label, len(spectra), spectra["sdss_id"].nunique()),
            ("matched", "BOSS Net result with a Gaia DR3 source in the Gaia table",
             int(matched.sum()), len(targets))]
    alive = np.ones(len(flags), bool)
    for name, criterion, column in steps:
        alive &= flags[column].to_numpy(bool)
        surviving = flags.loc[alive, "source_id"]
        n_spec = int(snr_spectra["source_id"].isin(surviving).sum())
        rows.append((name, criterion, n_spec, int(alive.sum())))
    flags["in_hss"] = alive
    cutflow = pd.DataFrame(rows, columns=["step", "criterion", "n_spectra", "n_stars"])

    hss_ids = flags.loc[alive, "source_id"]
    star_cols = ["source_id", "teff", "e_teff", "logg", "e_logg", "fe_h", "e_fe_h", "n_spectra_snr"]
    hss = (targets.loc[alive].drop(columns="n_spectra")
           .merge(flags[star_cols], on="source_id", how="left")
           .rename(columns={"n_spectra_snr": "n_spectra"}).reset_index(drop=True))
    hss_spectra = (snr_spectra.loc[snr_spectra["source_id"].isin(hss_ids)]
                   .sort_values(["source_id", "mjd", "field"], kind="stable").reset_index(drop=True))
    return flags.reset_index(drop=True), hss, hss_spectra, cutflow


# --------------------------------------------------------------------------------------------
# Empty samples: stop at the step that emptied the sample, naming the config key and its value
# --------------------------------------------------------------------------------------------
def _count(n) -> str:
    return f"{int(n):,}"


def _number(x: float, unit: str = "") -> str:
    text = f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"
    return f"{text} {unit}".rstrip()


def check_sample(spectra: pd.DataFrame, targets: pd.DataFrame, flags: pd.DataFrame,
                 cutflow: pd.DataFrame, cuts: Cuts, mjd_max: int | None = None,
                 program: str | None = None, spectra_name: str = "spectra",
                 targets_name: str = "targets") -> None:
    """Raise :class:`SampleError` at the first cut-flow step of :func:`select_hss` that leaves
    no star, naming the step, the config key with its value, what the stars before the step had
    (e.g. the hottest Teff) and what to change; nothing if the HSS has stars.

    Steps: ``observed`` (ingestion: sample.program, sample.mjd_max), ``matched`` (BOSS Net x
    Gaia), ``snr`` (sample.snr_min), ``parallax`` (sample.parallax_rel_error_max), ``ruwe``
    (sample.ruwe_max), ``teff`` (sample.teff_min_k), ``distance`` (the Bailer-Jones file).
    """
    counts = dict(zip(cutflow["step"], cutflow["n_stars"]))
    if counts.get("distance", 0) > 0:
        return
    if counts.get("observed", 0) == 0:
        prog = f"sample.program = {program!r}, " if program is not None else ""
        raise SampleError(
            f"ingest: no carton spectrum is left after the MJD cut ({prog}sample.mjd_max = "
            f"{mjd_max}): {spectra_name} has no rows. Check sample.mjd_max (the last MJD kept; "
            "DR20 is 60708, SDSS-V BOSS spectra start near MJD 59,150) and that the spAll has "
            "rows whose PROGRAMNAME (or FIRSTCARTON prefix) is sample.program")
    if counts.get("matched", 0) == 0:
        raise SampleError(
            f"ingest: no star passes the matched step: none of the {_count(counts['observed'])} "
            f"observed targets in {spectra_name} has a BOSS Net result with a Gaia DR3 source in "
            f"{targets_name}: expected the spAll, BOSS Net and Gaia files of the same stars")
    alive = np.ones(len(flags), bool)
    tgt = targets.set_index("source_id").reindex(flags["source_id"])
    for step in ("snr", "parallax", "ruwe", "teff", "distance"):
        passes = flags[f"passes_{step}"].to_numpy(bool)
        if (alive & passes).any():
            alive &= passes
            continue
        raise SampleError(_empty_step_message(step, spectra, tgt, flags, alive, cuts,
                                              spectra_name, targets_name))
    raise SampleError("select_hss: the HSS is empty although every step kept stars "
                      f"({counts}): report this as a bug")


def _empty_step_message(step: str, spectra: pd.DataFrame, tgt: pd.DataFrame,
                        flags: pd.DataFrame, alive: np.ndarray, cuts: Cuts, spectra_name: str,
                        targets_name: str) -> str:
    n = int(alive.sum())
    before = f"the {_count(n)} stars left before it"
    head = f"select_hss: no star passes the {step} step"
    if step == "snr":
        matched = spectra.loc[spectra["source_id"].isin(flags["source_id"]), "sn_median_all"]
        snr = matched.to_numpy(float)
        best = (f"the highest SN_MEDIAN_ALL of the {_count(len(snr))} matched spectra in "
                f"{spectra_name} is {_number(np.nanmax(snr))}" if np.isfinite(snr).any()
                else f"no matched spectrum in {spectra_name} has a finite SN_MEDIAN_ALL")
        return (f"{head} (sample.snr_min = {cuts.snr_min:g}: a star needs a spectrum with "
                f"SN_MEDIAN_ALL > {cuts.snr_min:g}; {best}): lower sample.snr_min")
    if step == "parallax":
        plx = tgt["parallax"].to_numpy(float)[alive]
        err = tgt["parallax_error"].to_numpy(float)[alive]
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = np.where(plx > 0, err / plx, np.nan)
        n_neg = int(np.sum(~(plx > 0)))
        best = (f"the most precise of {before} has parallax_error / parallax = "
                f"{_number(np.nanmin(rel))}" if np.isfinite(rel).any()
                else f"none of {before} has a positive parallax")
        return (f"{head} (sample.parallax_rel_error_max = {cuts.parallax_rel_error_max:g}; "
                f"{best}, {_count(n_neg)} have parallax <= 0 or none in {targets_name}): "
                "raise sample.parallax_rel_error_max")
    if step == "ruwe":
        ruwe = tgt["ruwe"].to_numpy(float)[alive]
        best = (f"the lowest RUWE of {before} is {_number(np.nanmin(ruwe))}"
                if np.isfinite(ruwe).any() else f"none of {before} has a RUWE in {targets_name}")
        return f"{head} (sample.ruwe_max = {cuts.ruwe_max:g}; {best}): raise sample.ruwe_max"
    if step == "teff":
        teff = flags["teff"].to_numpy(float)[alive]
        best = (f"the hottest of {before} has {_number(np.nanmax(teff), 'K')}"
                if np.isfinite(teff).any() else f"none of {before} has a BOSS Net Teff")
        return (f"{head} (sample.teff_min_k = {_number(cuts.teff_min_k, 'K')}; {best}): "
                "lower sample.teff_min_k")
    return (f"{head} (no config key: none of {before} has a Bailer-Jones photogeometric "
            f"distance, columns {', '.join(DISTANCE_COLUMNS)} finite and > 0 in "
            f"{targets_name}): check that the distances file holds these Gaia DR3 source_ids")


def check_vphi_window(v_phi, in_window, lo: float, hi: float,
                      name: str = "kinematics") -> None:
    """Raise :class:`SampleError` if the v_phi window (config kinematics.vphi_window_kms)
    leaves no star, with the range of the stars' v_phi and what to change."""
    v = np.asarray(v_phi, float)
    if np.asarray(in_window, bool).any():
        return
    head = (f"flag_vphi_window: no star is left by the v_phi window "
            f"(kinematics.vphi_window_kms = [{lo:g}, {hi:g}] km/s)")
    finite = v[np.isfinite(v)]
    if not finite.size:
        raise SampleError(f"{head}: none of the {_count(v.size)} stars in {name} has a finite "
                          "v_phi (column 'v_phi'): check the kinematics inputs")
    raise SampleError(f"{head}: the {_count(finite.size)} stars with a v_phi in {name} span "
                      f"{finite.min():.0f} to {finite.max():.0f} km/s (median "
                      f"{np.median(finite):.0f}): widen kinematics.vphi_window_kms "
                      "(the paper's is [190, 250])")


def check_map_spaxels(stars: pd.DataFrame, density: pd.DataFrame, min_stars: int,
                      spaxel_pc: float, name: str = "kinematics") -> None:
    """Raise :class:`SampleError` if the maps would be empty: no map star (counts of
    :func:`hotstars.maps.select_map_stars`) or no spaxel with >= min_stars of them (config
    maps.min_stars, maps.spaxel_pc), naming the fullest spaxel and what to change."""
    counts = stars.attrs.get("counts", {})
    if not len(stars):
        raise SampleError(
            f"build_maps: no map star in {name}: {counts.get('n_input', '?')} stars, "
            f"{counts.get('n_in_vphi_window', '?')} in the v_phi window "
            f"(kinematics.vphi_window_kms), {counts.get('n_finite_vR', '?')} of them with a "
            "usable position and v_R, 0 within |z| < maps.z_max_kpc: check maps.z_max_kpc "
            "and kinematics.vphi_window_kms")
    fullest = int(density["n_stars"].max()) if len(density) else 0
    if fullest < min_stars:
        raise SampleError(
            f"build_maps: no spaxel of {spaxel_pc:g} pc (maps.spaxel_pc) holds maps.min_stars = "
            f"{min_stars} map stars: the {_count(len(stars))} map stars fill "
            f"{_count(len(density))} spaxels, the fullest has {fullest}: lower maps.min_stars "
            "or use a larger maps.spaxel_pc")


def repeated_note(spectra: pd.DataFrame) -> str:
    """'; repeated keys: spAll 2 identical + 1 lower S/N, BOSS Net ... rows removed' from the
    per-spectrum counts of :func:`join_spectra` (``REPEAT_COLUMNS``); '' if there were none."""
    if not set(REPEAT_COLUMNS) <= set(spectra.columns):
        return ""
    n = {c: int(spectra[c].sum()) for c in REPEAT_COLUMNS}
    if not any(n.values()):
        return ""
    parts = [f"{name} {n[f'n_identical_{f}']} identical + {n[f'n_dropped_{f}']} lower S/N"
             for f, name in (("spall", "spAll"), ("bossnet", "BOSS Net"))
             if n[f"n_identical_{f}"] or n[f"n_dropped_{f}"]]
    return f"; repeated keys: {', '.join(parts)} rows removed"


def teff_class_counts(flags: pd.DataFrame, classes: dict) -> dict[str, int]:
    """Sec. 2.2 counts: A and F contaminants among quality-cut targets; HSS stars per Teff class.

    ``classes``: f_min, a_min, late_b_min, early_b_min, o_min (K). A-type = [a_min, Teff cut),
    F-type = [f_min, a_min) among targets passing the quality cuts (SNR, parallax, RUWE); HSS
    classes: [late_b_min, early_b_min), [early_b_min, o_min), >= o_min.
    """
    teff = flags["teff"].to_numpy(float)
    quality = flags["passes_quality"].to_numpy(bool) & ~flags["passes_teff"].to_numpy(bool)
    hss = flags["in_hss"].to_numpy(bool)
    return {
        "n_quality_a_type": int((quality & (teff >= classes["a_min"])).sum()),
        "n_quality_f_type": int((quality & (teff >= classes["f_min"]) & (teff < classes["a_min"])).sum()),
        "n_hss_late_b": int((hss & (teff >= classes["late_b_min"]) & (teff < classes["early_b_min"])).sum()),
        "n_hss_early_b": int((hss & (teff >= classes["early_b_min"]) & (teff < classes["o_min"])).sum()),
        "n_hss_o": int((hss & (teff >= classes["o_min"])).sum()),
    }
