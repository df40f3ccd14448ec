"""APOGEE DR17 astroNN: reader (real column names and cases), App. D cuts at their boundaries,
Toomre velocities on hand cases and against astropy, the mock file read back, and the v̄_R map
recovering the mock's injected pattern (paper App. D, Fig. 13, Fig. D.1)."""

import astropy.units as u
import matplotlib
import numpy as np
import pandas as pd
import pytest
from astropy.coordinates import CartesianDifferential, CartesianRepresentation, Galactic
from astropy.io import fits
from astropy.table import Table

from hotstars import apogee
from hotstars.frame import galactocentric_frame
from hotstars.io import apogee as astronn
from hotstars.io.specs import InputError
from hotstars.mock import apogee as mock_apogee
from hotstars.plots import galaxies as plots_mocks

matplotlib.use("Agg")

R0, VSUN = apogee.ASTRONN_R_SUN_KPC, apogee.ASTRONN_V_SUN


def _vac_rows():
    """Three rows in the VAC's layout (DR17 names: upper-case from allStar, lower-case astroNN)."""
    return {
        "APOGEE_ID": np.array([b"2M00000001+0000001", b"2M00000002+0000002",
                               b"2M00000001+0000001"]),
        "LOCATION_ID": np.array([4100, 4200, 5100], np.int32),
        "TELESCOPE": np.array([b"apo25m", b"apo25m", b"lco25m"]),
        "RA_APOGEE": np.array([280.0, 90.0, 280.0]), "DEC_APOGEE": np.array([-5.0, 20.0, -5.0]),
        "TEFF": np.array([4500.0, 4800.0, 4510.0], np.float32),
        "LOGG": np.array([2.5, 2.9, 2.4], np.float32),
        "dist": np.array([2.0, 3.0, 2.1]),  # written in kpc (TUNIT), read in pc
        "dist_error": np.array([0.4, 0.3, 0.2]),
        "galr": np.array([6.3, 11.0, 6.2]), "galphi": np.array([0.1, -0.2, 0.1]),
        "galz": np.array([0.05, 0.1, 0.05]), "galvr": np.array([5.0, -8.0, 6.0]),
        "galvt": np.array([230.0, 235.0, 231.0]), "galvz": np.array([1.0, -2.0, 1.5]),
        "galvr_err": np.array([3.0, 4.0, 3.5]), "age": np.array([4.0, 5.0, 4.2]),
    }


def _write_fits(path, cols, units=None):
    t = Table(cols)
    for name, unit in (units or {}).items():
        t[name].unit = unit
    t.write(path, format="fits", overwrite=True)
    return path


def test_reader_converts_units_and_keeps_one_row_per_star(tmp_path):
    path = _write_fits(tmp_path / "apogee_astroNN-DR17.fits", _vac_rows(),
                       {"dist": "kpc", "dist_error": "kpc", "galphi": "deg"})
    df = astronn.read_astronn(path)
    # the repeated APOGEE_ID keeps the row with the smaller dist_error/dist (0.2/2.1 < 0.4/2.0)
    assert sorted(df["apogee_id"]) == ["2M00000001+0000001", "2M00000002+0000002"]
    row = df.set_index("apogee_id").loc["2M00000001+0000001"]
    assert row["telescope"] == "lco25m"
    assert row["dist"] == pytest.approx(2100.0) and row["dist_error"] == pytest.approx(200.0)
    assert row["galphi"] == pytest.approx(np.radians(0.1))  # TUNIT deg honoured


def test_reader_parquet_lower_case_and_missing_column_named(tmp_path):
    cols = {k.lower(): (v.astype(str) if v.dtype.kind == "S" else v)
            for k, v in _vac_rows().items()}
    pd.DataFrame(cols).to_parquet(tmp_path / "vac.parquet")
    assert len(astronn.read_astronn(tmp_path / "vac.parquet")) == 2
    del cols["galvr"]
    pd.DataFrame(cols).to_csv(tmp_path / "vac.csv", index=False)
    with pytest.raises(InputError, match=r"vac\.csv.*galvr"):
        astronn.read_astronn(tmp_path / "vac.csv")


def test_giant_cuts_at_their_boundaries():
    b = np.array([10.0, 9.999, -9.999, -10.0, np.nan])
    cuts = apogee.giant_cuts(b, np.ones(5), np.zeros(5), np.full(5, 4500.0), np.full(5, 2.0))
    assert cuts["in_plane"].tolist() == [False, True, True, False, False]
    d = np.array([1000.0, 1000.0, 1000.0, 0.0, np.nan])
    de = np.array([300.0, 299.9, 0.0, 0.0, 10.0])
    cuts = apogee.giant_cuts(np.zeros(5), d, de, np.full(5, 4500.0), np.full(5, 2.0))
    assert cuts["dist_ok"].tolist() == [False, True, True, False, False]
    teff = np.array([3500.0, 3500.1, 4999.9, 5000.0, 4500.0, 4500.0, np.nan])
    logg = np.array([2.0, 2.0, 2.0, 2.0, 3.6, 3.599, 2.0])
    cuts = apogee.giant_cuts(np.zeros(7), np.ones(7), np.zeros(7), teff, logg)
    assert cuts["giant"].tolist() == [False, True, True, False, False, True, False]


def test_toomre_hand_cases():
    # (X, Y, v_R, v_phi, v_z) -> (U, V, W), computed by hand for the Sun's (11.1, 242, 7.25)
    cases = [((-R0, 0.0, -11.1, 242.0, 7.25), (0.0, 0.0, 0.0)),    # co-moving with the Sun
             ((-R0, 0.0, 0.0, 242.0, 7.25), (-11.1, 0.0, 0.0)),    # no inward motion: U < 0
             ((R0, 0.0, 0.0, 242.0, 0.0), (-11.1, -484.0, -7.25)),  # beyond the GC: counter-moving
             ((0.0, R0, 0.0, 242.0, 0.0), (230.9, -242.0, -7.25))]  # at l ~ 45 deg, phi = 90 deg
    for (x, y, vr, vp, vz), expected in cases:
        np.testing.assert_allclose(apogee.toomre_uvw(x, y, vr, vp, vz, VSUN), expected, atol=1e-9)
    v = np.array([-600.0, -599.9, 199.9, 200.0, 0.0, 0.0, np.nan])
    uu = np.array([0.0, 0.0, 0.0, 0.0, 400.0, 399.9, 0.0])
    assert apogee.toomre_ok(uu, v, np.zeros(7)).tolist() == [False, True, True, False, False,
                                                             True, False]


def test_toomre_matches_astropy_heliocentric_velocities():
    """U, V, W from the Galactocentric cylindrical velocities = astropy's Galactic Cartesian
    velocity (relative to the Sun) within the neglected z0 tilt (< 1 km/s)."""
    rng = np.random.default_rng(3)
    n = 200
    x, y, z = rng.uniform(-14, -2, n), rng.uniform(-6, 6, n), rng.normal(0, 0.3, n)
    v = rng.normal(0, 60, (3, n)) + np.array([[0.0], [200.0], [0.0]])
    frame = galactocentric_frame(R0, apogee.ASTRONN_Z_SUN_PC, VSUN)
    rep = CartesianRepresentation(x * u.kpc, y * u.kpc, z * u.kpc,
                                  differentials=CartesianDifferential(*v, unit=u.km / u.s))
    gal = frame.realize_frame(rep).transform_to(Galactic())
    expected = gal.cartesian.differentials["s"].d_xyz.to_value(u.km / u.s)
    r = np.hypot(x, y)
    v_r, v_phi = (x * v[0] + y * v[1]) / r, (y * v[0] - x * v[1]) / r  # docs/conventions.md
    got = apogee.toomre_uvw(x, y, v_r, v_phi, v[2], VSUN)
    np.testing.assert_allclose(got, expected, atol=1.0)


@pytest.fixture(scope="module")
def mock(tmp_path_factory):
    path = tmp_path_factory.mktemp("apogee") / "apogee_astroNN.fits"
    table = mock_apogee.simulate_astronn(60000, seed=5)
    astronn.write_astronn(table, path)
    return table, path


def test_mock_file_has_the_vac_layout_and_reads_back(mock):
    table, path = mock
    with fits.open(path) as hdul:
        names = hdul[1].columns.names
        formats = dict(zip(names, hdul[1].columns.formats))
    assert {"APOGEE_ID", "TEFF", "LOGG", "dist", "dist_error", "galr", "galvr"} <= set(names)
    assert formats["APOGEE_ID"] == "18A" and formats["TEFF"] == "E" and formats["galr"] == "D"
    vac = astronn.read_astronn(path)
    assert len(vac) == table["APOGEE_ID"].nunique()
    # positions from galr/galphi agree with those from (RA, Dec, dist) through astropy's Galactic
    x, y = apogee.plane_xy(vac["galr"], vac["galphi"])
    lon, lat = apogee.galactic_lb(vac["ra_apogee"], vac["dec_apogee"])
    d = vac["dist"].to_numpy() / 1000.0
    np.testing.assert_allclose(x, -R0 + d * np.cos(np.radians(lat)) * np.cos(np.radians(lon)),
                               atol=0.02)
    np.testing.assert_allclose(y, d * np.cos(np.radians(lat)) * np.sin(np.radians(lon)), atol=0.02)


def test_selection_and_map_recover_the_injected_pattern(mock):
    _, path = mock
    stars = apogee.select_disc_giants(astronn.read_astronn(path))
    counts = stars.attrs["counts"]
    assert counts["n_input"] > counts["n_in_plane"] > counts["n_dist_ok"] > counts["n_giant"]
    removed = counts["n_giant"] - counts["n_toomre_ok"]
    assert 0 < removed < 0.03 * counts["n_giant"]  # outliers only
    sel = stars.loc[stars["selected"]]
    assert (np.abs(sel["b"]) < 10).all() and (sel["teff"] < 5000).all()
    assert (sel["logg"] < 3.6).all()
    vr = apogee.vr_map(stars, 0.5, min_stars=6, r_mask_kpc=5.0)
    assert (np.hypot(vr["x_center"], vr["y_center"]) >= 5.0).all()
    assert vr.attrs["counts"]["n_spaxels_masked"] > 0
    truth = mock_apogee.mock_mean_vr(vr["x_center"], vr["y_center"])
    strong = (vr["n_stars"] >= 40) & (np.abs(truth) > 5)
    assert strong.sum() > 50
    assert np.mean(np.sign(vr["vR_mean"][strong]) == np.sign(truth[strong])) > 0.85
    numbers = apogee.summary_numbers(stars, vr, hss_vr=vr.assign(vR_mean=3 * vr["vR_mean"]))
    assert numbers["comparisons.apogee.hss_to_apogee_vR_spread"] == pytest.approx(3.0)


def test_figures_show_the_products(mock):
    _, path = mock
    stars = apogee.select_disc_giants(astronn.read_astronn(path))
    toomre = apogee.toomre_table(stars)
    fig = plots_mocks.fig_toomre(toomre)
    ax = fig.axes[0]
    removed = next(line for line in ax.lines if line.get_gid() == "removed")
    assert len(removed.get_xdata()) == int((~toomre["toomre_ok"]).sum())
    vr = apogee.vr_map(stars, 0.25)
    fig = plots_mocks.fig_apogee_vr(vr, r_mask_kpc=5.0)
    mask = next(p for p in fig.axes[0].patches if p.get_gid() == "mask")
    assert mask.get_radius() == 5.0
    with pytest.raises(ValueError, match="U"):
        plots_mocks.fig_toomre(toomre.drop(columns="U"))


def _synthetic_giants(n_per_spaxel, sigma_kms=37.0, amp_kms=8.0, seed=3):
    """Selected giants on a 500-pc grid (R >= 6 kpc) whose mean v_R follows a known pattern of
    RMS amp_kms (a sine along X), with intrinsic dispersion sigma_kms and 1 km/s errors."""
    rng = np.random.default_rng(seed)
    xc, yc = np.meshgrid(np.arange(-13.75, -5.9, 0.5), np.arange(-3.75, 3.8, 0.5))
    xc, yc = xc.ravel(), yc.ravel()
    n = np.broadcast_to(np.asarray(n_per_spaxel), xc.shape)
    x = np.repeat(xc, n) + rng.uniform(-0.2, 0.2, n.sum())
    y = np.repeat(yc, n) + rng.uniform(-0.2, 0.2, n.sum())
    truth = amp_kms * np.sqrt(2) * np.sin(2 * np.pi * xc / 2.0 + 0.3)
    v = np.repeat(truth, n) + rng.normal(0, sigma_kms, n.sum())
    return pd.DataFrame({"x": x, "y": y, "v_R": v, "v_R_err": np.ones(n.sum()),
                         "selected": np.ones(n.sum(), bool)}), truth


def test_noise_free_amplitude_recovers_injected_pattern():
    # ~40 stars per spaxel: error of a mean 37/sqrt(40) ~ 6 km/s, comparable to the 8 km/s signal
    stars, truth = _synthetic_giants(40, amp_kms=8.0)
    vr = apogee.fig13_map(stars, 0.5, min_stars=6, r_mask_kpc=5.0, max_err_kms=1e9)
    assert vr["plotted"].all() and len(vr) == truth.size
    raw = vr["vR_mean"].std(ddof=1)
    amp = apogee.noise_free_amplitude(vr["vR_mean"], vr[apogee.AMPLITUDE_ERR])
    true_rms = np.std(truth, ddof=1)
    assert raw > 1.25 * true_rms                      # the raw spread is biased high by the noise
    assert amp == pytest.approx(true_rms, rel=0.15)   # the excess variance is not
    # pure noise: no signal above it -> NaN, never a spurious amplitude
    flat, _ = _synthetic_giants(40, amp_kms=0.0, seed=4)
    vr0 = apogee.fig13_map(flat, 0.5, max_err_kms=1e9)
    a0 = apogee.noise_free_amplitude(vr0["vR_mean"], vr0[apogee.AMPLITUDE_ERR])
    assert np.isnan(a0) or a0 < 2.5
    assert np.isnan(apogee.noise_free_amplitude([1.0, 2.0], [0.1, 0.1]))


def test_fig13_precision_cut_and_counts():
    rng = np.random.default_rng(1)
    n = rng.choice([8, 30, 200], size=16 * 16)
    stars, _ = _synthetic_giants(n)
    vr = apogee.fig13_map(stars, 0.5, min_stars=6, r_mask_kpc=7.0, max_err_kms=5.0)
    err = vr["vR_mean_err_sqrtn"]
    assert (err[vr["precise"]] < 5.0).all() and (err[~vr["precise"]] >= 5.0).all()
    assert (~vr["precise"]).sum() > 0 and vr["precise"].sum() > 0
    r = np.hypot(vr["x_center"], vr["y_center"])
    assert (vr["in_mask"] == (r < 7.0)).all()
    assert (vr["plotted"] == (vr["precise"] & ~vr["in_mask"])).all()
    c = vr.attrs["counts"]
    assert c["n_plotted"] + c["n_imprecise"] + c["n_in_mask"] == c["n_in_spaxels"] == len(stars)
    numbers = apogee.summary_numbers(stars, vr, hss_vr=vr.loc[vr["plotted"]])
    assert numbers["comparisons.apogee.n_spaxels_vR"] == vr["plotted"].sum()
    assert numbers["comparisons.apogee.n_stars_plotted"] == c["n_plotted"]
    assert numbers["comparisons.apogee.hss_to_apogee_vR_amplitude"] == pytest.approx(1.0)
    fig = plots_mocks.fig_apogee_vr(vr, hss_vr=vr, n_selected=len(stars) + 5, max_err_kms=5.0,
                                    min_stars=6, r_mask_kpc=7.0, vmax_kms=30.0)
    gids = [coll.get_gid() for ax in fig.axes for coll in ax.collections]
    assert "hss_vR" in gids and "vR" in gids
    meshes = [coll for ax in fig.axes for coll in ax.collections if coll.get_gid() in ("vR", "hss_vR")]
    assert all(m.norm.vmin == -30.0 and m.norm.vmax == 30.0 for m in meshes)
    apogee_mesh = next(m for m in meshes if m.get_gid() == "vR")
    assert apogee_mesh.get_array().count() == vr["plotted"].sum()
    text = next(t for t in fig.texts if t.get_gid() == "counts").get_text()
    assert f"{c['n_plotted']:,}" in text and f"{c['n_imprecise']:,}" in text
    assert "5 in spaxels with N < 6" in text
