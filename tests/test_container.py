"""The container option: the Dockerfile is what `snakemake --containerize` writes from envs/, and a
run configured with an image plans every job in it (stand-in conda and Apptainer: tests/standins.py).

Docker and Apptainer are not installable here, so the image itself is not built; its content is.
"""

from __future__ import annotations

import os
import re

import pytest
from standins import write_standins
from workflow_utils import ROOT, copy_workflow, snakemake

from hotstars.workflow import environments

IMAGE = "docker://example.org/hotstars:0.1.0"


@pytest.fixture(scope="module")
def copy(tmp_path_factory):
    return copy_workflow(tmp_path_factory.mktemp("container"))


def snakemake_with_standins(workdir, folder, *args):
    calls = write_standins(folder)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
        proc = snakemake(workdir, *args, check=False, timeout=600)
    return proc, (calls.read_text() if calls.exists() else "")


def test_dockerfile_is_what_containerize_writes(copy, tmp_path):
    proc, _ = snakemake_with_standins(copy, tmp_path / "bin", "--containerize")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout == (ROOT / "Dockerfile").read_text(), (
        "Dockerfile is out of date: regenerate it with `snakemake --containerize > Dockerfile` "
        "(without conda: `PATH=$(python tests/standins.py):$PATH snakemake --containerize "
        "> Dockerfile`)")


FETCHING = ("download", "archive_source_ids", "query_archive")


def test_dockerfile_builds_every_environment_of_the_default_run():
    text = (ROOT / "Dockerfile").read_text()
    copied = set(re.findall(r"^COPY (envs/\S+\.yaml) ", text, re.M))
    used = {entry.env for rule, entry in environments.rule_environments(ROOT).items()
            if rule not in FETCHING}  # real-data local rules, run on the submit host
    assert copied == used
    assert len(re.findall(r"conda env create --prefix /conda-envs/\w+ ", text)) == len(used)


def test_a_run_with_an_image_plans_every_job_in_it(copy, tmp_path):
    proc, calls = snakemake_with_standins(
        copy, tmp_path / "bin", "-n", "--software-deployment-method", "conda", "apptainer",
        "--config", f"container={IMAGE}")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-3000:]
    assert f"Singularity image {IMAGE} will be pulled" in output
    assert "Job stats" in output and "rule simulate_survey:" in output
    # the image is asked for its conda, nothing is built, created or pulled
    assert "exec" in calls and not re.search(r"\b(env create|pull|build)\b", calls), calls


def test_without_an_image_no_container_is_used(copy):
    proc = snakemake(copy, "-n", check=False, timeout=600)
    assert proc.returncode == 0 and "Singularity image" not in proc.stdout + proc.stderr
