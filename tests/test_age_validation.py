"""The age truth check (hotstars.validation.age_recovery) on inputs with known answers."""

import json
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from hotstars import validation
from hotstars.io import tables

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import age_recovery as age_recovery_script  # noqa: E402

# true ages at the bin edges (10, 30 ... 1000 Myr: which bin counts them is tested)
EDGES_LOGAGE = np.log10(np.array([10.0, 30.0, 60.0, 100.0, 150.0, 300.0, 600.0, 1000.0])) + 6


def _truth(n=20000, seed=11):
    """Continuous true log-ages over the grid's 6-9 (as the mock draws), ~1 % on bin edges."""
    rng = np.random.default_rng(seed)
    log_age = rng.uniform(6.0, 9.0, n)
    edge = rng.random(n) < 0.01
    log_age[edge] = rng.choice(EDGES_LOGAGE, edge.sum())
    return pd.DataFrame({"source_id": np.arange(n, dtype=np.int64) + 7,
                         "age_myr": 10 ** log_age / 1e6, "is_binary": rng.random(n) < 0.4})


def _ages(truth, p50, half_width, flag=None):
    flag = np.zeros(len(truth), int) if flag is None else flag
    p50 = np.where(flag == 0, p50, np.nan)
    return pd.DataFrame({"source_id": truth["source_id"], "logage_p16": p50 - half_width,
                         "logage_p50": p50, "logage_p84": p50 + half_width,
                         "logage_err": np.where(flag == 0, half_width, np.nan), "age_flag": flag})


def _true_logage(truth):
    return np.log10(truth["age_myr"].to_numpy()) + 6


def test_perfect_ages_have_zero_bias_and_full_coverage():
    truth = _truth()
    res = validation.age_recovery(_ages(truth, _true_logage(truth), 0.1), truth)
    for key in ("overall", "younger_than_30myr", "older_than_30myr"):
        assert res[key]["bias_median_dex"] == pytest.approx(0, abs=1e-12)
        assert res[key]["abs_bias_median_dex"] == pytest.approx(0, abs=1e-12)
        assert res[key]["coverage_68"] == 1.0
        assert res[key]["logage_err_median_dex"] == pytest.approx(0.1)
    assert "coverage_95" not in res["overall"]
    # per-bin counts against a direct histogram (bins lo <= age < hi, last one closed)
    age = truth["age_myr"].to_numpy()
    counts, _ = np.histogram(age, bins=validation.AGE_BINS_MYR)
    assert [b["n"] for b in res["per_bin"]] == counts.tolist()
    assert res["per_bin"][-1]["n"] == np.sum(age >= 600)  # 1000 Myr included
    assert res["per_bin"][1]["n"] == np.sum((age >= 10) & (age < 30))  # 10 Myr: second bin
    assert res["single"]["overall"]["n"] + res["binary"]["overall"]["n"] == len(truth)
    assert res["binary"]["overall"]["n"] == truth["is_binary"].sum()
    json.dumps(res)  # plain JSON types


def test_shifted_ages_give_the_shift_and_no_coverage():
    truth = _truth(2000)
    res = validation.age_recovery(_ages(truth, _true_logage(truth) + 0.2, 0.1), truth)
    assert res["overall"]["bias_median_dex"] == pytest.approx(0.2)
    assert res["overall"]["bias_mean_dex"] == pytest.approx(0.2)
    assert res["overall"]["coverage_68"] == 0.0


def test_gaussian_errors_give_68_and_95_percent_coverage():
    truth = _truth()
    rng = np.random.default_rng(4)
    sigma = rng.uniform(0.02, 0.3, len(truth))
    p50 = _true_logage(truth) + sigma * rng.normal(size=len(truth))
    ages = _ages(truth, p50, sigma)
    ages["logage_p2p5"], ages["logage_p97p5"] = p50 - 1.96 * sigma, p50 + 1.96 * sigma
    res = validation.age_recovery(ages, truth)
    assert res["overall"]["coverage_68"] == pytest.approx(0.6827, abs=0.01)
    assert res["overall"]["coverage_95"] == pytest.approx(0.95, abs=0.006)
    assert abs(res["overall"]["bias_median_dex"]) < 0.005
    assert res["overall"]["abs_bias_median_dex"] == pytest.approx(
        np.median(np.abs(p50 - _true_logage(truth))))


def test_flagged_stars_are_counted_not_used_and_missing_truth_raises():
    truth = _truth(1000)
    flag = np.zeros(len(truth), int)
    flag[:30], flag[30:40] = 1, 2
    res = validation.age_recovery(_ages(truth, _true_logage(truth), 0.05, flag), truth)
    assert (res["n_age_ok"], res["n_flag_1"], res["n_flag_2"]) == (960, 30, 10)
    assert res["overall"]["n"] == 960 and res["overall"]["n_flagged"] == 40
    assert sum(b["n_flagged"] for b in res["per_bin"]) == 40
    assert res["overall"]["coverage_68"] == 1.0
    with pytest.raises(validation.ValidationInputError, match="no row for source_id"):
        validation.age_recovery(_ages(truth, _true_logage(truth), 0.05), truth.iloc[5:])
    with pytest.raises(validation.ValidationInputError, match="missing column"):
        validation.age_recovery(_ages(truth, 7.0, 0.05).drop(columns="age_flag"), truth)


def test_age_recovery_script(tmp_path):
    truth = _truth(500)
    paths = {"ages": tmp_path / "ages.parquet", "truth": tmp_path / "truth.parquet"}
    tables.write_table(_ages(truth, _true_logage(truth) + 0.03, 0.05), paths["ages"])
    tables.write_table(truth, paths["truth"])
    sm = SimpleNamespace(input=SimpleNamespace(**paths), log=[tmp_path / "log"],
                         output=SimpleNamespace(json=tmp_path / "age_recovery.json"))
    age_recovery_script.main(sm)
    res = json.loads((tmp_path / "age_recovery.json").read_text())
    assert res["older_than_30myr"]["bias_median_dex"] == pytest.approx(0.03)
    assert res["n_stars"] == 500
