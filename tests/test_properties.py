"""Property-based tests (hypothesis): invariances of the Eq. 4 estimator, of the kinematics
transform and its error propagation, of the age percentiles and of the SNR cut (issue 7 point 4).

Strategies are bounded to physical ranges (velocities within a few hundred km/s, errors from
1e-6 to 40 km/s, disc positions); every test runs a fixed, derandomised set of examples so CI is
reproducible and fast.
"""

from __future__ import annotations

import astropy.units as u
import numpy as np
import pandas as pd
from astropy.coordinates import ICRS, CartesianDifferential, CartesianRepresentation
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hotstars import ages, kinematics, maps, selection
from hotstars.frame import galactocentric_frame

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)
V_SUN = np.array([11.1, 232.24, 7.25])
FRAME = galactocentric_frame(8.2, 25.0, V_SUN, 0.0)
SIGMA_MAX = 300.0

# --------------------------------------------------------------------------------------------
# Eq. 4 estimator
# --------------------------------------------------------------------------------------------

velocity = st.floats(-300.0, 300.0, allow_nan=False)
error = st.floats(0.5, 40.0) | st.floats(1e-6, 1e-2)     # sometimes one star dominates


@st.composite
def groups(draw, max_groups=4, max_stars=10):
    """(group labels, v, e) of 1-4 groups of 1-10 stars."""
    sizes = draw(st.lists(st.integers(1, max_stars), min_size=1, max_size=max_groups))
    n = sum(sizes)
    v = draw(arrays(float, n, elements=velocity))
    e = draw(arrays(float, n, elements=error))
    return np.repeat(np.arange(len(sizes)), sizes), v, e


def fit(group, v, e, sigma_max=SIGMA_MAX):
    return maps.grouped_mle(group, v, e, sigma_max)


@SETTINGS
@given(groups(), st.floats(-1000.0, 1000.0))
def test_shift_equivariance(data, c):
    """mu(v + c) = mu(v) + c; sigma and every error unchanged."""
    group, v, e = data
    a, b = fit(group, v, e), fit(group, v + c, e)
    np.testing.assert_allclose(b["mu"], a["mu"] + c, rtol=0, atol=1e-9 * (1 + abs(c) + 300))
    for col in ("sigma", "mu_err_fisher", "mu_err_sqrtn", "mu_err_marg"):
        np.testing.assert_allclose(b[col], a[col], rtol=1e-6, atol=1e-9)


@SETTINGS
@given(groups(), st.floats(0.01, 100.0))
def test_scale_equivariance(data, k):
    """(v, e, sigma_max) -> k (v, e, sigma_max) gives k (mu, sigma, errors): the bound scales with
    the data (with a fixed sigma_max only fits with k sigma < sigma_max could be equivariant)."""
    group, v, e = data
    assume((k * e).min() >= maps.E_MIN_KMS)
    a, b = fit(group, v, e), fit(group, k * v, k * e, k * SIGMA_MAX)
    for col in ("mu", "sigma", "mu_err_fisher", "mu_err_sqrtn", "mu_err_marg"):
        np.testing.assert_allclose(b[col], k * a[col], rtol=1e-6, atol=1e-9 * k * (1 + SIGMA_MAX))


@SETTINGS
@given(groups(), st.randoms(use_true_random=False))
def test_permutation_invariance(data, rnd):
    group, v, e = data
    order = np.arange(v.size)
    rnd.shuffle(order)
    a, b = fit(group, v, e), fit(group[order], v[order], e[order])
    pd.testing.assert_frame_equal(b, a, check_exact=False, rtol=1e-7, atol=1e-9)


@SETTINGS
@given(groups())
def test_bounds_and_what_the_errors_are(data):
    """sigma in [0, sigma_max]; mu inside [min v, max v] (a weighted mean); Fisher error between
    its sigma = 0 value (sum 1/e^2)^-1/2 and the equal-error bound (sigma^2 + max e^2)^1/2/sqrt(N);
    the marginal error >= (sum 1/e^2)^-1/2 always (a mixture over sigma of variances each >= the
    sigma = 0 one), and >= the Fisher error when sigma = 0. 'Fisher <= marginal' is *not* a
    theorem: test_fisher_can_exceed_the_marginal_error shows why."""
    group, v, e = data
    out = fit(group, v, e)
    assert np.isfinite(out.to_numpy(float)).all()
    df = pd.DataFrame({"g": group, "v": v, "inv": e**-2, "e": e})
    per = df.groupby("g").agg(vmin=("v", "min"), vmax=("v", "max"), inv=("inv", "sum"),
                              emax=("e", "max"), n=("v", "size"))
    assert ((out["sigma"] >= 0) & (out["sigma"] <= SIGMA_MAX)).all()
    slack = 1e-9 * (1 + np.abs(per[["vmin", "vmax"]]).max(axis=1))
    assert (out["mu"] >= per["vmin"] - slack).all() and (out["mu"] <= per["vmax"] + slack).all()
    floor = per["inv"] ** -0.5
    assert (out["mu_err_fisher"] >= floor * (1 - 1e-12)).all()
    assert (out["mu_err_fisher"]
            <= np.sqrt(out["sigma"] ** 2 + per["emax"] ** 2) / np.sqrt(per["n"]) * (1 + 1e-12)).all()
    assert (out["mu_err_marg"] >= floor * (1 - 1e-9)).all()
    at_zero = out["sigma"] == 0
    assert (out.loc[at_zero, "mu_err_marg"] >= out.loc[at_zero, "mu_err_fisher"] * (1 - 1e-9)).all()
    np.testing.assert_allclose(out["mu_err_sqrtn"], out["sigma"] / np.sqrt(per["n"]), rtol=1e-14)


def test_fisher_can_exceed_the_marginal_error():
    """Equal errors and a spread near or beyond sigma_max: the flat prior cuts the sigma
    posterior at sigma_max, so its mass lies below sigma_hat and E[1/sum w] < 1/sum w(sigma_hat),
    while mu(sigma) is the plain mean for every sigma (no extra variance)."""
    v = np.array([-500.0, 500.0, -400.0, 400.0, 0.0, 100.0])
    out = fit(np.zeros(6), v, np.full(6, 5.0)).iloc[0]
    assert out["sigma"] == SIGMA_MAX and out["mu_err_marg"] < out["mu_err_fisher"]


@SETTINGS
@given(arrays(float, st.integers(1, 12), elements=velocity), st.floats(0.5, 40.0),
       st.floats(50.0, 300.0))
def test_equal_errors_closed_form(v, e, sigma_max):
    """With equal errors the MLE is closed-form: mu = mean(v), sigma^2 = clip(mean((v - mean)^2)
    - e^2, 0, sigma_max^2) (NLL = N/2 ln t + S/2t in t = sigma^2 + e^2, minimum at t = S/N)."""
    out = fit(np.zeros(v.size), v, np.full(v.size, e), sigma_max).iloc[0]
    s2 = np.clip(np.mean((v - v.mean()) ** 2) - e * e, 0.0, sigma_max**2)
    assert abs(out["mu"] - v.mean()) <= 1e-9 * 300
    assert abs(out["sigma"] - np.sqrt(s2)) <= 1e-6 * (1 + np.sqrt(s2))
    fisher = np.sqrt((out["sigma"] ** 2 + e * e) / v.size)
    assert abs(out["mu_err_fisher"] - fisher) <= 1e-12 * fisher


@settings(max_examples=30, deadline=None, derandomize=True)
@given(groups(max_groups=1, max_stars=12))
def test_vectorised_search_equals_the_dense_reference(data):
    """The grid scan + root finder picks the same global optimum as the dense-grid reference."""
    _, v, e = data
    out = fit(np.zeros(v.size), v, e).iloc[0]
    mu, sigma, err = maps.profile_mle(v, e)
    assert abs(out["sigma"] - sigma) <= 1e-6 * (1 + sigma)
    assert abs(out["mu"] - mu) <= 1e-6 * (1 + abs(mu))
    assert abs(out["mu_err_fisher"] - err) <= 1e-6 * err


# --------------------------------------------------------------------------------------------
# Kinematics transform (inputs built with astropy from Galactocentric phase-space points)
# --------------------------------------------------------------------------------------------

def observe(x, y, z, vx, vy, vz):
    """ICRS observables of Galactocentric points (kpc) with Cartesian velocities (km/s)."""
    vel = CartesianDifferential(vx * u.km / u.s, vy * u.km / u.s, vz * u.km / u.s)
    rep = CartesianRepresentation(x * u.kpc, y * u.kpc, z * u.kpc, differentials=vel)
    c = FRAME.realize_frame(rep).transform_to(ICRS())
    return {"ra": c.ra.deg, "dec": c.dec.deg, "distance": c.distance.to_value(u.kpc),
            "pmra": c.pm_ra_cosdec.to_value(u.mas / u.yr), "pmdec": c.pm_dec.to_value(u.mas / u.yr),
            "vlos": c.radial_velocity.to_value(u.km / u.s)}


def input_table(obs, distance_err=0.1, pm_err=0.05, corr=0.2, vlos_err=5.0):
    n = np.size(obs["ra"])
    cols = {"source_id": np.arange(n), **obs, "distance_err": distance_err, "pmra_error": pm_err,
            "pmdec_error": 1.5 * np.asarray(pm_err), "pmra_pmdec_corr": corr, "vlos_err": vlos_err,
            "n_epochs": 1}
    return pd.DataFrame({c: np.broadcast_to(cols[c], (n,)) for c in kinematics.INPUT_COLUMNS})


def cyl_basis(x, y):
    """e_R = (X, Y)/R and e' = (Y, -X)/R of docs/conventions.md (v_R = e_R.v, v_phi = e'.v)."""
    r = np.hypot(x, y)
    return np.stack([x / r, y / r]), np.stack([y / r, -x / r])


sun = ICRS(CartesianRepresentation([0.0], [0.0], [0.0], unit=u.kpc)).transform_to(FRAME)
SUN_XYZ = sun.cartesian.xyz.to_value(u.kpc)[:, 0]


@st.composite
def phase_space(draw, n=4):
    """n disc stars: R 2-16 kpc, any azimuth, |z| < 1 kpc, at least 50 pc from the Sun;
    cylindrical velocities v_R, v_z in +-100 km/s, v_phi in -50..300 km/s."""
    f = lambda lo, hi: draw(arrays(float, n, elements=st.floats(lo, hi)))  # noqa: E731
    r, phi, z = f(2.0, 16.0), np.radians(f(-180.0, 180.0)), f(-1.0, 1.0)
    x, y = -r * np.cos(phi), r * np.sin(phi)                # phi = atan2(Y, -X), 0 at the Sun
    assume(np.all(np.linalg.norm(np.stack([x, y, z]).T - SUN_XYZ, axis=1) > 0.05))
    return x, y, z, f(-100.0, 100.0), f(-50.0, 300.0), f(-100.0, 100.0)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(phase_space())
def test_round_trip_recovers_positions_and_cylindrical_velocities(ps):
    """Any (X, Y, Z, v_R, v_phi, v_z) -> ICRS observables (astropy) -> galactocentric() gives
    it back; circular orbits (v_R = 0) are a special case."""
    x, y, z, v_r, v_phi, v_z = ps
    (cr, sr), _ = cyl_basis(x, y)
    out = kinematics.galactocentric(
        input_table(observe(x, y, z, cr * v_r + sr * v_phi, sr * v_r - cr * v_phi, v_z)), FRAME)
    np.testing.assert_allclose(out[["x", "y", "z"]].to_numpy().T, [x, y, z], rtol=0, atol=1e-9)
    np.testing.assert_allclose(out[["v_R", "v_phi", "v_z"]].to_numpy().T, [v_r, v_phi, v_z],
                               rtol=0, atol=1e-6)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.floats(0.0, 360.0), st.floats(0.05, 8.0), st.floats(150.0, 280.0))
def test_circular_orbit_has_zero_v_r(l_deg, d_kpc, v_c):
    """A star in the plane at any (l, d) on a circular orbit of any speed: v_R = v_z = 0."""
    l = np.radians(l_deg)
    x, y = np.array([-8.2 + d_kpc * np.cos(l)]), np.array([d_kpc * np.sin(l)])
    assume(np.hypot(x, y)[0] > 0.5)
    (cr, sr), _ = cyl_basis(x, y)
    out = kinematics.galactocentric(input_table(observe(x, y, np.zeros(1), sr * v_c, -cr * v_c,
                                                        np.zeros(1))), FRAME).iloc[0]
    assert abs(out["v_R"]) < 1e-6 and abs(out["v_z"]) < 1e-6 and abs(out["v_phi"] - v_c) < 1e-6


sky = st.fixed_dictionaries({
    "ra": arrays(float, 4, elements=st.floats(0.0, 360.0)),
    "dec": arrays(float, 4, elements=st.floats(-89.0, 89.0)),
    "distance": arrays(float, 4, elements=st.floats(0.05, 8.0)),
    "pmra": arrays(float, 4, elements=st.floats(-20.0, 20.0)),
    "pmdec": arrays(float, 4, elements=st.floats(-20.0, 20.0)),
    "vlos": arrays(float, 4, elements=st.floats(-150.0, 150.0))})


@SETTINGS
@given(sky, arrays(float, 3, elements=st.floats(-40.0, 40.0)))
def test_adding_a_velocity_to_the_sun_adds_it_to_every_star(obs, delta):
    """Same observables, galcen_v_sun + delta: every star's Galactocentric velocity moves by delta,
    so (v_R, v_phi, v_z) move by (e_R.delta, e'.delta, delta_z) at the star's own position (at the
    Sun's azimuth: (-delta_X, delta_Y, delta_Z)); positions do not move."""
    t = input_table(obs)
    a = kinematics.galactocentric(t, FRAME)
    b = kinematics.galactocentric(t, galactocentric_frame(8.2, 25.0, V_SUN + delta, 0.0))
    np.testing.assert_array_equal(a[["x", "y", "z"]].to_numpy(), b[["x", "y", "z"]].to_numpy())
    e_r, e_p = cyl_basis(a["x"].to_numpy(), a["y"].to_numpy())
    np.testing.assert_allclose(b["v_R"] - a["v_R"], delta[:2] @ e_r, rtol=0, atol=1e-9)
    np.testing.assert_allclose(b["v_phi"] - a["v_phi"], delta[:2] @ e_p, rtol=0, atol=1e-9)
    np.testing.assert_allclose(b["v_z"] - a["v_z"], delta[2], rtol=0, atol=1e-9)


@SETTINGS
@given(sky)
def test_a_star_moving_with_the_sun(obs):
    """Zero proper motion and v_los: the star's Galactocentric velocity is galcen_v_sun, so
    v_R = e_R.v_sun wherever it is (-11.1 km/s only at the Sun's azimuth)."""
    t = input_table({**obs, "pmra": np.zeros(4), "pmdec": np.zeros(4), "vlos": np.zeros(4)})
    out = kinematics.galactocentric(t, FRAME)
    e_r, e_p = cyl_basis(out["x"].to_numpy(), out["y"].to_numpy())
    np.testing.assert_allclose(out["v_R"], V_SUN[:2] @ e_r, rtol=0, atol=1e-9)
    np.testing.assert_allclose(out["v_phi"], V_SUN[:2] @ e_p, rtol=0, atol=1e-9)
    np.testing.assert_allclose(out["v_z"], V_SUN[2], rtol=0, atol=1e-9)


ERROR_COLUMNS = ["x_err", "y_err", "z_err", "R_err", "phi_err", "v_R_err", "v_phi_err", "v_z_err"]
COV_COLUMNS = ["v_R_v_phi_cov", "v_R_v_z_cov", "v_phi_v_z_cov"]


@SETTINGS
@given(sky, st.floats(1e-3, 1e3), st.floats(-0.95, 0.95))
def test_error_propagation_is_linear_in_the_input_errors(obs, k, corr):
    """Input errors x k -> every propagated error x k and covariance x k^2 (J Sigma J^T with J
    independent of the errors); zero input errors give exactly zero errors."""
    a = kinematics.galactocentric(input_table(obs, 0.1, 0.05, corr, 5.0), FRAME)
    b = kinematics.galactocentric(input_table(obs, 0.1 * k, 0.05 * k, corr, 5.0 * k), FRAME)
    np.testing.assert_allclose(b[ERROR_COLUMNS], k * a[ERROR_COLUMNS], rtol=1e-10)
    np.testing.assert_allclose(b[COV_COLUMNS], k * k * a[COV_COLUMNS], rtol=1e-9,
                               atol=1e-12 * k * k * (a[["v_R_err", "v_phi_err"]] ** 2).to_numpy().max())
    zero = kinematics.galactocentric(input_table(obs, 0.0, 0.0, corr, 0.0), FRAME)
    assert (zero[ERROR_COLUMNS + COV_COLUMNS].to_numpy() == 0.0).all()
    np.testing.assert_array_equal(zero[["v_R", "v_phi", "v_z"]], a[["v_R", "v_phi", "v_z"]])


@SETTINGS
@given(sky, st.floats(0.1, 50.0))
def test_vlos_error_alone_projects_the_line_of_sight(obs, sig):
    """Only v_los uncertain: the velocity error is sig times the line of sight n = (x - x_sun)/d
    projected on the cylindrical basis: v_R_err = |e_R.n| sig, v_phi_err = |e'.n| sig, v_z_err =
    |n_z| sig."""
    out = kinematics.galactocentric(input_table(obs, 0.0, 0.0, 0.0, sig), FRAME)
    xyz = out[["x", "y", "z"]].to_numpy()
    n = (xyz - SUN_XYZ) / np.linalg.norm(xyz - SUN_XYZ, axis=1, keepdims=True)
    e_r, e_p = cyl_basis(xyz[:, 0], xyz[:, 1])
    np.testing.assert_allclose(out["v_R_err"], sig * np.abs((n[:, :2].T * e_r).sum(axis=0)),
                               rtol=1e-9, atol=1e-12 * sig)
    np.testing.assert_allclose(out["v_phi_err"], sig * np.abs((n[:, :2].T * e_p).sum(axis=0)),
                               rtol=1e-9, atol=1e-12 * sig)
    np.testing.assert_allclose(out["v_z_err"], sig * np.abs(n[:, 2]), rtol=1e-9, atol=1e-12 * sig)


# --------------------------------------------------------------------------------------------
# Age percentiles
# --------------------------------------------------------------------------------------------

@st.composite
def posteriors(draw, positive=False):
    """(P [1-3 rows x n_age], axis): non-negative rows with mass, often with empty bins and
    values from subnormal to the largest float (unnormalised: sums may overflow)."""
    n_age = draw(st.integers(2, 40))
    lo = 0.0 if not positive else 1e-300
    values = (st.floats(lo, np.finfo(float).max) | st.floats(lo, 1.0)
              | (st.just(0.0) if not positive else st.floats(1e-300, 1e-200)))
    P = draw(arrays(float, (draw(st.integers(1, 3)), n_age), elements=values))
    assume((P.max(axis=1) > 0).all())
    start = draw(st.sampled_from([5.0, 6.0, 6.5]))
    step = draw(st.sampled_from([0.01, 0.05, 0.1]))
    return P, np.round(start + step * np.arange(n_age), 4)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(posteriors(), st.floats(1e-200, 1e100))
def test_percentiles_are_ordered_bounded_and_scale_free(data, k):
    P, axis = data
    step = axis[1] - axis[0]
    pc = ages.percentiles(P, axis)
    assert np.isfinite(pc).all()
    assert (np.diff(pc, axis=1) >= 0).all()                        # p16 <= p50 <= p84
    assert (pc >= axis[0] - 0.5 * step - 1e-9).all() and (pc <= axis[-1] + 0.5 * step + 1e-9).all()
    with np.errstate(over="ignore"):
        scaled = P * k
    if np.isfinite(scaled).all() and (scaled.max(axis=1) > 0).all():
        np.testing.assert_allclose(ages.percentiles(scaled, axis), pc, rtol=0, atol=1e-9)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(posteriors(positive=True))
def test_percentiles_invert_the_piecewise_linear_cdf(data):
    """Strictly positive posteriors: the percentile is np.interp of the CDF at the bin edges."""
    P, axis = data
    step = axis[1] - axis[0]
    edges = np.r_[axis - 0.5 * step, axis[-1] + 0.5 * step]
    pc = ages.percentiles(P, axis, (5, 16, 50, 84, 95))
    for row, got in zip(P, pc):
        p = row / row.max()
        cdf = np.r_[0.0, np.cumsum(p)] / p.sum()
        assume(np.all(np.diff(cdf) > 0))                       # no bin lost to rounding
        np.testing.assert_allclose(got, np.interp([0.05, 0.16, 0.5, 0.84, 0.95], cdf, edges),
                                   rtol=0, atol=1e-9)


# --------------------------------------------------------------------------------------------
# The SNR cut
# --------------------------------------------------------------------------------------------

@st.composite
def sample(draw):
    """Targets 1..n (clean Gaia values) and 1-3 spectra each, SNR 0-100 (sometimes NaN), Teff
    5-30 kK."""
    n = draw(st.integers(1, 8))
    per = draw(st.lists(st.integers(1, 3), min_size=n, max_size=n))
    ids = np.repeat(np.arange(1, n + 1), per)
    m = ids.size
    snr = draw(arrays(float, m, elements=st.floats(0.0, 100.0) | st.just(np.nan)))
    teff = draw(arrays(float, m, elements=st.floats(5000.0, 30000.0)))
    targets = pd.DataFrame({c: np.full(n, np.nan) for c in selection.GAIA_COLUMNS[1:]})
    targets.insert(0, "source_id", np.arange(1, n + 1, dtype=np.int64))
    targets = targets.assign(parallax=1.0, parallax_error=0.05, ruwe=1.0, r_med_photogeo=1000.0,
                             r_lo_photogeo=950.0, r_hi_photogeo=1050.0, gaia_dr2_id=-1,
                             n_spectra=np.asarray(per, np.int64))
    spectra = pd.DataFrame({c: np.full(m, np.nan) for c in selection.SPECTRUM_COLUMNS})
    spectra = spectra.assign(source_id=ids.astype(np.int64), sdss_id=ids + 1000, field=1,
                             mjd=60000 + np.arange(m), sn_median_all=snr, teff=teff, e_teff=100.0,
                             logg=4.0, e_logg=0.1, fe_h=0.0, e_fe_h=0.1)
    return targets, spectra


@settings(max_examples=60, deadline=None, derandomize=True)
@given(sample(), st.floats(0.0, 100.0), st.floats(0.0, 50.0))
def test_raising_snr_min_never_adds_spectra_or_snr_passing_stars(data, snr_min, raise_by):
    """Raising snr_min never adds a passing spectrum, a star to the 'snr' step or a star to the
    quality sample. A star can *enter* the HSS only through the Teff re-average (the SNR-weighted
    Teff over passing spectra crosses the cut from below; see test_edge_cases)."""
    targets, spectra = data
    lo = selection.select_hss(spectra, targets, selection.Cuts(snr_min=snr_min))
    hi = selection.select_hss(spectra, targets, selection.Cuts(snr_min=snr_min + raise_by))
    f_lo, f_hi = lo[0].set_index("source_id"), hi[0].set_index("source_id")
    assert (f_hi["n_spectra_snr"] <= f_lo["n_spectra_snr"]).all()
    for col in ("passes_snr", "passes_quality"):
        assert not (f_hi[col] & ~f_lo[col]).any()
    c_lo, c_hi = (c[3].set_index("step") for c in (lo, hi))
    assert (c_hi.loc["snr":, "n_spectra"] <= c_lo.loc["snr":, "n_spectra"]).all()
    assert c_hi.loc["snr", "n_stars"] <= c_lo.loc["snr", "n_stars"]
    gained = f_hi["in_hss"] & ~f_lo["in_hss"]
    assert (f_hi.loc[gained, "teff"] > 10000).all() and not (f_lo.loc[gained, "teff"] > 10000).any()
