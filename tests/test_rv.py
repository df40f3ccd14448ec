"""Velocity choice (XCSAO if RXC > 6 else BOSS Net) and the epoch average (Sec. 2.3)."""

import numpy as np
import pandas as pd
import pytest

from hotstars import rv


def test_choice_at_the_rxc_boundary_and_fallbacks():
    v, e, src = rv.choose_velocity(
        xcsao_rv=[10, 10, 10, np.nan, 10, 10],
        xcsao_erv=[1, 1, 1, 1, 0, 1],
        xcsao_rxc=[6.0, np.nextafter(6.0, 7), 20, 20, 20, np.nan],
        bn_v=[-5, -5, -5, -5, -5, np.nan],
        bn_e=[2, 2, 2, 2, 2, 2],
        rxc_min=6.0,
    )
    # RXC == 6 is not > 6 -> BOSS Net; NaN XCSAO value or zero error -> BOSS Net; no usable -> NaN
    np.testing.assert_array_equal(v[:5], [-5, 10, 10, -5, -5])
    np.testing.assert_array_equal(e[:5], [2, 1, 1, 2, 2])
    assert list(src) == ["BNet", "XCSAO", "XCSAO", "BNet", "BNet", ""]
    assert np.isnan(v[5]) and np.isnan(e[5])


def test_single_epoch_keeps_pipeline_error():
    out = rv.average_epochs([7], [12.5], [8.0], ["XCSAO"])
    row = out.iloc[0]
    assert row["vlos"] == 12.5 and row["vlos_err"] == 8.0 and row["n_epochs"] == 1
    assert row["vlos_source"] == "XCSAO"


def test_multi_epoch_std_over_sqrt_n_and_floor():
    v = np.array([0.0, 30.0, 60.0])
    out = rv.average_epochs([1, 1, 1], v, [5.0, 5.0, 5.0], ["XCSAO", "BNet", "XCSAO"]).iloc[0]
    assert out["vlos"] == pytest.approx(30.0)
    assert out["vlos_err"] == pytest.approx(np.std(v, ddof=1) / np.sqrt(3))  # 30/sqrt(3) > floor
    assert out["vlos_source"] == "mixed" and out["n_epochs_xcsao"] == 2

    # two nearly equal epochs: std/sqrt(2) ~ 0.07 km/s -> floored at median(e)/sqrt(2)
    twin = rv.average_epochs([2, 2], [10.0, 10.1], [10.0, 12.0], ["XCSAO"] * 2).iloc[0]
    assert twin["vlos_err"] == pytest.approx(11.0 / np.sqrt(2))
    no_floor = rv.average_epochs([2, 2], [10.0, 10.1], [10.0, 12.0], ["XCSAO"] * 2,
                                 error_floor=False).iloc[0]
    assert no_floor["vlos_err"] == pytest.approx(np.std([10.0, 10.1], ddof=1) / np.sqrt(2))


def test_unusable_epochs_are_skipped_and_empty_star_is_nan():
    out = rv.average_epochs([1, 1, 2], [5.0, np.nan, np.nan], [1.0, np.nan, np.nan],
                            ["XCSAO", "", ""]).set_index("source_id")
    assert out.loc[1, "n_epochs"] == 1 and out.loc[1, "vlos"] == 5.0
    assert out.loc[2, "n_epochs"] == 0 and np.isnan(out.loc[2, "vlos"])


def test_average_matches_monte_carlo_scatter():
    """With the floor off, the std/sqrt(N) error estimates the scatter of the mean on average."""
    rng = np.random.default_rng(3)
    n_stars, n_ep, sigma = 4000, 4, 10.0
    ids = np.repeat(np.arange(n_stars), n_ep)
    v = rng.normal(0.0, sigma, ids.size)
    out = rv.average_epochs(ids, v, np.full(ids.size, sigma), np.full(ids.size, "XCSAO"), error_floor=False)
    assert np.std(out["vlos"]) == pytest.approx(sigma / np.sqrt(n_ep), rel=0.05)
    # E[s] < sigma for small N (c4 bias): the mean error is 0.92 sigma/sqrt(4)
    assert np.mean(out["vlos_err"]) == pytest.approx(0.9213 * sigma / np.sqrt(n_ep), rel=0.03)


def test_vlos_from_spectra_end_to_end():
    spectra = pd.DataFrame({"source_id": [1, 1, 2], "xcsao_rv": [10.0, 20.0, 0.0],
                            "xcsao_erv": [3.0, 3.0, 3.0], "xcsao_rxc": [8.0, 8.0, 2.0],
                            "bn_v_r": [0.0, 0.0, -40.0], "e_bn_v_r": [4.0, 4.0, 6.0]})
    out = rv.vlos_from_spectra(spectra).set_index("source_id")
    assert out.loc[1, "vlos"] == pytest.approx(15.0)
    assert out.loc[2, "vlos"] == -40.0 and out.loc[2, "vlos_source"] == "BNet"
