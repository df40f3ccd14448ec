"""Spaxel maps and the Eq. 4 maximum-likelihood estimator (Sec. 3.1, App. B)."""

import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from hotstars import maps
from hotstars.io import tables

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import build_maps  # noqa: E402


def nll(mu, sigma, v, e):
    """Eq. 4 written out, broadcasting over mu and sigma (stars on the last axis)."""
    var = np.asarray(sigma)[..., None] ** 2 + e**2
    return 0.5 * np.sum(np.log(var) + (v - np.asarray(mu)[..., None]) ** 2 / var, axis=-1)


def brute_force(v, e, sigma_max=300.0, levels=8):
    """Global (mu, sigma) minimum of Eq. 4: dense 2-D grid, then repeated 10x zooms."""
    dmu, dsig = min(0.5, e.min() / 4), 0.5
    mus = np.arange(v.min(), v.max() + dmu, dmu)
    sigs = np.arange(0.0, sigma_max + dsig / 2, dsig)
    for _ in range(levels + 1):
        M, S = np.meshgrid(mus, sigs, indexing="ij")
        f = nll(M, S, v, e)
        i, j = np.unravel_index(np.argmin(f), f.shape)
        mu0, s0 = mus[i], sigs[j]
        dmu, dsig = dmu / 10, dsig / 10
        mus = mu0 + dmu * np.arange(-20, 21)
        sigs = np.clip(s0 + dsig * np.arange(-20, 21), 0.0, sigma_max)
    return mu0, s0


def profile_slope_at_zero(v, e):
    """dNLL/d(sigma^2) at sigma = 0 with mu at its optimum (weighted mean), by finite difference."""
    h = 1e-6 * e.min() ** 2

    def prof(s):
        w = 1.0 / (s + e**2)
        return nll(np.sum(w * v) / np.sum(w), np.sqrt(s), v, e)

    return (prof(h) - prof(0.0)) / h


def heteroscedastic_sample(rng, n, mu=0.0, sigma=12.0):
    e = rng.uniform(5.0, 20.0, n)
    return mu + rng.normal(0.0, sigma, n) + rng.normal(0.0, 1.0, n) * e, e


# --- the estimator ----------------------------------------------------------------------------

def test_mle_matches_brute_force_2d_grid():
    rng = np.random.default_rng(11)
    for n in (6, 7, 10, 15, 25, 50):
        for sigma_true in (0.0, 12.0, 40.0):
            v, e = heteroscedastic_sample(rng, n, mu=rng.uniform(-30, 30), sigma=sigma_true)
            mu_bf, sig_bf = brute_force(v, e)
            fit = maps.grouped_mle(np.zeros(n), v, e).iloc[0]
            assert fit["mu"] == pytest.approx(mu_bf, abs=1e-5)
            assert fit["sigma"] == pytest.approx(sig_bf, abs=1e-5)
            assert nll(fit["mu"], fit["sigma"], v, e) <= nll(mu_bf, sig_bf, v, e) + 1e-10
            mu_ref, sig_ref, _ = maps.profile_mle(v, e)
            assert (mu_ref, sig_ref) == pytest.approx((mu_bf, sig_bf), abs=1e-5)


@pytest.mark.parametrize("v, e", [
    # one star with a tiny error: sigma = 0 and an interior sigma are both local minima
    ([-42.239, -4.959, -5.434, 20.435], [0.274, 8.436, 16.598, 11.62]),   # interior is lower
    ([39.233, 40.767, -5.757, 36.102], [0.356, 13.637, 11.619, 4.775]),    # sigma = 0 is lower
])
def test_global_minimum_when_profile_is_bimodal(v, e):
    v, e = np.array(v), np.array(e)
    sig = np.linspace(0, 100, 20001)
    w = 1.0 / (sig[:, None] ** 2 + e**2)
    prof = nll((w @ v) / w.sum(axis=1), sig, v, e)
    interior = np.flatnonzero((prof[1:-1] < prof[:-2]) & (prof[1:-1] <= prof[2:])) + 1
    assert len(interior) == 1 and profile_slope_at_zero(v, e) > 0  # two local minima indeed
    mu_bf, sig_bf = brute_force(v, e)
    fit = maps.grouped_mle(np.zeros(v.size), v, e).iloc[0]
    assert (fit["mu"], fit["sigma"]) == pytest.approx((mu_bf, sig_bf), abs=1e-5)
    assert (fit["sigma"] == 0) == (prof[0] < prof[interior[0]])
    assert maps.profile_mle(v, e)[:2] == pytest.approx((fit["mu"], fit["sigma"]), abs=1e-8)


def test_sigma_zero_boundary_and_interior_stationarity():
    rng = np.random.default_rng(5)
    zero = 0
    for _ in range(200):  # sigma_true = 0, large errors: often sigma_hat = 0 exactly
        e = rng.uniform(15.0, 25.0, 8)
        v = 3.0 + rng.normal(0.0, 1.0, 8) * e
        fit = maps.grouped_mle(np.zeros(8), v, e).iloc[0]
        slope = profile_slope_at_zero(v, e)
        if fit["sigma"] == 0.0:
            zero += 1
            assert slope >= -1e-9 * np.sum(e**-2)  # NLL rises from sigma = 0
            w = e**-2
            assert fit["mu"] == pytest.approx(np.sum(w * v) / np.sum(w), abs=1e-10)
            assert fit["mu_err_fisher"] == pytest.approx(np.sum(w) ** -0.5)
            assert fit["mu_err_sqrtn"] == 0.0
        else:
            assert slope < 0
    assert zero > 60

    v, e = heteroscedastic_sample(rng, 30, sigma=60.0)
    fit = maps.grouped_mle(np.zeros(30), v, e).iloc[0]
    mu, s = fit["mu"], fit["sigma"]
    assert s > 20
    h = 1e-4
    assert (nll(mu, s + h, v, e) - nll(mu, s - h, v, e)) / (2 * h) == pytest.approx(0, abs=1e-6)
    assert (nll(mu + h, s, v, e) - nll(mu - h, s, v, e)) / (2 * h) == pytest.approx(0, abs=1e-6)


def test_simulated_spaxels_errors_are_calibrated():
    rng = np.random.default_rng(2024)
    n_groups = 2000
    n = rng.integers(6, 51, n_groups)
    group = np.repeat(np.arange(n_groups), n)
    mu_true = rng.uniform(-30.0, 30.0, n_groups)
    e = rng.uniform(5.0, 20.0, group.size)
    v = mu_true[group] + rng.normal(0.0, 12.0, group.size) + rng.normal(0.0, 1.0, group.size) * e
    fit = maps.grouped_mle(group, v, e)
    resid = fit["mu"].to_numpy() - mu_true
    err = fit["mu_err_fisher"].to_numpy()
    pull = resid / err
    big = n >= 20
    # calibrated where sigma is well determined; for N = 6..19 the ML sigma is biased low (and
    # often 0), so the Fisher error is ~15-25 % too small there (~1.11 over N = 6..50)
    assert np.std(pull[big]) == pytest.approx(1.0, abs=0.1)
    assert 1.0 < np.std(pull) < 1.2
    assert abs(np.mean(pull)) < 0.1
    assert np.std(resid[big]) == pytest.approx(np.sqrt(np.mean(err[big] ** 2)), rel=0.1)
    # the paper's sigma/sqrt(N) ignores the measurement errors: far too small when e ~ sigma
    ok = big & (fit["sigma"].to_numpy() > 0)
    assert np.std(resid[ok] / fit["mu_err_sqrtn"].to_numpy()[ok]) > 1.5
    assert np.median(fit["sigma"][n >= 30]) == pytest.approx(12.0, abs=1.5)
    np.testing.assert_allclose(fit["mu_err_sqrtn"], fit["sigma"] / np.sqrt(n))
    # the exact Fisher error formula at the estimate
    w = 1.0 / (fit["sigma"].to_numpy()[group] ** 2 + e**2)
    np.testing.assert_allclose(fit["mu_err_fisher"], np.bincount(group, w) ** -0.5, rtol=1e-12)


def test_vectorised_equals_per_spaxel_reference():
    rng = np.random.default_rng(8)
    n = rng.integers(1, 40, 150)
    group = np.repeat(rng.permutation(1000)[:150] * 7 - 300, n)  # arbitrary, unsorted labels
    e = rng.uniform(1.0, 25.0, group.size)
    v = rng.normal(0.0, np.repeat(rng.uniform(0, 30, 150), n)) + rng.normal(0.0, 1.0, e.size) * e
    order = rng.permutation(group.size)
    fit = maps.grouped_mle(group[order], v[order], e[order])
    assert list(fit.index) == sorted(set(group))
    for label, row in fit.iterrows():
        sel = group == label
        assert row["n_stars"] == sel.sum()
        ref = maps.profile_mle(v[sel], e[sel])
        np.testing.assert_allclose([row["mu"], row["sigma"], row["mu_err_fisher"]], ref,
                                   rtol=1e-8, atol=1e-8)


def test_group_sums_in_runs_equal_bincount():
    """_Groups: stars sorted by group, no group empty -> reduceat/repeat; else bincount/gather;
    the same sums (to rounding), minima and per-star values."""
    rng = np.random.default_rng(4)
    sorted_codes = np.repeat(np.arange(50), rng.integers(1, 30, 50))
    x = rng.normal(0, 10, sorted_codes.size)
    runs = maps._Groups(sorted_codes, 50)
    assert runs.runs
    for codes, n in ((rng.permutation(sorted_codes), 50), (sorted_codes, 52)):  # unsorted; empty
        other = maps._Groups(codes, n)
        assert not other.runs
        np.testing.assert_allclose(other.sum(x), np.bincount(codes, x, n), rtol=0, atol=0)
    plain = maps._Groups(rng.permutation(sorted_codes), 50)
    plain.codes, plain.runs = sorted_codes, False  # the fallback on the sorted stars
    np.testing.assert_allclose(runs.sum(x), plain.sum(x), rtol=1e-12, atol=1e-12)
    assert np.array_equal(runs.min(x), plain.min(x))
    per_group = rng.normal(size=50)
    assert np.array_equal(runs.at(per_group), plain.at(per_group))
    assert np.array_equal(runs.at(per_group), per_group[sorted_codes])


def test_shift_equivariance():
    rng = np.random.default_rng(3)
    group = np.repeat(np.arange(40), 12)
    v, e = heteroscedastic_sample(rng, group.size)
    a = maps.grouped_mle(group, v, e)
    for c in (-250.0, 1.0e4):
        b = maps.grouped_mle(group, v + c, e)
        np.testing.assert_allclose(b["mu"], a["mu"] + c, rtol=0, atol=1e-9 * max(1, abs(c)))
        np.testing.assert_allclose(b["sigma"], a["sigma"], rtol=1e-9, atol=1e-9)


def test_degenerate_samples():
    # all velocities equal: sigma = 0, mu = the velocity, Fisher error from the errors alone
    mu, sig, err = maps.profile_mle([7.0] * 6, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    assert (mu, sig) == (pytest.approx(7.0), 0.0)
    assert err == pytest.approx(np.sum(1 / np.arange(1, 7.0) ** 2) ** -0.5)
    fit = maps.grouped_mle([0] * 6 + [1], [7.0] * 6 + [3.0], [1.0, 2, 3, 4, 5, 6, 2])
    assert fit.loc[0, "sigma"] == 0.0 and fit.loc[0, "mu"] == pytest.approx(7.0)
    assert fit.loc[1, "sigma"] == 0.0 and fit.loc[1, "mu_err_fisher"] == 2.0  # a single star
    # one star with a tiny error pins the mean; no NaN
    v = np.array([0.0, 10.0, -8.0, 5.0, 12.0, -3.0])
    e = np.array([1e-6, 10.0, 10.0, 10.0, 10.0, 10.0])
    fit = maps.grouped_mle(np.zeros(6), v, e).iloc[0]
    assert np.all(np.isfinite(fit.to_numpy()))
    assert fit["sigma"] == 0.0 and abs(fit["mu"]) < 1e-9
    # a spread far beyond sigma_max: the search stops at the bound
    fit = maps.grouped_mle(np.zeros(6), [-2000.0, 2000, -1500, 1500, 0, 100], [1.0] * 6, 300.0)
    assert fit.iloc[0]["sigma"] == 300.0
    # invalid errors or velocities are refused clearly
    for bad_e in ([1.0, 0.0], [1.0, -2.0], [1.0, np.nan], [1.0, np.inf]):
        with pytest.raises(maps.MapError, match="errors"):
            maps.grouped_mle([0, 0], [1.0, 2.0], bad_e)
        with pytest.raises(maps.MapError, match="errors"):
            maps.profile_mle([1.0, 2.0], bad_e)
    with pytest.raises(maps.MapError, match="velocities"):
        maps.grouped_mle([0, 0], [1.0, np.nan], [1.0, 1.0])


# --- spaxels and maps ---------------------------------------------------------------------------

def test_spaxel_index_edges_and_negative_coordinates():
    ix, iy = maps.spaxel_index([0.0, 0.25, 0.5, 0.4999, -0.25, -1e-12, -8.2, 7.75],
                               [-0.125, 0.0, -0.25, 1.0, -0.2500001, 3.0, 0.0, -7.75], 0.25)
    np.testing.assert_array_equal(ix, [0, 1, 2, 1, -1, -1, -33, 31])
    np.testing.assert_array_equal(iy, [-1, 0, -1, 4, -2, 12, 0, -31])
    assert (ix[6] + 0.5) * 0.25 == pytest.approx(-8.125)  # the Sun's spaxel centre
    # the edge definition i*size <= x < (i+1)*size holds exactly, also for sizes not exact in binary
    rng = np.random.default_rng(0)
    for size in (0.1, 0.125, 0.3):
        x = np.concatenate([np.arange(-100, 100) * size, rng.uniform(-20, 20, 1000)])
        i, _ = maps.spaxel_index(x, x, size)
        assert np.all(i * size <= x) and np.all(x < (i + 1) * size)
    with pytest.raises(maps.MapError):
        maps.spaxel_index([np.nan], [0.0], 0.25)
    with pytest.raises(maps.MapError):
        maps.spaxel_index([0.0], [0.0], 0.0)


def test_density_map_matches_histogram2d():
    rng = np.random.default_rng(4)
    x, y = rng.normal(-4, 3, 5000), rng.normal(1, 2, 5000)
    size = 0.5
    d = maps.density_map(x, y, size)
    assert d["n_stars"].sum() == x.size and (d["n_stars"] >= 1).all()
    xe = np.arange(np.floor(x.min() / size), np.ceil(x.max() / size) + 1) * size
    ye = np.arange(np.floor(y.min() / size), np.ceil(y.max() / size) + 1) * size
    hist, _, _ = np.histogram2d(x, y, bins=[xe, ye])
    i, j = np.nonzero(hist)
    ref = pd.DataFrame({"x_center": 0.5 * (xe[i] + xe[i + 1]),
                        "y_center": 0.5 * (ye[j] + ye[j + 1]), "n": hist[i, j]})
    key = ["x_center", "y_center"]
    merged = ref.round({k: 9 for k in key}).merge(d.round({k: 9 for k in key}), on=key)
    assert len(merged) == len(ref) == len(d)
    np.testing.assert_array_equal(merged["n"], merged["n_stars"])
    np.testing.assert_allclose(d["surface_density"], d["n_stars"] / size**2)


def test_sigma_at_boundary_flags_the_fits_that_end_at_a_bound():
    rng = np.random.default_rng(11)
    # group 0: scatter well below the errors (sigma = 0); 1: clear dispersion (interior root);
    # 2: a spread far beyond sigma_max (the upper bound)
    v = np.concatenate([rng.normal(0, 1, 8), rng.normal(0, 30, 40),
                        [-2000.0, 2000, -1500, 1500, 0, 100]])
    e = np.concatenate([np.full(8, 10.0), np.full(40, 3.0), np.ones(6)])
    group = np.repeat([0, 1, 2], [8, 40, 6])
    fit = maps.grouped_mle(group, v, e, 300.0, boundary=True)
    assert fit["sigma_at_boundary"].dtype == bool
    assert fit["sigma_at_boundary"].tolist() == [True, False, True]
    assert fit.loc[0, "sigma"] == 0.0 and fit.loc[2, "sigma"] == 300.0 and fit.loc[1, "sigma"] > 0
    # Eq. 4: sigma = 0 is the minimum iff g(0) = sum w - sum w^2 (v - mu)^2 >= 0, w = 1/e^2
    w = 1 / e[:8] ** 2
    mu = np.sum(w * v[:8]) / np.sum(w)
    assert np.sum(w) - np.sum(w ** 2 * (v[:8] - mu) ** 2) >= 0
    assert "sigma_at_boundary" not in maps.grouped_mle(group, v, e)  # only when asked
    # the v_R map carries the flag, registered with the other product columns
    x = np.repeat([0.1, 0.6, 1.1], [8, 40, 6])
    m = maps.vr_map(x, np.zeros_like(x), v, e, 0.25, min_stars=6, sigma_max=300.0)
    assert m["sigma_at_boundary"].tolist() == [True, False, True]
    assert m.loc[m["sigma_at_boundary"], "sigma_R"].isin([0.0, 300.0]).all()
    from hotstars.io import columns
    assert columns.missing(maps.VR_COLUMNS) == []


def test_vr_map_min_stars_and_per_spaxel_values():
    rng = np.random.default_rng(6)
    # spaxel A (5 stars) is dropped, B (6 stars) kept, C (20 stars) kept; 250 pc spaxels
    xa, xb, xc = np.full(5, 0.1), np.full(6, -0.1), rng.uniform(1.0, 1.25, 20)
    x = np.concatenate([xa, xb, xc])
    y = np.concatenate([np.full(5, 0.1), np.full(6, 0.2), rng.uniform(-0.5, -0.25, 20)])
    e = rng.uniform(5, 15, x.size)
    v = rng.normal(0, 10, x.size) + np.where(x > 0.9, 25.0, -15.0)
    m = maps.vr_map(x, y, v, e, 0.25, min_stars=6)
    assert list(m.columns) == maps.VR_COLUMNS
    assert sorted(m["n_stars"]) == [6, 20]
    b = m.set_index("n_stars").loc[6]
    assert (b["x_center"], b["y_center"]) == (-0.125, 0.125)
    ref = maps.profile_mle(v[5:11], e[5:11])
    assert (b["vR_mean"], b["sigma_R"], b["vR_mean_err"]) == pytest.approx(ref, rel=1e-8, abs=1e-8)
    c = m.set_index("n_stars").loc[20]
    assert (c["x_center"], c["y_center"]) == (1.125, -0.375)
    assert c["vR_mean_err_sqrtn"] == pytest.approx(c["sigma_R"] / np.sqrt(20))
    assert len(maps.vr_map(x[:5], y[:5], v[:5], e[:5], 0.25, min_stars=6)) == 0
    assert len(maps.vr_map(x[:5], y[:5], v[:5], e[:5], 0.25, min_stars=5)) == 1


def kinematics_table():
    nan = np.nan
    return pd.DataFrame({
        "source_id": np.arange(1, 9, dtype=np.int64),
        "x": [-8.0, -8.1, -8.2, -8.3, nan, -8.0, -8.0, -8.0],
        "y": [0.1, 0.2, 0.3, 0.4, 0.5, 0.1, 0.1, 0.1],
        "z": [0.0, 0.3, -0.05, 0.0, 0.0, 0.0, 0.0, 0.0],
        "v_R": [1.0, 2.0, 3.0, nan, 5.0, 6.0, 7.0, 8.0],
        "v_R_err": [1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0],
    })


def test_select_map_stars_cutflow():
    kin = kinematics_table()
    flags = pd.DataFrame({"source_id": kin["source_id"][::-1],
                          "in_vphi_window": [False, True, True, True, True, True, True, True]})
    out = maps.select_map_stars(kin, flags)
    # 8 out of window; 4 NaN v_R, 5 NaN x, 6 zero error
    assert list(out["source_id"]) == [1, 2, 3, 7]
    assert out.attrs["counts"] == {"n_input": 8, "n_in_vphi_window": 7, "n_finite_vR": 4,
                                   "n_selected": 4}
    out = maps.select_map_stars(kin, flags, z_max_kpc=0.1)
    assert list(out["source_id"]) == [1, 3, 7] and out.attrs["counts"]["n_selected"] == 3
    with pytest.raises(maps.MapError, match="flags.parquet.*in_vphi_window missing"):
        maps.select_map_stars(kin, flags.iloc[1:], labels=("kin.parquet", "flags.parquet"))
    with pytest.raises(maps.MapError, match="kin.parquet.*v_R_err"):
        maps.select_map_stars(kin.drop(columns="v_R_err"), flags, labels=("kin.parquet", "f"))


def test_build_maps_script(tmp_path):
    rng = np.random.default_rng(9)
    n = 3000
    kin = pd.DataFrame({"source_id": np.arange(n, dtype=np.int64),
                        "x": rng.uniform(-9, -7, n), "y": rng.uniform(-1, 1, n),
                        "z": rng.normal(0, 0.1, n), "v_R": rng.normal(-11, 12, n),
                        "v_R_err": rng.uniform(5, 15, n)})
    flags = pd.DataFrame({"source_id": kin["source_id"], "in_vphi_window": rng.random(n) < 0.9})
    tables.write_table(kin, tmp_path / "kin.parquet")
    tables.write_table(flags, tmp_path / "flags.parquet")
    sm = SimpleNamespace(
        input=SimpleNamespace(kinematics=str(tmp_path / "kin.parquet"),
                              flags=str(tmp_path / "flags.parquet")),
        output=SimpleNamespace(density=str(tmp_path / "d.parquet"), vr=str(tmp_path / "vr.parquet")),
        params=SimpleNamespace(spaxel_pc=250, min_stars=6, z_max_kpc=None, sigma_max=300.0),
        log=[str(tmp_path / "log.txt")])
    build_maps.main(sm)
    d, vr = tables.read_table(sm.output.density), tables.read_table(sm.output.vr)
    assert d["n_stars"].sum() == flags["in_vphi_window"].sum()
    assert list(vr.columns) == maps.VR_COLUMNS and (vr["n_stars"] >= 6).all()
    assert tables.read_units(sm.output.vr)["sigma_R"] == "km / s"
    assert tables.read_units(sm.output.density)["surface_density"] == "1 / kpc2"
    # the Eq. 4 mean over the 64 well-filled spaxels recovers the injected -11 km/s
    assert np.average(vr["vR_mean"], weights=vr["vR_mean_err"] ** -2) == pytest.approx(-11, abs=1)
