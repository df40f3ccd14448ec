"""Per-rule software environments (``envs/*.yaml``), checked against what the rules import.

Every rule names a conda environment file. The library itself is never installed into one: the
workflow puts its own ``src/`` first on ``PYTHONPATH`` for every job, so an environment holds
only third-party packages, and its file builds from its own content wherever Snakemake copies it
(no relative paths, no ``-e`` lines, nothing unpinned).

An environment must declare, pinned, exactly the third-party packages its rules import: in the
rule's script or in any library module the script reaches (:mod:`hotstars.workflow.provenance`),
at module level or inside functions, plus data packages the code opens with
``importlib.resources.files("<package>")``. Imports under ``if TYPE_CHECKING:`` are not needed at
run time and do not count. :func:`check` compares the two both ways.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path

from hotstars.errors import HotstarsError
from hotstars.workflow.provenance import LibraryImports

__all__ = ["Environment", "EnvironmentFileError", "RuleEnvironment", "read_environment",
           "rule_blocks", "rule_environments", "third_party_modules", "distribution_of", "check",
           "normalise", "CONDA_TO_PYPI"]

#: conda-forge names whose PyPI distribution is named differently
CONDA_TO_PYPI = {"matplotlib-base": "matplotlib"}
#: the interpreter and the installer, not packages the rules import
TOOLING = {"python", "pip"}


class EnvironmentFileError(HotstarsError):
    """An environment file that cannot build from its own content (unpinned, a path, a URL)."""


def normalise(name: str) -> str:
    """A distribution name compared the PyPI way (PEP 503): case and ``-_.`` runs ignored."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Environment:
    """One environment file: its pinned conda and pip packages."""

    path: Path
    name: str
    python: str
    conda: dict[str, str] = field(default_factory=dict)  # conda name -> version
    pip: dict[str, str] = field(default_factory=dict)  # PyPI name -> version

    def pypi(self) -> dict[str, str]:
        """{normalised PyPI name: version} of every package but python and pip."""
        out = {normalise(CONDA_TO_PYPI.get(name, name)): version
               for name, version in self.conda.items() if name not in TOOLING}
        out.update({normalise(name): version for name, version in self.pip.items()})
        return out

    def requirements(self) -> list[str]:
        """The packages as pip requirement lines (``name==version``, PyPI names), sorted."""
        return [f"{name}=={version}" for name, version in sorted(self.pypi().items())]

    def pip_lines(self) -> list[str]:
        """The file's pip section, as conda hands it to pip."""
        return [f"{name}=={version}" for name, version in self.pip.items()]


def read_environment(path: str | Path) -> Environment:
    """Read and check an environment file: every entry pinned, no path, URL or pip option."""
    import yaml  # the workflow's own dependency (Snakemake); not needed by any rule

    path = Path(path)
    spec = yaml.safe_load(path.read_text())
    if not isinstance(spec, dict) or not spec.get("dependencies"):
        raise EnvironmentFileError(f"{path}: no `dependencies` list")
    conda, pip = {}, {}
    for dep in spec["dependencies"]:
        if isinstance(dep, dict):
            for line in dep.get("pip", []):
                line = str(line).strip()
                match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!_-]+)", line)
                if not match:
                    raise EnvironmentFileError(
                        f"{path}: pip entry {line!r} is not `name==version` (no paths, URLs, "
                        "-e or other options: the file must build wherever Snakemake copies it)")
                pip[match.group(1)] = match.group(2)
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)=([0-9][A-Za-z0-9.+_]*)", str(dep).strip())
        if not match:
            raise EnvironmentFileError(f"{path}: conda entry {dep!r} is not pinned as `name=version`")
        conda[match.group(1)] = match.group(2)
    if "python" not in conda:
        raise EnvironmentFileError(f"{path}: no pinned python")
    return Environment(path=path, name=str(spec.get("name", path.stem)), python=conda["python"],
                       conda=conda, pip=pip)


@dataclass(frozen=True)
class RuleEnvironment:
    rule: str
    script: str  # relative to the workflow's root, e.g. scripts/ingest.py
    env: str  # relative to the workflow's root, e.g. envs/science.yaml


def rule_blocks(root: str | Path = ".") -> dict[str, tuple[Path, str]]:
    """{rule: (its rule file, its text)} of every rule of ``workflow/rules/*.smk``, every mode
    (rules under ``if`` blocks too), read from the source."""
    out = {}
    for smk in sorted((Path(root) / "workflow" / "rules").glob("*.smk")):
        for block in re.split(r"(?m)^(?=[ \t]*rule \w+:)", smk.read_text()):
            name = re.match(r"[ \t]*rule (\w+):", block)
            if name:
                if name.group(1) in out:
                    raise EnvironmentFileError(f"{smk.name}: rule {name.group(1)} defined twice")
                out[name.group(1)] = (smk, block)
    return out


def rule_environments(root: str | Path = ".") -> dict[str, RuleEnvironment]:
    """{rule: its script and environment file} of every rule (:func:`rule_blocks`). Paths in
    the rule files are relative to the rule file; the result's are relative to ``root``."""
    root = Path(root)
    out = {}
    for rule, (smk, block) in rule_blocks(root).items():
        paths = {}
        for key in ("conda", "script"):
            found = re.findall(rf'^[ \t]*{key}:[ \t]*\n[ \t]*"([^"]+)"', block, re.M)
            if len(found) != 1:
                raise EnvironmentFileError(f"{smk.name}: rule {rule} has "
                                           f"{len(found)} `{key}:` entries (one expected)")
            paths[key] = (smk.parent / found[0]).resolve().relative_to(root.resolve()).as_posix()
        out[rule] = RuleEnvironment(rule, paths["script"], paths["conda"])
    return out


class _Imports(ast.NodeVisitor):
    """Top-level module names a file imports at run time, and packages it opens as data."""

    def __init__(self):
        self.modules: set[str] = set()

    def visit_If(self, node: ast.If):
        test = node.test
        if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
                isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"):
            for child in node.orelse:  # the `if` branch never runs
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import):
        self.modules.update(alias.name.split(".")[0] for alias in node.names)

    def visit_ImportFrom(self, node: ast.ImportFrom):
        if node.level == 0 and node.module:
            self.modules.add(node.module.split(".")[0])

    def visit_Call(self, node: ast.Call):
        # importlib.resources.files("package"): the package's data files are read at run time
        func = node.func
        if (isinstance(func, ast.Attribute) and func.attr == "files" and node.args
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            self.modules.add(node.args[0].value.split(".")[0])
        self.generic_visit(node)


@cache
def _file_imports(path: Path) -> frozenset[str]:
    visitor = _Imports()
    visitor.visit(ast.parse(path.read_text(), filename=str(path)))
    return frozenset(visitor.modules)


def third_party_modules(script: str | Path, library: LibraryImports) -> set[str]:
    """Top-level names of the third-party modules ``script`` needs at run time: its own imports
    and those of every library module it reaches (not the standard library, not the library)."""
    files = [library.root / script] + [library.root / p for p in library.closure(script)]
    modules = set().union(*(_file_imports(Path(f)) for f in files))
    return {m for m in modules if m not in sys.stdlib_module_names and m != library.package}


@cache
def _packages_distributions() -> dict[str, list[str]]:
    return metadata.packages_distributions()


def distribution_of(module: str) -> str:
    """The normalised PyPI name of the installed distribution that provides ``module``."""
    dists = _packages_distributions().get(module)
    if not dists:
        raise EnvironmentFileError(f"module {module!r} is imported but no installed distribution "
                                "provides it (install the project with its dependencies)")
    return normalise(dists[0])


def check(root: str | Path = ".", package: str = "hotstars") -> list[str]:
    """Every way the rules' environments differ from what their scripts import (empty: none).

    For each rule: a package it needs that its environment lacks. For each environment: a
    package none of its rules needs.
    """
    root = Path(root)
    library = LibraryImports(src="src", package=package, root=root)
    problems, needed = [], {}
    environments = {}
    for rule, entry in sorted(rule_environments(root).items()):
        env = environments.setdefault(entry.env, read_environment(root / entry.env))
        wanted = {distribution_of(m) for m in third_party_modules(entry.script, library)}
        needed.setdefault(entry.env, set()).update(wanted)
        missing = sorted(wanted - set(env.pypi()))
        if missing:
            problems.append(f"rule {rule} ({entry.script}) needs {missing}, "
                            f"missing from {entry.env}")
    for path, env in sorted(environments.items()):
        unused = sorted(set(env.pypi()) - needed[path])
        if unused:
            problems.append(f"{path} declares {unused}, which none of its rules imports")
    return problems
