"""summary.json: our numbers beside the paper's."""

import numpy as np
import pandas as pd
import pytest

from hotstars import summary


def test_sample_numbers_follow_the_cutflow_and_assemble_pairs_with_paper():
    cutflow = pd.DataFrame({"step": ["observed", "matched", "teff"], "criterion": ["", "", ""],
                            "n_spectra": [300, 280, 90], "n_stars": [100, 95, 40]})
    hss = pd.DataFrame({"r_med_photogeo": [46.0, np.nan, 11000.0, 500.0]})
    numbers = summary.sample_numbers(cutflow, {"n_hss_o": 3}, hss)
    assert numbers["sample.n_targets_observed"] == 100
    assert numbers["sample.n_spectra_teff"] == 90 and numbers["sample.n_stars_teff"] == 40
    assert numbers["sample.hss_distance_min_pc"] == 46.0
    out = summary.assemble(numbers, source="test")
    assert out["sample"]["n_stars_teff"] == {"ours": 40, "paper": 45487, "ratio": pytest.approx(40 / 45487),
                                             "description": summary.PAPER["sample.n_stars_teff"][1]}
    assert out["_source"] == "test"


def test_rv_numbers_and_unknown_keys():
    vlos = pd.DataFrame({"n_epochs": [1, 1, 3, 0], "n_epochs_xcsao": [1, 0, 3, 0],
                         "vlos_err": [8.0, 12.0, 4.0, np.nan]})
    numbers = summary.rv_numbers(vlos)
    assert numbers["rv.fraction_spectra_xcsao"] == pytest.approx(4 / 5)
    assert numbers["rv.median_err_single_epoch_kms"] == pytest.approx(10.0)
    assert numbers["rv.n_stars_with_vlos"] == 3
    with pytest.raises(KeyError, match="no_such"):
        summary.assemble({"rv.no_such": 1.0}, source="test")
    assert summary.assemble({"rv.median_err_multi_epoch_kms": float("nan")}, "t")["rv"][
        "median_err_multi_epoch_kms"]["ours"] is None


def test_cluster_numbers_offsets():
    h23 = pd.DataFrame({"logage_hs": [7.0, 7.5, 8.0, 8.2], "logage_catalogue": [6.9, 7.5, 8.1, np.nan]})
    out = summary.cluster_numbers({"h23": h23})
    assert out["clusters.n_h23"] == 4
    assert out["clusters.median_offset_h23_dex"] == pytest.approx(0.0, abs=1e-12)
    assert out["clusters.robust_scatter_h23_dex"] == pytest.approx(1.4826 * 0.1)
    assert set(out) <= set(summary.PAPER)
