"""Real-data configs (config/dr19.yaml, dr20.yaml, vac.yaml), the missing-files message and the
download rule.

Library tests of hotstars.io.realdata, static checks of the shipped overlays and ADQL queries, and
workflow tests in one private copy: dry-runs, plus one real run of just the two SDSS downloads
from a local HTTP server on 127.0.0.1 (FixtureServer, tests/test_download.py) serving small
fixture files in the real formats, and one offline download. About 25 s in all.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import shutil
from pathlib import Path

import fixtures_io as fx
import numpy as np
import pytest
import yaml
from astropy.table import Table
from snakemake.exceptions import WorkflowError
from snakemake.utils import update_config, validate
from test_download import FixtureServer, closed_port_url
from workflow_utils import ROOT, copy_workflow, planned_jobs, snakemake

from hotstars import cli
from hotstars.io import catalogues, realdata, survey

SCHEMA = str(ROOT / "workflow" / "schemas" / "config.schema.yaml")
RELEASES = ("dr19", "dr20")
SURVEY = ("spall", "bossnet", "gaia", "distances", "tmass")
READER_SPECS = {"gaia": survey.GAIA, "distances": survey.DISTANCES, "tmass": survey.TMASS,
                "ob_sample": catalogues.OB_SAMPLE}


def load(name):
    return yaml.safe_load((ROOT / "config" / name).read_text())


def merged(*names):
    config = {}
    for name in names:
        update_config(config, load(name))
    validate(config, SCHEMA)
    return config


# --- the library -------------------------------------------------------------------------------

def test_data_files_join_urls_and_paths():
    data = {"dir": "./data/dr20/", "base_url": "http://host/sas/", "files": {
        "spall": {"name": "spAll.fits.gz", "sas": "/dr20/x/spAll.fits.gz",
                  "md5": "ABCDEF0123456789ABCDEF0123456789"},
        "gaia": {"name": "gaia.fits", "archive": "Gaia archive: t", "adql": "q.adql"}}}
    files = realdata.data_files(data)
    assert files["spall"] == realdata.DataFile(
        "spall", "data/dr20/spAll.fits.gz", url="http://host/sas/dr20/x/spAll.fits.gz",
        checksums={"md5": "abcdef0123456789abcdef0123456789"})
    assert files["gaia"].url is None and files["gaia"].adql == "q.adql"
    resolved = realdata.resolve_inputs({"gaia": "mine.parquet"}, files)
    assert resolved == {"spall": "data/dr20/spAll.fits.gz", "gaia": "mine.parquet"}


def test_message_names_every_file_its_source_and_the_next_step():
    files = [realdata.DataFile("spall", "d/spAll.fits.gz", url="https://sas/dr20/spAll.fits.gz"),
             realdata.DataFile("gaia", "d/gaia.fits", archive="Gaia archive: gaiadr3.gaia_source",
                               adql="config/adql/gaia_dr3.adql"),
             realdata.DataFile("als3", "d/als3.csv")]
    off = realdata.missing_files_message(files)
    assert off.splitlines()[0] == "3 input file(s) of this run missing (nothing was run):"
    for line in ("  d/spAll.fits.gz  (inputs.spall)", "from the SDSS SAS: https://sas/dr20/spAll.fits.gz",
                 "  d/gaia.fits  (inputs.gaia)",
                 "from Gaia archive: gaiadr3.gaia_source; ADQL query: config/adql/gaia_dr3.adql",
                 "  d/als3.csv  (inputs.als3)", "source unknown",
                 "SDSS SAS and archive files: one more config overlay", "hotstars source-ids",
                 realdata.FETCH_ALL_OVERLAY):
        assert line in off
    sas_only = realdata.missing_files_message(files[:1])
    assert realdata.DOWNLOAD_OVERLAY in sas_only and "query_archive" not in sas_only
    on = realdata.missing_files_message(files[1:], download=True, header="fetching d/spAll.fits.gz")
    assert on.splitlines()[0] == "fetching d/spAll.fits.gz"
    assert "set `data: {download: true}`" not in on and "  d/gaia.fits  (inputs.gaia)" in on
    queried = realdata.missing_files_message(files[1:], download=True, query=True)
    assert "query_archive" not in queried and "By hand: run the ADQL query shown" in queried


def test_source_ids_are_the_carton_stars(tmp_path):
    """The ids to upload: BOSS Net's DR3 ids of the carton's spectra only (a star observed only
    for another program is left out), exact as int64."""
    paths = fx.write_inputs(tmp_path)
    raw = fx.spall()
    other = raw.cols["SDSS_ID"] == raw.cols["SDSS_ID"][0]
    raw.cols["PROGRAMNAME"][other], raw.cols["FIRSTCARTON"][other] = "mwm_yso", "mwm_yso_disk_boss"
    spall = fx.write(raw, tmp_path / "spAll-other.fits")
    bossnet = survey.read_bossnet(paths["bossnet"])
    left_out = bossnet.loc[bossnet["sdss_id"] == raw.cols["SDSS_ID"][0], "gaia_dr3_source_id"]
    expected = sorted(set(bossnet["gaia_dr3_source_id"]) - set(left_out))
    assert len(left_out) and len(expected) == 7
    out = tmp_path / "ids.vot"
    cli.main(["source-ids", str(spall), str(paths["bossnet"]), str(out)])
    ids = Table.read(out)["source_id"]
    assert ids.dtype == np.int64 and list(ids) == expected


# --- the shipped overlays and queries ----------------------------------------------------------

@pytest.mark.parametrize("release", RELEASES)
def test_release_overlays_name_the_five_survey_files(release):
    config = merged("config.yaml", f"{release}.yaml")
    data = config["data"]
    assert data["dir"] == f"data/{release}" and data["download"] is False
    assert set(SURVEY) <= set(data["files"])
    for key, entry in data["files"].items():
        if "sas" in entry:  # the file keeps its SAS name
            assert entry["sas"].rsplit("/", 1)[1] == entry["name"], key
            assert entry["sas"].startswith(("dr17/", f"{release}/")), key
        else:
            assert (ROOT / entry["adql"]).is_file(), key
    assert data["files"]["spall"]["name"] == {"dr19": "spAll-v6_1_3.fits.gz",
                                              "dr20": "spAll-v6_2_1.fits.gz"}[release]


def test_vac_overlay_names_the_published_catalogue():
    config = merged("config.yaml", "vac.yaml")
    vac = realdata.data_files(config["data"])["vac"]
    assert vac.path == "data/ob_vac-1.0.0.fits"
    assert vac.url == "https://data.sdss.org/sas/dr20/vac/mwm/yso/ob-kin/ob_vac-1.0.0.fits"
    assert set(vac.checksums) == {"sha1"}


@pytest.mark.parametrize("key", sorted(READER_SPECS))
def test_adql_query_selects_every_column_the_reader_requires(key):
    entry = load("dr20.yaml")["data"]["files"][key]
    query = (ROOT / entry["adql"]).read_text()
    select = re.search(r"^SELECT(.*?)^FROM", query, re.S | re.M).group(1)
    selected = {name.split(".")[-1].strip() for name in select.split(",")}
    required = {c.name for c in READER_SPECS[key].columns if not c.optional}
    assert required <= selected, required - selected
    # the carton's stars' files join the uploaded ids; the OB target sample is the whole selection
    assert ("user_YOURNAME.mwm_ob_ids" in query) == (key != "ob_sample")


@pytest.mark.parametrize("files, words", [
    ({"spall": {"name": "x", "sas": "a/x", "archive": "t"}}, "is valid under each of"),
    ({"spall": {"name": "x"}}, "is not valid under any"),                  # no source
    ({"spall": {"name": "x", "sas": "a/x", "sha256": "abc"}}, "does not match"),
    ({"spal": {"name": "x", "sas": "a/x"}}, "'spal' is not one of"),      # typo'd input key
])
def test_schema_rejects_bad_data_entries(files, words):
    config = merged("config.yaml")
    config["data"]["files"] = files
    with pytest.raises(WorkflowError, match=words):
        validate(config, SCHEMA)


# --- the workflow -------------------------------------------------------------------------------

OVERLAYS = ("--configfile", "config/config.yaml")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return copy_workflow(tmp_path_factory.mktemp("real_data"))


def overlay(workdir: Path, name: str, content: dict) -> str:
    path = workdir / name
    path.write_text(yaml.safe_dump(content))
    return str(path)


def stop_message(text: str) -> str:
    """The one missing-files message in Snakemake's output (exactly one)."""
    assert text.count("input file(s) of this run missing") == 1, text[-3000:]
    assert "Job stats" not in text  # stopped while building the DAG: nothing planned or run
    return text


@pytest.mark.workflow
@pytest.mark.parametrize("release", RELEASES)
def test_missing_files_stop_the_dry_run_with_one_message(workdir, release):
    proc = snakemake(workdir, "-n", *OVERLAYS, f"config/{release}.yaml", check=False)
    assert proc.returncode != 0
    text = stop_message(proc.stdout + proc.stderr)
    config = merged("config.yaml", f"{release}.yaml")
    files = realdata.data_files(config["data"])
    assert "6 input file(s)" in text
    for key in (*SURVEY, "ob_sample"):
        f = files[key]
        assert f"{f.path}  (inputs.{key})" in text
        assert (f.url or f.archive) in text
    assert "https://data.sdss.org/sas/" + config["data"]["files"]["spall"]["sas"] in text
    assert "apogee" not in text  # the APOGEE VAC is read only with inputs.auriga


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A local SAS with fixture spAll / BOSS Net files (real formats) at their DR20 paths."""
    root = tmp_path_factory.mktemp("sas")
    good = fx.write_inputs(root / "fixtures")
    entries = load("dr20.yaml")["data"]["files"]
    checksums = {}
    for key in ("spall", "bossnet"):
        dest = root / "www" / entries[key]["sas"]
        dest.parent.mkdir(parents=True)
        dest.write_bytes(gzip.compress(good[key].read_bytes(), mtime=0))
        checksums[key] = hashlib.sha256(dest.read_bytes()).hexdigest()
    server = FixtureServer(root / "www")
    yield server, good, checksums
    server.close()


@pytest.mark.workflow
def test_download_rule_fetches_the_sdss_files_then_the_dag_runs_the_survey(workdir, served):
    server, good, checksums = served
    entries = load("dr20.yaml")["data"]["files"]
    data_dir = workdir / "data" / "dr20"
    shutil.rmtree(data_dir, ignore_errors=True)
    fetch = overlay(workdir, "download.yaml", {"data": {
        "download": True, "base_url": server.url,
        "files": {k: {"sha256": checksums[k]} for k in checksums}}})
    args = (*OVERLAYS, "config/dr20.yaml", fetch)

    # Gaia-side files still missing: the run only fetches the SDSS files (the star list for the
    # ADQL queries) and says what else is missing
    targets = [f"data/dr20/{entries[k]['name']}" for k in ("spall", "bossnet")]
    proc = snakemake(workdir, "-n", *args)
    text = proc.stdout + proc.stderr
    assert f"this run only downloads {', '.join(targets)}" in text
    assert "4 other input file(s) are missing" in text and "ADQL query" in text
    assert planned_jobs(workdir, *args) == {"download": 2, "all": 1}
    snakemake(workdir, "--cores", "1", *args)
    for key, target in zip(("spall", "bossnet"), targets):
        assert gzip.decompress((workdir / target).read_bytes()) == good[key].read_bytes()
    assert sorted(r.path.rsplit("/", 1)[1] for r in server.requests) == sorted(
        t.rsplit("/", 1)[1] for t in targets)

    for key in ("gaia", "distances", "tmass"):  # as saved from the Gaia archive (FITS)
        fx.write(getattr(fx, key)(), data_dir / entries[key]["name"])
    gaia = fx.gaia()  # the OB target sample: the observed stars and as many without a spectrum
    keys = ("source_id", "ra", "dec", "parallax", "parallax_error")
    ob = {k: np.concatenate([gaia.cols[k], gaia.cols[k] + (k == "source_id")]) for k in keys}
    fx.write(fx.Raw(ob, {k: u for k, u in gaia.units.items() if k in keys}),
             data_dir / entries["ob_sample"]["name"])
    jobs = planned_jobs(workdir, *args)
    assert {"ingest", "select_hss", "compute_kinematics", "build_isochrone_grid"} <= set(jobs)
    assert not {"download", "simulate_survey"} & set(jobs)


@pytest.mark.workflow
def test_offline_download_fails_with_the_missing_files_message(workdir, tmp_path):
    data_dir = tmp_path / "data"
    offline = overlay(workdir, "offline.yaml", {
        "data": {"dir": str(data_dir), "download": True, "base_url": closed_port_url()}})
    target = str(data_dir / "spAll-v6_2_1.fits.gz")
    proc = snakemake(workdir, "--cores", "1", target, *OVERLAYS, "config/dr20.yaml", offline,
                     check=False)
    text = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "could not download: http://127.0.0.1:" in text and "Connection refused" in text
    assert f"{target}  (inputs.spall)" in text and "1 input file(s) missing" in text
    assert not list(data_dir.glob("*"))  # neither the file nor a part file


@pytest.mark.workflow
def test_lint_is_clean_with_the_dr20_overlay_and_the_download_rule(workdir):
    fetch = overlay(workdir, "lint.yaml", {"data": {"dir": "data/empty", "download": True}})
    proc = snakemake(workdir, "--lint", *OVERLAYS, "config/dr20.yaml", fetch, check=False)
    text = proc.stdout + proc.stderr
    assert proc.returncode == 0 and "Lints for" not in text, text[-3000:]
    assert "download" in snakemake(workdir, "--list-rules", *OVERLAYS, "config/dr20.yaml",
                                   fetch).stdout.split()
