"""Python lint (pyflakes rules through ruff, configured in pyproject.toml): undefined names, unused
imports and variables, syntax errors, in the library, the rule scripts, the tests and benchmarks."""

import subprocess
import sys

from workflow_utils import ROOT


def test_python_code_is_clean():
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "src", "scripts", "tests",
                           "benchmarks"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
