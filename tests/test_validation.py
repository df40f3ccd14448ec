"""Tests of the truth check (hotstars.validation) on constructed inputs with known answers."""

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from hotstars import maps, validation
from hotstars.io import tables

SIZE = 0.25  # kpc


def _stars(n_spaxels=400, per=6, seed=1):
    """Kinematics, flags and truth: ``per`` stars in each of ``n_spaxels`` spaxels (a 20-wide
    grid of 250 pc spaxels), all single field stars in the window, plus a few stars that the
    maps leave out (outside the window, NaN v_R, NaN v_R_err)."""
    rng = np.random.default_rng(seed)
    k = np.repeat(np.arange(n_spaxels), per)
    ix, iy = k % 20 - 40, k // 20 - 10
    n = k.size
    x = (ix + rng.uniform(0.01, 0.99, n)) * SIZE
    y = (iy + rng.uniform(0.01, 0.99, n)) * SIZE
    field = 20 * np.sin(x) + 5 * y  # any smooth field, km/s
    err = rng.uniform(3, 12, n)
    v_true = field + rng.normal(0, 10, n)
    kin = pd.DataFrame({"source_id": np.arange(n, dtype=np.int64) + 10**15, "x": x, "y": y,
                        "z": rng.normal(0, 0.05, n), "v_R": v_true + err * rng.normal(0, 1, n),
                        "v_R_err": err, "n_epochs": rng.integers(1, 4, n)})
    flags = pd.DataFrame({"source_id": kin["source_id"], "in_vphi_window": True})
    truth = pd.DataFrame({"source_id": kin["source_id"], "v_R": v_true, "vR_field": field,
                          "vR_expected": field, "is_binary": False, "is_runaway": False,
                          "clump_id": -1})
    # three stars that must not enter the maps, in the first spaxel
    extra = kin.iloc[:3].copy()
    extra["source_id"] = [1, 2, 3]
    extra.loc[extra.index[1], "v_R"] = np.nan
    extra.loc[extra.index[2], "v_R_err"] = np.nan
    kin = pd.concat([kin, extra], ignore_index=True)
    flags = pd.concat([flags, pd.DataFrame({"source_id": [1, 2, 3],
                                            "in_vphi_window": [False, True, True]})])
    truth = pd.concat([truth, truth.iloc[:3].assign(source_id=[1, 2, 3], vR_field=1e4,
                                                    vR_expected=1e4)])
    return kin, flags.reset_index(drop=True), truth.reset_index(drop=True)


def _truth_map(kin, flags, truth):
    """Map rows with the true value per spaxel, computed independently (floor, groupby)."""
    sel = flags.set_index("source_id").loc[kin["source_id"], "in_vphi_window"].to_numpy()
    sel = sel & np.isfinite(kin["v_R"]).to_numpy() & np.isfinite(kin["v_R_err"]).to_numpy()
    k = kin[sel].merge(truth[["source_id", "vR_field"]], on="source_id")
    k["ix"], k["iy"] = np.floor(k["x"] / SIZE), np.floor(k["y"] / SIZE)
    g = k.groupby(["ix", "iy"]).agg(n_stars=("x", "size"), vR_true=("vR_field", "mean"))
    g = g.reset_index()
    return pd.DataFrame({"x_center": (g["ix"] + 0.5) * SIZE, "y_center": (g["iy"] + 0.5) * SIZE,
                         "n_stars": g["n_stars"], "vR_true": g["vR_true"]})


def _map_from(truth_map, vr_mean, err, sigma=10.0):
    return truth_map.drop(columns="vR_true").assign(
        vR_mean=vr_mean, sigma_R=sigma, vR_mean_err=err, vR_mean_err_marg=err,
        vR_mean_err_sqrtn=sigma / np.sqrt(truth_map["n_stars"]))


def test_truth_per_spaxel_matches_an_independent_computation():
    kin, flags, truth = _stars(n_spaxels=50)
    got = validation.truth_per_spaxel(kin, flags, truth, SIZE)
    want = _truth_map(kin, flags, truth)
    assert len(got) == 50 and (got["n_stars"] == 6).all()  # the 3 excluded stars left out
    merged = got.merge(want, on=["x_center", "y_center"], suffixes=("", "_want"))
    assert len(merged) == 50
    np.testing.assert_allclose(merged["vR_true"], merged["vR_true_want"], rtol=1e-12)
    np.testing.assert_array_equal(merged["n_stars"], merged["n_stars_want"])
    # field stars: the expected v_R is the field
    np.testing.assert_allclose(got["vR_expected"], got["vR_true"], rtol=1e-12)


def test_truth_per_spaxel_applies_the_z_cut_like_the_maps():
    kin, flags, truth = _stars(n_spaxels=30)
    got = validation.truth_per_spaxel(kin, flags, truth, SIZE, z_max_kpc=0.05)
    stars = maps.select_map_stars(kin, flags, z_max_kpc=0.05)
    assert got["n_stars"].sum() == len(stars) < 180


def test_perfect_recovery_has_zero_bias_and_zero_chi2():
    kin, flags, truth = _stars(n_spaxels=100)
    tm = _truth_map(kin, flags, truth)
    out = validation.vr_map_recovery(_map_from(tm, tm["vR_true"], 2.0), kin, flags, truth,
                                     SIZE, min_stars=6, n_rep=2, n_per_bin=50)
    assert out["n_spaxels"] == 100 and out["n_stars"] == 600
    assert out["bias_mean_kms"] == pytest.approx(0, abs=1e-9)
    assert out["bias_median_kms"] == pytest.approx(0, abs=1e-9)
    assert out["fisher"]["chi2_dof"] == pytest.approx(0, abs=1e-12)
    assert out["fisher"]["frac_within_1sigma"] == 1.0


def test_errors_twice_too_large_give_chi2_one_quarter():
    kin, flags, truth = _stars(n_spaxels=2000, per=6)
    tm = _truth_map(kin, flags, truth)
    rng = np.random.default_rng(5)
    s = rng.uniform(1, 6, len(tm))
    recovered = tm["vR_true"] + s * rng.normal(0, 1, len(tm))
    out = validation.vr_map_recovery(_map_from(tm, recovered, 2 * s), kin, flags, truth, SIZE,
                                     min_stars=6, n_rep=1, n_per_bin=50)
    f = out["fisher"]
    # pull = z/2: E[pull^2] = 1/4, P(|pull| < 1) = P(|z| < 2), P(|pull| < 2) = P(|z| < 4)
    assert f["chi2_dof"] == pytest.approx(0.25, abs=4 * 0.25 * np.sqrt(2 / 2000))
    assert f["frac_within_1sigma"] == pytest.approx(stats.chi2.cdf(4, 1), abs=0.015)
    assert f["frac_within_2sigma"] == pytest.approx(stats.chi2.cdf(16, 1), abs=0.005)
    assert f["chi2_dof_weighted"] == pytest.approx(f["chi2_dof"], rel=1e-12)  # equal N
    assert abs(out["bias_mean_kms"]) < 4 * 3.5 / np.sqrt(2000)


def test_bias_and_weighted_statistics():
    kin, flags, truth = _stars(n_spaxels=4, per=6)
    kin = pd.concat([kin, kin.iloc[:6].assign(source_id=np.arange(100, 106))],
                    ignore_index=True)  # spaxel 0 gets 12 stars
    flags = pd.concat([flags, pd.DataFrame({"source_id": np.arange(100, 106),
                                            "in_vphi_window": True})])
    truth = pd.concat([truth, truth.iloc[:6].assign(source_id=np.arange(100, 106))])
    tm = _truth_map(kin, flags, truth).sort_values(["x_center", "y_center"])
    diff = np.array([3.0, -1.0, 1.0, 5.0])
    err = np.array([1.0, 2.0, 0.5, 10.0])
    out = validation.vr_map_recovery(_map_from(tm, tm["vR_true"] + diff, err), kin, flags,
                                     truth, SIZE, min_stars=6, n_rep=1, n_per_bin=50)
    n = tm["n_stars"].to_numpy()
    assert sorted(n) == [6, 6, 6, 12]
    assert out["bias_mean_kms"] == pytest.approx(2.0)
    assert out["bias_median_kms"] == pytest.approx(2.0)
    assert out["bias_mean_weighted_kms"] == pytest.approx(np.average(diff, weights=n))
    pull = diff / err
    assert out["fisher"]["chi2_dof"] == pytest.approx(np.mean(pull ** 2))
    assert out["fisher"]["chi2_dof_weighted"] == pytest.approx(np.average(pull ** 2, weights=n))
    assert out["fisher"]["frac_within_1sigma"] == pytest.approx(np.mean(np.abs(pull) < 1))
    assert out["fisher"]["frac_within_2sigma_weighted"] == pytest.approx(
        np.average(np.abs(pull) < 2, weights=n))


def test_zero_sqrtn_errors_are_counted_not_divided_by():
    out = validation.pull_stats([1.0, 2.0, 3.0], [0.0, 1.0, 2.0])
    assert out["n"] == 2 and out["n_zero_error"] == 1
    assert out["chi2_dof"] == pytest.approx((4 + 2.25) / 2)


def test_map_that_does_not_match_the_stars_is_an_error():
    kin, flags, truth = _stars(n_spaxels=20)
    tm = _truth_map(kin, flags, truth)
    good = _map_from(tm, tm["vR_true"], 1.0)
    with pytest.raises(ValueError, match="1 only in the truth"):
        validation.vr_map_recovery(good.iloc[1:], kin, flags, truth, SIZE, 6)
    with pytest.raises(ValueError, match="1 with different n_stars"):
        validation.vr_map_recovery(good.assign(n_stars=[7] + [6] * 19), kin, flags, truth,
                                   SIZE, 6)
    with pytest.raises(ValueError, match="20 only in the map"):  # a map of other stars
        validation.vr_map_recovery(good.assign(x_center=good["x_center"] + 100), kin, flags,
                                   truth, SIZE, 6)
    first = kin["source_id"].iloc[0]
    with pytest.raises(ValueError, match=rf"truth: no row for source_id \[{first}\]"):
        validation.vr_map_recovery(good, kin, flags, truth[truth["source_id"] != first], SIZE,
                                   6)


def test_headline_truth_is_the_expected_motion_and_the_smooth_field_a_diagnostic():
    kin, flags, truth = _stars(n_spaxels=2)
    # spaxel 0 is an association moving at +13.5 km/s off the smooth field
    members = truth["source_id"].isin(kin["source_id"].iloc[:6])
    truth.loc[members, "clump_id"] = 7
    truth.loc[members, "vR_expected"] = truth.loc[members, "vR_field"] + 13.5
    got = validation.truth_per_spaxel(kin, flags, truth, SIZE).sort_values("iy")
    assert got["vR_expected"].iloc[0] == pytest.approx(got["vR_true"].iloc[0] + 13.5)
    assert got["vR_expected"].iloc[1] == pytest.approx(got["vR_true"].iloc[1])
    truth_map = _truth_map(kin, flags, truth).sort_values("y_center").reset_index(drop=True)
    recovered = truth_map["vR_true"].to_numpy() + np.array([13.5, 0.0])  # a perfect map
    out = validation.vr_map_recovery(_map_from(truth_map, recovered, 1.0), kin, flags, truth,
                                     SIZE, 6, n_per_bin=50)
    assert out["bias_mean_kms"] == pytest.approx(0, abs=1e-9)
    assert out["smooth_field"]["bias_mean_kms"] == pytest.approx(13.5 / 2)
    assert out["smooth_field"]["frac_stars_in_clumps"] == pytest.approx(0.5)


def test_gaussian_reference_is_one_for_many_stars_and_above_one_for_few():
    rng = np.random.default_rng(3)
    for per, lo, hi in ((200, 0.85, 1.15), (6, 1.45, 2.3)):
        n_sp = 150
        spaxel = np.repeat(np.arange(n_sp), per)
        err = rng.uniform(3, 12, spaxel.size)
        ref = validation.gaussian_reference(spaxel, err, np.full(n_sp, 12.0), n_rep=4, seed=1)
        assert ref["fisher"]["n"] == 4 * n_sp
        assert lo < ref["fisher"]["chi2_dof"] < hi, (per, ref["fisher"]["chi2_dof"])
    again = validation.gaussian_reference(spaxel, err, np.full(n_sp, 12.0), n_rep=4, seed=1)
    assert again == ref  # seeded


def test_per_star_pulls_of_calibrated_singles():
    rng = np.random.default_rng(11)
    n = 20000
    true = rng.normal(0, 20, n)
    err = rng.uniform(2, 15, n)
    binary = rng.uniform(size=n) < 0.5
    runaway = rng.uniform(size=n) < 0.03
    n_ep = np.where(rng.uniform(size=n) < 0.3, 1, 3)
    noise = err * rng.normal(0, 1, n) + np.where(binary, rng.normal(0, 25, n), 0)
    v = true + noise + np.where(runaway, 300.0, 0.0)
    kin = pd.DataFrame({"source_id": np.arange(n), "x": -8.0, "y": 0.0, "z": 0.0, "v_R": v,
                        "v_R_err": err, "n_epochs": n_ep})
    kin.loc[:9, "v_R"] = np.nan
    flags = pd.DataFrame({"source_id": np.arange(n), "in_vphi_window": rng.uniform(size=n) < .9})
    truth = pd.DataFrame({"source_id": np.arange(n), "v_R": true, "vR_field": 0.0,
                          "vR_expected": 0.0, "is_binary": binary, "is_runaway": runaway,
                          "clump_id": -1})
    out = validation.per_star_recovery(kin, flags, truth)
    p = out["pull_singles"]
    assert p["n"] == np.sum(~binary & ~runaway & np.isfinite(kin["v_R"]))
    assert p["median"] == pytest.approx(0, abs=0.05)
    assert p["std"] == pytest.approx(1, abs=0.03) and p["robust_std"] == pytest.approx(1, abs=0.04)
    assert p["frac_within_1sigma"] == pytest.approx(0.6827, abs=0.015)
    assert p["frac_within_2sigma"] == pytest.approx(0.9545, abs=0.008)
    assert out["pull_singles_in_window"]["n"] < p["n"]
    ep = out["errors_by_epochs"]
    single1 = ep["n_epochs_1_singles"]
    sel = ~binary & ~runaway & (n_ep == 1) & np.isfinite(kin["v_R"]).to_numpy()
    assert single1["n"] == sel.sum()
    assert single1["median_vR_err_kms"] == pytest.approx(np.median(err[sel]))
    assert single1["std_resid_kms"] == pytest.approx(np.std(noise[sel], ddof=1))
    # binaries included: the residual scatter exceeds the quoted errors
    assert ep["n_epochs_ge2_all"]["std_resid_kms"] > 2 * ep["n_epochs_ge2_singles"]["std_resid_kms"]


def test_injection_recovery_json_round_trip(tmp_path):
    kin, flags, truth = _stars(n_spaxels=30)
    tm = _truth_map(kin, flags, truth)
    out = validation.injection_recovery({SIZE: _map_from(tm, tm["vR_true"] + 1.0, 2.0)}, kin,
                                        flags, truth, min_stars=6, n_per_bin=50)
    assert set(out) == {"vR_map_250pc", "per_star_vR", "notes"}
    assert out["vR_map_250pc"]["bias_mean_kms"] == pytest.approx(1.0)
    tables.write_json(out, tmp_path / "ir.json")
    back = json.loads((tmp_path / "ir.json").read_text())
    assert back["vR_map_250pc"]["fisher"]["chi2_dof"] == pytest.approx(0.25)


def test_missing_columns_are_named():
    kin, flags, truth = _stars(n_spaxels=2)
    with pytest.raises(ValueError, match=r"truth: missing column\(s\) \['vR_field'\]"):
        validation.truth_per_spaxel(kin, flags, truth.drop(columns="vR_field"), SIZE)
    with pytest.raises(ValueError, match=r"kinematics: missing column\(s\) \['n_epochs'\]"):
        validation.per_star_recovery(kin.drop(columns="n_epochs"), flags, truth)


def test_coverage_by_n_counts_truths_inside_per_bin():
    """Half the spaxels of each bin 0.5 sigma off (inside both intervals), a quarter 1.5 sigma
    (inside 95 % only), a quarter 3 sigma (outside): coverage 0.5 + ... exactly, per bin."""
    n = np.repeat([7, 15, 30, 80], 8)
    off = np.tile([0.5, 0.5, 0.5, 0.5, 1.5, 1.5, 3.0, 3.0], 4)
    err = np.full(n.size, 2.0)
    rows = validation.coverage_by_n(n, off * err, np.zeros(n.size), {"e": err},
                                    {"iv": {0.68: (-err, err), 0.95: (-2 * err, 2 * err)}})
    assert [r["bin"] for r in rows] == ["6-9", "10-19", "20-49", ">=50"]
    for r in rows:
        assert r["n_spaxels"] == 8
        assert r["e"] == {"coverage_68": 0.5, "coverage_95": 0.75}
    # a zero error (sigma_R / sqrt(N) at sigma_R = 0) covers nothing
    assert validation.coverage_by_n([6], [0.0], [0.0], {"e": [0.0]})[0]["e"]["coverage_68"] == 0


def test_injection_recovery_reports_coverage_by_n():
    kin, flags, truth = _stars(n_spaxels=30)
    tm = _truth_map(kin, flags, truth)
    out = validation.vr_map_recovery(_map_from(tm, tm["vR_true"], 2.0), kin, flags, truth, SIZE,
                                     6, n_per_bin=40, seed=3)
    cov = out["coverage_by_n"]
    assert [r["n_spaxels"] for r in cov["ideal"]["per_bin"]] == [40] * 4
    assert {"fisher", "marginal", "sqrtn", "hksj", "sigma_R_q_profile"} <= set(
        cov["ideal"]["per_bin"][0])
    mock = cov["mock_expected_truth"]
    assert sum(r["n_spaxels"] for r in mock) == out["n_spaxels"]
    assert "hksj" not in mock[0]  # a map without the HKSJ bounds
    # bounds 1 km/s around the truth (68 %) and 1 km/s beside it (95 %): covered / missed
    with_bounds = _map_from(tm, tm["vR_true"], 2.0).assign(
        vR_mean_lo68=tm["vR_true"] - 1, vR_mean_hi68=tm["vR_true"] + 1,
        vR_mean_lo95=tm["vR_true"] + 1, vR_mean_hi95=tm["vR_true"] + 2)
    got = validation.vr_map_recovery(with_bounds, kin, flags, truth, SIZE, 6, n_per_bin=10)
    row = got["coverage_by_n"]["mock_expected_truth"][0]
    assert row["n_spaxels"] == 30 and row["hksj"] == {"coverage_68": 1.0, "coverage_95": 0.0}
    again = validation.vr_map_recovery(_map_from(tm, tm["vR_true"], 2.0), kin, flags, truth,
                                       SIZE, 6, n_per_bin=40, seed=3)
    assert again["coverage_by_n"] == cov  # seeded: deterministic
