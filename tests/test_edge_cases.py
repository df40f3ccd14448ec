"""Numerical edge cases (issue 7 point 4): degenerate spaxels, zero and tiny errors, stars off the
isochrone grid, and stars that must leave through a counted cut-flow step, never silently.

Expected values are independent: closed forms (weighted means, equal-error MLE), a dense
quadrature of the Eq. 4 posterior, first-failing-step recounts of the cut-flow.
"""

from __future__ import annotations

import logging
import sys
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import trapezoid

from hotstars import ages, isochrones, kinematics, maps, selection
from hotstars.frame import galactocentric_frame
from hotstars.io import tables

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import compute_ages  # noqa: E402
import gather_ages  # noqa: E402

FRAME = galactocentric_frame(8.2, 25.0, (11.1, 232.24, 7.25), 0.0)


# --------------------------------------------------------------------------------------------
# Eq. 4 spaxels: all velocities equal, one star dominating, zero / tiny / absurd errors
# --------------------------------------------------------------------------------------------

def marginal_reference(v, e, sigma_max=300.0):
    """Posterior std of mu marginalised over sigma (flat priors) by dense quadrature in sigma:
    p(sigma) ~ exp(-NLL_profile) (sum w)^-1/2, var = E[1/sum w + (mu(sigma) - E mu)^2]."""
    v, e = np.asarray(v, float), np.asarray(e, float)
    sig = np.union1d(np.linspace(0.0, sigma_max, 60001),
                     np.geomspace(min(1e-3 * e.min(), 1e-6), sigma_max, 60001))
    w = 1.0 / (sig[:, None] ** 2 + e**2)
    sw = w.sum(axis=1)
    mu = w @ v / sw
    nll = 0.5 * np.sum(-np.log(w) + w * (v - mu[:, None]) ** 2, axis=1)
    logp = -nll - 0.5 * np.log(sw)
    p = np.exp(logp - logp.max())
    norm = trapezoid(p, sig)
    mean = trapezoid(p * mu, sig) / norm
    return np.sqrt(trapezoid(p * (1.0 / sw + (mu - mean) ** 2), sig) / norm)


@pytest.mark.parametrize("value", [0.0, -11.1, 1234.5678, -2.0e5])
def test_spaxel_with_all_velocities_equal(value):
    """sigma = 0 exactly, mean = the velocity, Fisher error = (sum 1/e^2)^-1/2, sigma/sqrt(N) = 0,
    the marginal error finite and above the Fisher error."""
    e = np.array([3.0, 5.0, 8.0, 13.0, 21.0, 34.0, 55.0])
    x, y = np.full(e.size, -8.1), np.full(e.size, 0.05)
    m = maps.vr_map(x, y, np.full(e.size, value), e, 0.25, min_stars=e.size).iloc[0]
    assert m["n_stars"] == e.size and m["sigma_R"] == 0.0
    assert m["vR_mean"] == pytest.approx(value, rel=1e-14, abs=1e-12)
    assert m["vR_mean_err"] == pytest.approx(np.sum(e**-2) ** -0.5, rel=1e-12)
    assert m["vR_mean_err_sqrtn"] == 0.0
    assert m["vR_mean_err"] <= m["vR_mean_err_marg"] < np.inf
    assert m["vR_mean_err_marg"] == pytest.approx(marginal_reference(np.zeros(e.size), e), rel=5e-3)


@pytest.mark.parametrize("e_small", [1e-3, 1e-6, maps.E_MIN_KMS])
def test_one_star_dominates(e_small):
    """A star with a tiny error among consistent stars pins the mean to the weighted mean (closed
    form at sigma = 0); the Fisher error is ~its error while the error marginalised over sigma
    stays at the scale of the others (they could still prefer sigma > 0): both finite, both as an
    independent computation gives them."""
    v = np.array([0.0, 10.0, -8.0, 5.0, 12.0, -3.0])
    e = np.array([e_small, 10.0, 10.0, 10.0, 10.0, 10.0])
    fit = maps.grouped_mle(np.zeros(6), v, e).iloc[0]
    w = 1.0 / e**2
    assert fit["sigma"] == 0.0
    assert fit["mu"] == pytest.approx(np.sum(w * v) / np.sum(w), rel=1e-9, abs=1e-15)
    assert fit["mu_err_fisher"] == pytest.approx(np.sum(w) ** -0.5, rel=1e-12)
    assert fit["mu_err_marg"] == pytest.approx(marginal_reference(v, e), rel=1e-2)
    assert 1.0 < fit["mu_err_marg"] < 10.0
    # the others spread far beyond their errors: the interior optimum beats the pinned sigma = 0
    v = np.array([0.0, 50.0, -50.0, 40.0, -40.0, 60.0])
    e = np.array([e_small, 5.0, 5.0, 5.0, 5.0, 5.0])
    fit = maps.grouped_mle(np.zeros(6), v, e).iloc[0]
    ref = maps.profile_mle(v, e)
    np.testing.assert_allclose([fit["mu"], fit["sigma"], fit["mu_err_fisher"]], ref, rtol=1e-7)
    assert fit["sigma"] > 30.0
    assert fit["mu_err_marg"] == pytest.approx(marginal_reference(v, e), rel=1e-2)


def test_errors_below_the_usable_floor_are_refused_not_nan():
    """Before: e = 1e-160 km/s passed the check (e^2 > 0) and gave mu = NaN, sigma > 0 silently.
    Now every error < E_MIN_KMS (and |v| >= c) is a clear MapError; E_MIN_KMS itself is fine."""
    v = [0.1] * 6
    for e_small in (0.0, 1e-160, 1e-80, 0.5 * maps.E_MIN_KMS):
        with pytest.raises(maps.MapError, match="errors"):
            maps.grouped_mle(np.zeros(6), v, [e_small] + [5.0] * 5)
    with pytest.raises(maps.MapError, match="speed of light"):
        maps.grouped_mle(np.zeros(2), [0.0, 3.0e5], [1.0, 1.0])
    fit = maps.grouped_mle(np.zeros(6), v, [maps.E_MIN_KMS] + [5.0] * 5)
    assert np.isfinite(fit.to_numpy(float)).all()


def kinematics_rows(v_r, v_r_err, x=-8.1, y=0.05):
    n = len(v_r)
    return pd.DataFrame({"source_id": np.arange(1, n + 1, dtype=np.int64), "x": np.full(n, x),
                         "y": np.full(n, y), "z": np.zeros(n), "v_R": np.asarray(v_r, float),
                         "v_R_err": np.asarray(v_r_err, float)})


def test_zero_errors_are_dropped_with_a_count_and_a_warning(caplog):
    """Zero (negative, NaN, sub-floor) errors leave the maps through a counted, logged step: no
    floor, no crash, no NaN. The map equals that of the remaining stars."""
    rng = np.random.default_rng(11)
    v = rng.normal(-5.0, 12.0, 12)
    err = rng.uniform(4.0, 15.0, 12)
    err[[1, 4, 6, 9]] = [0.0, -1.0, np.nan, 1e-12]
    kin = kinematics_rows(v, err)
    kin.loc[10, "v_R"] = 4.0e5            # beyond c: a unit error upstream
    kin.loc[11, "x"] = np.nan             # no position
    flags = pd.DataFrame({"source_id": kin["source_id"], "in_vphi_window": True})
    with caplog.at_level(logging.WARNING, logger="hotstars.maps"):
        stars = maps.select_map_stars(kin, flags, labels=("kin.parquet", "flags.parquet"))
    assert stars.attrs["dropped"] == {"no_position": 1, "bad_vR": 1, "bad_vR_err": 4}
    assert stars.attrs["counts"]["n_finite_vR"] == 12 - 6 == len(stars)
    assert sum(stars.attrs["dropped"].values()) == (stars.attrs["counts"]["n_in_vphi_window"]
                                                   - stars.attrs["counts"]["n_finite_vR"])
    assert any("kin.parquet: 4 stars" in r.getMessage() and r.levelno == logging.WARNING
               for r in caplog.records)
    keep = [0, 2, 3, 5, 7, 8]
    assert stars["source_id"].tolist() == (np.array(keep) + 1).tolist()
    m = maps.vr_map(stars["x"], stars["y"], stars["v_R"], stars["v_R_err"], 0.25, min_stars=6)
    assert len(m) == 1 and m.iloc[0]["n_stars"] == 6 and np.isfinite(m.to_numpy(float)).all()
    ref = maps.profile_mle(v[keep], err[keep])
    assert (m.iloc[0]["vR_mean"], m.iloc[0]["sigma_R"]) == pytest.approx(ref[:2], rel=1e-7, abs=1e-7)


def test_mixed_degenerate_spaxels_give_finite_maps():
    """A map mixing every degenerate spaxel type (N = 1, all equal, one dominant star, spread far
    beyond sigma_max, tiny and huge errors, a star exactly at c - 1 km/s) has no NaN anywhere,
    except the intervals of a single star (no degree of freedom: no interval, NaN)."""
    rng = np.random.default_rng(5)
    kinds = [
        (np.full(6, 7.0), rng.uniform(1, 9, 6)),
        (rng.normal(0, 10, 8), np.r_[maps.E_MIN_KMS, rng.uniform(5, 15, 7)]),
        (np.array([-3000.0, 3000, -2000, 2000, 0, 100]), np.ones(6)),
        (rng.normal(0, 10, 6), np.full(6, 1.0e4)),
        (np.array([0.0]), np.array([2.0])),
        (np.r_[maps.V_MAX_KMS - 1.0, np.zeros(5)], np.full(6, 3.0)),
        (rng.normal(0, 10, 40), rng.uniform(5, 15, 40)),
    ]
    x = np.concatenate([np.full(len(v), 0.3 * i + 0.1) for i, (v, _) in enumerate(kinds)])
    v = np.concatenate([k[0] for k in kinds])
    e = np.concatenate([k[1] for k in kinds])
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # no overflow / invalid-value warnings either
        m = maps.vr_map(x, np.zeros_like(x), v, e, 0.3, min_stars=1)
    intervals = ["vR_mean_err_hksj", "vR_mean_lo68", "vR_mean_hi68", "vR_mean_lo95",
                 "vR_mean_hi95", "sigma_R_lo68", "sigma_R_hi68"]
    single = m["n_stars"].to_numpy() == 1
    assert len(m) == len(kinds) and np.isfinite(m.drop(columns=intervals).to_numpy(float)).all()
    assert np.isfinite(m.loc[~single, intervals].to_numpy(float)).all()
    assert np.isnan(m.loc[single, intervals].to_numpy(float)).all()
    assert (m.loc[~single, "vR_mean_lo95"] <= m.loc[~single, "vR_mean_lo68"]).all()
    assert m["sigma_R"].tolist()[0] == 0.0 and m["sigma_R"].tolist()[2] == 300.0
    assert (m["sigma_R"].between(0.0, 300.0)).all()


def test_empty_map_inputs():
    empty = np.zeros(0)
    assert list(maps.vr_map(empty, empty, empty, empty, 0.25).columns) == maps.VR_COLUMNS
    assert len(maps.vr_map(empty, empty, empty, empty, 0.25)) == 0
    assert len(maps.density_map(empty, empty, 0.25)) == 0


# --------------------------------------------------------------------------------------------
# Kinematics: NaN v_los and zero errors, end to end into the map selection
# --------------------------------------------------------------------------------------------

def test_nan_vlos_is_nan_and_counted_down_to_the_maps():
    """A HSS star without a line-of-sight velocity (absent from the vlos table, or NaN) keeps its
    row with a finite position and NaN velocities, is counted (no_vlos), fails the v_phi window
    (NaN) and so leaves the maps through the counted window step."""
    hss = pd.DataFrame({
        "source_id": np.array([11, 12, 13], np.int64), "ra": [266.4, 280.0, 100.0],
        "dec": [-28.9, -5.0, 10.0], "pmra": [-3.0, -1.0, 0.5], "pmdec": [-5.0, -4.0, -1.0],
        "pmra_error": 0.03, "pmdec_error": 0.03, "pmra_pmdec_corr": 0.1,
        "r_med_photogeo": [2000.0, 3000.0, 1500.0], "r_lo_photogeo": [1900.0, 2800.0, 1400.0],
        "r_hi_photogeo": [2100.0, 3200.0, 1600.0]})
    vlos = pd.DataFrame({"source_id": np.array([12, 13], np.int64), "vlos": [np.nan, 20.0],
                         "vlos_err": [5.0, 5.0], "n_epochs": [1, 2]})
    inputs = kinematics.inputs_from_hss(hss, vlos)
    out = kinematics.galactocentric(inputs, FRAME)
    assert out["source_id"].tolist() == [11, 12, 13] and inputs["n_epochs"].tolist() == [0, 1, 2]
    assert out.loc[:1, ["v_R", "v_phi", "v_z", "v_R_err", "v_phi_err"]].isna().all().all()
    assert np.isfinite(out[["x", "y", "z", "R", "phi"]].to_numpy()).all()
    assert np.isfinite(out.loc[2, ["v_R", "v_phi", "v_R_err"]].to_numpy(float)).all()
    counts = kinematics.missing_input_counts(inputs)
    assert counts["no_vlos"] == 2 and counts["nan_velocity"] == 2 and counts["no_distance"] == 0
    window = kinematics.in_vphi_window(out["v_phi"], -1e4, 1e4)   # any finite v_phi passes
    assert window.tolist() == [False, False, True]
    stars = maps.select_map_stars(out, pd.DataFrame({"source_id": out["source_id"],
                                                     "in_vphi_window": window}))
    assert stars.attrs["counts"]["n_in_vphi_window"] == 1 and len(stars) == 1


def test_zero_input_errors_give_zero_velocity_errors_that_the_maps_drop():
    t = pd.DataFrame({"source_id": np.array([1, 2], np.int64), "ra": [10.0, 200.0],
                      "dec": [60.0, -60.0], "distance": [2.0, 3.0], "distance_err": [0.0, 0.2],
                      "pmra": [-2.0, -6.0], "pmdec": [-0.5, -1.0], "pmra_error": [0.0, 0.03],
                      "pmdec_error": [0.0, 0.03], "pmra_pmdec_corr": [0.3, 0.3],
                      "vlos": [-20.0, 15.0], "vlos_err": [0.0, 4.0], "n_epochs": [1, 1]})
    out = kinematics.galactocentric(t, FRAME)
    err_cols = ["x_err", "y_err", "z_err", "R_err", "phi_err", "v_R_err", "v_phi_err", "v_z_err",
                "v_R_v_phi_cov", "v_R_v_z_cov", "v_phi_v_z_cov"]
    assert (out.loc[0, err_cols] == 0.0).all() and (out.loc[1, err_cols[5:8]] > 0).all()
    stars = maps.select_map_stars(out, pd.DataFrame({"source_id": [1, 2],
                                                     "in_vphi_window": [True, True]}))
    assert stars["source_id"].tolist() == [2] and stars.attrs["dropped"]["bad_vR_err"] == 1


# --------------------------------------------------------------------------------------------
# Ages: stars off the isochrone grid, end to end through posteriors, summarise and the shards
# --------------------------------------------------------------------------------------------

LOG_AGES = np.round(np.arange(6.0, 9.0 + 0.05, 0.1), 4)


@pytest.fixture(scope="module")
def grid() -> pd.DataFrame:
    """MIST (lachesis-grids) at solar [Fe/H], log-age 6-9 in 0.1 dex steps."""
    return isochrones.build_grid_lachesis(LOG_AGES, [0.0])


def hss_for_ages(grid, rng):
    """Six HSS-like stars: positions 0 and 4 (after sorting by source_id) off every track (a
    60 kK star at M_K = -1; log g = 1 at 20 kK), 5 without Ks, the rest on the main sequence."""
    hot = grid[(grid["log_teff"] > 4.1) & (grid["phase"] == 0)].sample(3, random_state=4)
    on_grid = hot[["log_teff", "log_g", "M_Ks"]].to_numpy()
    obs = np.vstack([[np.log10(60000.0), 4.0, -1.0], on_grid,
                     [np.log10(20000.0), 1.0, -1.0], [np.log10(20000.0), 4.0, -1.0]])
    teff, logg, mk = 10 ** obs[:, 0], obs[:, 1], obs[:, 2]
    d = rng.uniform(800.0, 2500.0, 6)
    hss = pd.DataFrame({"source_id": np.arange(101, 107, dtype=np.int64), "teff": teff,
                        "e_teff": 0.01 * teff, "logg": logg, "e_logg": 0.05,
                        "ks_m": mk + 5 * np.log10(d / 10), "ks_msigcom": 0.02,
                        "r_med_photogeo": d, "r_lo_photogeo": 0.97 * d, "r_hi_photogeo": 1.03 * d})
    hss.loc[5, "ks_m"] = np.nan
    kin = pd.DataFrame({"source_id": hss["source_id"], "R": rng.uniform(6.0, 10.0, 6)})
    return hss, kin


def test_off_grid_stars_get_nan_ages_and_flag_1(grid):
    hss, kin = hss_for_ages(grid, np.random.default_rng(2))
    t = ages.age_inputs(hss, kin)
    prepared = ages.prepare_grid(grid, LOG_AGES)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        P, n_points, flag = ages.posteriors(t, prepared, ages.AgePriors())
        out = ages.summarise(t["source_id"], P, LOG_AGES, n_points, flag)
    assert flag.tolist() == [1, 0, 0, 0, 1, 2]
    assert n_points[[0, 4]].tolist() == [0, 0] and (n_points[1:4] > 0).all()
    bad = out["age_flag"] != 0
    age_cols = ["logage_p16", "logage_p50", "logage_p84", "logage_err", "age_myr",
                "age_p16_myr", "age_p84_myr"]
    assert out.loc[bad, age_cols].isna().all().all() and np.isnan(P[bad.to_numpy()]).all()
    assert np.isfinite(out.loc[~bad, age_cols].to_numpy()).all()
    np.testing.assert_allclose(P[~bad.to_numpy()].sum(axis=1), 1.0)
    # the same flags from the plain reference sum
    ref = ages.posteriors_reference(t, grid, LOG_AGES, ages.AgePriors())
    np.testing.assert_array_equal(np.isnan(ref).all(axis=1), bad.to_numpy())


def run_age_shards(folder: Path, n_shards: int):
    params = dict(n_shards=n_shards, log_age={"min": 6.0, "max": 9.0, "step": 0.1},
                  priors={"age_prior": "uniform_age"}, extinction_column=None, window_sigma=10.0)
    inp = SimpleNamespace(hss=folder / "hss.parquet", kinematics=folder / "kin.parquet",
                          grid=folder / "grid.parquet")
    shards = []
    for i in range(n_shards):
        out = SimpleNamespace(ages=folder / f"ages_{i}-of-{n_shards}.parquet",
                              posteriors=folder / f"post_{i}-of-{n_shards}.parquet")
        compute_ages.main(SimpleNamespace(input=inp, params=SimpleNamespace(shard=i, **params),
                                          output=out, log=[folder / f"{i}-of-{n_shards}.log"]))
        shards.append(out)
    final = SimpleNamespace(ages=folder / f"ages-{n_shards}.parquet",
                            posteriors=folder / f"posteriors-{n_shards}.parquet")
    gather_ages.main(SimpleNamespace(
        input=SimpleNamespace(ages=[s.ages for s in shards], posteriors=[s.posteriors for s in shards]),
        output=final, log=[folder / f"gather-{n_shards}.log"]))
    return shards, final


def test_shard_of_only_off_grid_stars_and_an_empty_shard(grid, tmp_path):
    """Through the rule scripts: with 4 shards, shard 0 holds only the two off-grid stars; with
    7 shards, shard 6 holds none. Both write valid products and gather to the same result."""
    hss, kin = hss_for_ages(grid, np.random.default_rng(2))
    for name, df in (("hss", hss), ("kin", kin), ("grid", grid)):
        tables.write_table(df, tmp_path / f"{name}.parquet")
    shards4, final4 = run_age_shards(tmp_path, 4)
    only_off = tables.read_table(shards4[0].ages)
    assert only_off["source_id"].tolist() == [101, 105] and (only_off["age_flag"] == 1).all()
    assert only_off["logage_p50"].isna().all()
    assert np.isnan(tables.read_posteriors(shards4[0].posteriors)[2]).all()
    assert "0 ok, 2 off the grid (flag 1)" in (tmp_path / "0-of-4.log").read_text()
    shards7, final7 = run_age_shards(tmp_path, 7)
    empty = tables.read_table(shards7[6].ages)
    assert len(empty) == 0 and list(empty.columns) == ages.AGES_COLUMNS
    assert tables.read_posteriors(shards7[6].posteriors)[2].shape == (0, LOG_AGES.size)
    a4, a7 = tables.read_table(final4.ages), tables.read_table(final7.ages)
    pd.testing.assert_frame_equal(a4, a7)
    assert a4["age_flag"].tolist() == [1, 0, 0, 0, 1, 2]
    np.testing.assert_array_equal(tables.read_posteriors(final4.posteriors)[2],
                                  tables.read_posteriors(final7.posteriors)[2])


def test_flagged_stars_leave_the_age_maps_through_a_count():
    ages_t = pd.DataFrame({"source_id": np.arange(1, 9, dtype=np.int64),
                           "logage_p50": [7.0, np.nan, 7.2, np.nan, 7.1, 7.3, 6.9, 7.0],
                           "age_myr": [10.0, np.nan, 16.0, np.nan, 12.6, 20.0, 7.9, 10.0],
                           "age_flag": [0, 1, 0, 2, 0, 0, 0, 0]})
    kin = kinematics_rows(np.zeros(8), np.full(8, 5.0))
    flags = pd.DataFrame({"source_id": kin["source_id"], "in_vphi_window": True})
    stars = maps.select_age_map_stars(ages_t, kin, flags)
    assert stars.attrs["counts"]["n_selected"] == 8 and stars.attrs["counts"]["n_age_ok"] == 6
    m = maps.logage_map(stars["x"], stars["y"], stars["logage_p50"], 0.125, min_stars=6)
    assert m.iloc[0]["n_stars"] == 6
    assert m.iloc[0]["logage_mean"] == pytest.approx(np.mean([7.0, 7.2, 7.1, 7.3, 6.9, 7.0]))


def test_percentiles_of_unnormalised_extreme_posteriors():
    """Before: a row of 1e308 overflowed the normalising sum and gave p16 = p50 = p84 = the top
    edge (6.525) silently. Now rows are scaled by their maximum first."""
    axis = np.round(np.arange(6.0, 6.5001, 0.05), 4)
    flat = ages.percentiles(np.ones((1, axis.size)), axis)
    np.testing.assert_allclose(ages.percentiles(np.full((1, axis.size), 1e308), axis), flat)
    np.testing.assert_allclose(ages.percentiles(np.full((1, axis.size), 5e-324), axis), flat)
    bad = np.array([[np.inf] + [0.0] * 10, [-1.0] + [1.0] * 10, [0.0] * 11])
    assert np.isnan(ages.percentiles(bad, axis)).all()


# --------------------------------------------------------------------------------------------
# Sample: NaN distance, negative parallax, NaN Teff and NaN SNR leave through counted steps
# --------------------------------------------------------------------------------------------

STEPS = ["snr", "parallax", "ruwe", "teff", "distance"]


def targets_table(n):
    ids = np.arange(1, n + 1, dtype=np.int64)
    t = pd.DataFrame({c: np.full(n, np.nan) for c in selection.GAIA_COLUMNS[1:]})
    t.insert(0, "source_id", ids)
    t = t.assign(parallax=1.0, parallax_error=0.05, ruwe=1.0, r_med_photogeo=1000.0,
                 r_lo_photogeo=950.0, r_hi_photogeo=1050.0, gaia_dr2_id=-1, n_spectra=1)
    return t


def spectra_table(source_id, snr, teff, e_teff=200.0):
    n = len(source_id)
    s = pd.DataFrame({c: np.full(n, np.nan) for c in selection.SPECTRUM_COLUMNS})
    return s.assign(source_id=np.asarray(source_id, np.int64), sdss_id=np.asarray(source_id) + 1000,
                    field=1, mjd=60000 + np.arange(n), sn_median_all=np.asarray(snr, float),
                    teff=np.asarray(teff, float), e_teff=e_teff, logg=4.0, e_logg=0.1,
                    fe_h=0.0, e_fe_h=0.1)


def first_failure(flags):
    """The cut-flow step each star leaves at ("hss": it stays), from the per-star flags."""
    passed = flags[[f"passes_{s}" for s in STEPS]].to_numpy(bool)
    first = np.argmin(passed, axis=1)
    return pd.Series(["hss" if row.all() else STEPS[k] for row, k in zip(passed, first)],
                     index=flags["source_id"])


def test_bad_values_leave_through_the_right_counted_step():
    """Star 2: negative parallax; 3: NaN parallax; 4: NaN r_med_photogeo (no Bailer-Jones row);
    5: NaN Teff in every passing spectrum; 6: only NaN-SNR spectra; 7: NaN RUWE; 8: NaN Teff in
    one of two spectra (Teff from the other); 1, 9: clean. Every loss is in the right step and the
    cut-flow differences equal the per-star first failures."""
    t = targets_table(9)
    t.loc[1, "parallax"] = -0.4
    t.loc[2, "parallax"] = np.nan
    t.loc[3, ["r_med_photogeo", "r_lo_photogeo", "r_hi_photogeo"]] = np.nan
    t.loc[6, "ruwe"] = np.nan
    spectra = spectra_table([1, 2, 3, 4, 5, 5, 6, 6, 7, 8, 8, 9],
                            snr=[50, 50, 50, 50, 40, 30, np.nan, np.nan, 50, 50, 60, 50],
                            teff=[2e4, 2e4, 2e4, 2e4, np.nan, np.nan, 2e4, 2e4, 2e4, np.nan, 1.5e4,
                                  2e4])
    flags, hss, hss_spectra, cutflow = selection.select_hss(spectra, t, selection.Cuts())
    leave = first_failure(flags)
    assert leave.to_dict() == {1: "hss", 2: "parallax", 3: "parallax", 4: "distance", 5: "teff",
                               6: "snr", 7: "ruwe", 8: "hss", 9: "hss"}
    n = cutflow.set_index("step")["n_stars"]
    lost = -np.diff(n.loc[["matched", *STEPS]].to_numpy())
    assert dict(zip(STEPS, lost)) == leave.value_counts().reindex(STEPS, fill_value=0).to_dict()
    assert hss["source_id"].tolist() == [1, 8, 9] and n["distance"] == 3
    assert hss.set_index("source_id").loc[8, "teff"] == 1.5e4
    # spectra: NaN-SNR ones never pass; the HSS spectra are those counted in the last step
    assert not hss_spectra["sn_median_all"].isna().any()
    assert cutflow.set_index("step").loc["distance", "n_spectra"] == len(hss_spectra) == 4


def test_nan_spectrum_error_is_not_counted_as_zero():
    """Before: a passing spectrum with a finite Teff but NaN e_teff added 0 to the error of the
    SNR-weighted mean (the star's e_teff came out too small, or 0 with one spectrum, which the
    ages then flag as missing for the wrong reason). Now the star's e_teff is NaN; the mean Teff
    and the other stars are unchanged."""
    spectra = spectra_table([1, 1, 2, 2], snr=[30, 60, 30, 60], teff=[2e4, 1.6e4, 2e4, 1.6e4])
    spectra.loc[1, "e_teff"] = np.nan
    params = selection.star_parameters(spectra)
    assert np.isnan(params.loc[1, "e_teff"])
    assert params.loc[1, "teff"] == params.loc[2, "teff"] == pytest.approx((30 * 2e4 + 60 * 1.6e4) / 90)
    assert params.loc[2, "e_teff"] == pytest.approx(np.hypot(30 * 200, 60 * 200) / 90)
    # a NaN error of a spectrum whose value is NaN (not used) changes nothing
    spectra.loc[3, ["teff", "e_teff"]] = np.nan
    assert selection.star_parameters(spectra).loc[2, "e_teff"] == pytest.approx(200.0)


def test_raising_snr_min_can_add_a_star_through_the_teff_average():
    """The SNR cut is monotone per spectrum and in the 'snr' step, but not in the final HSS: the
    star's Teff is the SNR-weighted mean over its *passing* spectra (docs/conventions.md), so
    dropping a low-SNR cool spectrum can lift it over the Teff cut. A documented property of the
    convention, not a bug; test_properties checks the monotone parts."""
    t = targets_table(1)
    spectra = spectra_table([1, 1], snr=[25, 50], teff=[5000.0, 12000.0])
    low = selection.select_hss(spectra, t, selection.Cuts(snr_min=20.0))[0]
    high = selection.select_hss(spectra, t, selection.Cuts(snr_min=30.0))[0]
    assert low.loc[0, "teff"] == pytest.approx((25 * 5000 + 50 * 12000) / 75)   # 9667 K
    assert not low.loc[0, "in_hss"] and high.loc[0, "in_hss"]
