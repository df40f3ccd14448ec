"""The Hartung-Knapp-Sidik-Jonkman interval of the mean v_R and the Q-profile interval of sigma_R
(hotstars.maps.hksj_interval, q_profile_interval): coverage per N bin on ideal
Gaussian data, and the closed forms they reduce to."""

import numpy as np
import pytest
from scipy import stats

from hotstars import maps, validation

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@pytest.fixture(scope="module")
def ideal():
    """4000 ideal spaxels per N bin (6-9, 10-19, 20-49, 50-99), errors like the survey's
    (log-normal around 10 km/s: the paper's median 8-13 km/s) and sigma_R from 0 to 25 km/s."""
    rng = np.random.default_rng(2025)
    err_pool = np.exp(rng.normal(np.log(10.0), 0.5, 5000))
    sigma_pool = np.concatenate([np.zeros(50), rng.uniform(1.0, 25.0, 450)])
    out = validation.ideal_coverage_by_n(err_pool, sigma_pool, n_per_bin=4000, seed=16)
    return {row["bin"]: row for row in out["per_bin"]}


@pytest.mark.parametrize("bin_", ["6-9", "10-19", "20-49", ">=50"])
def test_hksj_interval_has_nominal_coverage_in_every_n_bin(ideal, bin_):
    row = ideal[bin_]
    assert row["n_spaxels"] == 4000
    assert row["hksj"]["coverage_68"] == pytest.approx(0.68, abs=0.03)
    assert row["hksj"]["coverage_95"] == pytest.approx(0.95, abs=0.02)


@pytest.mark.parametrize("bin_", ["6-9", "10-19", "20-49", ">=50"])
def test_q_profile_interval_of_sigma_has_nominal_coverage(ideal, bin_):
    assert ideal[bin_]["sigma_R_q_profile"]["coverage_68"] == pytest.approx(0.68, abs=0.03)


def test_old_errors_miss_the_targets_at_few_stars(ideal):
    """The Fisher error (sigma_R fixed at its estimate) under-covers at N = 6-9, the marginal
    one over-covers and sigma_R / sqrt(N) is far too small: the check can fail."""
    few = ideal["6-9"]
    assert few["fisher"]["coverage_68"] < 0.68 - 0.03
    assert few["fisher"]["coverage_95"] < 0.95 - 0.02
    assert few["marginal"]["coverage_68"] > 0.68 + 0.03
    assert few["sqrtn"]["coverage_68"] < 0.5
    # with many stars the Fisher error is fine: the problem is the estimated sigma_R
    assert ideal[">=50"]["fisher"]["coverage_68"] == pytest.approx(0.68, abs=0.03)


def test_equal_errors_give_the_student_t_interval():
    """Equal errors: REML sigma^2 = sample variance - e^2 and q = 1, so the HKSJ interval is
    the exact Student-t interval mean +- t_{N-1} s / sqrt(N) (Hartung & Knapp 2001)."""
    rng = np.random.default_rng(3)
    v = rng.normal(5.0, 20.0, 12)
    v = 5.0 + 30.0 * (v - v.mean()) / v.std(ddof=1)  # sample std 30 > e = 4
    e = np.full(v.size, 4.0)
    fit = maps.grouped_mle(np.zeros(v.size), v, e, intervals=True).iloc[0]
    s = v.std(ddof=1)
    assert fit["mu_err_hksj"] == pytest.approx(s / np.sqrt(v.size), rel=1e-9)
    for lev, p in ((68, 0.84), (95, 0.975)):
        half = stats.t.ppf(p, v.size - 1) * s / np.sqrt(v.size)
        assert fit[f"mu_lo{lev}"] == pytest.approx(v.mean() - half, rel=1e-9)
        assert fit[f"mu_hi{lev}"] == pytest.approx(v.mean() + half, rel=1e-9)
    vc = v - v.mean()
    s_reml = maps.reml_sigma2(np.zeros(v.size, np.int64), vc, e * e, 1)
    assert np.sqrt(s_reml[0]) == pytest.approx(np.sqrt(s**2 - 16.0), rel=1e-9)


def test_unequal_errors_widen_the_t_quantile_by_kish_effective_number():
    """One precise star among imprecise ones: the interval's t quantile has n_eff - 1 degrees of
    freedom (n_eff = (sum w)^2 / sum w^2 < N), not N - 1; the error itself is sqrt(q / sum w)."""
    v = np.array([3.0, -12.0, 20.0, 8.0, -25.0, 15.0, -4.0])
    e = np.array([1.0, 20.0, 25.0, 30.0, 20.0, 25.0, 30.0])
    fit = maps.grouped_mle(np.zeros(v.size), v, e, intervals=True).iloc[0]
    codes = np.zeros(v.size, np.int64)
    s2 = maps.reml_sigma2(codes, v - v.mean(), e * e, 1)[0]
    w = 1.0 / (s2 + e * e)
    mu = np.sum(w * v) / np.sum(w)
    se = np.sqrt(np.sum(w * (v - mu) ** 2) / (v.size - 1) / np.sum(w))
    n_eff = np.sum(w) ** 2 / np.sum(w * w)
    assert 1.0 < n_eff < v.size - 1
    assert fit["mu_err_hksj"] == pytest.approx(se, rel=1e-9)
    half = stats.t.ppf(0.975, max(n_eff - 1.0, 1.0)) * se
    assert fit["mu_hi95"] - fit["mu_lo95"] == pytest.approx(2 * half, rel=1e-9)
    assert half > stats.t.ppf(0.975, v.size - 1) * se * 1.05  # wider than t_{N-1}


def test_q_profile_bounds_solve_the_generalised_q_equation():
    rng = np.random.default_rng(7)
    e = rng.uniform(3.0, 15.0, 15)
    v = rng.normal(0.0, np.sqrt(20.0**2 + e**2))
    fit = maps.grouped_mle(np.zeros(v.size), v, e, intervals=True).iloc[0]

    def q(sig):  # Viechtbauer 2007, Eq. 6
        w = 1.0 / (sig**2 + e**2)
        return np.sum(w * (v - np.sum(w * v) / np.sum(w)) ** 2)

    assert 0 < fit["sigma_lo68"] < fit["sigma_hi68"] < 300
    assert q(fit["sigma_lo68"]) == pytest.approx(stats.chi2.isf(0.16, v.size - 1), rel=1e-6)
    assert q(fit["sigma_hi68"]) == pytest.approx(stats.chi2.ppf(0.16, v.size - 1), rel=1e-6)


def test_vr_map_reports_ordered_intervals():
    rng = np.random.default_rng(11)
    x, y = rng.uniform(0, 1.0, 3000), rng.uniform(0, 1.0, 3000)
    e = rng.uniform(2.0, 20.0, x.size)
    v = rng.normal(3.0, np.sqrt(10.0**2 + e**2))
    m = maps.vr_map(x, y, v, e, 0.25)
    assert set(maps.VR_COLUMNS) <= set(m.columns)
    assert all(c in maps.UNITS for c in maps.VR_COLUMNS if c != "n_stars"
               and c != "sigma_at_boundary")
    assert np.all(m["vR_mean_lo95"] < m["vR_mean_lo68"])
    assert np.all(m["vR_mean_lo68"] < m["vR_mean_hi68"])
    assert np.all(m["vR_mean_hi68"] < m["vR_mean_hi95"])
    assert np.all(m["sigma_R_lo68"] <= m["sigma_R_hi68"])
    # 95 % HKSJ half-width / SE is a Student quantile with n_eff - 1 <= N - 1 dof: never below
    # t_{N-1}, and close to it for these many stars of moderately different errors
    half = 0.5 * (m["vR_mean_hi95"] - m["vR_mean_lo95"]) / m["vR_mean_err_hksj"]
    t_n = stats.t.ppf(0.975, m["n_stars"] - 1)
    assert np.all(half >= t_n * (1 - 1e-12))
    np.testing.assert_allclose(half, t_n, rtol=0.01)


def test_coverage_panel_draws_every_error_for_ideal_and_mock(ideal):
    from matplotlib.figure import Figure

    from hotstars.plots import validation as plots_validation

    rows = list(ideal.values())
    mock = [{k: v for k, v in r.items() if k != "hksj"} for r in rows]  # a map without bounds
    ax = Figure().subplots()
    plots_validation.coverage_panel(ax, {"ideal": {"per_bin": rows},
                                         "mock_expected_truth": mock})
    lines = {ln.get_gid(): ln for ln in ax.lines if ln.get_gid()}
    for name in ("hksj", "marginal", "fisher", "sqrtn"):
        np.testing.assert_allclose(lines[f"ideal_{name}"].get_ydata(),
                                   [r[name]["coverage_68"] for r in rows])
    assert "mock_hksj" not in lines and "mock_fisher" in lines
    assert [t.get_text() for t in ax.get_xticklabels()] == ["6-9", "10-19", "20-49", ">=50"]
