"""6D Galactocentric kinematics and error propagation (hotstars.kinematics; paper Sec. 3.1).

Expected values come from the frame's geometry in closed form, from astropy directly (with the
cylindrical formulas of docs/conventions.md written out again here), or from Monte Carlo draws.
"""

import astropy.units as u
import numpy as np
import pandas as pd
import pytest
from astropy.coordinates import ICRS, CartesianDifferential, CartesianRepresentation
from astropy.table import Table

from hotstars import kinematics as kin
from hotstars.frame import galactocentric_frame
from hotstars.io.tables import write_table
from hotstars.isochrones import build_grid_lachesis
from hotstars.mock import survey as mock

R0, Z_SUN = 8.2, 0.025                      # kpc
V_SUN = (11.1, 232.24, 7.25)                # km/s, astropy's Cartesian galcen_v_sun
FRAME = galactocentric_frame(R0, 1000 * Z_SUN, V_SUN, 0.0)
D_GC = np.hypot(R0, Z_SUN)                  # Sun-GC distance
K_AU_YR = 149_597_870.700 / (365.25 * 86400)  # 1 au/yr in km/s (IAU 2012 au, Julian year)


def _cyl(xyz, vxyz):
    """docs/conventions.md: v_R = (X v_X + Y v_Y)/R, v_phi = (Y v_X - X v_Y)/R, v_z = v_Z."""
    x, y = xyz[0], xyz[1]
    r = np.hypot(x, y)
    return np.array([(x * vxyz[0] + y * vxyz[1]) / r, (y * vxyz[0] - x * vxyz[1]) / r, vxyz[2]])


def _astropy_gc(ra, dec, d, pmra, pmdec, vlos):
    """Galactocentric position (3, N) [kpc] and velocity (3, N) [km/s] straight from astropy."""
    c = ICRS(ra=np.atleast_1d(ra) * u.deg, dec=np.atleast_1d(dec) * u.deg,
             distance=np.atleast_1d(d) * u.kpc, pm_ra_cosdec=np.atleast_1d(pmra) * u.mas / u.yr,
             pm_dec=np.atleast_1d(pmdec) * u.mas / u.yr,
             radial_velocity=np.atleast_1d(vlos) * u.km / u.s).transform_to(FRAME)
    return c.cartesian.xyz.to_value(u.kpc), c.velocity.d_xyz.to_value(u.km / u.s)


def _observe(x, y, z, v_r, v_phi, v_z):
    """ICRS observables of Galactocentric points given cylindrical velocities (inverse of _cyl)."""
    x, y, z = (np.atleast_1d(np.asarray(a, float)) for a in (x, y, z))
    r = np.hypot(x, y)
    c, s = x / r, y / r
    vx, vy = c * v_r + s * v_phi, s * v_r - c * v_phi
    vel = CartesianDifferential(vx * u.km / u.s, vy * u.km / u.s,
                                np.broadcast_to(v_z, x.shape) * u.km / u.s)
    rep = CartesianRepresentation(x * u.kpc, y * u.kpc, z * u.kpc, differentials=vel)
    icrs = FRAME.realize_frame(rep).transform_to(ICRS())
    return {"ra": icrs.ra.deg, "dec": icrs.dec.deg, "distance": icrs.distance.to_value(u.kpc),
            "pmra": icrs.pm_ra_cosdec.to_value(u.mas / u.yr),
            "pmdec": icrs.pm_dec.to_value(u.mas / u.yr),
            "vlos": icrs.radial_velocity.to_value(u.km / u.s)}


def _table(**cols):
    """An input table with unit errors, zero correlation and ids 0..N-1 unless given."""
    n = max(np.size(v) for v in cols.values())
    base = {"source_id": np.arange(n), "distance_err": 0.1, "pmra_error": 0.05,
            "pmdec_error": 0.05, "pmra_pmdec_corr": 0.0, "vlos_err": 5.0, "n_epochs": 1}
    base.update({k: np.atleast_1d(v) for k, v in cols.items()})
    return pd.DataFrame({c: np.broadcast_to(base[c], (n,)) for c in kin.INPUT_COLUMNS})


def _disc_star(l_deg, d_kpc, v_phi=230.0, **errors):
    """A star in the plane at heliocentric (l, d) on a circular orbit (v_R = v_z = 0)."""
    l = np.radians(l_deg)
    obs = _observe(-R0 + d_kpc * np.cos(l), d_kpc * np.sin(l), 0.0, 0.0, v_phi, 0.0)
    return _table(**obs, **errors)


def _monte_carlo(star: pd.Series, n_draws: int, seed: int) -> np.ndarray:
    """(3, n) of (v_R, v_phi, v_z) for draws of (d, pmra, pmdec, vlos) from the full covariance."""
    cov = kin.input_covariance(star.to_frame().T)[0]
    mean = star[["distance", "pmra", "pmdec", "vlos"]].to_numpy(float)
    p = np.random.default_rng(seed).multivariate_normal(mean, cov, n_draws)
    xyz, v = _astropy_gc(np.full(n_draws, star["ra"]), np.full(n_draws, star["dec"]), *p.T)
    return _cyl(xyz, v)


# ------------------------------------------------------------------------------------------
# Values
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("ra, dec", [(0.0, 0.0), (120.0, 45.0), (266.4, -28.9), (300.0, -70.0)])
def test_the_sun_moving_with_the_sun_has_the_solar_motion(ra, dec):
    """Guards the solar-motion sign: the Sun's own v_R is -11.1 (inward), v_phi 232.24."""
    out = kin.galactocentric(_table(ra=ra, dec=dec, distance=1e-6, pmra=0.0, pmdec=0.0,
                                    vlos=0.0), FRAME).iloc[0]
    assert out["v_R"] == pytest.approx(-11.1, abs=1e-3)
    assert out["v_phi"] == pytest.approx(232.24, abs=1e-3)
    assert out["v_z"] == pytest.approx(7.25, abs=1e-3)
    assert (out["x"], out["y"], out["z"]) == pytest.approx((-R0, 0.0, Z_SUN), abs=1e-5)
    assert out["R"] == pytest.approx(R0, abs=1e-5) and abs(out["phi"]) < 1e-3


@pytest.mark.parametrize("l_deg, d_kpc, v_phi", [
    (20.0, 5.0, 230.0),     # inner disc
    (0.0, 4.0, 215.0),      # toward the GC
    (300.0, 6.0, 240.0),    # inner disc, fourth quadrant
    (180.0, 3.0, 225.0),    # anticentre
    (120.0, 4.0, 235.0),    # outer disc
    (250.0, 7.0, 200.0),    # outer disc, third quadrant
])
def test_circular_orbit_in_the_plane(l_deg, d_kpc, v_phi):
    out = kin.galactocentric(_disc_star(l_deg, d_kpc, v_phi), FRAME).iloc[0]
    assert out["v_R"] == pytest.approx(0.0, abs=1e-6)
    assert out["v_phi"] == pytest.approx(v_phi, abs=1e-6)
    assert out["v_z"] == pytest.approx(0.0, abs=1e-6)
    l = np.radians(l_deg)
    x, y = -R0 + d_kpc * np.cos(l), d_kpc * np.sin(l)
    assert (out["x"], out["y"], out["z"]) == pytest.approx((x, y, 0.0), abs=1e-9)
    assert out["R"] == pytest.approx(np.hypot(x, y), abs=1e-9)
    assert out["phi"] == pytest.approx(np.degrees(np.arctan2(y, -x)), abs=1e-7)


@pytest.mark.parametrize("toward_gc", [True, False])
def test_closed_form_on_the_sun_gc_axis(toward_gc):
    """On the Sun-GC line the unit vector is u = ±(R0, 0, -z_sun)/D; with zero proper motion
    v = v_los u + v_sun and Y = 0, so v_R = -v_X, v_phi = v_Y, v_z = v_Z in closed form."""
    gc = FRAME.galcen_coord
    ra, dec = (gc.ra.deg, gc.dec.deg) if toward_gc else ((gc.ra.deg + 180) % 360, -gc.dec.deg)
    sign = 1.0 if toward_gc else -1.0
    s = np.array([0.5, 3.0, 6.0])
    vlos = np.array([-40.0, 12.5, 80.0])
    out = kin.galactocentric(_table(ra=ra, dec=dec, distance=s, pmra=0.0, pmdec=0.0, vlos=vlos),
                             FRAME)
    np.testing.assert_allclose(out["x"], -R0 + sign * s * R0 / D_GC, atol=1e-9)
    np.testing.assert_allclose(out["z"], Z_SUN - sign * s * Z_SUN / D_GC, atol=1e-9)
    np.testing.assert_allclose(out["v_R"], -(sign * vlos * R0 / D_GC + V_SUN[0]), atol=1e-6)
    np.testing.assert_allclose(out["v_phi"], V_SUN[1], atol=1e-6)
    np.testing.assert_allclose(out["v_z"], -sign * vlos * Z_SUN / D_GC + V_SUN[2], atol=1e-6)

    # with proper motion: v - v_sun has v_los along u and |v_tan| = K d mu across it
    pmra, pmdec = np.array([1.5, -3.0, 4.0]), np.array([-2.0, 0.5, 6.0])
    out = kin.galactocentric(_table(ra=ra, dec=dec, distance=s, pmra=pmra, pmdec=pmdec,
                                    vlos=vlos), FRAME)
    v_helio = np.stack([-out["v_R"] - V_SUN[0], out["v_phi"] - V_SUN[1], out["v_z"] - V_SUN[2]])
    u_hat = sign * np.array([R0, 0.0, -Z_SUN])[:, None] / D_GC
    np.testing.assert_allclose((v_helio * u_hat).sum(axis=0), vlos, atol=1e-6)
    np.testing.assert_allclose((v_helio ** 2).sum(axis=0),
                               vlos ** 2 + (K_AU_YR * s) ** 2 * (pmra ** 2 + pmdec ** 2), rtol=1e-9)


def test_non_finite_inputs_give_nan_not_dropped_rows():
    t = pd.concat([_disc_star(30.0, 2.0), _disc_star(200.0, 3.0), _disc_star(90.0, 1.0)],
                  ignore_index=True)
    t["source_id"] = [5, 6, 7]
    t.loc[0, "vlos"] = np.nan
    t.loc[1, "distance"] = np.nan
    t.loc[2, "pmra_pmdec_corr"] = np.nan
    out = kin.galactocentric(t, FRAME)
    assert list(out["source_id"]) == [5, 6, 7]
    assert out.loc[0, ["v_R", "v_phi", "v_z", "v_R_err"]].isna().all()
    assert np.isfinite(out.loc[0, ["x", "y", "z", "R", "phi"]].to_numpy(float)).all()
    assert out.loc[1, ["x", "R", "v_R", "v_phi", "v_R_err"]].isna().all()
    assert np.isfinite(out.loc[2, "v_R"]) and np.isnan(out.loc[2, "v_R_err"])
    counts = kin.missing_input_counts(t)
    assert counts == {"no_distance": 1, "no_proper_motion": 0, "no_vlos": 1,
                      "no_velocity_error": 1, "nan_velocity": 2}


def test_bad_inputs_raise_clear_errors():
    t = _disc_star(30.0, 2.0)
    with pytest.raises(kin.KinematicsError, match="vlos_err"):
        kin.galactocentric(t.drop(columns="vlos_err"), FRAME, source="in.parquet")
    with pytest.raises(kin.KinematicsError, match="in.parquet.*distance"):
        kin.galactocentric(t.assign(distance=-1.0), FRAME, source="in.parquet")
    with pytest.raises(kin.KinematicsError, match="pmra_pmdec_corr"):
        kin.galactocentric(t.assign(pmra_pmdec_corr=1.5), FRAME)
    with pytest.raises(kin.KinematicsError, match="source_id"):
        kin.galactocentric(pd.concat([t, t]), FRAME)


# ------------------------------------------------------------------------------------------
# Uncertainties
# ------------------------------------------------------------------------------------------

def _finite_difference_jacobian(star: pd.Series, basis_moves: bool = True, rel: float = 1e-5):
    """(3, 4) central differences through astropy; ``basis_moves=False`` projects the shifted
    velocities on the cylindrical basis of the nominal position (the wrong Jacobian)."""
    cols = ["distance", "pmra", "pmdec", "vlos"]
    p0 = star[cols].to_numpy(float)
    xyz0, _ = _astropy_gc(star["ra"], star["dec"], *p0)
    jac = np.empty((3, 4))
    for j in range(4):
        h = rel * max(abs(p0[j]), 1.0)
        pp = np.array([p0 + h * np.eye(4)[j], p0 - h * np.eye(4)[j]])
        xyz, v = _astropy_gc(np.full(2, star["ra"]), np.full(2, star["dec"]), *pp.T)
        cyl = _cyl(xyz if basis_moves else np.repeat(xyz0, 2, axis=1), v)
        jac[:, j] = (cyl[:, 0] - cyl[:, 1]) / (2 * h)
    return jac


def test_jacobian_matches_finite_differences():
    rng = np.random.default_rng(11)
    l, d = rng.uniform(0, 360, 6), rng.uniform(0.5, 9.0, 6)
    t = _table(**_observe(-R0 + d * np.cos(np.radians(l)), d * np.sin(np.radians(l)),
                          rng.normal(0, 0.1, 6), rng.normal(0, 20, 6), rng.normal(220, 20, 6),
                          rng.normal(0, 10, 6)))
    jac = kin.velocity_jacobian(t, FRAME)
    for i in range(len(t)):
        np.testing.assert_allclose(jac[i], _finite_difference_jacobian(t.iloc[i]),
                                   rtol=1e-6, atol=1e-6 * np.abs(jac[i]).max())


STARS = {  # (l, d): inner disc, anticentre, outer disc; 5 % distance errors
    "inner": (20.0, 5.0),
    "anticentre": (180.0, 3.0),
    "outer": (120.0, 4.0),
}


def _star_with_errors(l_deg, d_kpc, corr=0.4, pm_err=0.04, vlos_err=5.0, rel_d=0.05):
    return _disc_star(l_deg, d_kpc, distance_err=rel_d * d_kpc, pmra_error=pm_err,
                      pmdec_error=1.3 * pm_err, pmra_pmdec_corr=corr, vlos_err=vlos_err)


@pytest.mark.parametrize("name", list(STARS))
def test_propagated_errors_agree_with_monte_carlo(name):
    star = _star_with_errors(*STARS[name])
    out = kin.galactocentric(star, FRAME).iloc[0]
    draws = _monte_carlo(star.iloc[0], 40_000, seed=1)
    mc_cov = np.cov(draws)
    mc_sig = np.sqrt(np.diag(mc_cov))
    prop = out[["v_R_err", "v_phi_err", "v_z_err"]].to_numpy(float)
    np.testing.assert_allclose(prop, mc_sig, rtol=0.03)
    mc_corr = mc_cov[0, 1] / (mc_sig[0] * mc_sig[1])
    assert out["v_R_v_phi_cov"] / (prop[0] * prop[1]) == pytest.approx(mc_corr, abs=0.03)


def test_ignoring_the_basis_rotation_fails_for_the_inner_disc():
    """The test above has teeth: a Jacobian with a fixed cylindrical basis misses the MC."""
    star = _star_with_errors(*STARS["inner"])
    mc = np.std(_monte_carlo(star.iloc[0], 40_000, seed=2)[0])
    cov = kin.input_covariance(star)[0]
    wrong = _finite_difference_jacobian(star.iloc[0], basis_moves=False)
    right = _finite_difference_jacobian(star.iloc[0], basis_moves=True)
    assert np.sqrt(right[0] @ cov @ right[0]) == pytest.approx(mc, rel=0.03)
    assert abs(np.sqrt(wrong[0] @ cov @ wrong[0]) / mc - 1) > 0.2


def test_the_proper_motion_correlation_moves_sigma_vr_like_the_monte_carlo():
    sig, mc = {}, {}
    for corr in (0.9, -0.9):
        star = _star_with_errors(*STARS["outer"], corr=corr, pm_err=0.5, vlos_err=1.0, rel_d=0.01)
        sig[corr] = kin.galactocentric(star, FRAME)["v_R_err"].iloc[0]
        mc[corr] = np.std(_monte_carlo(star.iloc[0], 40_000, seed=3)[0])
        assert sig[corr] == pytest.approx(mc[corr], rel=0.03)
    assert abs(mc[0.9] - mc[-0.9]) > 0.2 * max(mc.values())       # the term matters here
    assert np.sign(sig[0.9] - sig[-0.9]) == np.sign(mc[0.9] - mc[-0.9])


def test_position_errors_from_the_distance_error():
    star = _star_with_errors(*STARS["inner"], rel_d=0.01)
    out = kin.galactocentric(star, FRAME).iloc[0]
    s = star.iloc[0]
    h = 1e-4
    (xyz_p, _), (xyz_m, _) = (_astropy_gc(s["ra"], s["dec"], s["distance"] + e, 0, 0, 0)
                              for e in (h, -h))
    dxyz = (xyz_p - xyz_m)[:, 0] / (2 * h)
    r = lambda p: np.hypot(p[0, 0], p[1, 0])  # noqa: E731
    phi = lambda p: np.degrees(np.arctan2(p[1, 0], -p[0, 0]))  # noqa: E731
    expected = np.abs(np.r_[dxyz, (r(xyz_p) - r(xyz_m)) / (2 * h),
                            (phi(xyz_p) - phi(xyz_m)) / (2 * h)]) * s["distance_err"]
    got = out[["x_err", "y_err", "z_err", "R_err", "phi_err"]].to_numpy(float)
    np.testing.assert_allclose(got, expected, rtol=1e-6)


# ------------------------------------------------------------------------------------------
# Input table, window, units
# ------------------------------------------------------------------------------------------

def _hss_and_vlos():
    hss = pd.DataFrame({
        "source_id": np.array([2 ** 60 + 1, 2 ** 60 + 5, 2 ** 60 + 9], np.int64),
        "ra": [10.0, 200.0, 300.0], "dec": [-5.0, 30.0, 60.0],
        "pmra": [1.0, -2.0, 0.5], "pmdec": [0.3, 0.2, -4.0],
        "pmra_error": [0.02, 0.03, 0.04], "pmdec_error": [0.02, 0.05, 0.03],
        "pmra_pmdec_corr": [0.1, -0.2, 0.3],
        "r_med_photogeo": [1500.0, 2500.0, 4000.0], "r_lo_photogeo": [1400.0, 2300.0, 3500.0],
        "r_hi_photogeo": [1620.0, 2700.0, 4700.0], "teff": [15000.0, 20000.0, 12000.0]})
    vlos = pd.DataFrame({"source_id": np.array([2 ** 60 + 9, 2 ** 60 + 1], np.int64),
                         "vlos": [np.nan, -12.0], "vlos_err": [np.nan, 3.0],
                         "n_epochs": [0, 3], "vlos_source": ["", "XCSAO"]})
    return hss, vlos


def test_inputs_from_hss():
    hss, vlos = _hss_and_vlos()
    t = kin.inputs_from_hss(hss, vlos)
    assert list(t.columns) == kin.INPUT_COLUMNS
    assert t["source_id"].dtype == np.int64 and list(t["source_id"]) == list(hss["source_id"])
    np.testing.assert_allclose(t["distance"], [1.5, 2.5, 4.0])
    np.testing.assert_allclose(t["distance_err"], [0.11, 0.2, 0.6])   # (r_hi - r_lo)/2 in kpc
    np.testing.assert_array_equal(t["vlos"], [-12.0, np.nan, np.nan])
    assert list(t["n_epochs"]) == [3, 0, 0]          # absent from vlos: no usable epoch
    out = kin.galactocentric(t, FRAME)
    assert np.isfinite(out["v_R"].iloc[0])
    assert out[["v_R", "v_phi", "v_z"]].iloc[1:].isna().all().all()
    with pytest.raises(kin.KinematicsError, match="hss.parquet.*r_hi_photogeo"):
        kin.inputs_from_hss(hss.drop(columns="r_hi_photogeo"), vlos, hss_source="hss.parquet")
    with pytest.raises(kin.KinematicsError, match="source_id"):
        kin.inputs_from_hss(hss, pd.concat([vlos, vlos]))


def test_units_in_the_written_products(tmp_path):
    hss, vlos = _hss_and_vlos()
    t = kin.inputs_from_hss(hss, vlos)
    write_table(t, tmp_path / "inputs.parquet", units=kin.INPUT_UNITS)
    write_table(kin.galactocentric(t, FRAME), tmp_path / "kin.parquet", units=kin.UNITS)
    back = Table.read(tmp_path / "inputs.parquet")
    np.testing.assert_allclose(back["distance"].quantity.to_value(u.pc), hss["r_med_photogeo"])
    assert back["pmra"].unit == u.mas / u.yr and back["ra"].unit == u.deg
    assert back["vlos_err"].unit == u.km / u.s
    prod = Table.read(tmp_path / "kin.parquet")
    for col in ("x", "y", "z", "R", "distance"):
        assert prod[col].unit == u.kpc
    assert prod["phi"].unit == u.deg
    for col in ("v_R", "v_phi", "v_z", "v_R_err", "v_phi_err", "v_z_err", "vlos"):
        assert prod[col].unit == u.km / u.s
    assert prod["v_R_v_phi_cov"].unit == (u.km / u.s) ** 2
    assert prod["source_id"].dtype == np.int64


def test_vphi_window():
    v = np.array([189.999, 190.0, 220.0, 250.0, 250.001, np.nan])
    np.testing.assert_array_equal(kin.in_vphi_window(v, 190.0, 250.0),
                                  [False, True, True, True, False, False])
    with pytest.raises(kin.KinematicsError):
        kin.in_vphi_window(v, 250.0, 190.0)


# ------------------------------------------------------------------------------------------
# Round trip against the noiseless mock
# ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def noiseless_mock():
    grid = build_grid_lachesis(np.round(np.arange(6.0, 9.0001, 0.5), 2), [0.0])
    return mock.simulate_survey(grid, 400, 21, FRAME, mock.MockParams.from_overrides(
        {"observational_noise": False}))


def test_round_trip_against_the_noiseless_mock(noiseless_mock):
    truth = noiseless_mock["truth"]
    hss = noiseless_mock["gaia"].merge(noiseless_mock["distances"], on="source_id")
    vlos = pd.DataFrame({"source_id": truth["source_id"], "vlos": truth["v_sys"],
                         "vlos_err": 5.0, "n_epochs": 2})
    t = kin.inputs_from_hss(hss, vlos)
    tr = truth.set_index("source_id").loc[t["source_id"]]
    # Bailer-Jones distances are float32 in the catalogue (relative rounding <= 6e-8)
    np.testing.assert_allclose(t["distance"], tr["distance"], rtol=1e-7)
    out = kin.galactocentric(t, FRAME)
    for col in ("x", "y", "z", "R"):
        np.testing.assert_allclose(out[col], tr[col], atol=1e-6)
    # 1e-6 of ~250 km/s; the rounding moves a star by <= 6e-8 d, which turns its cylindrical
    # velocity by up to |v| 6e-8 d / R near the Galactic centre (the mock reaches R ~ 0.06 kpc)
    tol = 2.5e-4 + 300.0 * 6e-8 * tr["distance"].to_numpy() / tr["R"].to_numpy()
    for col in ("v_R", "v_phi", "v_z"):
        assert (np.abs(out[col].to_numpy() - tr[col].to_numpy()) <= tol).all(), col
    # with the float64 true distance the round trip is exact to 1e-6 km/s
    exact = kin.galactocentric(t.assign(distance=tr["distance"].to_numpy()), FRAME)
    for col in ("x", "y"):
        np.testing.assert_allclose(exact[col], tr[col], atol=1e-9)
    for col in ("v_R", "v_phi"):
        np.testing.assert_allclose(exact[col], tr[col], atol=1e-6)


def test_k_kms_is_astropys_constant():
    """K = 1 kpc mas/yr in km/s, written as a literal (no astropy import for jobs that only
    read the constant): the value astropy's unit conversion gives, to the last bit."""
    import astropy.units as u
    from hotstars import kinematics
    assert kinematics.K_KMS == (1.0 * u.kpc * u.mas / u.yr).to_value(u.km / u.s,
                                                                     u.dimensionless_angles())
