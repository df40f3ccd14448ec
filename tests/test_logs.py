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


# --- how a job ends: its input errors once, its exit code, no interpreter finalisation -----------

SNAKEMAKE_JOB = """
import atexit, sys
import pyarrow as pa, pyarrow.parquet as pq
from hotstars.errors import HotstarsError
from hotstars.workflow import logs

Job = type("Snakemake", (), {{"__module__": "snakemake.script"}})  # a real job's class module
atexit.register(lambda: open({marker!r} + ".early", "w").write("ran"))  # before setup: skipped
log = logs.setup({log!r}, job=Job())
atexit.register(lambda: open({marker!r}, "w").write("ran"))  # a library's late exit handler
pq.write_table(pa.table({{"x": list(range(1000))}}), {out!r})  # pyarrow's threads in use
log.info("working")
if {fail!r} == "input":
    raise HotstarsError("gaia.fits [Gaia DR3]: column 'parallax_error': 3 values <= 0")
if {fail!r} == "bug":
    raise ZeroDivisionError("a bug")
"""


def _job(tmp_path, fail):
    paths = {k: str(tmp_path / f"{fail}.{k}") for k in ("log", "marker", "out")}
    proc = subprocess.run([sys.executable, "-c", SNAKEMAKE_JOB.format(fail=fail, **paths)],
                          capture_output=True, text=True)
    assert not Path(paths["marker"] + ".early").exists()  # the interpreter's own exit is skipped
    return proc, Path(paths["log"]).read_text(), Path(paths["marker"]).exists()


def test_a_job_that_succeeds_exits_0_with_its_memory_line_and_no_finalisation(tmp_path):
    proc, log, late_handler_ran = _job(tmp_path, "none")
    assert proc.returncode == 0, proc.stderr
    assert "working" in log and log.splitlines()[-1].split(": ")[-1].endswith(" MB")
    # os._exit after the job's own handlers: those registered before logs.setup do not run (nor
    # does the interpreter's finalisation, where pyarrow's thread pool could abort); later ones do
    assert late_handler_ran
    assert (tmp_path / "none.out").stat().st_size > 0


def test_an_input_error_is_shown_once_and_its_traceback_goes_to_the_log(tmp_path):
    proc, log, _ = _job(tmp_path, "input")
    message = "gaia.fits [Gaia DR3]: column 'parallax_error': 3 values <= 0"
    assert proc.returncode == 1
    assert proc.stderr.count(message) == 1 and "Traceback" not in proc.stderr
    assert f"HotstarsError: {message}" in proc.stderr
    assert "Traceback" in log and f"HotstarsError: {message}" in log
    assert "peak memory" in log.splitlines()[-1]


def test_a_bug_keeps_its_traceback_on_the_terminal_and_fails(tmp_path):
    proc, log, _ = _job(tmp_path, "bug")
    assert proc.returncode == 1
    assert "Traceback" in proc.stderr and "ZeroDivisionError: a bug" in proc.stderr
    assert "ZeroDivisionError: a bug" in log
