"""The per-rule environments (envs/*.yaml) build from their own content and hold what the rules use.

conda cannot be installed here, so each property is checked the way it can be:

- (a) statically: every rule's import closure (its script plus the library modules it reaches,
  hotstars.workflow.provenance) against its environment's packages, both ways — nothing missing,
  nothing unused (hotstars.workflow.environments.check);
- (b) by running: for each environment a fresh virtual environment holding only that
  environment's packages (their PyPI names; the library is *not* installed) reruns the scripts of
  that environment's rules on a finished small run and makes the same products;
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
import venv
from importlib import metadata
from pathlib import Path
from types import SimpleNamespace

import pytest
from packaging.requirements import Requirement
from packaging.version import Version
from workflow_utils import ROOT, rule_edges

from hotstars.io import hashing
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


# --- (b) a fresh virtual environment per environment --------------------------------------------

def clean_env(bin_dir: Path) -> dict[str, str]:
    """The environment of a process that sees only ``bin_dir``'s interpreter and the system tools."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "VIRTUAL_ENV", "CONDA"))}
    path = [p for p in env.get("PATH", "").split(os.pathsep)
            if p and not Path(p, "python").exists()]
    return dict(env, PATH=os.pathsep.join([str(bin_dir), *path]), PYTHONHASHSEED="0",
                PYTHONNOUSERSITE="1")


def fresh_venv(path: Path, packages: list[str]) -> Path:
    """A new virtual environment at ``path`` holding ``packages`` (and their dependencies).

    --no-compile: the packages' bytecode is written when a job first imports a module, not for
    every file of every package at install time (~15 s of CPU per environment saved). The
    packages are installed by this interpreter's pip (`pip --python`): the new environment gets
    no pip of its own, which no job uses (ensurepip: ~3 s of CPU per environment saved)."""
    venv.create(path, with_pip=False, symlinks=True)
    python = path / "bin" / "python"
    if packages:
        proc = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                               "--quiet", "--no-compile", "--disable-pip-version-check",
                               *packages],
                              capture_output=True, text=True, timeout=1200)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return python


def downstream(workdir: Path, python: Path, rules: list[str]) -> set[str]:
    """The rules downstream of ``rules`` in the workflow's rule graph."""
    proc = subprocess.run([str(python), "-m", "snakemake", "--rulegraph"], cwd=workdir,
                          env=clean_env(python.parent), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    children = {}
    for a, b in rule_edges(proc.stdout):
        children.setdefault(a, set()).add(b)
    found, todo = set(), list(rules)
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def copy_finished_run(run_dir: Path, dest: Path) -> Path:
    """A copy of a finished run (products, metadata and times kept: nothing is out of date)."""
    shutil.copytree(run_dir, dest, symlinks=True)
    return dest


@pytest.mark.workflow
@pytest.mark.parametrize("name", ["science.yaml", "plotting.yaml"])
def test_fresh_venv_of_the_env_reruns_its_rules(name, run_dir, tmp_path):
    env = read_environment(ENV_DIR / name)
    # the job runner: Snakemake itself, at the version of this session (not a rule's import)
    python = fresh_venv(tmp_path / "venv", env.requirements()
                        + [f"snakemake=={metadata.version('snakemake')}"])
    probe = subprocess.run([str(python), "-c", "import hotstars"], capture_output=True,
                           env=clean_env(python.parent))
    assert probe.returncode != 0, "the fresh environment must not have the library installed"
    workdir = copy_finished_run(run_dir, tmp_path / "run")
    listed = subprocess.run([str(python), "-m", "snakemake", "--list-rules"], cwd=workdir,
                            env=clean_env(python.parent), capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr[-3000:]
    own = set(rules_by_env()[f"envs/{name}"])
    rules = sorted(own & set(listed.stdout.split()))
    assert len(rules) >= 9  # plotting: the 9 figure rules (22 figures)
    # rerun this environment's rules; rules of other environments downstream of them are left
    omit = sorted(downstream(workdir, python, rules) - own - {"all"})
    before = hashing.product_hashes(workdir)
    proc = subprocess.run([str(python), "-m", "snakemake", "--cores", "2", "--forcerun", *rules,
                           *(["--omit-from", *omit] if omit else [])],
                          cwd=workdir, env=clean_env(python.parent),
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]
    ran = {line.split()[1].rstrip(":") for line in proc.stderr.splitlines()
           if line.startswith(("rule ", "localrule "))} - {"all"}
    assert ran == set(rules), f"ran {sorted(ran)}, expected {rules}"
    after = hashing.product_hashes(workdir)
    assert sorted(before.keys() ^ after.keys()) == []
    changed = sorted(p for p in after if after[p] != before[p])
    if all(metadata.version(p) == v for p, v in env.pypi().items()):
        assert changed == [], f"products differ from the run's: {changed}"
    else:  # another version of a package than the session's: tables agree to rounding
        assert all(close(workdir / p, run_dir / p) for p in changed), changed


def close(a: Path, b: Path) -> bool:
    """Two products equal up to rounding (another numpy/scipy/matplotlib build than the session's)."""
    import numpy as np
    from astropy.table import Table

    if a.suffix == ".json":
        return approx_equal(json.loads(a.read_text()), json.loads(b.read_text()))
    if a.suffix == ".png":
        from matplotlib.image import imread
        x, y = imread(a), imread(b)
        return x.shape == y.shape and float(np.mean(np.abs(x - y) > 0.1)) < 0.01
    if a.suffix in (".parquet", ".fits", ".csv"):
        x, y = Table.read(a), Table.read(b)
        return x.colnames == y.colnames and all(
            np.allclose(x[c], y[c], rtol=1e-8, equal_nan=True) if x[c].dtype.kind in "fi"
            else np.array_equal(x[c], y[c]) for c in x.colnames)
    return a.read_bytes() == b.read_bytes()


def approx_equal(x, y) -> bool:
    if isinstance(x, dict):
        return isinstance(y, dict) and x.keys() == y.keys() and all(approx_equal(x[k], y[k]) for k in x)
    if isinstance(x, list):
        return isinstance(y, list) and len(x) == len(y) and all(map(approx_equal, x, y))
    if isinstance(x, float) and isinstance(y, (int, float)):
        return x == pytest.approx(y, rel=1e-8, nan_ok=True)
    return x == y


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
