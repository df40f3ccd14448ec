"""Runs side by side, and reruns driven by the code: on a private copy of a finished mock run.

- A DR20 run with no data present stops before any job with the listing of the missing files,
  whatever state results/ is in, and every file of the mock run is byte-identical afterwards; a
  VAC-mode run beside it makes its own products (the same maps as the mock's, from our VAC) and
  leaves the mock run untouched too.
- Editing one library module reruns exactly the rules whose scripts use it, directly or through
  other modules (their code inputs), plus the rules downstream of those, and no other.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from workflow_utils import RUN, modulefinder_closure, planned_jobs, snakemake

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def finished(run_dir, tmp_path_factory):
    """A copy of the session's finished mock run (products, .snakemake metadata, mtimes)."""
    dest = tmp_path_factory.mktemp("runs") / "wf"
    shutil.copytree(run_dir, dest, symlinks=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    assert planned_jobs(dest) == {}
    return dest


def file_digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_runs_live_side_by_side(finished):
    mock_run = finished / RUN
    before = file_digests(mock_run)
    assert len(before) > 80

    def dr20_stops():
        proc = snakemake(finished, "--cores", "1", "--configfile", "config/config.yaml",
                         "config/dr20.yaml", check=False)
        text = proc.stdout + proc.stderr
        assert proc.returncode != 0
        assert text.count("6 input file(s) of this run missing (nothing was run)") == 1, text[-3000:]
        assert "data/dr20/spAll-v6_2_1.fits.gz  (inputs.spall)" in text
        assert "config/adql/gaia_dr3.adql" in text
        assert "Job stats" not in text and "rule ingest" not in text  # before any job

    dr20_stops()
    assert not (finished / "results" / "dr20").exists()
    # a stale DR20 folder (products of an earlier DR20 run whose data were since removed)
    stale = finished / "results" / "dr20" / "sample"
    stale.mkdir(parents=True)
    shutil.copy2(mock_run / "sample" / "spectra.parquet", stale / "spectra.parquet")
    shutil.copy2(mock_run / "sample" / "targets.parquet", stale / "targets.parquet")
    dr20_stops()
    assert sorted(p.name for p in stale.iterdir()) == ["spectra.parquet", "targets.parquet"]
    assert file_digests(mock_run) == before

    # the published-catalogue entry point, fed with our own VAC, in a run of its own
    overlay = finished / "vac_run.yaml"
    overlay.write_text(f"run:\n  name: vac\ninputs:\n  vac: {RUN}/vac/ob_vac.fits\n")
    args = ("--configfile", "config/config.yaml", str(overlay))
    jobs = planned_jobs(finished, *args)
    assert "vac_kinematics_inputs" in jobs and not {"select_hss", "simulate_survey"} & set(jobs)
    snakemake(finished, "--cores", "2", *args)
    assert file_digests(mock_run) == before
    assert planned_jobs(finished) == {}  # the mock run is still complete
    vac_run = finished / "results" / "vac"
    assert (vac_run / "logs" / "compute_kinematics.log").exists()
    for kind in ("density", "vR"):
        ours = pd.read_parquet(mock_run / "maps" / f"{kind}_250pc.parquet")
        back = pd.read_parquet(vac_run / "maps" / f"{kind}_250pc.parquet")
        pd.testing.assert_frame_equal(ours[["x_center", "y_center", "n_stars"]],
                                      back[["x_center", "y_center", "n_stars"]])
    ours = pd.read_parquet(mock_run / "maps" / "vR_250pc.parquet")
    back = pd.read_parquet(vac_run / "maps" / "vR_250pc.parquet")
    # the VAC has no pmra_pmdec_corr: errors (so ML weights) differ slightly, the means barely
    assert (np.abs(back["vR_mean"] - ours["vR_mean"]) < 0.1 * ours["vR_mean_err"]).all()
    # the continuous v_R field and its figure come out of the VAC entry point too
    key = ["ix", "iy"]
    ours, back = (pd.read_parquet(run / "maps" / "vR_field.parquet").pipe(
        lambda f: f.assign(ix=np.floor(f["x"] / 0.05).astype(int),
                           iy=np.floor(f["y"] / 0.05).astype(int))) for run in (mock_run, vac_run))
    both = ours.merge(back, on=key, suffixes=("", "_vac"))
    both = both[both["supported"] & both["supported_vac"]]
    assert len(both) > 0.95 * ours["supported"].sum()
    diff = np.abs(both["vR_smooth_vac"] - both["vR_smooth"])
    assert (diff < 0.2 * both["vR_smooth_err"]).mean() > 0.99
    assert (vac_run / "figures" / "fig07_field.png").stat().st_size > 20_000


def dry_run_jobs(workdir: Path) -> dict[str, tuple[str, str]]:
    """{rule: (its input line, the reason Snakemake gives)} of every job a dry run plans."""
    text = snakemake(workdir, "-n").stdout
    jobs = {}
    for block in re.split(r"\n(?=(?:local)?rule \w+:)", text):
        m = re.match(r"(?:local)?rule (\w+):", block)
        reason = re.search(r"^\s+reason: (.+)$", block, re.M)
        inputs = re.search(r"^\s+input: (.+)$", block, re.M)
        if m and reason:
            jobs.setdefault(m.group(1), (inputs.group(1) if inputs else "", reason.group(1)))
    return jobs


def users_of(workdir: Path, path: str) -> set[str]:
    """Rules whose script reaches the library file ``path`` (by modulefinder, independent of the
    workflow's own AST-based closure); rule name = script name."""
    return {script.stem for script in sorted((workdir / "scripts").glob("*.py"))
            if path in modulefinder_closure(script, workdir)}


@pytest.mark.parametrize("path", [
    "src/hotstars/stats.py",            # used through science and plots
    "src/hotstars/spiral.py",           # used by three figures only
])
def test_editing_a_module_reruns_exactly_its_users_and_their_downstream(finished, path):
    users = users_of(finished, path) & set(planned_jobs(finished, "-F"))  # rules of this mode
    assert users
    source = finished / path
    original = source.read_text()
    source.write_text(original + "\n# an edit\n")
    try:
        jobs = dry_run_jobs(finished)
    finally:
        source.write_text(original)
    # the rules listing the module among their code inputs are exactly its users...
    assert {rule for rule, (inputs, _) in jobs.items() if path in inputs.split(", ")} == users
    # ...every one of them reruns, the others only because an upstream product is remade
    upstream = "Input files updated by another job"
    for rule, (_, why) in jobs.items():
        if not why.startswith(upstream):
            assert rule in users and why == f"Updated input files: {path}", (rule, why)
    assert users <= set(jobs)
    if path == "src/hotstars/spiral.py":
        assert set(jobs) == {"plot_maps", "plot_structure", "all"}  # Figs. 7 (field), 10, 11
    assert planned_jobs(finished) == {}  # content restored: nothing to do (checksums)
