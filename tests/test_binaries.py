"""Tests of hotstars.binaries: Kepler solver, Sana et al. (2012) orbits, Keplerian RVs."""

import numpy as np
import pytest
from scipy import stats

from hotstars import binaries

G_SI = 6.67430e-11          # CODATA 2018
MSUN_KG = 1.98840987e30     # IAU 2015 nominal GM_sun / G
DAY_S = 86400.0


def test_kepler_residual_and_circular_case():
    m = np.linspace(-10, 10, 2001)[:, None]
    e = np.array([0.0, 0.1, 0.5, 0.8, 0.9, 0.97])[None, :]
    big_e = binaries.solve_kepler(m, e)
    m_wrapped = np.mod(m + np.pi, 2 * np.pi) - np.pi
    resid = big_e - e * np.sin(big_e) - m_wrapped
    assert np.abs(resid).max() < 1e-10
    np.testing.assert_allclose(big_e[:, 0], m_wrapped[:, 0], atol=1e-14)  # e = 0: E = M
    with pytest.raises(ValueError):
        binaries.solve_kepler(0.3, 1.0)


def test_circular_orbit_is_a_sinusoid():
    orb = {"period_d": np.array([3.0]), "ecc": np.array([0.0]), "omega_rad": np.array([0.7]),
           "t_peri_mjd": np.array([59000.25]), "k1_kms": np.array([50.0])}
    t = np.linspace(59000, 59010, 500)
    v = binaries.radial_velocity(orb, t[None, :])[0]
    expected = 50.0 * np.cos(2 * np.pi * (t - 59000.25) / 3.0 + 0.7)
    np.testing.assert_allclose(v, expected, atol=1e-9)


def test_systemic_velocity_is_the_time_average_of_an_eccentric_orbit():
    # <cos(nu + omega)>_t = -e cos(omega), so the time average of v1 vanishes.
    orb = {"period_d": np.array([10.0]), "ecc": np.array([0.7]), "omega_rad": np.array([1.1]),
           "t_peri_mjd": np.array([59000.0]), "k1_kms": np.array([40.0])}
    t = 59000.0 + np.linspace(0, 10, 200001)[:-1]
    assert abs(binaries.radial_velocity(orb, t[None, :]).mean()) < 1e-3


def test_semi_amplitude_of_a_known_system():
    # 10 + 5 Msun, P = 3 d, circular, edge-on: a = (G M P^2 / 4 pi^2)^(1/3), K1 = 2 pi a m2 / (M P)
    m1, m2, p = 10 * MSUN_KG, 5 * MSUN_KG, 3 * DAY_S
    a = (G_SI * (m1 + m2) * p ** 2 / (4 * np.pi ** 2)) ** (1 / 3)
    k1_hand = 2 * np.pi * a * m2 / ((m1 + m2) * p) / 1000.0
    k1 = binaries.semi_amplitude(3.0, 10.0, 5.0, np.pi / 2, 0.0)
    assert k1 == pytest.approx(k1_hand, rel=1e-6)
    assert k1_hand == pytest.approx(121.4, abs=0.5)


def _power_cdf(exponent, lo, hi):
    a = exponent + 1
    return lambda x: (np.clip(x, lo, hi) ** a - lo ** a) / (hi ** a - lo ** a)


def test_sana_distributions():
    rng = np.random.default_rng(11)
    orb = binaries.draw_orbits(rng, 40000, 8.0)
    logp = np.log10(orb["period_d"])
    assert stats.kstest(logp, _power_cdf(-0.55, 0.15, 5.5)).pvalue > 1e-3
    assert stats.kstest(orb["q"], _power_cdf(-0.1, 0.1, 1.0)).pvalue > 1e-3
    # analytic means of f(x) ∝ x^k on [lo, hi]: (k+1)/(k+2) (hi^(k+2) - lo^(k+2))/(hi^(k+1) - lo^(k+1))
    def mean(k, lo, hi):
        return (k + 1) / (k + 2) * (hi ** (k + 2) - lo ** (k + 2)) / (hi ** (k + 1) - lo ** (k + 1))

    assert logp.mean() == pytest.approx(mean(-0.55, 0.15, 5.5), abs=4 * logp.std() / 200)
    # eccentricities: e <= e_max(P); circular below 2 d; f(e) ∝ e^-0.45 on [0, 0.9] when e_max = 0.9
    e_max = 1 - (orb["period_d"] / 2) ** (-2 / 3)
    assert (orb["ecc"] <= np.clip(e_max, 0, 0.9) + 1e-12).all()
    assert (orb.loc[orb["period_d"] < 2, "ecc"] == 0).all()
    wide = orb.loc[e_max >= 0.9, "ecc"]
    assert stats.kstest(wide, _power_cdf(-0.45, 0.0, 0.9)).pvalue > 1e-3
    assert wide.mean() == pytest.approx(0.9 * 0.55 / 1.55, abs=4 * wide.std() / np.sqrt(wide.size))
    # isotropic orientation: cos i uniform on [-1, 1]; omega uniform
    assert stats.kstest(np.cos(orb["incl_rad"]), "uniform", args=(-1, 2)).pvalue > 1e-3
    assert stats.kstest(orb["omega_rad"], "uniform", args=(0, 2 * np.pi)).pvalue > 1e-3
    assert ((orb["t_peri_mjd"] <= 59000) & (orb["t_peri_mjd"] > 59000 - orb["period_d"])).all()
    np.testing.assert_allclose(orb["m2_msun"], orb["q"] * 8.0)


def test_given_mass_ratios_are_kept():
    q = np.array([0.2, 0.5, 0.9])
    orb = binaries.draw_orbits(np.random.default_rng(0), 3, [4.0, 6.0, 8.0], q=q)
    np.testing.assert_array_equal(orb["q"], q)
    np.testing.assert_allclose(orb["m2_msun"], q * [4.0, 6.0, 8.0])


def test_two_dimensional_epochs_match_row_by_row():
    rng = np.random.default_rng(3)
    orb = binaries.draw_orbits(rng, 50, 5.0)
    t = rng.uniform(59000, 60700, (50, 4))
    v2 = binaries.radial_velocity(orb, t)
    for j in range(4):
        np.testing.assert_allclose(v2[:, j], binaries.radial_velocity(orb, t[:, j]), atol=1e-9)


def test_appendix_c_spread_of_epoch_averages():
    # docs/conventions.md, Appendix C: 16-84 half-widths with 10 km/s errors ≈ ±27 (1 epoch)
    # and ±18 (2 epochs)
    # for binaries of the sample (B stars, m1 ~ 5-8 Msun).
    rng = np.random.default_rng(5)
    n = 100_000
    orb = binaries.draw_orbits(rng, n, rng.uniform(5, 8, n))
    v = binaries.radial_velocity(orb, rng.uniform(59150, 60700, (n, 2))) + rng.normal(0, 10, (n, 2))
    half = lambda x: np.diff(np.percentile(x, [16, 84]))[0] / 2  # noqa: E731
    assert 22 < half(v[:, 0]) < 33
    assert 14 < half(v.mean(axis=1)) < 22
