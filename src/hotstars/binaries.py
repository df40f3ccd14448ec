"""Spectroscopic binary orbits: Sana et al. (2012) orbital statistics and Keplerian RV curves.

Used by the mock survey (50 % binaries, hotstars.mock.survey) and by the Appendix C simulation of
Zari et al. (2025). **Convention** (docs/conventions.md, Appendix C), per system:

- f(log10 P) ∝ (log10 P)^−0.55 on [0.15, 5.5], P in days (Sana et al. 2012, Table 3);
- f(q) ∝ q^−0.1 on [0.1, 1], q = m2/m1;
- f(e) ∝ e^−0.45 on [0, min(0.9, e_max)], with e_max = 1 − (P / 2 d)^(−2/3) (circular below 2 d);
- isotropic orientation (cos i uniform), argument of periastron ω uniform on [0, 2π), time of
  periastron uniform over one period (uniform orbital phase).

Radial velocities are those of the primary, relative to the systemic velocity, positive when
receding: v1(t) = K1 [cos(ν + ω) + e cos ω] (e.g. Hilditch 2001, Eq. 2.45), with the true anomaly
ν from Kepler's equation M = E − e sin E solved by vectorised Newton iteration.
"""

from __future__ import annotations

import functools
from typing import Mapping

import numpy as np
import pandas as pd

# Sana et al. (2012) ranges and exponents (docs/conventions.md, Appendix C).
LOGP_RANGE = (0.15, 5.5)
LOGP_EXPONENT = -0.55
Q_RANGE = (0.1, 1.0)
Q_EXPONENT = -0.1
E_MAX = 0.9
E_EXPONENT = -0.45


@functools.cache
def _k_unit_kms() -> float:
    """(2π G Msun / 1 day)^(1/3) in km/s: K1 = this × P_d^(−1/3) m2 sin i (m1+m2)^(−2/3) / √(1−e²)."""
    # astropy here, not at import: most jobs that import this module never need it
    import astropy.constants as const
    import astropy.units as u

    return float(((2 * np.pi * const.G * const.M_sun / u.day) ** (1 / 3)).to_value(u.km / u.s))


ORBIT_COLUMNS = ["period_d", "ecc", "q", "incl_rad", "omega_rad", "t_peri_mjd", "m1_msun",
                 "m2_msun", "k1_kms"]


def _power_law(rng: np.random.Generator, exponent: float, lo, hi, size) -> np.ndarray:
    """Draws from f(x) ∝ x^exponent on [lo, hi] (exponent > −1) by inverting the CDF."""
    a = exponent + 1.0
    return (lo ** a + rng.uniform(size=size) * (hi ** a - lo ** a)) ** (1.0 / a)


def max_eccentricity(period_d) -> np.ndarray:
    """e_max(P) = 1 − (P / 2 d)^(−2/3), clipped to [0, 0.9] (Sana et al. 2012;
    docs/conventions.md, Appendix C)."""
    period_d = np.asarray(period_d, float)
    return np.clip(1.0 - (period_d / 2.0) ** (-2.0 / 3.0), 0.0, E_MAX)


def semi_amplitude(period_d, m1_msun, m2_msun, incl_rad, ecc) -> np.ndarray:
    """Primary RV semi-amplitude K1 [km/s] = (2πG/P)^(1/3) m2 sin i / ((m1+m2)^(2/3) √(1−e²))."""
    period_d, m1, m2 = (np.asarray(a, float) for a in (period_d, m1_msun, m2_msun))
    return (_k_unit_kms() * period_d ** (-1 / 3) * m2 * np.sin(incl_rad)
            / ((m1 + m2) ** (2 / 3) * np.sqrt(1.0 - np.asarray(ecc, float) ** 2)))


def draw_mass_ratio(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` mass ratios q = m2/m1 from f(q) ∝ q^−0.1 on [0.1, 1] (Sana et al. 2012)."""
    return _power_law(rng, Q_EXPONENT, *Q_RANGE, n)


def draw_orbits(rng: np.random.Generator, n: int, primary_mass_msun, t_ref_mjd: float = 59000.0,
                q=None) -> pd.DataFrame:
    """Draw ``n`` binary orbits from the Sana et al. (2012) distributions (module docstring).

    ``primary_mass_msun``: scalar or length-``n`` array of primary masses [Msun]; ``q``: mass
    ratios already drawn (e.g. to add the companion's light before selection), else drawn here
    with :func:`draw_mass_ratio`. Returns a
    DataFrame with :data:`ORBIT_COLUMNS`: period_d [d], ecc, q, incl_rad, omega_rad [rad],
    t_peri_mjd (a time of periastron passage, uniform in [t_ref − P, t_ref)), m1_msun, m2_msun,
    k1_kms (primary semi-amplitude, km/s).
    """
    m1 = np.broadcast_to(np.asarray(primary_mass_msun, float), (n,)).copy()
    period = 10.0 ** _power_law(rng, LOGP_EXPONENT, *LOGP_RANGE, n)
    q = draw_mass_ratio(rng, n) if q is None else np.broadcast_to(np.asarray(q, float), (n,)).copy()
    # f(e) ∝ e^−0.45 truncated at e_max(P): inverse CDF e = e_up u^(1/0.55).
    ecc = max_eccentricity(period) * rng.uniform(size=n) ** (1.0 / (E_EXPONENT + 1.0))
    incl = np.arccos(rng.uniform(-1.0, 1.0, n))  # isotropic: cos i uniform
    omega = rng.uniform(0.0, 2 * np.pi, n)
    t_peri = t_ref_mjd - rng.uniform(size=n) * period
    m2 = q * m1
    return pd.DataFrame({"period_d": period, "ecc": ecc, "q": q, "incl_rad": incl,
                         "omega_rad": omega, "t_peri_mjd": t_peri, "m1_msun": m1, "m2_msun": m2,
                         "k1_kms": semi_amplitude(period, m1, m2, incl, ecc)})


def solve_kepler(mean_anomaly, ecc, tol: float = 1e-12, max_iter: int = 50) -> np.ndarray:
    """Eccentric anomaly E [rad] with M = E − e sin E, for arrays (broadcast) of M [rad] and e < 1.

    Newton iteration from Danby's (1988) start E0 = M + 0.85 e sign(sin M), with M reduced to
    [−π, π); converges for every e < 1. Each value stops once its step is below ``tol`` (the
    others go on: most need a few steps, high e near pericentre more). Raises RuntimeError if
    |M − (E − e sin E)| > tol·10^3 after ``max_iter`` steps.
    """
    m, e = np.broadcast_arrays(np.asarray(mean_anomaly, float), np.asarray(ecc, float))
    if np.any((e < 0) | (e >= 1)):
        raise ValueError("solve_kepler: eccentricity must be in [0, 1)")
    m = np.mod(m + np.pi, 2 * np.pi) - np.pi
    ecc_anom = (m + 0.85 * e * np.sign(np.sin(m))).ravel()
    mm, ee = m.ravel(), e.ravel()
    active = np.arange(ecc_anom.size)
    for _ in range(max_iter):
        if not active.size:
            break
        x, ea, ma = ecc_anom[active], ee[active], mm[active]
        step = (x - ea * np.sin(x) - ma) / (1.0 - ea * np.cos(x))
        ecc_anom[active] = x - step
        active = active[np.abs(step) >= tol]
    ecc_anom = ecc_anom.reshape(m.shape)
    resid = np.abs(ecc_anom - e * np.sin(ecc_anom) - m)
    if resid.size and resid.max() > tol * 1e3:
        raise RuntimeError(f"solve_kepler: no convergence (max residual {resid.max():.2e})")
    return ecc_anom


def radial_velocity(orbits: Mapping | pd.DataFrame, mjd) -> np.ndarray:
    """Primary radial velocity [km/s] relative to the systemic velocity at times ``mjd`` [d].

    ``orbits`` holds arrays period_d, ecc, omega_rad, t_peri_mjd, k1_kms (e.g. from
    :func:`draw_orbits`). ``mjd`` is broadcast against them: same length (one epoch per row), or
    shape (n, k) for k epochs of each of n orbits. v1 = K1 [cos(ν + ω) + e cos ω].
    """
    mjd = np.asarray(mjd, float)
    par = {k: np.asarray(orbits[k], float) for k in ("period_d", "ecc", "omega_rad",
                                                      "t_peri_mjd", "k1_kms")}
    if mjd.ndim == 2:
        par = {k: v[:, None] for k, v in par.items()}
    mean_anom = 2 * np.pi * (mjd - par["t_peri_mjd"]) / par["period_d"]
    e = par["ecc"]
    ecc_anom = solve_kepler(mean_anom, e)
    nu = 2.0 * np.arctan2(np.sqrt(1 + e) * np.sin(ecc_anom / 2), np.sqrt(1 - e) * np.cos(ecc_anom / 2))
    return par["k1_kms"] * (np.cos(nu + par["omega_rad"]) + e * np.cos(par["omega_rad"]))
