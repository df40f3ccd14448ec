"""Comparisons with Gaia DR3 (Zari et al. 2025, Sec. 2.2-2.3) and the binary simulation (App. C).

- **Gaia RVs** (Fig. 5): Gaia DR3 ``radial_velocity`` corrected with Eq. 3 (Blomme et al. 2023)
  inside its validity window, compared with our averaged v_los (results/<run>/rv/vlos.parquet).
  Outside the window the published value is kept uncorrected (default) or the star is left out
  (``outside_window="exclude"``); a missing grvs_mag or rv_template_teff counts as outside.
- **BOSS Net vs ESP-HS** (Fig. 3): star-level BOSS Net Teff and log g against Gaia DR3
  teff_esphs/logg_esphs. The inputs carry no ESP-HS uncertainties, so the comparison uses an
  *assumed* ESP-HS error (a fraction of Teff, a constant in log g; config keys) combined in
  quadrature with the BOSS Net errors; the fraction with BOSS Net errors alone is reported too.
- **Binary simulation** (App. C; docs/conventions.md, Appendix C): every HSS star is re-observed
  at its real MJDs with its real per-epoch velocity errors, half of them as binaries (Sana et al.
  2012 orbits from :mod:`hotstars.binaries`), and averaged exactly as the pipeline does
  (:func:`hotstars.rv.average_epochs`); the average is compared to the systemic velocity.

Velocities in km/s, Teff in K, log g in dex (cgs). "delta" is always ours − reference
(v_los − Gaia; ESP-HS − BOSS Net for the stellar parameters, the paper's sense of Fig. 3),
"pull" = delta / combined error.
"""

from __future__ import annotations

import logging
from typing import Sequence

import numpy as np
import pandas as pd

from hotstars import binaries, rv
from hotstars.errors import HotstarsError, require_columns
from hotstars.stats import agreement_fraction, robust_std

log = logging.getLogger(__name__)

# Eq. 3 validity window (Blomme et al. 2023; docs/conventions.md, Comparisons), inclusive.
EQ3_TEFF_RANGE_K = (8500.0, 14500.0)
EQ3_GRVS_RANGE = (6.0, 12.0)
OUTSIDE_WINDOW_CHOICES = ("keep", "exclude")

# Assumed ESP-HS uncertainties (not in the inputs; see module docstring).
ESPHS_TEFF_ERR_FRAC = 0.05
ESPHS_LOGG_ERR_DEX = 0.15

# Eker et al. (2018, MNRAS 479, 5491) main-sequence mass-Teff relation, valid 1.5 < M/Msun <= 31:
# log Teff = a (log M)^2 + b log M + c.
EKER_MTR = (-0.170, 0.888, 3.671)
EKER_MASS_RANGE = (1.5, 31.0)

# The numbers the paper quotes (Zari et al. 2025): key -> (value, description).
PAPER_VALUES: dict[str, tuple[float, str]] = {
    "gaia_rv.n_common": (5959, "HSS stars with a Gaia DR3 RV (Sec. 2.3)"),
    "gaia_rv.fraction_within_1sigma": (0.50, "v_los vs Gaia (Eq. 3) within 1 sigma (Sec. 2.3)"),
    "gaia_rv.fraction_within_2sigma": (0.75, "v_los vs Gaia (Eq. 3) within 2 sigma (Sec. 2.3)"),
    "esphs.fraction_teff_within_2sigma": (0.70, "Teff, BOSS Net vs ESP-HS, within 2σ (Sec. 2.2)"),
    "esphs.fraction_logg_within_2sigma": (0.80, "log g, BOSS Net vs ESP-HS, within 2σ (Sec. 2.2)"),
    "binaries.halfwidth_single_1epoch_kms": (10.0, "16-84 half-width, singles, 1 epoch (App. C)"),
    "binaries.halfwidth_binary_1epoch_kms": (27.0, "16-84 half-width, binaries, 1 epoch (App. C)"),
    "binaries.halfwidth_binary_2epoch_kms": (18.0, "16-84 half-width, binaries, 2 epochs (App. C)"),
}

GAIA_RV_UNITS = {c: "km / s" for c in ("vlos", "vlos_err", "radial_velocity",
                                       "radial_velocity_error", "vlos_gaia", "delta_v",
                                       "sigma_comb")} | {"grvs_mag": "mag", "rv_template_teff": "K"}
ESPHS_UNITS = {"teff": "K", "e_teff": "K", "teff_esphs": "K", "e_teff_esphs": "K",
               "delta_teff": "K", "logg": "dex", "e_logg": "dex", "logg_esphs": "dex",
               "e_logg_esphs": "dex", "delta_logg": "dex"}
BINARY_UNITS = {"m1_msun": "solMass", "m2_msun": "solMass", "period_d": "d", "k1_kms": "km / s",
                "delta_v": "km / s", "delta_v_err": "km / s", "sigma_true": "km / s"}

# Epoch-count groups of the binary simulation: label -> (min, max) number of epochs, inclusive.
EPOCH_GROUPS = {"all": (1, np.inf), "1epoch": (1, 1), "2epoch": (2, 2),
                "3plus_epoch": (3, np.inf), "2plus_epoch": (2, np.inf)}


class ComparisonInputError(HotstarsError):
    """A table handed to a comparison lacks a column, repeats an id or holds bad values."""


def _require(df: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    require_columns(df, columns, name, ComparisonInputError)


def _unique_ids(df: pd.DataFrame, name: str) -> None:
    dup = df["source_id"].duplicated(keep=False).to_numpy()
    if dup.any():
        raise ComparisonInputError(f"{name}: column 'source_id' must be unique; repeated at rows "
                                   f"{np.flatnonzero(dup)[:5].tolist()}")


def _positive_where(df: pd.DataFrame, column: str, where: np.ndarray, name: str,
                    what: str) -> None:
    """Raise unless ``column`` is finite and > 0 on the rows ``where``."""
    x = df[column].to_numpy(float)
    with np.errstate(invalid="ignore"):
        bad = where & ~(np.isfinite(x) & (x > 0))
    if bad.any():
        raise ComparisonInputError(f"{name}: column {column!r} must be finite and > 0 {what}; "
                                   f"bad rows {np.flatnonzero(bad)[:5].tolist()}")


# --- Gaia DR3 radial velocities (Fig. 5) ----------------------------------------------------

def blomme_correction(radial_velocity, grvs_mag, rv_template_teff,
                      teff_range_k: Sequence[float] = EQ3_TEFF_RANGE_K,
                      grvs_range: Sequence[float] = EQ3_GRVS_RANGE):
    """Gaia DR3 hot-star RVs corrected with paper Eq. 3 (Blomme et al. 2023) [km/s].

    v = radial_velocity − 7.98 + 1.135 grvs_mag where teff_range_k[0] ≤ rv_template_teff ≤
    teff_range_k[1] and grvs_range[0] ≤ grvs_mag ≤ grvs_range[1] (bounds inclusive); elsewhere
    (including a NaN grvs_mag or template Teff) the published value unchanged. Returns
    (v_corrected, in_window) arrays.
    """
    v, g, t = (np.asarray(a, float) for a in (radial_velocity, grvs_mag, rv_template_teff))
    with np.errstate(invalid="ignore"):
        in_window = ((t >= teff_range_k[0]) & (t <= teff_range_k[1])
                     & (g >= grvs_range[0]) & (g <= grvs_range[1]))
    return np.where(in_window, v - 7.98 + 1.135 * g, v), in_window  # Eq. 3


GAIA_HSS_COLUMNS = ["source_id", "radial_velocity", "radial_velocity_error", "grvs_mag",
                    "rv_template_teff"]
VLOS_COLUMNS = ["source_id", "vlos", "vlos_err", "n_epochs"]


def compare_gaia_rv(hss: pd.DataFrame, vlos: pd.DataFrame,
                    teff_range_k: Sequence[float] = EQ3_TEFF_RANGE_K,
                    grvs_range: Sequence[float] = EQ3_GRVS_RANGE, outside_window: str = "keep",
                    hss_name: str = "hss", vlos_name: str = "vlos") -> pd.DataFrame:
    """Our averaged v_los against Gaia DR3 RVs (Eq. 3) for the HSS stars that have both.

    ``hss``: source_id, radial_velocity, radial_velocity_error, grvs_mag, rv_template_teff;
    ``vlos``: source_id, vlos, vlos_err, n_epochs. ``outside_window``: "keep" (uncorrected Gaia
    value) or "exclude" (drop the star) for stars outside the Eq. 3 window. One row per star:
    source_id, vlos, vlos_err, n_epochs, the four Gaia columns, in_eq3_window, vlos_gaia (Eq. 3),
    delta_v = vlos − vlos_gaia, sigma_comb = √(vlos_err² + radial_velocity_error²), pull.
    """
    if outside_window not in OUTSIDE_WINDOW_CHOICES:
        raise ValueError(f"outside_window must be one of {OUTSIDE_WINDOW_CHOICES}, "
                         f"got {outside_window!r}")
    _require(hss, GAIA_HSS_COLUMNS, hss_name)
    _require(vlos, VLOS_COLUMNS, vlos_name)
    _unique_ids(hss, hss_name)
    _unique_ids(vlos, vlos_name)
    has_rv = np.isfinite(hss["radial_velocity"].to_numpy(float))
    _positive_where(hss, "radial_velocity_error", has_rv, hss_name, "where radial_velocity is set")
    df = hss.loc[has_rv, GAIA_HSS_COLUMNS].merge(vlos[VLOS_COLUMNS], on="source_id", how="inner")
    df = df.loc[np.isfinite(df["vlos"].to_numpy(float))]
    _positive_where(df, "vlos_err", np.ones(len(df), bool), vlos_name, "where vlos is set")
    v_gaia, in_window = blomme_correction(df["radial_velocity"], df["grvs_mag"],
                                          df["rv_template_teff"], teff_range_k, grvs_range)
    df = df.assign(in_eq3_window=in_window, vlos_gaia=v_gaia)
    if outside_window == "exclude":
        df = df.loc[df["in_eq3_window"]]
    df["delta_v"] = df["vlos"] - df["vlos_gaia"]
    df["sigma_comb"] = np.hypot(df["vlos_err"], df["radial_velocity_error"])
    df["pull"] = df["delta_v"] / df["sigma_comb"]
    cols = VLOS_COLUMNS + GAIA_HSS_COLUMNS[1:] + ["in_eq3_window", "vlos_gaia", "delta_v",
                                                  "sigma_comb", "pull"]
    return df[cols].sort_values("source_id").reset_index(drop=True)


def gaia_rv_numbers(comparison: pd.DataFrame) -> dict[str, float]:
    """Fig. 5 numbers from :func:`compare_gaia_rv`'s table (keys as in :data:`PAPER_VALUES`).

    N in common (and inside the Eq. 3 window), fractions with |delta_v| ≤ 1σ and 2σ of the
    combined error (all, single-epoch, multi-epoch stars), median and robust σ of delta_v [km/s].
    """
    _require(comparison, ["delta_v", "pull", "n_epochs", "in_eq3_window"], "gaia_rv comparison")
    pull, n_ep = comparison["pull"].to_numpy(float), comparison["n_epochs"].to_numpy()
    dv = comparison["delta_v"].to_numpy(float)
    out = {"gaia_rv.n_common": int(len(comparison)),
           "gaia_rv.n_in_eq3_window": int(comparison["in_eq3_window"].sum()),
           "gaia_rv.median_delta_kms": float(np.median(dv)) if dv.size else float("nan"),
           "gaia_rv.robust_std_delta_kms": robust_std(dv)}
    for k in (1, 2):
        out[f"gaia_rv.fraction_within_{k}sigma"] = agreement_fraction(pull, k)
        out[f"gaia_rv.fraction_within_{k}sigma_1epoch"] = agreement_fraction(pull[n_ep == 1], k)
        out[f"gaia_rv.fraction_within_{k}sigma_2plus_epoch"] = agreement_fraction(
            pull[n_ep >= 2], k)
    return out


# --- BOSS Net vs Gaia ESP-HS (Fig. 3) -------------------------------------------------------

ESPHS_HSS_COLUMNS = ["source_id", "teff", "e_teff", "logg", "e_logg", "teff_esphs", "logg_esphs"]


def compare_esphs(hss: pd.DataFrame, teff_err_frac: float = ESPHS_TEFF_ERR_FRAC,
                  logg_err_dex: float = ESPHS_LOGG_ERR_DEX, hss_name: str = "hss") -> pd.DataFrame:
    """Star-level BOSS Net Teff/log g against Gaia DR3 ESP-HS, for HSS stars with ESP-HS values.

    The ESP-HS errors are assumed (module docstring): e_teff_esphs = teff_err_frac × teff_esphs,
    e_logg_esphs = logg_err_dex. One row per star with a finite teff_esphs or logg_esphs:
    source_id, teff, e_teff, teff_esphs, e_teff_esphs, delta_teff (ESP-HS − BOSS Net),
    pull_teff (delta / √(e_teff² + e_teff_esphs²)), and the same for logg.
    """
    if not (teff_err_frac >= 0 and logg_err_dex >= 0):
        raise ValueError("compare_esphs: the assumed ESP-HS errors must be >= 0, got "
                         f"{teff_err_frac!r}, {logg_err_dex!r}")
    _require(hss, ESPHS_HSS_COLUMNS, hss_name)
    _unique_ids(hss, hss_name)
    has = (np.isfinite(hss["teff_esphs"].to_numpy(float))
           | np.isfinite(hss["logg_esphs"].to_numpy(float)))
    df = hss.loc[has, ESPHS_HSS_COLUMNS].copy()
    for par in ("teff", "logg"):
        _positive_where(df, f"e_{par}", np.isfinite(df[par].to_numpy(float)), hss_name,
                        f"where {par} is set")
    df["e_teff_esphs"] = teff_err_frac * df["teff_esphs"]
    df["e_logg_esphs"] = np.where(np.isfinite(df["logg_esphs"]), logg_err_dex, np.nan)
    out = {"source_id": df["source_id"]}
    for par in ("teff", "logg"):
        delta = df[f"{par}_esphs"] - df[par]
        out |= {par: df[par], f"e_{par}": df[f"e_{par}"], f"{par}_esphs": df[f"{par}_esphs"],
                f"e_{par}_esphs": df[f"e_{par}_esphs"], f"delta_{par}": delta,
                f"pull_{par}": delta / np.hypot(df[f"e_{par}"], df[f"e_{par}_esphs"])}
    return pd.DataFrame(out).sort_values("source_id").reset_index(drop=True)


def esphs_numbers(comparison: pd.DataFrame) -> dict[str, float]:
    """Fig. 3 numbers from :func:`compare_esphs`'s table: per parameter, N, the fraction within
    2σ (combined errors; and with the BOSS Net errors alone), the median and robust σ of delta."""
    _require(comparison, [f"{k}_{p}" for p in ("teff", "logg") for k in ("delta", "pull")]
             + ["e_teff", "e_logg"], "esphs comparison")
    out: dict[str, float] = {}
    for par, unit in (("teff", "k"), ("logg", "dex")):
        delta = comparison[f"delta_{par}"].to_numpy(float)
        ok = np.isfinite(delta)
        out[f"esphs.n_{par}"] = int(ok.sum())
        out[f"esphs.fraction_{par}_within_2sigma"] = agreement_fraction(
            comparison[f"pull_{par}"], 2)
        out[f"esphs.fraction_{par}_within_2sigma_bossnet_errors"] = agreement_fraction(
            delta / comparison[f"e_{par}"].to_numpy(float), 2)
        out[f"esphs.median_delta_{par}_{unit}"] = (float(np.median(delta[ok])) if ok.any()
                                                   else float("nan"))
        out[f"esphs.robust_std_delta_{par}_{unit}"] = robust_std(delta)
    return out


# --- Binary simulation (App. C) -------------------------------------------------------------

def primary_mass_from_teff(teff_k) -> np.ndarray:
    """Main-sequence mass [Msun] for Teff [K]: the Eker et al. (2018) mass-Teff relation inverted.

    log Teff = −0.170 (log M)² + 0.888 log M + 3.671 (1.5 < M ≤ 31 Msun), solved on its rising
    branch; masses outside the calibrated range are clipped to [1.5, 31] Msun (so Teff above
    ~41 kK gets 31 Msun). NaN Teff gives NaN.
    """
    a, b, c = EKER_MTR
    log_t = np.log10(np.asarray(teff_k, float))
    disc = np.maximum(b * b - 4 * a * (c - log_t), 0.0)  # < 0 only above the vertex (~67 kK)
    log_m = (-b + np.sqrt(disc)) / (2 * a)
    return np.clip(10 ** log_m, *EKER_MASS_RANGE)


def epoch_errors(hss_spectra: pd.DataFrame, rxc_min: float = 6.0,
                 name: str = "hss_spectra") -> pd.DataFrame:
    """The real epochs of the HSS: source_id, mjd, e (the per-spectrum velocity error the
    pipeline uses, :func:`hotstars.rv.choose_velocity`; NaN for unusable spectra), source."""
    _require(hss_spectra, ["source_id", "mjd", "xcsao_rv", "xcsao_erv", "xcsao_rxc", "bn_v_r",
                           "e_bn_v_r"], name)
    mjd = hss_spectra["mjd"].to_numpy(float)
    if not np.isfinite(mjd).all():
        raise ComparisonInputError(f"{name}: column 'mjd' must be finite; bad rows "
                                   f"{np.flatnonzero(~np.isfinite(mjd))[:5].tolist()}")
    _, e, source = rv.choose_velocity(hss_spectra["xcsao_rv"], hss_spectra["xcsao_erv"],
                                      hss_spectra["xcsao_rxc"], hss_spectra["bn_v_r"],
                                      hss_spectra["e_bn_v_r"], rxc_min)
    return pd.DataFrame({"source_id": hss_spectra["source_id"].to_numpy(), "mjd": mjd, "e": e,
                         "source": source})


def simulate_binaries(epochs: pd.DataFrame, stars: pd.DataFrame, seed: int,
                      binary_fraction: float = 0.5, error_floor: bool = True) -> pd.DataFrame:
    """App. C: re-observe every star at its real epochs, half of them as binaries, and average.

    ``epochs``: source_id, mjd [d], e [km/s] (NaN = unusable epoch), source (as
    :func:`epoch_errors`); ``stars``: source_id, m1_msun (primary mass). Each star is a binary
    with probability ``binary_fraction`` (orbit from :func:`hotstars.binaries.draw_orbits`,
    Sana et al. 2012); epoch velocities relative to the systemic one are
    v_i = v_orb(mjd_i) + e_i N(0, 1) (v_orb = 0 for singles), averaged with
    :func:`hotstars.rv.average_epochs`. Randomness only from ``default_rng(seed)``; the result
    does not depend on the row order of the inputs. One row per star with ≥ 1 usable epoch:
    source_id, is_binary, n_epochs, m1_msun, m2_msun, period_d, ecc, k1_kms (NaN for singles),
    delta_v (average − systemic), delta_v_err (the pipeline's error of the average),
    sigma_true (√Σe_i² / N, the true noise σ of the average) and pull = delta_v / delta_v_err.
    """
    if not 0.0 <= binary_fraction <= 1.0:
        raise ValueError(f"binary_fraction must be in [0, 1], got {binary_fraction!r}")
    _require(epochs, ["source_id", "mjd", "e", "source"], "epochs")
    _require(stars, ["source_id", "m1_msun"], "stars")
    _unique_ids(stars, "stars")
    epochs = epochs.loc[np.isfinite(epochs["e"].to_numpy(float))]
    epochs = epochs.sort_values(["source_id", "mjd"], kind="stable").reset_index(drop=True)
    ids = np.unique(epochs["source_id"].to_numpy())
    m1 = stars.set_index("source_id")["m1_msun"].reindex(ids).to_numpy(float)
    bad = ~(np.isfinite(m1) & (m1 > 0))
    if bad.any():
        raise ComparisonInputError(f"stars: no finite positive m1_msun for source_id "
                                   f"{ids[bad][:5].tolist()} (every star with epochs needs one)")

    rng = np.random.default_rng(seed)
    is_bin = rng.uniform(size=ids.size) < binary_fraction
    orbits = binaries.draw_orbits(rng, int(is_bin.sum()), m1[is_bin],
                                  t_ref_mjd=float(np.median(epochs["mjd"])) if len(epochs) else 0.)
    star_idx = np.searchsorted(ids, epochs["source_id"].to_numpy())
    bin_idx = np.cumsum(is_bin) - 1  # row of each binary star in `orbits`
    e = epochs["e"].to_numpy(float)
    v = e * rng.normal(size=e.size)
    on_bin = is_bin[star_idx]
    if on_bin.any():
        v[on_bin] += binaries.radial_velocity(orbits.iloc[bin_idx[star_idx[on_bin]]],
                                              epochs["mjd"].to_numpy(float)[on_bin])
    avg = rv.average_epochs(epochs["source_id"], v, e, epochs["source"], error_floor)
    sigma_true = np.sqrt(pd.Series(e * e).groupby(star_idx).sum().to_numpy()) / avg["n_epochs"]

    out = pd.DataFrame({"source_id": ids, "is_binary": is_bin, "n_epochs": avg["n_epochs"],
                        "m1_msun": m1})
    for col in ("m2_msun", "period_d", "ecc", "k1_kms"):
        values = np.full(ids.size, np.nan)
        values[is_bin] = orbits[col].to_numpy()
        out[col] = values
    out["delta_v"] = avg["vlos"].to_numpy()
    out["delta_v_err"] = avg["vlos_err"].to_numpy()
    out["sigma_true"] = sigma_true.to_numpy()
    out["pull"] = out["delta_v"] / out["delta_v_err"]
    return out


def binary_numbers(simulation: pd.DataFrame) -> dict[str, float]:
    """App. C numbers from :func:`simulate_binaries`'s table, per group (single, binary) and
    epoch-count class (:data:`EPOCH_GROUPS`): N, mean, 16th and 84th percentiles of delta_v and
    the 16-84 half-width [km/s]; for single stars also the std of delta_v / sigma_true (≈ 1)."""
    _require(simulation, ["is_binary", "n_epochs", "delta_v", "sigma_true"], "binary simulation")
    n_ep = simulation["n_epochs"].to_numpy()
    dv = simulation["delta_v"].to_numpy(float)
    is_bin = simulation["is_binary"].to_numpy(bool)
    out: dict[str, float] = {}
    for group, mask in (("single", ~is_bin), ("binary", is_bin)):
        for label, (lo, hi) in EPOCH_GROUPS.items():
            x = dv[mask & (n_ep >= lo) & (n_ep <= hi)]
            out[f"binaries.n_{group}_{label}"] = int(x.size)
            p16, p84 = np.percentile(x, [16, 84]) if x.size else (np.nan, np.nan)
            out[f"binaries.mean_{group}_{label}_kms"] = float(x.mean()) if x.size else np.nan
            out[f"binaries.p16_{group}_{label}_kms"] = float(p16)
            out[f"binaries.p84_{group}_{label}_kms"] = float(p84)
            out[f"binaries.halfwidth_{group}_{label}_kms"] = float((p84 - p16) / 2)
    single = ~is_bin & (n_ep >= 1)
    z = dv[single] / simulation["sigma_true"].to_numpy(float)[single]
    out["binaries.pull_std_single"] = float(np.std(z, ddof=1)) if z.size > 1 else float("nan")
    return out


# --- Optional comparisons with empty inputs: skipped, never blocking ------------------------

def skipped_numbers(numbers: dict, reason: str, input_name: str, column: str,
                    product: str) -> dict:
    """A comparison's numbers JSON when it is skipped: every key of ``numbers`` set to None and
    ``skipped`` = {reason, input, column, product} (the summary and the figure carry the reason)."""
    return {key: None for key in numbers} | {"skipped": {
        "reason": reason, "input": input_name, "column": column, "product": product}}


def mark_skipped(numbers: dict, meta: dict, skip: tuple[str, str, str] | None, what: str,
                 product: str) -> tuple[dict, dict]:
    """(numbers, table metadata) of an optional comparison after its skip test (``*_skip``):
    unchanged when ``skip`` is None; else :func:`skipped_numbers`, the reason in the metadata and
    a warning naming the input file and column (its figure becomes a "not made" placeholder;
    nothing else is blocked)."""
    if not skip:
        return numbers, meta
    reason, source, column = skip
    log.warning("%s (%s) skipped: %s (input %s, column %s)", what, product, reason, source, column)
    return (skipped_numbers(numbers, reason, source, column, product),
            meta | {"skipped": reason})


def _n_finite(df: pd.DataFrame, column: str) -> int:
    return int(np.isfinite(df[column].to_numpy(float)).sum()) if column in df else 0


def gaia_rv_skip(hss: pd.DataFrame, comparison: pd.DataFrame, hss_name: str = "hss",
                 vlos_name: str = "vlos") -> tuple[str, str, str] | None:
    """Why Fig. 5 cannot be made from :func:`compare_gaia_rv`'s table, as (reason, input file,
    column); None if it has stars."""
    if len(comparison):
        return None
    if not _n_finite(hss, "radial_velocity"):
        return (f"no Gaia DR3 radial velocity: column 'radial_velocity' of {hss_name} (from the "
                f"Gaia DR3 input file) is empty for all {len(hss):,} HSS stars", hss_name,
                "radial_velocity")
    return (f"none of the {_n_finite(hss, 'radial_velocity'):,} HSS stars with a Gaia DR3 "
            f"radial_velocity in {hss_name} has a v_los (column 'vlos' of {vlos_name}), or all "
            "are outside the Eq. 3 window with comparisons.gaia_rv.outside_window: exclude",
            vlos_name, "vlos")


def esphs_skip(hss: pd.DataFrame, comparison: pd.DataFrame,
               hss_name: str = "hss") -> tuple[str, str, str] | None:
    """Why Fig. 3 cannot be made from :func:`compare_esphs`'s table (a panel without any star
    with both values), as (reason, input file, column); None if both panels have stars."""
    for par in ("teff", "logg"):
        both = (np.isfinite(comparison[par].to_numpy(float))
                & np.isfinite(comparison[f"{par}_esphs"].to_numpy(float))) if len(comparison) \
            else np.zeros(0, bool)
        if not both.any():
            return (f"no Gaia DR3 ESP-HS {par}: column '{par}_esphs' of {hss_name} is empty for "
                    f"all {len(hss):,} HSS stars with a BOSS Net {par}"
                    if not _n_finite(hss, f"{par}_esphs") else
                    f"no HSS star in {hss_name} has both a BOSS Net {par} and an ESP-HS "
                    f"'{par}_esphs'", hss_name, f"{par}_esphs")
    return None


def binaries_skip(simulation: pd.DataFrame,
                  spectra_name: str = "hss_spectra") -> tuple[str, str, str] | None:
    """Why Fig. C.1 cannot be made (no HSS star with a usable epoch), as (reason, input file,
    column); None if the simulation has stars."""
    if len(simulation):
        return None
    return (f"no HSS star has a usable epoch velocity error (columns 'xcsao_erv', 'e_bn_v_r' of "
            f"{spectra_name})", spectra_name, "xcsao_erv")
