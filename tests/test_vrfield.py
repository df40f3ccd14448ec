"""The continuous v_R field (hotstars.vrfield): recovery of a known field, honest errors with and
without stars that move in groups, cross-validated bandwidths, masked empty regions, bad input."""

import numpy as np
import pandas as pd
import pytest

from hotstars import vrfield
from hotstars.vrfield import FieldError, FieldSettings

SETTINGS = FieldSettings()
WAVE_KPC = 5.0  # wavelength of the synthetic field


def smooth_field(x, y, amplitude=20.0, wave_kpc=WAVE_KPC):
    return amplitude * np.sin(2 * np.pi * x / wave_kpc) * np.cos(2 * np.pi * y / (2 * wave_kpc))


def disc_stars(n, seed, radius=5.0, centre=(-8.0, 0.0)):
    rng = np.random.default_rng(seed)
    r = radius * np.sqrt(rng.uniform(0, 1, n))
    phi = rng.uniform(0, 2 * np.pi, n)
    x, y = centre[0] + r * np.cos(phi), centre[1] + r * np.sin(phi)
    e = np.exp(rng.normal(np.log(8.0), 0.6, n))
    return rng, x, y, e


def independent_sample(n=6000, seed=1, sigma=12.0):
    rng, x, y, e = disc_stars(n, seed)
    v = smooth_field(x, y) + rng.normal(0, 1, n) * np.sqrt(sigma**2 + e**2)
    return x, y, v, e


def grouped_sample(n_field=4000, n_groups=150, per_group=12, seed=2, sigma=12.0):
    """Field stars plus groups whose members share a bulk motion N(field, sigma) and lie within
    ~0.15 kpc (associations smeared by distance errors): correlated noise at small scales."""
    rng, x, y, e = disc_stars(n_field, seed)
    v = smooth_field(x, y) + rng.normal(0, 1, n_field) * np.sqrt(sigma**2 + e**2)
    _, gx, gy, _ = disc_stars(n_groups, seed + 100, radius=4.5)
    bulk = smooth_field(gx, gy) + rng.normal(0, sigma, n_groups)
    mx = np.repeat(gx, per_group) + rng.normal(0, 0.15, n_groups * per_group)
    my = np.repeat(gy, per_group) + rng.normal(0, 0.15, n_groups * per_group)
    me = np.exp(rng.normal(np.log(8.0), 0.6, mx.size))
    mv = np.repeat(bulk, per_group) + rng.normal(0, 1, mx.size) * np.sqrt(3.0**2 + me**2)
    return (np.r_[x, mx], np.r_[y, my], np.r_[v, mv], np.r_[e, me],
            np.r_[smooth_field(x, y), smooth_field(mx, my)])


def truth_pulls(field, x, y, e, true_values):
    """(value - estimator's expectation) / error at the supported pixels, for both errors."""
    ordered = field.sort_values(["x", "y"]).reset_index(drop=True)
    truth = vrfield.smoothed_truth(x, y, e, true_values, field.attrs["bandwidth_kpc"],
                                   field.attrs["sigma_R_kms"], SETTINGS)
    sup = ordered["supported"].to_numpy()
    d = ordered["vR_smooth"].to_numpy()[sup] - truth[sup]
    return (d / ordered["vR_smooth_err"].to_numpy()[sup],
            d / ordered["vR_smooth_err_model"].to_numpy()[sup])


@pytest.fixture(scope="module")
def independent():
    x, y, v, e = independent_sample()
    return x, y, v, e, vrfield.vr_field(x, y, v, e)


@pytest.fixture(scope="module")
def grouped():
    x, y, v, e, true = grouped_sample()
    return x, y, v, e, true, vrfield.vr_field(x, y, v, e)


def test_field_recovers_a_known_field_with_calibrated_errors(independent):
    x, y, v, e, field = independent
    assert list(field.columns) == vrfield.COLUMNS
    jack, model = truth_pulls(field, x, y, e, smooth_field(x, y))
    assert jack.size > 5000
    # independent stars: the independent-star error is right and the jackknife conservative
    # (it also counts the field's change across a block; pixels are correlated: loose bounds)
    assert np.mean(np.abs(model) < 1) == pytest.approx(0.68, abs=0.06)
    assert 0.64 < np.mean(np.abs(jack) < 1) < 0.82
    # and the field follows the injected one: residual RMS far below its 20 km/s amplitude
    at = vrfield.at_positions(field, x, y)
    ok = np.isfinite(at["vR_smooth"])
    assert ok.mean() > 0.95
    assert np.sqrt(np.mean((at["vR_smooth"][ok] - smooth_field(x, y)[ok]) ** 2)) < 6.0
    assert field.attrs["sigma_R_kms"] == pytest.approx(12.0, abs=2.0)


def test_jackknife_error_counts_stars_that_move_together(grouped):
    """Against the smooth field, groups sharing a bulk motion are noise the independent-star
    error does not know about; the block jackknife does."""
    x, y, v, e, true, field = grouped
    jack, model = truth_pulls(field, x, y, e, true)
    assert np.mean(np.abs(model) < 1) < 0.60
    assert np.mean(np.abs(jack) < 1) == pytest.approx(0.68, abs=0.07)


def test_cross_validation_prefers_a_narrow_kernel_for_a_short_wave():
    rng, x, y, e = disc_stars(8000, 5)
    noise = rng.normal(0, 1, x.size) * np.sqrt(10.0**2 + e**2)
    h = {}
    for wave in (1.5, 12.0):
        v = smooth_field(x, y, amplitude=25.0, wave_kpc=wave) + noise
        cv = vrfield.cross_validate(x, y, v, e, 10.0, SETTINGS)
        assert list(cv["bandwidth_kpc"]) == list(SETTINGS.bandwidths_kpc)
        h[wave] = cv.loc[cv["score"].idxmin(), "bandwidth_kpc"]
    assert h[1.5] < h[12.0]


def test_regions_without_stars_are_not_reported(independent):
    x, y, v, e, _ = independent
    hole = np.hypot(x + 8.0, y) < 1.5
    field = vrfield.vr_field(x[~hole], y[~hole], v[~hole], e[~hole])
    centre = vrfield.at_positions(field, [-8.0], [0.0], ("vR_smooth", "vR_smooth_err"))
    assert centre.isna().all(axis=None)
    row = field.loc[(field["x"] - -7.975).abs().lt(1e-9) & (field["y"] - 0.025).abs().lt(1e-9)]
    assert len(row) == 1 and not row["supported"].iloc[0] and row["n_eff"].iloc[0] < 6
    # far outside the stars: NaN, and no pixel value without its error
    assert np.isnan(field.loc[~field["supported"], ["vR_smooth", "vR_smooth_err"]]).all(axis=None)
    both = field["supported"]
    assert np.isfinite(field.loc[both, ["vR_smooth", "vR_smooth_err",
                                        "vR_smooth_err_model"]]).all(axis=None)


def test_constant_velocities_give_a_constant_field():
    _, x, y, e = disc_stars(3000, 9)
    field = vrfield.vr_field(x, y, np.full(x.size, 7.5), e)
    sup = field["supported"]
    np.testing.assert_allclose(field.loc[sup, "vR_smooth"], 7.5, rtol=1e-9)
    assert field.attrs["sigma_R_kms"] == 0.0


def test_two_runs_are_identical(independent):
    x, y, v, e, field = independent
    again = vrfield.vr_field(x, y, v, e)
    pd.testing.assert_frame_equal(field, again)


def test_kernel_sum_is_the_unnormalised_gaussian_sum():
    img = np.zeros((41, 41))
    img[20, 20], img[25, 17] = 2.0, 3.0
    out = vrfield.kernel_sum(img, 0.2, 0.05, 3.0)
    d2 = lambda i, j: ((i * 0.05) ** 2 + (j * 0.05) ** 2)  # noqa: E731
    expect = 2.0 * np.exp(-0.5 * d2(2, 1) / 0.04) + 3.0 * np.exp(-0.5 * d2(3, 4) / 0.04)
    assert out[22, 21] == pytest.approx(expect, rel=1e-6)


def test_at_positions_reads_the_pixel_holding_each_position():
    xs, ys = np.arange(3) * 0.1 + 0.05, np.arange(2) * 0.1 + 0.05
    xx, yy = np.meshgrid(xs, ys, indexing="ij")
    field = pd.DataFrame({"x": xx.ravel(), "y": yy.ravel(), "vR_smooth": np.arange(6.0),
                          "vR_smooth_err": 1.0}).sample(frac=1, random_state=1)
    at = vrfield.at_positions(field, [0.01, 0.29, 0.15, 0.5], [0.01, 0.19, 0.11, 0.0])
    np.testing.assert_array_equal(at["vR_smooth"].to_numpy()[:3], [0.0, 5.0, 3.0])
    assert np.isnan(at["vR_smooth"].iloc[3])


@pytest.mark.parametrize("values, words", [
    ({"pixel_kpc": 0.0}, ["pixel_kpc"]),
    ({"bandwidths_kpc": (0.05,)}, ["bandwidths_kpc", "2 pixel_kpc"]),
    ({"cv_folds": 1}, ["cv_folds"]),
    ({"min_blocks": 1}, ["min_blocks"]),
])
def test_bad_settings_are_refused_by_name(values, words):
    with pytest.raises(FieldError) as err:
        FieldSettings(**values).check()
    assert all(w in str(err.value) for w in words)


def test_a_config_typo_names_the_key():
    with pytest.raises(FieldError, match="bandwith_kpc"):
        FieldSettings.from_config({"bandwith_kpc": [0.3]})
    s = FieldSettings.from_config({"bandwidths_kpc": [0.3, 0.5], "cv_folds": 4})
    assert s.bandwidths_kpc == (0.3, 0.5) and s.cv_folds == 4


def test_bad_stars_are_refused():
    with pytest.raises(FieldError, match="at least 2"):
        vrfield.vr_field([1.0], [0.0], [3.0], [5.0])
    with pytest.raises(FieldError, match="non-finite x or y"):
        vrfield.vr_field([1.0, np.nan, 2.0], [0.0, 0.0, 1.0], [3.0, 1.0, 2.0], [5.0, 5.0, 5.0])
    with pytest.raises(FieldError, match="3 x, 3 y, 2 v_R"):
        vrfield.vr_field([1.0, 0.5, 2.0], [0.0, 0.0, 1.0], [3.0, 1.0], [5.0, 5.0, 5.0])


def test_figure_draws_field_map_error_and_lines(independent, tmp_path):
    from hotstars import contrast, maps, spiral
    from hotstars.plots import structure

    x, y, v, e, field = independent
    vr = maps.vr_map(x, y, v, e, 0.25)
    delta = contrast.density_contrast(x, y)
    fig = structure.fig_vr_field(field, vr, delta, spiral.arm_curves(r0_kpc=8.2),
                                 label="h = 0.3 kpc")
    gids = {a.get_gid() for ax in fig.axes for a in ax.get_children()}
    assert {"vR_smooth", "vR", "vR_smooth_err", "err_5kms"} <= gids
    assert any(g and g.startswith("arm_") for g in gids)
    empty = field.assign(vR_smooth=np.nan)
    with pytest.raises(Exception, match="no pixel supported"):
        structure.fig_vr_field(empty, vr, delta, {})
