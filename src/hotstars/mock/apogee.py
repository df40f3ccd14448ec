"""An APOGEE DR17 astroNN-format mock of old disc giants, with an injected mean v_R pattern, for
Fig. 13, Fig. B.1's APOGEE row and Fig. D.1 when no real VAC is configured."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hotstars.io.apogee import ASTRONN_R_SUN_KPC, ASTRONN_V_SUN, ASTRONN_Z_SUN_PC
from hotstars.frame import cartesian_velocity, galactocentric_frame, galactocentric_to_observed


def mock_mean_vr(x, y, amplitude_kms: float = 10.0, pitch_deg: float = 12.0,
                 bar_amplitude_kms: float = 20.0, bar_angle_deg: float = 30.0) -> np.ndarray:
    """The mock's injected mean v_R [km/s] at (X, Y) [kpc] (paper's orientation).

    A two-armed log-spiral wave A cos(2 [φ - ln(R / 8.125 kpc)/tan p]) (an Eilers et al. 2020-like
    pattern of ~10 km/s) plus a bar quadrupole B exp(-(R - 3)²/4.5) sin(2 (φ - φ_bar)) confined to
    R ≲ 5 kpc (the masked region); φ = atan2(Y, -X) in rad.
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    r, phi = np.hypot(x, y), np.arctan2(y, -x)
    spiral = amplitude_kms * np.cos(2 * (phi - np.log(r / ASTRONN_R_SUN_KPC)
                                         / np.tan(np.radians(pitch_deg))))
    bar = bar_amplitude_kms * np.exp(-((r - 3.0) ** 2) / 4.5) * np.sin(
        2 * (phi - np.radians(bar_angle_deg)))
    return spiral + bar


def simulate_astronn(n_stars: int, seed: int, d_max_kpc: float = 7.0,
                     halo_fraction: float = 0.03, outlier_fraction: float = 0.005,
                     dwarf_fraction: float = 0.12, repeat_fraction: float = 0.01) -> pd.DataFrame:
    """An astroNN-DR17-format table of mock APOGEE stars (DR17 column names and cases).

    Old disc giants: exponential disc (R_d = 2.6 kpc, R in 0.5-16 kpc, |z| scale 0.3 kpc) seen
    with a probability e^(-d / 2.5 kpc) within ``d_max_kpc`` of the Sun (a magnitude-limited
    survey); σ_(R, φ, z) = (35, 25, 20) km/s about v_φ = 230 (1 - e^(-R/1.2 kpc))
    - 15 km/s and v̄_R = :func:`mock_mean_vr`. Also a non-rotating halo (σ = 150 km/s), velocity
    outliers (400-800 km/s, removed by the Toomre cut), dwarfs (log g > 3.8), some stars cooler
    than 3500 K or hotter than 5000 K, relative distance errors 2-45 %, and ``repeat_fraction``
    stars repeated as a second telescope's row. Positions are exact; velocities carry Gaussian
    errors galv*_err. RA/DEC, dist, pmra/pmdec and VHELIO_AVG are consistent with astroNN's frame.
    """
    rng = np.random.default_rng(seed)
    r0 = ASTRONN_R_SUN_KPC
    # positions: exponential disc by rejection to d < d_max (Sun at X = -R0)
    xs, ys = [], []
    while sum(map(len, xs)) < n_stars:
        r = rng.gamma(2.0, 2.6, 4 * n_stars)  # Σ ∝ e^(-R/R_d): p(R) ∝ R e^(-R/R_d)
        ph = rng.uniform(-np.pi, np.pi, r.size)
        x, y = -r * np.cos(ph), r * np.sin(ph)
        d = np.hypot(x + r0, y)
        ok = (r > 0.5) & (r < 16.0) & (d < d_max_kpc) & (rng.random(r.size) < np.exp(-d / 2.5))
        xs.append(x[ok])
        ys.append(y[ok])
    x, y = np.concatenate(xs)[:n_stars], np.concatenate(ys)[:n_stars]
    z = rng.laplace(0.0, 0.3, n_stars)
    r, phi = np.hypot(x, y), np.arctan2(y, -x)
    kind = rng.choice(4, n_stars, p=[1 - halo_fraction - outlier_fraction - dwarf_fraction,
                                     halo_fraction, outlier_fraction, dwarf_fraction])
    v_r = mock_mean_vr(x, y) + rng.normal(0, 35, n_stars)
    v_phi = 230 * (1 - np.exp(-r / 1.2)) - 15 + rng.normal(0, 25, n_stars)
    v_z = rng.normal(0, 20, n_stars)
    halo = kind == 1
    v_r[halo], v_phi[halo], v_z[halo] = rng.normal(0, 150, (3, halo.sum()))
    out = kind == 2
    speed = rng.uniform(400, 800, out.sum())
    direction = rng.normal(size=(3, out.sum()))
    direction /= np.linalg.norm(direction, axis=0)
    v_r[out], v_phi[out], v_z[out] = speed * direction
    # stellar parameters
    teff = rng.uniform(3600, 5300, n_stars)
    logg = rng.uniform(0.8, 3.5, n_stars)
    dwarf = kind == 3
    teff[dwarf] = rng.uniform(4000, 6200, dwarf.sum())
    logg[dwarf] = rng.uniform(3.8, 4.8, dwarf.sum())
    cool = rng.random(n_stars) < 0.03
    teff[cool], logg[cool] = rng.uniform(3200, 3500, cool.sum()), rng.uniform(0.3, 1.0, cool.sum())
    # heliocentric observables in astroNN's frame (positions exact)
    frame = galactocentric_frame(r0, ASTRONN_Z_SUN_PC, ASTRONN_V_SUN)
    v_x, v_y = cartesian_velocity(x, y, v_r, v_phi)
    obs = galactocentric_to_observed(x, y, z, v_x, v_y, v_z, frame)
    dist_pc = obs["distance"] * 1000.0
    rel = rng.uniform(0.02, 0.45, n_stars)
    err = 2.0 + 30.0 * rel  # km/s, grows with the distance error
    noisy = [v + rng.normal(0, e) for v, e in ((v_r, err), (v_phi, err), (v_z, 0.5 * err))]
    tel = np.where(obs["dec"] < -20, "lco25m", "apo25m")
    table = pd.DataFrame({
        "APOGEE_ID": [f"2M{i:08d}{s}{j:07d}" for i, s, j in
                      zip(rng.permutation(n_stars), np.where(obs["dec"] < 0, "-", "+"),
                          rng.integers(0, 10**7, n_stars))],
        "LOCATION_ID": rng.integers(2000, 6000, n_stars).astype(np.int32),
        "TELESCOPE": tel, "RA_APOGEE": obs["ra"], "DEC_APOGEE": obs["dec"],
        "TEFF": teff.astype(np.float32), "TEFF_ERR": np.full(n_stars, 60, np.float32),
        "LOGG": logg.astype(np.float32), "LOGG_ERR": np.full(n_stars, 0.05, np.float32),
        "FE_H": rng.normal(-0.1, 0.2, n_stars).astype(np.float32),
        "dist": dist_pc, "dist_error": rel * dist_pc, "RA": obs["ra"], "DEC": obs["dec"],
        "pmra": obs["pmra"], "pmdec": obs["pmdec"],
        "VHELIO_AVG": obs["radial_velocity"].astype(np.float32),
        "source_id": rng.integers(10**17, 7 * 10**18, n_stars),
        "galr": r, "galphi": phi, "galz": z, "galvr": noisy[0], "galvt": noisy[1],
        "galvz": noisy[2], "galvr_err": err, "galvt_err": err, "galvz_err": 0.5 * err,
    })
    rep = rng.random(n_stars) < repeat_fraction  # the same star seen by the other telescope
    again = table.loc[rep].copy()
    again["TELESCOPE"] = np.where(again["TELESCOPE"] == "apo25m", "lco25m", "apo25m")
    again["dist_error"] *= 1.3
    return pd.concat([table, again], ignore_index=True)
