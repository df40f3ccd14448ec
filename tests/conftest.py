"""Shared fixtures: one full run of the small mock per test session.

The suite runs on two pytest-xdist workers (pyproject.toml: `-n 2 --dist loadfile`): each module
runs whole on one worker, so its module fixtures are built once. The small-mock run
(`small_mock_run`) is made once for the whole session, by whichever worker needs it first (the
other waits for it under a file lock), and never changed; each worker's `run_dir` is a private
copy of it (times, metadata and products kept: nothing is out of date), so what one worker's
tests do in their `run_dir` is never seen by the other's. Without xdist workers (`pytest -n 0`)
`run_dir` is the session's run itself, as it always was.

The modules start longest first (MODULE_SECONDS), so that the two workers end together.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import traceback
from pathlib import Path

import pytest
import slurm_plugin as slurm_plugin_folder
from cpu_log import (  # noqa: F401 (HOTSTARS_TEST_CPU: each test's CPU time)
    pytest_runtest_protocol, pytest_unconfigure)
from workflow_utils import copy_workflow, snakemake

#: approximate seconds of the slow modules run alone on 2 cores (pytest --durations; the rest
#: take seconds each): the order in which the modules are handed to the workers
MODULE_SECONDS = {
    "test_cluster.py": 420,
    "test_reliability.py": 200,
    "test_archive_workflow.py": 75,
    "test_bad_inputs.py": 160,
    "test_readme.py": 85,
    "test_optional_products.py": 55,
    "test_runs.py": 45,
    "test_workflow.py": 40,
    "test_real_data.py": 30,
    "test_envs.py": 25,
}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Modules longest first (a stable sort: the order within a module, and of the short
    modules, is kept). Every worker collects the same order."""
    items.sort(key=lambda item: -MODULE_SECONDS.get(item.path.name, 0))


def _xdist_worker() -> bool:
    return bool(os.environ.get("PYTEST_XDIST_WORKER"))


def shared_once(tmp_path_factory, name: str, build) -> Path:
    """``build(folder)`` once per test session, shared by the xdist workers; returns the folder.

    The first worker to ask builds it while holding a lock; the others wait, then find it built,
    or the error it failed with, which they raise too (no second attempt)."""
    root = tmp_path_factory.getbasetemp().parent  # the session's folder, above each worker's
    folder, status = root / name, root / f"{name}.status"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not status.exists():
                try:
                    build(folder)
                except BaseException:
                    status.write_text(traceback.format_exc()[-20000:])
                    raise
                status.write_text("ok")
            elif status.read_text() != "ok":
                pytest.fail(f"{name}: failed in another worker:\n{status.read_text()}",
                            pytrace=False)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return folder


def _run_small_mock(dest: Path) -> Path:
    workdir = copy_workflow(dest)
    snakemake(workdir, "--cores", "2")
    return workdir


@pytest.fixture(scope="session")
def small_mock_run(tmp_path_factory) -> Path:
    """The workflow after `snakemake --cores 2` on the default (small) mock, once per session:
    read it, never change it (under xdist both workers see this folder)."""
    if not _xdist_worker():
        return _run_small_mock(tmp_path_factory.mktemp("workflow"))
    return shared_once(tmp_path_factory, "small_mock_run", _run_small_mock)


@pytest.fixture(scope="session")
def run_dir(small_mock_run, tmp_path_factory):
    """A private copy of the workflow after `snakemake --cores 2` on the default (small) mock.

    Tests that rerun parts of it with overlays leave it complete again (a dry-run is then empty).
    """
    if not _xdist_worker():
        return small_mock_run
    # this worker's own copy (symlinks as links, times kept: a dry-run in it has nothing to do)
    return Path(shutil.copytree(small_mock_run, tmp_path_factory.mktemp("workflow") / "workflow",
                                symlinks=True))


@pytest.fixture(scope="session")
def slurm_plugin(tmp_path_factory) -> Path | None:
    """The folder holding Snakemake's SLURM executor plugin (tests/slurm_plugin.py), installed
    once per session for the tests that run the SLURM profile (put it first on PYTHONPATH);
    None where this environment has the plugin installed."""
    if slurm_plugin_folder.installed_here():
        return None
    if not _xdist_worker():
        return slurm_plugin_folder.install(tmp_path_factory.mktemp("slurm_plugin"))
    return shared_once(tmp_path_factory, "slurm_plugin", slurm_plugin_folder.install)
