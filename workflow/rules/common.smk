# Helpers only (no rules): the run plan (hotstars.workflow.plan) and the paths rules use.
# What a run reads and makes is decided in that tested Python module; this file only exposes it.
import sys
from pathlib import Path

# The library reaches the workflow and every job from this checkout's src/, first on the path:
# local or cluster jobs, in a conda environment or a container, none of which installs it
# (envs/*.yaml hold third-party packages only). Jobs inherit PYTHONPATH; so do Apptainer
# containers, which see the working directory.
LIBRARY_SRC = str(Path(workflow.basedir, "src").resolve())
sys.path.insert(0, LIBRARY_SRC)

from snakemake.exceptions import WorkflowError
from snakemake.logging import logger

from hotstars.errors import HotstarsError
from hotstars.workflow.plan import CLUSTER_CATALOGUES, RunPlan  # noqa: F401 (used by rules)
from hotstars.workflow.provenance import LibraryImports, put_first_on_pythonpath

put_first_on_pythonpath(LIBRARY_SRC)  # for the jobs

try:
    PLAN = RunPlan(config)
    DOWNLOADS = PLAN.downloads()  # stops here, before any job, when a data file is missing
except HotstarsError as err:
    raise WorkflowError(str(err)) from None
NOTE = PLAN.download_note()  # a run that only downloads says what else is missing
if NOTE:
    logger.warning(NOTE)
# where each kind of data comes from, for the report's captions
config["run"]["data"] = PLAN.data_sources()

SPAXEL_PC = config["maps"]["spaxel_pc"]
AGE_SPAXEL_PC = config["ages"]["map_spaxel_pc"]
# paths relative to the working directory; the files' parsed imports are kept between runs
LIBRARY = LibraryImports(src="src", package="hotstars", cache=".snakemake/hotstars/imports.json")
# Rules on the longest chains of jobs (the mock and its side catalogues, the sample, kinematics,
# ages, the v_R map and field and their recovery) go first when several jobs are ready: the
# other products fill the other core.
CRITICAL_PATH = 10
# batches the mock rules draw side by side (config mock.presets.<preset>.threads; the schema
# gives every preset its default)
MOCK_THREADS = config["mock"]["presets"][config["mock"]["preset"]]["threads"]


def _given_cores():
    """The run's --cores (a profile's included); None when Snakemake was given none."""
    try:
        return workflow.cores
    except WorkflowError:
        return None


# The side catalogues draw on one core fewer than the run has, so that ingest (which does not
# wait for them) runs beside them: at --cores 2 their second thread gained 6 s of their ~30 s
# (their batches' tails are serial) but held ingest's 13 s back (full preset).
_CORES = _given_cores()
SIDE_THREADS = MOCK_THREADS if _CORES is None else max(1, min(MOCK_THREADS, _CORES - 1))


def results(path):
    """A product of this run: results/<run.name>/<path>."""
    return PLAN.results(path)


def logs(name):
    return PLAN.log(name)


def benchmarks(name):
    return PLAN.benchmark(name)


def mock_file(key):
    """A file the built-in mock writes into this run's folder."""
    return PLAN.mock_file(key)


def map_file(kind, size=SPAXEL_PC):
    """A map product at a spaxel size (default maps.spaxel_pc), e.g. .../maps/vR_250pc.parquet."""
    return PLAN.map_file(kind, size)


def figure(name, label):
    """A figure product, results/<run>/figures/<name>.png, in the report under "Figures" with
    its caption workflow/report/<name>.rst."""
    return report(results(f"figures/{name}.png"), caption=f"../report/{name}.rst",
                  category="Figures", labels={"figure": label})


def survey_input(key):
    return PLAN.survey_input(key)


def side_input(key):
    return PLAN.side_input(key)


def imports_of(script):
    """The library files scripts/<script>.py uses, directly or through other modules: an edit
    of any of them reruns the rule (hotstars.workflow.provenance)."""
    return LIBRARY.closure(f"scripts/{script}.py")
