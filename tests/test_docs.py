"""The project's own documentation: every pointer in code, tests and docs leads to something in
the repository, and docs/figures.md names rules, scripts and functions that exist."""

from __future__ import annotations

import importlib
import re

import pytest
from workflow_utils import ROOT

SOURCES = [p for folder in ("src", "scripts", "tests", "workflow", "config", "benchmarks", "docs",
                            "profiles", "envs")
           for p in sorted((ROOT / folder).rglob("*"))
           if p.is_file() and p.suffix in (".py", ".smk", ".yaml", ".rst", ".md", ".adql")
           and "egg-info" not in str(p)] + [ROOT / "README.md", ROOT / "Snakefile"]


def headings(path) -> set[str]:
    return {m.group(1).strip() for m in re.finditer(r"^#+ (.+)$", path.read_text(), re.M)}


def test_no_pointer_to_documents_outside_the_repository():
    for path in SOURCES:
        if path == ROOT / "tests" / "test_docs.py":
            continue
        text = path.read_text()
        for name in ("PAPER" + ".md", "DESIGN" + ".md", "STYLE" + ".md", "../shared"):
            assert name not in text, f"{path.relative_to(ROOT)} cites {name}"


def test_every_docs_pointer_exists():
    conventions = headings(ROOT / "docs" / "conventions.md")
    cited = 0
    for path in SOURCES:
        text = path.read_text()
        for doc in re.findall(r"docs/([\w.-]+\.md)", text):
            assert (ROOT / "docs" / doc).is_file(), f"{path.relative_to(ROOT)}: docs/{doc}"
            cited += 1
        for section in re.findall(r"docs/conventions\.md,\s+([A-Z][A-Za-z -]*[A-Za-z])", text):
            assert section in conventions or section.split(":")[0] in conventions, (
                f"{path.relative_to(ROOT)}: no section {section!r} in docs/conventions.md")
    assert cited > 30


FIGURES = (ROOT / "docs" / "figures.md").read_text()


def test_figures_doc_covers_every_figure_rule():
    rules = re.findall(r"(?m)^rule (\w+):", (ROOT / "workflow" / "rules" / "figures.smk").read_text())
    for rule in rules:
        assert f"`{rule}`" in FIGURES, rule
        assert (ROOT / "scripts" / f"{rule}.py").is_file()
    assert len(rules) == 9  # the 22 figures: figures that share inputs are drawn by one rule


@pytest.mark.parametrize("name", sorted(set(re.findall(r"`(hotstars(?:\.\w+)+)`", FIGURES))))
def test_figures_doc_names_functions_that_exist(name):
    try:
        importlib.import_module(name)  # a module or package
    except ModuleNotFoundError:
        module, _, attr = name.rpartition(".")
        assert callable(getattr(importlib.import_module(module), attr)), name


def test_figure_scripts_call_the_function_the_doc_names():
    rows = re.findall(r"(?m)^\| Fig[^|]*\| `figures/(\w+)\.png` \| `(\w+)` \| "
                      r"`hotstars\.plots\.(\w+)\.(\w+)`", FIGURES)
    assert len(rows) == 20
    for row in rows:
        product, rule, module, function = row
        script = (ROOT / "scripts" / f"{rule}.py").read_text()
        assert "from hotstars.plots import" in script and re.search(rf"\b{module}\b", script), row
        if rule.startswith("plot_"):  # one of several figures: its function draws it
            body = script.split(f"\ndef {product}(sm, log):\n", 1)[1].split("\ndef ", 1)[0]
            assert re.search(rf"\b{module}\.{function}\b", body), row
            rules = (ROOT / "workflow" / "rules" / "figures.smk").read_text()
            assert f'{product}=figure("{product}", ' in rules, row
        else:
            assert f".{function}(" in script, row


def resolves(name: str) -> bool:
    """Whether a dotted ``hotstars.…`` name is a module or an attribute of one."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


def test_every_dotted_name_in_code_and_docs_exists():
    """`hotstars.io.tables.write_table` and the like, in docstrings, comments, docs, config."""
    bad = set()
    for path in SOURCES:
        for name in re.findall(r"(?<![\w/])hotstars(?:\.[A-Za-z_]\w*)+", path.read_text()):
            if "__main__" in name:  # importing it runs the command line
                continue
            if name.endswith(".py"):  # a file name: its module must exist
                name = name.removesuffix(".py")
            if not resolves(name):
                bad.add(f"{path.relative_to(ROOT)}: {name}")
    assert not bad, sorted(bad)
