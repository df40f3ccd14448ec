"""A DR19-shaped real-data run from nothing but a config: the SDSS files from a local SAS (HTTP on
127.0.0.1), the Gaia-side files from a local TAP service (tests/tap_server.py) holding the
archive's tables, against the same inputs given as files. The data are the small mock's survey
files (real formats); the TAP service holds its Gaia, Bailer-Jones and 2MASS tables under the
archive's names, so a run that queries it must make the same products as a run that reads the
files. Only ingest reads the survey files, so the run on the files stops there: it plans the
same jobs, and ingest's tables (everything but their provenance, which names other input
files) must be the same; from them on both runs are the same deterministic function of the same
settings."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from astropy.table import Table
from tap_server import TapServer
from test_download import FixtureServer
from workflow_utils import RUN, copy_workflow, file_readers, planned_jobs, snakemake

ROOT = Path(__file__).resolve().parents[1]
SDSS = {"spall": "spAll-mock.fits", "bossnet": "astraAllVisitBossNet-mock.fits"}
GAIA_SIDE = {"gaia": "gaia_dr3_source.parquet", "distances": "bailer_jones_2021.csv",
             "tmass": "tmass_psc_xm.parquet"}
#: the archive table each query file names first (what the local service holds)
ARCHIVE_TABLES = {"gaia": "gaiadr3.gaia_source", "distances": "external.gaiaedr3_distance",
                  "tmass": "gaiadr3.tmass_psc_xsc_best_neighbour"}
SKIP = ("logs", "benchmarks", "report")


def dr19_files() -> dict:
    return yaml.safe_load((ROOT / "config" / "dr19.yaml").read_text())["data"]["files"]


@pytest.fixture(scope="module")
def services(run_dir, tmp_path_factory):
    """A local SAS with the mock's spAll and BOSS Net at their DR19 paths (gzipped, as on the
    SAS), and a local TAP service holding the mock's Gaia-side tables."""
    inputs = run_dir / RUN / "inputs"
    www = tmp_path_factory.mktemp("sas")
    for key, name in SDSS.items():
        dest = www / dr19_files()[key]["sas"]
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(gzip.compress((inputs / name).read_bytes(), compresslevel=1, mtime=0))
    tables = {ARCHIVE_TABLES[k]: Table.read(inputs / name) for k, name in GAIA_SIDE.items()}
    tmass = tables[ARCHIVE_TABLES["tmass"]]
    tmass["ph_qual"] = np.full(len(tmass), "AAA")  # selected by the query, not in the mock
    sas, tap = FixtureServer(www), TapServer(tables)
    tap.exec_polls = 1
    yield sas, tap, inputs
    sas.close()
    tap.close()


def overlay(workdir: Path, name: str, content: dict) -> str:
    (workdir / name).write_text(yaml.safe_dump(content))
    return name


def content(path: Path):
    """What a product holds, without its provenance and the data-source captions."""
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".fits"):
        table = Table.read(path)
        return {name: (str(table[name].unit), np.ma.filled(table[name], 0).tobytes())
                for name in table.colnames}
    if suffix == ".json":
        data = json.loads(path.read_text())
        data.pop("provenance", None)
        source = data.pop("_source", "real survey files: ")  # summary.json names the inputs
        assert source.startswith("real survey files: ")
        return data
    if suffix == ".png":
        import matplotlib.image

        return matplotlib.image.imread(path).tobytes()
    if suffix == ".html":  # the report tables name the input files
        return re.sub(r"Computed from: real survey files: [^<]*", "", path.read_text())
    return path.read_bytes()


def test_file_readers_names_the_rules_that_read_a_file(tmp_path):
    """workflow_utils.file_readers, on which the DR19 test's premise rests, read from a toy
    workflow's file graph: the rules reading each file, none for a file no rule reads, and a
    rule without inputs (its node has no input header) reading none of its outputs."""
    (tmp_path / "Snakefile").write_text(
        'rule all:\n    input: "b.txt"\n'
        'rule a:\n    output: "a.txt"\n    shell: "touch {output}"\n'
        'rule b:\n    input: "a.txt"\n    output: "b.txt"\n    shell: "cp {input} {output}"\n')
    assert file_readers(tmp_path, ["a.txt", "b.txt", "c.txt"]) == {
        "a.txt": {"b"}, "b.txt": {"all"}, "c.txt": set()}


@pytest.mark.workflow
def test_a_dr19_run_from_a_config_alone_equals_the_run_on_the_files(services, tmp_path):
    sas, tap, inputs = services
    queried = copy_workflow(tmp_path / "queried")
    data_dir = tmp_path / "data" / "dr19"
    fetch = overlay(queried, "fetch.yaml", {"run": {"name": "dr19"}, "data": {
        "dir": str(data_dir), "download": True, "query_archive": True, "base_url": sas.url,
        "archive": {"url": tap.url, "sync_max_ids": 2000, "chunk_ids": 2500, "wait_s": 0.0,
                    "poll_s": 0.0}},
        # the OB target sample's whole-sky query is tested in test_archive.py; here it is a file
        "inputs": {"ob_sample": str(inputs / "z21_ob_sample.parquet")}})
    args = ("--configfile", "config/config.yaml", "config/dr19.yaml", fetch)
    jobs = planned_jobs(queried, *args)
    assert jobs["download"] == 2 and jobs["archive_source_ids"] == 1 and jobs["query_archive"] == 3
    assert "simulate_survey" not in jobs and "ingest" in jobs
    snakemake(queried, "--cores", "2", *args)

    files = dr19_files()
    for key in GAIA_SIDE:  # the archive's answers, written as the config names them
        assert (data_dir / files[key]["name"]).is_file()
    ids = Table.read(data_dir / "mwm_ob_source_ids.vot")["source_id"]
    jobs_per_query = -(-len(ids) // 2500)
    assert len(ids) > 2500 and tap.kinds().count("async") == 3 * jobs_per_query
    assert len(tap.deleted) == tap.kinds().count("async")  # every job cleaned up
    log = (queried / "results/dr19/logs/archive" / f"{files['gaia']['name']}.log").read_text()
    assert "asynchronous job" in log and "COMPLETED after" in log and "(done)" in log
    assert f"of {len(ids)} uploaded ids have a row" in log
    download_log = (queried / "results/dr19/logs/download" / f"{files['spall']['name']}.log")
    assert "(100 %)" in download_log.read_text()

    made = {p.relative_to(queried / "results/dr19") for p in (queried / "results/dr19").rglob("*")
            if p.is_file() and p.parts[len(queried.parts) + 2] not in SKIP}
    assert len(made) > 30

    # The same run on the same data as files. Only ingest reads the survey files (and, fetching
    # them, the archive rules before it): the two runs can differ only in ingest's products;
    # from them on both are the same deterministic function of the same settings (products
    # identical across folders, cores and seeds: test_reliability). So this run plans the same
    # jobs and stops after ingest, whose products must hold the same.
    given = copy_workflow(tmp_path / "given")
    as_files = overlay(given, "files.yaml", {"run": {"name": "dr19"}, "data": {
        "dir": str(tmp_path / "nothing")}, "inputs": {
        **{k: str(inputs / n) for k, n in SDSS.items()},
        **{k: str(inputs / n) for k, n in GAIA_SIDE.items()},
        "ob_sample": str(inputs / "z21_ob_sample.parquet")}})
    given_args = ("--configfile", "config/config.yaml", "config/dr19.yaml", as_files)
    fetched = {"download", "archive_source_ids", "query_archive"}
    assert planned_jobs(given, *given_args) == {r: n for r, n in jobs.items() if r not in fetched}
    survey = [data_dir / files[k]["name"] for k in (*SDSS, *GAIA_SIDE)]
    readers = file_readers(queried, survey, *args)
    assert all("ingest" in rules and rules <= {"ingest", "archive_source_ids"}
               for rules in readers.values()), readers
    given_files = [inputs / n for n in (*SDSS.values(), *GAIA_SIDE.values())]
    assert all(rules == {"ingest"}
               for rules in file_readers(given, given_files, *given_args).values())
    ingested = ("sample/spectra.parquet", "sample/targets.parquet")
    snakemake(given, "--cores", "2", *(f"results/dr19/{p}" for p in ingested), *given_args)
    for product in ingested:
        assert content(queried / "results/dr19" / product) == \
            content(given / "results/dr19" / product), product
    # data files in place are inputs: a second run fetches nothing; one deleted is queried again
    # when asked for (the products made from it stay up to date: Snakemake does not rerun a job
    # for a deleted input that a rule can make)
    assert planned_jobs(queried, *args) == {}
    tmass = data_dir / files["tmass"]["name"]
    tmass.unlink()
    assert planned_jobs(queried, str(tmass), *args) == {"query_archive": 1}
