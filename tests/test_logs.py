"""Rule logs: the job's true peak memory is their last line (read by benchmarks/slurm_resources.py)."""

import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import slurm_resources  # noqa: E402

JOB = """
import numpy as np
from hotstars.workflow import logs
log = logs.setup({log!r})
log.info("working")
big = np.ones(300 * 2**20 // 8)  # 300 MiB, touched
log.info("sum %d", big.sum())
"""


def test_log_ends_with_the_true_peak_memory(tmp_path):
    log = tmp_path / "job.log"
    subprocess.run([sys.executable, "-c", JOB.format(log=str(log))], check=True,
                   capture_output=True)
    lines = log.read_text().splitlines()
    assert "working" in lines[0] and len(lines) == 3
    peak = float(lines[-1].split(": ")[-1].removesuffix(" MB"))
    assert 300 <= peak < 1500, lines[-1]


def test_slurm_resources_use_the_logged_peak_when_sampling_missed_it(tmp_path):
    bench = tmp_path / "results" / "benchmarks"
    logs = tmp_path / "results" / "logs"
    bench.mkdir(parents=True)
    logs.mkdir()
    row = {"s": 40.0, "h:m:s": "0:00:40", "max_rss": 400.0, "cpu_time": 39.0}
    for name in ("simulate_survey", "ingest"):
        pd.DataFrame([row]).to_csv(bench / f"{name}.tsv", sep="\t", index=False)
    (logs / "simulate_survey.log").write_text(
        "x INFO hotstars: done\nx INFO hotstars: peak memory (getrusage ru_maxrss): 2800 MB\n")
    agg = slurm_resources.measured([bench])
    assert agg.loc["simulate_survey", "max_rss"] == 2800  # the true peak, not the sampled 400
    assert agg.loc["ingest", "max_rss"] == 400            # no log line: the benchmark's
    mem = slurm_resources.resources(agg)["mem_mb"]
    assert mem["simulate_survey"] >= 2 * 2800 and mem["ingest"] < 2800
