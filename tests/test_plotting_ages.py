"""Tests of the age figures: Fig. 8 (log-age map), Fig. 9 (clusters), Fig. 11 (young/old) and
the age truth-check figure."""

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import QuadMesh

from hotstars.plots import ages as plots_ages
from hotstars.plots import style
from hotstars.plots import validation as plots_validation

matplotlib.use("Agg")


def _mesh(ax, gid):
    return next(c for c in ax.collections if isinstance(c, QuadMesh) and c.get_gid() == gid)


def _cell(mesh, x, y):
    xe, ye = np.unique(mesh.get_coordinates()[0, :, 0]), np.unique(mesh.get_coordinates()[:, 0, 1])
    arr = mesh.get_array().reshape(ye.size - 1, xe.size - 1)
    return arr[np.searchsorted(ye, y) - 1, np.searchsorted(xe, x) - 1]


def _lines(ax, gid):
    return [ln for ln in ax.lines if ln.get_gid() == gid]


@pytest.fixture
def logage_map():
    rng = np.random.default_rng(3)
    ix, iy = np.meshgrid(np.arange(-70, -50), np.arange(-8, 8))
    return pd.DataFrame({"x_center": (ix.ravel() + 0.5) * 0.125,
                         "y_center": (iy.ravel() + 0.5) * 0.125,
                         "n_stars": rng.integers(6, 30, ix.size),
                         "logage_mean": rng.uniform(6.3, 8.9, ix.size)})


def _clusters(n, seed, truth=True):
    rng = np.random.default_rng(seed)
    true = rng.uniform(6.5, 8.5, n)
    df = pd.DataFrame({"cluster": [f"C{i}" for i in range(n)], "n_hot": rng.integers(5, 30, n),
                       "logage_hs": true + rng.normal(0.05, 0.1, n),
                       "logage_err_hs": rng.uniform(0.01, 0.05, n),
                       "logage_joint": true + rng.normal(0, 0.1, n),
                       "logage_err_joint": rng.uniform(0.02, 0.08, n),
                       "logage_catalogue": true + rng.normal(0, 0.15, n)})
    return df.assign(logage_true=true) if truth else df


def test_fig_logage_map_values_colourbar_and_furniture(logage_map):
    fig = plots_ages.fig_logage_map(logage_map, r_sun_kpc=8.2)
    ax = fig.axes[0]
    mesh = _mesh(ax, "logage")
    row = logage_map.iloc[37]
    assert _cell(mesh, row["x_center"], row["y_center"]) == pytest.approx(row["logage_mean"])
    assert mesh.norm.vmin == 6.5 and mesh.norm.vmax == 8.7
    cbar_label = fig.axes[1].get_xlabel()
    assert r"\log(\mathrm{age}/\mathrm{yr})" in cbar_label and "125" in cbar_label
    assert "320 spaxels" in cbar_label and r"N \geq 6" in cbar_label
    assert _lines(ax, "sun")[0].get_xdata()[0] == -8.2


def test_fig_cluster_ages_legend_one_to_one_and_truth_panel():
    h23, cg20 = _clusters(25, 1), _clusters(18, 2)
    fig = plots_ages.fig_cluster_ages(h23, cg20)
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in panels] == ["Hunt & Reffert (2023)",
                                                 "Cantat-Gaudin et al. (2020)", "mock truth"]
    for ax in panels:
        (line,) = _lines(ax, "one_to_one")
        np.testing.assert_array_equal(line.get_xdata(), line.get_ydata())
    texts = [t.get_text() for t in panels[0].get_legend().get_texts()]
    d = h23["logage_hs"] - h23["logage_catalogue"]
    assert "($N$ = 25)" in texts[0]
    assert f"{np.median(d):+.2f}".replace("-", "\N{MINUS SIGN}") in texts[0]
    assert r"\psi" in texts[1]  # the joint posterior
    assert "number of hot stars" in fig.axes[-1].get_ylabel()
    # without a truth column: two panels
    fig = plots_ages.fig_cluster_ages(h23.drop(columns="logage_true"),
                                    cg20.drop(columns="logage_true"))
    assert len([ax for ax in fig.axes if ax.get_title()]) == 2


def test_fig_cluster_ages_empty_table_is_a_panel_not_an_error():
    cg20 = _clusters(0, 2, truth=False)
    fig = plots_ages.fig_cluster_ages(_clusters(8, 1, truth=False), cg20)
    empty = [t for ax in fig.axes for t in ax.texts if t.get_gid() == "empty"]
    assert [t.get_text() for t in empty] == ["no cluster passes the cuts"]
    fig = plots_ages.fig_cluster_ages(cg20, pd.DataFrame())  # no rows, even no columns
    assert len([t for ax in fig.axes for t in ax.texts if t.get_gid() == "empty"]) == 2
    with pytest.raises(style.PlotInputError, match="logage_hs"):
        plots_ages.fig_cluster_ages(_clusters(3, 1).drop(columns="logage_hs"), cg20)


def test_fig_young_old_counts_contours_and_empty_panel():
    young = pd.DataFrame({"x_center": [-8.125, -7.875, -7.625], "y_center": [0.125] * 3,
                          "n_stars": [3, 40, 1]})
    old = pd.DataFrame({"x_center": [-6.125, -5.875], "y_center": [-0.125] * 2,
                        "n_stars": [7, 2]})
    grid = np.linspace(-10, 0, 21)
    contours = {"x": grid, "y": grid + 5, "z": np.add.outer(grid + 5, grid), "levels": [-8.0]}
    fig = plots_ages.fig_young_old(young, old, contours=contours)
    left, right = fig.axes[:2]
    assert "younger than 30 Myr (44 map stars)" in left.get_title()
    assert "older than 150 Myr (9 map stars)" in right.get_title()
    # the shared frame of the plane maps, whatever the data
    assert (left.get_xlim(), left.get_ylim()) == style.plane_frame(8.2)
    assert _cell(_mesh(left, "young"), -7.875, 0.125) == 40
    assert all(any(c.get_gid() == "contours" for c in ax.collections) for ax in (left, right))
    fig = plots_ages.fig_young_old(young.iloc[:0], old, size_kpc=0.25)
    assert [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "empty"] == ["no stars"]
    with pytest.raises(style.PlotInputError, match="contours"):
        plots_ages.fig_young_old(young, old, contours={**contours, "z": np.zeros((3, 3))})


def test_fig_age_recovery_one_to_one_coverage_and_title():
    rng = np.random.default_rng(8)
    n = 3000
    true = rng.choice(np.round(np.arange(6.0, 8.6, 0.05), 2), n)
    truth = pd.DataFrame({"source_id": np.arange(n), "age_myr": 10 ** true / 1e6,
                          "is_binary": rng.random(n) < 0.3})
    err = 0.1
    p50 = true + rng.normal(0, err, n)
    ages = pd.DataFrame({"source_id": np.arange(n), "logage_p16": p50 - err, "logage_p50": p50,
                         "logage_p84": p50 + err, "logage_err": err, "age_flag": 0})
    fig = plots_validation.fig_age_recovery(ages, truth)
    top, bias, cov = fig.axes[:3]
    assert _lines(top, "one_to_one")
    assert _mesh(top, "hist2d").get_array().sum() == n
    coverage = np.mean(np.abs(p50 - true) <= err)
    assert f"coverage {coverage:.2f}" in top.get_title()
    assert _lines(cov, "coverage_68")[0].get_ydata()[0] == 0.68
    # the per-bin coverage points of all stars: one per occupied bin (0-10 ... 300-600 Myr)
    assert len(_lines(cov, "coverage_all")[0].get_xdata()) == 7


def test_fig_logage_map_uses_the_shared_frame_and_counts_spaxels_beyond_it():
    far = pd.DataFrame({"x_center": [-8.0625, -7.9375, -30.0625], "y_center": [0.0625] * 3,
                        "n_stars": [6, 7, 8], "logage_mean": [7.0, 7.5, 8.0]})
    ax = plots_ages.fig_logage_map(far, r_sun_kpc=8.2, size_kpc=0.125).axes[0]
    xlim, ylim = style.plane_frame(8.2)
    assert (ax.get_xlim(), ax.get_ylim()) == (xlim, ylim)
    assert xlim[0] <= -8.2 - style.PLANE_REACH_KPC and xlim[1] >= style.PLANE_BEYOND_GC_KPC
    note = [t.get_text() for t in ax.texts if t.get_gid() == "outside_frame"]
    assert note == ["1 spaxels beyond the frame"]
