"""Tests of the kinematics and map figures: Fig. 6 (v_phi), Fig. 7 (maps), Fig. B.1 (errors)
and the injection-recovery figure."""

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import QuadMesh
from matplotlib.colors import LogNorm

from hotstars.plots import maps as plots_maps
from hotstars.plots import style
from hotstars.plots import validation as plots_validation

matplotlib.use("Agg")

SIZE = 0.25


def _mesh(ax, gid):
    return next(c for c in ax.collections if isinstance(c, QuadMesh) and c.get_gid() == gid)


def _cell(mesh, x, y):
    """Value of a pcolormesh (regular grid) at the point (x, y), or masked."""
    xe, ye = np.unique(mesh.get_coordinates()[0, :, 0]), np.unique(mesh.get_coordinates()[:, 0, 1])
    arr = mesh.get_array().reshape(ye.size - 1, xe.size - 1)
    return arr[np.searchsorted(ye, y) - 1, np.searchsorted(xe, x) - 1]


@pytest.fixture
def kinematics():
    rng = np.random.default_rng(2)
    n = 3000
    vphi = np.concatenate([rng.normal(225, 12, n - 100), rng.uniform(50, 400, 100)])
    df = pd.DataFrame({"source_id": np.arange(n), "R": rng.uniform(3, 13, n), "v_phi": vphi})
    df.loc[:4, "v_phi"] = np.nan
    return df


@pytest.fixture
def vr_map():
    """A v_R map on a 250 pc grid: 12 x 8 spaxels, a few with sigma_R = 0."""
    rng = np.random.default_rng(4)
    ix, iy = np.meshgrid(np.arange(-40, -28), np.arange(-4, 4))
    n = rng.integers(6, 40, ix.size)
    sigma = rng.uniform(5, 25, ix.size)
    sigma[:3] = 0.0
    fisher = np.sqrt(1 / (n / (sigma ** 2 + 8.0 ** 2)))
    return pd.DataFrame({"x_center": (ix.ravel() + 0.5) * SIZE,
                         "y_center": (iy.ravel() + 0.5) * SIZE, "n_stars": n,
                         "vR_mean": rng.uniform(-45, 20, ix.size), "sigma_R": sigma,
                         "vR_mean_err": fisher, "vR_mean_err_marg": 1.3 * fisher,
                         "vR_mean_err_sqrtn": sigma / np.sqrt(n),
                         "sigma_at_boundary": sigma == 0})


@pytest.fixture
def density(vr_map):
    extra = pd.DataFrame({"x_center": [-12.125, -2.875], "y_center": [5.125, -6.375],
                          "n_stars": [1, 3]})
    d = pd.concat([vr_map[["x_center", "y_center", "n_stars"]], extra], ignore_index=True)
    return d.assign(surface_density=d["n_stars"] / SIZE ** 2)


# --- Fig. 6 ---------------------------------------------------------------------------------

def test_fig_vphi_window_lines_and_count_outside(kinematics):
    ax = plots_maps.fig_vphi(kinematics, (190, 250)).axes[0]
    lines = [ln for ln in ax.lines if ln.get_gid() == "window"]
    assert sorted(ln.get_ydata()[0] for ln in lines) == [190, 250]
    v = kinematics["v_phi"].to_numpy()
    n_out = int(np.sum(np.isfinite(v) & ((v < 190) | (v > 250))))
    assert ax.get_legend().get_texts()[0].get_text() == f"190–250 km/s: {n_out:,} stars outside"
    assert "5 without" in ax.get_title() and "N$ = 2,995 stars" in ax.get_title()
    # stars shown in the histogram = finite and within the y range
    shown = np.isfinite(v) & (v >= 100) & (v < 350)
    assert _mesh(ax, "vphi_hist").get_array().sum() == shown.sum()
    assert f"{np.sum(np.isfinite(v) & ~shown)} beyond the y range" in ax.get_title()


def test_fig_vphi_lines_follow_the_window_and_flags_must_agree(kinematics):
    ax = plots_maps.fig_vphi(kinematics, (200.0, 240.0)).axes[0]
    assert sorted(ln.get_ydata()[0] for ln in ax.lines if ln.get_gid() == "window") == [200, 240]
    v = kinematics["v_phi"]
    flags = pd.DataFrame({"source_id": kinematics["source_id"],
                          "in_vphi_window": (v >= 190) & (v <= 250)})
    plots_maps.fig_vphi(kinematics, (190, 250), flags=flags)  # consistent: fine
    with pytest.raises(ValueError, match="flags disagree with the window"):
        plots_maps.fig_vphi(kinematics, (200, 240), flags=flags)
    with pytest.raises(ValueError, match="lo < hi"):
        plots_maps.fig_vphi(kinematics, (250, 190))


# --- Fig. 7 ---------------------------------------------------------------------------------

def test_fig_maps_diverging_norm_sun_and_values(density, vr_map):
    fig = plots_maps.fig_maps(density, vr_map, r_sun_kpc=8.2)
    ax_d, ax_v = fig.axes[:2]
    mesh = _mesh(ax_v, "vR")
    assert mesh.norm(0.0) == pytest.approx(0.5)
    assert (mesh.norm.vmin, mesh.norm.vmax) == (-30.0, 30.0)
    assert mesh.get_cmap().name == style.VR_CMAP
    for ax in (ax_d, ax_v):
        sun = [ln for ln in ax.lines if ln.get_gid() == "sun"]
        assert len(sun) == 1 and (sun[0].get_xdata()[0], sun[0].get_ydata()[0]) == (-8.2, 0.0)
        # limits cover every spaxel and the Sun
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        assert x0 <= density["x_center"].min() - SIZE / 2 and x1 >= 0
        assert y0 <= density["y_center"].min() - SIZE / 2
        assert y1 >= density["y_center"].max() + SIZE / 2
    row = vr_map.iloc[17]
    assert _cell(mesh, row.x_center, row.y_center) == pytest.approx(row.vR_mean)
    dmesh = _mesh(ax_d, "density")
    assert isinstance(dmesh.norm, LogNorm)
    assert _cell(dmesh, -12.125, 5.125) == 1
    assert _cell(mesh, -12.125, 5.125) is np.ma.masked  # no v_R there: blank, not 0
    # the spaxels whose sigma_R fit is at the boundary are hatched on the v_R panel and counted
    (hatched,) = [c for c in ax_v.collections if c.get_gid() == "sigma_boundary"]
    assert len(hatched.get_paths()) == int(vr_map["sigma_at_boundary"].sum()) == 3
    assert ax_v.get_legend().get_texts()[0].get_text().endswith(": 3")
    assert not [c for c in ax_d.collections if c.get_gid() == "sigma_boundary"]
    # the shared frame (Figs. 7, 8, 10)
    assert (ax_v.get_xlim(), ax_v.get_ylim()) == style.plane_frame(8.2)
    labels = [cb.ax.get_xlabel() for cb in (dmesh.colorbar, mesh.colorbar)]
    assert "stars per 250 × 250 pc spaxel" in labels[0] and "km s$^{-1}$" in labels[1]
    assert f"({len(vr_map)} spaxels with $N \\geq 6$)" in labels[1]


def test_spaxel_size_is_inferred_and_checked(vr_map):
    assert style.spaxel_size(vr_map) == pytest.approx(SIZE)
    off_grid = vr_map.assign(x_center=vr_map["x_center"] + 0.01)
    with pytest.raises(ValueError, match="not on a grid"):
        style.spaxel_size(off_grid)
    with pytest.raises(ValueError, match="no two spaxels adjacent"):
        style.spaxel_size(vr_map.iloc[:1])


# --- Fig. B.1 -------------------------------------------------------------------------------

def test_fig_map_errors_log_scale_and_zero_sigma(vr_map):
    fig = plots_maps.fig_map_errors(vr_map)
    axes = fig.axes[:3]
    for ax, col in zip(axes, ["sigma_R", "vR_mean_err_sqrtn", "vR_mean_err_marg"]):
        mesh = _mesh(ax, col)
        assert isinstance(mesh.norm, LogNorm) and (mesh.norm.vmin, mesh.norm.vmax) == (1, 60)
        row = vr_map.iloc[10]
        assert _cell(mesh, row.x_center, row.y_center) == pytest.approx(row[col])
    # sigma_R = 0 (fit boundary) in 3 spaxels: grey, hatched and counted in the legends of the
    # sigma_R and sigma_R/sqrt(N) panels
    zero = _mesh(axes[0], "zero")
    row = vr_map.iloc[0]
    assert _cell(zero, row.x_center, row.y_center) == 1.0
    assert _cell(_mesh(axes[0], "sigma_R"), row.x_center, row.y_center) is np.ma.masked
    for ax in axes[:2]:
        (hatched,) = [c for c in ax.collections if c.get_gid() == "sigma_boundary"]
        assert hatched.get_hatch() and len(hatched.get_paths()) == 3
        centres = sorted(tuple(np.round(p.vertices[:4].mean(axis=0), 6))
                         for p in hatched.get_paths())
        assert centres == sorted(zip(vr_map["x_center"][:3].round(6),
                                     vr_map["y_center"][:3].round(6)))
        (text,) = [t.get_text() for t in ax.get_legend().get_texts()]
        assert text.endswith("(fit boundary): 3") and "= 0" in text
    assert axes[2].get_legend() is None
    assert not [c for c in axes[2].collections if c.get_gid() == "sigma_boundary"]
    # the flag, not the value, decides: a product flagging a sigma_max fit says so
    flagged = vr_map.assign(sigma_at_boundary=vr_map.index.isin([0, 1, 2, 5]))
    flagged.loc[5, "sigma_R"] = 300.0
    ax = plots_maps.fig_map_errors(flagged).axes[0]
    assert ax.get_legend().get_texts()[0].get_text().endswith(": 4")
    assert r"\sigma_{\max}" in ax.get_legend().get_texts()[0].get_text()
    # a product from before the flag: sigma_R = 0 is the boundary
    ax = plots_maps.fig_map_errors(vr_map.drop(columns="sigma_at_boundary")).axes[0]
    assert ax.get_legend().get_texts()[0].get_text().endswith(": 3")


# --- injection-recovery figure ----------------------------------------------------------------

def test_fig_injection_recovery_pulls_and_legend(vr_map):
    rng = np.random.default_rng(8)
    err = vr_map["vR_mean_err"]
    matched = vr_map.assign(vR_mean_err_marg=err,
                            vR_expected=vr_map["vR_mean"] - 2 * err * rng.choice([-1, 1], len(vr_map)),
                            vR_true=vr_map["vR_mean"] - 3 * err)
    fig = plots_validation.fig_injection_recovery(matched)
    ax, axm = fig.axes[:2]
    # pulls are exactly +-2
    pull = _mesh(axm, "pull").get_array().compressed()
    np.testing.assert_allclose(np.abs(pull), 2.0)
    assert _mesh(axm, "pull").norm(0.0) == pytest.approx(0.5)
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("expected" in t and r"$\chi^2$/dof = 4.00" in t for t in texts)
    assert any("smooth" in t and r"$\chi^2$/dof = 9.00" in t for t in texts)
    one = next(ln for ln in ax.lines if ln.get_gid() == "one_to_one")
    np.testing.assert_allclose(one.get_xdata(), one.get_ydata())
    assert any(ln.get_gid() == "sun" for ln in axm.lines)
    assert ax.get_title().startswith(f"{len(vr_map)} spaxels (250 pc")
