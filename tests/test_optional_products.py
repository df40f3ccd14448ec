"""Issue 15: an empty sample stops at the step that emptied it (config key, value, what to do);
optional comparisons with empty inputs are skipped with the reason, never blocking the rest."""

import importlib.util
import json
import logging
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from astropy.table import Table
from PIL import Image
from test_selection import CUTS, make_spectra, make_targets
from workflow_utils import ROOT, copy_workflow, snakemake

from hotstars import comparisons, selection, summary
from hotstars.io import tables
from hotstars.plots import style
from hotstars.selection import Cuts, SampleError
from hotstars.workflow import logs

SCRIPTS = ROOT / "scripts"


# --- an empty sample: the step, the config key and its value, what was there, what to do ------

def _stop(spectra, targets, cuts=CUTS, **kwargs):
    flags, _, _, cutflow = selection.select_hss(spectra, targets, cuts, kwargs.get("mjd_max"))
    with pytest.raises(SampleError) as err:
        selection.check_sample(spectra, targets, flags, cutflow, cuts,
                               spectra_name="sample/spectra.parquet",
                               targets_name="sample/targets.parquet", **kwargs)
    return str(err.value)


def _five():
    return make_spectra([1, 2, 3, 4, 5], snr=[30, 40, 50, 60, 75.5],
                        teff=[12000, 15000, 20000, 30000, 45000])


def test_a_sample_with_stars_passes():
    spectra, targets = _five(), make_targets()
    flags, hss, _, cutflow = selection.select_hss(spectra, targets, CUTS)
    assert len(hss) == 5
    selection.check_sample(spectra, targets, flags, cutflow, CUTS)  # no error


def test_no_spectrum_after_the_mjd_cut_names_mjd_max_and_program():
    spectra = make_spectra([], snr=[], teff=[])
    msg = _stop(spectra, make_targets().iloc[:0], mjd_max=50708, program="mwm_ob")
    assert msg.startswith("ingest: ")
    assert "sample.mjd_max = 50708" in msg and "sample.program = 'mwm_ob'" in msg
    assert "sample/spectra.parquet" in msg


def test_no_matched_star_names_the_matching():
    msg = _stop(_five(), make_targets().iloc[:0])
    assert "matched step" in msg and "5 observed targets" in msg
    assert "sample/targets.parquet" in msg


def test_snr_step_names_snr_min_and_the_highest_snr():
    msg = _stop(_five(), make_targets(), Cuts(snr_min=500.0))
    assert "no star passes the snr step" in msg and "sample.snr_min = 500" in msg
    assert "75.5" in msg and "lower sample.snr_min" in msg


def test_parallax_step_names_the_key_and_the_most_precise_star():
    targets = make_targets(parallax_error=np.array([0.05, 0.1, 0.2, 0.3, 0.4]),
                           parallax=np.array([1.0, 1.0, 1.0, 1.0, -1.0]))
    msg = _stop(_five(), targets, Cuts(parallax_rel_error_max=0.01))
    assert "no star passes the parallax step" in msg
    assert "sample.parallax_rel_error_max = 0.01" in msg
    assert "parallax_error / parallax = 0.05" in msg and "1 have parallax <= 0" in msg
    assert "raise sample.parallax_rel_error_max" in msg


def test_ruwe_step_names_ruwe_max_and_the_lowest_ruwe():
    targets = make_targets(ruwe=np.array([1.3, 1.2, 2.0, 1.25, 3.0]))
    msg = _stop(_five(), targets, Cuts(ruwe_max=1.0))
    assert "ruwe step" in msg and "sample.ruwe_max = 1" in msg
    assert "the lowest RUWE of the 5 stars left before it is 1.2" in msg
    assert "raise sample.ruwe_max" in msg


def test_teff_step_names_teff_min_and_the_hottest_star():
    msg = _stop(_five(), make_targets(), Cuts(teff_min_k=90000.0))
    assert msg.startswith("select_hss: no star passes the teff step")
    assert "sample.teff_min_k = 90,000 K" in msg and "has 45,000 K" in msg
    assert "lower sample.teff_min_k" in msg


def test_the_first_emptying_step_is_named_not_a_later_one():
    # RUWE empties the sample before Teff would: the message is about RUWE only
    targets = make_targets(ruwe=np.full(5, 2.0))
    msg = _stop(_five(), targets, Cuts(ruwe_max=1.0, teff_min_k=90000.0))
    assert "ruwe step" in msg and "teff" not in msg


def test_distance_step_names_the_distance_columns():
    targets = make_targets(r_med_photogeo=np.full(5, np.nan))
    msg = _stop(_five(), targets)
    assert "distance step" in msg and "r_med_photogeo" in msg
    assert "sample/targets.parquet" in msg


def test_vphi_window_without_stars_names_the_window_and_the_stars_range():
    v_phi = np.array([200.0, 220.0, 240.0, np.nan])
    in_window = (v_phi >= 300) & (v_phi <= 400)
    with pytest.raises(SampleError) as err:
        selection.check_vphi_window(v_phi, in_window, 300.0, 400.0, "kin.parquet")
    msg = str(err.value)
    assert "kinematics.vphi_window_kms = [300, 400]" in msg
    assert "3 stars with a v_phi in kin.parquet span 200 to 240 km/s" in msg
    assert "widen kinematics.vphi_window_kms" in msg
    selection.check_vphi_window(v_phi, v_phi > 210, 210.0, 250.0)  # stars left: no error


def _map_stars(n, spread_kpc):
    rng = np.random.default_rng(1)
    stars = pd.DataFrame({"x": rng.uniform(0, spread_kpc, n), "y": rng.uniform(0, spread_kpc, n)})
    stars.attrs["counts"] = {"n_input": 50, "n_in_vphi_window": 40, "n_finite_vR": n,
                             "n_selected": n}
    return stars


def test_maps_without_a_full_spaxel_name_min_stars_and_spaxel_pc():
    from hotstars import maps
    stars = _map_stars(12, 5.0)  # 12 stars spread over 5 x 5 kpc: no spaxel of 250 pc has 6
    density = maps.density_map(stars["x"], stars["y"], 0.25)
    with pytest.raises(SampleError) as err:
        selection.check_map_spaxels(stars, density, 6, 250, "kin.parquet")
    msg = str(err.value)
    fullest = int(density["n_stars"].max())
    assert "maps.min_stars = 6" in msg and "250 pc (maps.spaxel_pc)" in msg
    assert f"the fullest has {fullest}" in msg and "12 map stars" in msg
    selection.check_map_spaxels(stars, density, fullest, 250)  # min_stars reached: no error
    with pytest.raises(SampleError, match="no map star in kin.parquet: 50 stars, 40 in the v_phi"):
        selection.check_map_spaxels(_map_stars(0, 1.0), density.iloc[:0], 6, 250, "kin.parquet")


# --- optional comparisons: skipped with the reason, outputs made -------------------------------

def load_script(name):
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Files(SimpleNamespace):
    def get(self, key, default=None):
        return getattr(self, key, default)

    def keys(self):
        return vars(self).keys()

    def items(self):
        return vars(self).items()


def run_script(name, tmp_path, monkeypatch, inputs, outputs, **params):
    monkeypatch.setattr(logs, "setup",
                        lambda path, name="hotstars", job=None: logging.getLogger(name))
    sm = SimpleNamespace(input=Files(**inputs), output=Files(**outputs), params=Files(**params),
                         log=[str(tmp_path / f"{name}.log")])
    load_script(name).main(sm)


def draw_figure(script, figure, inputs, png):
    """One figure of a figure script (its function ``figure``) drawn from ``inputs``, written to
    ``png``."""
    sm = SimpleNamespace(input=Files(**inputs), params=Files(dpi=60))
    style.savefig(getattr(load_script(script), figure)(sm, logging.getLogger("hotstars")), png,
                  dpi=60)


def _hss_and_vlos(tmp_path, **overrides):
    spectra, targets = _five(), make_targets(**overrides)
    _, hss, _, _ = selection.select_hss(spectra, targets, CUTS)
    vlos = pd.DataFrame({"source_id": hss["source_id"], "vlos": np.linspace(-20, 20, len(hss)),
                         "vlos_err": np.full(len(hss), 5.0), "n_epochs": np.ones(len(hss), int)})
    paths = {"hss": tmp_path / "hss.parquet", "vlos": tmp_path / "vlos.parquet"}
    tables.write_table(hss, paths["hss"], units=selection.UNITS)
    tables.write_table(vlos, paths["vlos"])
    return {k: str(v) for k, v in paths.items()}


def _placeholder_text(png):
    return Image.open(png).text.get("Description", "")


def test_gaia_rv_without_radial_velocities_is_skipped_and_fig5_is_a_placeholder(
        tmp_path, monkeypatch, caplog):
    inputs = _hss_and_vlos(tmp_path)  # make_targets: radial_velocity all NaN
    out = {"table": str(tmp_path / "gaia_rv.parquet"), "numbers": str(tmp_path / "gaia_rv.json")}
    with caplog.at_level(logging.WARNING):
        run_script("compare_gaia_rv", tmp_path, monkeypatch, inputs, out,
                   teff_range_k=[8500.0, 14500.0], grvs_range=[6.0, 12.0], outside_window="keep")
    numbers = json.loads(Path(out["numbers"]).read_text())
    assert numbers["gaia_rv.n_common"] is None and numbers["gaia_rv.fraction_within_1sigma"] is None
    skipped = numbers["skipped"]
    assert skipped["input"] == inputs["hss"] and skipped["column"] == "radial_velocity"
    assert "no Gaia DR3 radial velocity" in skipped["reason"] and "5 HSS stars" in skipped["reason"]
    assert any("Fig. 5" in r.message and "radial_velocity" in r.message and r.levelname == "WARNING"
               for r in caplog.records)
    assert Table.read(out["table"]).meta["skipped"] == skipped["reason"]

    png = tmp_path / "fig05.png"
    draw_figure("plot_sample", "fig05_gaia_rv", {"gaia_rv": out["table"]}, png)
    assert _placeholder_text(png) == "not made: " + skipped["reason"]

    # the summary: null numbers, the reason beside them and under _skipped
    assembled = summary.assemble(summary.numbers_from_json(numbers), "test",
                                 summary.skipped_from_json(numbers))
    assert assembled["gaia_rv"]["n_common"]["ours"] is None
    assert assembled["gaia_rv"]["n_common"]["skipped"] == skipped["reason"]
    assert assembled["_skipped"]["gaia_rv"]["column"] == "radial_velocity"
    row = summary.summary_table(assembled).set_index("key").loc["gaia_rv.n_common"]
    assert row["quantity"].endswith(f"(not made: {skipped['reason']})")


def test_gaia_rv_with_radial_velocities_is_made(tmp_path, monkeypatch):
    rv = np.array([-10.0, 0.0, 10.0, 5.0, np.nan])
    inputs = _hss_and_vlos(tmp_path, radial_velocity=rv, radial_velocity_error=np.full(5, 3.0),
                           grvs_mag=np.full(5, 10.0), rv_template_teff=np.full(5, 12000.0))
    out = {"table": str(tmp_path / "gaia_rv.parquet"), "numbers": str(tmp_path / "gaia_rv.json")}
    run_script("compare_gaia_rv", tmp_path, monkeypatch, inputs, out,
               teff_range_k=[8500.0, 14500.0], grvs_range=[6.0, 12.0], outside_window="keep")
    numbers = json.loads(Path(out["numbers"]).read_text())
    assert numbers["gaia_rv.n_common"] == 4 and "skipped" not in numbers
    assert summary.skipped_from_json(numbers) == {}
    png = tmp_path / "fig05.png"
    draw_figure("plot_sample", "fig05_gaia_rv", {"gaia_rv": out["table"]}, png)
    assert _placeholder_text(png) == ""  # a real figure


def test_esphs_absent_is_skipped_and_fig3_is_a_placeholder(tmp_path, monkeypatch, caplog):
    inputs = _hss_and_vlos(tmp_path)  # make_targets: teff_esphs, logg_esphs all NaN
    out = {"table": str(tmp_path / "esphs.parquet"), "numbers": str(tmp_path / "esphs.json")}
    with caplog.at_level(logging.WARNING):
        run_script("compare_esphs", tmp_path, monkeypatch, {"hss": inputs["hss"]}, out,
                   teff_err_frac=0.05, logg_err_dex=0.15)
    numbers = json.loads(Path(out["numbers"]).read_text())
    assert numbers["esphs.fraction_teff_within_2sigma"] is None
    assert numbers["skipped"]["column"] == "teff_esphs"
    assert "ESP-HS teff" in numbers["skipped"]["reason"]
    assert any("Fig. 3" in r.message and "teff_esphs" in r.message for r in caplog.records)
    png = tmp_path / "fig03.png"
    draw_figure("plot_sample", "fig03_esphs", {"esphs": out["table"]}, png)
    assert _placeholder_text(png) == "not made: " + numbers["skipped"]["reason"]
    assembled = summary.assemble(summary.numbers_from_json(numbers), "test",
                                 summary.skipped_from_json(numbers))
    assert assembled["esphs"]["fraction_logg_within_2sigma"]["skipped"] == \
        numbers["skipped"]["reason"]


def test_esphs_with_teff_but_no_logg_is_skipped_naming_logg():
    hss = make_targets(teff_esphs=np.full(5, 20000.0)).assign(
        teff=18000.0, e_teff=300.0, logg=4.0, e_logg=0.1)
    table = comparisons.compare_esphs(hss, hss_name="hss.parquet")
    reason, source, column = comparisons.esphs_skip(hss, table, "hss.parquet")
    assert column == "logg_esphs" and source == "hss.parquet" and "logg" in reason


def test_binaries_without_a_usable_epoch_are_skipped_and_figC1_is_a_placeholder(
        tmp_path, monkeypatch):
    epochs = pd.DataFrame({"source_id": [1, 2], "mjd": [60000.0, 60001.0], "e": [np.nan] * 2,
                           "source": ["xcsao"] * 2})
    sim = comparisons.simulate_binaries(epochs, pd.DataFrame({"source_id": [1, 2],
                                                              "m1_msun": [5.0, 6.0]}), seed=1)
    reason, source, column = comparisons.binaries_skip(sim, "hss_spectra.parquet")
    assert source == "hss_spectra.parquet" and column == "xcsao_erv" and "usable epoch" in reason
    numbers = comparisons.skipped_numbers(comparisons.binary_numbers(sim), reason, source, column,
                                          "Fig. C.1")
    assert numbers["binaries.halfwidth_single_1epoch_kms"] is None
    assert summary.skipped_from_json(numbers)["binaries"]["reason"] == reason
    path = tmp_path / "binary_simulation.parquet"
    tables.write_table(sim, path, meta={"skipped": reason})
    png = tmp_path / "figC1.png"
    draw_figure("plot_sample", "figC1_binaries", {"binaries": str(path)}, png)
    assert _placeholder_text(png) == "not made: " + reason


def test_placeholder_figure_says_not_made_and_has_no_axes(tmp_path):
    fig = style.placeholder_figure("Fig. 5", "no Gaia DR3 radial velocity")
    assert fig.axes == []
    texts = {t.get_gid(): t.get_text() for t in fig.texts}
    assert texts["not_made"] == "not made: no Gaia DR3 radial velocity"
    style.savefig(fig, tmp_path / "p.png", dpi=60)
    assert _placeholder_text(tmp_path / "p.png") == "not made: no Gaia DR3 radial velocity"
    assert style.not_made_reason(pd.DataFrame({"a": []}), {}, "t.parquet") == "t.parquet has no rows"
    assert style.not_made_reason(pd.DataFrame({"a": [1]}), {"skipped": "why"}, "t") == "why"
    assert style.not_made_reason(pd.DataFrame({"a": [1]}), {}, "t") == ""


# --- the workflow: a Gaia file without any radial velocity ------------------------------------

@pytest.mark.workflow
def test_workflow_without_gaia_rvs_makes_the_maps_and_a_fig5_placeholder(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    overlay = ROOT / "tests" / "overlays" / "no_gaia_rv.yaml"
    run = "results/no_gaia_rv"
    # only what the test reads (the summary pulls every numbers stage): one cheap run
    targets = [f"{run}/{p}" for p in ("summary.json", "vac/ob_vac.fits", "figures/fig07_maps.png",
                                      "figures/fig05_gaia_rv.png", "figures/fig03_esphs.png")]
    snakemake(workdir, *targets, "--cores", "2", "--configfile", "config/config.yaml",
              str(overlay))
    for product in ("maps/vR_250pc.parquet", "ages/ages.parquet", "vac/ob_vac.fits",
                    "figures/fig07_maps.png"):
        assert (workdir / run / product).stat().st_size > 0, product
    assert len(tables.read_table(workdir / run / "maps/vR_250pc.parquet")) > 0
    reason = _placeholder_text(workdir / run / "figures/fig05_gaia_rv.png")
    assert reason.startswith("not made: no Gaia DR3 radial velocity")
    assert _placeholder_text(workdir / run / "figures/fig03_esphs.png") == ""  # still made
    result = json.loads((workdir / run / "summary.json").read_text())
    assert result["gaia_rv"]["n_common"]["ours"] is None
    assert "not made: " + result["gaia_rv"]["n_common"]["skipped"] == reason
    assert result["_skipped"]["gaia_rv"]["column"] == "radial_velocity"
    log = (workdir / run / "logs/compare_gaia_rv.log").read_text()
    assert "skipped" in log and "radial_velocity" in log and "hss.parquet" in log
