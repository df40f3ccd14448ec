"""The library's layout is enforced, not only described (docs/architecture.md).

- Import rules, read from every module's source: io imports no science, mock, plots or workflow
  module; science modules import neither the mock, the plots nor the workflow package; plots do
  not import the mock; nothing in the library imports Snakemake or the rule scripts.
- One error base: every exception class the library defines derives from HotstarsError.
- Rules and scripts: one rule <-> one script of the same name; each rule's code inputs are the
  import closure of its own script (hotstars.workflow.provenance), checked against an independent
  computation (the standard library's modulefinder, which reads bytecode instead of the AST).
"""

from __future__ import annotations

import ast
import inspect
import os
import pkgutil
import re
from importlib import import_module
from pathlib import Path

import pytest
from workflow_utils import ROOT, modulefinder_closure

import hotstars
from hotstars.errors import HotstarsError
from hotstars.workflow.environments import rule_blocks
from hotstars.workflow.provenance import LibraryImports

SRC = ROOT / "src"
PACKAGE = SRC / "hotstars"
LAYERS = ("io", "mock", "plots", "workflow")


def library_modules() -> dict[str, Path]:
    """{dotted name: file} of every module of the library."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def layer(module: str) -> str:
    """'io', 'mock', 'plots', 'workflow', 'base' (errors, stats), 'cli' or 'science'."""
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in LAYERS:
        return parts[1]
    if module in ("hotstars", "hotstars.errors", "hotstars.stats"):
        return "base"
    if module in ("hotstars.cli", "hotstars.__main__"):
        return "cli"
    return "science"


def imported(path: Path) -> set[str]:
    """Every module name an import statement of ``path`` names (any depth, any scope)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path}: relative import (write the absolute name)"
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


MODULES = library_modules()
#: layer -> layers it may import (besides itself and base)
ALLOWED = {
    "base": set(),
    "io": set(),
    "science": {"io"},
    "mock": {"io", "science"},
    "plots": {"io", "science"},
    "workflow": {"io", "science", "mock", "plots"},  # plots: the figure jobs' writer only
    "cli": {"io", "science"},
}


def violations(module: str, names) -> list[str]:
    """The imports among ``names`` that ``module`` may not make."""
    mine, bad = layer(module), []
    for name in sorted(names):
        top = name.split(".")[0]
        if top in ("snakemake", "scripts"):
            bad.append(f"{module} imports {name}")
        elif top == "hotstars" and name in MODULES:  # else `from hotstars.<module> import NAME`
            theirs = layer(name)
            if theirs not in {mine, "base"} | ALLOWED[mine]:
                bad.append(f"{module} ({mine}) imports {name} ({theirs}); {mine} may import "
                           f"{sorted({'base'} | ALLOWED[mine])}")
    return bad


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_imports_point_down_only(module):
    assert violations(module, imported(MODULES[module])) == []


def test_the_rule_has_teeth(tmp_path):
    """Imports that break the arrows are caught, read from source as for the real modules."""
    source = tmp_path / "bad.py"
    source.write_text("from hotstars.mock import survey\n"
                      "def f():\n    from hotstars.plots import style\n    import snakemake\n")
    found = violations("hotstars.maps", imported(source))
    # science -> the mock and plots packages and their modules, and Snakemake
    assert [v.split(" imports ")[1].split()[0] for v in found] == [
        "hotstars.mock", "hotstars.mock.survey", "hotstars.plots", "hotstars.plots.style",
        "snakemake"]
    assert len(violations("hotstars.io.tables", {"hotstars.maps"})) == 1  # io -> science
    assert violations("hotstars.plots.maps", {"hotstars.maps", "hotstars.io.tables"}) == []


def test_package_inits_import_nothing():
    """A rule script loads only the modules it uses (provenance and start-up time)."""
    for path in PACKAGE.rglob("__init__.py"):
        assert not imported(path), f"{path} imports {imported(path)}"


def test_every_module_says_what_it_is_for():
    for module, path in MODULES.items():
        doc = ast.get_docstring(ast.parse(path.read_text()))
        assert doc and len(doc) > 20, f"{module}: no module docstring"


def test_every_library_error_derives_from_hotstars_error():
    errors = []
    for info in pkgutil.walk_packages(hotstars.__path__, "hotstars."):
        if info.name == "hotstars.__main__":
            continue
        for _, cls in inspect.getmembers(import_module(info.name), inspect.isclass):
            if issubclass(cls, BaseException) and cls.__module__ == info.name:
                errors.append(cls)
    assert len(errors) >= 15
    for cls in errors:
        if cls.__name__.startswith("_"):  # private control flow (download restarts)
            continue
        assert issubclass(cls, HotstarsError), f"{cls.__module__}.{cls.__name__}"


# --- rules and scripts ------------------------------------------------------------------------

FETCHING_RULES = {"download", "archive_source_ids", "query_archive"}


def test_one_rule_one_script_of_the_same_name():
    rules = {rule: text for rule, (_, text) in rule_blocks(ROOT).items()}
    scripts = {p.stem for p in (ROOT / "scripts").glob("*.py")}
    for name, block in rules.items():
        script = re.findall(r'script:\s*\n\s*"\.\./\.\./scripts/(\w+)\.py"', block)
        code = re.findall(r'code=(ancient\()?imports_of\("(\w+)"\)', block)
        assert script == [name] and [c for _, c in code] == [name], \
            f"rule {name}: script {script}, code {code}"
        # only the rules that fetch data files ignore library edits (no refetch of GBs)
        assert bool(code[0][0]) == (name in FETCHING_RULES), f"rule {name}: ancient code input"
    assert scripts == set(rules), f"scripts without a rule: {scripts - set(rules)}"
    assert "lib(" not in "".join(rules.values())  # no hand-kept module lists


LIBRARY = LibraryImports(root=ROOT)  # one instance: each file parsed once for every script


@pytest.mark.parametrize("script", sorted(p.name for p in (ROOT / "scripts").glob("*.py")))
def test_code_inputs_are_the_scripts_import_closure(script):
    closure = LIBRARY.closure(f"scripts/{script}")
    assert set(closure) == modulefinder_closure(ROOT / "scripts" / script, ROOT)
    assert "src/hotstars/__init__.py" in closure
    assert all(p.endswith(".py") and (ROOT / p).is_file() for p in closure)


def test_closure_follows_imports_through_the_library(tmp_path):
    """A hand-made package: a script -> a -> b (inside a function) -> c (relative); d unused."""
    pkg = tmp_path / "src" / "toy"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("import numpy\nfrom toy.sub import b\n")
    (pkg / "sub" / "b.py").write_text("def f():\n    from . import c\n    return c\n")
    (pkg / "sub" / "c.py").write_text("X = 1\n")
    (pkg / "d.py").write_text("import toy.a\n")
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "s.py").write_text("from toy.a import something\n")
    lib = LibraryImports(src="src", package="toy", root=tmp_path)
    assert lib.modules("scripts/s.py") == ["toy", "toy.a", "toy.sub", "toy.sub.b", "toy.sub.c"]
    assert "src/toy/d.py" not in lib.closure("scripts/s.py")
    assert "src/toy/sub/__init__.py" in lib.closure("scripts/s.py")


def test_cached_imports_are_the_parsed_ones_and_follow_edits(tmp_path):
    """The parsed-imports cache (LibraryImports(cache=...)) gives what parsing gives, on the
    project's scripts and after edits: a changed file is parsed again, and a module file that
    appears later is found from an unchanged importer's cached names."""
    cache = tmp_path / "imports.json"
    scripts = [f"scripts/{p.name}" for p in sorted((ROOT / "scripts").glob("*.py"))]
    plain = LibraryImports(root=ROOT)  # no cache file
    parsed = {s: plain.closure(s) for s in scripts}
    cold = LibraryImports(root=ROOT, cache=cache)
    assert {s: cold.closure(s) for s in scripts} == parsed
    cold.save_cache()
    warm = LibraryImports(root=ROOT, cache=cache)
    warm._imported_names = None  # a warm cache parses nothing: calling this would fail
    assert {s: warm.closure(s) for s in scripts} == parsed

    pkg = tmp_path / "src" / "toy"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("X = 1\n")
    (tmp_path / "scripts").mkdir()
    script = tmp_path / "scripts" / "s.py"
    script.write_text("from toy import a, b\n")
    toy = tmp_path / "toy.json"

    def closure():
        lib = LibraryImports(src="src", package="toy", root=tmp_path, cache=toy)
        found = lib.modules("scripts/s.py")
        lib.save_cache()
        return found

    assert closure() == ["toy", "toy.a"]
    (pkg / "b.py").write_text("from toy import c\n")  # b appears: the script's entry still holds
    assert closure() == ["toy", "toy.a", "toy.b"]
    (pkg / "c.py").write_text("")
    assert closure() == ["toy", "toy.a", "toy.b", "toy.c"]
    (pkg / "b.py").write_text("X = 2\n")  # b edited: no longer imports c
    os.utime(pkg / "b.py", ns=(1, 1))  # even with an older time, the size differs
    assert closure() == ["toy", "toy.a", "toy.b"]
    toy.write_text("not json")  # a damaged cache is parsed again
    assert closure() == ["toy", "toy.a", "toy.b"]
