"""The truth check: recovered kinematics and v̄_R maps against the mock survey's truth table.

The built-in mock (:mod:`hotstars.mock`) writes, per star, the true Galactocentric velocities and
``vR_field``, the injected mean v_R field at the star (km/s). Here
- :func:`truth_per_spaxel` gives the true v̄_R of each spaxel: the mean of ``vR_field`` over the
  stars that went into that spaxel, selected exactly as the maps select them (PAPER.md, Maps:
  ``in_vphi_window``, finite v_R and v_R_err, optional |Z| cut; spaxels from
  :func:`hotstars.maps.spaxel_index` on the *recovered* X, Y);
- :func:`vr_map_recovery` compares a v̄_R map (``results/maps/vR_{size}pc.parquet``) with it:
  bias and the pulls (recovered − true)/error with both the Fisher error and the paper's σ_R/√N;
- :func:`per_star_recovery` checks the per-star v_R and its propagated error.

Pull statistics: χ²/dof = Σ pull² / n (the truth is known, no parameter is fitted, so dof = n);
"weighted" versions weight each spaxel by its number of stars N. Velocities in km/s, X, Y in kpc.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from hotstars.maps import spaxel_index

TRUTH_COLUMNS = ("source_id", "v_R", "vR_field", "is_binary", "is_runaway")
KIN_COLUMNS = ("source_id", "x", "y", "z", "v_R", "v_R_err", "n_epochs")
MAP_COLUMNS = ("x_center", "y_center", "n_stars", "vR_mean", "vR_mean_err", "vR_mean_err_sqrtn")

# Normal-distribution scale of the median absolute deviation: σ = 1.4826 MAD (Rousseeuw &
# Croux 1993).
MAD_TO_SIGMA = 1.482602218505602


class ValidationInputError(ValueError):
    """A table handed to the truth check lacks a column, has duplicate ids or does not match."""


def _require(df: pd.DataFrame, columns, what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValidationInputError(f"{what}: missing column(s) {missing}; has {list(df.columns)}")
    dup = df["source_id"].duplicated() if "source_id" in df.columns else None
    if dup is not None and dup.any():
        rows = np.flatnonzero(dup.to_numpy())[:5].tolist()
        raise ValidationInputError(f"{what}: duplicate source_id at rows {rows}")


def _joined(kinematics: pd.DataFrame, flags: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Kinematics + ``in_vphi_window`` + the truth columns (prefixed ``true_``), by source_id.

    Every kinematics row must have a flag and a truth row (the mock's truth covers all targets).
    """
    _require(kinematics, KIN_COLUMNS, "kinematics")
    _require(flags, ("source_id", "in_vphi_window"), "v_phi window flags")
    _require(truth, TRUTH_COLUMNS, "truth")
    df = kinematics[list(KIN_COLUMNS)].merge(flags[["source_id", "in_vphi_window"]],
                                             on="source_id", how="left", validate="1:1")
    if df["in_vphi_window"].isna().any():
        ids = df.loc[df["in_vphi_window"].isna(), "source_id"].head(5).tolist()
        raise ValidationInputError(f"v_phi window flags: no row for source_id {ids} of the "
                                   "kinematics table")
    t = truth[list(TRUTH_COLUMNS)].rename(columns={c: f"true_{c}" for c in TRUTH_COLUMNS[1:]})
    df = df.merge(t, on="source_id", how="left", validate="1:1", indicator=True)
    if (df["_merge"] != "both").any():
        ids = df.loc[df["_merge"] != "both", "source_id"].head(5).tolist()
        raise ValidationInputError(f"truth: no row for source_id {ids} of the kinematics table "
                                   "(is the truth from the same mock survey?)")
    df["in_vphi_window"] = df["in_vphi_window"].astype(bool)
    for col in ("true_is_binary", "true_is_runaway"):
        df[col] = df[col].astype(bool)
    return df.drop(columns="_merge")


def map_selection(df: pd.DataFrame, z_max_kpc: float | None = None) -> np.ndarray:
    """The stars that go into the maps (PAPER.md, Maps): in the v_φ window, finite v_R and
    v_R_err, and |Z| ≤ ``z_max_kpc`` if given (kpc; None: no cut)."""
    keep = (df["in_vphi_window"].to_numpy(bool) & np.isfinite(df["v_R"].to_numpy(float))
            & np.isfinite(df["v_R_err"].to_numpy(float)))
    if z_max_kpc is not None:
        keep &= np.abs(df["z"].to_numpy(float)) <= float(z_max_kpc)
    return keep


def truth_per_spaxel(kinematics: pd.DataFrame, flags: pd.DataFrame, truth: pd.DataFrame,
                     size_kpc: float, z_max_kpc: float | None = None) -> pd.DataFrame:
    """The true v̄_R of every spaxel holding ≥ 1 selected star.

    Stars are selected as for the maps (:func:`map_selection`) and put in spaxels by their
    recovered (x, y) with :func:`hotstars.maps.spaxel_index` (edges at multiples of ``size_kpc``).
    Returns one row per spaxel: ix, iy, x_center, y_center (kpc), n_stars, vR_true (mean of the
    truth's ``vR_field`` over the spaxel's stars: the injected field, km/s), vR_sample (mean of
    the stars' true v_R: the field plus their random motions, km/s).
    """
    if not (np.isfinite(size_kpc) and size_kpc > 0):
        raise ValidationInputError(f"size_kpc must be finite and > 0, got {size_kpc!r}")
    df = _joined(kinematics, flags, truth)
    df = df[map_selection(df, z_max_kpc)]
    ix, iy = spaxel_index(df["x"].to_numpy(float), df["y"].to_numpy(float), size_kpc)
    per = (pd.DataFrame({"ix": ix, "iy": iy, "vR_true": df["true_vR_field"].to_numpy(float),
                         "vR_sample": df["true_v_R"].to_numpy(float)})
           .groupby(["ix", "iy"], sort=True)
           .agg(n_stars=("vR_true", "size"), vR_true=("vR_true", "mean"),
                vR_sample=("vR_sample", "mean"))
           .reset_index())
    per.insert(2, "x_center", (per["ix"] + 0.5) * size_kpc)
    per.insert(3, "y_center", (per["iy"] + 0.5) * size_kpc)
    return per


def match_map(vr_map: pd.DataFrame, truth_spaxels: pd.DataFrame, size_kpc: float,
              min_stars: int) -> pd.DataFrame:
    """The v̄_R map with the true values of its spaxels (columns of both tables).

    The map must hold exactly the truth's spaxels with n_stars ≥ ``min_stars`` and the same
    n_stars in each: otherwise the map was not built from the same stars (another window, |Z|
    cut or spaxel size) and the comparison would be meaningless, so this raises.
    """
    _require(vr_map, MAP_COLUMNS, "v_R map")
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
    return both.drop(columns=["_merge", "n_stars_truth"]).reset_index(drop=True)


def pull_stats(diff, err, weights=None) -> dict:
    """χ²/dof (dof = n, the truth is known), fractions of |diff/err| < 1 and < 2, and their
    ``weights``-weighted versions, over the entries with a finite error > 0 (the others, e.g.
    σ_R/√N = 0 when σ̂_R = 0, are counted in ``n_zero_error``)."""
    diff, err = np.asarray(diff, float), np.asarray(err, float)
    w = np.ones_like(diff) if weights is None else np.asarray(weights, float)
    ok = np.isfinite(err) & (err > 0) & np.isfinite(diff)
    pull = diff[ok] / err[ok]
    w = w[ok]
    out = {"n": int(ok.sum()), "n_zero_error": int((~ok).sum())}
    if not ok.any():
        return out
    out |= {"chi2_dof": float(np.mean(pull ** 2)),
            "frac_within_1sigma": float(np.mean(np.abs(pull) < 1)),
            "frac_within_2sigma": float(np.mean(np.abs(pull) < 2)),
            "median_error_kms": float(np.median(err[ok]))}
    if weights is not None:
        out |= {"chi2_dof_weighted": float(np.average(pull ** 2, weights=w)),
                "frac_within_1sigma_weighted": float(np.average(np.abs(pull) < 1, weights=w)),
                "frac_within_2sigma_weighted": float(np.average(np.abs(pull) < 2, weights=w))}
    return out


def vr_map_recovery(vr_map: pd.DataFrame, kinematics: pd.DataFrame, flags: pd.DataFrame,
                    truth: pd.DataFrame, size_kpc: float, min_stars: int,
                    z_max_kpc: float | None = None) -> dict:
    """Recovered v̄_R map (``vR_{size}pc`` product) against the injected field.

    True value per spaxel: :func:`truth_per_spaxel` (mean ``vR_field`` of its stars). Returns
    n_spaxels, n_stars, the bias of (recovered − true) in km/s (mean, median, N-weighted mean,
    rms), and the pull statistics (:func:`pull_stats`, N-weighted too) with the Fisher error
    ``vR_mean_err`` (keys ``fisher``) and the paper's σ_R/√N ``vR_mean_err_sqrtn`` (``sqrtn``).
    ``sample_truth``: the bias against the mean true v_R of the spaxel's stars instead, which
    leaves out the finite-sample scatter of the stars' random motions (a diagnostic).
    """
    m = match_map(vr_map, truth_per_spaxel(kinematics, flags, truth, size_kpc, z_max_kpc),
                  size_kpc, min_stars)
    n_stars = m["n_stars"].to_numpy(float)
    diff = m["vR_mean"].to_numpy(float) - m["vR_true"].to_numpy(float)
    out = {"spaxel_pc": float(size_kpc * 1000), "min_stars": int(min_stars),
           "n_spaxels": int(len(m)), "n_stars": int(n_stars.sum())}
    if len(m) == 0:
        return out
    sample_diff = m["vR_mean"].to_numpy(float) - m["vR_sample"].to_numpy(float)
    out |= {"bias_mean_kms": float(np.mean(diff)), "bias_median_kms": float(np.median(diff)),
            "bias_mean_weighted_kms": float(np.average(diff, weights=n_stars)),
            "rms_diff_kms": float(np.sqrt(np.mean(diff ** 2))),
            "fisher": pull_stats(diff, m["vR_mean_err"], n_stars),
            "sqrtn": pull_stats(diff, m["vR_mean_err_sqrtn"], n_stars),
            "sample_truth": {"bias_mean_kms": float(np.mean(sample_diff)),
                             "rms_diff_kms": float(np.sqrt(np.mean(sample_diff ** 2)))}}
    return out


def _robust_std(x: np.ndarray) -> float:
    return float(MAD_TO_SIGMA * np.median(np.abs(x - np.median(x))))


def _residual_stats(resid: np.ndarray, err: np.ndarray) -> dict:
    """Median v_R_err against the scatter of (v_R − true v_R), km/s."""
    if resid.size == 0:
        return {"n": 0}
    return {"n": int(resid.size), "median_vR_err_kms": float(np.median(err)),
            "std_resid_kms": float(np.std(resid, ddof=1)) if resid.size > 1 else float("nan"),
            "robust_std_resid_kms": _robust_std(resid)}


def _pull_summary(pull: np.ndarray) -> dict:
    if pull.size == 0:
        return {"n": 0}
    return {"n": int(pull.size), "median": float(np.median(pull)),
            "std": float(np.std(pull, ddof=1)) if pull.size > 1 else float("nan"),
            "robust_std": _robust_std(pull),
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
    the paper quotes median σ_vR ≈ 13 (1 epoch) and ≈ 8 km/s (N ≥ 2) (PAPER.md, Kinematics).
    """
    df = _joined(kinematics, flags, truth)
    v, e = df["v_R"].to_numpy(float), df["v_R_err"].to_numpy(float)
    ok = np.isfinite(v) & np.isfinite(e) & (e > 0) & ~df["true_is_runaway"].to_numpy()
    binary = df["true_is_binary"].to_numpy()
    resid = v - df["true_v_R"].to_numpy(float)
    single = ok & ~binary
    window = df["in_vphi_window"].to_numpy()
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
                       z_max_kpc: float | None = None) -> dict:
    """The ``injection_recovery.json`` content: ``vR_map_<size>pc`` per map (keyed by the spaxel
    size in kpc), ``per_star_vR`` and ``notes``."""
    out = {f"vR_map_{size * 1000:g}pc": vr_map_recovery(m, kinematics, flags, truth, size,
                                                         min_stars, z_max_kpc)
           for size, m in vr_maps.items()}
    out["per_star_vR"] = per_star_recovery(kinematics, flags, truth)
    out["notes"] = (
        "vR_map: recovered spaxel mean v_R minus the true value, the mean of the injected field "
        "vR_field over the spaxel's stars (same selection as the map: v_phi window, finite v_R "
        "and v_R_err; spaxels from the recovered X, Y). chi2_dof = mean pull^2 (dof = number of "
        "spaxels, nothing fitted); 'fisher' uses vR_mean_err = [sum 1/(sigma_R^2 + e_i^2)]^-1/2, "
        "'sqrtn' the paper's sigma_R/sqrt(N); '_weighted' = weighted by N. per_star_vR: pulls "
        "(v_R - true v_R)/v_R_err of single non-runaway stars; errors_by_epochs compares the "
        "median v_R_err with the scatter of the residuals. Velocities in km/s.")
    return out
