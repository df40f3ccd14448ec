"""Tests of the density contrast Δ_Σ (Eq. 15) and of the Fig. 10 / Fig. 11 structure figures."""

import matplotlib
import numpy as np
import pandas as pd
import pytest

from hotstars import associations, contrast, spiral
from hotstars.contrast import ContrastError, density_contrast
from hotstars.plots import structure as plots_structure

matplotlib.use("Agg")

SUN = (-8.2, 0.0)


def _lattice_disc(radius, spacing=0.025, centre=SUN):
    """Stars on a square lattice inside a disc: a uniform density without Poisson noise."""
    g = np.arange(-radius - spacing, radius + spacing, spacing) + spacing / 2
    gx, gy = np.meshgrid(g, g)
    inside = np.hypot(gx, gy) < radius
    return gx[inside] + centre[0], gy[inside] + centre[1]


def _poisson_disc(rng, n, radius, centre=SUN):
    r = radius * np.sqrt(rng.uniform(size=n))
    phi = rng.uniform(0, 2 * np.pi, n)
    return r * np.cos(phi) + centre[0], r * np.sin(phi) + centre[1]


def _radius(df, centre=SUN):
    return np.hypot(df["x"] - centre[0], df["y"] - centre[1]).to_numpy()


# --- a uniform disc has no contrast -------------------------------------------------------------

def test_uniform_lattice_disc_has_zero_contrast_up_to_the_edge():
    x, y = _lattice_disc(4.0)
    df = density_contrast(x, y)
    r = _radius(df)
    delta = df["delta_sigma"].to_numpy()
    # Σ itself: 1600 stars/kpc² (one star per 25 x 25 pc)
    assert np.allclose(df["sigma_local"][r < 3.0], 1600.0, rtol=0.01)
    assert np.all(np.abs(delta[r < 3.5]) < 0.01)
    # with the edge correction, no fake over- or under-density near the survey edge
    fp = df["in_footprint"].to_numpy()
    assert np.all(np.abs(delta[fp]) < 0.06)
    assert not fp[r > 4.0 + 0.05].any()  # the footprint does not grow beyond the data
    assert np.isnan(delta[~fp]).all()


def test_without_edge_correction_the_edge_makes_a_fake_overdensity():
    """The plain smoothing (the paper's recipe) dilutes Σ̄ more than Σ near the edge: the
    correction is what removes it. At the centre of a disc of radius R = 4 kpc, Σ̄ (σ = 2 kpc)
    is n times the disc's share of the kernel, 1 − exp(−R²/2σ²), and Σ = n, so there
    Δ_Σ = 1/(1 − exp(−R²/2σ²)) − 1 ≈ 0.16."""
    x, y = _lattice_disc(4.0)
    df = density_contrast(x, y, edge_correction=False)
    r = _radius(df)
    delta = df["delta_sigma"].to_numpy()
    assert np.nanmax(delta[(r > 3.0) & (r < 3.9)]) > 0.5
    centre = delta[np.argmin(r)]
    assert centre == pytest.approx(1.0 / (1.0 - np.exp(-4.0**2 / (2 * 2.0**2))) - 1.0, abs=0.01)


def test_poisson_disc_contrast_scatter_matches_the_kernel_noise():
    """Var Δ_Σ = (1/n)[1/(4πσ_l²) + 1/(4πσ_m²) − 2/(2π(σ_l² + σ_m²))] for a Poisson density n
    (kpc⁻²) smoothed with Gaussian kernels σ_l, σ_m (kpc): ∫K² and ∫K_l K_m of 2-D Gaussians."""
    rng = np.random.default_rng(11)
    radius, n_stars, sl, sm = 5.0, 40000, 0.3, 2.0
    n = n_stars / (np.pi * radius**2)
    var = (1 / n) * (1 / (4 * np.pi * sl**2) + 1 / (4 * np.pi * sm**2)
                     - 2 / (2 * np.pi * (sl**2 + sm**2)))
    deltas = []
    for _ in range(4):
        x, y = _poisson_disc(rng, n_stars, radius)
        df = density_contrast(x, y, local_kpc=sl, mean_kpc=sm)
        d = df["delta_sigma"].to_numpy()[_radius(df) < 4.0]
        deltas.append(d)
        assert abs(np.median(d)) < 0.02
    assert np.std(np.concatenate(deltas)) == pytest.approx(np.sqrt(var), rel=0.15)


# --- an injected arm appears where it was put ---------------------------------------------------

def test_injected_arm_appears_along_its_curve():
    """Perseus arm of Reid et al. 2019 with a line density ~ the background per kpc, 0.1 kpc wide,
    on a uniform Poisson disc around the Sun: Δ_Σ > 0.5 along the arm, < 0.3 1.5 kpc off it."""
    rng = np.random.default_rng(5)
    bx, by = _poisson_disc(rng, 150000, 5.0)  # ~1900 stars/kpc²
    ax, ay = spiral.arm_curves(arms=["Perseus"], step_deg=0.05)["Perseus"]
    keep = np.hypot(ax - SUN[0], ay - SUN[1]) < 4.8
    ax, ay = ax[keep], ay[keep]
    seg = np.hypot(np.diff(ax), np.diff(ay))
    length = seg.sum()  # ~ 7 kpc inside the disc
    k = rng.integers(0, seg.size, int(2000 * length))
    t = rng.uniform(size=k.size)
    px, py = ax[k] + t * np.diff(ax)[k], ay[k] + t * np.diff(ay)[k]
    nx, ny = -np.diff(ay)[k] / seg[k], np.diff(ax)[k] / seg[k]  # unit normal
    off = rng.normal(0, 0.1, k.size)
    df = density_contrast(np.concatenate([bx, px + off * nx]), np.concatenate([by, py + off * ny]))
    grid = contrast.contour_grid(df)

    def at(x, y):  # Δ_Σ of the pixel containing (x, y)
        return grid["z"][np.searchsorted(grid["y"] + 0.025, y),
                         np.searchsorted(grid["x"] + 0.025, x)]

    inner = np.hypot(ax - SUN[0], ay - SUN[1]) < 3.5  # away from the disc edge
    on = np.array([at(x, y) for x, y in zip(ax[inner], ay[inner])])
    assert np.all(on > 0.5)
    # 1.5 kpc off the arm (toward the Sun's side and beyond), still inside the disc
    mid = np.flatnonzero(inner)[::20]
    tx, ty = np.gradient(ax)[mid], np.gradient(ay)[mid]
    norm = np.hypot(tx, ty)
    for s in (-1.5, 1.5):
        ox, oy = ax[mid] - s * ty / norm, ay[mid] + s * tx / norm
        ok = np.hypot(ox - SUN[0], oy - SUN[1]) < 4.0
        assert ok.any()
        assert np.all(np.array([at(x, y) for x, y in zip(ox[ok], oy[ok])]) < 0.3)


# --- the kernel: truncated at 3 sigma, normalised, sigma in kpc ------------------------------

@pytest.mark.parametrize("truncate", [3.0, 2.0])
def test_single_star_kernel_is_a_truncated_gaussian(truncate):
    sigma, pix = 0.3, 0.05
    df = density_contrast([-8.025], [0.025], pixel_kpc=pix, local_kpc=sigma, mean_kpc=1.0,
                          truncate=truncate, edge_correction=False)
    dx, dy = df["x"].to_numpy() + 8.025, df["y"].to_numpy() - 0.025
    s = df["sigma_local"].to_numpy()
    reach = truncate * sigma + 1e-6
    assert np.all(s[(np.abs(dx) > reach) | (np.abs(dy) > reach)] == 0)
    assert np.all(s[(np.abs(dx) <= reach) & (np.abs(dy) <= reach)] > 0)
    assert s.sum() * pix**2 == pytest.approx(1.0)  # one star
    axis = np.abs(dy) < 1e-6
    ratio = s[axis] / s.max()
    assert np.allclose(ratio[ratio > 0], np.exp(-dx[axis][ratio > 0]**2 / (2 * sigma**2)),
                       rtol=1e-9)


def test_paper_bandwidths_option_runs_on_fine_pixels():
    rng = np.random.default_rng(3)
    x, y = _poisson_disc(rng, 4000, 1.0)
    df = density_contrast(x, y, pixel_kpc=0.005, local_kpc=0.01, mean_kpc=0.1)
    assert df.attrs["local_kpc"] == 0.01
    # noise-dominated at 10 pc, as docs/conventions.md says (Comparisons)
    assert np.nanmax(df["delta_sigma"]) > 1.0


# --- inputs and the grid ------------------------------------------------------------------------

def test_bad_inputs_raise():
    with pytest.raises(ContrastError, match="non-finite"):
        density_contrast([0.0, np.nan], [0.0, 1.0])
    with pytest.raises(ContrastError, match="local_kpc/2"):
        density_contrast([0.0], [0.0], pixel_kpc=0.2, local_kpc=0.3)
    with pytest.raises(ContrastError, match="smaller than"):
        density_contrast([0.0], [0.0], local_kpc=2.0, mean_kpc=0.3)
    with pytest.raises(ContrastError, match="no stars"):
        density_contrast([], [])


def test_grid_edges_and_contour_grid_round_trip():
    rng = np.random.default_rng(0)
    x, y = _poisson_disc(rng, 2000, 2.0)
    df = density_contrast(x, y, extent=(-10.03, -6.01, -2.0, 2.02))
    assert df["x"].min() == pytest.approx(-10.025) and df["x"].max() == pytest.approx(-6.025)
    assert df["y"].min() == pytest.approx(-1.975) and df["y"].max() == pytest.approx(2.025)
    grid = contrast.contour_grid(df.sample(frac=1.0, random_state=1))  # any row order
    image = df["delta_sigma"].to_numpy().reshape(df.attrs["ny"], df.attrs["nx"])
    np.testing.assert_array_equal(grid["z"], image)
    with pytest.raises(ContrastError, match="full"):
        contrast.contour_grid(df.iloc[1:])


# --- figures ------------------------------------------------------------------------------------

@pytest.fixture
def contrast_table():
    rng = np.random.default_rng(8)
    x, y = _poisson_disc(rng, 6000, 3.0)
    return density_contrast(x, y)


@pytest.fixture
def vr_map():
    ix, iy = np.meshgrid(np.arange(-44, -22), np.arange(-10, 10))
    rng = np.random.default_rng(1)
    return pd.DataFrame({"x_center": (ix.ravel() + 0.5) * 0.25,
                         "y_center": (iy.ravel() + 0.5) * 0.25, "n_stars": 10, "vR_mean": rng.uniform(-30, 30, ix.size)})


def test_fig_contrast_draws_contours_and_the_paper_arms(contrast_table, vr_map):
    arms = spiral.arm_curves()
    fig = plots_structure.fig_contrast(contrast_table, vr_map, arms)
    panels = fig.axes[:3]
    for ax in panels[:2]:
        cs = [c for c in ax.findobj() if c.get_gid() == "contrast_contours"]
        assert len(cs) == 1 and list(cs[0].levels) == [0.0, 0.5]
    drawn = {a.get_gid()[4:]: a for a in panels[2].lines if str(a.get_gid()).startswith("arm_")}
    assert set(drawn) == set(spiral.PAPER_ARMS)
    np.testing.assert_allclose(drawn["Perseus"].get_xdata(), arms["Perseus"][0])


def test_fig_young_old_contours_labels_the_associations(contrast_table, vr_map):
    dens = vr_map[["x_center", "y_center", "n_stars"]]
    regions = associations.association_xy()
    fig = plots_structure.fig_young_old_contours(dens, dens, contrast_table, regions)
    left, right = fig.axes[:2]
    labels = {t.get_text() for t in left.texts if str(t.get_gid()).startswith("association_")}
    assert labels == set(regions["group"])
    marks = next(line for line in left.lines if line.get_gid() == "associations")
    np.testing.assert_allclose(marks.get_xdata(), regions["x"])
    for ax in (left, right):
        assert any(c.get_gid() == "contours" for c in ax.findobj())


def test_summary_numbers_correlate_vr_with_the_spaxel_mean_contrast():
    """A v̄_R map built as a monotonic function of Δ_Σ has Spearman ρ = 1; its negative, −1."""
    rng = np.random.default_rng(4)
    x, y = _poisson_disc(rng, 20000, 3.0)
    df = density_contrast(x, y)
    cells = contrast.spaxel_mean(df, 0.25)
    # independent spaxel mean of one cell: the pixels whose centres fall in it
    c = cells.iloc[len(cells) // 2]
    inside = ((np.abs(df["x"] - c["x_center"]) < 0.125) & (np.abs(df["y"] - c["y_center"]) < 0.125)
              & np.isfinite(df["delta_sigma"]))
    assert inside.sum() == 25
    assert c["delta_sigma"] == pytest.approx(df.loc[inside, "delta_sigma"].mean())
    vr = cells.assign(vR_mean=np.tanh(cells["delta_sigma"]) * 20).iloc[::3]
    out = contrast.summary_numbers(df, vr, 0.25)
    assert out["spearman_vr_delta"] == pytest.approx(1.0)
    assert out["n_spaxels_vr_with_delta"] == len(vr)
    assert contrast.summary_numbers(df, vr.assign(vR_mean=-vr["vR_mean"]), 0.25)[
        "spearman_vr_delta"] == pytest.approx(-1.0)
    finite = np.isfinite(df["delta_sigma"])
    assert out["frac_footprint_delta_gt_0p5"] == pytest.approx(
        (df.loc[finite, "delta_sigma"] > 0.5).mean())
    # a noisy, tied v̄_R: the same rho as scipy's spearmanr (ranks, ties averaged)
    from scipy.stats import spearmanr

    noisy = vr.assign(vR_mean=np.round(vr["vR_mean"] + rng.normal(0, 4, len(vr))))
    got = contrast.summary_numbers(df, noisy, 0.25)["spearman_vr_delta"]
    both = noisy.merge(cells, on=["x_center", "y_center"], suffixes=("", "_cell"))
    assert noisy["vR_mean"].duplicated().any() and 0.1 < abs(got) < 0.95
    assert got == pytest.approx(spearmanr(both["vR_mean"], both["delta_sigma_cell"])[0],
                                rel=1e-12)
