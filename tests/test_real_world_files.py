"""Real-world file damage (issue 15): no silent wrong results, errors that name the cause.

Each case damages one good input of :mod:`fixtures_io` the way real files get damaged (positions
converted to radians, a download cut mid-line, ids rounded by a spreadsheet, files that do not
belong together, 2MASS gaps and sentinels) and reads/joins it through the library. It asserts
either a stop whose message names the file, the column or key and the cause, or a result
identical to the clean run.
"""

from __future__ import annotations

import logging

import fixtures_io as fx
import numpy as np
import pandas as pd
import pytest

from hotstars import ages, isochrones, selection
from hotstars.io import survey

MJD_MAX = 60708


def _subset(raw: fx.Raw, keep) -> fx.Raw:
    """The rows ``keep`` (bool mask or indices) of every column of ``raw``."""
    out = raw.copy()
    out.cols = {k: np.asarray(v)[keep] for k, v in out.cols.items()}
    return out


def _ids_rounded(ids) -> np.ndarray:
    """19-digit ids as a spreadsheet keeps them: 15 significant digits (rounded, exact ints)."""
    return np.array([(int(i) + 5_000) // 10_000 * 10_000 for i in ids], dtype=np.int64)


# --- 1. coordinates in radians without a unit ---------------------------------------------------

def _gaia_in_radians(tmp_path, columns, suffix=".parquet"):
    raw = fx.gaia()
    for c in columns:
        raw.cols[c] = np.radians(raw.cols[c])
        raw.units.pop(c)  # no unit: degrees are assumed, and 0-6.28 are valid degrees
    return fx.write(raw, tmp_path / f"my_gaia{suffix}")


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_ra_dec_in_radians_stop_naming_the_columns_and_the_cause(tmp_path, suffix):
    path = _gaia_in_radians(tmp_path, ("ra", "dec"), suffix)
    with fx.raises(path, "'ra', 'dec'", "'l', 'b'", "ra/dec look like radians",
                   "convert column(s) ra, dec to degrees") as info:
        survey.read_gaia(path)
    assert set(info.value.columns) == {"ra", "dec", "l", "b"}
    assert f"{len(fx.gaia().cols['source_id'])} of {len(fx.gaia().cols['source_id'])} rows" \
        in str(info.value)


def test_ra_dec_and_l_b_all_in_radians(tmp_path):
    path = _gaia_in_radians(tmp_path, ("ra", "dec", "l", "b"))
    with fx.raises(path, "ra/dec and l/b all look like radians", "ra, dec, l, b"):
        survey.read_gaia(path)


def test_l_b_alone_in_radians(tmp_path):
    path = _gaia_in_radians(tmp_path, ("l", "b"))
    with fx.raises(path, "l/b look like radians", "convert column(s) l, b"):
        survey.read_gaia(path)


def test_shuffled_positions_are_named_as_such(tmp_path):
    raw = fx.gaia()
    raw.cols["ra"] = np.roll(raw.cols["ra"], 1)  # a sort of one column: rows of other stars
    path = fx.write(raw, tmp_path / "gaia.parquet")
    with fx.raises(path, "'ra', 'dec'", "different rows", "arcmin"):
        survey.read_gaia(path)


def test_the_readers_sky_transform_is_the_science_one():
    from hotstars import frame
    ra, dec = np.array([0.0, 83.8, 266.4, 359.9]), np.array([0.0, -5.4, -28.9, 89.0])
    np.testing.assert_array_equal(survey.galactic_lb(ra, dec), frame.galactic_lb(ra, dec))
    lon, lat = frame.galactic_lb([266.41683], [-29.00781])  # Sgr A*: (l, b) = (359.944, -0.046)
    assert abs(lon[0] - 359.944) < 0.01 and abs(lat[0] + 0.046) < 0.01


def test_radians_with_a_declared_unit_equal_the_clean_file(tmp_path):
    raw = fx.gaia()
    for c in ("ra", "dec", "l", "b"):
        raw.cols[c] = np.radians(raw.cols[c])
        raw.units[c] = "rad"
    df = survey.read_gaia(fx.write(raw, tmp_path / "gaia.fits"))
    clean = survey.read_gaia(fx.write(fx.gaia(), tmp_path / "clean.fits"))
    pd.testing.assert_frame_equal(df.drop(columns=["ra", "dec", "l", "b"]),
                                  clean.drop(columns=["ra", "dec", "l", "b"]))
    np.testing.assert_allclose(df[["ra", "dec", "l", "b"]], clean[["ra", "dec", "l", "b"]],
                               rtol=1e-12)


# --- 2. a file cut off by an interrupted download ------------------------------------------------

def _distances_csv(tmp_path, last_text_column=True, **to_csv):
    raw = fx.distances()
    path = tmp_path / "bailer_jones_2021.csv"
    cols = {k: v for k, v in raw.cols.items() if last_text_column or k != "flag"}
    pd.DataFrame(cols).to_csv(path, index=False, **to_csv)
    return raw, path


def test_csv_cut_mid_line_names_the_file_and_the_line(tmp_path):
    raw, path = _distances_csv(tmp_path)
    data = path.read_bytes()
    start = data[:-1].rfind(b"\n") + 1  # the last line
    path.write_bytes(data[:start + (len(data) - start) // 2])  # cut in its middle
    n_lines = len(raw.cols["source_id"]) + 1  # header + rows: the cut line is the last
    with fx.raises(path, "incomplete last line", f"line {n_lines}", "fields",
                   "fetch the file again") as info:
        survey.read_distances(path)
    assert "r_" not in info.value.columns  # a file-level cause, no column at fault


def test_csv_cut_inside_the_last_number(tmp_path):
    raw, path = _distances_csv(tmp_path, last_text_column=False, float_format="%.6e")
    data = path.read_bytes().rstrip(b"\n")
    path.write_bytes(data[:data.rfind(b"e") + 1])  # '...,4.321000e' (the exponent lost)
    with fx.raises(path, "incomplete last line", "partial last field", "e'"):
        survey.read_distances(path)


def test_csv_cut_at_a_line_boundary_reads_the_complete_lines(tmp_path, caplog):
    raw, path = _distances_csv(tmp_path)
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:6]))  # header + 5 whole rows, ending in a newline
    with caplog.at_level(logging.WARNING, logger="hotstars"):
        df = survey.read_distances(path)
    expected = raw.expected.iloc[:5]
    pd.testing.assert_frame_equal(df, expected, check_dtype=True)
    assert "no final newline" not in caplog.text
    # the same rows without the final newline: complete fields, read with a warning
    path.write_bytes(b"".join(lines[:6]).rstrip(b"\n"))
    with caplog.at_level(logging.WARNING, logger="hotstars"):
        pd.testing.assert_frame_equal(survey.read_distances(path), expected)
    assert "no final newline" in caplog.text and str(path) in caplog.text


def test_fits_cut_in_its_table_data_stops(tmp_path):
    path = fx.write(fx.distances(), tmp_path / "bailer_jones_2021.fits")
    data = path.read_bytes()
    path.write_bytes(data[:len(data) - 2880])  # the last FITS block of the table lost
    with fx.raises(path, "truncated", "fetch it again"):
        survey.read_distances(path)


# --- 3. ids damaged by a spreadsheet ------------------------------------------------------------

def test_float_ids_name_the_column_and_the_spreadsheet(tmp_path):
    raw = fx.gaia()
    raw.cols["source_id"] = raw.cols["source_id"].astype(np.float64)
    path = fx.write(raw, tmp_path / "gaia.parquet")
    with fx.raises(path, "column 'source_id'", "stored as floats", "15-16 significant digits"):
        survey.read_gaia(path)


def test_ids_in_floating_point_notation(tmp_path):
    raw = fx.distances()
    raw.cols["source_id"] = np.array([f"{i:.14e}" for i in raw.cols["source_id"]])
    path = fx.write(raw, tmp_path / "bailer_jones_2021.csv")
    with fx.raises(path, "column 'source_id'", "floating-point notation", "e+18",
                   "export the ids again"):
        survey.read_distances(path)


def test_ids_with_trailing_zeros(tmp_path):
    raw = fx.tmass()
    raw.cols["source_id"] = _ids_rounded(raw.cols["source_id"])
    path = fx.write(raw, tmp_path / "tmass.csv")
    with fx.raises(path, "column 'source_id'", "end in zeros", "15 significant digits",
                   "without a spreadsheet") as info:
        survey.read_tmass(path)
    assert info.value.columns == ("source_id",)
    # intact ids (any last digits) read as they are
    assert survey.read_tmass(fx.write(fx.tmass(), tmp_path / "ok.csv"))["source_id"].tolist() \
        == fx.tmass().cols["source_id"].tolist()


def test_ids_colliding_after_rounding(tmp_path):
    raw = fx.gaia()
    ids = raw.cols["source_id"].copy()
    ids[1] = ids[0] + 2  # two stars 2 apart: one id after rounding
    raw.cols["source_id"] = _ids_rounded(ids)
    path = fx.write(raw, tmp_path / "gaia.parquet")
    with fx.raises(path, "column 'source_id'", "15 significant digits"):
        survey.read_gaia(path)
    # only the two rows went through the spreadsheet: the duplicate key names the cause
    raw = fx.gaia()
    ids = raw.cols["source_id"].copy()
    ids[1] = ids[0] + 2
    ids[:2] = _ids_rounded(ids[:2])
    raw.cols["source_id"] = ids
    path = fx.write(raw, tmp_path / "gaia2.parquet")
    with fx.raises(path, "key (source_id) must be unique", f"source_id={ids[0]}",
                   "end in zeros (15 significant digits)"):
        survey.read_gaia(path)


# --- 4. join rates ------------------------------------------------------------------------------

def _bossnet_of_stars(tmp_path, stars: int):
    """A BOSS Net file with the visits of the first ``stars`` stars only."""
    bn = fx.bossnet()
    ids = np.unique(bn.cols["gaia_dr3_source_id"])[:stars]
    part = _subset(bn, np.isin(bn.cols["gaia_dr3_source_id"], ids))
    return survey.read_bossnet(fx.write(part, tmp_path / "astraAllVisitBossNet-part.fits"))


def test_spectra_join_below_the_threshold_stops_naming_both_files(tmp_path):
    paths = fx.write_inputs(tmp_path)
    spall = survey.read_spall(paths["spall"])
    bossnet = _bossnet_of_stars(tmp_path, 2)
    clean = selection.join_spectra(spall, survey.read_bossnet(paths["bossnet"]), MJD_MAX)
    n_kept = int(clean["source_id"].isin(bossnet["gaia_dr3_source_id"]).sum())
    assert n_kept / len(clean) < selection.MIN_JOIN_FRACTION  # the case is what it says
    with pytest.raises(selection.SampleError) as info:
        selection.join_spectra(spall, bossnet, MJD_MAX)
    msg = str(info.value)
    for fragment in (str(paths["spall"]), "astraAllVisitBossNet-part.fits", "SDSS_ID, FIELD, MJD",
                     "fieldid", f"only {n_kept} of {len(clean)}",
                     f"{n_kept / len(clean):.1%}", "sample.min_join_fraction = 0.5"):
        assert fragment in msg, f"{fragment!r} not in: {msg}"


def test_spectra_join_passes_with_a_lowered_threshold(tmp_path):
    paths = fx.write_inputs(tmp_path)
    spall = survey.read_spall(paths["spall"])
    bossnet = _bossnet_of_stars(tmp_path, 2)
    clean = selection.join_spectra(spall, survey.read_bossnet(paths["bossnet"]), MJD_MAX)
    got = selection.join_spectra(spall, bossnet, MJD_MAX, min_join_fraction=0.1)
    kept = clean["source_id"].isin(bossnet["gaia_dr3_source_id"])
    pd.testing.assert_frame_equal(got.loc[kept.to_numpy()], clean.loc[kept])  # same spectra
    assert (got.loc[~kept.to_numpy(), "source_id"] == -1).all()  # the rest: unmatched
    with pytest.raises(ValueError, match="min_join_fraction"):
        selection.join_spectra(spall, bossnet, MJD_MAX, min_join_fraction=1.5)


@pytest.mark.parametrize("which", ["distances", "tmass"])
def test_targets_join_below_the_threshold_stops_and_lowering_passes(tmp_path, which):
    paths = fx.write_inputs(tmp_path)
    spectra = selection.join_spectra(survey.read_spall(paths["spall"]),
                                     survey.read_bossnet(paths["bossnet"]), MJD_MAX)
    gaia = survey.read_gaia(paths["gaia"])
    tables = {"distances": survey.read_distances(paths["distances"]),
              "tmass": survey.read_tmass(paths["tmass"])}
    maker = {"distances": fx.distances, "tmass": fx.tmass}[which]
    part_path = fx.write(_subset(maker(), slice(0, 3)), tmp_path / f"{which}_part.parquet")
    part = {"distances": survey.read_distances, "tmass": survey.read_tmass}[which](part_path)
    n_targets = spectra.loc[spectra["source_id"] > 0, "source_id"].nunique()
    with pytest.raises(selection.SampleError) as info:
        selection.build_targets(spectra, gaia, **{**tables, which: part})
    msg = str(info.value)
    for fragment in (str(paths["gaia"]), str(part_path), "join on source_id",
                     f"only 3 of {n_targets} Gaia targets", "sample.min_join_fraction"):
        assert fragment in msg, f"{fragment!r} not in: {msg}"
    targets = selection.build_targets(spectra, gaia, **{**tables, which: part},
                                      min_join_fraction=0.3)
    clean = selection.build_targets(spectra, gaia, **tables)
    cols = selection.DISTANCE_COLUMNS if which == "distances" else selection.TMASS_COLUMNS
    inside = targets["source_id"].isin(part["source_id"]).to_numpy()
    pd.testing.assert_frame_equal(targets.loc[inside], clean.loc[inside])
    assert targets.loc[~inside, cols].isna().all().all()
    pd.testing.assert_frame_equal(targets.drop(columns=cols), clean.drop(columns=cols))


# --- 5. one policy for missing 2MASS Ks ---------------------------------------------------------

@pytest.fixture(scope="module")
def prepared_grid():
    axis = np.round(np.arange(6.0, 9.0 + 0.05, 0.25), 4)
    return axis, ages.prepare_grid(isochrones.build_grid_lachesis(axis, np.array([0.0])), axis)


def _run(tmp_path, name, tmass_raw, prepared_grid):
    """Clean spAll/BOSS Net/Gaia/distances, the given 2MASS file -> targets, HSS, age flags."""
    paths = fx.write_inputs(tmp_path / "inputs")
    tmass = survey.read_tmass(fx.write(tmass_raw, tmp_path / f"tmass_{name}.parquet"))
    spectra = selection.join_spectra(survey.read_spall(paths["spall"]),
                                     survey.read_bossnet(paths["bossnet"]), MJD_MAX)
    targets = selection.build_targets(spectra, survey.read_gaia(paths["gaia"]),
                                      survey.read_distances(paths["distances"]), tmass)
    _, hss, _, cutflow = selection.select_hss(spectra, targets, selection.Cuts(snr_min=5.0,
                                                                                ruwe_max=2.0,
                                                                                teff_min_k=9000.0))
    axis, prepared = prepared_grid
    kin = pd.DataFrame({"source_id": hss["source_id"], "R": 8.0})
    inputs = ages.age_inputs(hss, kin)
    _, _, flag = ages.posteriors(inputs, prepared, ages.AgePriors())
    return targets, hss, cutflow, pd.Series(flag, index=inputs["source_id"])


def _hss_star(tmp_path, prepared_grid) -> int:
    """Row (in the 2MASS fixture) of a star that is in the clean HSS, with its clean results."""
    _, hss, _, _ = _run(tmp_path / "clean", "clean", fx.tmass(), prepared_grid)
    assert len(hss) >= 2
    return int(np.flatnonzero(fx.tmass().cols["source_id"] == hss["source_id"].iloc[0])[0])


def _variants(row: int, sentinel: float) -> dict[str, fx.Raw]:
    null = fx.tmass()
    null.cols["ks_m"][row] = np.nan  # NULL in the archive's answer
    no_row = _subset(fx.tmass(), np.arange(len(fx.tmass().cols["source_id"])) != row)
    sent = fx.tmass()
    sent.cols["ks_m"][row] = sentinel
    return {"null": null, "no_row": no_row, "sentinel": sent}


@pytest.mark.parametrize("sentinel", [99.99, -99.99, 99.999, 25.0])
def test_null_no_row_and_sentinel_ks_are_treated_alike(tmp_path, prepared_grid, sentinel, caplog):
    row = _hss_star(tmp_path, prepared_grid)
    star = int(fx.tmass().cols["source_id"][row])
    clean_targets, clean_hss, clean_cutflow, clean_flag = _run(tmp_path / "c", "clean",
                                                               fx.tmass(), prepared_grid)
    results = {}
    for name, raw in _variants(row, sentinel).items():
        with caplog.at_level(logging.INFO, logger="hotstars"):
            caplog.clear()
            results[name] = _run(tmp_path / name, name, raw, prepared_grid)
            if name == "sentinel":  # the reader names the file, the column and the count
                assert f"tmass_{name}.parquet" in caplog.text
                assert "column 'ks_m': 1 value(s) outside the physical range" in caplog.text
            assert "1 of 8 targets without a usable 2MASS Ks" in caplog.text
    base_targets, base_hss, base_cutflow, base_flag = results["null"]
    other_2mass = ["j_m", "h_m", "ks_msigcom"]  # no row: no J, H, sigma either (unused by ages)
    for name in ("no_row", "sentinel"):
        targets, hss, cutflow, flag = results[name]
        pd.testing.assert_frame_equal(targets.drop(columns=other_2mass),
                                      base_targets.drop(columns=other_2mass))
        pd.testing.assert_frame_equal(hss.drop(columns=other_2mass),
                                      base_hss.drop(columns=other_2mass))
        pd.testing.assert_frame_equal(cutflow, base_cutflow)
        pd.testing.assert_series_equal(flag, base_flag)
        assert sum(targets.attrs["no_ks"].values()) == 1
    assert results["no_row"][0].attrs["no_ks"] == {"no_row": 1, "missing_or_sentinel": 0}
    assert results["sentinel"][0].attrs["no_ks"] == {"no_row": 0, "missing_or_sentinel": 1}
    # kept in the HSS (kinematics), flagged 2 (no age), the rest as in the clean run
    pd.testing.assert_frame_equal(base_cutflow, clean_cutflow)
    assert star in set(base_hss["source_id"]) and np.isnan(
        base_hss.set_index("source_id").loc[star, "ks_m"])
    assert base_flag[star] == ages.FLAG_MISSING != clean_flag[star]
    others = base_flag.index != star
    pd.testing.assert_series_equal(base_flag[others], clean_flag[others])
    assert ages.missing_photometry(base_hss) == 1 and ages.missing_photometry(clean_hss) == 0
    pd.testing.assert_frame_equal(base_targets.drop(columns="ks_m"),
                                  clean_targets.drop(columns="ks_m"))


def test_infinite_ks_still_stops(tmp_path):
    raw = fx.tmass()
    raw.cols["ks_m"][2] = np.inf
    path = fx.write(raw, tmp_path / "tmass.parquet")
    with fx.raises(path, "column 'ks_m'", "expected finite values or NaN", "row 2: inf"):
        survey.read_tmass(path)
