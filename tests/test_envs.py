"""The per-rule environments (envs/*.yaml) build from their own content and hold what the rules use.

conda cannot be installed here, so each property is checked the way it can be:

- (a) statically: every rule's import closure (its script plus the library modules it reaches,
  hotstars.workflow.provenance) against its environment's packages, both ways — nothing missing,
  nothing unused (hotstars.workflow.environments.check);
- (b) by running: the whole small mock runs with the SLURM profile as shipped, its
  `software-deployment-method: conda` included (tests/test_cluster.py): a stand-in conda builds
  each environment as a fresh virtual environment holding only that environment's packages
  (their PyPI names; the library is *not* installed), every job runs in its rule's environment,
  imports nothing from outside it but Snakemake's own packages, and the products equal the
  ordinary run's. The environments no mock run uses (download, archive) run their rules' scripts
  here, in a fresh virtual environment each;
- (c) the pip section, written where Snakemake's copy of the file lives (.snakemake/conda/, where
  conda hands it to pip), installs with `pip install --dry-run`: nothing in it depends on where
  the file sits.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest
from packaging.requirements import Requirement
from packaging.version import Version
from venv_tools import clean_env, fresh_venv
from workflow_utils import ROOT

from hotstars.workflow import environments
from hotstars.workflow.environments import EnvironmentFileError, read_environment

ENV_DIR = ROOT / "envs"
ENV_FILES = sorted(p.name for p in ENV_DIR.glob("*.yaml"))


def rules_by_env() -> dict[str, list[str]]:
    out = {}
    for rule, entry in environments.rule_environments(ROOT).items():
        out.setdefault(entry.env, []).append(rule)
    return out


# --- (a) static ---------------------------------------------------------------------------------

def test_every_rule_has_one_env_and_every_env_is_used():
    used = rules_by_env()
    assert used and all((ROOT / path).is_file() for path in used)
    assert sorted(used) == sorted(f"envs/{name}" for name in ENV_FILES)


@pytest.mark.parametrize("name", ENV_FILES)
def test_env_builds_from_its_own_content(name):
    """Pinned, no path, URL or pip option (read_environment raises on any)."""
    env = read_environment(ENV_DIR / name)
    text = (ENV_DIR / name).read_text()
    assert ".." not in text and "-e " not in text and "file:" not in text
    assert env.python and all(env.pypi().values())


def test_each_env_holds_exactly_what_its_rules_import():
    assert environments.check(ROOT) == []


def test_env_pins_satisfy_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = {environments.normalise(Requirement(r).name): Requirement(r)
                    for r in project["dependencies"]}
    seen = set()
    for name in ENV_FILES:
        env = read_environment(ENV_DIR / name)
        assert Version(env.python) in Requirement(f"python{project['requires-python']}").specifier
        for package, version in env.pypi().items():
            assert package in requirements, f"{name}: {package} is not a project dependency"
            assert Version(version) in requirements[package].specifier, (
                f"{name}: {package}={version} violates pyproject {requirements[package]}")
            seen.add(package)
    # what no rule imports: the orchestrator and what it needs to read the config
    assert set(requirements) - seen == {"snakemake", "jsonschema"}


def toy_workflow(root: Path, env_text: str) -> Path:
    """A workflow tree: rule r (env e.yaml) whose script reaches numpy directly, h5py inside a
    function of a library module, a data package by importlib.resources; pandas only for typing."""
    (root / "workflow" / "rules").mkdir(parents=True)
    (root / "envs").mkdir()
    (root / "scripts").mkdir()
    pkg = root / "src" / "toy"
    pkg.mkdir(parents=True)
    (root / "workflow" / "rules" / "r.smk").write_text(
        'rule r:\n    conda:\n        "../../envs/e.yaml"\n    script:\n        "../../scripts/r.py"\n')
    (root / "envs" / "e.yaml").write_text(env_text)
    (root / "scripts" / "r.py").write_text("import numpy\nfrom toy import lib\n")
    (pkg / "__init__.py").write_text("")
    (pkg / "lib.py").write_text(
        "import importlib.resources\nfrom typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import pandas\n"
        "def f():\n    import h5py\n    return importlib.resources.files('lachesis_grids')\n")
    return root


ENV_HEAD = "name: e\nchannels: [conda-forge]\ndependencies:\n  - python=3.11.7\n"


def test_the_check_has_teeth(tmp_path):
    good = toy_workflow(tmp_path / "good", ENV_HEAD + "  - numpy=2.4.6\n  - h5py=3.16.0\n"
                        "  - pip:\n      - lachesis-grids==0.0.9\n")
    assert environments.check(good, package="toy") == []
    bad = toy_workflow(tmp_path / "bad", ENV_HEAD + "  - numpy=2.4.6\n  - pyarrow=26.0.1\n")
    problems = environments.check(bad, package="toy")
    assert len(problems) == 2
    assert "rule r" in problems[0] and "['h5py', 'lachesis-grids']" in problems[0]
    assert "['pyarrow']" in problems[1] and "none of its rules" in problems[1]


@pytest.mark.parametrize("entry", ["  - numpy\n", "  - numpy>=2\n",
                                   "  - pip:\n      - -e ..\n", "  - pip:\n      - lachesis-grids\n",
                                   "  - pip:\n      - ./vendor/pkg\n"])
def test_unpinned_or_relative_entries_are_refused(tmp_path, entry):
    path = tmp_path / "e.yaml"
    path.write_text(ENV_HEAD + entry)
    with pytest.raises(EnvironmentFileError, match="e.yaml"):
        read_environment(path)


# --- (c) the pip section from Snakemake's copy location -----------------------------------------

def pip_dry_run(env_file: Path, workdir: Path, lines: list[str]) -> subprocess.CompletedProcess:
    """Install ``lines`` as conda would from Snakemake's copy of ``env_file``: Snakemake copies the
    file to .snakemake/conda/<hash>.yaml; conda writes the pip section to a requirements file
    beside the copy and runs pip there."""
    copy_dir = workdir / ".snakemake" / "conda"
    copy_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(env_file, copy_dir / "0123abcd.yaml")
    requirements = copy_dir / "condaenv.test.requirements.txt"
    requirements.write_text("".join(f"{line}\n" for line in lines))
    return subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed",
                           "--quiet", "-r", requirements.name],
                          cwd=copy_dir, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("name", [n for n in ENV_FILES if read_environment(ENV_DIR / n).pip])
def test_pip_section_installs_from_snakemakes_copy(name, tmp_path):
    env = read_environment(ENV_DIR / name)
    assert "hotstars" not in env.pypi()  # the project itself never comes from an index
    proc = pip_dry_run(ENV_DIR / name, tmp_path, env.pip_lines())
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_relative_pip_line_fails_from_snakemakes_copy(tmp_path):
    """The old `-e ..` line: beside the copy, `..` is .snakemake/, not a Python project."""
    proc = pip_dry_run(ENV_DIR / "science.yaml", tmp_path, ["-e .."])
    assert proc.returncode != 0 and "does not appear to be a Python project" in proc.stderr


# --- the environments that no mock run uses: their rules' scripts in a fresh environment -------

def test_download_env_runs_its_rule_with_the_standard_library_only(tmp_path):
    """envs/download.yaml holds python alone: the download script runs in a bare interpreter
    that finds the library only through the workflow's PYTHONPATH."""
    from test_download import FixtureServer

    assert read_environment(ENV_DIR / "download.yaml").pypi() == {}
    served = tmp_path / "served" / "sas"
    served.mkdir(parents=True)
    (served / "spAll.fits").write_bytes(os.urandom(50_000))
    python = fresh_venv(tmp_path / "venv", [])
    server = FixtureServer(tmp_path / "served")
    try:
        dest = tmp_path / "data" / "spAll.fits"
        file = {"key": "spall", "path": str(dest), "url": f"{server.url}/sas/spAll.fits"}
        job = SimpleNamespace(log=[str(tmp_path / "download.log")], params=SimpleNamespace(file=file))
        code = ("import json, sys, types; sys.path.insert(0, 'scripts'); import download; "
                "job = json.loads(sys.argv[1]); download.main(types.SimpleNamespace("
                "log=job['log'], params=types.SimpleNamespace(file=job['file'])))")
        env = dict(clean_env(python.parent), PYTHONPATH=str(ROOT / "src"))
        proc = subprocess.run([str(python), "-c", code,
                               json.dumps({"log": job.log, "file": file})],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    finally:
        server.close()
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert dest.read_bytes() == (served / "spAll.fits").read_bytes()


def test_archive_env_runs_its_rules_against_a_local_tap_service(tmp_path):
    """envs/archive.yaml alone (no Snakemake, no scipy, no hotstars installed): the star list from
    the two SDSS files, then a Gaia query at a TAP service on 127.0.0.1 (tests/tap_server.py)."""
    import fixtures_io as fx
    from astropy.table import Table
    from tap_server import TapServer

    env = read_environment(ENV_DIR / "archive.yaml")
    python = fresh_venv(tmp_path / "venv", env.requirements())
    paths = fx.write_inputs(tmp_path / "inputs")
    gaia = Table.read(paths["gaia"])
    server = TapServer({"gaiadr3.gaia_source": gaia})
    ids, dest = tmp_path / "data" / "ids.vot", tmp_path / "data" / "gaia.fits"
    jobs = [
        ("archive_source_ids", {"spall": str(paths["spall"]), "bossnet": str(paths["bossnet"])},
         {"program": "mwm_ob", "spall_hdu": 1, "bossnet_hdu": 1}, str(ids)),
        ("query_archive", {"ids": str(ids), "adql": str(ROOT / "config/adql/gaia_dr3.adql")},
         {}, str(dest)),
    ]
    code = ("import json, sys, types; sys.path.insert(0, 'scripts'); import importlib; "
            "job = json.loads(sys.argv[1]); ns = types.SimpleNamespace; "
            "importlib.import_module(job['script']).main(ns(log=[job['log']], "
            "input=ns(**job['input']), params=ns(**job['params']), output=[job['output']], "
            "config=job['config']))")
    config = {"data": {"archive": {"url": server.url, "wait_s": 0, "poll_s": 0}}}
    try:
        for script, inputs, params, output in jobs:
            job = {"script": script, "log": str(tmp_path / f"{script}.log"), "input": inputs,
                   "params": params, "output": output, "config": config}
            proc = subprocess.run([str(python), "-c", code, json.dumps(job)], cwd=ROOT,
                                  env=dict(clean_env(python.parent), PYTHONPATH=str(ROOT / "src")),
                                  capture_output=True, text=True, timeout=300)
            assert proc.returncode == 0, proc.stderr[-3000:]
    finally:
        server.close()
    assert server.kinds() == ["sync"]
    got = Table.read(dest)
    assert sorted(got["source_id"]) == sorted(Table.read(ids)["source_id"])
    assert set(got["source_id"]) <= set(gaia["source_id"]) and len(got) == fx.N_STARS


def test_the_stand_in_conda_probe_names_what_a_job_took_from_outside_its_environment(tmp_path):
    """tests/standins.py's probe, which tests/test_cluster.py reads after a whole run: a job
    script run by a built environment's interpreter is recorded with the modules it imported
    from outside that environment (here from a folder put on sys.path as Snakemake's preamble
    puts its own environment's paths), not those of the standard library or the workflow's
    folder, also when the job ends with os._exit."""
    from standins import env_jobs, write_conda_building_envs

    state = write_conda_building_envs(tmp_path / "conda")
    copy = tmp_path / "work" / ".snakemake" / "conda" / "0123abcd_.yaml"
    copy.parent.mkdir(parents=True)
    shutil.copy(ENV_DIR / "download.yaml", copy)  # python alone: nothing to install
    prefix = copy.with_suffix("")
    proc = subprocess.run(["conda", "env", "create", "--quiet", "--no-default-packages",
                           "--file", str(copy), "--prefix", str(prefix)],
                          env=dict(os.environ, PATH=f"{state.parent / 'bin'}:{os.environ['PATH']}"),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    outside = tmp_path / "snakemakes_env"
    outside.mkdir()
    (outside / "leaky.py").write_text("")
    (tmp_path / "work" / "mine.py").write_text("")
    scripts = tmp_path / "work" / ".snakemake" / "scripts"
    scripts.mkdir()
    for name, end in (("tmp1.rule_a.py", ""), ("tmp2.rule_b.py", "os._exit(0)\n")):
        (scripts / name).write_text(
            f"import os, sys; sys.path.extend([{str(outside)!r}, '.']); import pickle\n"
            "__real_file__ = __file__\n"  # the end of Snakemake's preamble
            "import json, mine, leaky, email.parser\n" + end)
        run = subprocess.run([str(prefix / "bin" / "python"), str(scripts / name)],
                             cwd=tmp_path / "work", capture_output=True, text=True,
                             env=clean_env(prefix / "bin"))
        assert run.returncode == 0, run.stderr
    jobs = env_jobs(state)
    assert [(job["script"], job["outside"]) for job in jobs] == [
        ("tmp1.rule_a.py", ["leaky"]), ("tmp2.rule_b.py", ["leaky"])]
    assert {job["prefix"] for job in jobs} == {str(prefix)}
