"""summary.json: our numbers beside the paper's, and the report's tables."""

import re

import numpy as np
import pandas as pd
import pytest

from hotstars import summary
from hotstars.stats import MAD_TO_SIGMA


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
    assert out["clusters.robust_scatter_h23_dex"] == pytest.approx(MAD_TO_SIGMA * 0.1)
    assert set(out) <= set(summary.PAPER)


def test_summary_table_puts_ours_beside_the_paper_in_the_papers_order():
    numbers = {"kinematics.median_vR_err_single_epoch_kms": 8.5, "sample.n_stars_teff": 5451,
               "maps.n_spaxels_vR": 189, "rv.median_err_multi_epoch_kms": float("nan")}
    table = summary.summary_table(summary.assemble(numbers, source="test"))
    assert table["key"].tolist() == ["sample.n_stars_teff", "rv.median_err_multi_epoch_kms",
                                     "kinematics.median_vR_err_single_epoch_kms", "maps.n_spaxels_vR"]
    row = table.set_index("key").loc["kinematics.median_vR_err_single_epoch_kms"]
    assert (row["ours"], row["paper"], row["unit"]) == (8.5, 13.0, "km/s")
    assert row["difference"] == pytest.approx(-4.5)
    assert row["relative difference (%)"] == pytest.approx(-100 * 4.5 / 13)
    # the reference comes out of the description, which keeps the quantity only
    assert row["paper reference"] == "Sec. 3.1: ~13"
    assert row["quantity"] == "median sigma_vR, 1 epoch, km/s"
    stars = table.set_index("key").loc["sample.n_stars_teff"]
    assert (stars["ours"], stars["paper"], stars["unit"]) == (5451, 45487, "count")
    # no paper value (or no value of ours): no difference; no reference in the text: the section's
    spaxels = table.set_index("key").loc["maps.n_spaxels_vR"]
    assert np.isnan(spaxels["difference"]) and np.isnan(spaxels["relative difference (%)"])
    assert spaxels["paper reference"] == summary.SECTION_REFERENCES["maps"]
    assert np.isnan(table.set_index("key").loc["rv.median_err_multi_epoch_kms", "difference"])


def test_every_summary_section_and_key_has_a_reference_and_the_units_follow_the_names():
    table = summary.summary_table(summary.assemble({k: 1.0 for k in summary.PAPER}, "t"))
    assert len(table) == len(summary.PAPER) and (table["paper reference"] != "").all()
    unit = table.set_index("key")["unit"]
    assert unit["sample.hss_distance_min_pc"] == "pc" and unit["ages.median_err_myr"] == "Myr"
    assert unit["clusters.median_offset_h23_dex"] == "dex"
    assert unit["comparisons.d23_fraction_targets_in_d23"] == "fraction"
    assert unit["comparisons.als3_m_in_hss"] == unit["auriga.young_n_spaxels_vR"] == "count"


def test_cutflow_table_gives_percentages_and_the_papers_counts():
    cutflow = pd.DataFrame({"step": ["observed", "snr", "teff"], "criterion": ["a", "b", "c"],
                            "n_spectra": [400, 200, 100], "n_stars": [100, 80, 25]})
    table = summary.cutflow_table(cutflow)
    assert table["stars (% of first step)"].tolist() == [100.0, 80.0, 25.0]
    assert table["spectra (% of first step)"].tolist() == [100.0, 50.0, 25.0]
    assert table["paper: stars"].iloc[0] == 165460 and table["paper: stars"].iloc[2] == 45487
    assert table["paper: spectra"].iloc[0] == 459679 and pd.isna(table["paper: spectra"].iloc[1])


def test_crossmatch_tables_beside_the_paper():
    wide = pd.DataFrame({"catalogue": ['ALS-III "M"', "ALS-III (full)"], "n_catalogue": [895, 1279],
                         "HSS (N = 5451)": [357, 417]})
    table1 = summary.table1_beside_paper(wide)
    assert table1["catalogue"].tolist() == ['ALS-III "M" (N = 895)', "ALS-III (full) (N = 1,279)"]
    assert table1["HSS (N = 5451)"].tolist() == ["357 (40 %)", "417 (33 %)"]
    assert table1["paper: HSS (N = 45,487)"].tolist() == ["2,960 (21 %) of 14,273",
                                                          "3,005 (15 %) of 20,387"]
    d23 = {"n_d23": 100, "n_targets": 40, "n_hss": 10, "n_targets_in_d23": 10, "n_hss_in_d23": 5,
           "fraction_targets_in_d23": 0.25, "fraction_hss_in_d23": 0.5,
           "fraction_nontargets_mk_range": 0.8, "fraction_gaia_rv": 0.12}
    table = summary.d23_table(d23).set_index("quantity")
    assert table.loc["fraction: mwm_ob targets in D23", ["ours", "paper"]].tolist() == [0.25, 0.25]
    assert table.loc["fraction: D23 stars with a Gaia DR3 RV", "paper reference"] == "Sec. 2.3: ~10 %"
    assert table.loc["HSS stars in D23 (of 10)", "ours"] == 5


def test_html_page_formats_numbers_and_escapes_text():
    df = pd.DataFrame({"quantity": ["a < b & c"], "ours": [45487.0], "paper": [np.nan],
                       "small": [0.123456], "relative difference (%)": [-12.345]})
    page = summary.html_page("T <1>", [("head", df)], note="mock & co")
    assert "T &lt;1&gt;" in page and "mock &amp; co" in page and "<h3>head</h3>" in page
    assert re.findall(r"<td>(.*?)</td>", page) == ["a &lt; b &amp; c", "45,487", "", "0.123", "-12.3"]
    assert [summary.format_number(v) for v in (None, float("inf"), 3, 2.0, 1234.56, 0.5)] == [
        "", "", "3", "2", "1,234.6", "0.5"]


def test_young_old_counts_have_one_definition_each():
    """ages.n_young_map / n_old_map count Fig. 11's stars (the map stars) with the maps' own
    young/old cuts; the all-HSS counts have their own keys and descriptions."""
    from hotstars import maps

    rng = np.random.default_rng(5)
    n = 400
    age = rng.uniform(1, 400, n)
    age[:3] = [30.0, 150.0, np.nan]  # on the cuts (strict: neither) and no age
    ages = pd.DataFrame({"source_id": np.arange(n), "age_myr": age,
                         "logage_p50": np.log10(age * 1e6),
                         "age_p16_myr": 0.9 * age, "age_p84_myr": 1.1 * age,
                         "age_flag": np.where(np.isfinite(age), 0, 1)})
    map_stars = ages.iloc[: n // 2].loc[lambda d: d["age_flag"] == 0]
    out = summary.age_numbers(ages, 30.0, 150.0, map_stars)
    young, old = maps.young_old_masks(map_stars["age_myr"], 30.0, 150.0)
    # the density maps of Fig. 11 count the same stars
    ymap, omap = maps.young_old_density(np.zeros(len(map_stars)), np.zeros(len(map_stars)),
                                        map_stars["age_myr"], 0.25, 30.0, 150.0)
    assert out["ages.n_young_map"] == int(young.sum()) == ymap["n_stars"].sum()
    assert out["ages.n_old_map"] == int(old.sum()) == omap["n_stars"].sum()
    ok = ages["age_flag"] == 0
    assert out["ages.n_young_all"] == int((ages.loc[ok, "age_myr"] < 30).sum())
    assert out["ages.n_old_all"] == int((ages.loc[ok, "age_myr"] > 150).sum())
    assert out["ages.n_young_all"] > out["ages.n_young_map"]
    assert "ages.n_young" not in out and "ages.n_old" not in out  # no ambiguous key
    assert "Fig. 11" in summary.PAPER["ages.n_young_map"][1]
    assert "Fig. 11" not in summary.PAPER["ages.n_young_all"][1]
    assert set(out) <= set(summary.PAPER)
    # without the map stars: only the all-HSS counts
    assert "ages.n_young_map" not in summary.age_numbers(ages, 30.0, 150.0)
