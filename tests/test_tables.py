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
