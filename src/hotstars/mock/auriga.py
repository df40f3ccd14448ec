"""A toy barred, two-armed galaxy written as an Auriga "aurigaia" file set, so that the Fig. 12
comparison runs by default (a stand-in, not the Auriga simulation)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hotstars.frame import cartesian_velocity, galactocentric_to_observed

if TYPE_CHECKING:
    from astropy.coordinates import Galactocentric


@dataclass(frozen=True)
class ToyGalaxy:
    """A barred, two-armed toy galaxy for the Auriga-format mock (km/s, kpc, deg).

    Azimuths φ = atan2(Y, -X) (0 at the Sun). The disc rotates toward +φ: dφ/dt = (Y v_X -
    X v_Y)/R² = v_φ/R > 0 (docs/conventions.md, Kinematics), clockwise seen from the north
    Galactic pole. The bar's major axis is at φ = ``bar_angle_deg`` from the Sun-GC line (its
    near end at positive longitudes); density arms (toy log spirals, outside
    ``arm_r_min_kpc``): φ_arm(R) = ``arm_phase_deg`` - ln(R / 8.2 kpc)/tan(pitch) (+ 180 deg
    for the second arm). The minus sign makes them *trail*: an arm's outer part lies at smaller
    φ, behind in the sense of rotation, and they wind as the Reid et al. (2019) arms of
    :mod:`hotstars.spiral` (ln R falls as φ grows).
    Mean v_R (:meth:`mean_vr`): a trailing wave A cos(m_w [φ + ln(R / 8.2 kpc)/tan(pitch_w)])
    of another multiplicity and pitch than the arms, so that arm segments move inward or
    outward (as in the paper's mock and data: a weak correlation of v̄_R with the arms), plus a
    weak bar quadrupole B exp(-(R - 3 kpc)²/4.5 kpc²) sin(2 (φ - φ_bar)) (toy m = 2 bar
    streaming inside ~5 kpc), weak for the young, strong for the old.
    """

    bar_angle_deg: float = 30.0
    pitch_deg: float = 12.0
    arm_phase_deg: float = 20.0
    arm_fraction: float = 0.5         # young stars on the arms (of those outside arm_r_min)
    arm_width_kpc: float = 0.6
    young_r_min_kpc: float = 1.0      # inner edge of the young disc (toy: an inner young disc)
    young_r_hole_kpc: float = 2.5     # its central taper 1 - exp(-(R/hole)²) (toy choice)
    arm_r_min_kpc: float = 4.0        # arms start here; inside, the young disc is axisymmetric
    wave_m: int = 3
    wave_pitch_deg: float = 25.0
    young_wave_vr_kms: float = 20.0
    young_bar_vr_kms: float = 5.0
    old_wave_vr_kms: float = 6.0
    old_bar_vr_kms: float = 30.0
    old_bar_fraction: float = 0.2     # old stars in the bar (elongated Gaussian 2.0 x 0.7 kpc)
    a_g_per_kpc: float = 0.4          # uniform toy extinction in G
    g_limit: float = 17.0             # the catalogue's magnitude limit

    def mean_vr(self, x, y, population: str):
        """Injected mean v_R [km/s] of ``population`` ('young' or 'old') at (X, Y) [kpc]."""
        x, y = np.asarray(x, float), np.asarray(y, float)
        r, phi = np.hypot(x, y), np.arctan2(y, -x)
        wave_a, bar_b = ((self.young_wave_vr_kms, self.young_bar_vr_kms) if population == "young"
                         else (self.old_wave_vr_kms, self.old_bar_vr_kms))
        spiral = -np.log(r / 8.2) / np.tan(np.radians(self.wave_pitch_deg))  # trailing (toy)
        wave = np.cos(self.wave_m * (phi - spiral))
        return (wave_a * wave + bar_b * np.exp(-((r - 3.0) ** 2) / 4.5)
                * np.sin(2 * (phi - np.radians(self.bar_angle_deg))))


def _vcirc(r):
    return 230.0 * (1.0 - np.exp(-r / 1.2))  # toy rotation curve, km/s


def simulate_toy(n_young: int, n_old: int, seed: int, frame: Galactocentric,
                 toy: ToyGalaxy | None = None) -> pd.DataFrame:
    """Stars of the toy galaxy in ``frame``, true and observed (Gaia DR2-like errors), with
    the columns needed for an Auriga-format file set (:func:`write_mock`).

    Young disc (``n_young`` drawn; R_d = 3.5 kpc, ``toy.young_r_min_kpc``-16 kpc tapered by
    1 - exp(-(R/``toy.young_r_hole_kpc``)²), i.e. an inner young disc inside the arms' start
    ``toy.arm_r_min_kpc``; σ = 10/8/5 km/s): ages < 0.5 Gyr, Teff > 10 kK on and between the
    arms, plus 15 % too cool (6-9.9 kK) and 10 % too old (0.5-3 Gyr) hot stars. Old disc (``n_old``; R_d = 2.6 kpc + bar; σ = 35/25/20 km/s): giants
    (Teff 3600-5300 K, log g 0.8-3.4), 15 % dwarfs, 2 % halo stars with σ = 150 km/s. Only stars
    with G < ``toy.g_limit`` are kept (the real mocks are magnitude-limited). ``population_true``
    records what each star was drawn as.
    """
    toy = toy or ToyGalaxy()
    rng = np.random.default_rng(seed)
    young = _young_stars(rng, n_young, toy)
    old = _old_stars(rng, n_old, toy)
    s = pd.concat([young, old], ignore_index=True)
    v_x, v_y = cartesian_velocity(s["x"], s["y"], s["v_R"], s["v_phi"])
    obs = galactocentric_to_observed(s["x"].to_numpy(), s["y"].to_numpy(), s["z"].to_numpy(),
                                     v_x.to_numpy(), v_y.to_numpy(), s["v_z"].to_numpy(), frame)
    d = obs["distance"]  # kpc; G = M_G + 5 log10(d / 10 pc) + A_G
    s["g_mag"] = s["abs_g"] + 5 * np.log10(d * 100.0) + toy.a_g_per_kpc * d
    for k in ("ra", "dec", "parallax", "pmra", "pmdec", "radial_velocity"):
        s[k] = obs[k]
    s = s.loc[s["g_mag"] < toy.g_limit].reset_index(drop=True)
    n = len(s)
    # Gaia DR2-like errors (toy): σ_ϖ = 0.03 + 0.07·10^(0.4 (G - 16)) mas, σ_μ = 1.5 σ_ϖ /yr
    s["parallax_error"] = 0.03 + 0.07 * 10 ** (0.4 * (s["g_mag"] - 16.0))
    s["pm_error"] = 1.5 * s["parallax_error"]
    s["rv_error"] = 1.0 + 0.5 * 10 ** (0.2 * (s["g_mag"] - 14.0))
    s["g_error"] = np.full(n, 0.003)
    s["teff_error"] = 0.03 * s["teff"]
    s["logg_error"] = np.full(n, 0.1)
    for col, e in (("parallax", "parallax_error"), ("pmra", "pm_error"), ("pmdec", "pm_error"),
                   ("radial_velocity", "rv_error"), ("g_mag", "g_error"), ("teff", "teff_error"),
                   ("logg", "logg_error")):
        s[f"{col}_obs"] = s[col] + rng.normal(0.0, 1.0, n) * s[e]
    s["ra_error"] = s["dec_error"] = s["parallax_error"]
    s["particle_id"] = rng.integers(10**8, 10**9, n)
    return s


def _disc_radii(rng, n, scale_kpc, lo, hi, hole_kpc=0.0):
    """R of an exponential disc (surface density ∝ e^(-R/scale): p(R) ∝ R e^(-R/scale), a
    gamma(2, scale) law) truncated to [lo, hi] kpc by rejection; ``hole_kpc`` > 0 tapers the
    centre by 1 - exp(-(R/hole)²) (a toy choice: fewer young stars in the bar region)."""
    out = np.empty(0)
    while out.size < n:
        r = rng.gamma(2.0, scale_kpc, 2 * n)
        keep = (r >= lo) & (r <= hi)
        if hole_kpc > 0:
            keep &= rng.random(r.size) < 1.0 - np.exp(-((r / hole_kpc) ** 2))
        out = np.concatenate([out, r[keep]])
    return out[:n]


def _young_stars(rng, n, toy: ToyGalaxy) -> pd.DataFrame:
    r = _disc_radii(rng, n, 3.5, toy.young_r_min_kpc, 16.0, toy.young_r_hole_kpc)
    phi = rng.uniform(-np.pi, np.pi, n)
    # toy: arm stars only outside arm_r_min (log spirals wind up tightly toward the centre)
    on_arm = (rng.random(n) < toy.arm_fraction) & (r >= toy.arm_r_min_kpc)
    # trailing log spiral (ToyGalaxy docstring): φ falls as ln R grows, the disc turns to +φ
    arm = (np.radians(toy.arm_phase_deg) - np.log(r / 8.2) / np.tan(np.radians(toy.pitch_deg))
           + np.pi * rng.integers(0, 2, n))
    phi = np.where(on_arm, arm + rng.normal(0.0, 1.0, n) * toy.arm_width_kpc / r, phi)
    x, y, z = -r * np.cos(phi), r * np.sin(phi), rng.normal(0.0, 0.06, n)
    kind = rng.choice(3, n, p=[0.75, 0.15, 0.10])  # 0 selected, 1 too cool, 2 too old
    age = np.where(kind == 2, rng.uniform(0.5, 3.0, n), rng.uniform(0.0, 0.5, n))
    teff = np.where(kind == 1, rng.uniform(6000.0, 9900.0, n),
                    10 ** rng.uniform(np.log10(10500.0), np.log10(30000.0), n))
    abs_g = np.where(kind == 1, rng.uniform(0.5, 2.5, n), rng.uniform(-4.0, 0.0, n))
    return pd.DataFrame({
        "population_true": np.where(kind == 0, "young", "young_contaminant"),
        "x": x, "y": y, "z": z, "v_R": toy.mean_vr(x, y, "young") + rng.normal(0, 10, n),
        "v_phi": _vcirc(r) + rng.normal(0, 8, n), "v_z": rng.normal(0, 5, n),
        "age": age, "teff": teff, "logg": rng.uniform(3.5, 4.3, n), "abs_g": abs_g})


def _old_stars(rng, n, toy: ToyGalaxy) -> pd.DataFrame:
    r = _disc_radii(rng, n, 2.6, 0.3, 16.0)
    phi = rng.uniform(-np.pi, np.pi, n)
    x, y = -r * np.cos(phi), r * np.sin(phi)
    bar = rng.random(n) < toy.old_bar_fraction
    a, c = rng.normal(0.0, 2.0, n), rng.normal(0.0, 0.7, n)
    pb = np.radians(toy.bar_angle_deg)  # major axis toward (-cos φ_b, sin φ_b): φ = φ_b
    x = np.where(bar, -a * np.cos(pb) + c * np.sin(pb), x)
    y = np.where(bar, a * np.sin(pb) + c * np.cos(pb), y)
    r = np.maximum(np.hypot(x, y), 0.05)
    z = rng.laplace(0.0, 0.3, n)
    kind = rng.choice(3, n, p=[0.83, 0.15, 0.02])  # 0 giant, 1 dwarf, 2 halo
    v_r = toy.mean_vr(x, y, "old") + rng.normal(0, 35, n)
    v_phi = _vcirc(r) - 15.0 + rng.normal(0, 25, n)
    v_z = rng.normal(0, 20, n)
    halo = kind == 2
    v_r[halo], v_phi[halo], v_z[halo] = rng.normal(0, 150, (3, halo.sum()))
    dwarf = kind == 1
    teff = np.where(dwarf, rng.uniform(4200.0, 6000.0, n), rng.uniform(3600.0, 5300.0, n))
    logg = np.where(dwarf, rng.uniform(4.0, 4.7, n), rng.uniform(0.8, 3.4, n))
    abs_g = np.where(dwarf, rng.normal(5.5, 1.0, n), rng.normal(-0.8, 0.8, n))
    return pd.DataFrame({
        "population_true": np.array(["old", "old_dwarf", "old_halo"])[kind],
        "x": x, "y": y, "z": z, "v_R": v_r, "v_phi": v_phi, "v_z": v_z,
        "age": rng.uniform(1.0, 10.0, n), "teff": teff, "logg": logg, "abs_g": abs_g})
