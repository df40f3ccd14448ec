"""Ingestion on files in the real formats: readers -> spectra/targets joins -> HSS."""

import fixtures_io
import numpy as np

from hotstars import selection
from hotstars.io import survey


def test_real_format_files_flow_into_the_hss(tmp_path):
    paths = fixtures_io.write_inputs(tmp_path)
    spall = survey.read_spall(paths["spall"], program="mwm_ob")
    bossnet = survey.read_bossnet(paths["bossnet"])
    spectra = selection.join_spectra(spall, bossnet, mjd_max=60708)
    targets = selection.build_targets(spectra, survey.read_gaia(paths["gaia"]),
                                      survey.read_distances(paths["distances"]), survey.read_tmass(paths["tmass"]))
    flags, hss, hss_spectra, cutflow = selection.select_hss(spectra, targets, selection.Cuts())

    # the star key is BOSS Net's DR3 id, never spAll's DR2 GAIA_ID
    matched = spectra.loc[spectra["source_id"] > 0]
    assert set(matched["source_id"]) <= set(bossnet["gaia_dr3_source_id"])
    assert not set(matched["source_id"]) & set(spall["gaia_dr2_id"])
    assert (spectra["mjd"] <= 60708).all()
    assert cutflow.loc[0, "n_spectra"] == int((spall["mjd"] <= 60708).sum())
    assert cutflow.iloc[-1]["n_stars"] == len(hss) == int(flags["in_hss"].sum())
    assert np.isin(hss_spectra["source_id"], hss["source_id"]).all()
