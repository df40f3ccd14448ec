"""Readers of the five survey inputs (hotstars.io) on files written in the real formats."""

from __future__ import annotations

import gzip
import logging

import astropy.units as u
import fixtures_io as fx
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from astropy.io import fits
from fixtures_io import raises

from hotstars.io import specs, survey


def assert_frame(df, expected):
    pd.testing.assert_frame_equal(df.reset_index(drop=True), expected, check_dtype=False,
                                  check_exact=False, rtol=1e-12)
    for col in expected:
        kind = {"i": "int64", "f": "float64"}.get(expected[col].dtype.kind)
        if kind:
            assert df[col].dtype == kind, col
        if kind == "int64":  # ids: exact (rtol would hide a float64 round trip)
            assert df[col].tolist() == expected[col].tolist(), col


def no_unit_warnings(caplog):
    return not [r for r in caplog.records if r.levelno >= logging.WARNING and "unit" in r.message]


# --- happy paths ---------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".fits", ".fits.gz"])
def test_spall_keeps_only_mwm_ob_rows(tmp_path, caplog, suffix):
    raw = fx.spall()
    path = fx.write(raw, tmp_path / f"spAll-v6_2_1{suffix}")
    df = survey.read_spall(path)
    assert_frame(df, raw.expected)
    # the FIRSTCARTON-only spectrum is kept, the GAIA_ID (DR2) is renamed, sky rows are gone
    assert "open_fiber" in set(df["programname"])
    assert "gaia_id" not in df and (df["gaia_dr2_id"] == raw.expected["gaia_dr2_id"]).all()
    assert len(df) < len(raw.cols["SDSS_ID"]) and (df["sdss_id"] > 0).all()
    assert no_unit_warnings(caplog)  # TUNIT 'degrees' is accepted silently


def test_spall_program_match_is_case_insensitive_and_stripped(tmp_path):
    raw = fx.spall()
    ob = np.flatnonzero(raw.cols["PROGRAMNAME"] == "mwm_ob")
    raw.cols["PROGRAMNAME"] = raw.cols["PROGRAMNAME"].astype("U14")
    raw.cols["PROGRAMNAME"][ob[0]] = "  MWM_OB"
    df = survey.read_spall(fx.write(raw, tmp_path / "spAll.fits"))
    assert len(df) == len(raw.expected)
    assert "MWM_OB" in set(df["programname"])  # stripped, original case kept


def test_spall_other_program(tmp_path):
    raw = fx.spall()
    path = fx.write(raw, tmp_path / "spAll.fits")
    df = survey.read_spall(path, program="mwm_yso")
    # PROGRAMNAME 'mwm_yso' or FIRSTCARTON starting 'mwm_yso' (the 'mwm_obscure' program's row)
    is_yso = ((raw.cols["PROGRAMNAME"] == "mwm_yso")
              | np.char.startswith(raw.cols["FIRSTCARTON"], "mwm_yso"))
    assert sorted(df["sdss_id"]) == sorted(raw.cols["SDSS_ID"][is_yso])


def test_spall_without_program_rows(tmp_path):
    raw = fx.spall()
    raw.cols["PROGRAMNAME"][:] = "bhm_rm"
    raw.cols["FIRSTCARTON"][:] = "bhm_rm_core"
    path = fx.write(raw, tmp_path / "spAll.fits")
    with raises(path, f"no mwm_ob rows in {path}", "bhm_rm"):
        survey.read_spall(path)


def test_spall_hdu_by_name_and_missing_hdu(tmp_path):
    raw = fx.spall()
    path = fx.write(raw, tmp_path / "spAll.fits")
    assert_frame(survey.read_spall(path, hdu="SPALL"), raw.expected)
    with raises(path, "HDU 3"):
        survey.read_spall(path, hdu=3)
    with raises(path, "HDU 0", "not a table"):
        survey.read_spall(path, hdu=0)


@pytest.mark.parametrize("release", ["dr19", "dr20"])
def test_bossnet_releases_give_the_same_canonical_table(tmp_path, caplog, release):
    path = fx.write(fx.bossnet(release), tmp_path / f"astraAllVisitBossNet-{release}.fits.gz",
                    extra_hdus=(fx.bossnet_apogee(),))
    df = survey.read_bossnet(path)
    assert_frame(df, fx.bossnet("dr20").expected)
    assert np.isnan(df["teff"]).sum() == 1  # a failed BOSS Net fit is kept (NaN allowed)
    assert no_unit_warnings(caplog)  # 'log10(cm/s^2)' is log g's SDSS spelling


def test_bossnet_prefers_bn_v_r_over_v_rad(tmp_path):
    raw = fx.bossnet("dr20")
    raw.cols["v_rad"] = raw.cols["bn_v_r"] + np.float32(100)
    df = survey.read_bossnet(fx.write(raw, tmp_path / "bn.fits"))
    np.testing.assert_array_equal(df["bn_v_r"], raw.expected["bn_v_r"])


def test_bossnet_hdu_is_configurable(tmp_path):
    path = fx.write(fx.bossnet(), tmp_path / "bn.fits", extra_hdus=(fx.bossnet_apogee(),))
    with raises(path, "HDU 2", "fieldid", "gaia_dr3_source_id"):
        survey.read_bossnet(path, hdu=2)  # APOGEE visits: no fieldid


def test_gaia_parquet_exact_ids_and_units(tmp_path, caplog):
    raw = fx.gaia()
    df = survey.read_gaia(fx.write(raw, tmp_path / "gaia.parquet"))
    assert_frame(df, raw.expected)
    assert df["source_id"].tolist() == [int(s) for s in raw.cols["source_id"]]
    assert (df["source_id"] > 2**53).any()  # beyond float64's exact integers
    assert no_unit_warnings(caplog)  # 'log(cm.s**-2)' is the archive's log g unit


@pytest.mark.parametrize("suffix", [".csv", ".ecsv", ".parquet", ".fits"])
def test_distances_formats(tmp_path, suffix):
    raw = fx.distances()
    df = survey.read_distances(fx.write(raw, tmp_path / f"bj21{suffix}"))
    assert_frame(df, raw.expected)
    assert df["r_med_photogeo"].isna().sum() == 1


@pytest.mark.parametrize("suffix", [".ecsv", ".parquet", ".fits"])
def test_distances_in_kpc_are_converted_to_pc(tmp_path, suffix):
    in_pc = fx.distances(unit="pc").expected
    path = fx.write(fx.distances(unit="kpc"), tmp_path / f"bj21_kpc{suffix}")
    df = survey.read_distances(path)
    np.testing.assert_allclose(df["r_med_photogeo"], in_pc["r_med_photogeo"], rtol=1e-12)
    assert df["r_lo_photogeo"].max() > 100  # pc, not kpc


def test_tmass_pandas_parquet(tmp_path):
    raw = fx.tmass()
    path = fx.write(raw, tmp_path / "tmass.parquet")
    assert pq.read_schema(path).metadata.get(b"table_meta_yaml") is None  # no astropy units
    assert_frame(survey.read_tmass(path), raw.expected)


def test_write_inputs_are_all_readable(tmp_path):
    paths = fx.write_inputs(tmp_path)
    assert set(paths) == set(survey.SPECS)
    for name, path in paths.items():
        opts = {"program": "mwm_ob"} if name == "spall" else {}
        assert len(specs.read_input(path, survey.SPECS[name], **opts)) > 0


def test_wrappers_match_read_input(tmp_path):
    paths = fx.write_inputs(tmp_path)
    pd.testing.assert_frame_equal(survey.read_distances(paths["distances"]),
                                  specs.read_input(paths["distances"], survey.DISTANCES))
    pd.testing.assert_frame_equal(survey.read_spall(paths["spall"]),
                                  specs.read_input(paths["spall"], survey.SPALL, program="mwm_ob"))
    with pytest.raises(TypeError):
        specs.read_input(paths["gaia"], survey.GAIA, program="mwm_ob")


def test_spall_without_program_filter_validates_every_row(tmp_path):
    path = fx.write(fx.spall(), tmp_path / "spAll.fits")
    with raises(path, "sn_median_all", "nan"):  # sky fibres have NaN S/N
        specs.read_input(path, survey.SPALL)


# --- column names ----------------------------------------------------------------------------

def test_column_names_are_case_insensitive(tmp_path):
    raw = fx.gaia()
    raw.cols = {k.upper() if i % 2 else k.title(): v for i, (k, v) in enumerate(raw.cols.items())}
    raw.units = {}
    assert_frame(survey.read_gaia(fx.write(raw, tmp_path / "GAIA.parquet")), fx.gaia().expected)


def test_columns_differing_only_by_case_are_ambiguous(tmp_path):
    raw = fx.tmass()
    raw.cols["KS_M"] = raw.cols["ks_m"] + 1
    path = fx.write(raw, tmp_path / "tmass.csv")
    with raises(path, "'ks_m'", "'KS_M'", "ambiguous"):
        survey.read_tmass(path)


def test_missing_column_lists_columns_and_near_matches(tmp_path):
    raw = fx.gaia()
    raw.cols["parallax_err"] = raw.cols.pop("parallax_error")
    del raw.cols["ruwe"]
    path = fx.write(raw, tmp_path / "gaia.parquet")
    with raises(path, "'parallax_error'", "did you mean 'parallax_err'", "'ruwe'",
                "Columns present", "pmra_pmdec_corr") as info:
        survey.read_gaia(path)
    assert set(info.value.columns) == {"parallax_error", "ruwe"}


def test_missing_velocity_names_both_release_names(tmp_path):
    raw = fx.bossnet("dr19")
    del raw.cols["e_v_rad"]
    path = fx.write(raw, tmp_path / "bn19.fits")
    with raises(path, "'e_bn_v_r' / 'e_v_rad'"):
        survey.read_bossnet(path)


# --- values -----------------------------------------------------------------------------------

def test_nan_in_required_column_names_file_rows(tmp_path):
    raw = fx.spall()
    ob = np.flatnonzero(raw.cols["PROGRAMNAME"] == "mwm_ob")
    raw.cols["SN_MEDIAN_ALL"][ob[3]] = np.nan
    path = fx.write(raw, tmp_path / "spAll.fits")
    with raises(path, "'sn_median_all'", f"row {ob[3]}: nan", "finite"):
        survey.read_spall(path)


def test_inf_in_required_column(tmp_path):
    raw = fx.tmass()
    raw.cols["ks_m"][[1, 5]] = [np.inf, np.nan]  # NaN is a missing Ks (allowed), inf is not
    path = fx.write(raw, tmp_path / "tmass.parquet")
    with raises(path, "'ks_m'", "row 1: inf") as info:
        survey.read_tmass(path)
    assert "row 5" not in str(info.value)
    raw = fx.gaia()
    raw.cols["parallax"][[1, 5]] = [np.inf, np.nan]
    path = fx.write(raw, tmp_path / "gaia.parquet")
    with raises(path, "'parallax'", "row 1: inf", "row 5: nan"):
        survey.read_gaia(path)


def test_duplicate_keys_are_shown(tmp_path):
    raw = fx.gaia()
    raw.cols["source_id"][3] = raw.cols["source_id"][0]
    path = fx.write(raw, tmp_path / "gaia.parquet")
    with raises(path, f"source_id={raw.cols['source_id'][0]}", "rows [0, 3]"):
        survey.read_gaia(path)


def test_duplicate_visit_keys(tmp_path):
    raw = fx.bossnet()
    for c in ("sdss_id", "mjd", "fieldid"):
        raw.cols[c][4] = raw.cols[c][2]
    path = fx.write(raw, tmp_path / "bn.fits")
    with raises(path, "(sdss_id, mjd, fieldid, run2d, telescope)",
                f"sdss_id={raw.cols['sdss_id'][2]}", "sample.repeated_spectra"):
        survey.read_bossnet(path, repeated_spectra="stop")  # the default resolves repeats


@pytest.mark.parametrize("suffix", [".fits", ".csv", ".parquet"])
def test_empty_table(tmp_path, suffix):
    raw = fx.distances()
    raw.cols = {k: v[:0] for k, v in raw.cols.items()}
    path = fx.write(raw, tmp_path / f"empty{suffix}")
    with raises(path, "empty"):
        survey.read_distances(path)


def test_text_in_float_column(tmp_path):
    raw = fx.distances()
    raw.cols["r_med_photogeo"] = raw.cols["r_med_photogeo"].astype(object)
    raw.cols["r_med_photogeo"][6] = "far"
    path = fx.write(raw, tmp_path / "bj.csv")
    with raises(path, "'r_med_photogeo'", "row 6: 'far'"):
        survey.read_distances(path)


def test_text_column_where_float_expected_in_fits(tmp_path):
    raw = fx.bossnet()
    raw.cols["teff"] = np.array([f"T{i}" for i in range(len(raw.cols["teff"]))])
    path = fx.write(raw, tmp_path / "bn.fits")
    with raises(path, "'teff'", "row 0: 'T0'"):
        survey.read_bossnet(path)


def test_numbers_where_text_expected(tmp_path):
    raw = fx.spall()
    raw.cols["FIRSTCARTON"] = np.arange(len(raw.cols["FIRSTCARTON"]), dtype=np.int64)
    path = fx.write(raw, tmp_path / "spAll.fits")
    with raises(path, "'firstcarton'", "text"):
        survey.read_spall(path)


@pytest.mark.parametrize("bad, shown", [("1.5", "'1.5'"), ("", "''")])
def test_non_integer_ids_in_csv(tmp_path, bad, shown):
    raw = fx.distances()
    raw.cols["source_id"] = raw.cols["source_id"].astype(object)
    raw.cols["source_id"][2] = bad
    path = fx.write(raw, tmp_path / "bj.csv")
    with raises(path, "'source_id'", f"row 2: {shown}"):
        survey.read_distances(path)


def test_ids_stored_as_float_beyond_2_53_are_rejected(tmp_path):
    raw = fx.tmass()
    raw.cols["source_id"] = raw.cols["source_id"].astype(float)
    path = fx.write(raw, tmp_path / "tmass.parquet")
    with raises(path, "'source_id'", "2**53"):
        survey.read_tmass(path)
    raw.cols["source_id"] = np.arange(8.0) + 1  # small integral floats are exact: accepted
    assert survey.read_tmass(fx.write(raw, tmp_path / "small.parquet"))["source_id"].tolist() == \
        list(range(1, 9))


def test_parquet_nulls(tmp_path):
    raw = fx.gaia()
    table = pa.table({k: v for k, v in raw.cols.items()})
    rv = pa.array(raw.cols["radial_velocity"].tolist(), mask=np.ones(len(table), bool))
    table = table.set_column(table.schema.get_field_index("radial_velocity"), "radial_velocity", rv)
    path = tmp_path / "nulls.parquet"
    pq.write_table(table, path)
    assert survey.read_gaia(path)["radial_velocity"].isna().all()

    ids = pa.array(raw.cols["source_id"].tolist(), mask=np.arange(len(table)) == 4)
    table = table.set_column(table.schema.get_field_index("source_id"), "source_id", ids)
    pq.write_table(table, path)
    with raises(path, "'source_id'", "missing", "row 4"):
        survey.read_gaia(path)


# --- units ------------------------------------------------------------------------------------

@pytest.mark.parametrize("maker, column, unit, expected", [
    (fx.gaia, "parallax", "km / s", "'mas'"),
    (fx.bossnet, "logg", "K", "'dex'"),
    (fx.tmass, "ks_m", "dex", "'mag'"),  # no silent mag <-> dex rescaling
])
def test_incompatible_unit(tmp_path, maker, column, unit, expected):
    raw = maker()
    raw.units[column] = unit
    path = fx.write(raw, tmp_path / "in.fits")
    with raises(path, f"'{column}'", repr(unit), expected):
        specs.read_input(path, {fx.gaia: survey.GAIA, fx.bossnet: survey.BOSSNET, fx.tmass: survey.TMASS}[maker])


def test_convertible_units_are_converted(tmp_path):
    raw = fx.gaia()
    raw.cols["parallax"] = raw.cols["parallax"] / 1000
    raw.units["parallax"] = "arcsec"
    raw.units["pmra"] = "mas.yr**-1"  # VOTable spelling
    raw.units["teff_esphs"] = "Kelvin"
    df = survey.read_gaia(fx.write(raw, tmp_path / "gaia.fits"))
    np.testing.assert_allclose(df["parallax"], raw.expected["parallax"], rtol=1e-12)
    np.testing.assert_array_equal(df["pmra"], raw.expected["pmra"])


def test_unparsable_unit_is_assumed_with_a_warning(tmp_path, caplog):
    raw = fx.distances()
    raw.units["r_med_photogeo"] = "parsecs (photogeo)"
    with caplog.at_level(logging.WARNING, logger="hotstars.io"):
        df = survey.read_distances(fx.write(raw, tmp_path / "bj.fits"))
    assert_frame(df, raw.expected)
    assert any("parsecs (photogeo)" in r.message for r in caplog.records)


def test_input_units_parse_and_cover_the_specs():
    for name, unit in survey.INPUT_UNITS.items():
        assert u.Unit(unit) is not None, name
    assert u.Unit(survey.INPUT_UNITS["pmra"]) == u.mas / u.yr
    assert survey.INPUT_UNITS["r_med_photogeo"] == "pc"
    assert survey.INPUT_UNITS["logg"] == survey.INPUT_UNITS["logg_esphs"] == "dex"
    floats = {c.name for s in survey.SPECS.values() for c in s.columns if c.kind == "float"}
    dimensionless = {"sn_median_all", "xcsao_rxc", "snr", "pmra_pmdec_corr", "ruwe"}
    assert set(survey.INPUT_UNITS) == floats - dimensionless


# --- unreadable files and I/O economy ---------------------------------------------------------

@pytest.mark.parametrize("name, content", [
    ("garbage.fits", b"not a FITS file at all" * 200),
    ("garbage.fits.gz", gzip.compress(b"SIMPLE  = nonsense" * 100)),
    ("garbage.parquet", b"PAR1" + b"\x00" * 100),
    ("garbage.ecsv", b"# %ECSV 1.0\n# ---\n# datatype: [broken\nx\n1\n"),
], ids=["fits", "fits.gz", "parquet", "ecsv"])
def test_corrupt_files_are_wrapped(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with raises(path, "cannot read"):
        survey.read_distances(path)


@pytest.mark.filterwarnings("ignore::astropy.io.fits.verify.VerifyWarning")
def test_truncated_fits(tmp_path):
    path = fx.write(fx.spall(), tmp_path / "spAll.fits")
    path.write_bytes(path.read_bytes()[:4000])
    with raises(path):
        survey.read_spall(path)


def test_missing_file_and_unknown_format(tmp_path):
    with raises(tmp_path / "nope.fits", "no such file"):
        survey.read_gaia(tmp_path / "nope.fits")
    (tmp_path / "gaia.txt").write_text("source_id\n1\n")
    with raises(tmp_path / "gaia.txt", "unsupported"):
        survey.read_gaia(tmp_path / "gaia.txt")


def test_only_needed_parquet_columns_are_read(tmp_path, monkeypatch):
    path = fx.write(fx.gaia(), tmp_path / "gaia.parquet")
    asked = []
    original = pq.ParquetFile.read

    def spy(self, columns=None, **kw):
        asked.append(columns)
        return original(self, columns=columns, **kw)

    monkeypatch.setattr(pq.ParquetFile, "read", spy)
    survey.read_gaia(path)
    assert [set(c) for c in asked] == [set(survey.GAIA.names)]


def test_only_needed_fits_columns_are_read(tmp_path, monkeypatch):
    path = fx.write(fx.spall(), tmp_path / "spAll.fits")
    touched = []
    original = fits.FITS_rec.field

    def spy(self, key):
        touched.append(self.names[key] if isinstance(key, int) else key)
        return original(self, key)

    monkeypatch.setattr(fits.FITS_rec, "field", spy)
    survey.read_spall(path)
    assert {t.lower() for t in touched} == set(survey.SPALL.names) - {"gaia_dr2_id"} | {"gaia_id"}
