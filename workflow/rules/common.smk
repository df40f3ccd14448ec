# Helpers only (no rules): input resolution, library dependencies, resources.
import os
from functools import cache
from pathlib import Path

from snakemake.exceptions import WorkflowError

from hotstars import realdata

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

# Real data files (config `data`): each data.files entry sets inputs.<key> to <data.dir>/<name>
# unless inputs.<key> is given, so every helper below sees the resolved inputs.
DATA_DIR = os.path.normpath(config["data"]["dir"])
DATA_FILES = {k: f for k, f in realdata.data_files(config["data"]).items() if k not in config["inputs"]}
config["inputs"] = realdata.resolve_inputs(config["inputs"], DATA_FILES)


def _given_survey_inputs():
    return [k for k in SURVEY_INPUTS if config["inputs"].get(k)]


def use_vac():
    """True when the workflow starts from the published DR20 VAC (inputs.vac) instead of spectra."""
    if not config["inputs"].get("vac"):
        return False
    if _given_survey_inputs():
        raise WorkflowError(
            "config inputs: give either inputs.vac (start from the published catalogue) or the "
            f"survey inputs, not both (found vac and {', '.join(_given_survey_inputs())})"
        )
    return True


def use_mock():
    """True when no input is configured; the five survey inputs go together (a clear error otherwise)."""
    if use_vac():
        return False
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
    """Path of a survey input: the configured file, or the mock survey's (also in VAC mode, unused)."""
    return MOCK_FILES[name] if (use_vac() or use_mock()) else config["inputs"][name]


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


SPAXEL_PC = config["maps"]["spaxel_pc"]
AGE_SPAXEL_PC = config["ages"]["map_spaxel_pc"]
CLUSTER_CATALOGUES = ("h23", "cg20")
# comparison stages whose results/comparisons/<name>.json numbers go into summary.json
COMPARISON_NUMBERS = ("gaia_rv", "esphs", "binary_simulation", "contrast")
SIDE_CATALOGUES = ("als3", "d23", "d23_gaia")
MOCK_AURIGA = "resources/mock/auriga"
MOCK_APOGEE = "resources/mock/apogee_astroNN.fits"
MOCK_SIDE_FILES = {
    "als3": "resources/mock/als3.csv",
    "d23": "resources/mock/d23_source_ids.csv",
    "d23_gaia": "resources/mock/d23_gaia.parquet",
}


def side_catalogue(name):
    """ALS-III / D23 inputs: configured, or the mock's."""
    return config["inputs"].get(name) or MOCK_SIDE_FILES[name]


def have_cluster_catalogues():
    return use_mock() or all(config["inputs"].get(f"clusters_{c}") for c in CLUSTER_CATALOGUES)


def have_side_catalogues():
    return use_mock() or all(config["inputs"].get(k) for k in SIDE_CATALOGUES)
MOCK_CLUSTER_FILES = {
    (cat, part): f"resources/mock/clusters/{cat}_{part}.csv"
    for cat in CLUSTER_CATALOGUES
    for part in ("members", "clusters")
}


def cluster_validation_inputs(wildcards):
    """A cluster catalogue's members and clusters tables: configured, or the mock's."""
    cat = wildcards.catalogue
    given = config["inputs"].get(f"clusters_{cat}")
    files = {
        "members": given["members"] if given else MOCK_CLUSTER_FILES[(cat, "members")],
        "clusters": given["clusters"] if given else MOCK_CLUSTER_FILES[(cat, "clusters")],
    }
    if use_mock():
        files["truth"] = MOCK_FILES["truth"]
    return files


def map_files(kind, size=SPAXEL_PC):
    """Path of a map product at the configured spaxel size (e.g. results/maps/vR_250pc.parquet)."""
    return f"results/maps/{kind}_{size}pc.parquet"


def final_products():
    """The final products, by mode: mock survey, real survey files, or the published VAC."""
    products = [
        "results/kinematics/kinematics.parquet",
        map_files("density"),
        map_files("vR"),
        "results/summary.json",
        "results/tables/summary.html",
        "results/figures/fig06_vphi.png",
        "results/figures/fig07_maps.png",
        "results/figures/figB1_maps.png",
    ]
    if use_vac():
        return products
    products += [
        "resources/isochrones/grid.parquet",
        "results/sample/cutflow.csv",
        "results/tables/cutflow.html",
        "results/rv/vlos.parquet",
        "results/ages/ages.parquet",
        map_files("logage", AGE_SPAXEL_PC),
        "results/vac/ob_vac.fits",
        "results/figures/fig01_sky.png",
        "results/figures/fig02_cutflow.png",
        "results/figures/fig04_kiel.png",
        "results/figures/fig08_logage.png",
        "results/figures/fig11_young_old.png",
        "results/figures/fig03_esphs.png",
        "results/figures/fig05_gaia_rv.png",
        "results/figures/figC1_binaries.png",
        "results/figures/fig10_contrast.png",
    ]
    if use_mock() or (config["inputs"].get("auriga") and config["inputs"].get("apogee")):
        products += [
            "results/figures/fig12_auriga.png",
            "results/figures/fig13_apogee.png",
            "results/figures/figD1_toomre.png",
            "results/figures/figB1_apogee.png",
        ]
    if have_side_catalogues():
        products += [
            "results/comparisons/table1_als3.csv",
            "results/tables/crossmatch.html",
            "results/figures/figA1_d23_selection.png",
            "results/figures/figA2_d23_plane.png",
        ]
    if have_cluster_catalogues():
        products += [f"results/validation/clusters_{c}.parquet" for c in CLUSTER_CATALOGUES]
        products.append("results/figures/fig09_clusters.png")
    if use_mock():
        products += [
            "results/validation/injection_recovery.json",
            "results/figures/validation_vR_recovery.png",
            "results/figures/validation_age_recovery.png",
        ]
    return products


def summary_inputs(wildcards):
    """Products whose numbers go into summary.json (the sample stage is absent in VAC mode)."""
    inputs = {
        "kinematics": "results/kinematics/kinematics.parquet",
        "flags_vphi": "results/kinematics/vphi_window.parquet",
        "vr_map": map_files("vR"),
    }
    if not use_vac():
        inputs.update(
            cutflow="results/sample/cutflow.csv",
            flags="results/sample/target_flags.parquet",
            hss="results/sample/hss.parquet",
            vlos="results/rv/vlos.parquet",
            ages="results/ages/ages.parquet",
            **{f"numbers_{name}": f"results/comparisons/{name}.json" for name in COMPARISON_NUMBERS},
        )
        if have_side_catalogues():
            inputs["numbers_crossmatch"] = "results/comparisons/crossmatch.json"
        if use_mock() or (config["inputs"].get("auriga") and config["inputs"].get("apogee")):
            inputs["numbers_galaxies"] = "results/comparisons/galaxies.json"
        if have_cluster_catalogues():
            inputs.update({f"clusters_{c}": f"results/validation/clusters_{c}.parquet"
                           for c in CLUSTER_CATALOGUES})
    return inputs


def data_source():
    """What the products were computed from, for summary.json."""
    if use_vac():
        return f"published VAC {config['inputs']['vac']}"
    if use_mock():
        return f"built-in mock survey, preset {config['mock']['preset']}, seed {config['mock']['seed']}"
    return "real survey files: " + ", ".join(config["inputs"][k] for k in SURVEY_INPUTS)


def used_input_keys():
    """Input files the products read, by mode (as final_products(); side inputs by group)."""
    if use_mock():
        return []
    if use_vac():
        return ["vac"]
    keys = list(SURVEY_INPUTS)
    if have_side_catalogues():
        keys += SIDE_CATALOGUES
    if config["inputs"].get("auriga") and config["inputs"].get("apogee"):
        keys += ["auriga", "apogee"]
    return keys


@cache
def missing_data_files():
    """{name in data.dir: DataFile} of the data files the run reads that are absent."""
    files = (DATA_FILES[k] for k in used_input_keys() if k in DATA_FILES)
    return {os.path.relpath(f.path, DATA_DIR): f for f in files if not f.exists()}


def download_inputs(wildcards):
    """The download rule's code. A missing file it cannot fetch (no SAS path, or data.download
    false) stops the DAG before any job with the one message listing every missing data file."""
    if not (config["data"]["download"] and missing_data_files()[wildcards.name].url):
        raise WorkflowError(realdata.missing_files_message(
            list(missing_data_files().values()), download=config["data"]["download"]))
    return lib("download", "realdata")
