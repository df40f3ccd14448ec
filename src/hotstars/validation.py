"""The truth check: recovered kinematics and v̄_R maps against the mock survey's truth table.

The built-in mock (:mod:`hotstars.mock`) writes, per star, the true Galactocentric velocities and
``vR_field``, the injected mean v_R field at the star (km/s). Here
- :func:`truth_per_spaxel` gives the true v̄_R of each spaxel: the mean of ``vR_field`` over the
  stars that went into that spaxel, selected exactly as the maps select them (docs/conventions.md,
  Maps: ``in_vphi_window``, finite v_R and v_R_err, optional |Z| cut; spaxels from
  :func:`hotstars.maps.spaxel_index` on the *recovered* X, Y);
- :func:`vr_map_recovery` compares a v̄_R map (``results/<run>/maps/vR_{size}pc.parquet``) with it:
  bias and the pulls (recovered − true)/error with both the Fisher error and the paper's σ_R/√N;
- :func:`per_star_recovery` checks the per-star v_R and its propagated error.

Pull statistics: χ²/dof = Σ pull² / n (the truth is known, no parameter is fitted, so dof = n);
"weighted" versions weight each spaxel by its number of stars N. Velocities in km/s, X, Y in kpc.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from hotstars.errors import HotstarsError, require_columns
from hotstars.stats import robust_std

# hotstars.maps, hotstars.vrfield and scipy.special are imported in the functions that use them:
# the age truth check (age_recovery, its figure) needs none of them.

TRUTH_COLUMNS = ("source_id", "v_R", "vR_field", "vR_expected", "is_binary", "is_runaway",
                 "clump_id")
KIN_COLUMNS = ("source_id", "x", "y", "z", "v_R", "v_R_err", "n_epochs")
MAP_COLUMNS = ("x_center", "y_center", "n_stars", "vR_mean", "sigma_R", "vR_mean_err",
               "vR_mean_err_sqrtn", "vR_mean_err_marg")
# the three errors of the mean v_R that the maps report (hotstars.maps)
ERRORS = {"marginal": "vR_mean_err_marg", "fisher": "vR_mean_err", "sqrtn": "vR_mean_err_sqrtn"}
FIT_ERRORS = {"marginal": "mu_err_marg", "fisher": "mu_err_fisher", "sqrtn": "mu_err_sqrtn"}
# N bins of the coverage check (inclusive; None: no upper end) and the nominal levels
N_BINS = ((6, 9), (10, 19), (20, 49), (50, None))
LEVELS = (0.68, 0.95)
N_TOP = 99  # ideal replicas of the open top bin draw N uniformly in [50, N_TOP]
# ideal replicas are fitted in slices of whole spaxels of about this many stars: the same
# numbers (grouped_mle fits each group on its own), but arrays of ~0.4 MB are reused by the
# allocator instead of page-faulting fresh memory for every temporary (~1 s of 5 at 300k stars)
FIT_SLICE_STARS = 50_000


class ValidationInputError(HotstarsError):
    """A table handed to the truth check lacks a column, has duplicate ids or does not match."""


def _require(df: pd.DataFrame, columns, what: str) -> None:
    require_columns(df, columns, what, ValidationInputError, unique="source_id")


def _with_truth(stars: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """``stars`` (kinematics rows) with the truth columns prefixed ``true_``, by source_id.

    ``true_vR_expected`` is the mock's exact expected v_R of the star: the injected field for
    field stars, its association's bulk v_R for clump members (:mod:`hotstars.mock`). Every
    star must have a truth row (the mock's truth covers all targets)."""
    _require(truth, TRUTH_COLUMNS, "truth")
    t = truth[list(TRUTH_COLUMNS)].rename(columns={c: f"true_{c}" for c in TRUTH_COLUMNS[1:]})
    df = stars.merge(t, on="source_id", how="left", validate="1:1", indicator=True)
    if (df["_merge"] != "both").any():
        ids = df.loc[df["_merge"] != "both", "source_id"].head(5).tolist()
        raise ValidationInputError(f"truth: no row for source_id {ids} of the kinematics table "
                                   "(is the truth from the same mock survey?)")
    for col in ("true_is_binary", "true_is_runaway"):
        df[col] = df[col].astype(bool)
    return df.drop(columns="_merge")


def map_stars(kinematics: pd.DataFrame, flags: pd.DataFrame, truth: pd.DataFrame,
              size_kpc: float, z_max_kpc: float | None = None) -> pd.DataFrame:
    """The stars of the maps with their truth and spaxel (ix, iy).

    Selection exactly as the maps (:func:`hotstars.maps.select_map_stars`: in the v_φ window,
    finite v_R and v_R_err > 0, |Z| < ``z_max_kpc`` if given) and spaxels from
    :func:`hotstars.maps.spaxel_index` on the *recovered* X, Y (kpc).
    """
    from hotstars import maps

    _require(kinematics, KIN_COLUMNS, "kinematics")
    stars = maps.select_map_stars(kinematics, flags, z_max_kpc)
    df = _with_truth(stars[list(KIN_COLUMNS)], truth)
    df["ix"], df["iy"] = maps.spaxel_index(df["x"].to_numpy(float), df["y"].to_numpy(float),
                                           size_kpc)
    return df


def truth_per_spaxel(kinematics: pd.DataFrame, flags: pd.DataFrame, truth: pd.DataFrame,
                     size_kpc: float, z_max_kpc: float | None = None) -> pd.DataFrame:
    """The true v̄_R of every spaxel holding ≥ 1 map star (:func:`map_stars`).

    One row per spaxel, sorted by (ix, iy): ix, iy, x_center, y_center (kpc), n_stars, and the
    means over the spaxel's stars (km/s) of: ``vR_true``, the injected field ``vR_field`` (the
    truth of the map); ``vR_expected``, the stars' expected v_R (clump members at their
    clump's bulk v_R); ``vR_sample``, their true v_R (field + random motions).
    """
    return spaxel_truth(map_stars(kinematics, flags, truth, size_kpc, z_max_kpc), size_kpc)


def spaxel_truth(stars: pd.DataFrame, size_kpc: float) -> pd.DataFrame:
    """:func:`truth_per_spaxel` from the stars of :func:`map_stars` (already selected)."""
    per = (stars.groupby(["ix", "iy"], sort=True)
           .agg(n_stars=("true_vR_field", "size"), vR_true=("true_vR_field", "mean"),
                vR_expected=("true_vR_expected", "mean"), vR_sample=("true_v_R", "mean"))
           .reset_index())
    per.insert(2, "x_center", (per["ix"] + 0.5) * size_kpc)
    per.insert(3, "y_center", (per["iy"] + 0.5) * size_kpc)
    return per


def match_map(vr_map: pd.DataFrame, truth_spaxels: pd.DataFrame, size_kpc: float,
              min_stars: int) -> pd.DataFrame:
    """The v̄_R map with the true values of its spaxels (columns of both tables, plus ix, iy).

    The map must hold exactly the truth's spaxels with n_stars ≥ ``min_stars`` and the same
    n_stars in each: otherwise the map was not built from the same stars (another window, |Z|
    cut or spaxel size) and the comparison would be meaningless, so this raises.
    """
    missing = [c for c in MAP_COLUMNS if c not in vr_map.columns]
    if missing:
        raise ValidationInputError(f"v_R map: missing column(s) {missing}")
    m = vr_map.copy()
    # Spaxel indices from the centres (i + 0.5) size; rounding absorbs float error.
    m["ix"] = np.rint(m["x_center"].to_numpy(float) / size_kpc - 0.5).astype(np.int64)
    m["iy"] = np.rint(m["y_center"].to_numpy(float) / size_kpc - 0.5).astype(np.int64)
    t = truth_spaxels[truth_spaxels["n_stars"] >= min_stars]
    both = m.merge(t.drop(columns=["x_center", "y_center"]), on=["ix", "iy"], how="outer",
                   suffixes=("", "_truth"), indicator=True)
    only_map = int((both["_merge"] == "left_only").sum())
    only_truth = int((both["_merge"] == "right_only").sum())
    differ = both["_merge"].eq("both") & (both["n_stars"] != both["n_stars_truth"])
    if only_map or only_truth or differ.any():
        raise ValidationInputError(
            f"v_R map and truth disagree on the spaxels ({size_kpc * 1000:g} pc, n >= {min_stars}):"
            f" {only_map} only in the map, {only_truth} only in the truth, {int(differ.sum())} "
            "with different n_stars; was the map built from these kinematics and flags with the "
            "same spaxel size, minimum count and |Z| cut?")
    return (both.drop(columns=["_merge", "n_stars_truth"]).sort_values(["ix", "iy"])
            .reset_index(drop=True))


def pull_stats(diff, err, weights=None) -> dict:
    """χ²/dof (dof = n, the truth is known), fractions of |diff/err| < 1 and < 2 and the median
    error, and with ``weights`` their weighted versions, over the entries with a finite error
    > 0 (the others, e.g. σ_R/√N = 0 when σ̂_R = 0, are counted in ``n_zero_error``)."""
    diff, err = np.asarray(diff, float), np.asarray(err, float)
    ok = np.isfinite(err) & (err > 0) & np.isfinite(diff)
    out = {"n": int(ok.sum()), "n_zero_error": int((~ok).sum())}
    if not ok.any():
        return out
    pull = diff[ok] / err[ok]
    out |= {"chi2_dof": float(np.mean(pull ** 2)),
            "frac_within_1sigma": float(np.mean(np.abs(pull) < 1)),
            "frac_within_2sigma": float(np.mean(np.abs(pull) < 2)),
            "median_error_kms": float(np.median(err[ok]))}
    if weights is not None:
        w = np.asarray(weights, float)[ok]
        out |= {"chi2_dof_weighted": float(np.average(pull ** 2, weights=w)),
                "frac_within_1sigma_weighted": float(np.average(np.abs(pull) < 1, weights=w)),
                "frac_within_2sigma_weighted": float(np.average(np.abs(pull) < 2, weights=w))}
    return out


def _bias(diff, n_stars) -> dict:
    return {"bias_mean_kms": float(np.mean(diff)), "bias_median_kms": float(np.median(diff)),
            "bias_mean_weighted_kms": float(np.average(diff, weights=n_stars)),
            "rms_diff_kms": float(np.sqrt(np.mean(diff ** 2)))}


def gaussian_reference(spaxel, err, sigma, n_rep: int = 20, seed: int = 0,
                       sigma_max: float = 300.0) -> dict:
    """χ²/dof and coverage that the Eq. 4 estimator itself gives on ideal data.

    ``spaxel``: the spaxel of each star as an integer 0..n−1; ``err``: the stars' v_R errors;
    ``sigma``: σ_R of each spaxel (length n); km/s. For each spaxel j, ``n_rep`` samples
    v_i ~ N(0, σ_j² + e_i²) are drawn (``numpy.random.default_rng(seed)``), refitted with
    :func:`hotstars.maps.grouped_mle` and their pulls μ̂/error pooled. With few stars the pulls
    are heavier-tailed than N(0, 1) because σ_R is estimated (a Student-t-like excess: χ²/dof
    ≈ N/(N − 3) for equal errors), so this, not 1, is what a correct pipeline should reach.
    """
    from hotstars import maps

    spaxel, err = np.asarray(spaxel, np.int64), np.asarray(err, float)
    sigma = np.asarray(sigma, float)
    rng = np.random.default_rng(seed)
    v = rng.normal(0.0, 1.0, (n_rep, err.size)) * np.sqrt(sigma[spaxel] ** 2 + err ** 2)
    group = spaxel + sigma.size * np.arange(n_rep)[:, None]  # spaxel j of replicate r
    fit = maps.grouped_mle(group.ravel(), v.ravel(), np.tile(err, n_rep), sigma_max)
    n_stars = fit["n_stars"].to_numpy(float)
    return {"n_rep": int(n_rep), "seed": int(seed),
            **{name: pull_stats(fit["mu"], fit[col], n_stars) for name, col in FIT_ERRORS.items()}}


def _bin_label(lo: int, hi: int | None) -> str:
    return f"{lo}-{hi}" if hi is not None else f">={lo}"


def _covered(mu, err, lo, hi, true, level: float):
    """Whether the truth lies in mu +- z err (z the two-sided normal quantile of ``level``) or,
    with ``lo``/``hi`` given instead (err None), in [lo, hi]; NaN/0 errors count as missed."""
    if err is not None:
        from scipy import special

        z = special.ndtri(0.5 + 0.5 * level)  # normal quantile; 68 %: 0.994, 95 %: 1.960
        err = np.asarray(err, float)
        with np.errstate(invalid="ignore"):
            return (np.abs(np.asarray(mu, float) - true) <= z * err) & (err > 0)
    return (np.asarray(lo, float) <= true) & (true <= np.asarray(hi, float))


def coverage_by_n(n_stars, mu, true, errors: Mapping[str, np.ndarray],
                  bounds: Mapping[str, Mapping[float, tuple]] | None = None,
                  bins=N_BINS) -> list[dict]:
    """Coverage of the mean's intervals per N bin: for each Gaussian error of ``errors``
    (mu +- z err, z = 0.994 / 1.960 for 68 / 95 %) and each interval of ``bounds``
    (name -> {level: (lo, hi)}), the fraction of spaxels whose ``true`` value is inside, per
    bin of ``bins`` (lo <= N <= hi). Velocities km/s. A zero error (sigma_R / sqrt(N) at
    sigma_R = 0) covers nothing: the interval is empty."""
    n = np.asarray(n_stars)
    true = np.asarray(true, float)
    out = []
    for lo, hi in bins:
        sel = (n >= lo) & (n <= (hi if hi is not None else np.inf))
        row = {"bin": _bin_label(lo, hi), "n_min": int(lo), "n_max": None if hi is None else
               int(hi), "n_spaxels": int(sel.sum())}
        if sel.any():
            for name, err in errors.items():
                row[name] = {f"coverage_{lev * 100:.0f}": float(np.mean(_covered(
                    np.asarray(mu)[sel], np.asarray(err, float)[sel], None, None, true[sel],
                    lev))) for lev in LEVELS}
            for name, by_level in (bounds or {}).items():
                row[name] = {f"coverage_{lev * 100:.0f}": float(np.mean(_covered(
                    None, None, np.asarray(a, float)[sel], np.asarray(b, float)[sel], true[sel],
                    lev))) for lev, (a, b) in by_level.items()}
        out.append(row)
    return out


def ideal_coverage_by_n(err_pool, sigma_pool, n_per_bin: int = 4000, seed: int = 0,
                        sigma_max: float = 300.0, bins=N_BINS) -> dict:
    """Coverage per N bin of every interval of the mean (Fisher, marginal, sigma_R/sqrt(N),
    HKSJ) and of sigma_R's Q-profile interval, on ideal Gaussian data.

    Per bin, ``n_per_bin`` spaxels with N uniform in the bin ([50, :data:`N_TOP`] for the
    open top bin), per-star errors drawn with replacement from ``err_pool`` (the survey's
    v_R_err, km/s) and sigma_R from ``sigma_pool`` (the map's sigma_R, km/s), and
    v_i ~ N(0, sigma_R^2 + e_i^2) (``numpy.random.default_rng(seed)``), fitted with
    :func:`hotstars.maps.grouped_mle` (``intervals=True``). Targets for a calibrated interval:
    0.68 and 0.95 in every bin (+- 0.03 / 0.02 of binomial noise at 4000 spaxels).
    """
    from hotstars import maps

    err_pool, sigma_pool = np.asarray(err_pool, float), np.asarray(sigma_pool, float)
    if err_pool.size == 0 or sigma_pool.size == 0:
        return {"n_per_bin": int(n_per_bin), "seed": int(seed), "per_bin": []}
    rng = np.random.default_rng(seed)
    rows = []
    for lo, hi in bins:
        n = rng.integers(lo, (hi if hi is not None else N_TOP) + 1, n_per_bin)
        sig = rng.choice(sigma_pool, n_per_bin)
        group = np.repeat(np.arange(n_per_bin), n)
        e = rng.choice(err_pool, group.size)
        v = rng.normal(0.0, 1.0, group.size) * np.sqrt(sig[group] ** 2 + e ** 2)
        per = max(1, FIT_SLICE_STARS * n_per_bin // group.size)  # spaxels per slice
        cuts = np.concatenate([[0], np.cumsum(n)])[np.r_[0:n_per_bin:per, n_per_bin]]
        fit = pd.concat([maps.grouped_mle(group[a:b], v[a:b], e[a:b], sigma_max, intervals=True)
                         for a, b in zip(cuts[:-1], cuts[1:]) if b > a])
        row = coverage_by_n(fit["n_stars"], fit["mu"], np.zeros(n_per_bin),
                            {k: fit[c] for k, c in FIT_ERRORS.items()},
                            {"hksj": {lev: (fit[f"mu_lo{lev * 100:.0f}"],
                                            fit[f"mu_hi{lev * 100:.0f}"]) for lev in LEVELS}},
                            bins=[(lo, hi)])[0]
        row["sigma_R_q_profile"] = {"coverage_68": float(np.mean(
            (fit["sigma_lo68"] <= sig) & (sig <= fit["sigma_hi68"])))}
        rows.append(row)
    return {"n_per_bin": int(n_per_bin), "seed": int(seed), "n_top": N_TOP, "per_bin": rows}


def mock_coverage_by_n(matched: pd.DataFrame, truth_column: str = "vR_expected") -> list[dict]:
    """:func:`coverage_by_n` of a matched map (:func:`match_map`) against ``truth_column``
    for the three errors of :data:`ERRORS` and, when the map has them, the HKSJ bounds."""
    bounds = None
    if all(f"vR_mean_{b}{lev}" in matched for b in ("lo", "hi") for lev in (68, 95)):
        bounds = {"hksj": {lev: (matched[f"vR_mean_lo{lev * 100:.0f}"],
                                 matched[f"vR_mean_hi{lev * 100:.0f}"]) for lev in LEVELS}}
    return coverage_by_n(matched["n_stars"], matched["vR_mean"], matched[truth_column],
                         {k: matched[c] for k, c in ERRORS.items()}, bounds)


def vr_map_recovery(vr_map: pd.DataFrame, kinematics: pd.DataFrame, flags: pd.DataFrame,
                    truth: pd.DataFrame, size_kpc: float, min_stars: int,
                    z_max_kpc: float | None = None, sigma_max: float = 300.0,
                    n_rep: int = 20, seed: int = 0, n_per_bin: int = 4000) -> dict:
    """Recovered v̄_R map (``vR_{size}pc`` product) against the mock's truth.

    The truth of a spaxel is the mean *expected* v_R of the stars in it (``vR_expected`` of
    :func:`truth_per_spaxel`): the injected field for field stars, their association's bulk
    motion for clump members — the mean motion the map measures. Returns n_spaxels, n_stars,
    the bias of (recovered − true) (mean, median, N-weighted mean, rms; km/s) and the pull
    statistics (:func:`pull_stats`, N-weighted too) with each error the maps report:
    ``marginal`` (posterior std marginalised over σ_R), ``fisher`` (σ_R fixed) and ``sqrtn``
    (the paper's σ_R/√N). Diagnostics: ``smooth_field``, the same against the smooth injected
    field alone (clumps, in about half the small mock's spaxels, move off it by ~σ_R: a large χ²
    there is physics, not a pipeline error), with ``frac_stars_in_clumps``; and
    ``gaussian_reference``, what the estimator gives on ideal Gaussian data with the map's N,
    errors and σ_R (:func:`gaussian_reference` with ``sigma_max``, ``n_rep``, ``seed``).
    ``coverage_by_n``: 68 / 95 % coverage per N bin of every interval of the mean (and of
    σ_R's) on ideal data drawn from the map's errors and σ_R (:func:`ideal_coverage_by_n`,
    ``n_per_bin`` spaxels per bin, ``seed``) and on the mock against the expected truth
    (:func:`mock_coverage_by_n`).
    """
    stars = map_stars(kinematics, flags, truth, size_kpc, z_max_kpc)
    m = match_map(vr_map, spaxel_truth(stars, size_kpc), size_kpc, min_stars)
    out = {"spaxel_pc": float(size_kpc * 1000), "min_stars": int(min_stars),
           "n_spaxels": int(len(m)), "n_stars": int(m["n_stars"].sum())}
    if len(m) == 0:
        return out
    n_stars = m["n_stars"].to_numpy(float)
    recovered = m["vR_mean"].to_numpy(float)

    def against(true):
        diff = recovered - np.asarray(true, float)
        return _bias(diff, n_stars) | {name: pull_stats(diff, m[col], n_stars)
                                       for name, col in ERRORS.items()}

    # the map's stars, each with the row of its spaxel in m
    in_map = stars.merge(m[["ix", "iy"]].reset_index(names="row"), on=["ix", "iy"])
    return out | against(m["vR_expected"]) | {
        "smooth_field": against(m["vR_true"]) | {
            "frac_stars_in_clumps": float(np.mean(in_map["true_clump_id"] >= 0))},
        "gaussian_reference": gaussian_reference(in_map["row"], in_map["v_R_err"], m["sigma_R"],
                                                 n_rep, seed, sigma_max),
        "coverage_by_n": {
            "levels": list(LEVELS),
            "ideal": ideal_coverage_by_n(in_map["v_R_err"], m["sigma_R"], n_per_bin, seed,
                                         sigma_max),
            "mock_expected_truth": mock_coverage_by_n(m)}}


def footprint_precision(x, y, field: pd.DataFrame, vr_map: pd.DataFrame, size_kpc: float,
                        err_max_kms: float = 5.0) -> dict:
    """Fraction of the footprint where each map's error of v̄_R is below ``err_max_kms``.

    Footprint: the ``size_kpc`` squares holding at least one map star (x, y in kpc; every star
    counts, not only those in spaxels of ≥ 6). Spaxel map: squares with a spaxel whose HKSJ
    error (vR_mean_err_hksj) is below the limit; continuous field: squares whose centre has a
    supported field value with vR_smooth_err below it."""
    from hotstars import maps, vrfield

    ix, iy = maps.spaxel_index(np.asarray(x, float), np.asarray(y, float), size_kpc)
    cells = pd.DataFrame({"ix": ix, "iy": iy}).drop_duplicates()
    n = len(cells)
    if n == 0:
        return {"n_footprint_cells": 0}
    mx = np.rint(vr_map["x_center"].to_numpy(float) / size_kpc - 0.5).astype(np.int64)
    my = np.rint(vr_map["y_center"].to_numpy(float) / size_kpc - 0.5).astype(np.int64)
    err_col = "vR_mean_err_hksj" if "vR_mean_err_hksj" in vr_map else "vR_mean_err_marg"
    good = pd.DataFrame({"ix": mx, "iy": my})[vr_map[err_col].to_numpy(float) < err_max_kms]
    n_map = len(cells.merge(good, on=["ix", "iy"]))
    at = vrfield.at_positions(field, (cells["ix"] + 0.5) * size_kpc, (cells["iy"] + 0.5) * size_kpc,
                              ("vR_smooth_err",))
    n_field = int(np.sum(at["vR_smooth_err"].to_numpy(float) < err_max_kms))
    return {"n_footprint_cells": int(n), "cell_kpc": float(size_kpc), "err_max_kms": err_max_kms,
            "frac_err_below_spaxel_map": n_map / n, "frac_err_below_field": n_field / n}


def _coverage(pull: np.ndarray) -> dict:
    from scipy import special

    pull = pull[np.isfinite(pull)]
    if pull.size == 0:
        return {"n": 0}
    return {"n": int(pull.size), "coverage_68": float(np.mean(np.abs(pull) < 1.0)),
            "coverage_95": float(np.mean(np.abs(pull) < special.ndtri(0.975)))}  # normal quantile


def vr_field_recovery(field: pd.DataFrame, field_meta: Mapping, vr_map: pd.DataFrame,
                      kinematics: pd.DataFrame, flags: pd.DataFrame, truth: pd.DataFrame,
                      size_kpc: float, min_stars: int, z_max_kpc: float | None = None) -> dict:
    """The continuous v̄_R field (:mod:`hotstars.vrfield`) against the smooth injected field.

    Truth of the field: what its estimator gives from the stars' noise-free injected field values
    ``vR_field`` (same stars, kernel, bandwidth and weights: :func:`hotstars.vrfield.smoothed_truth`)
    — association members' shared motions are error here, as for the spaxel map's
    ``smooth_field``. Returns ``pixels`` and ``stars`` (pulls at the supported pixels and at the
    map stars: RMS, 68 / 95 % coverage with the jackknife error and with the independent-star
    error), ``versus_spaxel_map``: on the spaxels of the map (n ≥ ``min_stars``) and their stars,
    the RMS of (map − true) and of (field − true), the field taken as the mean of its values at the
    spaxel's stars, the truth the mean injected field of those stars; and ``footprint``
    (:func:`footprint_precision`)."""
    from hotstars import vrfield

    settings = vrfield.FieldSettings(**{k.removeprefix("setting_"): (
        tuple(v) if isinstance(v, list) else v) for k, v in field_meta.items()
        if k.startswith("setting_")})
    stars = map_stars(kinematics, flags, truth, size_kpc, z_max_kpc)
    h, sigma = float(field_meta["bandwidth_kpc"]), float(field_meta["sigma_R_kms"])
    if len(stars) != int(field_meta["n_stars"]):
        raise ValidationInputError(f"v_R field: built from {field_meta['n_stars']} stars, the "
                                   f"kinematics give {len(stars)} map stars: not the same stars")
    ordered = field.sort_values(["x", "y"]).reset_index(drop=True)
    true_img = vrfield.smoothed_truth(stars["x"], stars["y"], stars["v_R_err"],
                                      stars["true_vR_field"], h, sigma, settings)
    if true_img.size != len(ordered):
        raise ValidationInputError(f"v_R field: {len(ordered)} pixels, its truth {true_img.size}: "
                                   "was the field built with these settings and stars?")
    ordered["truth"] = true_img
    sup = ordered["supported"].to_numpy(bool)
    diff = (ordered["vR_smooth"] - ordered["truth"]).to_numpy(float)

    def pulls(d, frame):
        return {"rms_kms": float(np.sqrt(np.nanmean(d**2))) if np.isfinite(d).any() else None,
                "jackknife": _coverage(d / frame["vR_smooth_err"].to_numpy(float)),
                "independent_stars": _coverage(d / frame["vR_smooth_err_model"].to_numpy(float))}

    at = vrfield.at_positions(ordered, stars["x"], stars["y"],
                              ("vR_smooth", "vR_smooth_err", "vR_smooth_err_model", "truth"))
    out = {"bandwidth_kpc": h, "sigma_R_kms": sigma, "n_stars": int(len(stars)),
           "n_pixels_supported": int(sup.sum()),
           "pixels": pulls(diff[sup], ordered[sup]),
           "stars": pulls((at["vR_smooth"] - at["truth"]).to_numpy(float), at) | {
               "n_with_field": int(np.isfinite(at["vR_smooth"]).sum())}}
    m = match_map(vr_map, spaxel_truth(stars, size_kpc), size_kpc, min_stars)
    if len(m):
        s = stars.assign(field=at["vR_smooth"].to_numpy(float)).merge(m[["ix", "iy"]],
                                                                      on=["ix", "iy"])
        per = s.groupby(["ix", "iy"])["field"].mean().rename("field").reset_index()
        both = m.merge(per, on=["ix", "iy"])
        ok = np.isfinite(both["field"].to_numpy(float))
        d_map = (both["vR_mean"] - both["vR_true"]).to_numpy(float)[ok]
        d_field = (both["field"] - both["vR_true"]).to_numpy(float)[ok]
        out["versus_spaxel_map"] = {
            "n_spaxels": int(ok.sum()), "n_stars": int(both["n_stars"].to_numpy()[ok].sum()),
            "rms_spaxel_map_kms": float(np.sqrt(np.mean(d_map**2))),
            "rms_field_kms": float(np.sqrt(np.mean(d_field**2)))}
    out["footprint"] = footprint_precision(stars["x"], stars["y"], ordered, vr_map, size_kpc)
    return out


def _residual_stats(resid: np.ndarray, err: np.ndarray) -> dict:
    """Median v_R_err against the scatter of (v_R − true v_R), km/s."""
    if resid.size == 0:
        return {"n": 0}
    return {"n": int(resid.size), "median_vR_err_kms": float(np.median(err)),
            "std_resid_kms": float(np.std(resid, ddof=1)) if resid.size > 1 else float("nan"),
            "robust_std_resid_kms": robust_std(resid)}


def _pull_summary(pull: np.ndarray) -> dict:
    if pull.size == 0:
        return {"n": 0}
    return {"n": int(pull.size), "median": float(np.median(pull)),
            "std": float(np.std(pull, ddof=1)) if pull.size > 1 else float("nan"),
            "robust_std": robust_std(pull),
            "frac_within_1sigma": float(np.mean(np.abs(pull) < 1)),
            "frac_within_2sigma": float(np.mean(np.abs(pull) < 2))}


def per_star_recovery(kinematics: pd.DataFrame, flags: pd.DataFrame,
                      truth: pd.DataFrame) -> dict:
    """Per-star v_R and its propagated error against the truth.

    Pulls (v_R − true v_R)/v_R_err of single (not ``is_binary``), non-runaway stars with finite
    v_R and v_R_err > 0: median, std, robust std (1.4826 MAD), fractions within 1σ and 2σ — for
    all of them (``pull_singles``) and for those in the v_φ window (``pull_singles_in_window``,
    the stars of the maps). A calibrated error gives median ≈ 0, std ≈ 1, 68 % / 95 %.
    ``errors_by_epochs``: the median v_R_err against the std and robust std of (v_R − true v_R),
    km/s, for n_epochs = 1 and ≥ 2, binaries excluded and included (runaways always excluded);
    the paper quotes median σ_vR ≈ 13 (1 epoch) and ≈ 8 km/s (N ≥ 2) (Sec. 3.1).
    """
    _require(kinematics, KIN_COLUMNS, "kinematics")
    _require(flags, ("source_id", "in_vphi_window"), "v_phi window flags")
    df = kinematics[list(KIN_COLUMNS)].merge(flags[["source_id", "in_vphi_window"]],
                                             on="source_id", how="left", validate="1:1")
    if df["in_vphi_window"].isna().any():
        ids = df.loc[df["in_vphi_window"].isna(), "source_id"].head(5).tolist()
        raise ValidationInputError(f"v_phi window flags: no row for source_id {ids}")
    df = _with_truth(df, truth)
    v, e = df["v_R"].to_numpy(float), df["v_R_err"].to_numpy(float)
    ok = np.isfinite(v) & np.isfinite(e) & (e > 0) & ~df["true_is_runaway"].to_numpy()
    binary = df["true_is_binary"].to_numpy()
    resid = v - df["true_v_R"].to_numpy(float)
    single = ok & ~binary
    window = df["in_vphi_window"].to_numpy(bool)
    n_ep = pd.to_numeric(df["n_epochs"], errors="coerce").to_numpy(float)
    by_epochs = {}
    for ep_name, ep in (("n_epochs_1", n_ep == 1), ("n_epochs_ge2", n_ep >= 2)):
        for who, sel in (("singles", single), ("all", ok)):
            s = sel & ep
            by_epochs[f"{ep_name}_{who}"] = _residual_stats(resid[s], e[s])
    return {"n_stars": int(len(df)), "n_finite": int(ok.sum()),
            "pull_singles": _pull_summary(resid[single] / e[single]),
            "pull_singles_in_window": _pull_summary(resid[single & window]
                                                    / e[single & window]),
            "errors_by_epochs": by_epochs}


def injection_recovery(vr_maps: Mapping[float, pd.DataFrame], kinematics: pd.DataFrame,
                       flags: pd.DataFrame, truth: pd.DataFrame, min_stars: int,
                       z_max_kpc: float | None = None, sigma_max: float = 300.0,
                       seed: int = 0, n_per_bin: int = 4000) -> dict:
    """The ``injection_recovery.json`` content: ``vR_map_<size>pc`` (:func:`vr_map_recovery`)
    per map of ``vr_maps`` (keyed by the spaxel size in kpc), ``per_star_vR``
    (:func:`per_star_recovery`) and ``notes``."""
    out = {f"vR_map_{size * 1000:g}pc": vr_map_recovery(m, kinematics, flags, truth, size,
                                                         min_stars, z_max_kpc, sigma_max,
                                                         seed=seed, n_per_bin=n_per_bin)
           for size, m in vr_maps.items()}
    out["per_star_vR"] = per_star_recovery(kinematics, flags, truth)
    out["notes"] = (
        "vR_map: recovered spaxel mean v_R minus the true value, the mean of the injected field "
        "vR_field over the spaxel's stars (the map's stars: v_phi window, finite v_R, v_R_err > 0,"
        " |Z| cut; spaxels from the recovered X, Y). chi2_dof = mean pull^2 (dof = number of "
        "spaxels, nothing fitted); 'fisher' uses vR_mean_err = [sum 1/(sigma_R^2 + e_i^2)]^-1/2, "
        "'sqrtn' the paper's sigma_R/sqrt(N) (spaxels with sigma_R = 0 left out, counted in "
        "n_zero_error); '_weighted' = weighted by N. expected_truth: the same against the stars' "
        "expected v_R (mock clump members at their clump's bulk v_R, field stars at vR_field). "
        "gaussian_reference: chi2_dof and coverage of the Eq. 4 estimator on ideal Gaussian data "
        "with the map's N, errors and sigma_R (above 1 for small N since sigma_R is estimated): "
        "the value a correct pipeline should reach. coverage_by_n: fraction of spaxels whose true "
        "mean lies in the 68 % / 95 % interval, per N bin (n_min <= N <= n_max), for mu +- z*err "
        "(z = 0.994 / 1.960) with each Gaussian error and for the HKSJ interval [vR_mean_lo, "
        "vR_mean_hi] (REML weights, Student t with n_eff - 1 dof, n_eff Kish's); 'ideal': Gaussian replicas with "
        "the map's per-star errors and sigma_R (n_per_bin spaxels per bin, N uniform in the bin),"
        " also for sigma_R's Q-profile 68 % interval; 'mock_expected_truth': the map against the "
        "expected truth. Calibrated: 0.68 and 0.95 in every bin. per_star_vR: pulls (v_R - true v_R)/v_R_err "
        "of single non-runaway stars; errors_by_epochs compares the median v_R_err with the "
        "scatter of the residuals. Velocities in km/s.")
    return out


# --- ages (Sec. 3.2) --------------------------------------------------------------------------

AGE_BINS_MYR = (0, 10, 30, 60, 100, 150, 300, 600, 1000)
AGES_COLUMNS = ("source_id", "logage_p16", "logage_p50", "logage_p84", "logage_err", "age_flag")
# the 95 % interval (p2.5, p97.5), used when the ages table has it
AGES_95_COLUMNS = ("logage_p2p5", "logage_p97p5")


def _age_stats(df: pd.DataFrame, wide: bool) -> dict:
    """Bias and coverage of recovered log-ages (dex) in ``df`` (rows with age_flag 0 count)."""
    ok = df["age_flag"].to_numpy() == 0
    out = {"n": int(ok.sum()), "n_flagged": int((~ok).sum())}
    if not ok.any():
        return out
    d = df.loc[ok]
    true = d["true_logage"].to_numpy(float)
    diff = d["logage_p50"].to_numpy(float) - true
    out |= {"bias_median_dex": float(np.median(diff)), "bias_mean_dex": float(np.mean(diff)),
            "abs_bias_median_dex": float(np.median(np.abs(diff))),
            "coverage_68": float(np.mean((d["logage_p16"] <= true) & (true <= d["logage_p84"]))),
            "logage_err_median_dex": float(np.median(d["logage_err"])),
            "true_logage_median_dex": float(np.median(true))}
    if wide:
        lo, hi = (d[c].to_numpy(float) for c in AGES_95_COLUMNS)
        out["coverage_95"] = float(np.mean((lo <= true) & (true <= hi)))
    return out


def _age_summary(df: pd.DataFrame, edges: np.ndarray, split_myr: float, wide: bool) -> dict:
    age = df["true_age_myr"].to_numpy(float)
    # bin k: edges[k] <= age < edges[k+1]; the last bin includes its upper edge (1 Gyr)
    k = np.searchsorted(edges, age, side="right") - 1
    k[age == edges[-1]] = edges.size - 2
    return {"overall": _age_stats(df, wide),
            f"younger_than_{split_myr:g}myr": _age_stats(df.loc[age <= split_myr], wide),
            f"older_than_{split_myr:g}myr": _age_stats(df.loc[age > split_myr], wide),
            "per_bin": [{"age_min_myr": float(lo), "age_max_myr": float(hi),
                         **_age_stats(df.loc[k == i], wide)}
                        for i, (lo, hi) in enumerate(zip(edges[:-1], edges[1:]))]}


def age_recovery(ages: pd.DataFrame, truth: pd.DataFrame,
                 bins_myr=AGE_BINS_MYR, split_myr: float = 30.0) -> dict:
    """Recovered ages (``ages.parquet``) against the mock's true ages.

    True log-age = log10(truth ``age_myr`` · 10^6 yr) (continuous in the mock). For the
    stars with age_flag 0: n, the median and mean bias of logage_p50 − true log-age, the median
    |bias|, the coverage of [p16, p84] (fraction of true log-ages inside; 0.68 if calibrated),
    of [p2.5, p97.5] (``coverage_95``, only if the ages table has :data:`AGES_95_COLUMNS`) and
    the median logage_err and the median true log-age (dex); ``n_flagged`` counts the stars
    with age_flag != 0. Given
    ``overall``, for true ages ≤ and > ``split_myr`` (Myr), and ``per_bin`` in true-age bins
    ``bins_myr`` (Myr; lo ≤ age < hi, the last bin closed); the same for ``single`` and
    ``binary`` stars (truth ``is_binary``). The uniform-in-age prior (Eq. 7) pulls the youngest
    stars older (docs/conventions.md, Ages): expect a positive bias and low coverage below ~30 Myr.
    """
    _require(ages, AGES_COLUMNS, "ages")
    _require(truth, ("source_id", "age_myr", "is_binary"), "truth")
    edges = np.asarray(bins_myr, float)
    if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
        raise ValidationInputError(f"age bins must be increasing edges in Myr, got {bins_myr}")
    wide = all(c in ages.columns for c in AGES_95_COLUMNS)
    cols = list(AGES_COLUMNS) + (list(AGES_95_COLUMNS) if wide else [])
    t = truth[["source_id", "age_myr", "is_binary"]].rename(
        columns={"age_myr": "true_age_myr", "is_binary": "true_is_binary"})
    df = ages[cols].merge(t, on="source_id", how="left", validate="1:1", indicator=True)
    if (df["_merge"] != "both").any():
        ids = df.loc[df["_merge"] != "both", "source_id"].head(5).tolist()
        raise ValidationInputError(f"truth: no row for source_id {ids} of the ages table "
                                   "(is the truth from the same mock survey?)")
    age = df["true_age_myr"].to_numpy(float)
    if not np.all(np.isfinite(age) & (age > 0)):
        raise ValidationInputError("truth: column 'age_myr' must be finite and > 0 Myr")
    df["true_logage"] = np.log10(age) + 6.0  # Myr -> log10(age / yr)
    binary = df["true_is_binary"].astype(bool).to_numpy()
    flag = df["age_flag"].to_numpy()
    return {"n_stars": int(len(df)), "n_age_ok": int(np.sum(flag == 0)),
            "n_flag_1": int(np.sum(flag == 1)), "n_flag_2": int(np.sum(flag == 2)),
            "bins_myr": edges.tolist(), "split_myr": float(split_myr),
            **_age_summary(df, edges, split_myr, wide),
            "single": _age_summary(df.loc[~binary], edges, split_myr, wide),
            "binary": _age_summary(df.loc[binary], edges, split_myr, wide),
            "notes": (
                "Recovered log-age (posterior median logage_p50) minus the true log-age of the "
                "mock star, in dex, for stars with age_flag 0 (n_flagged: the others). "
                "coverage_68: fraction of true log-ages inside [logage_p16, logage_p84] (0.68 "
                "for calibrated intervals); coverage_95 likewise for [p2.5, p97.5] when given. "
                "Bins in true age (Myr), lo <= age < hi. The uniform-in-age prior pushes the "
                "youngest stars older (positive bias below ~30 Myr).")}
