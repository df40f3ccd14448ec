"""Cluster execution (issue 6): the SLURM profile, and every job run as a process of its own.

- The SLURM profile (profiles/slurm) is dry-run with snakemake-executor-plugin-slurm: every rule
  is planned with the profile's measured memory and wall time, partition and account, and no
  SLURM command is called. Every rule that becomes a SLURM job has its measured resources.
- The whole small mock runs through snakemake-executor-plugin-cluster-generic, each job submitted
  as a detached local process (its own Snakemake, reading its inputs from disk): the products must
  equal those of the ordinary run (`run_dir`). ~3 min on 2 cores (plus the session's `run_dir`).
"""

import json
import os
import re
import shutil
import sys
import time

import pytest
import yaml
from workflow_utils import RUN, ROOT, copy_workflow, planned_jobs, snakemake

from hotstars.io import hashing

sys.path.insert(0, str(ROOT / "benchmarks"))
from slurm_resources import workflow_rules  # noqa: E402

PROFILE = ROOT / "profiles" / "slurm" / "profile.yaml"
# the commands that submit or cancel (the plugin may query sinfo, sacct, scontrol at start-up)
SLURM_SUBMIT = ("sbatch", "srun", "salloc", "scancel")
# a detached process per jobscript; its PID is the job id; every submission is recorded
SUBMIT = """#!/bin/bash
cp "$1" "{record}/"
setsid bash "$1" > "{record}/$(basename "$1").out" 2>&1 < /dev/null &
echo "$! $(basename "$1")" >> "{record}/submitted.txt"
echo $!
"""


def profile():
    return yaml.safe_load(PROFILE.read_text())


def per_attempt(value) -> int:
    """N of a set-resources value `N*attempt` (twice as much on the retry)."""
    match = re.fullmatch(r"(\d+)\*attempt", str(value))
    assert match, f"{value!r}: expected N*attempt"
    return int(match.group(1))


def dry_run_jobs(text: str) -> list[tuple[str, dict]]:
    """[(rule, {resource: value})] of the jobs a dry-run prints."""
    jobs = []
    for block in re.split(r"^(?=(?:local)?rule \w+:)", text, flags=re.M)[1:]:
        rule = re.match(r"(?:local)?rule (\w+):", block).group(1)
        line = re.search(r"^\s+resources: (.*)$", block, re.M)
        resources = dict(item.split("=", 1) for item in line.group(1).split(", ")) if line else {}
        jobs.append((rule, resources))
    return jobs


@pytest.fixture(scope="module")
def slurm_dry_run(tmp_path_factory):
    """`snakemake -n --workflow-profile profiles/slurm` in a fresh copy, sbatch & co. trapped."""
    workdir = copy_workflow(tmp_path_factory.mktemp("slurm"))
    if shutil.which("conda") is None:  # conda is not installable here (tests/test_envs.py)
        settings = profile()
        assert settings.pop("software-deployment-method") == "conda"
        (workdir / "profiles" / "slurm" / "profile.yaml").write_text(yaml.safe_dump(settings))
    fake_bin = tmp_path_factory.mktemp("fake_slurm")
    calls = fake_bin / "calls.txt"
    for name in SLURM_SUBMIT:
        (fake_bin / name).write_text(f'#!/bin/sh\necho "$0 $*" >> {calls}\nexit 1\n')
        (fake_bin / name).chmod(0o755)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", f"{fake_bin}:{os.environ['PATH']}")
        proc = snakemake(workdir, "-n", "--workflow-profile", "profiles/slurm")
    listed = {line.split()[0] for line in snakemake(workdir, "--list-rules").stdout.splitlines()
              if line.strip()}
    return {"text": proc.stdout + proc.stderr, "calls": calls, "listed": listed}


def test_every_slurm_job_has_its_measured_resources(slurm_dry_run):
    text = slurm_dry_run["text"]
    assert "workflow specific profile profiles/slurm" in text
    assert not slurm_dry_run["calls"].exists(), slurm_dry_run["calls"].read_text()
    settings = profile()
    assert settings["executor"] == "slurm" and settings["software-deployment-method"] == "conda"
    defaults, measured = settings["default-resources"], settings["set-resources"]
    jobs = dry_run_jobs(text)
    assert {rule for rule, _ in jobs} == slurm_dry_run["listed"] and len(jobs) > 50
    for rule, resources in jobs:
        if rule == "all":  # no action: not submitted
            continue
        assert rule in measured, f"{rule}: no set-resources in {PROFILE.name}"
        assert resources["slurm_partition"] == defaults["slurm_partition"], rule
        assert resources["slurm_account"] == defaults["slurm_account"], rule
        assert int(resources["mem_mb"]) == per_attempt(measured[rule]["mem_mb"]), rule
        assert int(resources["runtime"]) == per_attempt(measured[rule]["runtime"]), rule


def test_every_rule_of_every_mode_has_measured_resources(slurm_dry_run):
    rules, local = workflow_rules()
    # the static reading of workflow/rules finds every rule Snakemake lists in the default mode
    assert set(rules) >= slurm_dry_run["listed"] - {"all"} and "vac_kinematics_inputs" in rules
    measured = profile()["set-resources"]
    assert sorted(set(rules) - local - set(measured)) == [], \
        "rules without measured resources: run benchmarks/slurm_resources.py (see its docstring)"
    assert sorted(set(measured) - set(rules)) == [], "set-resources of rules that do not exist"
    for rule, resources in measured.items():
        assert per_attempt(resources["mem_mb"]) >= 1000 and per_attempt(resources["runtime"]) >= 5, rule


@pytest.fixture(scope="module")
def cluster_run(tmp_path_factory):
    """The small mock through the cluster-generic executor, each job a detached local process."""
    workdir = copy_workflow(tmp_path_factory.mktemp("cluster"))
    plan = planned_jobs(workdir)
    record = tmp_path_factory.mktemp("submitted")
    submit = record.parent / f"{record.name}_submit.sh"
    submit.write_text(SUBMIT.format(record=record))
    start = time.monotonic()
    proc = snakemake(workdir, "--executor", "cluster-generic",
                     "--cluster-generic-submit-cmd", f"bash {submit}", "--jobs", "2",
                     "--seconds-between-status-checks", "1", timeout=1200)
    return {"workdir": workdir, "plan": plan, "record": record, "proc": proc,
            "seconds": time.monotonic() - start}


@pytest.mark.workflow
def test_every_job_runs_in_a_process_of_its_own(cluster_run):
    record, plan = cluster_run["record"], cluster_run["plan"]
    submissions = [line.split() for line in (record / "submitted.txt").read_text().splitlines()]
    pids = [pid for pid, _ in submissions]
    assert len(set(pids)) == len(pids)
    # each jobscript runs one job of the plan; together (without retries) they are the plan
    jobs = set()
    for _, name in submissions:
        script = (record / name).read_text()
        properties = json.loads(re.search(r"^# properties = (.*)$", script, re.M).group(1))
        assert properties["type"] == "single" and not properties["local"]
        jobs.add((properties["rule"], json.dumps(properties["wildcards"], sort_keys=True)))
    submitted = {}
    for rule, _ in jobs:
        submitted[rule] = submitted.get(rule, 0) + 1
    assert submitted == {rule: n for rule, n in plan.items() if rule != "all"}
    print(f"cluster-generic run: {len(submissions)} jobs in {cluster_run['seconds']:.0f} s")


@pytest.mark.workflow
def test_cluster_products_equal_the_local_run(cluster_run, run_dir):
    ours = hashing.product_hashes(cluster_run["workdir"])
    local = hashing.product_hashes(run_dir)
    assert f"{RUN}/ages/ages.parquet" in ours and f"{RUN}/maps/vR_250pc.parquet" in ours
    assert sorted(ours.keys() ^ local.keys()) == []
    assert sorted(p for p in ours if ours[p] != local[p]) == []
