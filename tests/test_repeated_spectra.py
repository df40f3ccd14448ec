"""Repeated spectrum keys in spAll and BOSS Net (config ``sample.repeated_spectra``): resolved by a
documented rule, counted in the log and the cut-flow, or stopped with the file and keys named.

Files are the real-format fixtures of :mod:`fixtures_io` (spAll DR20 v6_2_1 with RUN2D and OBS;
astraAllVisitBossNet with release, filetype, run2d, telescope and snr), changed row by row.
"""

from __future__ import annotations

import logging
import shutil

import fixtures_io as fx
import numpy as np
import pandas as pd
import pytest
import yaml
from fixtures_io import raises
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate
from workflow_utils import ROOT, RUN, copy_workflow, snakemake

from hotstars import selection
from hotstars.io import survey
from hotstars.plots import sample as sample_plots

MJD_MAX = 60708
SCHEMA = str(ROOT / "workflow" / "schemas" / "config.schema.yaml")


def _append(raw: fx.Raw, rows, **changes) -> fx.Raw:
    """``raw`` with copies of ``rows`` appended at the end, columns set by ``changes``."""
    out = raw.copy()
    rows = np.atleast_1d(rows)
    for name, values in out.cols.items():
        extra = values[rows].copy()
        if name in changes:
            extra = np.full(len(rows), changes[name]).astype(values.dtype) \
                if values.dtype.kind not in "US" else np.array([changes[name]] * len(rows))
        out.cols[name] = np.concatenate([values, extra])
    return out


def _ob_rows(raw: fx.Raw) -> np.ndarray:
    return np.flatnonzero(raw.cols["PROGRAMNAME"] == "mwm_ob")


def _read(tmp_path, spall_raw, bossnet_raw, **kw):
    spall = survey.read_spall(fx.write(spall_raw, tmp_path / "spAll-v6_2_1.fits"), **kw)
    bossnet = survey.read_bossnet(fx.write(bossnet_raw, tmp_path / "astraAllVisitBossNet.fits"),
                                  **kw)
    return spall, bossnet


def _spectrum(spectra, raw_spall, row, obs="APO"):
    """The joined spectrum of spAll file row ``row`` (and observatory ``obs``)."""
    sel = ((spectra["sdss_id"] == raw_spall.cols["SDSS_ID"][row])
           & (spectra["field"] == raw_spall.cols["FIELD"][row])
           & (spectra["mjd"] == raw_spall.cols["MJD"][row]) & (spectra["obs"] == obs))
    assert sel.sum() == 1, spectra.loc[sel]
    return spectra.loc[sel].iloc[0]


# --- spAll --------------------------------------------------------------------------------------

def test_identical_spall_rows_collapse_and_are_counted_in_the_cutflow(tmp_path, caplog):
    raw = fx.spall()
    row = _ob_rows(raw)[0]
    spall, bossnet = _read(tmp_path, _append(raw, [row, row]), fx.bossnet())
    assert len(spall) == len(raw.expected) + 2  # the reader keeps them (the join resolves them)
    with caplog.at_level(logging.INFO, logger="hotstars"):
        spectra = selection.join_spectra(spall, bossnet, MJD_MAX)
    assert len(spectra) == len(raw.expected)
    kept = _spectrum(spectra, raw, row)
    assert (kept["n_identical_spall"], kept["n_dropped_spall"]) == (2, 0)
    assert spectra["n_identical_spall"].sum() == 2 and spectra["n_dropped_spall"].sum() == 0
    assert "2 identical rows collapsed" in caplog.text and "spAll-v6_2_1.fits" in caplog.text
    assert spectra.attrs["repeated_spectra"]["spall"] == {"rows": 3, "keys": 1, "identical": 2,
                                                         "dropped": 0}

    targets = pd.DataFrame({"source_id": spectra.loc[spectra["source_id"] > 0, "source_id"]
                            .unique()})
    targets = targets.assign(n_spectra=1, parallax=1.0, parallax_error=0.01, ruwe=1.0,
                             r_med_photogeo=1000.0, r_lo_photogeo=900.0, r_hi_photogeo=1100.0)
    *_, cutflow = selection.select_hss(spectra, targets, selection.Cuts(), MJD_MAX)
    observed = cutflow.set_index("step").loc["observed"]
    assert observed["n_spectra"] == len(raw.expected)  # the repeats are not spectra
    assert "repeated keys: spAll 2 identical + 0 lower S/N rows removed" in observed["criterion"]
    assert "BOSS Net" not in observed["criterion"]  # nothing was removed there


def test_different_spall_rows_keep_the_highest_snr(tmp_path):
    raw = fx.spall()
    ob = _ob_rows(raw)
    a, b, c = ob[np.isfinite(raw.cols["XCSAO_RV"][ob])][:3]
    snr = raw.cols["SN_MEDIAN_ALL"]
    changed = _append(raw, [a], SN_MEDIAN_ALL=snr[a] + 10, XCSAO_RV=123.0)  # better repeat
    changed = _append(changed, [b], SN_MEDIAN_ALL=snr[b] - 1, XCSAO_RV=-77.0)  # worse repeat
    changed = _append(changed, [c], XCSAO_RV=55.0)  # same S/N: the first row in the file wins
    spall, bossnet = _read(tmp_path, changed, fx.bossnet())
    spectra = selection.join_spectra(spall, bossnet, MJD_MAX)
    assert len(spectra) == len(raw.expected)
    got = {r: _spectrum(spectra, raw, r) for r in (a, b, c)}
    assert got[a]["sn_median_all"] == pytest.approx(snr[a] + 10)
    assert got[a]["xcsao_rv"] == pytest.approx(123.0)
    assert got[b]["xcsao_rv"] == pytest.approx(raw.cols["XCSAO_RV"][b])
    assert got[c]["xcsao_rv"] == pytest.approx(raw.cols["XCSAO_RV"][c])
    assert all(got[r]["n_dropped_spall"] == 1 for r in (a, b, c))
    assert spectra.attrs["repeated_spectra"]["spall"]["dropped"] == 3


def test_stop_names_the_file_the_key_columns_and_the_keys(tmp_path):
    raw = fx.spall()
    row = _ob_rows(raw)[1]
    changed = _append(raw, [row], SN_MEDIAN_ALL=99.0)
    path = fx.write(changed, tmp_path / "spAll-v6_2_1.fits")
    with raises(path, "(sdss_id, field, mjd, run2d, obs)", f"sdss_id={raw.cols['SDSS_ID'][row]}",
                f"mjd={raw.cols['MJD'][row]}", "sample.repeated_spectra"):
        survey.read_spall(path, repeated_spectra="stop")
    # the join stops too (readers that kept the rows), naming the file and the keys
    spall = survey.read_spall(path)
    bossnet = survey.read_bossnet(fx.write(fx.bossnet(), tmp_path / "bn.fits"))
    with pytest.raises(selection.SampleError) as err:
        selection.join_spectra(spall, bossnet, MJD_MAX, repeated_spectra="stop")
    msg = str(err.value)
    for fragment in (str(path), "(sdss_id, field, mjd, run2d, obs)",
                     f"sdss_id={raw.cols['SDSS_ID'][row]}", "sample.repeated_spectra: stop"):
        assert fragment in msg, msg


def test_collapse_identical_stops_only_on_different_rows(tmp_path):
    raw = fx.spall()
    row = _ob_rows(raw)[0]
    spall, bossnet = _read(tmp_path, _append(raw, [row]), fx.bossnet())
    spectra = selection.join_spectra(spall, bossnet, MJD_MAX, repeated_spectra="collapse_identical")
    assert spectra["n_identical_spall"].sum() == 1

    spall, bossnet = _read(tmp_path, _append(raw, [row], XCSAO_RV=321.0), fx.bossnet())
    with pytest.raises(selection.SampleError) as err:
        selection.join_spectra(spall, bossnet, MJD_MAX, repeated_spectra="collapse_identical")
    msg = str(err.value)
    assert "spAll-v6_2_1.fits" in msg and "xcsao_rv" in msg  # the differing column is named
    assert f"sdss_id={raw.cols['SDSS_ID'][row]}" in msg


# --- BOSS Net -----------------------------------------------------------------------------------

def test_bossnet_repeats_collapse_or_keep_the_highest_snr(tmp_path, caplog):
    bn = fx.bossnet()
    same, better = 0, 5
    changed = _append(bn, [same])  # an identical copy
    changed = _append(changed, [better], snr=bn.cols["snr"][better] + 20, teff=25_000.0,
                      filetype="specLite")  # another file type of the same spectrum
    changed = _append(changed, [better], snr=bn.cols["snr"][better] - 1, teff=11_000.0)
    spall, bossnet = _read(tmp_path, fx.spall(), changed)
    with caplog.at_level(logging.INFO, logger="hotstars"):
        spectra = selection.join_spectra(spall, bossnet, MJD_MAX)
    assert "2 filetypes ('specFull', 'specLite')" in caplog.text  # not mixed in silently
    assert len(spectra) == len(fx.spall().expected)
    by_visit = spectra.set_index(["sdss_id", "field", "mjd"])
    key = lambda i: (bn.cols["sdss_id"][i], bn.cols["fieldid"][i], bn.cols["mjd"][i])  # noqa: E731
    assert by_visit.loc[key(better), "teff"] == 25_000.0
    assert by_visit.loc[key(better), "n_dropped_bossnet"] == 2
    assert by_visit.loc[key(same), "n_identical_bossnet"] == 1
    assert by_visit.loc[key(same), "teff"] == pytest.approx(bn.cols["teff"][same])
    assert spectra.attrs["repeated_spectra"]["bossnet"] == {"rows": 5, "keys": 2, "identical": 1,
                                                           "dropped": 2}


def test_two_reductions_in_one_bossnet_file_join_the_spall_reduction_only(tmp_path, caplog):
    """A BOSS Net file with v6_1_3 and v6_2_1 results of the same visits: the v6_2_1 spAll takes
    the v6_2_1 rows, even where a v6_1_3 row has the higher S/N; nothing counts as a repeat."""
    bn = fx.bossnet()
    both = _append(bn, np.arange(len(bn.cols["sdss_id"])), run2d="v6_1_3", teff=40_000.0,
                   snr=500.0)
    spall, bossnet = _read(tmp_path, fx.spall(), both)
    with caplog.at_level(logging.INFO, logger="hotstars"):
        spectra = selection.join_spectra(spall, bossnet, MJD_MAX)
    matched = spectra.loc[spectra["source_id"] > 0]
    assert len(matched) and not (matched["teff"] == 40_000.0).any()
    assert (spectra["run2d"] == "v6_2_1").all()
    assert spectra[selection.REPEAT_COLUMNS].to_numpy().sum() == 0
    assert "rows of other reductions (run2d 'v6_1_3')" in caplog.text

    # a DR19-only BOSS Net file (v6_1_3) does not join a DR20 spAll: the message says why
    spall, bossnet = _read(tmp_path, fx.spall(), fx.bossnet("dr19", run2d="v6_1_3"))
    with pytest.raises(selection.SampleError, match="run2d 'v6_1_3' in BOSS Net"):
        selection.join_spectra(spall, bossnet, MJD_MAX)


def test_apo_and_lco_spectra_of_the_same_visit_key_are_both_kept(tmp_path):
    sp, bn = fx.spall(), fx.bossnet()
    row = _ob_rows(sp)[0]
    i = int(np.flatnonzero((bn.cols["sdss_id"] == sp.cols["SDSS_ID"][row])
                           & (bn.cols["mjd"] == sp.cols["MJD"][row]))[0])
    spall, bossnet = _read(tmp_path, _append(sp, [row], OBS="LCO", SN_MEDIAN_ALL=3.0),
                           _append(bn, [i], telescope="lco25m", teff=33_333.0))
    spectra = selection.join_spectra(spall, bossnet, MJD_MAX)
    assert len(spectra) == len(sp.expected) + 1
    apo, lco = _spectrum(spectra, sp, row, "APO"), _spectrum(spectra, sp, row, "LCO")
    assert lco["teff"] == 33_333.0 and lco["sn_median_all"] == 3.0
    assert apo["teff"] == pytest.approx(bn.cols["teff"][i])
    assert spectra[selection.REPEAT_COLUMNS].to_numpy().sum() == 0
    assert selection.observatory(["apo25m", " lco25m", "APO", "lco"]).tolist() == [
        "APO", "LCO", "APO", "LCO"]


def test_files_without_reduction_and_telescope_columns(tmp_path, caplog):
    """CSV exports without RUN2D/OBS and run2d/telescope join on (sdss_id, field, mjd); a BOSS Net
    file with two reductions then has repeats on that key, resolved by S/N and counted."""
    sp, bn = fx.spall(), fx.bossnet()
    bare = bn.copy()
    for raw, names in ((sp, ("RUN2D", "OBS")),
                       (bare, ("run2d", "telescope", "release", "filetype"))):
        for name in [*names, *(k for k, v in raw.cols.items() if v.ndim > 1)]:  # CSV: 1-d only
            raw.cols.pop(name)
    spall = survey.read_spall(fx.write(sp, tmp_path / "spall.csv"))
    bossnet = survey.read_bossnet(fx.write(bare, tmp_path / "bossnet.csv"))
    assert "run2d" not in spall and "telescope" not in bossnet
    with caplog.at_level(logging.INFO, logger="hotstars"):
        spectra = selection.join_spectra(spall, bossnet, MJD_MAX)
    assert spectra.attrs["repeated_spectra"]["join_key"] == ["sdss_id", "field", "mjd"]
    assert (spectra["run2d"] == "").all() and (spectra["obs"] == "").all()
    full = selection.join_spectra(*_read(tmp_path, fx.spall(), bn), MJD_MAX)
    cols = ["sdss_id", "field", "mjd", "source_id", "teff", "bn_v_r"]
    pd.testing.assert_frame_equal(spectra[cols], full[cols])  # the same spectra, the same values
    assert "has no column RUN2D" in caplog.text and "joined without the reduction" in caplog.text

    both = _append(bn, np.arange(len(bn.cols["sdss_id"])), run2d="v6_1_3", teff=40_000.0,
                   snr=500.0)
    bossnet = survey.read_bossnet(fx.write(both, tmp_path / "bossnet2.fits"))
    spectra = selection.join_spectra(spall, bossnet, MJD_MAX)
    matched = spectra.loc[spectra["source_id"] > 0]
    assert (matched["teff"] == 40_000.0).all()  # the higher S/N, as there is no run2d to match
    assert spectra["n_dropped_bossnet"].sum() == len(matched)


# --- config, figure -----------------------------------------------------------------------------

def test_rule_names_agree_and_a_typo_is_rejected():
    schema = yaml.safe_load(open(SCHEMA))
    enum = schema["properties"]["sample"]["properties"]["repeated_spectra"]["enum"]
    assert tuple(enum) == survey.REPEATED_SPECTRA == selection.REPEATED_SPECTRA_RULES
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    assert config["sample"]["repeated_spectra"] == "keep_highest_snr"
    config["sample"]["repeated_spectra"] = "keep_highest_sn"
    with pytest.raises(WorkflowError, match="keep_highest_sn"):
        validate(config, SCHEMA)
    with pytest.raises(ValueError, match="repeated_spectra='highest'"):
        survey.read_spall("nowhere.fits", repeated_spectra="highest")


def test_fig2_wraps_the_observed_note_and_keeps_short_labels_on_one_line():
    note = "; repeated keys: spAll 12 identical + 3 lower S/N, BOSS Net 1402 identical + 17 rows"
    cutflow = pd.DataFrame({"step": ["observed", "matched", "distance"],
                            "criterion": ["carton spectra with MJD <= 60708" + note, "BOSS Net",
                                          "Bailer-Jones photogeometric distance (r_med, r_lo, "
                                          "r_hi) available"],
                            "n_spectra": [100, 90, 50], "n_stars": [40, 35, 20]})
    texts = [t.get_text() for t in sample_plots.fig_cutflow(cutflow).axes[0].texts
             if t.get_text()[:2] in ("1.", "2.", "3.")]
    assert texts[0].count("\n") == 1 and "1402 identical" in texts[0]
    assert "\n" not in texts[1] and "\n" not in texts[2]
    plain = sample_plots.fig_cutflow(cutflow.assign(criterion=["c"] * 3))
    assert sample_plots.fig_cutflow(cutflow).get_figheight() > plain.get_figheight()


# --- end to end ---------------------------------------------------------------------------------

@pytest.mark.workflow
def test_workflow_resolves_repeats_and_reports_them(tmp_path):
    """Rule ingest with a repeated spAll row and a repeated BOSS Net row: the run goes on, the
    ingest log and the cut-flow (csv) give the counts per file."""
    workdir = copy_workflow(tmp_path / "workflow")
    inputs = fx.write_inputs(tmp_path / "inputs")
    sp, bn = fx.spall(), fx.bossnet()
    fx.write(_append(sp, [_ob_rows(sp)[0]]), inputs["spall"])
    fx.write(_append(bn, [2], snr=bn.cols["snr"][2] + 5, teff=20_000.0), inputs["bossnet"],
             extra_hdus=(fx.bossnet_apogee(),))
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(yaml.safe_dump({"inputs": {k: str(v) for k, v in inputs.items()}}))
    snakemake(workdir, "--cores", "1", "select_hss", "--configfile", "config/config.yaml",
              str(overlay))
    log = (workdir / RUN / "logs" / "ingest.log").read_text()
    assert "sample.repeated_spectra: keep_highest_snr" in log
    assert "spAll: 2 rows repeat 1 keys, 1 identical rows collapsed, 0 lower-S/N" in log
    assert "BOSS Net: 2 rows repeat 1 keys, 0 identical rows collapsed, 1 lower-S/N" in log
    cutflow = pd.read_csv(workdir / RUN / "sample" / "cutflow.csv")
    assert cutflow["criterion"].iloc[0].endswith(
        "; repeated keys: spAll 1 identical + 0 lower S/N, BOSS Net 0 identical + 1 lower S/N "
        "rows removed")
    assert cutflow["n_spectra"].iloc[0] == len(sp.expected.query(f"mjd <= {MJD_MAX}"))
    shutil.rmtree(workdir / RUN, ignore_errors=True)
