"""Cluster execution (issue 6): the SLURM profile (profiles/slurm), its job groups, and a whole run
through the SLURM executor plugin.

- Static: every non-local rule of every mode (workflow/rules, rules under `if` blocks too) but
  compute_ages is in exactly one of the profile's `groups`; group-components names only those
  groups; benchmarks/slurm_resources.py --write regenerates set-resources and keeps the groups.
- The profile is dry-run with snakemake-executor-plugin-slurm (no SLURM command called): every
  job has its measured memory and wall time, partition and account; the jobs come in the groups
  sample, comparisons, maps and results, and the age shards (compute_ages) in none.
- The whole small mock runs through snakemake-executor-plugin-slurm itself with the profile as
  shipped, conda included: Snakemake and pyproject's `slurm` extra in a virtual environment of
  their own (as on a submit host), stand-in SLURM commands on PATH (tests/slurm_standin.py:
  sbatch starts each job as a detached local process, sacct reports its state, srun execs the
  job step) and a stand-in conda that builds each rule's environment from its envs/ file as a
  fresh virtual environment (tests/standins.py): each environment is built once, holds only its
  pinned packages, and every job ran in its rule's environment and imported nothing from outside
  it but Snakemake's own packages (the running half of tests/test_envs.py's check); at most 15
  sbatch jobs, one per age shard;
  each with --mem, -t, -p and -A, a group job's memory the largest of its members' and its wall
  time their sum (they run one after another); every job ran as a job step, and the products
  equal those of the ordinary run (`run_dir`); maps and comparisons ran side by side. ~4 min on
  2 cores (plus the session's `run_dir`), most of it the group jobs: sample, then maps beside
  comparisons (and the age shards), then results.
"""

import os
import re
import shlex
import subprocess
import sys
import time
from collections import Counter
from importlib import metadata
from pathlib import Path

import pytest
import slurm_standin
import standins
import venv_tools
import yaml
from slurm_plugin import pythonpath, slurm_extra
from standins import write_standins, write_traps
from workflow_utils import (RUN, ROOT, copy_workflow, dry_run_blocks, planned_jobs, rule_edges,
                            snakemake)

from hotstars.io import hashing
from hotstars.workflow import environments
from hotstars.workflow.environments import read_environment

sys.path.insert(0, str(ROOT / "benchmarks"))
import slurm_resources  # noqa: E402
from slurm_resources import workflow_rules  # noqa: E402

PROFILE = ROOT / "profiles" / "slurm" / "profile.yaml"
GROUPS = {"sample", "comparisons", "maps", "results"}
SHARDED = "compute_ages"  # one sbatch job per age shard: in no group
PARTITION, ACCOUNT = "testpart", "testacct"
MAX_SBATCH = 15
# the commands that submit or cancel (the plugin may query sinfo, sacct, scontrol at start-up)
SLURM_SUBMIT = ("sbatch", "srun", "salloc", "scancel")


def with_plugin(mp: pytest.MonkeyPatch, folder) -> None:
    """The SLURM plugin's folder (conftest's `slurm_plugin`) first on PYTHONPATH, if it has one
    (None: the plugin is installed in this environment)."""
    if folder:
        mp.setenv("PYTHONPATH", pythonpath(folder, os.environ.get("PYTHONPATH")))


def profile():
    return yaml.safe_load(PROFILE.read_text())


def per_attempt(value) -> int:
    """N of a set-resources value `N*attempt` (twice as much on the retry)."""
    match = re.fullmatch(r"(\d+)\*attempt", str(value))
    assert match, f"{value!r}: expected N*attempt"
    return int(match.group(1))


def mapping_keys(text: str, key: str) -> list[str]:
    """The keys of the top-level mapping `key:` of a YAML text, in order, repeats kept."""
    block = re.search(rf"^{key}:[ \t]*\n((?:[ \t]+.*\n|[ \t]*#.*\n)*)", text, re.M)
    assert block, f"no top-level {key}: mapping"
    return re.findall(r"^[ \t]+(\w+)[ \t]*:", block.group(1), re.M)


def slurm_profile_copy(workdir, partition, account):
    """The copy's profiles/slurm with the test's partition and account (conda kept)."""
    path = workdir / "profiles" / "slurm" / "profile.yaml"
    text = path.read_text()
    assert text.count("\nsoftware-deployment-method: conda\n") == 1
    text = text.replace('slurm_partition: "your_partition"', f"slurm_partition: {partition}")
    text = text.replace('slurm_account: "your_account"', f"slurm_account: {account}")
    assert f"slurm_account: {account}" in text
    path.write_text(text)
    return path


# --- static ------------------------------------------------------------------------------------

def test_every_rule_but_the_age_shards_is_in_one_group():
    text = PROFILE.read_text()
    rules, local = workflow_rules()
    assert "vac_kinematics_inputs" in rules and "kinematics_inputs" in rules and local
    grouped = mapping_keys(text, "groups")
    assert sorted(r for r, n in Counter(grouped).items() if n > 1) == [], "rule in two groups"
    assert sorted(set(rules) - local - {SHARDED} - set(grouped)) == [], "rules in no group"
    assert sorted(set(grouped) - set(rules)) == [], "groups of rules that do not exist"
    assert SHARDED not in grouped and not local & set(grouped)
    settings = profile()
    assert set(settings["groups"].values()) == GROUPS
    components = settings["group-components"]
    assert len(mapping_keys(text, "group-components")) == len(components)
    assert set(components) <= GROUPS and all(int(n) > 1 for n in components.values())
    # group jobs run their members one at a time: cores 1 makes Snakemake count them so
    assert settings["cores"] == 1
    # above the part benchmarks/slurm_resources.py --write replaces
    assert text.index("\ngroups:") < text.index(slurm_resources.MARKER)
    assert text.index("\ngroup-components:") < text.index(slurm_resources.MARKER)


def test_regenerating_set_resources_keeps_the_groups(tmp_path, monkeypatch):
    copy = tmp_path / PROFILE.relative_to(ROOT)
    copy.parent.mkdir(parents=True)
    copy.write_text(PROFILE.read_text())
    monkeypatch.setattr(slurm_resources, "ROOT", tmp_path)  # the rules are still read from ROOT
    monkeypatch.setattr(slurm_resources, "PROFILE", copy)
    bench = tmp_path / "results" / "run" / "benchmarks"
    bench.mkdir(parents=True)
    row = "s\th:m:s\tmax_rss\tcpu_time\n{s}\t0:00:01\t{rss}\t1.0\n"
    (bench / "ingest.tsv").write_text(row.format(s=2.0, rss=3000))
    (bench / "compute_ages_1-of-4.tsv").write_text(row.format(s=100.0, rss=200))
    slurm_resources.main([str(bench), "--write", "--machine", "a test machine"])
    before, after = profile(), yaml.safe_load(copy.read_text())
    assert after["set-resources"] == {"ingest": {"mem_mb": "4500*attempt", "runtime": "5*attempt"},
                                      "compute_ages": {"mem_mb": "1000*attempt",
                                                       "runtime": "5*attempt"}}
    assert {k: v for k, v in after.items() if k != "set-resources"} == \
        {k: v for k, v in before.items() if k != "set-resources"}
    assert copy.read_text().startswith(PROFILE.read_text().split(slurm_resources.MARKER)[0])


# --- dry-run -----------------------------------------------------------------------------------

def dry_run_jobs(text: str) -> list[tuple[str | None, str, dict]]:
    """[(group or None, rule, {resource: value})] of the jobs a dry-run prints."""
    jobs = []
    for group, rule, block in dry_run_blocks(text):
        line = re.search(r"^\s+resources: (.*)$", block, re.M)
        resources = dict(item.split("=", 1) for item in line.group(1).split(", ")) if line else {}
        jobs.append((group, rule, resources))
    return jobs


@pytest.fixture(scope="module")
def slurm_dry_run(tmp_path_factory, slurm_plugin):
    """`snakemake -n --workflow-profile profiles/slurm` in a fresh copy, sbatch & co. trapped."""
    workdir = copy_workflow(tmp_path_factory.mktemp("slurm"))
    fake_bin = tmp_path_factory.mktemp("fake_slurm")
    write_standins(fake_bin, ("conda",))  # the profile's conda answers Snakemake's questions
    calls = write_traps(fake_bin, SLURM_SUBMIT)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", f"{fake_bin}:{os.environ['PATH']}")
        with_plugin(mp, slurm_plugin)
        proc = snakemake(workdir, "-n", "--workflow-profile", "profiles/slurm")
    listed = {line.split()[0] for line in snakemake(workdir, "--list-rules").stdout.splitlines()
              if line.strip()}
    edges = rule_edges(snakemake(workdir, "--rulegraph").stdout)
    return {"text": proc.stdout + proc.stderr, "calls": calls, "listed": listed,
            "plan": planned_jobs(workdir), "edges": edges}


def test_every_slurm_job_has_its_measured_resources(slurm_dry_run):
    text = slurm_dry_run["text"]
    assert "workflow specific profile profiles/slurm" in text
    assert not slurm_dry_run["calls"].exists(), slurm_dry_run["calls"].read_text()
    settings = profile()
    assert settings["executor"] == "slurm" and settings["software-deployment-method"] == "conda"
    defaults, measured = settings["default-resources"], settings["set-resources"]
    jobs = dry_run_jobs(text)
    assert {rule for _, rule, _ in jobs} == slurm_dry_run["listed"] and len(jobs) > 50
    for _, rule, resources in jobs:
        if rule == "all":  # no action: not submitted
            continue
        assert rule in measured, f"{rule}: no set-resources in {PROFILE.name}"
        assert resources["slurm_partition"] == defaults["slurm_partition"], rule
        assert resources["slurm_account"] == defaults["slurm_account"], rule
        assert int(resources["mem_mb"]) == per_attempt(measured[rule]["mem_mb"]), rule
        assert int(resources["runtime"]) == per_attempt(measured[rule]["runtime"]), rule


def test_dry_run_plans_the_group_jobs_and_single_age_shards(slurm_dry_run):
    text, groups = slurm_dry_run["text"], profile()["groups"]
    # one group job per group (group-components merges its unconnected parts)
    assert sorted(re.findall(r"Group job (\w+)", text)) == sorted(GROUPS)
    jobs = dry_run_jobs(text)
    assert Counter(rule for _, rule, _ in jobs) == slurm_dry_run["plan"]
    for group, rule, _ in jobs:
        assert group == groups.get(rule), f"{rule} planned in group {group}"
    shards = [rule for group, rule, _ in jobs if rule == SHARDED and group is None]
    assert len(shards) == slurm_dry_run["plan"][SHARDED] == 4  # ages.shards of config.yaml


def test_the_groups_beside_the_ages_need_only_the_sample(slurm_dry_run):
    """maps and comparisons run side by side after sample: a member of one needing a member
    of the other would make the whole group job wait for the other's."""
    groups = profile()["groups"]
    edges = slurm_dry_run["edges"]
    assert ("build_maps", "plot_apogee") in edges and len(edges) > 50
    assert {groups.get(a) for a, b in edges if b == "summary"} >= GROUPS - {"results"}
    for a, b in edges:
        if groups.get(b) in ("maps", "comparisons"):
            assert groups.get(a) in ("sample", groups[b]), f"{a} ({groups.get(a)}) -> {b} ({groups[b]})"


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


# --- a whole run through the SLURM plugin ------------------------------------------------------

def cli_values(command: list[str], option: str) -> list[str]:
    """The arguments after `option` up to the next option, in a Snakemake command line."""
    if option not in command:
        return []
    values = []
    for arg in command[command.index(option) + 1:]:
        if arg.startswith("--"):
            break
        values.append(arg)
    return values


def submitted_jobs(call: dict) -> dict:
    """What one sbatch call runs: its target jobs ("rule:wildcards"), their rules, the attempt."""
    command = shlex.split(call["command"])
    assert command[1:3] == ["-m", "snakemake"] and "slurm-jobstep" in command, call["command"]
    targets = cli_values(command, "--target-jobs")
    return {"targets": targets, "rules": [t.split(":", 1)[0] for t in targets],
            "attempt": int(cli_values(command, "--attempt")[0])}


# The plugin checks the jobs' states (sacct) --slurm-init-seconds-before-status-checks after a
# submission and then, after each check that finds no job finished, 10 s later than the last time
# (up to 180 s; fixed in the plugin): on a real cluster that spares slurmdbd. Here a group job that
# ends after a minute would wait up to ~50 s to be seen, and the next group with it (~1 min of a
# ~6 min run). The run's snakemake keeps checking every STATUS_CHECK_S seconds instead (a check is
# one stand-in sacct call); nothing else of the plugin changes, and its jobs (sbatch, srun steps)
# run `python -m snakemake` as always.
STATUS_CHECK_S = 2
SNAKEMAKE_WITH_STEADY_STATUS_CHECKS = f"""
import snakemake_executor_plugin_slurm as slurm
from snakemake.cli import main

check_active_jobs = slurm.Executor.check_active_jobs


async def check_then_poll_again_soon(self, active_jobs):
    async for job in check_active_jobs(self, active_jobs):
        yield job
    self.next_seconds_between_status_checks = min(self.next_seconds_between_status_checks,
                                                  {STATUS_CHECK_S})


slurm.Executor.check_active_jobs = check_then_poll_again_soon
main()
"""


@pytest.fixture(scope="module")
def orchestrator(tmp_path_factory) -> Path:
    """Snakemake and pyproject's `slurm` extra in a virtual environment of their own, as on a
    cluster's submit host (no science package: a job that needed one from Snakemake's
    environment rather than its own would show in the probe's record, tests/standins.py)."""
    return venv_tools.fresh_venv(tmp_path_factory.mktemp("orchestrator") / "venv",
                                 [f"snakemake=={metadata.version('snakemake')}",
                                  *slurm_extra()])


@pytest.fixture(scope="module")
def slurm_run(tmp_path_factory, orchestrator):
    """The small mock through snakemake-executor-plugin-slurm and stand-in SLURM commands, with
    the profile as shipped: every job in its rule's conda environment (stand-in conda)."""
    workdir = copy_workflow(tmp_path_factory.mktemp("slurm_run"))
    slurm_profile_copy(workdir, PARTITION, ACCOUNT)
    plan = planned_jobs(workdir)
    state = tmp_path_factory.mktemp("slurm_state")
    bin_dir = slurm_standin.install(tmp_path_factory.mktemp("slurm_bin"), state,
                                    partition=PARTITION, account=ACCOUNT)
    conda = standins.write_conda_building_envs(tmp_path_factory.mktemp("conda"))
    env = venv_tools.clean_env(orchestrator.parent)
    env["PATH"] = os.pathsep.join([str(bin_dir), str(conda.parent / "bin"), env["PATH"]])
    env.pop("SLURM_JOB_ID", None)
    start = time.monotonic()
    try:
        proc = subprocess.run([str(orchestrator), "-c", SNAKEMAKE_WITH_STEADY_STATUS_CHECKS,
                               "--workflow-profile", "profiles/slurm",
                               "--slurm-init-seconds-before-status-checks", "1",
                               "--slurm-keep-successful-logs"],
                              cwd=workdir, env=env, capture_output=True, text=True, timeout=1800)
    finally:  # a run that failed or timed out leaves no job behind
        slurm_standin.cancel_unfinished(state)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-6000:]
    return {"workdir": workdir, "plan": plan, "state": state, "proc": proc, "conda": conda,
            "seconds": time.monotonic() - start}


@pytest.mark.workflow
def test_a_run_is_a_few_sbatch_jobs_one_per_age_shard(slurm_run):
    state, plan = slurm_run["state"], slurm_run["plan"]
    calls = slurm_standin.sbatch_calls(state)
    jobs = [submitted_jobs(call) for call in calls]
    first = [job for job in jobs if job["attempt"] == 1]
    groups = profile()["groups"]
    print(f"SLURM plugin run: {len(calls)} sbatch jobs for {sum(plan.values()) - 1} jobs "
          f"in {slurm_run['seconds']:.0f} s")
    assert 0 < len(calls) <= MAX_SBATCH
    # first attempts: each planned job exactly once; retries (`retries: 1`) only of failed ones
    assert Counter(rule for job in first for rule in job["rules"]) == \
        {rule: n for rule, n in plan.items() if rule != "all"}
    retried = {t for job in jobs if job["attempt"] > 1 for t in job["targets"]}
    ran = {job["id"]: job for job in slurm_standin.jobs(state)}  # times and exit codes
    failed = {t for call, job in zip(calls, jobs) if ran[call["id"]]["exit_code"] != 0
              for t in job["targets"]}
    assert retried <= failed, "resubmitted jobs that had not failed"
    # the age shards: one sbatch job each, nothing else in it
    shards = [job["targets"] for job in first if SHARDED in job["rules"]]
    assert sorted(shards) == [[f"{SHARDED}:scatteritem={i}-of-4"] for i in range(1, 5)]
    # every other sbatch job runs one group
    for job in first:
        if job["rules"] != [SHARDED]:
            assert len({groups[rule] for rule in job["rules"]}) == 1, job["rules"]
    assert len(first) == 4 + len(GROUPS)
    # maps and comparisons (each needing only sample) ran side by side
    span = {}
    for call, job in zip(calls, jobs):
        group = {groups.get(rule) for rule in job["rules"]}
        if job["attempt"] == 1 and group <= {"maps", "comparisons"}:
            span[group.pop()] = (ran[call["id"]]["started"], ran[call["id"]]["ended"])
    (a0, a1), (b0, b1) = span["maps"], span["comparisons"]
    assert a0 < b1 and b0 < a1, span


@pytest.mark.workflow
def test_every_sbatch_job_asks_for_memory_time_partition_and_account(slurm_run):
    measured = profile()["set-resources"]
    for call in slurm_standin.sbatch_calls(slurm_run["state"]):
        options, job = call["options"], submitted_jobs(call)
        assert {"--mem", "-t", "-p", "-A"} <= options.keys(), call["argv"]
        assert options["-p"] == PARTITION and options["-A"] == ACCOUNT, call["argv"]
        assert "--parsable" in options and "--wrap" in options and "-D" in options
        # a group's members run one after another: the largest memory, the sum of wall times
        mem = max(per_attempt(measured[rule]["mem_mb"]) for rule in job["rules"])
        minutes = sum(per_attempt(measured[rule]["runtime"]) for rule in job["rules"])
        assert int(options["--mem"]) == job["attempt"] * mem, (job["rules"], options)
        assert int(options["-t"]) == job["attempt"] * minutes, (job["rules"], options)
        assert options["--cpus-per-task"] == "1" and options["--ntasks"] == "1"
        print(f"  sbatch --mem {options['--mem']} -t {options['-t']} "
              f"--cpus-per-task {options['--cpus-per-task']}: {len(job['rules'])} job(s) "
              f"{sorted(set(job['rules']))[:3]}...")


@pytest.mark.workflow
def test_every_job_ran_as_a_job_step_of_its_sbatch_job(slurm_run):
    state = slurm_run["state"]
    ran = slurm_standin.jobs(state)
    assert all("exit_code" in job for job in ran), "a job still running after the run"
    for job in ran:
        log = open(job["output"]).read()  # the --output file (%j replaced), kept by the plugin
        assert job["exit_code"] != 0 or "steps (100%) done" in log, log[-2000:]
    # each job of a group job is an srun step of its own: one Snakemake per job
    steps = [cli_values(command, "--target-jobs") for command in slurm_standin.srun_calls(state)]
    assert all(len(targets) == 1 for targets in steps)
    submitted = {target for call in slurm_standin.sbatch_calls(state)
                 for target in submitted_jobs(call)["targets"]}
    assert {targets[0] for targets in steps} == submitted


@pytest.mark.workflow
def test_slurm_products_equal_the_local_run(slurm_run, run_dir):
    ours = hashing.product_hashes(slurm_run["workdir"])
    local = hashing.product_hashes(run_dir)
    assert f"{RUN}/ages/ages.parquet" in ours and f"{RUN}/maps/vR_250pc.parquet" in ours
    assert sorted(ours.keys() ^ local.keys()) == []
    changed = sorted(p for p in ours if ours[p] != local[p])
    pins = {p: v for env in standins.built_envs(slurm_run["conda"])
            for p, v in read_environment(env["file"]).pypi().items()}
    if all(metadata.version(p) == v for p, v in pins.items()):
        assert changed == [], f"products differ from the local run's: {changed}"
    else:  # an environment pins another version than this session's: equal to rounding
        assert all(venv_tools.products_close(slurm_run["workdir"] / p, run_dir / p)
                   for p in changed), changed


# --- the rules' environments (the profile's software-deployment-method: conda) -----------------

@pytest.mark.workflow
def test_each_environment_is_built_once_from_its_file_alone(slurm_run):
    """The submit host's Snakemake builds every environment the run needs, once, from the file
    alone (the stand-in installs its pinned packages and nothing else); the library is in none."""
    conda, plan = slurm_run["conda"], slurm_run["plan"]
    rules = environments.rule_environments(ROOT)
    needed = {read_environment(ROOT / rules[r].env).name for r in plan if r != "all"}
    built = standins.built_envs(conda)
    assert sorted(b["name"] for b in built) == sorted(needed) == ["hotstars-plotting",
                                                                  "hotstars-science"]
    assert not (conda / "calls.txt").exists(), (conda / "calls.txt").read_text()
    for env in built:
        assert env["prefix"].startswith(str(slurm_run["workdir"] / ".snakemake" / "conda"))
        probe = subprocess.run([env["python"], "-c", "import hotstars"], capture_output=True,
                               env=venv_tools.clean_env(Path(env["python"]).parent))
        assert probe.returncode != 0, f"{env['name']}: the library must not be installed"


@pytest.mark.workflow
def test_every_job_ran_in_its_rules_environment_on_its_packages_alone(slurm_run, orchestrator):
    """Each job's script ran under the interpreter of the environment its rule names (envs/), and
    imported nothing from outside that environment, the standard library and the checkout but
    Snakemake and what Snakemake requires: Snakemake's preamble puts its own environment's paths
    after the job's (as with real conda), so a package missing from an environment would come
    from there and show here."""
    conda, plan = slurm_run["conda"], slurm_run["plan"]
    rules = environments.rule_environments(ROOT)
    prefix = {b["name"]: b["prefix"] for b in standins.built_envs(conda)}
    env_of_script, expected = {}, Counter()
    for rule, n in plan.items():
        if rule != "all":
            script = Path(rules[rule].script).stem
            env_of_script.setdefault(script, set()).add(read_environment(ROOT / rules[rule].env).name)
            expected[script] += n
    assert all(len(names) == 1 for names in env_of_script.values()), env_of_script
    jobs = standins.env_jobs(conda)
    ran = Counter(job["script"].split(".")[-2] for job in jobs)  # tmpXXXX.<script>.py
    assert ran.keys() == expected.keys()
    assert all(ran[s] >= n for s, n in expected.items()), (ran, expected)  # retries run again
    snakemakes = venv_tools.requirement_closure_modules(orchestrator, "snakemake")
    assert "snakemake" in snakemakes and "pandas" not in snakemakes
    for job in jobs:
        script = job["script"].split(".")[-2]
        (name,) = env_of_script[script]
        assert job["prefix"] == prefix[name], job
        assert set(job["outside"]) <= snakemakes, (
            f"{script} imported {sorted(set(job['outside']) - snakemakes)} from outside its "
            "environment: add the package to its envs/ file")
