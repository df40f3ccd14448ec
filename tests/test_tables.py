"""Product writing: units kept, NaN stays NaN (no mask columns), atomic."""

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from astropy.table import Table

from hotstars.io import tables


def test_parquet_keeps_units_and_plain_nan(tmp_path):
    df = pd.DataFrame({"source_id": np.array([2**62 + 1, 2**62 + 3], "int64"), "vlos": [1.5, np.nan]})
    path = tmp_path / "t.parquet"
    tables.write_table(df, path, units={"vlos": "km / s"}, meta={"note": "x"})
    assert pq.read_schema(path).names == ["source_id", "vlos"]     # no 'vlos.mask'
    table = Table.read(path)
    assert table["vlos"].unit == "km / s" and table.meta["note"] == "x"
    back = tables.read_table(path)
    assert back["source_id"].tolist() == [2**62 + 1, 2**62 + 3]
    assert np.isnan(back["vlos"].iloc[1])
    assert oct(path.stat().st_mode & 0o777) != oct(0o600)


def test_failed_write_leaves_nothing(tmp_path):
    path = tmp_path / "out.parquet"
    with pytest.raises(RuntimeError):
        with tables.atomic_path(path) as tmp:
            tmp.write_text("half")
            raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_read_table_equals_astropy_for_every_column_kind(tmp_path):
    """read_table reads plain Parquet with pyarrow alone; masked integers, text with gaps and
    array columns go through astropy: every kind gives astropy's own DataFrame."""
    df = pd.DataFrame({"source_id": np.array([1, 2, 3], np.int64), "x": [1.0, np.nan, 3.0],
                       "flag": [True, False, True], "name": ["a", "bb", "c"],
                       "n": pd.array([1, None, 3], dtype="Int64"),
                       "label": ["p", None, "q"]})
    for columns in (["source_id", "x", "flag", "name"], list(df.columns)):
        path = tmp_path / f"t{len(columns)}.parquet"
        tables.write_table(df[columns], path)
        pd.testing.assert_frame_equal(tables.read_table(path), Table.read(path).to_pandas(),
                                      check_exact=True)
    plain, masked = (pq.read_table(tmp_path / f"t{k}.parquet") for k in (4, 6))
    assert tables._plain(plain) and not tables._plain(masked)
    arrays = tmp_path / "arrays.parquet"
    Table({"source_id": [1, 2], "v": np.ones((2, 3))}).write(arrays)
    assert not tables._plain(pq.read_table(arrays))
    by_pandas = tmp_path / "pandas.parquet"
    df[["source_id", "x", "name"]].iloc[::-1].set_index("name").to_parquet(by_pandas)  # + index
    assert not tables._plain(pq.read_table(by_pandas))
    pd.testing.assert_frame_equal(tables.read_table(by_pandas), Table.read(by_pandas).to_pandas())


def test_one_pass_voparquet_equals_astropy_writer_plus_metadata(tmp_path):
    """The one-pass writer gives the columns, schema and metadata of astropy's parquet writer
    followed by the VOParquet rewrite; a masked column still goes through astropy."""
    df = pd.DataFrame({"source_id": np.array([3, 1, 2], np.int64), "vR": [1.5, np.nan, -2.0],
                       "flag": [True, False, True], "name": ["a", "bbb", "c"]})
    table = tables.to_astropy(df, {"vR": "km/s"}, {"note": "x"})
    table["raw"] = np.array([b"u", b"vw", b"x"])
    table.write(tmp_path / "a.parquet", format="parquet")
    tables._add_voparquet(tmp_path / "a.parquet", table, "t")
    tables._write_voparquet(table, tmp_path / "b.parquet", "t")
    a, b = (pq.read_table(tmp_path / f"{k}.parquet") for k in "ab")
    assert a.schema.equals(b.schema) and dict(a.schema.metadata) == dict(b.schema.metadata)
    pd.testing.assert_frame_equal(a.to_pandas(), b.to_pandas(), check_exact=True)
    masked = tables.to_astropy(df.assign(n=pd.array([1, None, 3], dtype="Int64")))
    tables._write_voparquet(masked, tmp_path / "m.parquet", "m")
    assert "n.mask" in pq.read_table(tmp_path / "m.parquet").column_names  # astropy's own form


def test_to_astropy_from_numpy_columns_equals_from_pandas():
    """Frames of plain number/bool columns and gap-free text become the same astropy Table
    without Table.from_pandas (NaN kept as plain NaN); text with gaps goes through from_pandas."""
    from astropy.table import Column, MaskedColumn
    n = 50
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"f": np.where(rng.uniform(size=n) < 0.2, np.nan, rng.normal(size=n)),
                       "f32": rng.normal(size=n).astype(np.float32),
                       "i": rng.integers(0, 10**12, n), "b": rng.uniform(size=n) < 0.5,
                       "s": pd.array(rng.choice(["mwm_ob", "bhm_aqmes_med", "x"], n), dtype="str"),
                       "o": pd.Series(rng.choice(["apo25m", "lco25m"], n), dtype=object)})
    assert tables._plain_columns(df) is not None
    fast = tables.to_astropy(df, {"f": "km/s"})
    slow = Table.from_pandas(df)
    for name in df.columns:
        col = slow[name]
        if isinstance(col, MaskedColumn) and col.dtype.kind == "f":
            col = Column(col.filled(np.nan), name=name)
        assert type(fast[name]) is Column and fast[name].dtype == col.dtype, name
        np.testing.assert_array_equal(np.asarray(fast[name]), np.asarray(col))
    assert fast["f"].unit == "km / s"
    gaps = df.assign(s=pd.array(["a", None] * (n // 2), dtype="str"))
    assert tables._plain_columns(gaps) is None
    assert isinstance(tables.to_astropy(gaps)["s"], MaskedColumn)


def test_fits_text_is_decoded_and_stripped_like_utf8():
    """FITS text (bytes): ASCII by a plain cast, anything else decoded as UTF-8 with
    replacement; both stripped, as decoding each value would give."""
    from hotstars.io.specs import _text
    for values in ([b" mwm_ob ", b"", b"lco25m  "], ["é".encode(), b"ok ", b"\xff"]):
        data = np.array(values)
        expected = [v.decode("utf-8", "replace").strip() for v in values]
        assert _text(data).tolist() == expected
