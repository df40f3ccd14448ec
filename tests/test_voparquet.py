"""Product headers written without astropy (hotstars.io.voparquet) are astropy's, byte for byte."""

import importlib
import pkgutil
import subprocess
import sys
import warnings
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from astropy import units as u
from astropy.table import Table
from astropy.table import meta as table_meta

import hotstars
from hotstars.io import columns, tables, voparquet

PROVENANCE = {"hotstars_version": "0.1.0", "git_commit": "abc", "git_dirty": None,
              "config_sha256": "c" * 64, "snakemake_version": "9.0", "rule": "r",
              "code_sha256": "d" * 64,
              "inputs": [{"path": "results/x & <y>.parquet", "size": 5, "sha256": "e" * 64},
                         {"path": "results/é.parquet", "size": 0, "sha256": "f" * 64}]}


# the headers astropy makes for a table (hotstars.io.tables' astropy path)
astropys = tables._astropy_keys


def ours(df: pd.DataFrame, units, meta, name) -> dict[bytes, str] | None:
    return voparquet.headers(tables._plain_columns(df), units, meta, name,
                             tables._info_items((meta or {}).get("provenance")))


SHARED = {"cuts": [1.0, 2.0]}  # one object met twice: YAML anchors

FRAMES = {
    "every type": (pd.DataFrame({
        "source_id": np.arange(3), "v_R": [1.0, np.nan, 3.0], "teff": np.ones(3, "f4"),
        "n_epochs": np.arange(3, dtype="i4"), "n_spectra": np.arange(3, dtype="i2"),
        "flag_hss": [True, False, True], "quality": np.arange(3, dtype="u1"),
        "program": ["mwm_ob", "x", "déf <&>"], "unregistered": np.zeros(3)}),
        {"v_R": "km/s", "teff": "K", "not_a_column": "kpc", "n_epochs": ""},
        {"a": 1, "b": [1.5, 2e17, -0.0, float("inf")], "c": {"z": "x", "y": None, "w": True},
         "text": "word " * 40, "lines": "a\nb: c", "rows": [{"k": 1}, {"j": [1, 2]}],
         "numpy": [np.float64(0.1), np.float64(1e17), np.int32(-3), np.bool_(True),
                   np.str_("s"), np.float64("nan")], "here": SHARED, "there": SHARED,
         "provenance": PROVENANCE}, "every_type"),
    "no rows": (pd.DataFrame({"source_id": np.arange(0), "v_R": np.ones(0)}),
                {"v_R": "km / s"}, {"provenance": PROVENANCE}, "empty"),
    "no metadata": (pd.DataFrame({"source_id": np.arange(2), "logg": np.ones(2)}),
                    {"logg": "dex"}, None, "ages_1-of-4"),
    "no metadata, no rows": (pd.DataFrame({"x": np.ones(0)}), {"x": "kpc"}, {}, "t"),
    "no name, no descriptions": (pd.DataFrame({"zz": np.arange(2)}), {"zz": "log(cm.s**-2)"},
                                 {"k": [{"a": 1}, {"b": 2}]}, ""),
}


@pytest.mark.parametrize("case", FRAMES)
def test_headers_are_astropys(case):
    df, units, meta, name = FRAMES[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", u.UnitsWarning)  # the archive's log(cm.s**-2)
        expected = astropys(tables.to_astropy(df, units, meta), name)
    assert ours(df, units, meta, name) == expected


def test_posteriors_header_is_astropys(tmp_path):
    path = tmp_path / "posteriors.parquet"
    axis, P = np.linspace(6, 9, 7), np.random.default_rng(1).random((4, 7))
    tables.write_posteriors(path, np.arange(4), axis, P, meta={"shard": 1})
    table = Table.read(path)
    assert table["posterior"].shape == (4, 7) and table.meta["log_age_grid"] == axis.tolist()
    metadata = pq.read_schema(path).metadata
    for key, value in astropys(table, "posteriors").items():
        assert metadata[key].decode() == value, key
    masked = tmp_path / "masked.parquet"  # a header only astropy reads (serialised columns)
    tables.write_table(pd.DataFrame({"n_epochs": pd.array([1, None], "Int64")}), masked,
                       meta={"cuts": {"teff_min": 1e4}})
    assert tables.read_meta(masked) == dict(Table.read(masked).meta) == {"cuts": {"teff_min": 1e4}}
    ids, grid, back = tables.read_posteriors(path)
    assert ids.tolist() == [0, 1, 2, 3] and np.array_equal(grid, axis) and np.array_equal(back, P)
    bare = tmp_path / "bare.parquet"  # the columns without any header: a clear error
    pq.write_table(pq.read_table(path).replace_schema_metadata(None), bare)
    with pytest.raises(tables.ProductError, match="log_age_grid"):
        tables.read_posteriors(bare)


@pytest.mark.parametrize("change", [
    {"meta": {"x": np.float32(0.1)}}, {"meta": {"x": (1, 2)}}, {"meta": {1: "a"}},
    {"meta": {"x": np.arange(2)}}, {"meta": {"x": {"y": OrderedDict(a=1)}}},
    {"units": {"v_R": "km / h"}}, {"df": pd.DataFrame({"v_R": np.ones(2, "i1")})},
    {"df": pd.DataFrame({"v R": np.ones(2)})}, {"df": pd.DataFrame({"v_R": [1.0, None, "a"]})}])
def test_anything_else_goes_through_astropy(tmp_path, change):
    """Inputs the fast path does not cover give None here, and write_table still writes
    astropy's file (VOTable has no int8: astropy refuses it too)."""
    args = {"df": pd.DataFrame({"v_R": np.ones(2)}), "units": {"v_R": "km/s"}, "meta": {},
            **change}
    arrays = tables._plain_columns(args["df"])
    assert arrays is None or voparquet.headers(arrays, args["units"], args["meta"], "t",
                                               []) is None
    if arrays is not None and "i1" not in args["df"].dtypes.tolist():
        path = tmp_path / "t.parquet"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", u.UnitsWarning)
            tables.write_table(args["df"], path, units=args["units"], meta=args["meta"])
            table = tables.to_astropy(args["df"], args["units"], args["meta"])
        assert pq.read_schema(path).metadata[b"table_meta_yaml"].decode() == "\n".join(
            table_meta.get_yaml_from_table(table))


def _unit_spellings() -> set[str]:
    """Every unit the column registry and the science modules' ``*UNITS`` dicts use."""
    found = {unit for info in columns.COLUMNS.values() for unit in info.units}
    for module in pkgutil.walk_packages(hotstars.__path__, "hotstars."):
        if module.name.endswith("__main__"):
            continue
        for key, value in vars(importlib.import_module(module.name)).items():
            if key.endswith("UNITS") and isinstance(value, dict):
                found.update(v for v in value.values() if isinstance(v, str))
    return {unit for unit in found if unit and "," not in unit}  # not the structured units


def test_unit_table_is_astropys_and_has_every_unit_the_products_use():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", u.UnitsWarning)
        for spelling, (text, votable) in voparquet.UNITS.items():
            unit = u.Unit(spelling, parse_strict="silent")
            assert (str(unit), tables.votable_unit(unit)) == (text, votable), spelling
    assert _unit_spellings() - set(voparquet.UNITS) == set()


def test_writing_and_reading_a_plain_product_imports_no_astropy(tmp_path):
    code = f"""
import sys, numpy as np, pandas as pd
from hotstars.io import tables
path = {str(tmp_path / "kinematics.parquet")!r}
tables.write_table(pd.DataFrame({{"source_id": np.arange(3), "v_R": np.ones(3)}}), path,
                   units={{"v_R": "km/s"}}, meta={{"n_stars": 3}})
assert tables.read_meta(path) == {{"n_stars": 3}}, tables.read_meta(path)
assert tables.read_table(path)["v_R"].tolist() == [1.0, 1.0, 1.0]
print(sorted(m for m in sys.modules if m.split(".")[0] == "astropy"))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


@pytest.mark.workflow
def test_every_parquet_product_of_a_run_has_astropys_headers(run_dir):
    paths = sorted(Path(run_dir).glob("results/**/*.parquet")) + sorted(
        Path(run_dir).glob("resources/**/*.parquet"))
    assert len(paths) >= 30
    for path in paths:
        table = Table.read(path)
        metadata = pq.read_schema(path).metadata
        for key, value in astropys(table, path.name.removesuffix(".parquet")).items():
            assert metadata[key].decode() == value, (path, key)
        assert tables.read_meta(path) == dict(table.meta), path


# --- FITS products ------------------------------------------------------------------------------

def _text(values):
    return pd.Series(values, dtype="str")


_FITS_BASE = pd.DataFrame({
    "f8": [1.5, np.nan, -np.inf, 2.0, 1e300, 0.0], "f4": np.arange(6, dtype="f4") / 3,
    "i2": np.arange(6, dtype="i2") - 3, "i4": np.arange(6, dtype="i4") * 1000,
    "i8": np.array([2**62, -1, 0, 7, 8, 9]),
    "name": _text(["apo25m", "", "lco  ", " x", "mwm_ob_core_boss_single", "   "]),
    "empty": _text([""] * 6)})
FITS_FAST = {
    "mixed": _FITS_BASE,
    "sliced (Arrow offset)": _FITS_BASE.iloc[2:],
    "concatenated (chunks)": pd.concat([_FITS_BASE, _FITS_BASE.iloc[:3]], ignore_index=True),
    "one row": _FITS_BASE.iloc[4:5],
}
FITS_ASTROPY = {
    "bool": pd.DataFrame({"ok": [True, False]}),
    "unsigned": pd.DataFrame({"n": np.array([1, 2], "u4")}),
    "int8": pd.DataFrame({"n": np.array([1, 2], "i1")}),
    "float16": pd.DataFrame({"x": np.array([1.5, 2], "f2")}),
    "text with a gap": pd.DataFrame({"s": _text(["a", None])}),
    "object text": pd.DataFrame({"s": pd.Series(["a", "bc"], dtype=object)}),
    "no rows": _FITS_BASE.iloc[:0],
}


@pytest.mark.parametrize("case", [*FITS_FAST, *FITS_ASTROPY])
def test_fits_products_are_astropys_files(tmp_path, case):
    """write_table's FITS (rows packed as big-endian records under astropy's header for the first
    row) is the file astropy writes, byte for byte; what it does not cover goes to astropy."""
    df = {**FITS_FAST, **FITS_ASTROPY}[case]
    units, meta = {"f8": "km / s", "i2": "mag"}, {"SEED": 3, "RELEASE": "mock"}
    fast = tables._write_fits_plain(df, tmp_path / "fast.fits", units, meta)
    assert fast == (case in FITS_FAST)
    tables.write_table(df, tmp_path / "ours.fits", units=units, meta=meta)
    table = tables.to_astropy(df, units, meta)
    tables._fits_meta(table)
    table.write(tmp_path / "astropys.fits")
    assert (tmp_path / "ours.fits").read_bytes() == (tmp_path / "astropys.fits").read_bytes()
    if fast:
        back = Table.read(tmp_path / "ours.fits")
        assert back["name"].tolist() == [v.rstrip() for v in df["name"]]
        assert back["f8"].unit == u.km / u.s and back.meta["SEED"] == 3


def test_fits_text_astropy_cannot_encode_fails_as_astropys(tmp_path):
    df = pd.DataFrame({"s": _text(["é", "a"])})
    assert not tables._write_fits_plain(df, tmp_path / "fast.fits", {}, {})
    with pytest.raises(UnicodeEncodeError):
        tables.write_table(df, tmp_path / "ours.fits")
    assert list(tmp_path.iterdir()) == []
