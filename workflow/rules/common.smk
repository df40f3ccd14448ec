# Helpers only (no rules): input resolution, library dependencies, resources.
from pathlib import Path

from snakemake.exceptions import WorkflowError

SURVEY_INPUTS = ("spall", "bossnet", "gaia", "distances", "tmass")

# Files the built-in mock survey writes, in the real formats (DESIGN.md §3-§4).
MOCK_FILES = {
    "spall": "resources/mock/spAll-mock.fits",
    "bossnet": "resources/mock/astraAllVisitBossNet-mock.fits",
    "gaia": "resources/mock/gaia_dr3_source.parquet",
    "distances": "resources/mock/bailer_jones_2021.csv",
    "tmass": "resources/mock/tmass_psc_xm.parquet",
    "truth": "resources/mock/truth.parquet",
}


def _given_survey_inputs():
    return [k for k in SURVEY_INPUTS if config["inputs"].get(k)]


def use_mock():
    """True when no survey input is configured; all five or none (a clear error otherwise)."""
    given = _given_survey_inputs()
    if given and len(given) != len(SURVEY_INPUTS):
        missing = [k for k in SURVEY_INPUTS if k not in given]
        raise WorkflowError(
            f"config inputs: {', '.join(given)} given but {', '.join(missing)} missing; "
            "give all five survey inputs (spall, bossnet, gaia, distances, tmass) or none "
            "(none = the built-in mock survey)"
        )
    return not given


def survey_input(name):
    """Path of a survey input: the configured file, or the mock survey's."""
    return MOCK_FILES[name] if use_mock() else config["inputs"][name]


def mist_files():
    """Official MIST .iso.cmd files when inputs.isochrones is set, else [] (offline lachesis grid)."""
    folder = config["inputs"].get("isochrones")
    if not folder:
        return []
    files = sorted(str(p) for p in Path(folder).glob("*.iso.cmd"))
    if not files:
        raise WorkflowError(f"inputs.isochrones: no *.iso.cmd file in {folder}")
    return files


def lib(*modules):
    """Library modules used by a job (editing one reruns it)."""
    return [f"src/hotstars/{m}.py" for m in modules]


def check_mock_physics():
    """Reject a typo'd or mistyped mock.physics override before any job runs."""
    from hotstars.mock import MockError, MockParams

    try:
        MockParams.from_overrides(config["mock"]["physics"])
    except MockError as err:
        raise WorkflowError(f"config {err}") from None


def mock_preset():
    preset = config["mock"]["preset"]
    if preset not in config["mock"]["presets"]:
        raise WorkflowError(f"config mock.preset: {preset!r} is not one of {sorted(config['mock']['presets'])}")
    return config["mock"]["presets"][preset]


def data_source():
    """What the products were computed from, for summary.json."""
    if use_mock():
        return f"built-in mock survey, preset {config['mock']['preset']}, seed {config['mock']['seed']}"
    return "real survey files: " + ", ".join(config["inputs"][k] for k in SURVEY_INPUTS)
