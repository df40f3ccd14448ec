"""Gzipped FITS tables are streamed in one pass of row chunks (hotstars.io.specs._GzipBinTable):
the same values as astropy's own reader, no temporary copy, truncation caught."""

import gzip
import shutil

import fixtures_io
import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table

from hotstars.io import specs, survey
from hotstars.io.specs import InputError


def _mixed_table(n=5000, seed=3):
    rng = np.random.default_rng(seed)
    t = Table()
    t["CATALOGID"] = (np.arange(n, dtype=np.int64) * 7919 + 27021597764222976)
    t["PROGRAMNAME"] = np.where(np.arange(n) % 20 == 0, "mwm_ob", "bhm_aqmes")
    t["FIRSTCARTON"] = np.where(np.arange(n) % 20 == 0, "mwm_ob_core ", "bhm_x")
    t["SN_MEDIAN_ALL"] = rng.uniform(1, 100, n).astype(np.float32)
    t["MJD"] = rng.integers(59000, 60700, n)
    t["SDSS5_TARGET_FLAGS"] = rng.uniform(size=(n, 57)) > 0.5
    t["FIBERID"] = rng.integers(0, 2 ** 32 - 1, n).astype(np.uint32)
    t["SPEC_ARR"] = rng.normal(size=(n, 5)).astype(np.float32)
    t["GOOD"] = rng.uniform(size=n) > 0.5
    t["PLUG_RA"] = rng.uniform(0, 360, n)
    return t


def _write(t, folder, name="t.fits"):
    plain = folder / name
    t.write(plain, overwrite=True)
    gz = folder / (name + ".gz")
    with open(plain, "rb") as src, gzip.open(gz, "wb", compresslevel=1) as dst:
        shutil.copyfileobj(src, dst)
    return plain, gz


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return _write(_mixed_table(), tmp_path_factory.mktemp("stream"))


@pytest.mark.parametrize("chunk", [1 << 26, 4096, 333])
def test_streamed_columns_equal_astropys(files, monkeypatch, chunk):
    plain, gz = files
    monkeypatch.setattr(specs, "STREAM_CHUNK_BYTES", chunk)  # many chunks, uneven ones too
    stream = specs._GzipBinTable(gz, 1, "t")
    assert stream.usable and stream.nrows == 5000
    stream.prefetch(stream.names)
    got = stream.read(stream.names, None, set())
    with fits.open(plain, character_as_bytes=True) as hdul:
        data = hdul[1].data
        for name in stream.names:
            want = np.asarray(data.field(name))
            assert got[name].dtype == want.dtype.newbyteorder("="), name
            np.testing.assert_array_equal(got[name], want, err_msg=name)
    rows = np.array([0, 20, 4980])
    assert stream.read(["MJD"], rows, set())["MJD"].tolist() == got["MJD"][rows].tolist()


@pytest.fixture(scope="module")
def wide_spall(tmp_path_factory):
    """A valid spAll (tests/fixtures_io.py) widened with real spAll column kinds: bool[57]
    flags, a uint32, a float array, padded text."""
    raw = fixtures_io.spall()
    n = len(next(iter(raw.cols.values())))
    rng = np.random.default_rng(1)
    raw.cols.update({"SDSS5_TARGET_FLAGS": rng.uniform(size=(n, 57)) > 0.5,
                     "FIBERID_LIST": np.array(["1 2 3   "] * n),
                     "SPEC_ARR": rng.normal(size=(n, 5)).astype(np.float32)})
    folder = tmp_path_factory.mktemp("wide")
    return (fixtures_io.write(raw, folder / "spAll.fits"),
            fixtures_io.write(raw, folder / "spAll.fits.gz"))


def test_spall_from_gz_equals_plain_and_makes_no_temporary_copy(wide_spall, monkeypatch):
    plain, gz = wide_spall
    want = survey.read_spall(plain)
    monkeypatch.setattr(specs.tempfile, "TemporaryDirectory",
                        lambda *a, **k: pytest.fail("a temporary copy was made"))
    passes = []
    original = specs._GzipBinTable._pass
    monkeypatch.setattr(specs._GzipBinTable, "_pass",
                        lambda self, names: (passes.append(names), original(self, names)))
    got = survey.read_spall(gz)
    assert len(got) > 0 and len(passes) == 1  # one pass reads every needed column
    assert got.equals(want)


def test_truncated_gzip_stops_naming_the_file(wide_spall, tmp_path):
    _, gz = wide_spall
    cut = tmp_path / "cut.fits.gz"
    cut.write_bytes(gz.read_bytes()[: gz.stat().st_size // 2])
    with pytest.raises(InputError, match=r"cut\.fits\.gz.*(truncated|damaged)"):
        survey.read_spall(cut)


def test_named_hdu_found_after_another_table(tmp_path):
    first = fits.BinTableHDU(Table({"A": np.arange(10)}), name="OTHER")
    second = fits.BinTableHDU(_mixed_table(100), name="SPALL")
    plain = tmp_path / "two.fits"
    fits.HDUList([fits.PrimaryHDU(), first, second]).writeto(plain)
    gz = tmp_path / "two.fits.gz"
    with open(plain, "rb") as src, gzip.open(gz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    stream = specs._GzipBinTable(gz, "spall", "t")
    assert stream.usable and stream.nrows == 100 and "CATALOGID" in stream.names
    assert not specs._GzipBinTable(gz, "nothere", "t").usable
