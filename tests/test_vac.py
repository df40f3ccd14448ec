"""The DR20 VAC (yso_ob_kin, ob_vac-1.0.0.fits): reader, kinematics inputs, our VAC writer."""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from astropy.io import fits
from fixtures_io import raises

from hotstars import kinematics
from hotstars.io import tables, vac
from hotstars.workflow import logs

# The SDSS datamodel (sdss/datamodel yso_ob_kin.json @ b90b518e), HDU 1 "Joined", verbatim:
# name | dtype | unit | description. Tests build the fixture files from this text, not from vac.py.
DATAMODEL = """\
gaia_dr3_source_id | int64 |  | Gaia DR3 Unique Source Identifier
ra | float64 | deg | right ascension
dec | float64 | deg | declination
distance | float64 | kpc | 50th percentile of photogeometric distance (Bailer-Jones et al., 2021)
pm_ra_cosdec | float64 | mas yr-1 | Proper motion in RA
pm_dec | float64 | mas yr-1 | Proper motion in Dec
radial_velocity | float64 | km s-1 | Radial velocity (computed as described in Sec. 2.3 of Zari et al., 2025)
e_distance | float64 | kpc | Error on photogeometric distance
e_pmra | float64 | mas yr-1 | Error on proper motion in RA
e_pmdec | float64 | mas yr-1 | Error on proper motion in Dec
e_rv | float64 | km s-1 | Error on radial velocity
xg | float64 | kpc | Galactocentric cartesian x position component
yg | float64 | kpc | Galactocentric cartesian y position component
zg | float64 | kpc | Galactocentric cartesian z position component
R | float64 | kpc | Galactocentric distance
vR | float64 | km s-1 | Galactocentric radial velocity
e_vR | float64 | km s-1 | Error on Galactocentric radial velocity
teff | float64 | K | BossNet Effective temperature
e_teff | float64 | K | Error on BossNet effective temperature
logg | float64 | dex | BossNet surface gravity
e_logg | float64 | dex | Error on BossNet surface gravity
feh | float64 | dex | BossNet iron abundance
e_feh | float64 | dex | Error on BossNet iron abundance
median_log_age | float32 | log(yr) | 50th percentile of log-age (computed as described in Sec. 3.2 of Zari et al., 2025)
lo_median_age | float32 | log(yr) | 16th percentile of log-age
hi_median_age | float32 | log(yr) | 84th percentile of log-age
"""
MODEL = [tuple(p.strip() for p in line.split("|")) for line in DATAMODEL.splitlines()]
NAMES = [m[0] for m in MODEL]
DTYPES = {m[0]: m[1] for m in MODEL}
UNITS = {m[0]: m[2] for m in MODEL}
REQUIRED = ["gaia_dr3_source_id", "ra", "dec", "distance", "e_distance", "pm_ra_cosdec",
            "pm_dec", "e_pmra", "e_pmdec", "radial_velocity", "e_rv"]
TFORM = {"int64": "K", "float64": "D", "float32": "E"}
N = 7
SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def vac_frame(seed=0, n=N) -> pd.DataFrame:
    """A VAC table (datamodel names/dtypes) with Gaia ids > 2**53 and some optional NaNs."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({name: rng.normal(1.0, 5.0, n).astype(DTYPES[name]) for name in NAMES})
    df["gaia_dr3_source_id"] = np.sort(rng.integers(4 * 10**18, 6 * 10**18, n)) | 1
    df["ra"] = rng.uniform(0, 360, n)
    df["dec"] = rng.uniform(-60, 60, n)
    df["distance"] = rng.uniform(0.3, 6.0, n)
    df["e_distance"] = 0.05 * df["distance"]
    for err in ("e_pmra", "e_pmdec", "e_rv"):  # errors are positive (read_vac checks it)
        df[err] = np.abs(df[err]) + 0.01
    df.loc[1, ["feh", "e_feh", "median_log_age", "lo_median_age", "hi_median_age"]] = np.nan
    return df


def write_fixture(df, path, *, names=None, units=None, extname="Joined", extra_hdu=False):
    """Write ``df`` in the release's layout (empty primary, table 'Joined') with astropy.io.fits."""
    units = {**UNITS, **(units or {})}
    cols = [fits.Column(name=(names or {}).get(n, n), format=TFORM[str(df[n].dtype)],
                        unit=units[n] or None, array=df[n].to_numpy()) for n in df.columns]
    hdus = [fits.PrimaryHDU()]
    if extra_hdu:
        hdus.append(fits.BinTableHDU.from_columns([fits.Column("x", "D", array=[1.0])],
                                                  name="OTHER"))
    table = fits.BinTableHDU.from_columns(cols)
    table.header["EXTNAME"] = extname  # mixed case, as in the release
    hdus.append(table)
    fits.HDUList(hdus).writeto(path)
    return path


def products(seed=1, n=N):
    """Minimal HSS, vlos, kinematics and ages products (our column names and units)."""
    rng = np.random.default_rng(seed)
    ids = np.sort(rng.integers(2 * 10**18, 4 * 10**18, n)) | 1
    r_med = rng.uniform(300, 6000, n)
    hss = pd.DataFrame({
        "source_id": ids, "ra": rng.uniform(0, 360, n), "dec": rng.uniform(-60, 60, n),
        "l": rng.uniform(0, 360, n), "parallax": 1000 / r_med,
        "pmra": rng.normal(0, 3, n), "pmdec": rng.normal(0, 3, n),
        "pmra_error": rng.uniform(0.01, 0.1, n), "pmdec_error": rng.uniform(0.01, 0.1, n),
        "r_med_photogeo": r_med, "r_lo_photogeo": 0.9 * r_med,
        "r_hi_photogeo": 1.2 * r_med,
        "teff": rng.uniform(1e4, 3e4, n), "e_teff": rng.uniform(100, 900, n),
        "logg": rng.uniform(3.5, 4.3, n), "e_logg": rng.uniform(0.05, 0.2, n),
        "fe_h": rng.normal(0, 0.1, n), "e_fe_h": rng.uniform(0.05, 0.2, n),
    })
    order = rng.permutation(n)  # other products need not share the HSS order
    vlos = pd.DataFrame({"source_id": ids, "vlos": rng.normal(0, 20, n),
                         "vlos_err": rng.uniform(2, 15, n), "n_epochs": 2}).iloc[order]
    kin = pd.DataFrame({"source_id": ids, **{k: rng.normal(0, 5, n) for k in
                                             ("x", "y", "z", "R", "v_R", "v_R_err", "v_phi")}})
    ages = pd.DataFrame({"source_id": ids, "logage_p50": rng.uniform(6.5, 8.5, n)})
    ages["logage_p16"] = ages["logage_p50"] - 0.2
    ages["logage_p84"] = ages["logage_p50"] + 0.15
    return hss, vlos, kin.iloc[order[::-1]], ages.iloc[order]


def load_script(name):
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Files(SimpleNamespace):
    def get(self, key, default=None):  # like snakemake's Namedlist.get
        return getattr(self, key, default)


def run_script(name, tmp_path, monkeypatch, inputs, outputs):
    monkeypatch.setattr(logs, "setup",
                        lambda path, name="hotstars", job=None: logging.getLogger(name))
    sm = SimpleNamespace(input=Files(**inputs), output=Files(**outputs), params=Files(),
                         log=[str(tmp_path / f"{name}.log")])
    load_script(name).main(sm)


# --- the spec and the reader ------------------------------------------------------------------

def test_spec_is_the_datamodel():
    assert [(c.name, c.dtype, c.unit, c.description) for c in vac.VAC_COLUMNS] == MODEL
    assert vac.VAC_EXTNAME == "Joined"
    assert list(vac.VAC_REQUIRED) == sorted(REQUIRED, key=NAMES.index)


def test_reads_a_file_in_the_release_format(tmp_path):
    df = vac_frame()
    path = write_fixture(df, tmp_path / "ob_vac-1.0.0.fits")
    out = vac.read_vac(path)
    assert list(out.columns) == NAMES
    assert {c: str(t) for c, t in out.dtypes.items()} == DTYPES
    assert out["gaia_dr3_source_id"].tolist() == df["gaia_dr3_source_id"].tolist()  # exact ids
    pd.testing.assert_frame_equal(out, df)  # optional NaNs (feh, ages) kept


def test_names_case_insensitive_and_hdu_found_by_name_or_index(tmp_path):
    df = vac_frame()
    upper = write_fixture(df, tmp_path / "upper.fits", names={n: n.upper() for n in NAMES},
                          extra_hdu=True)  # 'Joined' is HDU 2 here
    pd.testing.assert_frame_equal(vac.read_vac(upper), df)
    unnamed = write_fixture(df, tmp_path / "unnamed.fits", extname="DATA")  # HDU 1, other name
    pd.testing.assert_frame_equal(vac.read_vac(unnamed), df)


def test_units_converted_when_the_file_says_so(tmp_path):
    df = vac_frame()
    in_pc = df.assign(distance=df["distance"] * 1000, e_distance=df["e_distance"] * 1000)
    path = write_fixture(in_pc, tmp_path / "pc.fits", units={"distance": "pc", "e_distance": "pc"})
    out = vac.read_vac(path)
    np.testing.assert_allclose(out["distance"], df["distance"], rtol=1e-14)
    np.testing.assert_allclose(out["e_distance"], df["e_distance"], rtol=1e-14)


@pytest.mark.parametrize("column, unit", [("distance", "km s-1"), ("median_log_age", "yr"),
                                          ("pm_dec", "deg")])
def test_incompatible_unit(tmp_path, column, unit):
    path = write_fixture(vac_frame(), tmp_path / "unit.fits", units={column: unit})
    with raises(path, column, repr(unit)):
        vac.read_vac(path)


def test_missing_column_named_and_present_ones_listed(tmp_path):
    path = write_fixture(vac_frame().drop(columns="e_rv"), tmp_path / "missing.fits")
    with raises(path, "'e_rv'", "Columns present: gaia_dr3_source_id, ra, dec"):
        vac.read_vac(path)


@pytest.mark.parametrize("column", REQUIRED[1:])
def test_nan_in_required_column(tmp_path, column):
    df = vac_frame()
    df.loc[3, column] = np.nan
    path = write_fixture(df, tmp_path / "nan.fits")
    with raises(path, repr(column), "row 3"):
        vac.read_vac(path)


def test_duplicate_id_and_empty_table(tmp_path):
    df = vac_frame()
    df.loc[4, "gaia_dr3_source_id"] = df.loc[2, "gaia_dr3_source_id"]
    dup = write_fixture(df, tmp_path / "dup.fits")
    with raises(dup, "gaia_dr3_source_id", "rows [2, 4]"):
        vac.read_vac(dup)
    empty = write_fixture(vac_frame().iloc[:0], tmp_path / "empty.fits")
    with raises(empty, "empty table"):
        vac.read_vac(empty)
    with raises(tmp_path / "absent.fits", "no such file"):
        vac.read_vac(tmp_path / "absent.fits")


# --- kinematics inputs from the VAC -----------------------------------------------------------

def test_kinematics_inputs_from_the_vac(tmp_path, monkeypatch):
    df = vac_frame()
    path = write_fixture(df, tmp_path / "ob_vac-1.0.0.fits")
    out = kinematics.inputs_from_vac(vac.read_vac(path))
    assert list(out.columns) == list(kinematics.INPUT_COLUMNS)
    assert out["source_id"].dtype == "int64" and out["n_epochs"].dtype == "int64"
    assert out["source_id"].tolist() == df["gaia_dr3_source_id"].tolist()
    pairs = {"ra": "ra", "dec": "dec", "distance": "distance", "distance_err": "e_distance",
             "pmra": "pm_ra_cosdec", "pmdec": "pm_dec", "pmra_error": "e_pmra",
             "pmdec_error": "e_pmdec", "vlos": "radial_velocity", "vlos_err": "e_rv"}
    for ours, theirs in pairs.items():
        np.testing.assert_array_equal(out[ours], df[theirs], err_msg=ours)
    assert (out["pmra_pmdec_corr"] == 0).all() and (out["n_epochs"] == -1).all()

    # the rule script writes them with the contract's units
    target = tmp_path / "inputs.parquet"
    run_script("vac_kinematics_inputs", tmp_path, monkeypatch, {"vac": str(path)},
               {"inputs": str(target)})
    pd.testing.assert_frame_equal(tables.read_table(target), out)
    assert tables.read_units(target) == kinematics.INPUT_UNITS


# --- our own VAC ------------------------------------------------------------------------------

def test_build_vac_columns_from_our_products():
    hss, vlos, kin, ages = products()
    out = vac.build_vac(hss, vlos, kin, ages)
    assert list(out.columns) == NAMES
    assert {c: str(t) for c, t in out.dtypes.items()} == DTYPES
    assert out["gaia_dr3_source_id"].tolist() == hss["source_id"].tolist()  # HSS order
    by_id = {name: t.set_index("source_id").loc[hss["source_id"]]
             for name, t in (("vlos", vlos), ("kin", kin), ("ages", ages))}
    np.testing.assert_allclose(out["distance"], hss["r_med_photogeo"] / 1000, rtol=1e-15)
    np.testing.assert_allclose(out["e_distance"], 0.15 * hss["r_med_photogeo"] / 1000,
                               rtol=1e-12)  # (1.2 - 0.9)/2 of r_med, pc -> kpc
    for ours, theirs in {"radial_velocity": "vlos", "e_rv": "vlos_err"}.items():
        np.testing.assert_array_equal(out[ours], by_id["vlos"][theirs])
    for ours, theirs in {"xg": "x", "yg": "y", "zg": "z", "R": "R", "vR": "v_R",
                         "e_vR": "v_R_err"}.items():
        np.testing.assert_array_equal(out[ours], by_id["kin"][theirs])
    for ours, theirs in {"pm_ra_cosdec": "pmra", "pm_dec": "pmdec", "e_pmra": "pmra_error",
                         "e_pmdec": "pmdec_error", "feh": "fe_h", "e_feh": "e_fe_h",
                         "teff": "teff", "logg": "logg", "ra": "ra"}.items():
        np.testing.assert_array_equal(out[ours], hss[theirs])
    for ours, theirs in {"median_log_age": "logage_p50", "lo_median_age": "logage_p16",
                         "hi_median_age": "logage_p84"}.items():
        np.testing.assert_array_equal(out[ours], by_id["ages"][theirs].astype(np.float32))


def test_build_vac_without_ages_or_feh_and_drops_incomplete_stars(caplog):
    hss, vlos, kin, _ = products()
    vlos.loc[vlos["source_id"] == hss["source_id"][2], "vlos"] = np.nan
    with caplog.at_level(logging.INFO):
        out = vac.build_vac(hss.drop(columns=["fe_h", "e_fe_h"]), vlos, kin)
    assert out["gaia_dr3_source_id"].tolist() == hss["source_id"].drop(2).tolist()
    assert "1 of 7 stars dropped" in caplog.text and "radial_velocity" in caplog.text
    for col in ("feh", "e_feh", "median_log_age", "lo_median_age", "hi_median_age"):
        assert out[col].isna().all(), col
    with pytest.raises(ValueError, match="kinematics table: source_id must be unique"):
        vac.build_vac(hss, vlos, pd.concat([kin, kin.iloc[:1]]))
    with pytest.raises(ValueError, match="vlos table: missing column.*vlos_err"):
        vac.build_vac(hss, vlos.drop(columns="vlos_err"), kin)


def test_write_read_round_trip_in_the_release_layout(tmp_path, monkeypatch):
    hss, vlos, kin, ages = products()
    built = vac.build_vac(hss, vlos, kin, ages)
    path = tmp_path / "ob_vac.fits"
    vac.write_vac(built, path)
    pd.testing.assert_frame_equal(vac.read_vac(path), built)

    with fits.open(path) as hdul:
        assert len(hdul) == 2
        assert hdul[0].data is None and hdul[0].header["NAXIS"] == 0
        assert hdul[0].header["ORIGIN"] == "hotstars"
        header = hdul[1].header
        assert header["EXTNAME"] == "Joined" and header["TFIELDS"] == 26
        assert hdul[1].columns.names == NAMES
        for i, name in enumerate(NAMES, start=1):
            assert header[f"TFORM{i}"] == TFORM[DTYPES[name]], name
            # the datamodel's unit, except dex and log(yr), which are not FITS units: no TUNIT
            fits_unit = "" if UNITS[name] in ("dex", "log(yr)") else UNITS[name]
            assert header.get(f"TUNIT{i}", "") == fits_unit, name
        assert "DATE" not in header and "CHECKSUM" not in header
        ids = hdul[1].data["gaia_dr3_source_id"]
        assert ids.dtype == ">i8" and ids.tolist() == hss["source_id"].tolist()

    # the rule script gives the same file; optional ages absent -> NaN ages
    paths = {}
    for name, table in (("hss", hss), ("vlos", vlos), ("kinematics", kin)):
        paths[name] = str(tmp_path / f"{name}.parquet")
        tables.write_table(table, paths[name])
    run_script("write_vac", tmp_path, monkeypatch, paths, {"vac": str(tmp_path / "noages.fits")})
    no_ages = vac.read_vac(tmp_path / "noages.fits")
    pd.testing.assert_frame_equal(no_ages.iloc[:, :23], built.iloc[:, :23])
    assert no_ages.iloc[:, 23:].isna().all().all()


def test_writing_twice_gives_identical_bytes(tmp_path):
    built = vac.build_vac(*products())
    vac.write_vac(built, tmp_path / "a.fits")
    vac.write_vac(built.copy(), tmp_path / "b.fits")
    assert (tmp_path / "a.fits").read_bytes() == (tmp_path / "b.fits").read_bytes()
    vac.write_vac(built, tmp_path / "a.fits")  # overwrite in place
    assert (tmp_path / "a.fits").read_bytes() == (tmp_path / "b.fits").read_bytes()


def test_write_refuses_float_ids(tmp_path):
    built = vac.build_vac(*products())
    with pytest.raises(ValueError, match="gaia_dr3_source_id.*integer"):
        vac.write_vac(built.astype({"gaia_dr3_source_id": float}), tmp_path / "x.fits")
