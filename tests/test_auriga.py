"""Auriga aurigaia mocks: the HDF5 reader on hand-written files in the real layout (Units
attributes honoured, missing datasets and files named), the young/old cuts at their boundaries,
the kinematics against astropy, the toy mock read back and its injected v_R pattern recovered
(paper Sec. 4.2, Fig. 12)."""

import h5py
import matplotlib
import numpy as np
import pandas as pd
import pytest

import astropy.units as u
from astropy.coordinates import ICRS

from hotstars import auriga, spiral
from hotstars.frame import galactocentric_frame, galactocentric_to_observed
from hotstars.io import auriga as aurigaia
from hotstars.io.specs import InputError
from hotstars.mock import auriga as toy_galaxy
from hotstars.plots import galaxies as plots_mocks

matplotlib.use("Agg")

MAS_PER_RAD = 180 / np.pi * 3.6e6
YOUNG = dict(g_max=16.0, age_max_gyr=0.5, teff_min_k=10000.0)
GIANTS = dict(b_max_deg=10.0, dist_rel_error_max=0.3, teff_k=(3500.0, 5000.0), logg_max=3.6,
              toomre_v_kms=(-600.0, 200.0), toomre_uw_max_kms=400.0)


def _write(path, n_files, values, units=None, skip=()):
    """One aurigaia file: Header, Parameters, Stardata datasets with Units/Description."""
    units = {"HCoordinates": "radians, radians, arcsec", "HVelocities": "rad/yr; rad/yr; km/s",
             "Gmagnitude": "mag", "Age": "Gyr", "EffectiveTemperature": "K",
             "SurfaceGravity": "log10(cm/s^2)", "ParticleID": "", **(units or {})}
    with h5py.File(path, "w") as f:
        f.create_group("Header").attrs["NumFilesPerSnapshot"] = n_files
        f.create_group("Parameters").attrs["bar_angle_deg"] = 30.0
        g = f.create_group("Stardata")
        for name, arr in values.items():
            if name in skip:
                continue
            ds = g.create_dataset(name, data=arr)
            ds.attrs["Description"] = name
            if units.get(name) is not None:
                ds.attrs["Units"] = units[name]


def _values(n, seed):
    rng = np.random.default_rng(seed)
    return {"HCoordinates": np.column_stack([rng.uniform(0, 2 * np.pi, n),
                                            rng.uniform(-1, 1, n), rng.uniform(1e-4, 1e-3, n)]),
            "HVelocities": np.column_stack([rng.normal(0, 2e-8, n), rng.normal(0, 2e-8, n),
                                            rng.normal(0, 30, n)]),
            "Gmagnitude": rng.uniform(10, 18, n), "Age": rng.uniform(0, 5, n),
            "EffectiveTemperature": rng.uniform(3000, 30000, n),
            "SurfaceGravity": rng.uniform(1, 4.5, n),
            "ParticleID": rng.integers(1, 10**9, n)}


@pytest.fixture
def fileset(tmp_path):
    vals = [_values(5, 0), _values(3, 1)]
    for k, v in enumerate(vals):
        _write(tmp_path / f"mock_030.{k}.hdf5", 2, v)
    return tmp_path, vals


def test_reader_concatenates_files_and_converts_units(fileset):
    folder, vals = fileset
    df = aurigaia.read_aurigaia(folder, aurigaia.datasets(False))
    assert len(df) == 8 and df["file"].tolist() == [0] * 5 + [1] * 3
    coords = np.concatenate([v["HCoordinates"] for v in vals])
    vel = np.concatenate([v["HVelocities"] for v in vals])
    np.testing.assert_allclose(df["ra"], np.degrees(coords[:, 0]))
    np.testing.assert_allclose(df["parallax"], coords[:, 2] * 1000.0)  # arcsec -> mas
    np.testing.assert_allclose(df["pmra"], vel[:, 0] * MAS_PER_RAD)  # rad/yr -> mas/yr
    np.testing.assert_allclose(df["radial_velocity"], vel[:, 2])
    assert df["particle_id"].dtype == np.int64
    # the same star written with proper motions in arcsec/yr reads identically
    to_arcsec = [[MAS_PER_RAD / 1000, MAS_PER_RAD / 1000, 1.0]]
    v = dict(vals[0], HVelocities=vals[0]["HVelocities"] * to_arcsec)
    _write(folder / "other.hdf5", 1, v, units={"HVelocities": "arcsec/yr, arcsec/yr, km/s"})
    other = aurigaia.read_aurigaia(folder / "other.hdf5", aurigaia.datasets(False))
    np.testing.assert_allclose(other["pmdec"], df["pmdec"][:5])


def test_reader_names_missing_datasets_units_and_files(fileset, tmp_path):
    folder, vals = fileset
    _write(folder / "mock_030.1.hdf5", 2, vals[1], skip=("EffectiveTemperature",))
    with pytest.raises(InputError, match=r"mock_030\.1\.hdf5.*Stardata/EffectiveTemperature"):
        aurigaia.read_aurigaia(folder, aurigaia.datasets(False))
    _write(folder / "mock_030.1.hdf5", 2, vals[1], units={"Age": None})
    with pytest.raises(InputError, match=r"mock_030\.1\.hdf5.*Stardata/Age has no Units"):
        aurigaia.read_aurigaia(folder, aurigaia.datasets(False))
    ok = aurigaia.read_aurigaia(folder, aurigaia.datasets(False), units_override={"Age": "Myr"})
    np.testing.assert_allclose(ok["age"][5:], vals[1]["Age"] / 1000.0)  # Myr -> Gyr
    _write(folder / "mock_030.1.hdf5", 2, vals[1], units={"HCoordinates": "rad, rad"})
    with pytest.raises(InputError, match="HCoordinates.*not 3 unit"):
        aurigaia.read_aurigaia(folder, aurigaia.datasets(False))
    with pytest.raises(InputError, match="1 file.*NumFilesPerSnapshot = 2"):
        aurigaia.read_aurigaia(folder / "mock_030.0.hdf5", aurigaia.datasets(False))
    _write(folder / "mock_noex_030.0.hdf5", 1, vals[0])
    with pytest.raises(InputError, match="several mocks"):
        aurigaia.catalogue_files(folder)
    assert len(aurigaia.catalogue_files(folder / "mock_noex_030.*.hdf5")) == 1
    with pytest.raises(InputError, match="no HDF5 file"):
        aurigaia.catalogue_files(tmp_path / "empty*.hdf5")


def test_young_cuts_at_their_boundaries():
    g = np.array([16.0, 15.999, 15.0, 15.0, 15.0, 15.0, np.nan])
    age = np.array([0.1, 0.1, 0.5, 0.4999, 0.1, 0.1, 0.1])
    teff = np.array([2e4, 2e4, 2e4, 2e4, 10000.0, 10000.1, 2e4])
    assert auriga.young_mask(g, age, teff, **YOUNG).tolist() == [False, True, False, True,
                                                                 False, True, False]


def test_kinematics_recover_galactocentric_phase_space():
    frame = galactocentric_frame()
    x, y, z = np.array([-6.0, -10.0, 2.0]), np.array([1.0, -3.0, 4.0]), np.array([0.1, -0.2, 0.0])
    vx, vy, vz = np.array([10.0, -20.0, -230.0]), np.array([230.0, 220.0, 5.0]), np.zeros(3)
    obs = galactocentric_to_observed(x, y, z, vx, vy, vz, frame)
    data = pd.DataFrame({k: obs[k] for k in ("ra", "dec", "parallax", "pmra", "pmdec",
                                             "radial_velocity")})
    kin = auriga.star_kinematics(data, frame, vr_error_floor_kms=1.0)
    r = np.hypot(x, y)
    np.testing.assert_allclose(kin["x"], x, atol=1e-9)
    # v_R as in docs/conventions.md, Kinematics
    np.testing.assert_allclose(kin["v_R"], (x * vx + y * vy) / r, atol=1e-6)
    np.testing.assert_allclose(kin["v_R_err"], 1.0)  # true values: the floor only
    # Toomre velocities relative to the frame's Sun (11.1, 232.24, 7.25)
    np.testing.assert_allclose(kin["V"], vy - 232.24, atol=1e-6)
    np.testing.assert_allclose(kin["U"], vx - 11.1, atol=1e-6)


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("auriga")
    frame = galactocentric_frame()
    stars = toy_galaxy.simulate_toy(25000, 35000, seed=11, frame=frame)
    aurigaia.write_aurigaia(stars, folder, n_files=3, seed=11)
    return stars, folder, frame


def test_toy_mock_reads_back(toy):
    stars, folder, _ = toy
    assert [p.name for p in aurigaia.catalogue_files(folder)] == [f"mock_030.{k}.hdf5" for k in range(3)]
    df = aurigaia.read_aurigaia(folder, aurigaia.datasets(True))
    assert len(df) == len(stars)
    back = df.sort_values(["ra", "dec"]).reset_index(drop=True)
    ref = stars.sort_values(["ra", "dec"]).reset_index(drop=True)
    for col, ref_col in (("ra", "ra"), ("parallax", "parallax_obs"), ("pmdec", "pmdec_obs"),
                         ("radial_velocity", "radial_velocity_obs"), ("teff", "teff_obs"),
                         ("parallax_error", "parallax_error"), ("age", "age")):
        np.testing.assert_allclose(back[col], ref[ref_col], rtol=1e-12, atol=1e-12)
    assert aurigaia.header(folder / "mock_030.0.hdf5")["NumFilesPerSnapshot"] == 3


def test_selections_match_the_toy_truth(toy):
    stars, folder, frame = toy
    data = aurigaia.read_aurigaia(folder, aurigaia.datasets(False),
                            select=auriga.prefilter(YOUNG, GIANTS))
    sel = auriga.select_populations(data, frame, young=YOUNG, giants=GIANTS)
    young, old = sel[sel["population"] == "young"], sel[sel["population"] == "old"]
    # young: exactly the toy's young hot stars brighter than G = 16 (contaminants fail)
    truth_young = (stars["population_true"] == "young") & (stars["g_mag"] < 16)
    assert len(young) == truth_young.sum()
    assert (young["teff"] > 1e4).all() and (young["age"] < 0.5).all()
    # old: App. D cuts; dwarfs never pass; |b| recomputed independently from (X, Y, Z) and the Sun
    assert len(old) > 1000 and (old["logg"] < 3.6).all()
    assert (old["teff"] > 3500).all() and (old["teff"] < 5000).all()
    sun = np.array([-np.sqrt(frame.galcen_distance.to_value("kpc") ** 2 - 0.025**2), 0.0, 0.025])
    d = old[["x", "y", "z"]].to_numpy() - sun
    b = np.degrees(np.arcsin(d[:, 2] / np.linalg.norm(d, axis=1)))
    tilt = np.degrees(np.arctan2(0.025, 8.2))  # the Galactic plane vs Z = 0 (astropy's z_sun)
    assert np.abs(b).max() < 10.0 + tilt and np.abs(b).max() > 9.0
    assert sel.attrs["counts"]["n_old_toomre_ok"] == len(old)


def test_maps_recover_the_injected_vr_sign_and_contours_follow_density(toy):
    stars, folder, frame = toy
    data = aurigaia.read_aurigaia(folder, aurigaia.datasets(False), select=auriga.prefilter(YOUNG, GIANTS))
    sel = auriga.select_populations(data, frame, young=YOUNG, giants=GIANTS)
    products = auriga.population_maps(sel, 0.5)
    model = toy_galaxy.ToyGalaxy()
    for pop in ("young", "old"):
        vr = products[f"{pop}_vR"]
        truth = model.mean_vr(vr["x_center"], vr["y_center"], pop)
        strong = (vr["n_stars"] >= 20) & (np.abs(truth) > 8)
        assert strong.sum() > 20, pop
        assert np.mean(np.sign(vr["vR_mean"][strong]) == np.sign(truth[strong])) > 0.85, pop
    numbers = auriga.summary_numbers(products, sel)
    assert numbers["comparisons.auriga.young_vR_mean_p05_kms"] < -10  # the ±20 km/s wave
    assert numbers["comparisons.auriga.young_vR_mean_p95_kms"] > 10
    dens = products["young_density"]
    cont = auriga.density_contours(dens, 0.5, smooth_kpc=0.5)
    assert cont["z"].shape == (cont["y"].size, cont["x"].size)
    assert cont["levels"] == sorted(cont["levels"])
    # the smoothed field follows the counts: high at the densest spaxel (several spaxels can
    # tie for the raw maximum, so its position alone is not compared) and correlated with them
    ix = np.searchsorted(cont["x"], dens["x_center"].to_numpy() - 1e-9)
    iy = np.searchsorted(cont["y"], dens["y_center"].to_numpy() - 1e-9)
    np.testing.assert_allclose(cont["x"][ix], dens["x_center"])
    np.testing.assert_allclose(cont["y"][iy], dens["y_center"])
    smooth = cont["z"][iy, ix]
    assert smooth[np.argmax(dens["n_stars"].to_numpy())] > 0.8 * cont["z"].max()
    assert np.corrcoef(smooth, dens["n_stars"])[0, 1] > 0.5
    fig = plots_mocks.fig_auriga(products, {"young": cont})
    gids = {c.get_gid() for ax in fig.axes for c in ax.collections}
    assert set(plots_mocks.AURIGA_PANELS) <= gids
    assert sum(1 for ax in fig.axes for c in ax.collections if c.get_gid() == "contours") == 2
    with pytest.raises(ValueError, match="old_vR"):
        plots_mocks.fig_auriga({k: v for k, v in products.items() if k != "old_vR"})


def _arm_winding(x, y, m=2, r_range=(5.0, 12.0), n_rings=20):
    """dφ_arm/d ln R [rad] of an m-armed pattern in the stars at (X, Y), φ = atan2(Y, -X): the
    m-th Fourier phase of φ per ring in ln R, unwrapped across rings, fitted by a line."""
    ln_r, phi = np.log(np.hypot(x, y)), np.arctan2(y, -x)
    edges = np.linspace(*np.log(r_range), n_rings + 1)
    phases = [np.angle(np.exp(1j * m * phi[(ln_r >= a) & (ln_r < b)]).sum())
              for a, b in zip(edges[:-1], edges[1:])]
    return np.polyfit(0.5 * (edges[:-1] + edges[1:]), np.unwrap(phases) / m, 1)[0]


def _rotation_sense(stars, frame):
    """Sign of dφ/dt of the stars, from their heliocentric positions and velocities through
    astropy (no v_φ convention used): φ = atan2(Y, -X) before and after a small step."""
    icrs = ICRS(ra=stars["ra"].to_numpy() * u.deg, dec=stars["dec"].to_numpy() * u.deg,
                distance=(1.0 / stars["parallax"].to_numpy()) * u.kpc,
                pm_ra_cosdec=stars["pmra"].to_numpy() * u.mas / u.yr,
                pm_dec=stars["pmdec"].to_numpy() * u.mas / u.yr,
                radial_velocity=stars["radial_velocity"].to_numpy() * u.km / u.s)
    g = icrs.transform_to(frame)
    x, y = g.x.to_value(u.kpc), g.y.to_value(u.kpc)
    vx, vy = g.v_x.to_value(u.km / u.s), g.v_y.to_value(u.km / u.s)
    dt = 1e-3  # kpc/(km/s) units: a ~1 Myr step
    dphi = np.angle(np.exp(1j * (np.arctan2(y + vy * dt, -(x + vx * dt)) - np.arctan2(y, -x))))
    return np.sign(np.median(dphi)), x, y


def test_toy_arms_trail_like_the_reid_arms(toy):
    """The arms, measured on the generated young stars, trail for the stars' own sense of
    rotation (outer parts behind: dφ_arm/d ln R has the opposite sign of dφ/dt), and wind as
    the Reid et al. (2019) arms drawn in Fig. 10."""
    stars, _, frame = toy
    young = stars[stars["population_true"].str.startswith("young")]
    sense, x, y = _rotation_sense(young, frame)
    np.testing.assert_allclose(x, young["x"], atol=1e-6)  # the same frame as the truth
    winding = _arm_winding(x, y)
    assert sense != 0 and np.sign(winding) == -sense, (sense, winding)
    pitch = np.degrees(np.arctan(1.0 / abs(winding)))
    assert abs(pitch - toy_galaxy.ToyGalaxy().pitch_deg) < 3.0, pitch  # the injected pitch
    # the long arms (Reid's 3-kpc arm is a 3-deg segment fitted with pitch -4.2 deg)
    major = ["Norma", "Sct-Cen", "Sgr-Car", "Local", "Perseus", "Outer"]
    for name, (ax, ay) in spiral.arm_curves(r0_kpc=spiral.REID_R0_KPC, arms=major).items():
        reid = np.polyfit(np.log(np.hypot(ax, ay)), np.unwrap(np.arctan2(ay, -ax)), 1)[0]
        assert np.sign(reid) == np.sign(winding), name


def test_toy_has_an_inner_young_disc(toy):
    """Young stars inside 4 kpc (the inner disc where the paper's Sec. 4.2 bar feature lies),
    in the generated catalogue and among the selected young stars, without arms there."""
    stars, folder, frame = toy
    young = stars[stars["population_true"] == "young"]
    r = np.hypot(young["x"], young["y"])
    assert 0.15 < np.mean(r < 4.0) < 0.5 and (r < 2.0).sum() > 100
    data = aurigaia.read_aurigaia(folder, aurigaia.datasets(False),
                                  select=auriga.prefilter(YOUNG, GIANTS))
    sel = auriga.select_populations(data, frame, young=YOUNG, giants=GIANTS)
    r_sel = np.hypot(*sel.loc[sel["population"] == "young", ["x", "y"]].to_numpy().T)
    assert np.mean(r_sel < 4.0) > 0.1
    inner = r < 3.5  # axisymmetric inside the arms' start: no m = 2 density pattern
    phi = np.arctan2(young["y"][inner], -young["x"][inner])
    assert abs(np.exp(2j * phi).mean()) < 0.05
