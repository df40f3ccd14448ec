"""The workflow end to end on the small mock: lint, config checks, a full run, reruns.

One full run of the default (small) mock per test session (fixture `run_dir` in conftest.py).
"""

import json
import re

import numpy as np
import pandas as pd
import pytest
from astropy.table import Table
from workflow_utils import RUN, ROOT, copy_workflow, dry_run_blocks, planned_jobs, snakemake

pytestmark = pytest.mark.workflow

# figures that share inputs are drawn by one rule (plot_maps: Figs. 6, 7, B.1 and the v_R field;
# plot_structure: Figs. 8, 10, 11; plot_apogee: Figs. 13, D.1, B.1 APOGEE; plot_sample: Figs. 1-5,
# C.1; plot_d23: Figs. A.1, A.2)
MAPS_DOWNSTREAM = {"build_maps", "plot_maps", "plot_apogee", "vr_recovery", "plot_vr_recovery",
                   "build_age_maps", "plot_structure", "injection_recovery",
                   "contrast_numbers", "mock_comparison_numbers", "summary",
                   "summary_table", "all"}
# the comparison galaxies' maps are named after the spaxel size too
SPAXEL_CHANGE = MAPS_DOWNSTREAM | {"auriga_maps", "apogee_maps", "fig12_auriga"}
# the OB target sample's Δ_Σ (density_contrast) does not depend on the HSS; its own extra does
# the continuous v_R field uses every window star: not the spaxel size, but the window
WINDOW_DOWNSTREAM = MAPS_DOWNSTREAM | {"flag_vphi_window", "density_contrast_hss", "vr_field"}
AGES_DOWNSTREAM = {"compute_ages", "gather_ages", "build_age_maps", "plot_structure",
                   "cluster_validation", "fig09_clusters", "age_recovery",
                   "plot_age_recovery", "injection_recovery", "write_vac", "summary", "summary_table",
                   "all"}
KINEMATICS_DOWNSTREAM = WINDOW_DOWNSTREAM | AGES_DOWNSTREAM | {"compute_kinematics"}
SAMPLE_DOWNSTREAM = KINEMATICS_DOWNSTREAM | {"select_hss", "average_vlos", "kinematics_inputs",
                                             "plot_sample", "compare_gaia_rv", "compare_esphs",
                                             "simulate_binaries", "crossmatch_als3", "compare_d23",
                                             "crossmatch_numbers", "plot_d23",
                                             "cutflow_table", "crossmatch_table"}
ALL_RULES = SAMPLE_DOWNSTREAM | SPAXEL_CHANGE | {
    "build_isochrone_grid", "simulate_survey", "density_contrast", "ingest",
    "simulate_cluster_catalogues",
    "simulate_side_catalogues", "simulate_auriga", "simulate_apogee"}
SHARDS = 4  # config ages.shards


@pytest.fixture(scope="module")
def fresh_dir(tmp_path_factory):
    """A copy with nothing run, for dry-runs."""
    return copy_workflow(tmp_path_factory.mktemp("fresh"))


def test_lint_is_clean():
    proc = snakemake(ROOT, "--lint", check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Lints for" not in proc.stdout + proc.stderr


def test_full_dag_dry_run(fresh_dir):
    jobs = planned_jobs(fresh_dir)
    assert set(jobs) == ALL_RULES
    assert jobs["compute_ages"] == SHARDS and jobs["cluster_validation"] == 2
    assert all(n == 1 for rule, n in jobs.items() if rule not in ("compute_ages", "cluster_validation"))


def _dry_run_threads(workdir, *args) -> dict[str, int]:
    """{rule: threads} of the jobs a dry run plans (Snakemake prints threads above 1 only)."""
    proc = snakemake(workdir, "-n", *args)
    return {rule: int(t.group(1)) if (t := re.search(r"^\s+threads: (\d+)$", block, re.M)) else 1
            for _, rule, block in dry_run_blocks(proc.stdout + proc.stderr)}


@pytest.mark.parametrize("cores, survey, side", [(2, 2, 1), (3, 3, 2), (8, 4, 4), (1, 1, 1)])
def test_side_catalogues_leave_a_core_to_ingest(fresh_dir, tmp_path, cores, survey, side):
    """The mock's draws take up to mock.presets.<preset>.threads (4 by default) of --cores; the
    side catalogues one core fewer, so that ingest, which does not wait for them, runs beside
    them on a small machine."""
    overlay = tmp_path / "paper.yaml"
    overlay.write_text("mock:\n  preset: paper\n")
    threads = _dry_run_threads(fresh_dir, "--cores", str(cores), "simulate_side_catalogues",
                               "--configfile", "config/config.yaml", str(overlay))
    assert threads["simulate_survey"] == survey and threads["simulate_side_catalogues"] == side


@pytest.mark.parametrize("overlay, words", [
    ("typo_key.yaml", ["snr_mni"]),
    ("wrong_type.yaml", ["ruwe_max", "one point four"]),
    ("partial_inputs.yaml", ["bossnet", "distances", "tmass", "missing"]),
    ("mock_physics_typo.yaml", ["mock.physics", "binary_fractoin"]),
    ("vac_and_survey.yaml", ["inputs.vac", "spall", "not both"]),
])
def test_bad_config_stops_with_the_key_named(fresh_dir, overlay, words):
    proc = snakemake(fresh_dir, "-n", "--configfile", "config/config.yaml",
                     str(ROOT / "tests" / "overlays" / overlay), check=False)
    text = proc.stdout + proc.stderr
    assert proc.returncode != 0
    for word in words:
        assert word in text, text[-3000:]


def test_products_are_consistent(run_dir):
    results = run_dir / RUN
    cutflow = pd.read_csv(results / "sample" / "cutflow.csv")
    hss = Table.read(results / "sample" / "hss.parquet")
    vlos = Table.read(results / "rv" / "vlos.parquet")
    summary = json.loads((results / "summary.json").read_text())
    assert cutflow["step"].tolist() == ["observed", "matched", "snr", "parallax", "ruwe", "teff", "distance"]
    assert cutflow["n_stars"].iloc[-1] == len(hss) == len(vlos) > 500
    assert summary["sample"]["n_stars_teff"]["paper"] == 45487
    assert summary["sample"]["n_stars_distance"]["ours"] == len(hss)
    # units survive into the products (astropy-readable Parquet)
    assert hss["parallax"].unit == "mas" and hss["r_med_photogeo"].unit == "pc"
    assert vlos["vlos"].unit == "km / s"
    # every HSS star passes every cut
    h = hss.to_pandas()
    assert (h["ruwe"] < 1.4).all() and (h["teff"] > 1e4).all()
    assert (h["parallax_error"] < 0.2 * h["parallax"]).all()
    for name in ["fig01_sky", "fig02_cutflow", "fig03_esphs", "fig04_kiel", "fig05_gaia_rv",
                 "fig06_vphi", "fig07_maps", "fig07_field", "fig08_logage", "fig09_clusters", "fig11_young_old",
                 "fig10_contrast", "fig12_auriga", "fig13_apogee", "figB1_maps", "figC1_binaries",
                 "figA1_d23_selection", "figA2_d23_plane", "figD1_toomre", "figB1_apogee",
                 "validation_vR_recovery",
                 "validation_age_recovery"]:
        png = results / "figures" / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000


def test_second_run_has_nothing_to_do(run_dir):
    assert planned_jobs(run_dir) == {}


@pytest.mark.parametrize("overlay, expected", [
    ("snr25.yaml", SAMPLE_DOWNSTREAM),            # a sample cut: not the mock, grid, ingestion
    ("solar_v.yaml", KINEMATICS_DOWNSTREAM),      # an assumed solar parameter: kinematics and after
    ("vphi_window.yaml", WINDOW_DOWNSTREAM),      # the v_phi window: maps, not kinematics
    ("spaxel500.yaml", SPAXEL_CHANGE),            # the spaxel size: maps and their figures only
    ("imf.yaml", AGES_DOWNSTREAM),                # an age prior: ages and after, not kinematics
    ("age_grid.yaml", AGES_DOWNSTREAM),           # the posterior's age grid: the same
])
def test_config_change_reruns_exactly_the_downstream_jobs(run_dir, overlay, expected):
    path = str(ROOT / "tests" / "overlays" / overlay)
    jobs = planned_jobs(run_dir, "--configfile", "config/config.yaml", path)
    assert set(jobs) == expected


def test_injected_vr_field_is_recovered(run_dir):
    """The point of the mock: recovered mean v_R per spaxel against the truth.

    The truth of a spaxel is the mean expected v_R of its stars (the injected field, or the
    bulk motion of the association a star belongs to); the error is the maps' posterior error
    marginalised over sigma_R (the Fisher error, sigma_R fixed, is too small with 6-10 stars).
    """
    report = json.loads((run_dir / RUN / "validation" / "injection_recovery.json").read_text())
    vr = report["vR_map_250pc"]
    assert vr["n_spaxels"] > 30
    assert abs(vr["bias_mean_kms"]) < 2.0
    assert 0.6 <= vr["marginal"]["chi2_dof"] <= 1.6
    assert 0.6 <= vr["marginal"]["frac_within_1sigma"] <= 0.8
    stars = report["per_star_vR"]["pull_singles"]
    assert 0.8 < stars["robust_std"] < 1.2 and abs(stars["median"]) < 0.1


def test_averaged_velocities_recover_the_mock_truth(run_dir):
    """Single stars: (vlos - true systemic v) / vlos_err is ~N(0, 1); binaries scatter more."""
    vlos = pd.read_parquet(run_dir / RUN / "rv" / "vlos.parquet")
    truth = pd.read_parquet(run_dir / RUN / "inputs" / "truth.parquet",
                            columns=["source_id", "v_sys", "is_binary"])
    m = vlos.merge(truth, on="source_id", validate="one_to_one")
    assert len(m) == len(vlos)
    pull = (m["vlos"] - m["v_sys"]) / m["vlos_err"]

    def robust_std(x):  # 1.4826 MAD: insensitive to the mock's 1 % template failures
        return 1.4826 * np.median(np.abs(x - np.median(x)))

    for epochs in (m["n_epochs"] == 1, m["n_epochs"] >= 2):
        single = pull[epochs & ~m["is_binary"]]
        assert len(single) > 200
        assert abs(np.median(single)) < 0.15
        assert 0.8 < robust_std(single) < 1.25
    assert robust_std(pull[m["is_binary"]]) > 1.2


def test_ages_recover_the_mock_truth(run_dir):
    """[p16, p84] covers the true log-age of ~68 % of the stars older than 30 Myr."""
    report = json.loads((run_dir / RUN / "validation" / "injection_recovery.json").read_text())
    old = report["ages"]["older_than_30myr"]
    assert old["n"] > 1000
    assert 0.6 <= old["coverage_68"] <= 0.8
    assert abs(old["bias_median_dex"]) < 0.05
    ages = pd.read_parquet(run_dir / RUN / "ages" / "ages.parquet")
    hss = pd.read_parquet(run_dir / RUN / "sample" / "hss.parquet", columns=["source_id"])
    assert ages["source_id"].tolist() == sorted(hss["source_id"])  # every HSS star, once


def test_cluster_ages_match_the_mock_truth(run_dir):
    for catalogue in ("h23", "cg20"):
        table = pd.read_parquet(run_dir / RUN / "validation" / f"clusters_{catalogue}.parquet")
        assert len(table) >= 5 and (table["n_hot"] >= 5).all()
        # our cluster ages sit closer to the truth than the catalogue's own (scattered) ages
        ours = np.sqrt(np.mean((table["logage_hs"] - table["logage_true"]) ** 2))
        theirs = np.sqrt(np.mean((table["logage_catalogue"] - table["logage_true"]) ** 2))
        assert ours < 0.1 and ours < theirs
