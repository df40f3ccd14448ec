"""Tests of the ALS-III cross-match (Table 1), the D23 comparison (App. A), their mock
catalogues and figures (hotstars.crossmatch, hotstars.plots.crossmatch)."""

import json
import sys
from pathlib import Path
from types import SimpleNamespace

import astropy.units as u
import numpy as np
import pandas as pd
import pytest
from astropy.coordinates import SkyCoord
from astropy.table import Table

from hotstars import crossmatch as cx
from hotstars.io import catalogues
from hotstars.io.specs import InputError
from hotstars.isochrones import build_grid_lachesis
from hotstars.mock import side
from hotstars.mock import survey as mock
from hotstars.plots import crossmatch as plots_crossmatch

ROOT = Path(__file__).resolve().parents[1]
FRAME = {"r_sun_kpc": 8.2, "z_sun_pc": 25.0, "v_sun_kms": [11.1, 232.24, 7.25], "roll_deg": 0.0}
ID0 = 4_000_000_000_000_000_000  # Gaia-like ids above 2**53


def _offset(ra, dec, pa_deg, sep_arcsec):
    c = SkyCoord(ra * u.deg, dec * u.deg).directional_offset_by(pa_deg * u.deg,
                                                                 sep_arcsec * u.arcsec)
    return c.ra.deg, c.dec.deg


def _haversine_arcsec(ra1, dec1, ra2, dec2):
    """Great-circle separation (independent of astropy), arcsec; broadcasts."""
    r1, d1, r2, d2 = map(np.radians, (ra1, dec1, ra2, dec2))
    h = np.sin((d2 - d1) / 2) ** 2 + np.cos(d1) * np.cos(d2) * np.sin((r2 - r1) / 2) ** 2
    return np.degrees(2 * np.arcsin(np.sqrt(h))) * 3600


# --- the 1" radius ----------------------------------------------------------------------------

@pytest.mark.parametrize("ra, dec", [(10.0, 20.0), (359.99999, -5.0), (180.0, 89.9999),
                                     (0.0, 0.0)])
@pytest.mark.parametrize("pa", [0.0, 77.0, 250.0])
def test_radius_boundary(ra, dec, pa):
    inside = _offset(ra, dec, pa, 0.99)
    outside = _offset(ra, dec, pa + 120.0, 1.01)
    cat = pd.DataFrame({"ra": [ra], "dec": [dec]})
    for pos, expect in ((inside, True), (outside, False)):
        m = cx.match_sky(cat, pd.DataFrame({"ra": [pos[0]], "dec": [pos[1]]}), 1.0)
        assert bool(m["matched"].iloc[0]) is expect
        assert m["n_within"].iloc[0] == int(expect)
        assert m["index"].iloc[0] == (0 if expect else -1)
        assert m["sep_arcsec"].iloc[0] == pytest.approx(
            _haversine_arcsec(ra, dec, pos[0], pos[1]), abs=1e-4)
    # the radius is a parameter: 1.01" is inside 1.02"
    m = cx.match_sky(cat, pd.DataFrame({"ra": [outside[0]], "dec": [outside[1]]}), 1.02)
    assert m["matched"].iloc[0]


def test_random_match_counts_equal_brute_force():
    rng = np.random.default_rng(1)
    n_cat, n_s = 300, 400
    ra, dec = rng.uniform(0, 360, n_cat), np.degrees(np.arcsin(rng.uniform(-1, 1, n_cat)))
    # samples: half near catalogue stars (0-2.5"), half random
    pick = rng.integers(0, n_cat, n_s // 2)
    sra, sdec = _offset(ra[pick], dec[pick], rng.uniform(0, 360, pick.size),
                        rng.uniform(0, 2.5, pick.size))
    sra = np.concatenate([sra, rng.uniform(0, 360, n_s // 2)])
    sdec = np.concatenate([sdec, rng.uniform(-90, 90, n_s // 2)])
    sep = _haversine_arcsec(ra[:, None], dec[:, None], sra[None, :], sdec[None, :])
    m = cx.match_sky(pd.DataFrame({"ra": ra, "dec": dec}), pd.DataFrame({"ra": sra, "dec": sdec}))
    np.testing.assert_array_equal(m["matched"], (sep <= 1.0).any(axis=1))
    np.testing.assert_array_equal(m["n_within"], (sep <= 1.0).sum(axis=1))
    np.testing.assert_allclose(m["sep_arcsec"], sep.min(axis=1), atol=1e-4)
    ok = m["matched"].to_numpy()
    np.testing.assert_array_equal(m["index"][ok], sep.argmin(axis=1)[ok])
    assert 0.2 < ok.mean() < 0.6  # the test exercises both outcomes


def test_duplicate_candidates_rule():
    """One ALS star with two targets within 1": counted once, paired with the nearer.
    Two ALS stars within 1" of one target: both counted."""
    ra0, dec0 = 120.0, -30.0
    near, far = _offset(ra0, dec0, 10.0, 0.3), _offset(ra0, dec0, 200.0, 0.7)
    sample = pd.DataFrame({"ra": [far[0], near[0], 50.0], "dec": [far[1], near[1], 10.0]})
    twin = _offset(50.0, 10.0, 90.0, 0.5)
    als = pd.DataFrame({"ra": [ra0, 50.0, twin[0], 300.0], "dec": [dec0, 10.0, twin[1], 40.0],
                        "flag": ["M", "M", "I", "M"]})
    m = cx.match_sky(als, sample)
    assert m["matched"].tolist() == [True, True, True, False]
    assert m["index"].tolist() == [1, 2, 2, -1]        # the nearer target (row 1, 0.3")
    assert m["n_within"].tolist() == [2, 1, 1, 0]
    assert m["sep_arcsec"].iloc[0] == pytest.approx(0.3, abs=1e-6)
    long, _ = cx.als3_crossmatch(als, {"targets": sample})
    full = long[long["catalogue"] == "ALS-III (full)"].iloc[0]
    m_row = long[long["catalogue"] == 'ALS-III "M"'].iloc[0]
    assert (full["n_catalogue"], full["n_matched"], full["n_ambiguous"]) == (4, 3, 1)
    assert (m_row["n_catalogue"], m_row["n_matched"], m_row["n_ambiguous"]) == (3, 2, 1)
    assert full["fraction"] == pytest.approx(0.75)


def test_m_flag_subset_and_table1_layout():
    rng = np.random.default_rng(5)
    n = 200
    ra, dec = rng.uniform(0, 360, n), rng.uniform(-60, 60, n)
    flag = np.where(rng.uniform(size=n) < 0.7, "M", "I").astype(object)
    flag[:3] = [" m", "M ", "I"]                      # stripped, case-insensitive
    als = pd.DataFrame({"ra": ra, "dec": dec, "flag": flag})
    hit_a = rng.uniform(size=n) < 0.4
    hit_b = rng.uniform(size=n) < 0.2
    samples = {}
    for name, hit in (("A", hit_a), ("B", hit_b)):
        sra, sdec = _offset(ra[hit], dec[hit], 45.0, 0.2)
        samples[name] = pd.DataFrame({"ra": np.r_[sra, 1.0], "dec": np.r_[sdec, 1.0]})
    long, details = cx.als3_crossmatch(als, samples)
    is_m = np.char.upper(np.char.strip(flag.astype(str))) == "M"
    for name, hit in (("A", hit_a), ("B", hit_b)):
        rows = long[long["sample"] == name].set_index("catalogue")
        assert rows.loc['ALS-III "M"', "n_catalogue"] == is_m.sum()
        assert rows.loc['ALS-III "M"', "n_matched"] == (hit & is_m).sum()
        assert rows.loc["ALS-III (full)", "n_matched"] == hit.sum()
        assert rows.loc["ALS-III (full)", "n_sample"] == hit.sum() + 1
        np.testing.assert_array_equal(details[name]["is_m"], is_m)
    wide = cx.table1(long)
    assert wide["catalogue"].tolist() == ['ALS-III "M"', "ALS-III (full)"]
    assert wide.columns.tolist() == ["catalogue", "n_catalogue",
                                     f"A (N = {hit_a.sum() + 1})", f"B (N = {hit_b.sum() + 1})"]
    assert wide.iloc[1, 2] == hit_a.sum() and wide.iloc[0, 3] == (hit_b & is_m).sum()
    md = cx.render_table1(wide).splitlines()
    assert len(md) == 4 and md[3].startswith(f"| ALS-III (full) N = {n} |")
    assert f"{hit_a.sum()} ({100 * hit_a.sum() / n:.0f} %)" in md[3]


def test_id_only_sample_matches_on_source_id():
    als = pd.DataFrame({"ra": [1.0, 2.0, 3.0], "dec": [0.0, 0.0, 0.0], "flag": ["M", "I", "M"],
                        "source_id": ID0 + np.array([1, 2, 3])})
    sample = pd.DataFrame({"source_id": ID0 + np.array([3, 2, 9])})
    long, details = cx.als3_crossmatch(als, {"ids": sample})
    assert details["ids"]["index"].tolist() == [-1, 1, 0]
    assert long.set_index("catalogue")["n_matched"].tolist() == [1, 2]
    with pytest.raises(cx.CrossmatchError, match="source_id"):
        cx.als3_crossmatch(als.drop(columns="source_id"), {"ids": sample})


def test_unmatched_hot_counts():
    hss = pd.DataFrame({"ra": [10.0, 20.0, 30.0, 40.0], "dec": [0.0] * 4,
                        "teff": [35000.0, 20000.0, 12000.0, 33000.0]})
    near = _offset(10.0, 0.0, 0.0, 0.5)
    als = pd.DataFrame({"ra": [near[0], 20.0 + 2 / 3600], "dec": [near[1], 0.0]})  # 2" off
    out = cx.unmatched_hot_counts(hss, als, 1.0, {"o": 31900.0, "early_b": 17000.0})
    assert out == {"n": 3, "n_o": 1, "n_early_b": 2}


# --- readers ----------------------------------------------------------------------------------

def _als_file(tmp_path, name="als.csv", **cols):
    base = {"ALS": [1, 2, 3], "RA_ICRS": [10.0, 11.0, 12.0], "DE_ICRS": [-1.0, 0.0, 1.0],
            "Gaia_DR3": ID0 + np.array([5, 6, 7]), "Sample": ["M", "I", "M"]}
    base.update(cols)
    df = pd.DataFrame({k: v for k, v in base.items() if v is not None})
    path = tmp_path / name
    if name.endswith(".fits"):
        Table.from_pandas(df).write(path)
    else:
        df.to_csv(path, index=False)
    return path


def test_read_als3_aliases_formats(tmp_path):
    for name in ("als.csv", "als.fits"):
        df = catalogues.read_als3(_als_file(tmp_path, name))
        assert df.columns.tolist() == ["ra", "dec", "flag", "source_id"]
        assert df["flag"].tolist() == ["M", "I", "M"]
        assert df["source_id"].tolist() == (ID0 + np.array([5, 6, 7])).tolist()  # exact ids
    path = _als_file(tmp_path, Sample=None, Grp=["M", "M", "X"])
    assert catalogues.read_als3(path, flag_column="GRP")["flag"].tolist() == ["M", "M", "X"]


def test_read_als3_errors(tmp_path):
    with pytest.raises(InputError, match=r"als\.csv.*'sample' / 'group'") as err:
        catalogues.read_als3(_als_file(tmp_path, Sample=None))
    assert err.value.columns == ("sample",)
    with pytest.raises(InputError, match=r"no row flagged 'M'.*'I', 'X'"):
        catalogues.read_als3(_als_file(tmp_path, Sample=["I", "X", "I"]))
    with pytest.raises(InputError, match="'ra'.*finite.*row 1"):
        catalogues.read_als3(_als_file(tmp_path, RA_ICRS=[10.0, np.nan, 12.0]))
    with pytest.raises(InputError, match="'dec'"):
        catalogues.read_als3(_als_file(tmp_path, DE_ICRS=None))
    with pytest.raises(InputError, match="'kind'"):
        catalogues.read_als3(_als_file(tmp_path), flag_column="kind")
    with pytest.raises(InputError, match="unique"):
        catalogues.read_als3(_als_file(tmp_path, RA_ICRS=[10.0, 10.0, 12.0], DE_ICRS=[0.0, 0.0, 1.0]))


def test_read_d23_and_samples(tmp_path):
    ids = ID0 + np.array([3, 1, 2])
    pd.DataFrame({"Source": ids}).to_csv(tmp_path / "d23.csv", index=False)
    assert catalogues.read_d23(tmp_path / "d23.csv")["source_id"].tolist() == ids.tolist()
    pd.DataFrame({"source_id": [1, 1]}).to_csv(tmp_path / "dup.csv", index=False)
    with pytest.raises(InputError, match="dup.csv.*unique"):
        catalogues.read_d23(tmp_path / "dup.csv")
    pd.DataFrame({"source_id": ids, "ra": [1.0, 2.0, 3.0]}).to_csv(tmp_path / "g.csv", index=False)
    with pytest.raises(InputError, match=r"g\.csv \[D23 Gaia\].*'dec'"):
        catalogues.read_d23_gaia(tmp_path / "g.csv")
    # samples: positions, or ids only, or neither
    pd.DataFrame({"RAJ2000": [1.0], "DEJ2000": [2.0]}).to_csv(tmp_path / "pos.csv", index=False)
    assert catalogues.read_sample(tmp_path / "pos.csv").columns.tolist() == ["ra", "dec"]
    pd.DataFrame({"gaia_dr3_source_id": ids}).to_parquet(tmp_path / "ids.parquet")
    assert catalogues.read_sample(tmp_path / "ids.parquet")["source_id"].tolist() == ids.tolist()
    pd.DataFrame({"name": ["a"]}).to_csv(tmp_path / "none.csv", index=False)
    with pytest.raises(InputError, match="none.csv.*ra and dec.*source_id"):
        catalogues.read_sample(tmp_path / "none.csv")


# --- D23 --------------------------------------------------------------------------------------

def test_d23_teff_rule_branches():
    nan = np.nan
    esphs = [15000, 9000, 60000, nan, nan, 12000, 12000, nan]
    gsp = [nan, nan, nan, 11000, 11000, 9000, 7000, nan]
    stype = ["", "", "", "B", "G", "", "", "O"]
    assert cx.d23_teff_rule(esphs, gsp, stype).tolist() == [True, False, False, True, False,
                                                            True, False, False]
    assert cx.d23_teff_rule(esphs).tolist() == [True, False, False, False, False, True, True,
                                                False]


def test_absolute_k_is_the_distance_modulus():
    ks, d_pc = np.array([8.0, 12.0, 10.0]), np.array([500.0, 4000.0, 1e4])
    mk = cx.absolute_k(ks, 1000.0 / d_pc)
    np.testing.assert_allclose(mk, ks - 5 * np.log10(d_pc / 10.0))
    assert np.isnan(cx.absolute_k([8.0, 8.0], [0.0, -0.1])).all()


def _gaia_rows(ids, l_deg, d_kpc, rv):
    c = SkyCoord(l=l_deg * u.deg, b=np.zeros(len(ids)) * u.deg, frame="galactic").icrs
    ks = np.full(len(ids), 9.0)
    return pd.DataFrame({"source_id": ids, "ra": c.ra.deg, "dec": c.dec.deg,
                         "parallax": 1.0 / d_kpc, "phot_g_mean_mag": ks + 1.0,
                         "radial_velocity": rv, "j_m": ks + 0.3, "h_m": ks + 0.1, "ks_m": ks,
                         "r_med_photogeo": 1000.0 * d_kpc})


def test_d23_stars_positions_and_membership():
    ids = ID0 + np.arange(4)
    gaia = _gaia_rows(ids, np.array([0.0, 90.0, 180.0, 270.0]), np.array([1.0, 2.0, 1.0, 0.5]),
                      np.array([5.0, np.nan, np.nan, 1.0]))
    extra = _gaia_rows([ID0 + 99], np.array([10.0]), np.array([1.0]), np.array([np.nan]))
    d23 = pd.DataFrame({"source_id": ids[::-1]})
    targets = pd.DataFrame({"source_id": [ids[0], ids[1], ID0 + 50]})
    hss = pd.DataFrame({"source_id": [ids[1]]})
    s = cx.d23_stars(d23, pd.concat([gaia, extra]), targets, hss, r_sun_kpc=8.2, z_sun_pc=25.0)
    s = s.set_index("source_id").loc[ids]
    assert s["in_targets"].tolist() == [True, True, False, False]
    assert s["in_hss"].tolist() == [False, True, False, False]
    assert s["has_gaia_rv"].tolist() == [True, False, False, True]
    # paper frame: Sun at (-8.2, 0), +Y toward l = 90 (z_sun tilt: < 0.3 % of d)
    np.testing.assert_allclose(s["x"], [-7.2, -8.2, -9.2, -8.2], atol=0.01)
    np.testing.assert_allclose(s["y"], [0.0, 2.0, 0.0, -0.5], atol=0.01)
    np.testing.assert_allclose(s["m_k"], 9.0 - 5 * np.log10(100 * s["distance"]))
    np.testing.assert_allclose(s[["g_ks", "j_h", "j_ks"]], [[1.0, 0.2, 0.3]] * 4, atol=1e-12)
    with pytest.raises(cx.CrossmatchError, match="1 of 5 D23 source_ids have no row"):
        cx.d23_stars(pd.DataFrame({"source_id": np.r_[ids, ID0 + 7]}), gaia, targets, hss)


def test_d23_distance_without_bailer_jones():
    g = pd.DataFrame({"parallax": [1.0, 0.5, 0.1, -0.2], "parallax_error": [0.1, 0.05, 0.05, 0.1]})
    np.testing.assert_allclose(cx.d23_distance_kpc(g), [1.0, 2.0, np.nan, np.nan])


def test_d23_numbers_on_constructed_lists():
    n = 100
    ids = np.arange(n)
    targets = np.arange(60, 260)                 # 40 of the 200 targets are in D23
    hss = np.arange(80, 130)                     # 20 of the 50 HSS stars are in D23
    mk = np.where(ids < 50, 1.0, -1.0)           # non-targets are ids 0..59: 50 in (-0.6, 2)
    mk[0] = np.nan                               # a non-target without M_K is not counted
    stars = pd.DataFrame({"source_id": ids, "in_targets": np.isin(ids, targets),
                          "in_hss": np.isin(ids, hss), "m_k": mk,
                          "has_gaia_rv": ids % 10 == 0})
    out = cx.d23_numbers(stars, len(targets), len(hss))
    assert out["fraction_targets_in_d23"] == pytest.approx(40 / 200)
    assert out["fraction_hss_in_d23"] == pytest.approx(20 / 50)
    assert out["fraction_d23_in_targets"] == pytest.approx(40 / 100)
    assert out["fraction_nontargets_mk_range"] == pytest.approx(49 / 59)
    assert out["fraction_gaia_rv"] == pytest.approx(0.1)


# --- the mock catalogues ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def mock_run():
    grid = build_grid_lachesis(np.round(np.arange(6.0, 9.0001, 0.2), 2), [-0.3, 0.0, 0.3])
    s = mock.simulate_survey(grid, 2500, 4, FRAME)
    targets = side.mock_targets(s["gaia"], s["tmass"], s["distances"])
    kw = dict(field_batch=30_000)
    cats = side.mock_side_catalogues(targets, s["truth"], grid, 9, FRAME, **kw)
    again = side.mock_side_catalogues(targets, s["truth"], grid, 9, FRAME, **kw)
    return targets, s["truth"], cats, again


def test_mock_catalogues_formats_and_determinism(mock_run, tmp_path):
    targets, _, cats, again = mock_run
    for key in cats:
        pd.testing.assert_frame_equal(cats[key], again[key])
    assert cats["als3"].columns.tolist() == ["ALS", "RA", "DEC", "Gaia_DR3", "Sample"]
    assert cats["d23"].columns.tolist() == ["source_id"]
    paths = {k: tmp_path / f"{k}.csv" for k in ("als3", "d23")}
    for k, p in paths.items():
        cats[k].to_csv(p, index=False)
    cats["d23_gaia"].to_parquet(tmp_path / "g.parquet")
    als = catalogues.read_als3(paths["als3"])
    assert len(als) == round(0.064 * len(targets))
    assert (als["flag"] == "M").mean() == pytest.approx(0.70, abs=0.01)
    d23 = catalogues.read_d23(paths["d23"])
    gaia = catalogues.read_d23_gaia(tmp_path / "g.parquet")
    assert len(d23) == round(1.8 * len(targets)) and set(d23["source_id"]) == set(gaia["source_id"])


def test_mock_targets_join_the_mocks_files_and_name_a_missing_column(mock_run):
    targets, truth, _, _ = mock_run
    assert len(targets) == len(truth) and targets["source_id"].is_unique
    assert targets.columns.tolist() == ["source_id", *side.MOCK_D23_GAIA_UNITS]
    gaia = targets.drop(columns=["j_m", "h_m", "ks_m", "r_med_photogeo"])
    tmass = targets[["source_id", "j_m", "h_m", "ks_m"]]
    dist = targets[["source_id", "r_med_photogeo"]]
    pd.testing.assert_frame_equal(side.mock_targets(gaia, tmass.iloc[::-1], dist), targets)
    with pytest.raises(cx.CrossmatchError, match="2MASS.*ks_m"):
        side.mock_targets(gaia, tmass.drop(columns="ks_m"), dist)


def test_mock_d23_overlap_and_selection(mock_run):
    targets, truth, cats, _ = mock_run
    g = cats["d23_gaia"]
    in_t = g["source_id"].isin(targets["source_id"]).to_numpy()
    assert in_t.sum() == round(0.25 * len(targets))
    assert cx.d23_teff_rule(g["teff_esphs"]).all()           # every D23 star passes the rule
    field = g[~in_t]
    assert not field["source_id"].isin(truth["source_id"]).any()
    carton = mock.carton_selection(*(field[c].to_numpy(float) for c in (
        "phot_g_mean_mag", "j_m", "h_m", "ks_m", "parallax")), mock.MockParams())
    assert not carton.any()                                   # the field is what the carton rejects
    mk = cx.absolute_k(field["ks_m"], field["parallax"])
    frac = np.mean((mk[np.isfinite(mk)] > -0.6) & (mk[np.isfinite(mk)] < 2))
    assert 0.7 < frac < 1.0                                   # paper: 90 %
    # targets' rows are the targets' own values
    both = g[in_t].merge(targets, on="source_id", suffixes=("", "_t"))
    np.testing.assert_array_equal(both["ra"], both["ra_t"])


def test_mock_als3_positions_and_flags(mock_run):
    targets, truth, cats, _ = mock_run
    als = cats["als3"]
    from_t = als["Gaia_DR3"].isin(targets["source_id"]).to_numpy()
    assert from_t.mean() == pytest.approx(0.375, abs=0.01)
    # targets among them (the field's truth is not kept): hot, and "M" = the hottest
    teff = truth.set_index("source_id")["teff"].loc[als["Gaia_DR3"][from_t]].to_numpy()
    flag = als["Sample"][from_t].to_numpy()
    assert (teff >= 10000).all() and {"M", "I"} == set(flag)
    assert teff[flag == "M"].min() >= teff[flag == "I"].max()
    t = targets.set_index("source_id").loc[als["Gaia_DR3"][from_t]]
    sep = _haversine_arcsec(als["RA"][from_t].to_numpy(), als["DEC"][from_t].to_numpy(),
                            t["ra"].to_numpy(), t["dec"].to_numpy())
    assert (sep < 3.01).all() and (sep > 1.2).any() and ((sep > 0.1) & (sep < 0.5)).any()
    # the 1" match finds exactly the target-born ALS stars that were not moved beyond 1.2"
    long, _ = cx.als3_crossmatch(als.rename(columns={"RA": "ra", "DEC": "dec", "Sample": "flag"}),
                                 {"targets": targets})
    full = long.set_index("catalogue").loc["ALS-III (full)", "n_matched"]
    assert full == (sep <= 1.0).sum() and 0.85 < full / from_t.sum() < 1.0


# --- figures ----------------------------------------------------------------------------------

def test_density_levels_enclose_fractions():
    rng = np.random.default_rng(2)
    h, _, _ = np.histogram2d(rng.normal(size=20000), rng.normal(size=20000), bins=40)
    for f, lv in zip((0.5, 0.9), plots_crossmatch.density_levels(h, (0.5, 0.9))[::-1]):
        assert h[h >= lv].sum() / h.sum() == pytest.approx(f, abs=0.02)


def test_fig_d23_plane_counts_and_furniture():
    rng = np.random.default_rng(3)
    n = 3000
    d23 = pd.DataFrame({"x": rng.normal(-8.2, 1.5, n), "y": rng.normal(0, 1.5, n),
                        "has_gaia_rv": rng.uniform(size=n) < 0.1})
    d23.loc[:9, "x"] = np.nan
    fig = plots_crossmatch.fig_d23_plane(d23, r_sun_kpc=8.2, bin_kpc=0.2)
    ax_all, ax_rv = fig.axes[:2]
    meshes = {a.get_gid(): a for ax in (ax_all, ax_rv) for a in ax.collections
              if a.get_gid() in ("all", "rv")}
    xlim, ylim = ax_all.get_xlim(), ax_all.get_ylim()
    inside = (d23["x"].between(*xlim) & d23["y"].between(*ylim)).to_numpy()
    assert meshes["all"].get_array().sum() == inside.sum()
    assert meshes["rv"].get_array().sum() == (inside & d23["has_gaia_rv"]).sum()
    radii = sorted(p.get_radius() for p in ax_all.patches if p.get_gid() == "R_circle")
    assert radii == [2, 4, 6, 8, 10]
    # each title: the whole sample (the base count of Fig. A.1), then what is drawn and why not
    n_in = int(inside.sum())
    assert "all D23 stars: $N$ = 3,000" in ax_all.get_title()
    assert f"{n_in:,} of 3,000 stars drawn (10 without distance" in ax_all.get_title()
    beyond = int(np.isfinite(d23["x"]).sum()) - n_in
    assert (f"; {beyond} beyond the frame)" in ax_all.get_title()) == (beyond > 0)
    n_rv = int(d23["has_gaia_rv"].sum())
    assert f"$N$ = {n_rv:,}" in ax_rv.get_title()
    assert f"{int((inside & d23['has_gaia_rv']).sum()):,} of {n_rv:,} stars drawn" in \
        ax_rv.get_title()
    with pytest.raises(plots_crossmatch.PlotInputError, match="has_gaia_rv"):
        plots_crossmatch.fig_d23_plane(d23.drop(columns="has_gaia_rv"))


def test_fig_d23_selection_lines():
    rng = np.random.default_rng(4)
    n = 2000
    gk = rng.uniform(0, 3, n)
    df = pd.DataFrame({"g_ks": gk, "j_h": 0.15 * gk - 0.05, "j_ks": 0.25 * gk - 0.1,
                       "m_k": rng.normal(-1, 1, n)})
    fig = plots_crossmatch.fig_d23_selection(df, df.iloc[::2])
    top, mid, bottom = fig.axes[:3]
    for ax, expect in ((top, cx.Z21_LINES["j_h"]), (mid, cx.Z21_LINES["j_ks"])):
        lines = [ln for ln in ax.lines if ln.get_gid() == "z21_line"]
        got = sorted((round(float(np.polyfit(*ln.get_data(), 1)[0]), 6),
                      round(float(np.polyfit(*ln.get_data(), 1)[1]), 6)) for ln in lines)
        assert got == sorted(expect)
    levels = {ln.get_gid(): ln.get_ydata()[0] for ln in bottom.lines}
    assert levels["mk_carton"] == -0.6 and levels["mk_z21"] == 0.0
    assert bottom.get_ylim()[0] > bottom.get_ylim()[1]      # brighter up
    # the legend counts all D23 stars; each panel says how many it draws, and why not the rest
    df.loc[:19, "m_k"] = np.nan  # no parallax > 0
    fig = plots_crossmatch.fig_d23_selection(df, df.iloc[::2])
    assert "D23 ($N$ = 2,000)" in fig.axes[0].get_legend().get_texts()[0].get_text()
    for ax, col in zip(fig.axes[:3], ("j_h", "j_ks", "m_k")):
        (note,) = [t.get_text() for t in ax.texts if t.get_gid() == "d23_drawn"]
        drawn = int(next(c for c in ax.collections if c.get_gid() == "d23").get_array().sum())
        assert note.startswith(f"D23: {drawn:,} of 2,000 stars drawn")
        assert ("20 without $M_K$" in note) == (col == "m_k")


# --- scripts ------------------------------------------------------------------------------------

class _Named(dict):
    __getattr__ = dict.__getitem__


def test_crossmatch_als3_script_with_an_id_sample(tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    import crossmatch_als3
    hss = pd.DataFrame({"source_id": ID0 + np.arange(3), "ra": [10.0, 20.0, 30.0],
                        "dec": [0.0, 0.0, 0.0], "teff": [35000.0, 12000.0, 20000.0]})
    targets = pd.concat([hss, pd.DataFrame({"source_id": [ID0 + 9], "ra": [40.0],
                                            "dec": [0.0], "teff": [9000.0]})])
    paths = {k: tmp_path / f"{k}.parquet" for k in ("hss", "targets")}
    hss.to_parquet(paths["hss"])
    targets.to_parquet(paths["targets"])
    als = _als_file(tmp_path, RA_ICRS=[10.0, 40.0, 50.0], DE_ICRS=[0.0, 0.0, 0.0],
                    Gaia_DR3=ID0 + np.array([0, 9, 7]))
    pd.DataFrame({"source_id": ID0 + np.array([7, 8])}).to_csv(tmp_path / "z21.csv", index=False)
    out = _Named(csv=tmp_path / "t1.csv", md=tmp_path / "t1.md", json=tmp_path / "t1.json")
    crossmatch_als3.main(SimpleNamespace(
        input=_Named(als3=als, hss=paths["hss"], targets=paths["targets"],
                     samples=[tmp_path / "z21.csv"]),
        params=SimpleNamespace(flag_column=None, massive_value="M", radius_arcsec=1.0,
                               sample_names=["Zari+21"], teff_edges={"o": 31900.0,
                                                                     "early_b": 17000.0}),
        output=out, log=[tmp_path / "log"]))
    wide = pd.read_csv(out.csv)
    assert wide.columns.tolist()[2:] == ["HSS (N = 3)", "mwm_ob observed (N = 4)",
                                         "Zari+21 (N = 2)"]
    # ALS rows: (10, 0) M -> HSS 0; (40, 0) I -> target 9; (50, 0) M -> id 7 in Zari+21
    assert wide.iloc[0, 2:].tolist() == [1, 1, 1] and wide.iloc[1, 2:].tolist() == [1, 2, 1]
    summary = json.loads(out.json.read_text())
    assert summary["hss_not_in_als3"]["m"] == {"n": 2, "n_o": 0, "n_early_b": 1}
    numbers = cx.summary_numbers(summary, {k: 0.5 for k in (
        "fraction_targets_in_d23", "fraction_nontargets_mk_range", "fraction_gaia_rv",
        "fraction_hss_in_d23")})
    assert set(numbers) == set(cx.PAPER_VALUES)
    assert numbers["comparisons.als3_m_in_hss"] == 1
