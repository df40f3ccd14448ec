"""Shared fixtures: one full run of the small mock per test session."""

import pytest
from workflow_utils import copy_workflow, snakemake


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory):
    """A private copy of the workflow after `snakemake --cores 2` on the default (small) mock.

    Tests that rerun parts of it with overlays leave it complete again (a dry-run is then empty).
    """
    workdir = copy_workflow(tmp_path_factory.mktemp("workflow"))
    snakemake(workdir, "--cores", "2")
    return workdir
