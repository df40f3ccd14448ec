"""The run plan: what one run reads, what it makes and where, decided once from the config.

A run is one folder, ``results/<run.name>/``: every product, log, benchmark, the report and (for
the built-in mock) the input files the mock survey writes (``inputs/``). Runs with different names never touch each other's
files. The one resource shared by all runs is the isochrone grid, whose file name carries a
digest of the settings it is built from (``resources/isochrones/grid_<digest>.parquet``), so two
runs with different grids keep two files.

Modes (:attr:`RunPlan.mode`):

- ``mock``: no input configured; the built-in mock survey writes every input in its real format;
- ``survey``: the five survey inputs (spAll, BOSS Net, Gaia DR3, Bailer-Jones, 2MASS), given as
  ``inputs.<key>`` or as ``data.files`` under ``data.dir``;
- ``vac``: the published DR20 value-added catalogue (``inputs.vac``); the sample stage is skipped.

Optional parts (:data:`COMPONENTS`) are made when the run has their inputs: the mock has all of
them; a survey run has a part when every one of its inputs is configured. Each part lists, once,
its inputs, its products and the numbers it adds to ``summary.json``; the products of the run,
the inputs it reads and the summary's inputs are all derived from that table.

This module does not import Snakemake: the workflow's ``common.smk`` turns a :class:`PlanError`
into Snakemake's error and passes the plan's paths to the rules.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from hotstars.errors import HotstarsError
from hotstars.io import realdata
from hotstars.mock.params import MockError, MockParams

__all__ = ["PlanError", "Component", "COMPONENTS", "SURVEY_INPUTS", "CLUSTER_CATALOGUES",
           "RunPlan"]

SURVEY_INPUTS = ("spall", "bossnet", "gaia", "distances", "tmass")
CLUSTER_CATALOGUES = ("h23", "cg20")
#: comparison stages whose comparisons/<name>.json numbers go into summary.json
COMPARISON_NUMBERS = ("gaia_rv", "esphs", "binary_simulation", "contrast")

#: Files the built-in mock writes, in the real formats, under ``results/<run>/inputs/``.
MOCK_FILES = {
    "spall": "spAll-mock.fits",
    "bossnet": "astraAllVisitBossNet-mock.fits",
    "gaia": "gaia_dr3_source.parquet",
    "distances": "bailer_jones_2021.csv",
    "tmass": "tmass_psc_xm.parquet",
    "truth": "truth.parquet",
    "ob_sample": "z21_ob_sample.parquet",
    "als3": "als3.csv",
    "d23": "d23_source_ids.csv",
    "d23_gaia": "d23_gaia.parquet",
    "auriga": "auriga",
    "apogee": "apogee_astroNN.fits",
    **{f"clusters_{cat}_{part}": f"clusters/{cat}_{part}.csv"
       for cat in CLUSTER_CATALOGUES for part in ("members", "clusters")},
}


class PlanError(HotstarsError):
    """The configuration does not describe a run (inputs that do not go together, missing files)."""


@dataclass(frozen=True)
class Component:
    """An optional part of the run: the input keys it needs (real data), the products it makes
    (relative to the run's folder) and the summary inputs ({name: product}) it adds."""

    name: str
    inputs: tuple[str, ...]
    products: tuple[str, ...]
    numbers: tuple[tuple[str, str], ...] = ()


#: Products of every run (all three modes), relative to ``results/<run>/``.
CORE_PRODUCTS = (
    "kinematics/kinematics.parquet",
    "maps/density_{spaxel}pc.parquet",
    "maps/vR_{spaxel}pc.parquet",
    "summary.json",
    "tables/summary.html",
    "figures/fig06_vphi.png",
    "figures/fig07_maps.png",
    "figures/figB1_maps.png",
    "maps/vR_field.parquet",
    "figures/fig07_field.png",
)

#: The parts beyond the kinematics and maps; ``sample`` is everything that needs the spectra.
COMPONENTS = (
    Component("sample", SURVEY_INPUTS, (
        "sample/cutflow.csv", "tables/cutflow.html", "rv/vlos.parquet", "ages/ages.parquet",
        "maps/logage_{age_spaxel}pc.parquet", "vac/ob_vac.fits",
        "figures/fig01_sky.png", "figures/fig02_cutflow.png", "figures/fig04_kiel.png",
        "figures/fig08_logage.png", "figures/fig11_young_old.png", "figures/fig03_esphs.png",
        "figures/fig05_gaia_rv.png", "figures/figC1_binaries.png", "figures/fig10_contrast.png",
    ), (("cutflow", "sample/cutflow.csv"), ("flags", "sample/target_flags.parquet"),
        ("hss", "sample/hss.parquet"), ("vlos", "rv/vlos.parquet"), ("ages", "ages/ages.parquet"),
        *((f"numbers_{n}", f"comparisons/{n}.json") for n in COMPARISON_NUMBERS))),
    # Δ_Σ (Fig. 10/11) from the OB target sample; the HSS map stars' own is then a labelled extra
    Component("ob_sample", ("ob_sample",), ("maps/density_contrast_hss.parquet",)),
    Component("auriga", ("auriga",), ("figures/fig12_auriga.png",)),  # Fig. 12 needs no APOGEE
    Component("galaxies", ("auriga", "apogee"), (
        "figures/fig13_apogee.png", "figures/figD1_toomre.png",
        "figures/figB1_apogee.png",
    ), (("numbers_galaxies", "comparisons/galaxies.json"),)),
    Component("side_catalogues", ("als3", "d23", "d23_gaia"), (
        "comparisons/table1_als3.csv", "tables/crossmatch.html",
        "figures/figA1_d23_selection.png", "figures/figA2_d23_plane.png",
    ), (("numbers_crossmatch", "comparisons/crossmatch.json"),)),
    Component("clusters", tuple(f"clusters_{c}" for c in CLUSTER_CATALOGUES), (
        *(f"validation/clusters_{c}.parquet" for c in CLUSTER_CATALOGUES),
        "figures/fig09_clusters.png",
    ), tuple((f"clusters_{c}", f"validation/clusters_{c}.parquet") for c in CLUSTER_CATALOGUES)),
    Component("truth_check", (), (
        "validation/injection_recovery.json", "figures/validation_vR_recovery.png",
        "figures/validation_age_recovery.png",
    ), (("numbers_truth", "validation/vr_recovery.json"),)),
)

#: Summary inputs of every run.
CORE_NUMBERS = (("kinematics", "kinematics/kinematics.parquet"),
                ("flags_vphi", "kinematics/vphi_window.parquet"),
                ("vr_map", "maps/vR_{spaxel}pc.parquet"),
                ("vr_field", "maps/vR_field.parquet"))


class RunPlan:
    """The plan of the run a (schema-validated) config describes; every path it returns is
    relative to the working directory (the folder of the Snakefile)."""

    def __init__(self, config: Mapping):
        self.config = config
        self.name = str(config["run"]["name"])
        if not self.name or "/" in self.name or self.name in (".", ".."):
            raise PlanError(f"config run.name: {self.name!r} is not a folder name")
        data = config["data"]
        self.data_dir = os.path.normpath(data["dir"])
        self.data_files = {k: f for k, f in realdata.data_files(data).items()
                           if k not in config["inputs"]}
        #: every configured input path: inputs.<key>, else the data.files entry under data.dir
        self.inputs = realdata.resolve_inputs(dict(config["inputs"]), self.data_files)
        self.mode = self._mode()
        if self.mode == "mock":
            self._check_mock()

    # --- mode -------------------------------------------------------------------------------

    def _mode(self) -> str:
        given = [k for k in SURVEY_INPUTS if self.inputs.get(k)]
        if self.inputs.get("vac"):
            if given:
                raise PlanError("config inputs: give either inputs.vac (start from the published "
                                "catalogue) or the survey inputs, not both (found vac and "
                                f"{', '.join(given)})")
            return "vac"
        if given and len(given) != len(SURVEY_INPUTS):
            missing = [k for k in SURVEY_INPUTS if k not in given]
            raise PlanError(f"config inputs: {', '.join(given)} given but {', '.join(missing)} "
                            "missing; give all five survey inputs (spall, bossnet, gaia, "
                            "distances, tmass) or none (none = the built-in mock survey)")
        return "survey" if given else "mock"

    def _check_mock(self) -> None:
        """A typo'd or mistyped mock.physics override or preset stops the run before any job."""
        mock = self.config["mock"]
        if mock["preset"] not in mock["presets"]:
            raise PlanError(f"config mock.preset: {mock['preset']!r} is not one of "
                            f"{sorted(mock['presets'])}")
        try:
            MockParams.from_overrides(mock["physics"])
        except MockError as err:
            raise PlanError(f"config {err}") from None

    @property
    def uses_mock(self) -> bool:
        return self.mode == "mock"

    @property
    def uses_vac(self) -> bool:
        return self.mode == "vac"

    # --- paths ------------------------------------------------------------------------------

    @property
    def results_dir(self) -> str:
        return f"results/{self.name}"

    def results(self, path: str) -> str:
        """``results/<run>/<path>``: a product of this run."""
        return f"{self.results_dir}/{path}"

    def log(self, name: str) -> str:
        return f"{self.results_dir}/logs/{name}"

    def benchmark(self, name: str) -> str:
        return f"{self.results_dir}/benchmarks/{name}"

    def mock_file(self, key: str) -> str:
        """A file the built-in mock writes (:data:`MOCK_FILES`), in this run's folder."""
        return self.results(f"inputs/{MOCK_FILES[key]}")

    def map_file(self, kind: str, size_pc: int | None = None) -> str:
        """A map product, e.g. ``results/<run>/maps/vR_250pc.parquet`` (default: maps.spaxel_pc)."""
        size = self.config["maps"]["spaxel_pc"] if size_pc is None else size_pc
        return self.results(f"maps/{kind}_{size}pc.parquet")

    def mist_files(self) -> list[str]:
        """Official MIST .iso.cmd files when inputs.isochrones is set, else [] (lachesis grid)."""
        folder = self.inputs.get("isochrones")
        if not folder:
            return []
        files = sorted(str(p) for p in Path(folder).glob("*.iso.cmd"))
        if not files:
            raise PlanError(f"inputs.isochrones: no *.iso.cmd file in {folder}")
        return files

    @property
    def isochrone_grid(self) -> str:
        """The shared grid file, named by a digest of the settings it is built from."""
        settings = {"log_age": self.config["isochrones"]["log_age"],
                    "feh": self.config["isochrones"]["feh"], "mist_files": self.mist_files()}
        digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:10]
        return f"resources/isochrones/grid_{digest}.parquet"

    # --- inputs -----------------------------------------------------------------------------

    def survey_input(self, key: str) -> str:
        """A survey input: the configured file, or the mock's (also in VAC mode, where unused)."""
        return self.inputs[key] if self.mode == "survey" else self.mock_file(key)

    def side_input(self, key: str) -> str:
        """ALS-III / D23 / Auriga / APOGEE input: configured, or the mock's."""
        return self.inputs.get(key) or self.mock_file(key)

    def contrast_inputs(self) -> dict[str, str]:
        """The stars of the density contrast (Fig. 10/11): the OB target sample (configured, or
        the mock's), else the HSS map stars (kinematics and v_phi window flags)."""
        if self.has("ob_sample"):
            return {"ob_sample": self.side_input("ob_sample")}
        return {"kinematics": self.results("kinematics/kinematics.parquet"),
                "flags": self.results("kinematics/vphi_window.parquet")}

    def cluster_inputs(self, catalogue: str) -> dict[str, str]:
        """A cluster catalogue's members and clusters tables (and the truth for the mock)."""
        given = self.inputs.get(f"clusters_{catalogue}")
        files = {part: given[part] if given else self.mock_file(f"clusters_{catalogue}_{part}")
                 for part in ("members", "clusters")}
        if self.uses_mock:
            files["truth"] = self.mock_file("truth")
        return files

    # --- parts, products, numbers -----------------------------------------------------------

    def has(self, component: str) -> bool:
        """Whether the run makes an optional part (:data:`COMPONENTS`)."""
        part = _component(component)
        if self.uses_vac:
            return False
        if self.uses_mock:
            return True
        return part.name != "truth_check" and all(self.inputs.get(k) for k in part.inputs)

    def components(self) -> list[Component]:
        return [c for c in COMPONENTS if self.has(c.name)]

    def parts_not_made(self) -> dict[str, dict[str, str]]:
        """The optional parts this run does not make and why ({name: {reason, product}}), for
        summary.json and its log: a run without a comparison's inputs says so instead of being
        silent about it."""
        out = {}
        for part in COMPONENTS:
            if self.has(part.name) or part.name == "truth_check":
                continue
            if self.uses_vac:
                reason = "the run starts from the published VAC (inputs.vac)"
            else:
                missing = [f"inputs.{k}" for k in part.inputs if not self.inputs.get(k)]
                reason = f"{' and '.join(missing)} not configured"
            products = [self._format(p).removeprefix(self.results_dir + "/")
                        for p in part.products]
            out[f"part {part.name}"] = {"reason": reason, "product": ", ".join(products)}
        return out

    def _format(self, path: str) -> str:
        return self.results(path.format(spaxel=self.config["maps"]["spaxel_pc"],
                                        age_spaxel=self.config["ages"]["map_spaxel_pc"]))

    def final_products(self) -> list[str]:
        """Every product of the run (the default target), by mode and part."""
        paths = list(CORE_PRODUCTS)
        for part in self.components():
            paths += part.products
        products = [self._format(p) for p in paths]
        if self.uses_vac:
            return products
        return [self.isochrone_grid, *products]

    def summary_inputs(self) -> dict[str, str]:
        """{name: product} whose numbers go into summary.json."""
        pairs = list(CORE_NUMBERS)
        for part in self.components():
            pairs += part.numbers
        return {name: self._format(path) for name, path in pairs}

    def used_input_keys(self) -> list[str]:
        """The configured input keys whose files the run reads ([] for the mock)."""
        if self.uses_mock:
            return []
        if self.uses_vac:
            return ["vac"]
        return list(dict.fromkeys(k for part in self.components() for k in part.inputs))

    # --- real data files --------------------------------------------------------------------

    def missing_data_files(self) -> dict[str, realdata.DataFile]:
        """{name in data.dir: DataFile} of the data files this run reads that are absent."""
        files = (self.data_files[k] for k in self.used_input_keys() if k in self.data_files)
        return {os.path.relpath(f.path, self.data_dir): f for f in files if not f.exists()}

    def _acquisitions(self) -> tuple[dict, dict]:
        """(downloads, queries): the missing data files this run fetches from the SDSS SAS
        (``data.download`` and an SAS source) and those it queries at the archive
        (``data.query_archive`` and an ADQL query; only once both SDSS files are there or
        fetched, since the queries upload their stars' ids).

        Raises :class:`PlanError` with the one message listing every missing file and its source
        when a file is missing and none can be fetched or queried. When some can and others
        cannot, the run makes those and stops (see :meth:`targets`).
        """
        missing = self.missing_data_files()
        data = self.config["data"]
        fetch = {n: f for n, f in missing.items() if data["download"] and f.url}
        ask = {}
        sdss_ready = all(self.inputs.get(k) and (Path(self.inputs[k]).exists() or any(
            f.path == os.path.normpath(self.inputs[k]) for f in fetch.values()))
            for k in ("spall", "bossnet"))
        if data["query_archive"] and sdss_ready:
            ask = {n: f for n, f in missing.items() if f.adql}
        if missing and not fetch and not ask:
            raise PlanError(realdata.missing_files_message(
                list(missing.values()), data["download"], query=data["query_archive"]))
        return fetch, ask

    def downloads(self) -> dict[str, realdata.DataFile]:
        """{name in data.dir: DataFile} of the missing files fetched from the SDSS SAS."""
        return self._acquisitions()[0]

    def queries(self) -> dict[str, realdata.DataFile]:
        """{name in data.dir: DataFile} of the missing files queried at the archive."""
        return self._acquisitions()[1]

    @property
    def source_ids_file(self) -> str:
        """The stars' Gaia DR3 ids uploaded with the archive queries (from the two SDSS files)."""
        return os.path.join(self.data_dir, f"{self.config['sample']['program']}_source_ids.vot")

    def still_missing(self) -> list[realdata.DataFile]:
        """Missing data files no rule can make (the user fetches them, e.g. ALS-III)."""
        fetch, ask = self._acquisitions()
        return [f for n, f in self.missing_data_files().items() if n not in fetch and n not in ask]

    def download_note(self) -> str:
        """What a run that only fetches files tells the user (empty when it makes the products)."""
        rest = self.still_missing()
        if not rest:
            return ""
        fetch, ask = self._acquisitions()
        made = ", ".join(f.path for f in [*fetch.values(), *ask.values()])
        how = " and ".join(w for w, d in (("downloads", fetch), ("queries", ask)) if d)
        switches = " and ".join(k for k, d in (("data.download", fetch),
                                               ("data.query_archive", ask)) if d)
        return realdata.missing_files_message(
            rest, download=True, query=bool(self.config["data"]["query_archive"]),
            header=f"run {self.name}: this run only {how} {made} ({switches} true); "
                   f"{len(rest)} other input file(s) are missing, so run it again once they are "
                   "in place:")

    def targets(self) -> list[str]:
        """The default target: every product, or only the downloads and queries while files
        that the run cannot fetch are still missing (a second run then makes the products)."""
        if self.still_missing():
            fetch, ask = self._acquisitions()
            return [f.path for f in [*fetch.values(), *ask.values()]]
        return self.final_products()

    # --- descriptions -----------------------------------------------------------------------

    def data_source(self) -> str:
        """What the products were computed from (summary.json, report tables)."""
        if self.uses_vac:
            return f"published VAC {self.inputs['vac']}"
        if self.uses_mock:
            mock = self.config["mock"]
            return f"built-in mock survey, preset {mock['preset']}, seed {mock['seed']}"
        return "real survey files: " + ", ".join(self.inputs[k] for k in SURVEY_INPUTS)

    def data_sources(self) -> dict[str, str]:
        """Where each kind of data comes from, for the report's captions: 'survey' is 'mock',
        'files' or 'vac'; each optional input is 'mock', 'file' or 'none'."""
        out = {"survey": {"mock": "mock", "survey": "files", "vac": "vac"}[self.mode],
               "vac": self.inputs.get("vac", ""), "spall": self.inputs.get("spall", "")}
        for key in ("ob_sample", "als3", "d23", "auriga", "apogee", "clusters_h23", "clusters_cg20"):
            out[key] = ("mock" if self.uses_mock else "file" if self.inputs.get(key) else "none")
        return out


def _component(name: str) -> Component:
    for part in COMPONENTS:
        if part.name == name:
            return part
    raise KeyError(f"no run component {name!r}; expected one of {[c.name for c in COMPONENTS]}")
