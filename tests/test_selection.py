"""HSS cuts at their boundaries, the cut-flow's counting, and the ingestion joins (Sec. 2.2)."""

import numpy as np
import pandas as pd
import pytest

from hotstars import selection
from hotstars.selection import Cuts

CUTS = Cuts(snr_min=20.0, parallax_rel_error_max=0.2, ruwe_max=1.4, teff_min_k=10000.0)


def make_targets(**overrides):
    """Five well-behaved targets (source_id 1..5); override columns with arrays."""
    n = 5
    base = {
        "source_id": np.arange(1, n + 1, dtype="int64"),
        "ra": np.full(n, 10.0), "dec": np.full(n, 5.0), "l": np.full(n, 120.0), "b": np.zeros(n),
        "parallax": np.full(n, 1.0), "parallax_error": np.full(n, 0.05),
        "pmra": np.zeros(n), "pmra_error": np.full(n, 0.03), "pmdec": np.zeros(n),
        "pmdec_error": np.full(n, 0.03), "pmra_pmdec_corr": np.zeros(n), "ruwe": np.full(n, 1.0),
        "phot_g_mean_mag": np.full(n, 12.0), "radial_velocity": np.full(n, np.nan),
        "radial_velocity_error": np.full(n, np.nan), "grvs_mag": np.full(n, np.nan),
        "rv_template_teff": np.full(n, np.nan), "teff_esphs": np.full(n, np.nan),
        "logg_esphs": np.full(n, np.nan), "r_med_photogeo": np.full(n, 1000.0),
        "r_lo_photogeo": np.full(n, 950.0), "r_hi_photogeo": np.full(n, 1050.0),
        "j_m": np.full(n, 10.0), "h_m": np.full(n, 10.0), "ks_m": np.full(n, 10.0),
        "ks_msigcom": np.full(n, 0.02), "n_spectra": np.full(n, 1, dtype="int64"),
    }
    base.update(overrides)
    return pd.DataFrame(base)


def make_spectra(source_ids, snr, teff, logg=None, mjd=None):
    n = len(source_ids)
    return pd.DataFrame({
        "source_id": np.asarray(source_ids, "int64"), "sdss_id": np.asarray(source_ids, "int64") + 100,
        "catalogid": np.arange(n, dtype="int64"), "field": np.full(n, 7, "int64"),
        "mjd": np.asarray(mjd if mjd is not None else 60000 + np.arange(n), "int64"),
        "sn_median_all": np.asarray(snr, float), "xcsao_rv": np.zeros(n), "xcsao_erv": np.full(n, 10.0),
        "xcsao_rxc": np.full(n, 10.0), "bn_v_r": np.zeros(n), "e_bn_v_r": np.full(n, 10.0),
        "teff": np.asarray(teff, float), "e_teff": np.full(n, 200.0),
        "logg": np.asarray(logg if logg is not None else np.full(n, 4.0), float),
        "e_logg": np.full(n, 0.1), "fe_h": np.zeros(n), "e_fe_h": np.full(n, 0.1),
    })


def flags_for(spectra, targets, cuts=CUTS):
    flags, hss, hss_spectra, cutflow = selection.select_hss(spectra, targets, cuts)
    return flags.set_index("source_id"), hss, hss_spectra, cutflow


def test_snr_cut_is_strict_at_boundary():
    targets = make_targets()
    spectra = make_spectra([1, 2, 3, 4, 5], snr=[20.0, np.nextafter(20.0, 21), 19.9, 25, 100],
                           teff=[15000] * 5)
    flags, *_ = flags_for(spectra, targets)
    assert flags["passes_snr"].tolist() == [False, True, False, True, True]


@pytest.mark.parametrize("plx, err, expected", [
    (1.0, 0.2, False),               # exactly 0.2: "< 0.2" fails
    (1.0, 0.1999999, True),
    (1.0, 0.05, True),
    (-0.5, 0.05, False),             # negative parallax leaves at this counted step
    (0.0, 0.05, False),
    (np.nan, 0.05, False),
])
def test_parallax_cut_boundary(plx, err, expected):
    assert bool(selection.passes_parallax([plx], [err], 0.2)[0]) is expected


def test_ruwe_and_teff_cuts_at_boundary():
    targets = make_targets(ruwe=np.array([1.4, 1.3999, 1.0, 1.0, 1.0]))
    spectra = make_spectra([1, 2, 3, 4, 5], snr=[50] * 5,
                           teff=[20000, 20000, 10000.0, np.nextafter(10000.0, 1e5), np.nan])
    flags, *_ = flags_for(spectra, targets)
    assert flags["passes_ruwe"].tolist() == [False, True, True, True, True]
    assert flags["passes_teff"].tolist() == [True, True, False, True, False]


def test_star_teff_is_snr_weighted_mean_over_passing_spectra():
    targets = make_targets()
    # star 1: two passing spectra (SNR 30 at 12 kK, SNR 90 at 16 kK) and a failing one at 5 kK
    spectra = make_spectra([1, 1, 1], snr=[30, 90, 10], teff=[12000, 16000, 5000])
    flags, hss, hss_spectra, _ = flags_for(spectra, targets)
    expected = (30 * 12000 + 90 * 16000) / 120
    assert flags.loc[1, "teff"] == pytest.approx(expected)
    assert flags.loc[1, "e_teff"] == pytest.approx(np.sqrt(30**2 + 90**2) * 200 / 120)
    assert flags.loc[1, "n_spectra_snr"] == 2
    assert len(hss_spectra) == 2 and (hss_spectra["sn_median_all"] > 20).all()
    # a cool failing spectrum must not drag a hot star out of the sample
    assert bool(flags.loc[1, "in_hss"])


def test_star_with_passing_snr_but_hot_only_in_failing_spectrum_is_out():
    targets = make_targets()
    spectra = make_spectra([2, 2], snr=[50, 5], teff=[8000, 20000])
    flags, *_ = flags_for(spectra, targets)
    assert flags.loc[2, "teff"] == pytest.approx(8000)
    assert not flags.loc[2, "in_hss"]


def test_cutflow_counts_are_cumulative_and_match_hss():
    rng = np.random.default_rng(1)
    n = 200
    targets = make_targets(**{
        "source_id": np.arange(1, n + 1, dtype="int64"),
        **{k: np.resize(v, n) for k, v in make_targets().drop(columns="source_id").items()},
    })
    targets["parallax"] = rng.normal(0.5, 0.3, n)
    targets["ruwe"] = rng.lognormal(0, 0.2, n)
    targets.loc[rng.random(n) < 0.05, "r_med_photogeo"] = np.nan
    ids = rng.integers(1, n + 1, 3 * n)
    spectra = make_spectra(ids, snr=rng.uniform(5, 60, ids.size), teff=rng.uniform(6000, 30000, ids.size),
                           mjd=np.arange(ids.size) + 59000)
    flags, hss, hss_spectra, cutflow = flags_for(spectra, targets)
    assert cutflow["step"].tolist() == ["observed", "matched", "snr", "parallax", "ruwe", "teff", "distance"]
    assert (np.diff(cutflow["n_stars"].to_numpy()[1:]) <= 0).all()
    assert (np.diff(cutflow["n_spectra"].to_numpy()) <= 0).all()
    last = cutflow.iloc[-1]
    assert last["n_stars"] == len(hss) == flags["in_hss"].sum()
    assert last["n_spectra"] == len(hss_spectra)
    # independent recount of the parallax step
    snr_stars = set(spectra.loc[spectra["sn_median_all"] > 20, "source_id"])
    plx_ok = set(targets.loc[(targets["parallax"] > 0)
                             & (targets["parallax_error"] < 0.2 * targets["parallax"]), "source_id"])
    assert cutflow.set_index("step").loc["parallax", "n_stars"] == len(snr_stars & plx_ok)
    assert (hss["r_med_photogeo"] > 0).all()
    assert (hss["teff"] > 10000).all()


def test_join_spectra_uses_dr3_id_and_keeps_unmatched():
    spall = pd.DataFrame({"sdss_id": [1, 1, 2, 3], "catalogid": [9, 9, 8, 7], "field": [5, 5, 6, 6],
                          "mjd": [60000, 60800, 60001, 60002], "sn_median_all": [30.0] * 4,
                          "xcsao_rv": [1.0] * 4, "xcsao_erv": [5.0] * 4, "xcsao_rxc": [9.0] * 4,
                          "programname": ["mwm_ob"] * 4, "firstcarton": ["mwm_ob_core_boss"] * 4,
                          "gaia_dr2_id": [111, 111, 222, 333]})
    dr3 = [4295806720123456789, 6917528997577384321]  # real DR3 ids exceed 2**53: no float round trip
    bossnet = pd.DataFrame({"sdss_id": [1, 2], "gaia_dr3_source_id": dr3, "mjd": [60000, 60001],
                            "fieldid": [5, 6], "teff": [15000.0, 9000.0], "e_teff": [1.0, 1.0],
                            "logg": [4.0, 4.0], "e_logg": [0.1, 0.1], "bn_v_r": [0.0, 0.0],
                            "e_bn_v_r": [5.0, 5.0]})
    joined = selection.join_spectra(spall, bossnet, mjd_max=60708)
    assert len(joined) == 3                                  # MJD 60800 is after the DR20 cut
    assert joined["source_id"].tolist() == [*dr3, -1]  # exact, and never the DR2 GAIA_ID
    with pytest.raises(selection.SampleError, match="joins"):
        selection.join_spectra(spall, bossnet.assign(mjd=[1, 2]), mjd_max=60708)


def test_build_targets_counts_spectra_and_requires_gaia_match():
    spectra = pd.DataFrame({"source_id": [5, 5, 6, -1], "gaia_dr2_id": [-1, 55, -1, 77]})
    gaia = make_targets(source_id=np.array([5, 6, 7, 8, 9])).drop(
        columns=["r_med_photogeo", "r_lo_photogeo", "r_hi_photogeo", "j_m", "h_m", "ks_m", "ks_msigcom",
                 "n_spectra"])
    distances = pd.DataFrame({"source_id": [5], "r_med_photogeo": [1.0], "r_lo_photogeo": [0.9],
                              "r_hi_photogeo": [1.1]})
    tmass = pd.DataFrame({"source_id": [5, 6], "j_m": [1.0, 2.0], "h_m": [1.0, 2.0], "ks_m": [1.0, 2.0],
                          "ks_msigcom": [0.1, 0.1]})
    targets = selection.build_targets(spectra, gaia, distances, tmass)
    assert targets["source_id"].tolist() == [5, 6]
    assert targets["n_spectra"].tolist() == [2, 1]
    assert targets["gaia_dr2_id"].tolist() == [55, -1]  # the DR2 id, for DR2-keyed catalogues
    assert np.isnan(targets.loc[1, "r_med_photogeo"])
    with pytest.raises(selection.SampleError, match="Gaia"):
        selection.build_targets(spectra, gaia.assign(source_id=gaia["source_id"] + 100), distances, tmass)


def test_teff_class_counts_edges():
    flags = pd.DataFrame({
        "teff": [6049, 6050, 7399, 7400, 9999, 10400, 16999, 17000, 31899, 31900],
        "passes_quality": [True] * 10,
        "passes_teff": [t > 10000 for t in [6049, 6050, 7399, 7400, 9999, 10400, 16999, 17000, 31899, 31900]],
        "in_hss": [t > 10000 for t in [6049, 6050, 7399, 7400, 9999, 10400, 16999, 17000, 31899, 31900]],
    })
    classes = {"f_min": 6050, "a_min": 7400, "late_b_min": 10400, "early_b_min": 17000, "o_min": 31900}
    counts = selection.teff_class_counts(flags, classes)
    assert counts == {"n_quality_a_type": 2, "n_quality_f_type": 2, "n_hss_late_b": 2,
                      "n_hss_early_b": 2, "n_hss_o": 1}
