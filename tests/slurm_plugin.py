"""Snakemake's SLURM executor plugin, for the tests that run the SLURM profile, in a folder of its own.

Snakemake imports every executor plugin installed beside it when it starts, and
snakemake-executor-plugin-slurm imports pandas as it loads (~0.3 s of CPU in every `snakemake`
process: ~200 of them in a run of the tests, most of which never use SLURM). So the test
environment (`pip install -e '.[test]'`) leaves the plugin out, and the tests that need it
(tests/test_cluster.py's dry runs, the README's SLURM commands) call :func:`install`: the
packages of pyproject's `slurm` extra (what a cluster user installs, `pip install -e '.[slurm]'`)
go into a folder with `pip install --target --no-deps` (uv's, where the test extra installed it),
and that folder is put first on PYTHONPATH of their
`snakemake` processes (jobs and job steps inherit it). Of the plugins' own requirements only those
missing here are installed with them (the job-step plugin); one this environment has at a version
the plugin refuses stops the test, naming both. Where the plugin is installed already (an
environment made with `.[slurm]`), nothing is installed and nothing is added to the path.
"""

from __future__ import annotations

import importlib.util
import os
import tomllib
from importlib import metadata
from pathlib import Path

import venv_tools
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PLUGIN_MODULE = "snakemake_executor_plugin_slurm"


def slurm_extra() -> list[str]:
    """The requirements of pyproject's `slurm` extra."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return list(project["optional-dependencies"]["slurm"])


def installed_here() -> bool:
    return importlib.util.find_spec(PLUGIN_MODULE) is not None


def _pip_target(folder: Path, requirements: list[str]) -> None:
    """``pip install --target folder --no-deps`` (tests/venv_tools.py: uv, or pip)."""
    proc = venv_tools.pip_install(requirements, "--no-deps", "--target", str(folder), timeout=600)
    assert proc.returncode == 0, (f"pip install --target {folder} {' '.join(requirements)} "
                                  f"failed:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")


def _missing(folder: Path) -> list[str]:
    """Requirements of the folder's packages that neither the folder nor this environment has;
    AssertionError for one this environment has at a version the folder's package refuses."""
    dists = list(metadata.distributions(path=[str(folder)]))
    there = {canonicalize_name(d.metadata["Name"]) for d in dists}
    missing = []
    for dist in dists:
        for req in map(Requirement, dist.requires or []):
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            if canonicalize_name(req.name) in there:
                continue
            try:
                version = metadata.version(req.name)
            except metadata.PackageNotFoundError:
                missing.append(str(req))
                continue
            assert req.specifier.contains(version, prereleases=True), (
                f"{dist.metadata['Name']} {dist.version} requires {req}; this environment has "
                f"{req.name} {version}: pip install -e '.[slurm]'")
    return missing


def install(folder: Path) -> Path:
    """Install pyproject's `slurm` extra into ``folder`` (module docstring); returns ``folder``."""
    todo, asked = slurm_extra(), set()
    while todo:
        again = asked.intersection(todo)
        assert not again, f"pip install --target {folder}: still missing {sorted(again)}"
        asked.update(todo)
        _pip_target(folder, todo)
        todo = _missing(folder)
    return folder


def pythonpath(folder: Path, current: str | None) -> str:
    """PYTHONPATH with the plugin's ``folder`` first."""
    return os.pathsep.join(filter(None, [str(folder), current]))
