"""Literature tables shipped with the package (``hotstars/data``; provenance in its README.md):
the spiral-arm parameters of Reid et al. (2019, ApJ 885, 131, Table 2)."""

from __future__ import annotations

import importlib.resources
import io
import os

import numpy as np
import pandas as pd

from hotstars.errors import HotstarsError

ARM_TABLE = "reid2019_table2_arm_parameters.csv"
ARM_COLUMNS = ["arm", "beta_min_deg", "beta_max_deg", "beta_kink_deg", "R_kink_kpc",
               "pitch_before_deg", "pitch_after_deg", "width_kpc"]


class SpiralTableError(HotstarsError):
    """The arm table lacks a column or holds a bad value."""


def load_arm_table(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Reid et al. (2019) Table 2 (:data:`ARM_COLUMNS`; angles in deg, R_kink and width in kpc).

    ``path``: a CSV in the same format ('#' comment lines); None reads the package copy.
    Checks the columns, finite numbers, beta_min < beta_max, R_kink > 0 and |pitch| < 90 deg.
    """
    label = str(path) if path is not None else f"hotstars/data/{ARM_TABLE}"
    if path is None:
        text = importlib.resources.files("hotstars").joinpath("data", ARM_TABLE).read_text()
        table = pd.read_csv(io.StringIO(text), comment="#")
    else:
        table = pd.read_csv(path, comment="#")
    table.columns = [c.strip() for c in table.columns]
    missing = [c for c in ARM_COLUMNS if c not in table.columns]
    if missing:
        raise SpiralTableError(f"{label}: missing column(s) {missing}; has {list(table.columns)}")
    table["arm"] = table["arm"].astype(str).str.strip()
    for col in ARM_COLUMNS[1:]:
        v = pd.to_numeric(table[col], errors="coerce")
        if not np.all(np.isfinite(v)):
            raise SpiralTableError(f"{label}: column {col!r} must hold finite numbers; bad rows "
                                   f"{np.flatnonzero(~np.isfinite(v)).tolist()}")
        table[col] = v.astype(float)
    bad = ((table["beta_min_deg"] >= table["beta_max_deg"]) | (table["R_kink_kpc"] <= 0)
           | (table[["pitch_before_deg", "pitch_after_deg"]].abs() >= 90).any(axis=1))
    if bad.any():
        raise SpiralTableError(f"{label}: arms {table.loc[bad, 'arm'].tolist()} need "
                               "beta_min < beta_max, R_kink > 0 and |pitch| < 90 deg")
    if table["arm"].duplicated().any():
        raise SpiralTableError(f"{label}: arm names are not unique")
    return table.reset_index(drop=True)
