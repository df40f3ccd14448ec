"""Import cost: the library modules most jobs import must not pull in astropy or scipy at import
time (each workflow job is a fresh process; these imports cost more than most jobs' work). The
functions that need them import them where used. Reading the workflow (the Snakefile, its rules
and the config checks, at the start of every `snakemake` call) imports neither pandas nor pyarrow."""

from __future__ import annotations

import re
import subprocess
import sys

from workflow_utils import ROOT

HEAVY = ("astropy", "scipy")

LIGHT = (
    "hotstars.apogee",
    "hotstars.auriga",
    "hotstars.binaries",
    "hotstars.clusters",
    "hotstars.comparisons",
    "hotstars.contrast",
    "hotstars.crossmatch",
    "hotstars.frame",
    "hotstars.io.apogee",
    "hotstars.io.catalogues",
    "hotstars.io.clusters",
    "hotstars.io.sky",
    "hotstars.io.specs",
    "hotstars.io.survey",
    "hotstars.kinematics",
    "hotstars.maps",
    "hotstars.summary",
    "hotstars.validation",
    "hotstars.vrfield",
)


def _heavy_after_import(*modules: str) -> list[str]:
    """The HEAVY packages loaded after importing ``modules`` in a fresh interpreter."""
    code = (f"import sys\nfor m in {list(modules)!r}: __import__(m)\n"
            f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_light_modules_import_no_heavy_package():
    if _heavy_after_import(*LIGHT):  # one interpreter for all; on failure, name the culprits
        culprits = {m: found for m in LIGHT if (found := _heavy_after_import(m))}
        raise AssertionError(f"imported at module level (python -X importtime shows the chain): "
                             f"{culprits}")


def test_a_figure_job_draws_and_writes_without_pyplot(tmp_path):
    """Figure functions build bare Figures and savefig writes them: pyplot (its backend and
    figure-manager machinery, ~5 % of a figure job's imports) is never imported; a pyplot
    figure given to savefig is still closed."""
    code = f"""
import sys
import pandas as pd
from hotstars.plots import ages, comparisons, crossmatch, galaxies, maps, sample, structure
from hotstars.plots import style, validation
cutflow = pd.DataFrame({{"step": ["observed", "teff"], "criterion": ["all", "Teff > 10000 K"],
                        "n_spectra": [10, 4], "n_stars": [5, 2]}})
style.savefig(sample.fig_cutflow(cutflow), {str(tmp_path / "a.png")!r})
print("matplotlib.pyplot" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.split() == ["False"]
    assert (tmp_path / "a.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_reading_the_workflow_imports_no_pandas():
    """`snakemake --list-rules` on the default (mock) config: the Snakefile, its rules and the
    config checks (the mock's physics included, hotstars.mock.params) load neither pandas nor
    pyarrow (~0.3 s of every snakemake process when they did; numpy comes with Snakemake's
    YAML templating, yte)."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "snakemake", "--list-rules"],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    loaded = set(re.findall(r"^import time:.*\|\s*([\w.]+)$", proc.stderr, re.M))
    assert "hotstars.workflow.plan" in loaded and "hotstars.mock.params" in loaded
    assert sorted(loaded & {"pandas", "pyarrow"}) == []
