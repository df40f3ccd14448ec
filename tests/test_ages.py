"""Bayesian isochrone ages (hotstars.ages; paper Sec. 3.2, Eq. 5-14; docs/conventions.md, Ages)."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from astropy.table import Table

from hotstars import ages, isochrones
from hotstars.io import tables

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import compute_ages  # noqa: E402
import gather_ages  # noqa: E402

LOG_AGES = np.round(np.arange(6.0, 9.0 + 0.05, 0.1), 4)   # a reduced grid: step 0.1 dex
FEHS = [-0.2, -0.1, 0.0, 0.1, 0.2]
PRIORS = ages.AgePriors()
R_SOLAR_FEH = 0.546 / 0.0678   # R_Gal [kpc] where the Eq. 9 mean [Fe/H] is 0


@pytest.fixture(scope="module")
def grid() -> pd.DataFrame:
    """MIST (lachesis-grids) isochrones on the reduced axes (~2 s)."""
    return isochrones.build_grid_lachesis(LOG_AGES, FEHS)


@pytest.fixture(scope="module")
def prepared(grid):
    return ages.prepare_grid(grid, LOG_AGES)


def stars(x, sig, r_gal, source_id=None) -> pd.DataFrame:
    """An age-inputs table from observables x = (log_teff, logg, mk) and their sigmas."""
    x = np.atleast_2d(x).astype(float)
    n = len(x)
    sig = np.broadcast_to(np.asarray(sig, float), (n, 3))
    return pd.DataFrame({
        "source_id": np.arange(n, dtype=np.int64) if source_id is None else source_id,
        "log_teff": x[:, 0], "sig_log_teff": sig[:, 0], "logg": x[:, 1], "sig_logg": sig[:, 1],
        "mk": x[:, 2], "sig_mk": sig[:, 2], "r_gal": np.broadcast_to(r_gal, n).astype(float)})


@pytest.fixture(scope="module")
def realistic(grid) -> pd.DataFrame:
    """300 hot stars drawn from the grid's points (Teff > 10 kK, log-age <= 8.5) and observed
    with HSS-like errors: Teff 0.7-2 %, log g 0.03-0.1 dex, M_K 0.03-0.4 mag."""
    rng = np.random.default_rng(42)
    hot = grid[(grid["log_teff"] > 4.0) & (grid["log_age"] <= 8.5)]
    true = hot.iloc[rng.choice(len(hot), 300, replace=False)]
    n = len(true)
    sig = np.column_stack([rng.uniform(0.007, 0.02, n) / np.log(10), rng.uniform(0.03, 0.1, n),
                           rng.uniform(0.03, 0.4, n)])
    x = true[["log_teff", "log_g", "M_Ks"]].to_numpy() + rng.normal(size=(n, 3)) * sig
    return stars(x, sig, rng.uniform(4.0, 14.0, n))


def assert_posteriors_close(fast, ref, rtol=1e-10):
    """Same NaN rows; elsewhere |fast - ref| <= rtol * max(ref) per star."""
    np.testing.assert_array_equal(np.isnan(fast), np.isnan(ref))
    ok = ~np.isnan(ref).any(axis=1)
    err = np.abs(fast[ok] - ref[ok]).max(axis=1) / ref[ok].max(axis=1)
    assert err.max() <= rtol, f"max relative difference {err.max():.2e}"


# --------------------------------------------------------------------------------------------
# Inputs (docs/conventions.md, Ages)
# --------------------------------------------------------------------------------------------

def hss_table(**override) -> pd.DataFrame:
    t = pd.DataFrame({"source_id": [7, 3], "teff": [20000.0, 15000.0], "e_teff": [200.0, 300.0],
                      "logg": [4.0, 3.8], "e_logg": [0.05, 0.1], "ks_m": [10.0, 11.0],
                      "ks_msigcom": [0.02, 0.03], "r_med_photogeo": [1000.0, 2000.0],
                      "r_lo_photogeo": [950.0, 1800.0], "r_hi_photogeo": [1050.0, 2200.0]})
    return t.assign(**override)


KIN = pd.DataFrame({"source_id": [3, 7], "R": [9.0, 7.5]})


def test_age_inputs_recipe():
    t = ages.age_inputs(hss_table(), KIN)
    assert t["source_id"].tolist() == [3, 7]  # sorted by source_id
    s = t.set_index("source_id")
    assert s.loc[7, "log_teff"] == pytest.approx(np.log10(20000.0))
    assert s.loc[7, "sig_log_teff"] == pytest.approx(0.01 / np.log(10))   # e_teff / (teff ln 10)
    assert s.loc[7, "mk"] == pytest.approx(10.0 - 5 * 2.0)                 # d = 1 kpc: DM = 10
    assert s.loc[7, "sig_mk"] == pytest.approx(np.hypot(0.02, 2.171 * 50 / 1000), rel=1e-3)
    assert s.loc[3, "sig_mk"] == pytest.approx(np.hypot(0.03, 2.171 * 200 / 2000), rel=1e-3)
    assert s.loc[3, "r_gal"] == 9.0 and s.loc[7, "r_gal"] == 7.5
    assert s.loc[3, "sig_logg"] == 0.1


def test_extinction_column_shifts_mk():
    plain = ages.age_inputs(hss_table(), KIN)
    red = ages.age_inputs(hss_table(a_k=[0.3, 0.1]), KIN, extinction_column="a_k")
    np.testing.assert_allclose(red["mk"], plain["mk"] - np.array([0.1, 0.3]), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(red["sig_mk"], plain["sig_mk"])
    with pytest.raises(ages.AgeError, match="a_k"):
        ages.age_inputs(hss_table(), KIN, extinction_column="a_k")


def test_inputs_need_the_kinematics_of_every_star():
    with pytest.raises(ages.AgeError, match="kinematics"):
        ages.age_inputs(hss_table(), KIN.iloc[:1])


def test_missing_input_gives_flag_2(grid, prepared):
    hss = hss_table(ks_m=[np.nan, 11.0], e_teff=[200.0, 0.0])  # star 7: no Ks; star 3: e_teff = 0
    t = ages.age_inputs(hss, KIN)
    P, n_points, flag = ages.posteriors(t, prepared, PRIORS)
    assert flag.tolist() == [2, 2] and np.isnan(P).all()
    assert np.isnan(ages.posteriors_reference(t, grid, LOG_AGES, PRIORS)).all()
    out = ages.summarise(t["source_id"], P, LOG_AGES, n_points, flag)
    assert out["age_flag"].tolist() == [2, 2] and out["logage_p50"].isna().all()


# --------------------------------------------------------------------------------------------
# Fast path == plain reference
# --------------------------------------------------------------------------------------------

def test_fast_path_equals_reference(grid, prepared, realistic):
    fast, n_points, flag = ages.posteriors(realistic, prepared, PRIORS)
    ref = ages.posteriors_reference(realistic, grid, LOG_AGES, PRIORS)
    assert (flag == 0).mean() > 0.95
    assert_posteriors_close(fast, ref)
    np.testing.assert_allclose(np.nansum(fast, axis=1)[flag == 0], 1.0, rtol=1e-12)
    # the point counts are those of chi2 <= w^2 over the whole grid
    q = grid[["log_teff", "log_g", "M_Ks"]].to_numpy()
    x = realistic[["log_teff", "logg", "mk"]].to_numpy()
    sig = realistic[["sig_log_teff", "sig_logg", "sig_mk"]].to_numpy()
    for i in range(0, len(x), 50):
        chi2 = (((q[None] - x[i, None]) / sig[i, None]) ** 2).sum(axis=2)
        assert n_points[i] == np.count_nonzero(chi2 <= 100.0)


@pytest.mark.parametrize("priors", [ages.AgePriors(age_prior="uniform_log_age", imf_exponent=2.35),
                                    ages.AgePriors(feh_slope=-0.03, feh_intercept=0.2, feh_sigma=0.05)])
def test_fast_path_equals_reference_other_priors(grid, prepared, realistic, priors):
    sub = realistic.iloc[:60]
    assert_posteriors_close(ages.posteriors(sub, prepared, priors)[0],
                            ages.posteriors_reference(sub, grid, LOG_AGES, priors))


def test_poor_fits_get_a_wider_window(grid, prepared, monkeypatch, caplog):
    """A star 9.95 sigma (in log g) from the main sequence: its best points have chi2 just below
    w^2 = 100, so the bound on what the w = 10 window leaves out exceeds NEGLECT_MAX; the second,
    wider pass changes the result and matches the plain sum."""
    iso = grid[(grid["log_age"] == 7.0) & (grid["feh"] == 0.0) & (grid["phase"] == 0)
               & (grid["log_teff"] > 4.2)]
    point = iso.iloc[len(iso) // 2][["log_teff", "log_g", "M_Ks"]].to_numpy(float)
    sig = np.array([0.004, 0.03, 0.03])
    t = stars([point + [0, 9.95 * sig[1], 0]], sig, R_SOLAR_FEH)
    ref = ages.posteriors_reference(t, grid, LOG_AGES, PRIORS)
    with caplog.at_level("INFO", logger="hotstars.ages"):
        wide, n_points, flag = ages.posteriors(t, prepared, PRIORS)
    assert flag[0] == 0 and "1 of 1 stars: window widened" in caplog.text
    assert_posteriors_close(wide, ref, rtol=1e-14)
    monkeypatch.setattr(ages, "NEGLECT_MAX", np.inf)  # no second pass
    narrow = ages.posteriors(t, prepared, PRIORS)[0]
    assert not np.array_equal(narrow, wide)
    assert_posteriors_close(narrow, ref, rtol=1e-10)  # the cells' slack already covers most


def test_batching_does_not_change_results(prepared, realistic):
    """The same bits whether each star's window is gathered whole (default ``chunk``), in pieces
    of a few ranges (500: most windows hold more points) or one range per piece (1)."""
    a = ages.posteriors(realistic, prepared, PRIORS)
    assert (a[1] > 500).sum() > 100  # windows >= n_points > 500: split into several pieces
    for chunk in (500, 1):
        b = ages.posteriors(realistic, prepared, PRIORS, chunk=chunk)
        for u, v in zip(a, b):
            np.testing.assert_array_equal(u, v)


# --------------------------------------------------------------------------------------------
# Flags, priors, recovery
# --------------------------------------------------------------------------------------------

def test_off_grid_stars_get_flag_1(grid, prepared):
    sig = [0.005, 0.05, 0.1]
    t = stars([[np.log10(60000.0), 4.0, -1.0],    # a 60 kK "B star"
               [np.log10(20000.0), 1.0, -1.0],    # log g = 1 at B-star Teff and M_K
               [np.log10(20000.0), 4.0, -1.5]],   # a normal B star
              sig, R_SOLAR_FEH)
    P, n_points, flag = ages.posteriors(t, prepared, PRIORS)
    assert flag.tolist() == [1, 1, 0] and n_points[:2].tolist() == [0, 0] and n_points[2] > 0
    assert np.isnan(P[:2]).all() and np.isfinite(P[2]).all()
    ref = ages.posteriors_reference(t, grid, LOG_AGES, PRIORS)
    assert np.isnan(ref[:2]).all() and np.isfinite(ref[2]).all()
    out = ages.summarise(t["source_id"], P, LOG_AGES, n_points, flag)
    assert out.loc[:1, ["logage_p50", "logage_err", "age_myr"]].isna().all().all()


def test_flat_likelihood_gives_the_prior(grid, prepared):
    """Huge errors: L = 1 to < 1e-11 everywhere, so f(tau) ∝ psi(tau) sum_j phi(Z_j) sum_i xi dm."""
    t = stars([[4.3, 4.0, -1.0]] * 2, [1e6, 1e6, 1e7], [5.0, 12.0])
    for priors in (PRIORS, ages.AgePriors(age_prior="uniform_log_age", imf_exponent=2.35)):
        P, n_points, flag = ages.posteriors(t, prepared, priors)
        assert (flag == 0).all() and (n_points == len(grid)).all()
        w = grid["initial_mass"] ** -priors.imf_exponent * grid["dm"]
        W = w.groupby([grid["log_age"], grid["feh"]]).sum().unstack().to_numpy()  # [age, feh]
        for row, r_gal in zip(P, t["r_gal"]):
            z_exp = priors.feh_slope * r_gal + priors.feh_intercept  # Eq. 9
            phi = np.exp(-0.5 * ((np.array(FEHS) - z_exp) / priors.feh_sigma) ** 2)  # Eq. 8
            psi = 10.0 ** LOG_AGES if priors.age_prior == "uniform_age" else np.ones(LOG_AGES.size)
            expect = psi * (W @ phi)
            np.testing.assert_allclose(row, expect / expect.sum(), rtol=1e-9)


def test_metallicity_prior_shifts_the_posterior(prepared):
    """At fixed observables, the posterior moves with R_Gal (Eq. 9) unless sigma_Z is huge."""
    t = stars([[np.log10(18000.0), 3.9, -1.5]] * 2, [0.004, 0.05, 0.1], [4.0, 14.0])
    P = ages.posteriors(t, prepared, PRIORS)[0]
    assert np.abs(P[0] - P[1]).max() > 1e-3
    broad = ages.posteriors(t, prepared, ages.AgePriors(feh_sigma=1e4))[0]
    np.testing.assert_allclose(broad[0], broad[1], rtol=1e-6)


@pytest.mark.parametrize("log_age", [6.5, 7.0, 7.5])
def test_star_on_a_young_isochrone_recovers_its_age(grid, prepared, log_age):
    iso = grid[(grid["log_age"] == log_age) & (grid["feh"] == 0.0) & (grid["phase"] == 0)
               & (grid["log_teff"] > 4.1)]
    point = iso.iloc[len(iso) // 2]
    t = stars([point[["log_teff", "log_g", "M_Ks"]].to_numpy(float)], [1e-4, 1e-3, 1e-3],
              R_SOLAR_FEH)
    P, n_points, flag = ages.posteriors(t, prepared, PRIORS)
    p16, p50, p84 = ages.percentiles(P, LOG_AGES)[0]
    assert flag[0] == 0 and abs(p50 - log_age) <= 0.05  # within its bin (half a step)
    assert p16 < p50 < p84


# --------------------------------------------------------------------------------------------
# Percentiles (docs/conventions.md: each tau_k owns +-half a step, CDF linear inside)
# --------------------------------------------------------------------------------------------

def test_percentiles_single_bin():
    axis = np.round(np.arange(6.0, 7.0001, 0.05), 4)
    P = np.zeros((1, axis.size))
    P[0, 7] = 1.0
    h = 0.025  # half a step; p = tau - h + q * 2h inside the bin
    np.testing.assert_allclose(ages.percentiles(P, axis)[0],
                               [axis[7] - 0.68 * h, axis[7], axis[7] + 0.68 * h], atol=1e-12)


def test_percentiles_uniform_and_two_bins():
    axis = np.round(np.arange(6.0, 9.0001, 0.05), 4)
    flat = np.full((1, axis.size), 1.0 / axis.size)
    lo, span = axis[0] - 0.025, axis.size * 0.05  # CDF linear from 5.975 to 9.025
    q = (5, 16, 50, 84, 97.5)
    np.testing.assert_allclose(ages.percentiles(flat, axis, q)[0],
                               lo + np.array(q) / 100 * span, atol=1e-12)
    two = np.zeros((1, axis.size))
    two[0, [10, 20]] = [0.25, 0.75]  # p16 in bin 10 at 0.64 of it, p50 in bin 20 at 1/3
    np.testing.assert_allclose(ages.percentiles(two, axis, (16, 50))[0],
                               [axis[10] - 0.025 + 0.64 * 0.05, axis[20] - 0.025 + 0.05 / 3],
                               atol=1e-12)
    assert np.isnan(ages.percentiles(np.full((1, axis.size), np.nan), axis)).all()


def test_summarise_columns():
    axis = np.round(np.arange(6.0, 7.0001, 0.05), 4)
    P = np.zeros((1, axis.size))
    P[0, 10] = 1.0
    out = ages.summarise([5], P, axis, [12], [0])
    assert list(out.columns) == ages.AGES_COLUMNS
    r = out.iloc[0]
    assert r["logage_err"] == pytest.approx(0.68 * 0.025)
    assert r["age_myr"] == pytest.approx(10 ** axis[10] / 1e6)
    assert r["age_p84_myr"] == pytest.approx(10 ** r["logage_p84"] / 1e6)


# --------------------------------------------------------------------------------------------
# Grid, priors and product errors
# --------------------------------------------------------------------------------------------

def test_requested_ages_must_be_grid_nodes(grid):
    with pytest.raises(ages.AgeError, match="log_age .*6.05"):
        ages.prepare_grid(grid, [6.0, 6.05, 6.1])
    with pytest.raises(ages.AgeError, match="log_age"):
        ages.posteriors_reference(stars([[4.3, 4, -1]], [0.01, 0.1, 0.1], 8.0), grid,
                                  [9.0, 9.1], PRIORS)


def test_priors_from_config():
    cfg = {"age_prior": "uniform_log_age", "imf_exponent": 2.35,
           "metallicity_prior": {"slope": -0.05, "intercept": 0.4, "sigma": 0.2}}
    assert ages.AgePriors.from_config(cfg) == ages.AgePriors("uniform_log_age", 2.35, -0.05, 0.4, 0.2)
    assert ages.AgePriors.from_config({}) == ages.AgePriors()
    with pytest.raises(ages.AgeError, match="age_prior"):
        ages.AgePriors.from_config({"age_prior": "flat"})
    with pytest.raises(ages.AgeError, match="sigma"):
        ages.AgePriors.from_config({"metallicity_prior": {"sigma": 0.0}})


def test_shard_indices_partition():
    parts = [ages.shard_indices(23, i, 4) for i in range(4)]
    np.testing.assert_array_equal(np.sort(np.concatenate(parts)), np.arange(23))
    assert all((p % 4 == i).all() for i, p in enumerate(parts))
    with pytest.raises(ages.AgeError):
        ages.shard_indices(23, 4, 4)


# --------------------------------------------------------------------------------------------
# Shards, products and the rule scripts
# --------------------------------------------------------------------------------------------

def run_shards(t, prepared, n, folder: Path):
    """Compute every shard, write it, gather: (ages DataFrame, source_ids, grid, P)."""
    ages_paths, post_paths = [], []
    for i in range(n):
        sub = t.iloc[ages.shard_indices(len(t), i, n)]
        P, n_points, flag = ages.posteriors(sub, prepared, PRIORS)
        ages_paths.append(folder / f"ages_{i}-of-{n}.parquet")
        post_paths.append(folder / f"posteriors_{i}-of-{n}.parquet")
        tables.write_table(ages.summarise(sub["source_id"], P, LOG_AGES, n_points, flag),
                           ages_paths[-1], units=ages.UNITS)
        tables.write_posteriors(post_paths[-1], sub["source_id"], LOG_AGES, P)
    return ages.gather(ages_paths, post_paths)


def test_shard_count_does_not_change_results(prepared, realistic, tmp_path):
    t = pd.concat([realistic.iloc[:60],
                   stars([[np.log10(60000.0), 4.0, -1.0], [np.nan, 4.0, -1.0]], [0.005, 0.05, 0.1],
                         8.0)], ignore_index=True)
    t["source_id"] = np.random.default_rng(1).permutation(10 ** 6)[:len(t)]
    t = t.sort_values("source_id", ignore_index=True)
    results = {n: run_shards(t, prepared, n, tmp_path) for n in (1, 3, 7)}
    one = results[1]
    assert one[0]["age_flag"].value_counts().to_dict().get(1) == 1
    assert one[0]["source_id"].is_monotonic_increasing
    for n in (3, 7):
        pd.testing.assert_frame_equal(results[n][0], one[0], check_exact=True)
        for a, b in zip(results[n][1:], one[1:]):
            np.testing.assert_array_equal(a, b)


def test_posteriors_round_trip_and_gather_errors(tmp_path):
    P = np.array([[0.25, 0.75], [np.nan, np.nan]])
    tables.write_posteriors(tmp_path / "p.parquet", [4, 2], [6.0, 6.05], P)
    sid, axis, back = tables.read_posteriors(tmp_path / "p.parquet")
    assert sid.tolist() == [4, 2] and axis.tolist() == [6.0, 6.05]
    np.testing.assert_array_equal(back, P)
    t = Table.read(tmp_path / "p.parquet")  # readable as an astropy table too
    assert t.meta["log_age_grid"] == [6.0, 6.05] and t["posterior"].shape == (2, 2)
    np.testing.assert_array_equal(t["posterior"], P)
    a = ages.summarise([4, 2], P, [6.0, 6.05], [3, 0], [0, 1])
    tables.write_table(a, tmp_path / "a.parquet", units=ages.UNITS)
    with pytest.raises(ages.AgeError, match="more than one shard"):
        ages.gather([tmp_path / "a.parquet"] * 2, [tmp_path / "p.parquet"] * 2)
    tables.write_posteriors(tmp_path / "q.parquet", [4, 2], [6.0, 6.1], P)
    with pytest.raises(ages.AgeError, match="log_age_grid"):
        ages.gather([tmp_path / "a.parquet"] * 2, [tmp_path / "p.parquet", tmp_path / "q.parquet"])


def test_rule_scripts(grid, tmp_path):
    rng = np.random.default_rng(3)
    hot = grid[(grid["log_teff"] > 4.1) & (grid["phase"] == 0)].sample(12, random_state=3)
    d = rng.uniform(500, 3000, len(hot))
    hss = pd.DataFrame({
        "source_id": rng.permutation(1000)[:len(hot)].astype(np.int64),
        "teff": 10 ** hot["log_teff"].to_numpy(), "logg": hot["log_g"].to_numpy(),
        "ks_m": hot["M_Ks"].to_numpy() + 5 * np.log10(d / 10), "r_med_photogeo": d,
        "r_lo_photogeo": 0.95 * d, "r_hi_photogeo": 1.05 * d, "ks_msigcom": 0.02,
        "e_logg": 0.05})
    hss["e_teff"] = 0.01 * hss["teff"]
    kin = pd.DataFrame({"source_id": hss["source_id"], "R": rng.uniform(6, 10, len(hss))})
    for name, df in (("hss", hss), ("kin", kin), ("grid", grid)):
        tables.write_table(df, tmp_path / f"{name}.parquet")
    params = dict(n_shards=2, log_age={"min": 6.0, "max": 9.0, "step": 0.1},
                  priors={"age_prior": "uniform_age", "imf_exponent": 2.7,
                          "metallicity_prior": {"slope": -0.0678, "intercept": 0.546, "sigma": 0.1}},
                  extinction_column=None, window_sigma=10.0)
    shards = []
    for i in range(2):
        out = SimpleNamespace(ages=tmp_path / f"ages_{i}.parquet",
                              posteriors=tmp_path / f"post_{i}.parquet")
        compute_ages.main(SimpleNamespace(
            input=SimpleNamespace(hss=tmp_path / "hss.parquet", kinematics=tmp_path / "kin.parquet",
                                  grid=tmp_path / "grid.parquet"),
            params=SimpleNamespace(shard=i, **params), output=out, log=[tmp_path / f"{i}.log"]))
        shards.append(out)
    final = SimpleNamespace(ages=tmp_path / "ages.parquet", posteriors=tmp_path / "posteriors.parquet")
    gather_ages.main(SimpleNamespace(
        input=SimpleNamespace(ages=[s.ages for s in shards], posteriors=[s.posteriors for s in shards]),
        output=final, log=[tmp_path / "gather.log"]))
    out = tables.read_table(final.ages)
    assert out["source_id"].tolist() == sorted(hss["source_id"]) and (out["age_flag"] == 0).all()
    assert tables.read_units(final.ages)["logage_p50"] == "dex(yr)"
    sid, axis, P = tables.read_posteriors(final.posteriors)
    np.testing.assert_array_equal(sid, out["source_id"])
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_allclose(ages.percentiles(P, axis)[:, 1], out["logage_p50"])
