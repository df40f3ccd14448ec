"""Fresh virtual environments for the tests that run code outside the test environment.

- :func:`fresh_venv`: a new virtual environment holding only the given packages (the per-rule
  environments of envs/*.yaml, Snakemake alone as an orchestrator); :func:`pip_install`, which
  installs them (uv, or pip where uv is missing);
- :func:`clean_env`: the process environment of a command that sees only that interpreter;
- :func:`requirement_closure_modules`: the modules a distribution brings, with its requirements;
- :func:`products_close`: two products equal up to rounding, for products made with other builds
  of the same packages than the session's (an environment pinned to another version).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest


def clean_env(bin_dir: Path) -> dict[str, str]:
    """The environment of a process that sees only ``bin_dir``'s interpreter and the system tools."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "VIRTUAL_ENV", "CONDA"))}
    path = [p for p in env.get("PATH", "").split(os.pathsep)
            if p and not Path(p, "python").exists()]
    return dict(env, PATH=os.pathsep.join([str(bin_dir), *path]), PYTHONHASHSEED="0",
                PYTHONNOUSERSITE="1")


def fresh_venv(path: Path, packages: list[str]) -> Path:
    """A new virtual environment at ``path`` holding ``packages`` (and their dependencies);
    returns its interpreter.

    The packages are installed from the index by uv (the test extra), which links them from its
    cache (~0.5 s for the science environment against ~5 s of pip), or by pip where uv is
    missing. Neither writes bytecode at install time: a job compiles what it first imports. The
    new environment gets no pip of its own, which no job uses."""
    venv.create(path, with_pip=False, symlinks=True)
    python = Path(path) / "bin" / "python"
    if packages:
        proc = pip_install(packages, python=python)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return python


def pip_install(packages: list[str], *options: str, python=sys.executable, timeout: int = 1200):
    """``pip install --quiet OPTIONS PACKAGES`` for the interpreter ``python``, without bytecode,
    by uv (the test extra) or, where uv is missing, by this interpreter's pip; the finished
    process, output captured."""
    if importlib.util.find_spec("uv") is not None:
        tool = ["uv", "pip", "install", "--python", str(python)]
    else:  # pip takes --python before its command, and only for another interpreter
        tool = ["pip", *(["--python", str(python)] if str(python) != sys.executable else []),
                "install", "--no-compile", "--disable-pip-version-check"]
    return subprocess.run([sys.executable, "-m", *tool, "--quiet", *options, *packages],
                          capture_output=True, text=True, timeout=timeout)


_CLOSURE = """
import json, sys
from importlib import metadata
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
seen, todo = set(), [sys.argv[1]]
while todo:
    name = canonicalize_name(todo.pop())
    if name in seen:
        continue
    seen.add(name)
    for line in metadata.requires(name) or []:
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            todo.append(req.name)
modules = [m for m, dists in metadata.packages_distributions().items()
           if any(canonicalize_name(d) in seen for d in dists)]
print(json.dumps(sorted(modules)))
"""


def requirement_closure_modules(python: Path, distribution: str) -> set[str]:
    """Top-level module names of ``distribution`` and everything it requires (not its extras),
    as installed for ``python``."""
    proc = subprocess.run([str(python), "-c", _CLOSURE, distribution], capture_output=True,
                          text=True, env=clean_env(Path(python).parent), timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return set(json.loads(proc.stdout))


def products_close(a: Path, b: Path) -> bool:
    """Two products equal up to rounding (another numpy/scipy/matplotlib build than the session's)."""
    import numpy as np
    from astropy.table import Table

    if a.suffix == ".json":
        return _approx_equal(json.loads(a.read_text()), json.loads(b.read_text()))
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


def _approx_equal(x, y) -> bool:
    if isinstance(x, dict):
        return isinstance(y, dict) and x.keys() == y.keys() and all(
            _approx_equal(x[k], y[k]) for k in x)
    if isinstance(x, list):
        return isinstance(y, list) and len(x) == len(y) and all(map(_approx_equal, x, y))
    if isinstance(x, float) and isinstance(y, (int, float)):
        return x == pytest.approx(y, rel=1e-8, nan_ok=True)
    return x == y
