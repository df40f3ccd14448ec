"""The run plan (hotstars.workflow.plan): modes, products, inputs, summary inputs, paths and the
missing-data decision, from configs as the workflow sees them (shipped config + overlay, schema
defaults filled in)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from snakemake.utils import validate
from workflow_utils import ROOT

from hotstars.workflow.plan import COMPONENTS, SURVEY_INPUTS, PlanError, RunPlan

SCHEMA = str(ROOT / "workflow" / "schemas" / "config.schema.yaml")
SURVEY = {k: f"data/{k}.fits" for k in SURVEY_INPUTS}


def merge(base: dict, overlay: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in overlay.items():
        out[key] = merge(out.get(key, {}), value) if isinstance(value, dict) and key != "inputs" \
            else value
    return out


def config(overlay: dict | None = None, *files: str) -> dict:
    """config/config.yaml, then the shipped overlays ``files``, then ``overlay``, validated."""
    cfg = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    for name in files:
        cfg = merge(cfg, yaml.safe_load((ROOT / "config" / name).read_text()))
    cfg = merge(cfg, overlay or {})
    validate(cfg, SCHEMA)
    return cfg


def plan(overlay=None, *files) -> RunPlan:
    return RunPlan(config(overlay, *files))


def relative(p: RunPlan, paths) -> set[str]:
    return {x.removeprefix(p.results_dir + "/") for x in paths}


def test_the_default_run_is_the_mock_with_every_part_in_its_own_folder():
    p = plan()
    assert p.mode == "mock" and p.name == "mock" and p.results_dir == "results/mock"
    assert [c.name for c in p.components()] == [c.name for c in COMPONENTS]
    products = p.final_products()
    assert products[0].startswith("resources/isochrones/grid_")
    assert all(x.startswith("results/mock/") for x in products[1:])
    assert {"figures/fig12_auriga.png", "validation/injection_recovery.json",
            "maps/vR_250pc.parquet", "maps/logage_125pc.parquet"} <= relative(p, products)
    assert p.used_input_keys() == [] and p.missing_data_files() == {}
    assert p.survey_input("spall") == p.mock_file("spall") == "results/mock/inputs/spAll-mock.fits"
    assert p.cluster_inputs("h23")["truth"] == "results/mock/inputs/truth.parquet"
    assert p.targets() == products
    assert p.data_sources()["survey"] == "mock" and p.data_sources()["apogee"] == "mock"


def test_every_product_of_the_mock_is_made_by_a_part_once():
    paths = [x for c in COMPONENTS for x in c.products]
    assert len(paths) == len(set(paths))
    summary = plan().summary_inputs()
    assert {"kinematics", "vr_map", "cutflow", "ages", "numbers_galaxies", "numbers_crossmatch",
            "clusters_h23", "clusters_cg20"} <= set(summary)


def test_overlays_name_their_runs():
    for name in ("mock_paper", "mock_full", "dr19", "dr20", "vac"):
        cfg = config(None, f"{name}.yaml")
        assert cfg["run"]["name"] == name


def test_a_survey_run_makes_an_optional_part_only_with_all_its_inputs():
    p = plan({"inputs": SURVEY})
    assert p.mode == "survey" and [c.name for c in p.components()] == ["sample"]
    assert p.used_input_keys() == list(SURVEY_INPUTS)
    assert not {"figures/fig12_auriga.png", "figures/figA1_d23_selection.png",
                "validation/injection_recovery.json"} & relative(p, p.final_products())
    assert "numbers_galaxies" not in p.summary_inputs()
    only_auriga = plan({"inputs": {**SURVEY, "auriga": "data/aurigaia"}})
    assert not only_auriga.has("galaxies")  # the comparison needs both galaxies ...
    assert only_auriga.has("auriga")          # ... Fig. 12 only the Auriga files
    assert "figures/fig12_auriga.png" in relative(only_auriga, only_auriga.final_products())
    assert only_auriga.parts_not_made()["part galaxies"]["reason"] == "inputs.apogee not configured"
    full = plan({"inputs": {**SURVEY, "auriga": "a", "apogee": "b.fits", "als3": "c.csv",
                            "d23": "d.csv", "d23_gaia": "e.parquet"}})
    assert {c.name for c in full.components()} == {"sample", "auriga", "galaxies",
                                                   "side_catalogues"}
    assert set(full.parts_not_made()) == {"part ob_sample", "part clusters"}
    assert full.used_input_keys() == [*SURVEY_INPUTS, "auriga", "apogee", "als3", "d23",
                                      "d23_gaia"]
    assert full.side_input("als3") == "c.csv" and full.survey_input("gaia") == "data/gaia.fits"
    assert full.data_sources()["als3"] == "file" and full.data_sources()["clusters_h23"] == "none"


def test_a_vac_run_makes_the_kinematics_and_maps_only():
    p = plan({"inputs": {"vac": "data/ob_vac.fits"}, "run": {"name": "vac"}})
    assert p.mode == "vac" and p.components() == []
    assert relative(p, p.final_products()) == {
        "kinematics/kinematics.parquet", "maps/density_250pc.parquet", "maps/vR_250pc.parquet",
        "summary.json", "tables/summary.html", "figures/fig06_vphi.png",
        "figures/fig07_maps.png", "figures/figB1_maps.png", "maps/vR_field.parquet",
        "figures/fig07_field.png"}
    assert p.used_input_keys() == ["vac"] and "cutflow" not in p.summary_inputs()
    assert p.data_source() == "published VAC data/ob_vac.fits"


@pytest.mark.parametrize("inputs, words", [
    ({"vac": "v.fits", "spall": "s.fits"}, ["inputs.vac", "not both", "spall"]),
    ({"spall": "s.fits", "gaia": "g.fits"}, ["bossnet, distances, tmass missing"]),
])
def test_inputs_that_do_not_go_together_stop_the_plan(inputs, words):
    with pytest.raises(PlanError) as err:
        plan({"inputs": inputs})
    for word in words:
        assert word in str(err.value)


def test_mock_settings_are_checked_before_any_job():
    with pytest.raises(PlanError, match="binary_fractoin"):
        plan({"mock": {"physics": {"binary_fractoin": 0.5}}})
    cfg = config()
    cfg["mock"]["preset"] = "huge"
    with pytest.raises(PlanError, match="mock.preset"):
        RunPlan(cfg)


def test_the_run_name_is_one_folder():
    cfg = config()
    for bad in ("", "a/b", ".."):
        cfg["run"]["name"] = bad
        with pytest.raises(PlanError, match="run.name"):
            RunPlan(cfg)


def test_the_shared_grid_is_named_by_its_settings():
    a, b = plan(), plan({"run": {"name": "other"}, "sample": {"snr_min": 25.0}})
    assert a.isochrone_grid == b.isochrone_grid  # other runs share it
    c = plan({"isochrones": {"log_age": {"min": 6.0, "max": 8.0, "step": 0.05}}})
    assert c.isochrone_grid != a.isochrone_grid  # another grid: another file


def test_data_files_missing_stop_the_run_with_every_file_and_its_source(tmp_path):
    p = plan({"data": {"dir": str(tmp_path)}}, "dr20.yaml")
    assert p.mode == "survey" and p.name == "dr20"
    assert sorted(p.missing_data_files()) == sorted(
        Path(f.path).name for f in p.data_files.values()
        if f.key in (*SURVEY_INPUTS, "ob_sample"))
    with pytest.raises(PlanError) as err:
        p.targets()
    text = str(err.value)
    assert "6 input file(s) of this run missing" in text
    assert "config/adql/z21_ob_sample.adql" in text
    assert "https://data.sdss.org/sas/dr20/" in text and "config/adql/gaia_dr3.adql" in text


def test_with_download_on_a_run_fetches_what_it_can_and_stops_there(tmp_path):
    p = plan({"data": {"dir": str(tmp_path), "download": True}}, "dr20.yaml")
    fetch = p.downloads()
    assert sorted(f.key for f in fetch.values()) == ["bossnet", "spall"]
    assert p.targets() == [f.path for f in fetch.values()]  # only the downloads
    note = p.download_note()
    assert "this run only downloads" in note and "4 other input file(s)" in note
    for f in p.data_files.values():  # the archive files arrive: the products are the target
        if f.key in ("gaia", "distances", "tmass", "ob_sample"):
            Path(f.path).write_text("x")
    assert p.download_note() == "" and p.targets() == p.final_products()
    assert sorted(p.downloads()) == sorted(fetch)  # the SDSS files are fetched on the way


def test_with_downloads_and_queries_on_a_run_needs_nothing_else(tmp_path):
    p = plan({"data": {"dir": str(tmp_path), "download": True, "query_archive": True}},
             "dr20.yaml")
    assert sorted(f.key for f in p.downloads().values()) == ["bossnet", "spall"]
    assert sorted(f.key for f in p.queries().values()) == ["distances", "gaia", "ob_sample",
                                                           "tmass"]
    assert p.download_note() == "" and p.targets() == p.final_products()
    assert p.source_ids_file == f"{tmp_path}/mwm_ob_source_ids.vot"


def test_queries_wait_for_the_sdss_files(tmp_path):
    """Without the SDSS files (and no download) there is no star list: nothing is queried and
    the message says how to get both; once they are there, the queries make the rest."""
    p = plan({"data": {"dir": str(tmp_path), "query_archive": True}}, "dr20.yaml")
    with pytest.raises(PlanError) as err:
        p.targets()
    assert "6 input file(s)" in str(err.value) and "query_archive" not in str(err.value)
    for f in p.data_files.values():
        if f.key in ("spall", "bossnet"):
            Path(f.path).write_text("x")
    assert sorted(f.key for f in p.queries().values()) == ["distances", "gaia", "ob_sample",
                                                           "tmass"]
    assert p.downloads() == {} and p.targets() == p.final_products()


def test_with_download_alone_the_message_offers_the_queries(tmp_path):
    p = plan({"data": {"dir": str(tmp_path), "download": True}}, "dr20.yaml")
    assert "set `data: {query_archive: true}`" in p.download_note()


def test_vac_with_download_fetches_then_runs(tmp_path):
    p = plan({"data": {"dir": str(tmp_path), "download": True}}, "vac.yaml")
    assert p.mode == "vac" and list(p.downloads()) == ["ob_vac-1.0.0.fits"]
    assert p.targets() == p.final_products()
