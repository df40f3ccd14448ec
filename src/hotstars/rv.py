"""Line-of-sight velocities: per-spectrum choice and the epoch average per star (paper Sec. 2.3).

All velocities in km/s (barycentric, as the pipelines give them).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

XCSAO, BNET, MIXED = "XCSAO", "BNet", "mixed"


def choose_velocity(xcsao_rv, xcsao_erv, xcsao_rxc, bn_v, bn_e, rxc_min: float = 6.0):
    """Per spectrum: XCSAO velocity if XCSAO_RXC > rxc_min, else BOSS Net (Sec. 2.3).

    A spectrum whose XCSAO value or error is not finite falls back to BOSS Net too. Returns
    (v, e, source) arrays; a spectrum with no usable velocity (non-finite value, or error not
    finite and > 0) gets v = e = NaN and source "".
    """
    xv, xe, rxc = (np.asarray(a, float) for a in (xcsao_rv, xcsao_erv, xcsao_rxc))
    bv, be = np.asarray(bn_v, float), np.asarray(bn_e, float)
    with np.errstate(invalid="ignore"):
        use_x = (rxc > rxc_min) & np.isfinite(xv) & np.isfinite(xe) & (xe > 0)
    v = np.where(use_x, xv, bv)
    e = np.where(use_x, xe, be)
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(v) & np.isfinite(e) & (e > 0)
    source = np.where(use_x, XCSAO, BNET).astype(object)
    source[~ok] = ""
    return np.where(ok, v, np.nan), np.where(ok, e, np.nan), source


def average_epochs(source_id, v, e, source, error_floor: bool = True) -> pd.DataFrame:
    """Epoch mean per star (Sec. 2.3), one row per source_id (stars with no usable epoch: NaN).

    - vlos = mean of the usable epochs;
    - N = 1: vlos_err = the pipeline error;
    - N >= 2: vlos_err = std(v, ddof=1) / sqrt(N), and with ``error_floor`` (docs/conventions.md)
      at least median(e_i) / sqrt(N), so that nearly equal epochs do not give ~0 km/s.
    - n_epochs_xcsao: how many of the epochs use XCSAO;
    - vlos_source: XCSAO, BNet, or mixed (epochs from both pipelines).
    """
    frame = pd.DataFrame({"source_id": np.asarray(source_id), "v": np.asarray(v, float),
                          "e": np.asarray(e, float), "src": np.asarray(source, object)})
    ids = np.unique(frame["source_id"].to_numpy())
    good = frame.loc[np.isfinite(frame["v"])].assign(xcsao=lambda f: f["src"] == XCSAO)
    g = good.groupby("source_id")
    n = g.size()
    mean = g["v"].mean()
    std = g["v"].std(ddof=1)
    median_e = g["e"].median()
    single_e = g["e"].first()
    err = np.where(n >= 2, std / np.sqrt(n), single_e)
    if error_floor:
        err = np.where(n >= 2, np.maximum(err, median_e / np.sqrt(n)), err)
    n_xcsao = g["xcsao"].sum()
    kinds = np.where(n_xcsao == n, XCSAO, np.where(n_xcsao == 0, BNET, MIXED))
    out = pd.DataFrame({"vlos": mean, "vlos_err": pd.Series(err, index=n.index),
                        "n_epochs": n, "n_epochs_xcsao": n_xcsao,
                        "vlos_source": pd.Series(kinds, index=n.index)}).reindex(ids)
    out.index.name = "source_id"
    for col in ("n_epochs", "n_epochs_xcsao"):
        out[col] = out[col].fillna(0).astype("int64")
    out["vlos_source"] = out["vlos_source"].fillna("")
    return out.reset_index()


def vlos_from_spectra(spectra: pd.DataFrame, rxc_min: float = 6.0,
                      error_floor: bool = True) -> pd.DataFrame:
    """Averaged line-of-sight velocity of every star in ``spectra`` (columns as hss_spectra)."""
    v, e, source = choose_velocity(spectra["xcsao_rv"], spectra["xcsao_erv"], spectra["xcsao_rxc"],
                                   spectra["bn_v_r"], spectra["e_bn_v_r"], rxc_min)
    return average_epochs(spectra["source_id"], v, e, source, error_floor)


UNITS = {"vlos": "km / s", "vlos_err": "km / s"}
