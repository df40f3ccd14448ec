"""Running Snakemake from the tests: a private copy of the workflow, job lists from dry-runs."""

from __future__ import annotations

import modulefinder
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: the folder of the default run (config run.name: mock): every product of it lives under it
RUN = "results/mock"
WORKFLOW_PARTS = ["Snakefile", "workflow", "config", "scripts", "src", "envs", "profiles"]


def copy_workflow(dest: Path, source: Path = ROOT) -> Path:
    """Copy the workflow (not results/resources) of ``source`` (the repository, or a workflow
    copy) into ``dest``; products then live there."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in WORKFLOW_PARTS:
        src = Path(source) / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dest / part)
    return dest


def modulefinder_closure(script: Path, root: Path = ROOT) -> set[str]:
    """The library files (relative to ``root``) that ``script`` reaches, by the standard
    library's bytecode scan of ``root/src``: independent of hotstars.workflow.provenance."""
    finder = modulefinder.ModuleFinder(path=[str(Path(root) / "src")])
    finder.run_script(str(script))
    return {Path(m.__file__).relative_to(root).as_posix()
            for name, m in finder.modules.items()
            if m.__file__ and name.split(".")[0] == "hotstars"}


def snakemake(workdir: Path, *args: str, check: bool = True, timeout: int = 1800,
              main: str | None = None) -> subprocess.CompletedProcess:
    """Run ``snakemake ARGS`` in ``workdir`` with this interpreter; output captured as text.

    The workflow puts ``workdir/src`` first on the path of its jobs (workflow/rules/common.smk),
    so a copy runs its own library, not the installed one. ``main``: Python code run instead of
    ``-m snakemake`` (``python -c MAIN ARGS``; it must end by calling snakemake.cli.main()).
    """
    env = dict(os.environ, PYTHONHASHSEED="0")
    launch = ["-m", "snakemake"] if main is None else ["-c", main]
    proc = subprocess.run([sys.executable, *launch, *args], cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed ({proc.returncode}):\n"
                             f"{proc.stdout[-4000:]}\n{proc.stderr[-6000:]}")
    return proc


def rule_edges(dot: str) -> set[tuple[str, str]]:
    """The (rule, dependent rule) pairs of ``snakemake --rulegraph`` output (dot:
    ``N[label = "rule", ...]`` nodes, ``A -> B`` edges)."""
    names = dict(re.findall(r'^\s*(\d+)\[label = "(\w+)"', dot, re.M))
    return {(names[a], names[b]) for a, b in re.findall(r"^\s*(\d+) -> (\d+)", dot, re.M)}


def file_readers(workdir: Path, paths, *args: str) -> dict[str, set[str]]:
    """{path: the rules with it among their inputs}, from Snakemake's file graph (`--filegraph`)
    of the run ``args`` describe; ``paths`` relative to ``workdir`` or absolute, as the config
    gives them."""
    dot = snakemake(workdir, "--filegraph", *args).stdout
    readers = {str(p): set() for p in paths}
    for node in re.split(r"\n\d+ \[ shape=none", dot)[1:]:
        rule = re.search(r'<font point-size="18">([^<]+)</font>', node).group(1)
        if "input</font>" not in node:  # a rule without inputs has no input header
            continue
        inputs = node.split("input</font>", 1)[1].split("output &rarr;</font>", 1)[0]
        for path in re.findall(r'<font face="monospace">([^<]+)</font>', inputs):
            if path in readers:
                readers[path].add(rule)
    return readers


def dry_run_blocks(text: str) -> list[tuple[str | None, str, str]]:
    """[(group or None, rule, the job's lines)] of the jobs a dry run prints; a group job's
    members follow its `Group job NAME` line, indented."""
    jobs, group = [], None
    starts = r"^(?=[ \t]*(?:local)?rule \w+:|.*Group job \w+)"  # a job, a group job
    for block in re.split(starts, text, flags=re.M)[1:]:
        header = re.match(r".*Group job (\w+)", block)
        if header:
            group = header.group(1)
            continue
        indent, rule = re.match(r"([ \t]*)(?:local)?rule (\w+):", block).groups()
        jobs.append((group if indent else None, rule, block))
    return jobs


def planned_jobs(workdir: Path, *args: str) -> dict[str, int]:
    """{rule: job count} that a dry-run plans ({} when there is nothing to be done)."""
    proc = snakemake(workdir, "-n", *args)
    text = proc.stdout + proc.stderr
    if "Nothing to be done" in text:
        return {}
    match = re.search(r"Job stats:\n(.*?)\n\n", text, re.S)
    if not match:
        raise AssertionError(f"no job stats in dry-run output:\n{text[-3000:]}")
    jobs = {}
    for line in match.group(1).splitlines()[2:]:
        name, count = line.split()
        if name != "total":
            jobs[name] = int(count)
    return jobs
