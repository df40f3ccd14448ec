"""Gaia RV comparison (Eq. 3, Fig. 5), BOSS Net vs ESP-HS (Fig. 3) and their figures."""

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from hotstars import comparisons as cmp
from hotstars.plots import comparisons as plots_comparisons

matplotlib.use("Agg")


# --- Eq. 3 ------------------------------------------------------------------------------------

def test_eq3_hand_case():
    # Blomme et al. (2023): 10 − 7.98 + 1.135 × 10 = 13.37 km/s
    v, inside = cmp.blomme_correction([10.0], [10.0], [10000.0])
    assert inside[0] and v[0] == pytest.approx(13.37)
    # the offset vanishes at grvs = 7.98 / 1.135 ≈ 7.031
    v0, _ = cmp.blomme_correction([-25.0], [7.98 / 1.135], [12000.0])
    assert v0[0] == pytest.approx(-25.0)


@pytest.mark.parametrize("teff, grvs, inside", [
    (8500.0, 9.0, True), (14500.0, 9.0, True),  # Teff bounds inclusive
    (np.nextafter(8500.0, 0), 9.0, False), (np.nextafter(14500.0, 2e4), 9.0, False),
    (10000.0, 6.0, True), (10000.0, 12.0, True),  # G_RVS bounds inclusive
    (10000.0, np.nextafter(6.0, 0), False), (10000.0, np.nextafter(12.0, 13), False),
    (10000.0, np.nan, False), (np.nan, 9.0, False),  # missing -> outside, value kept
])
def test_eq3_window_boundaries(teff, grvs, inside):
    v, flag = cmp.blomme_correction([5.0], [grvs], [teff])
    assert bool(flag[0]) is inside
    expected = 5.0 - 7.98 + 1.135 * grvs if inside else 5.0
    assert v[0] == pytest.approx(expected)


def test_eq3_window_is_configurable():
    _, flag = cmp.blomme_correction([0.0, 0.0], [9.0, 9.0], [7000.0, 16000.0],
                                    teff_range_k=(7000.0, 15000.0))
    assert flag.tolist() == [True, False]


# --- the comparison table and its fractions -----------------------------------------------------

def _gaia_tables():
    hss = pd.DataFrame({
        "source_id": [1, 2, 3, 4, 5],
        "radial_velocity": [10.0, 20.0, np.nan, -5.0, 0.0],
        "radial_velocity_error": [3.0, 4.0, np.nan, 2.0, 1.0],
        "grvs_mag": [10.0, 11.0, np.nan, 10.0, 5.0],       # star 5: G_RVS < 6, outside
        "rv_template_teff": [12000.0, 9000.0, np.nan, 14500.0, 10000.0]})
    vlos = pd.DataFrame({"source_id": [5, 4, 3, 2, 1, 6],
                         "vlos": [1.0, np.nan, 7.0, 26.0, 14.0, 3.0],
                         "vlos_err": [1.0, np.nan, 5.0, 3.0, 4.0, 2.0],
                         "n_epochs": [1, 0, 2, 3, 1, 1]})
    return hss, vlos


def test_compare_gaia_rv_rows_and_values():
    hss, vlos = _gaia_tables()
    out = cmp.compare_gaia_rv(hss, vlos)
    # star 3 has no Gaia RV, star 4 no usable v_los, star 6 is not in the HSS
    assert out["source_id"].tolist() == [1, 2, 5]
    row = out.set_index("source_id")
    assert row.loc[1, "vlos_gaia"] == pytest.approx(10 - 7.98 + 11.35)
    assert row.loc[2, "vlos_gaia"] == pytest.approx(20 - 7.98 + 1.135 * 11)
    assert row.loc[5, "vlos_gaia"] == 0.0 and not row.loc[5, "in_eq3_window"]
    assert row.loc[1, "delta_v"] == pytest.approx(14 - 13.37)
    assert row.loc[1, "sigma_comb"] == pytest.approx(5.0)  # √(4² + 3²)
    assert row.loc[2, "pull"] == pytest.approx((26 - (20 - 7.98 + 12.485)) / 5.0)

    excluded = cmp.compare_gaia_rv(hss, vlos, outside_window="exclude")
    assert excluded["source_id"].tolist() == [1, 2]
    numbers = cmp.gaia_rv_numbers(out)
    assert numbers["gaia_rv.n_common"] == 3 and numbers["gaia_rv.n_in_eq3_window"] == 2


def test_agreement_fraction_on_constructed_pulls():
    pull = [0.5, -1.0, 1.5, -2.0, 3.0, np.nan]  # |pull| <= k inclusive; NaN ignored
    assert cmp.agreement_fraction(pull, 1) == pytest.approx(2 / 5)
    assert cmp.agreement_fraction(pull, 2) == pytest.approx(4 / 5)
    assert np.isnan(cmp.agreement_fraction([np.nan], 1))


def test_gaia_fractions_match_gaussian_with_the_blomme_offset():
    """Gaia RVs carrying the Blomme offset: after Eq. 3 the pulls are N(0, 1), so the 1σ and 2σ
    fractions are the Gaussian 68.3 % and 95.4 %; without the correction they would not be."""
    rng = np.random.default_rng(11)
    n = 100_000
    v_true = rng.normal(0, 30, n)
    grvs = rng.uniform(6, 12, n)
    e_gaia, e_sdss = rng.uniform(1, 8, n), rng.uniform(3, 15, n)
    hss = pd.DataFrame({"source_id": np.arange(n), "grvs_mag": grvs,
                        "rv_template_teff": rng.choice([9000.0, 12000.0, 14500.0], n),
                        "radial_velocity": (v_true + 7.98 - 1.135 * grvs
                                            + e_gaia * rng.normal(size=n)),
                        "radial_velocity_error": e_gaia})
    vlos = pd.DataFrame({"source_id": np.arange(n), "vlos": v_true + e_sdss * rng.normal(size=n),
                         "vlos_err": e_sdss, "n_epochs": rng.integers(1, 4, n)})
    numbers = cmp.gaia_rv_numbers(cmp.compare_gaia_rv(hss, vlos))
    assert numbers["gaia_rv.fraction_within_1sigma"] == pytest.approx(
        stats.norm.cdf(1) - stats.norm.cdf(-1), abs=0.006)
    assert numbers["gaia_rv.fraction_within_2sigma"] == pytest.approx(
        stats.norm.cdf(2) - stats.norm.cdf(-2), abs=0.004)
    assert abs(numbers["gaia_rv.median_delta_kms"]) < 0.2


def test_gaia_bad_inputs_raise_clear_errors():
    hss, vlos = _gaia_tables()
    with pytest.raises(cmp.ComparisonInputError, match="my_hss.*radial_velocity_error"):
        cmp.compare_gaia_rv(hss.assign(radial_velocity_error=np.nan), vlos, hss_name="my_hss")
    with pytest.raises(cmp.ComparisonInputError, match="grvs_mag"):
        cmp.compare_gaia_rv(hss.drop(columns="grvs_mag"), vlos)
    with pytest.raises(cmp.ComparisonInputError, match="unique"):
        cmp.compare_gaia_rv(pd.concat([hss, hss.iloc[:1]]), vlos)
    with pytest.raises(ValueError, match="outside_window"):
        cmp.compare_gaia_rv(hss, vlos, outside_window="drop")


# --- ESP-HS -----------------------------------------------------------------------------------

def _esphs_hss():
    return pd.DataFrame({
        "source_id": [3, 1, 2, 4],
        "teff": [10000.0, 20000.0, 15000.0, 12000.0], "e_teff": [100.0, 300.0, 200.0, 150.0],
        "logg": [4.0, 3.5, 3.8, 4.1], "e_logg": [0.05, 0.05, 0.05, 0.05],
        "teff_esphs": [11000.0, 25000.0, np.nan, 12100.0],
        "logg_esphs": [4.2, 3.4, np.nan, 4.6]})


def test_esphs_pulls_by_hand():
    out = cmp.compare_esphs(_esphs_hss(), teff_err_frac=0.05, logg_err_dex=0.15)
    assert out["source_id"].tolist() == [1, 3, 4]  # star 2 has no ESP-HS values
    row = out.set_index("source_id").loc[3]
    assert row["delta_teff"] == pytest.approx(1000.0)  # ESP-HS − BOSS Net
    assert row["e_teff_esphs"] == pytest.approx(550.0)
    assert row["pull_teff"] == pytest.approx(1000.0 / np.hypot(100.0, 550.0))
    assert row["pull_logg"] == pytest.approx(0.2 / np.hypot(0.05, 0.15))
    numbers = cmp.esphs_numbers(out)
    # Teff pulls: 1.79, 5000/1275 = 3.92, 100/623 = 0.16 -> 2 of 3 within 2σ
    assert numbers["esphs.n_teff"] == 3
    assert numbers["esphs.fraction_teff_within_2sigma"] == pytest.approx(2 / 3)
    # BOSS Net errors only: 10σ, 16.7σ, 0.67σ -> 1 of 3
    assert numbers["esphs.fraction_teff_within_2sigma_bossnet_errors"] == pytest.approx(1 / 3)
    # log g pulls: 1.26, 0.63, 3.16 -> 2 of 3
    assert numbers["esphs.fraction_logg_within_2sigma"] == pytest.approx(2 / 3)
    assert numbers["esphs.median_delta_teff_k"] == pytest.approx(1000.0)


def test_esphs_bad_inputs():
    with pytest.raises(cmp.ComparisonInputError, match="e_teff"):
        cmp.compare_esphs(_esphs_hss().assign(e_teff=0.0))
    with pytest.raises(cmp.ComparisonInputError, match="logg_esphs"):
        cmp.compare_esphs(_esphs_hss().drop(columns="logg_esphs"))
    with pytest.raises(ValueError):
        cmp.compare_esphs(_esphs_hss(), teff_err_frac=-0.1)


# --- figures ----------------------------------------------------------------------------------

def test_figures_draw_the_one_to_one_lines_and_percentiles():
    hss, vlos = _gaia_tables()
    fig = plots_comparisons.fig_gaia_rv(cmp.compare_gaia_rv(hss, vlos))
    assert any(line.get_gid() == "one_to_one" for line in fig.axes[0].lines)
    fig = plots_comparisons.fig_esphs(cmp.compare_esphs(_esphs_hss()))
    for ax in fig.axes[:2]:
        (line,) = [ln for ln in ax.lines if ln.get_gid() == "one_to_one"]
        x, y = line.get_data()
        np.testing.assert_allclose(x, y)

    rng = np.random.default_rng(2)
    n = 400
    sim = pd.DataFrame({"is_binary": rng.uniform(size=n) < 0.5, "n_epochs": rng.integers(1, 5, n),
                        "delta_v": rng.normal(0, 10, n), "sigma_true": np.full(n, 10.0)})
    fig = plots_comparisons.fig_binaries(sim)
    lines = {ln.get_gid(): ln.get_xdata()[0] for ln in fig.axes[1].lines if ln.get_gid()}
    one_epoch_binaries = sim.loc[sim["is_binary"] & (sim["n_epochs"] == 1), "delta_v"]
    assert lines["p84_binary_1epoch"] == pytest.approx(np.percentile(one_epoch_binaries, 84))
