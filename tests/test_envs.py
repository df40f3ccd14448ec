"""Static checks of the per-rule conda environments: conda is not installable here."""

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
ENV_DIR = ROOT / "envs"


def referenced_envs():
    """{env path: [rule files referencing it]} from every `conda:` directive."""
    refs = {}
    for smk in sorted((ROOT / "workflow" / "rules").glob("*.smk")):
        for match in re.finditer(r'conda:\s*\n\s*"([^"]+)"', smk.read_text()):
            path = (smk.parent / match.group(1)).resolve()
            refs.setdefault(path, []).append(smk.name)
    return refs


def env_pins(path):
    """{normalised package name: pinned version} of conda and pip entries (local paths skipped)."""
    spec = yaml.safe_load(path.read_text())
    pins = {}
    for dep in spec["dependencies"]:
        if isinstance(dep, dict):
            for pip_dep in dep.get("pip", []):
                if pip_dep.startswith(("-e", ".", "/")):
                    continue
                req = Requirement(pip_dep)
                specs = list(req.specifier)
                assert len(specs) == 1 and specs[0].operator == "==", f"{path.name}: {pip_dep} not pinned"
                pins[req.name.lower()] = specs[0].version
        else:
            name, _, version = dep.partition("=")
            assert version and not version.startswith("="), f"{path.name}: {dep} not pinned (name=version)"
            pins[name.lower()] = version
    return pins


def test_every_rule_env_exists_parses_and_is_pinned():
    refs = referenced_envs()
    assert refs, "no conda: directive found in workflow/rules"
    for path, rules in refs.items():
        assert path.exists(), f"{rules} reference missing {path}"
        pins = env_pins(path)
        assert "python" in pins


def test_every_env_file_is_referenced():
    referenced = set(referenced_envs())
    for path in ENV_DIR.glob("*.yaml"):
        assert path.resolve() in referenced, f"{path.name} is not used by any rule"


def test_env_pins_satisfy_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = {Requirement(r).name.lower(): Requirement(r) for r in project["dependencies"]}
    python_spec = project["requires-python"]
    seen = set()
    for path in referenced_envs():
        pins = env_pins(path)
        assert Version(pins["python"]) in Requirement(f"python{python_spec}").specifier
        for name, version in pins.items():
            if name in requirements:
                seen.add(name)
                assert Version(version) in requirements[name].specifier, (
                    f"{path.name}: {name}={version} violates pyproject {requirements[name]}")
    # every runtime dependency but the orchestrator itself is provided by some rule env
    missing = set(requirements) - seen - {"snakemake", "jsonschema"}
    assert not missing, f"pyproject dependencies in no env: {sorted(missing)}"


@pytest.mark.parametrize("name", ["science", "plotting"])
def test_env_installs_the_library_itself(name):
    spec = yaml.safe_load((ENV_DIR / f"{name}.yaml").read_text())
    pip = [d for d in spec["dependencies"] if isinstance(d, dict)][0]["pip"]
    assert "-e .." in pip
