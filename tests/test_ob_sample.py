"""The OB target sample of Zari et al. (2021) behind the density contrast (Fig. 10/11): the mock
writes every carton target, observed or not; the reader's contract; positions in the plane; the
workflow's contrast products say which sample they come from."""

from __future__ import annotations

import glob
import json

import numpy as np
import pandas as pd
import pytest
from astropy.table import Table
from workflow_utils import RUN

from hotstars import contrast
from hotstars.frame import galactocentric_frame, galactocentric_to_observed
from hotstars.io import catalogues
from hotstars.io.specs import InputError
from hotstars.mock import survey

ROOT_GRID = sorted(glob.glob("resources/isochrones/grid_*.parquet"))


@pytest.fixture(scope="module")
def grid():
    from hotstars.isochrones import build_grid_lachesis, grid_axes

    if ROOT_GRID:
        return pd.read_parquet(ROOT_GRID[0])
    ages, fehs = grid_axes({"min": 6.0, "max": 9.0, "step": 0.05}, {"min": -0.5, "max": 0.4,
                                                                      "step": 0.1})
    return build_grid_lachesis(ages, fehs)


@pytest.fixture(scope="module")
def mock(grid):
    return survey.simulate_survey(grid, 1500, 11, galactocentric_frame())


def test_the_mock_target_sample_holds_every_observed_star_and_the_unobserved_fields(mock):
    ob, gaia, spall = mock["ob_sample"], mock["gaia"], mock["spall"]
    assert ob["source_id"].is_unique
    observed = np.isin(ob["source_id"], gaia["source_id"])
    assert observed.sum() == len(gaia) == 1500  # every observed target, with the same id
    # field_completion 0.6 of the fields: many targets were never observed
    assert 0.2 < 1 - observed.mean() < 0.6
    # whole fields are observed or not: no field holds both kinds of target
    p = survey.MockParams()
    cells = survey._field_cells(ob["l"].to_numpy(), ob["b"].to_numpy(), p)
    assert not set(cells[observed]) & set(cells[~observed])
    # the observed rows agree with the Gaia file (same astrometry)
    merged = ob.merge(gaia, on="source_id", suffixes=("", "_gaia"))
    np.testing.assert_allclose(merged["parallax"], merged["parallax_gaia"])
    np.testing.assert_allclose(merged["ra"], merged["ra_gaia"])
    assert spall["SDSS_ID"].nunique() >= len(gaia)


def test_a_complete_survey_observes_every_target(grid):
    tables = survey.simulate_survey(grid, 400, 3, galactocentric_frame(),
                                    {"field_completion": 1.0})
    assert sorted(tables["ob_sample"]["source_id"]) == sorted(tables["gaia"]["source_id"])


def _sample_at(xyz, frame, plx_rel_err=0.01):
    x, y, z = xyz
    zero = np.zeros(len(x))
    sky = galactocentric_to_observed(x, y, z, zero, zero, zero, frame)
    return pd.DataFrame({"source_id": np.arange(len(x), dtype=np.int64) + 10**18,
                         "ra": sky["ra"], "dec": sky["dec"], "parallax": sky["parallax"],
                         "parallax_error": sky["parallax"] * plx_rel_err})


def test_sample_positions_invert_the_sky_projection_and_apply_the_cuts():
    frame = galactocentric_frame(8.2, 25.0)
    rng = np.random.default_rng(1)
    xyz = (rng.uniform(-11, -5, 200), rng.uniform(-3, 3, 200), rng.normal(0, 0.05, 200))
    df = _sample_at(xyz, frame)
    out = contrast.sample_positions(df, frame)
    np.testing.assert_allclose(out["x"], xyz[0], atol=1e-9)
    np.testing.assert_allclose(out["y"], xyz[1], atol=1e-9)
    np.testing.assert_allclose(out["z"], xyz[2], atol=1e-9)
    # Bailer-Jones distances are used where given (pc), 1/parallax elsewhere
    d_true = 1.0 / df["parallax"].to_numpy()
    df["r_med_photogeo"] = np.where(np.arange(200) % 2 == 0, 2000 * d_true, np.nan)
    out = contrast.sample_positions(df, frame)
    sun = np.array([-np.sqrt(np.hypot(8.2, 0.025) ** 2 - 0.025 ** 2), 0.0, 0.025])
    dist = np.linalg.norm(out[["x", "y", "z"]].to_numpy() - sun, axis=1)
    np.testing.assert_allclose(dist[::2], 2 * d_true[::2], rtol=1e-6)
    np.testing.assert_allclose(dist[1::2], d_true[1::2], rtol=1e-6)
    # parallax_over_error and |z| cuts, counted
    df = _sample_at(xyz, frame)
    df.loc[:49, "parallax_error"] = df.loc[:49, "parallax"] / 4.0   # ϖ/σ = 4 < 5
    df.loc[50:59, "parallax"] = -0.1
    out = contrast.sample_positions(df, frame, parallax_over_error_min=5.0, z_max_kpc=0.05)
    assert out.attrs["counts"]["n_input"] == 200 and out.attrs["counts"]["n_parallax"] == 140
    assert (np.abs(out["z"]) < 0.05).all() and len(out) == out.attrs["counts"]["n_selected"] < 140
    with pytest.raises(contrast.ContrastError, match="parallax_over_error_min"):
        contrast.sample_positions(df, frame, parallax_over_error_min=1e6)


def test_the_reader_names_the_file_and_the_column(tmp_path):
    frame = galactocentric_frame()
    df = _sample_at((np.full(5, -7.0), np.zeros(5), np.zeros(5)), frame)
    good = tmp_path / "ob.csv"
    df.to_csv(good, index=False)
    assert len(catalogues.read_ob_sample(good)) == 5
    bad = tmp_path / "no_error.csv"
    df.drop(columns="parallax_error").to_csv(bad, index=False)
    with pytest.raises(InputError, match=r"no_error\.csv.*parallax_error"):
        catalogues.read_ob_sample(bad)
    twice = tmp_path / "twice.csv"
    pd.concat([df, df.iloc[:1]]).to_csv(twice, index=False)
    with pytest.raises(InputError, match=r"twice\.csv.*source_id"):
        catalogues.read_ob_sample(twice)


def test_figure_label_names_sample_size_and_bandwidths():
    meta = {"sample": contrast.SAMPLE_LABELS["ob_sample"], "n_stars": 31204, "local_kpc": 0.3,
            "mean_kpc": 2.0}
    label = contrast.figure_label(meta)
    assert "Zari et al. 2021" in label and "31,204" in label and "0.3 / 2 kpc" in label


@pytest.mark.workflow
def test_the_run_computes_the_contrast_from_the_target_sample(run_dir):
    results = run_dir / RUN
    main = Table.read(results / "maps" / "density_contrast.parquet").meta
    extra = Table.read(results / "maps" / "density_contrast_hss.parquet").meta
    ob = catalogues.read_ob_sample(results / "inputs" / "z21_ob_sample.parquet")
    assert main["sample"] == contrast.SAMPLE_LABELS["ob_sample"]
    assert extra["sample"] == contrast.SAMPLE_LABELS["hss"]
    usable = (ob["parallax"] / ob["parallax_error"] > 5).sum()
    assert main["n_selected"] == usable and main["n_input"] == len(ob)
    assert main["n_stars"] <= usable and main["n_stars"] > 2 * extra["n_stars"]
    numbers = json.loads((results / "comparisons" / "contrast.json").read_text())
    assert numbers["contrast.n_stars"] == main["n_stars"]
    assert numbers["contrast.hss_n_stars"] == extra["n_stars"]
    assert numbers["contrast.sample"] == main["sample"]
