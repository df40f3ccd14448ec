"""The paper's headline numbers beside ours (``results/<run>/summary.json``).

``PAPER`` holds each number quoted in Zari et al. 2025 that a product reproduces, with where it
is quoted; ``None`` where the paper gives none (e.g. the intermediate cut-flow counts are only in
the Fig. 2 image). Functions here compute our values from the products; :func:`assemble` puts the
two side by side, grouped by section.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from hotstars import crossmatch, maps
from hotstars.stats import robust_std

# key: (paper value, description with the paper's section)
PAPER: dict[str, tuple[float | None, str]] = {
    "sample.n_spectra_observed": (459679, "mwm_ob spectra with MJD <= 60708 (Sec. 2.1)"),
    "sample.n_targets_observed": (165460, "distinct mwm_ob targets observed (Sec. 2.1, Fig. 1 top)"),
    "sample.n_spectra_matched": (None, "spectra with a BOSS Net result and a Gaia DR3 source"),
    "sample.n_stars_matched": (None, "targets with a BOSS Net result and a Gaia DR3 source"),
    "sample.n_spectra_snr": (None, "after the SNR cut (Fig. 2)"),
    "sample.n_stars_snr": (None, "after the SNR cut (Fig. 2)"),
    "sample.n_spectra_parallax": (None, "after the parallax cut (Fig. 2)"),
    "sample.n_stars_parallax": (None, "after the parallax cut (Fig. 2)"),
    "sample.n_spectra_ruwe": (None, "after the RUWE cut (Fig. 2)"),
    "sample.n_stars_ruwe": (None, "after the RUWE cut (Fig. 2)"),
    "sample.n_spectra_teff": (99494, "HSS spectra after the Teff cut (Sec. 2.2)"),
    "sample.n_stars_teff": (45487, "HSS stars after the Teff cut (Sec. 2.2)"),
    "sample.n_spectra_distance": (99494, "HSS spectra with a photogeometric distance (our last step)"),
    "sample.n_stars_distance": (45487, "HSS stars with a photogeometric distance (our last step)"),
    "sample.n_quality_a_type": (33309, "A-type (7,400-10,000 K) targets passing the quality cuts (Sec. 2.2)"),
    "sample.n_quality_f_type": (4065, "F-type (6,050-7,400 K) targets passing the quality cuts (Sec. 2.2)"),
    "sample.n_hss_late_b": (29503, "HSS stars with 10,400 <= Teff < 17,000 K, B9-B3 (Sec. 2.2)"),
    "sample.n_hss_early_b": (10632, "HSS stars with 17,000 <= Teff < 31,900 K, B3-O9.5 (Sec. 2.2)"),
    "sample.n_hss_o": (213, "HSS stars with Teff >= 31,900 K, O9.5 and earlier (Sec. 2.2)"),
    "sample.hss_distance_min_pc": (46.0, "smallest HSS photogeometric distance, pc (Sec. 2.2)"),
    "sample.hss_distance_max_pc": (11000.0, "largest HSS photogeometric distance, pc (Sec. 2.2)"),
    "rv.fraction_spectra_xcsao": (0.95, "fraction of HSS spectra using XCSAO (RXC > 6) (Sec. 2.3)"),
    "rv.median_err_single_epoch_kms": (10.0, "median v_los error, 1 epoch, km/s (Sec. 2.3: ~10)"),
    "rv.median_err_multi_epoch_kms": (None, "median v_los error, >= 2 epochs, km/s"),
    "rv.n_stars_with_vlos": (45487, "HSS stars with an averaged v_los"),
    "rv.fraction_multi_epoch": (None, "fraction of HSS stars with >= 2 usable epochs"),
    "kinematics.n_stars_6d": (45487, "HSS stars with finite 6D kinematics"),
    "kinematics.n_outside_vphi_window": (5000, "stars outside the 190-250 km/s v_phi window (Sec. 3.1: ~5,000)"),
    "kinematics.median_vR_err_single_epoch_kms": (13.0, "median sigma_vR, 1 epoch, km/s (Sec. 3.1: ~13)"),
    "kinematics.median_vR_err_multi_epoch_kms": (8.0, "median sigma_vR, >= 2 epochs, km/s (Sec. 3.1: ~8)"),
    "maps.n_spaxels_vR": (None, "spaxels with > 5 stars in the mean v_R map"),
    "maps.median_sigma_R_kms": (None, "median sigma_R over spaxels, km/s (App. B: typically 10-20)"),
    "maps.vR_mean_p05_kms": (-30.0, "5th percentile of mean v_R over spaxels, km/s (Sec. 3.1: about +-30)"),
    "maps.vR_mean_p95_kms": (30.0, "95th percentile of mean v_R over spaxels, km/s (Sec. 3.1: about +-30)"),
    "ages.fraction_younger_logage_8p5": (0.85, "fraction of stars younger than log-age 8.5 (~320 Myr) (Sec. 3.2)"),
    "ages.median_err_myr": (15.0, "median age error (p84 - p16)/2, Myr (Sec. 3.2)"),
    "ages.median_err_young_myr": (4.0, "median age error of all HSS stars with an age < 30 Myr, "
                                  "Myr (Sec. 3.2: ~4)"),
    "ages.median_err_old_myr": (30.0, "median age error of all HSS stars with an age > 150 Myr, "
                                "Myr (Sec. 3.2: ~30)"),
    "ages.n_young_map": (7704, "map stars (HSS in the v_phi window with usable v_R and an age) "
                         "younger than 30 Myr: the stars Fig. 11 draws (Sec. 3.2, Fig. 11)"),
    "ages.n_old_map": (12169, "map stars (HSS in the v_phi window with usable v_R and an age) "
                       "older than 150 Myr: the stars Fig. 11 draws (Sec. 3.2, Fig. 11)"),
    "ages.n_young_all": (None, "all HSS stars with an age (no v_phi window) younger than 30 Myr"),
    "ages.n_old_all": (None, "all HSS stars with an age (no v_phi window) older than 150 Myr"),
    "ages.n_flagged": (None, "HSS stars without an age (off the isochrone grid or missing inputs)"),
    "gaia_rv.n_common": (5959, "HSS stars with a Gaia DR3 radial velocity (Sec. 2.3, Fig. 5)"),
    "gaia_rv.fraction_within_1sigma": (0.50, "v_los agreeing with Gaia (Eq. 3) within 1 sigma (Sec. 2.3)"),
    "gaia_rv.fraction_within_2sigma": (0.75, "v_los agreeing with Gaia (Eq. 3) within 2 sigma (Sec. 2.3)"),
    "esphs.fraction_teff_within_2sigma": (0.70, "BOSS Net and ESP-HS Teff within 2 sigma (Sec. 2.2, Fig. 3)"),
    "esphs.fraction_logg_within_2sigma": (0.80, "BOSS Net and ESP-HS log g within 2 sigma (Sec. 2.2, Fig. 3)"),
    "binaries.halfwidth_single_1epoch_kms": (10.0, "16-84 half-width, single stars, 1 epoch, km/s (App. C)"),
    "binaries.halfwidth_binary_1epoch_kms": (27.0, "16-84 half-width, binaries, 1 epoch, km/s (App. C)"),
    "binaries.halfwidth_binary_2epoch_kms": (18.0, "16-84 half-width, binaries, 2 epochs, km/s (App. C)"),
    "contrast.frac_footprint_delta_gt_0": (None, "fraction of the mapped plane with Delta_Sigma > 0 (Eq. 15)"),
    "contrast.frac_footprint_delta_gt_0p5": (None, "fraction of the mapped plane with Delta_Sigma > 0.5"),
    "contrast.spearman_vr_delta": (None, "Spearman correlation of mean v_R with Delta_Sigma per spaxel "
                                   "(Sec. 4.1: kinematic structures not aligned with OB over-densities)"),
    "contrast.n_stars": (None, "stars of the density contrast: the OB target sample of Zari et al. 2021 "
                         "with parallax/error > 5 (else the HSS map stars) (Sec. 4.1, Fig. 10)"),
    "contrast.hss_frac_footprint_delta_gt_0p5": (None, "as frac_footprint_delta_gt_0p5, for the HSS map "
                                                 "stars' own contrast (an extra: it follows the observed fields)"),
    "vr_field.bandwidth_kpc": (None, "bandwidth (Gaussian sigma) of the continuous v_R field, "
                               "chosen by block cross-validation"),
    "vr_field.sigma_R_kms": (None, "the one sigma_R of the continuous field's weights, km/s"),
    "vr_field.n_stars": (None, "map stars in the continuous v_R field (every star in the v_phi "
                         "window with a usable v_R)"),
    "vr_field.frac_footprint_err_lt_5kms": (None, "fraction of the footprint (250 pc squares "
                                            "with a map star) where the field's error < 5 km/s"),
    "maps.frac_footprint_err_lt_5kms": (None, "fraction of the footprint where the spaxel map "
                                        "has a spaxel with HKSJ error < 5 km/s"),
    "truth.vr_field_rms_kms": (None, "mock: RMS of (continuous field - smooth injected field) "
                               "on the spaxel map's spaxels and stars, km/s"),
    "truth.vr_map_rms_kms": (None, "mock: RMS of (spaxel map - smooth injected field) on the same "
                             "spaxels, km/s"),
    "truth.vr_field_coverage_68": (None, "mock: fraction of the field's supported pixels within "
                                   "1 sigma (jackknife) of the smooth injected field (0.68 if "
                                   "calibrated)"),
    "contrast.hss_spearman_vr_delta": (None, "as spearman_vr_delta, with the HSS map stars' own "
                                       "Delta_Sigma (partly circular: same stars)"),
}


PAPER.update(crossmatch.PAPER_VALUES)
for _cat, _name, _text in (("h23", "Hunt & Reffert 2023", "they agree well"),
                           ("cg20", "Cantat-Gaudin et al. 2020", "ours slightly older")):
    PAPER.update({
        f"clusters.n_{_cat}": (None, f"clusters with >= 5 hot members, {_name} (Sec. 3.2, Fig. 9)"),
        f"clusters.median_offset_{_cat}_dex": (
            None, f"median (ours - {_name}) cluster log-age, dex (Sec. 3.2: {_text})"),
        f"clusters.robust_scatter_{_cat}_dex": (None, f"1.4826 MAD of (ours - {_name}) log-age, dex"),
    })
PAPER.update({
    "auriga.n_young": (None, "Auriga mock stars with G < 16, age < 0.5 Gyr, Teff > 10 kK (Sec. 4.2)"),
    "auriga.n_old": (None, "Auriga mock giants selected as in App. D"),
    "auriga.young_n_spaxels_vR": (None, "spaxels of the young Auriga v_R map"),
    "auriga.old_n_spaxels_vR": (None, "spaxels of the old Auriga v_R map"),
    "auriga.young_vR_mean_p05_kms": (-30.0, "5th pct of young Auriga mean v_R, km/s (Sec. 4.2: like Fig. 7)"),
    "auriga.young_vR_mean_p95_kms": (30.0, "95th pct of young Auriga mean v_R, km/s (Sec. 4.2: like Fig. 7)"),
    "auriga.old_vR_mean_p05_kms": (None, "5th pct of old Auriga mean v_R, km/s"),
    "auriga.old_vR_mean_p95_kms": (None, "95th pct of old Auriga mean v_R, km/s"),
    "apogee.n_selected": (None, "APOGEE astroNN giants passing the App. D cuts"),
    "apogee.n_spaxels_vR": (None, "spaxels plotted in Fig. 13 (precise, outside the R mask)"),
    "apogee.n_stars_plotted": (None, "APOGEE giants in the spaxels plotted in Fig. 13"),
    "apogee.vR_mean_p05_kms": (None, "5th pct of APOGEE mean v_R over plotted spaxels, km/s"),
    "apogee.vR_mean_p95_kms": (None, "95th pct of APOGEE mean v_R over plotted spaxels, km/s"),
    "apogee.median_sigma_R_kms": (None, "median sigma_R of the APOGEE giants, km/s (App. B)"),
    "apogee.vR_amplitude_kms": (None, "APOGEE v_R amplitude sqrt(var - <err^2>) over plotted spaxels, km/s"),
    "apogee.hss_vR_amplitude_kms": (None, "HSS v_R amplitude sqrt(var - <err^2>) over Fig. 7 spaxels, km/s"),
    "apogee.hss_to_apogee_vR_amplitude": (3.0, "HSS/APOGEE noise-free v_R amplitude (Sec. 4.3: "
                                          "giants lower by ~3)"),
    "apogee.hss_to_apogee_vR_spread": (3.0, "HSS/APOGEE p95-p05 spread of mean v_R, noise "
                                       "included (Sec. 4.3: lower by ~3 for the giants)"),
})


def numbers_from_json(numbers: dict) -> dict[str, float]:
    """The keys of a stage's numbers JSON (e.g. results/<run>/comparisons/gaia_rv.json) that
    summary.json reports (those in ``PAPER``); the stage may write more for its own readers."""
    return {key: value for key, value in numbers.items() if key in PAPER}


def skipped_from_json(numbers: dict) -> dict[str, dict]:
    """{section: {reason, input, column, product}} of a stage's numbers JSON whose optional
    comparison was skipped (its ``skipped`` entry, :func:`hotstars.comparisons.skipped_numbers`);
    {} if it was made. The sections are those of its keys that summary.json reports."""
    info = numbers.get("skipped")
    if not info:
        return {}
    return {key.split(".", 1)[0]: dict(info) for key in numbers if key in PAPER}


def sample_numbers(cutflow: pd.DataFrame, class_counts: dict[str, int],
                   hss: pd.DataFrame) -> dict[str, float]:
    """Sec. 2 numbers from the cut-flow, the Teff-class counts and the HSS."""
    out: dict[str, float] = {}
    for row in cutflow.itertuples(index=False):
        out[f"sample.n_spectra_{row.step}"] = int(row.n_spectra)
        name = "targets" if row.step == "observed" else "stars"
        out[f"sample.n_{name}_{row.step}"] = int(row.n_stars)
    out.update({f"sample.{k}": int(v) for k, v in class_counts.items()})
    distance = hss["r_med_photogeo"].to_numpy(float)
    distance = distance[np.isfinite(distance)]
    if distance.size:
        out["sample.hss_distance_min_pc"] = float(distance.min())
        out["sample.hss_distance_max_pc"] = float(distance.max())
    return out


def rv_numbers(vlos: pd.DataFrame) -> dict[str, float]:
    """Sec. 2.3 numbers from the averaged velocities."""
    usable = vlos["n_epochs"] > 0
    n_spectra, n_spectra_xcsao = int(vlos["n_epochs"].sum()), int(vlos["n_epochs_xcsao"].sum())
    single = vlos.loc[vlos["n_epochs"] == 1, "vlos_err"]
    multi = vlos.loc[vlos["n_epochs"] >= 2, "vlos_err"]
    return {
        "rv.fraction_spectra_xcsao": n_spectra_xcsao / n_spectra if n_spectra else float("nan"),
        "rv.median_err_single_epoch_kms": float(single.median()) if len(single) else float("nan"),
        "rv.median_err_multi_epoch_kms": float(multi.median()) if len(multi) else float("nan"),
        "rv.n_stars_with_vlos": int(usable.sum()),
        "rv.fraction_multi_epoch": float((vlos["n_epochs"] >= 2).mean()) if len(vlos) else float("nan"),
    }


def kinematics_numbers(kinematics: pd.DataFrame, window_flags: pd.DataFrame) -> dict[str, float]:
    """Sec. 3.1 numbers: stars with 6D kinematics, the v_phi window, median v_R errors."""
    finite = np.isfinite(kinematics["v_R"].to_numpy(float))
    flags = window_flags.set_index("source_id")["in_vphi_window"]
    inside = kinematics["source_id"].map(flags).fillna(False).to_numpy(bool)
    err = kinematics["v_R_err"]
    epochs = kinematics["n_epochs"]
    return {
        "kinematics.n_stars_6d": int(finite.sum()),
        "kinematics.n_outside_vphi_window": int((finite & ~inside).sum()),
        "kinematics.median_vR_err_single_epoch_kms": float(err[finite & (epochs == 1)].median()),
        "kinematics.median_vR_err_multi_epoch_kms": float(err[finite & (epochs >= 2)].median()),
    }


def map_numbers(vr_map: pd.DataFrame) -> dict[str, float]:
    """App. B / Sec. 3.1 numbers of the mean v_R map."""
    vr = vr_map["vR_mean"].to_numpy(float)
    return {
        "maps.n_spaxels_vR": int(len(vr_map)),
        "maps.median_sigma_R_kms": float(vr_map["sigma_R"].median()),
        "maps.vR_mean_p05_kms": float(np.percentile(vr, 5)) if vr.size else float("nan"),
        "maps.vR_mean_p95_kms": float(np.percentile(vr, 95)) if vr.size else float("nan"),
    }


def field_numbers(field: pd.DataFrame, meta: Mapping, map_stars: pd.DataFrame,
                  vr_map: pd.DataFrame, size_kpc: float) -> dict[str, float]:
    """Numbers of the continuous v_R field (:mod:`hotstars.vrfield`) and the footprint
    precision of both maps (:func:`hotstars.validation.footprint_precision`)."""
    from hotstars.validation import footprint_precision

    foot = footprint_precision(map_stars["x"], map_stars["y"], field, vr_map, size_kpc)
    return {"vr_field.bandwidth_kpc": float(meta["bandwidth_kpc"]),
            "vr_field.sigma_R_kms": float(meta["sigma_R_kms"]),
            "vr_field.n_stars": int(meta["n_stars"]),
            "vr_field.frac_footprint_err_lt_5kms": foot.get("frac_err_below_field"),
            "maps.frac_footprint_err_lt_5kms": foot.get("frac_err_below_spaxel_map")}


def age_numbers(ages: pd.DataFrame, young_max_myr: float, old_min_myr: float,
                map_stars: pd.DataFrame | None = None) -> dict[str, float]:
    """Sec. 3.2 numbers from ages.parquet (all HSS stars with an age; errors in Myr from
    p16/p84) and, with ``map_stars`` (:func:`hotstars.maps.select_age_map_stars`, age_myr), the
    young / old counts of the map stars: those of Fig. 11 (``ages.n_young_map``,
    ``ages.n_old_map``); the all-HSS counts are ``ages.n_young_all``, ``ages.n_old_all``. Young
    and old: :func:`hotstars.maps.young_old_masks`, as the maps."""
    ok = ages["age_flag"].to_numpy() == 0
    age = ages.loc[ok, "age_myr"].to_numpy(float)
    err = 0.5 * (ages.loc[ok, "age_p84_myr"] - ages.loc[ok, "age_p16_myr"]).to_numpy(float)
    young, old = maps.young_old_masks(age, young_max_myr, old_min_myr)

    def median(x):
        return float(np.median(x)) if x.size else float("nan")

    out = {
        "ages.fraction_younger_logage_8p5": float(np.mean(ages.loc[ok, "logage_p50"] < 8.5))
        if ok.any() else float("nan"),
        "ages.median_err_myr": median(err),
        "ages.median_err_young_myr": median(err[young]),
        "ages.median_err_old_myr": median(err[old]),
        "ages.n_young_all": int(young.sum()),
        "ages.n_old_all": int(old.sum()),
        "ages.n_flagged": int((~ok).sum()),
    }
    if map_stars is not None:
        young_map, old_map = maps.young_old_masks(map_stars["age_myr"], young_max_myr,
                                                  old_min_myr)
        out.update({"ages.n_young_map": int(young_map.sum()), "ages.n_old_map": int(old_map.sum())})
    return out


def cluster_numbers(tables_by_catalogue: dict[str, pd.DataFrame]) -> dict[str, float]:
    """Fig. 9 numbers: clusters kept and our log-age minus the catalogue's (median, 1.4826 MAD)."""
    out = {}
    for cat, table in tables_by_catalogue.items():
        diff = (table["logage_hs"] - table["logage_catalogue"]).to_numpy(float)
        diff = diff[np.isfinite(diff)]
        med = float(np.median(diff)) if diff.size else float("nan")
        out[f"clusters.n_{cat}"] = int(len(table))
        out[f"clusters.median_offset_{cat}_dex"] = med
        out[f"clusters.robust_scatter_{cat}_dex"] = robust_std(diff)
    return out


def _clean(value):
    if isinstance(value, (float, np.floating)) and not np.isfinite(value):
        return None
    return value


def assemble(numbers: dict[str, float], source: str,
             skipped: Mapping[str, Mapping] | None = None) -> dict:
    """{section: {name: {ours, paper, ratio, description}}} for every key computed.

    ``source`` records what the numbers were computed from (e.g. "mock survey, preset small").
    A key without a paper value gets ``paper: null``; unknown keys are an error (add them to
    ``PAPER`` with their description). ``skipped`` ({section: {reason, ...}}, from
    :func:`skipped_from_json`): optional comparisons not made; they are listed under
    ``_skipped`` and each of their entries (``ours: null``) carries ``skipped``: the reason.
    """
    unknown = sorted(set(numbers) - set(PAPER))
    if unknown:
        raise KeyError(f"summary keys without a PAPER entry: {unknown}")
    out: dict = {"_source": source}
    for key in sorted(numbers):
        section, name = key.split(".", 1)
        paper, description = PAPER[key]
        ours = _clean(numbers[key])
        ratio = (ours / paper) if (ours is not None and paper) else None
        out.setdefault(section, {})[name] = {"ours": ours, "paper": paper, "ratio": ratio,
                                             "description": description}
        if skipped and section in skipped:
            out[section][name]["skipped"] = skipped[section]["reason"]
    if skipped:
        out["_skipped"] = {section: dict(info) for section, info in sorted(skipped.items())}
    return out


# --------------------------------------------------------------------------------------------
# Report tables: summary.json, the cut-flow and the cross-matches as HTML tables
# --------------------------------------------------------------------------------------------

#: Where each summary.json section is discussed in the paper (used when a description names none).
SECTION_REFERENCES = {
    "sample": "Sec. 2.2, Fig. 2", "rv": "Sec. 2.3", "kinematics": "Sec. 3.1",
    "maps": "Sec. 3.1, Fig. 7, App. B", "ages": "Sec. 3.2", "clusters": "Sec. 3.2, Fig. 9",
    "gaia_rv": "Sec. 2.3, Fig. 5", "esphs": "Sec. 2.2, Fig. 3", "binaries": "App. C, Fig. C.1",
    "contrast": "Sec. 4.1, Fig. 10", "comparisons": "Sec. 2.1-2.2, Table 1, App. A",
    "auriga": "Sec. 4.2, Fig. 12", "apogee": "Sec. 4.3, Fig. 13",
    # not in the paper: our continuous v_R field and the mock's truth check (README)
    "vr_field": "extension of Sec. 3.1, Fig. 7 (README: The continuous v_R field)",
    "truth": "mock truth check (README: The truth check)",
}
_REFERENCE = re.compile(r"\s*\(((?:Sec|Fig|App|Eq|Table)[ .][^()]*)\)\s*$")
_UNITS = {"_kms": "km/s", "_pc": "pc", "_myr": "Myr", "_dex": "dex", "_kpc": "kpc"}
SUMMARY_COLUMNS = ["key", "quantity", "ours", "paper", "unit", "difference",
                   "relative difference (%)", "paper reference"]


def _unit(name: str) -> str:
    for suffix, unit in _UNITS.items():
        if name.endswith(suffix):
            return unit
    if re.search(r"(^|_)frac(tion)?(_|$)", name):
        return "fraction"
    if re.search(r"(^|_)n(_|$)", name) or name.startswith("hss_not_in") or name.endswith("_in_hss"):
        return "count"
    return ""


def _split_reference(description: str) -> tuple[str, str]:
    """("quantity", "Sec. 3.1: ~13") from "quantity (Sec. 3.1: ~13)"; "" if none is given."""
    match = _REFERENCE.search(description)
    return (description[:match.start()], match.group(1)) if match else (description, "")


def _finite(value) -> bool:
    return value is not None and bool(np.isfinite(value))


def summary_table(summary: Mapping) -> pd.DataFrame:
    """summary.json (:func:`assemble`) as one row per number, in the paper's order (``PAPER``):
    key, quantity, ours, paper, unit, difference (ours − paper), relative difference in %
    (100 (ours − paper)/|paper|) and the paper reference (the description's "(Sec. …)", else the
    section's :data:`SECTION_REFERENCES`). ``ours``/``paper`` keep summary.json's values (None
    where absent)."""
    order = {key: i for i, key in enumerate(PAPER)}
    rows = []
    for section, numbers in summary.items():
        if section.startswith("_") or section == "provenance":  # not numbers
            continue
        for name, entry in numbers.items():
            ours, paper = entry["ours"], entry["paper"]
            quantity, reference = _split_reference(entry["description"])
            if entry.get("skipped"):
                quantity = f"{quantity} (not made: {entry['skipped']})"
            both = _finite(ours) and _finite(paper)
            rows.append({
                "key": f"{section}.{name}", "quantity": quantity,
                "ours": ours, "paper": paper, "unit": _unit(name),
                "difference": ours - paper if both else np.nan,
                "relative difference (%)": 100 * (ours - paper) / abs(paper) if both and paper
                else np.nan,
                "paper reference": reference or SECTION_REFERENCES.get(section, ""),
            })
    rows.sort(key=lambda row: (order.get(row["key"], len(order)), row["key"]))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def cutflow_table(cutflow: pd.DataFrame) -> pd.DataFrame:
    """The cut-flow (results/<run>/sample/cutflow.csv) beside the paper's counts: per step the spectra
    and stars kept, as counts and % of the first step, and the paper's counts where it gives them."""
    first = cutflow.iloc[0]
    stars = ["targets" if step == "observed" else "stars" for step in cutflow["step"]]
    return pd.DataFrame({
        "step": cutflow["step"], "criterion": cutflow["criterion"],
        "spectra": cutflow["n_spectra"],
        "spectra (% of first step)": 100 * cutflow["n_spectra"] / first["n_spectra"],
        "stars": cutflow["n_stars"],
        "stars (% of first step)": 100 * cutflow["n_stars"] / first["n_stars"],
        "paper: spectra": [PAPER.get(f"sample.n_spectra_{s}", (None,))[0] for s in cutflow["step"]],
        "paper: stars": [PAPER.get(f"sample.n_{n}_{s}", (None,))[0]
                         for n, s in zip(stars, cutflow["step"])],
    })


def _percent_of(count, total) -> str:
    return f"{int(count):,} ({100 * count / total:.0f} %)" if total else f"{int(count):,}"


def table1_beside_paper(wide: pd.DataFrame) -> pd.DataFrame:
    """Table 1 (results/<run>/comparisons/table1_als3.csv: catalogue, n_catalogue, one column per
    sample; the "M" row first, the full catalogue second) as the paper prints it: each cell
    "matched (% of the catalogue)", plus the paper's HSS column."""
    out = pd.DataFrame({"catalogue": [f"{c} (N = {int(n):,})" for c, n in
                                      zip(wide["catalogue"], wide["n_catalogue"])]})
    for column in wide.columns[2:]:
        out[column] = [_percent_of(v, n) for v, n in zip(wide[column], wide["n_catalogue"])]
    paper = [(PAPER[f"comparisons.als3_{k}_in_hss"][0], PAPER[f"comparisons.als3_n_{k}"][0])
             for k in ("m", "full")]
    out[f"paper: HSS (N = {PAPER['sample.n_stars_teff'][0]:,})"] = [
        f"{_percent_of(v, n)} of {n:,}" for v, n in paper]
    return out


def d23_table(d23: Mapping) -> pd.DataFrame:
    """The D23 overlap numbers (results/<run>/comparisons/d23_overlap.json) beside the paper's."""
    rows = [("D23 stars", d23["n_d23"], None, "App. A"),
            (f"mwm_ob targets in D23 (of {d23['n_targets']:,})", d23["n_targets_in_d23"], None,
             "Sec. 2.1"),
            (f"HSS stars in D23 (of {d23['n_hss']:,})", d23["n_hss_in_d23"], None, "App. A")]
    for key, (paper, description) in PAPER.items():
        if key.startswith("comparisons.d23_"):
            quantity, reference = _split_reference(description)
            rows.append((f"fraction: {quantity}", d23[key.removeprefix("comparisons.d23_")],
                         paper, reference or "App. A"))
    return pd.DataFrame(rows, columns=["quantity", "ours", "paper", "paper reference"])


def format_number(value) -> str:
    """A table cell: "" for missing, integers with thousands commas, else 3 significant digits."""
    if value is None or (isinstance(value, (float, np.floating)) and not np.isfinite(value)):
        return ""
    if isinstance(value, str):
        return value
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.3g}"


def _format_percent(value) -> str:
    return f"{value:.1f}" if _finite(value) else ""


_STYLE = ("body{font-family:sans-serif;font-size:14px;margin:1em}"
          "table{border-collapse:collapse;margin-bottom:1.5em}"
          "th,td{border:1px solid #bbb;padding:3px 8px;text-align:left}"
          "th{background:#eee}tr:nth-child(even){background:#f7f7f7}")


def html_page(title: str, tables: Sequence[tuple[str, pd.DataFrame]], note: str = "") -> str:
    """A self-contained HTML page: ``title``, an optional ``note`` and one table per
    (heading, DataFrame), numbers formatted by :func:`format_number`, columns named "… %)" with
    one decimal (text is escaped)."""
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
             f"</title><style>{_STYLE}</style></head><body><h2>{html.escape(title)}</h2>"]
    if note:
        parts.append(f"<p>{html.escape(note)}</p>")
    for heading, df in tables:
        if heading:
            parts.append(f"<h3>{html.escape(heading)}</h3>")
        formatters = {c: _format_percent if c.endswith("%)") else format_number for c in df.columns}
        parts.append(df.to_html(index=False, formatters=formatters, na_rep="", border=0))
    parts.append("</body></html>\n")
    return "\n".join(parts)
