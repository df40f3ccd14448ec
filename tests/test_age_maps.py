"""Age maps (Figs. 8 and 11): mean log-age per spaxel and the young/old density maps."""

import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from hotstars import maps
from hotstars.io import tables

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import build_age_maps  # noqa: E402

SIZE = 0.125  # kpc, Fig. 8


def _positions(n, seed=3):
    rng = np.random.default_rng(seed)
    return rng.uniform(-9.0, -7.0, n), rng.uniform(-1.0, 1.0, n), rng


def test_logage_map_matches_a_direct_groupby():
    x, y, rng = _positions(4000)
    logage = rng.uniform(6.0, 9.0, x.size)
    m = maps.logage_map(x, y, logage, SIZE, min_stars=6)
    # independent: spaxel centres from floor(x / size), pandas groupby
    df = pd.DataFrame({"xc": (np.floor(x / SIZE) + 0.5) * SIZE,
                       "yc": (np.floor(y / SIZE) + 0.5) * SIZE, "a": logage})
    ref = df.groupby(["xc", "yc"])["a"].agg(["size", "mean", "median", "std"]).reset_index()
    ref = ref[ref["size"] >= 6].sort_values(["xc", "yc"]).reset_index(drop=True)
    assert list(m.columns) == maps.LOGAGE_COLUMNS
    assert len(m) == len(ref) > 50
    got = m.sort_values(["x_center", "y_center"]).reset_index(drop=True)
    np.testing.assert_allclose(got["x_center"], ref["xc"])
    np.testing.assert_allclose(got["y_center"], ref["yc"])
    np.testing.assert_array_equal(got["n_stars"], ref["size"])
    np.testing.assert_allclose(got["logage_mean"], ref["mean"], rtol=1e-12)
    np.testing.assert_allclose(got["logage_median"], ref["median"], rtol=1e-12)
    np.testing.assert_allclose(got["logage_std"], ref["std"], rtol=1e-10)


def test_logage_map_min_stars_cut():
    # spaxel A holds 5 stars, spaxel B 6: "more than 5 stars" keeps only B
    x = np.r_[np.full(5, 0.01), np.full(6, 0.2)]
    y = np.full(11, 0.05)
    logage = np.r_[np.full(5, 7.0), np.linspace(7.5, 8.0, 6)]
    m = maps.logage_map(x, y, logage, SIZE, min_stars=6)
    assert len(m) == 1 and m["n_stars"].iloc[0] == 6
    assert m["x_center"].iloc[0] == pytest.approx(1.5 * SIZE)
    assert m["logage_mean"].iloc[0] == pytest.approx(7.75)
    assert len(maps.logage_map(x, y, logage, SIZE, min_stars=5)) == 2
    assert len(maps.logage_map(x, y, logage, SIZE, min_stars=7)) == 0


def test_logage_map_rejects_nan_ages():
    x, y, _ = _positions(10)
    with pytest.raises(maps.MapError, match="non-finite log-ages"):
        maps.logage_map(x, y, np.r_[np.full(9, 7.0), np.nan], SIZE)


def test_young_old_split_is_strict_at_the_boundaries():
    age = np.array([29.999, 30.0, 30.001, 149.999, 150.0, 150.001, np.nan, 1.0, 900.0])
    x = np.linspace(-8.9, -7.1, age.size)
    y = np.zeros(age.size)
    young, old = maps.young_old_density(x, y, age, 0.25, young_max_myr=30, old_min_myr=150)
    assert young["n_stars"].sum() == 2  # 29.999 and 1.0
    assert old["n_stars"].sum() == 2  # 150.001 and 900.0
    # the young stars sit where a direct density map of exactly those stars puts them
    pd.testing.assert_frame_equal(young, maps.density_map(x[[0, 7]], y[[0, 7]], 0.25))
    pd.testing.assert_frame_equal(old, maps.density_map(x[[5, 8]], y[[5, 8]], 0.25))
    assert list(young.columns) == maps.DENSITY_COLUMNS


def _products(n=600, seed=5):
    rng = np.random.default_rng(seed)
    sid = np.arange(n, dtype=np.int64) + 10**15
    kin = pd.DataFrame({"source_id": sid, "x": rng.uniform(-9, -7.5, n),
                        "y": rng.uniform(-0.5, 0.5, n), "z": rng.normal(0, 0.1, n),
                        "v_R": rng.normal(0, 20, n), "v_R_err": rng.uniform(3, 10, n)})
    flags = pd.DataFrame({"source_id": sid, "in_vphi_window": rng.random(n) < 0.9})
    logage = rng.uniform(6.0, 9.0, n)
    flag = np.where(rng.random(n) < 0.1, 1, 0)
    logage[flag == 1] = np.nan
    ages = pd.DataFrame({"source_id": sid[::-1], "logage_p50": logage[::-1],
                         "age_myr": 10 ** logage[::-1] / 1e6, "age_flag": flag[::-1]})
    return kin, flags, ages


def test_select_age_map_stars_window_and_flag():
    kin, flags, ages = _products()
    stars = maps.select_age_map_stars(ages, kin, flags)
    expected = set(flags.loc[flags["in_vphi_window"], "source_id"]) & set(
        ages.loc[ages["age_flag"] == 0, "source_id"])
    assert set(stars["source_id"]) == expected
    assert stars.attrs["counts"]["n_age_ok"] == len(expected)
    assert np.isfinite(stars["logage_p50"]).all()
    with pytest.raises(maps.MapError, match="no age for source_id"):
        maps.select_age_map_stars(ages.iloc[1:], kin, flags)


def test_build_age_maps_script(tmp_path):
    kin, flags, ages = _products()
    paths = {k: tmp_path / f"{k}.parquet" for k in ("kin", "flags", "ages")}
    for df, k in ((kin, "kin"), (flags, "flags"), (ages, "ages")):
        tables.write_table(df, paths[k])
    out = {k: tmp_path / f"{k}.parquet" for k in ("logage", "young", "old")}
    sm = SimpleNamespace(
        input=SimpleNamespace(ages=paths["ages"], kinematics=paths["kin"], flags=paths["flags"]),
        output=SimpleNamespace(**out), log=[tmp_path / "log"],
        params=SimpleNamespace(spaxel_pc=125, density_spaxel_pc=250, min_stars=6,
                               young_max_myr=30.0, old_min_myr=150.0, z_max_kpc=None))
    build_age_maps.main(sm)
    stars = maps.select_age_map_stars(ages, kin, flags)
    logage = tables.read_table(out["logage"])
    assert logage["n_stars"].min() >= 6
    assert tables.read_units(out["logage"])["logage_mean"] == "dex(yr)"
    assert tables.read_table(out["young"])["n_stars"].sum() == np.sum(stars["age_myr"] < 30)
    assert tables.read_table(out["old"])["n_stars"].sum() == np.sum(stars["age_myr"] > 150)
