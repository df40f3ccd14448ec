"""Products any astronomy tool can read, and provenance in every product.

- Column metadata: every Parquet product is VOParquet
  (``Table.read(path, format="parquet.votable")``) with a unit, description and (where obvious)
  UCD per column from :mod:`hotstars.io.columns`, and ``Table.read(path)`` keeps its units; the
  VAC's FITS units are FITS units.
- Provenance: every product records what made it (:mod:`hotstars.io.provenance`), read back with
  :func:`hotstars.io.provenance.read_provenance`; outside a workflow job nothing is recorded.
"""

import hashlib
import io
import json
import subprocess
import warnings
import xml.etree.ElementTree as ET
from importlib import metadata
from pathlib import Path
from types import SimpleNamespace

import astropy.units as u
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from astropy.io import fits, votable
from astropy.io.votable.ucd import check_ucd
from astropy.table import Table
from matplotlib.figure import Figure
from workflow_utils import RUN

import hotstars
from hotstars import (ages, apogee, auriga, clusters, comparisons, contrast, crossmatch, isochrones,
                      kinematics, maps, rv, selection)
from hotstars.io import columns, provenance, tables, vac
from hotstars.mock import side, survey
from hotstars.plots import style
from hotstars.workflow import logs

ROOT = Path(__file__).resolve().parents[1]
VOT = "{http://www.ivoa.net/xml/VOTable/v1.3}"


def same_unit(a, b) -> bool:
    """Units equal as astropy units (spelling aside); unparseable ones as strings."""
    def unit(x):
        if x is None or x == "":
            return None
        return x if not isinstance(x, str) else u.Unit(x, parse_strict="silent")
    a, b = unit(a), unit(b)
    if a is None or b is None or isinstance(a, u.UnrecognizedUnit) \
            or isinstance(b, u.UnrecognizedUnit):
        return str(a) == str(b)
    return a == b


def xml_table(path) -> Table:
    """The VOParquet header alone, parsed with every VOTable warning an error."""
    content = pq.read_schema(path).metadata[b"IVOA.VOTable-Parquet.content"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return votable.parse(io.BytesIO(content)).get_first_table().to_table()


RECORD = {"hotstars_version": "0.1.0", "git_commit": "0" * 40, "git_dirty": False,
          "config_sha256": "c" * 64, "snakemake_version": "9.0.0", "rule": "a_rule",
          "code_sha256": "d" * 64,
          "inputs": [{"path": "results/x/" + "long_folder_name/" * 6 + "in.parquet",
                      "size": 12345, "sha256": "e" * 64}]}


@pytest.fixture(autouse=True)
def no_job():
    """Each test starts (and leaves) outside a workflow job."""
    with provenance.recording(None):
        yield


# --- the column registry ------------------------------------------------------------------------

def test_registry_entries_are_one_line_with_valid_ucds_and_units():
    bad = []
    for name, info in columns.COLUMNS.items():
        if not info.description or "\n" in info.description or len(info.description) > 100:
            bad.append((name, "description"))
        if info.ucd and not check_ucd(info.ucd, check_controlled_vocabulary=True):
            bad.append((name, info.ucd))
        for unit in info.units:
            if unit and isinstance(u.Unit(unit, parse_strict="silent"), u.UnrecognizedUnit) \
                    and unit != "log(cm.s**-2)":  # the Gaia archive's spelling, kept by the mock
                bad.append((name, unit))
    assert bad == []


UNIT_DICTS = {
    "selection.UNITS": selection.UNITS, "kinematics.INPUT_UNITS": kinematics.INPUT_UNITS,
    "kinematics.UNITS": kinematics.UNITS, "maps.UNITS": maps.UNITS,
    "maps.AGE_UNITS": maps.AGE_UNITS, "contrast.UNITS": contrast.UNITS, "rv.UNITS": rv.UNITS,
    "clusters.UNITS": clusters.UNITS, "ages.UNITS": ages.UNITS,
    "isochrones.GRID_UNITS": isochrones.GRID_UNITS,
    "comparisons.GAIA_RV_UNITS": comparisons.GAIA_RV_UNITS,
    "comparisons.ESPHS_UNITS": comparisons.ESPHS_UNITS,
    "comparisons.BINARY_UNITS": comparisons.BINARY_UNITS,
    "crossmatch.D23_STAR_UNITS": crossmatch.D23_STAR_UNITS,
    "auriga.STAR_UNITS": auriga.STAR_UNITS, "apogee.STAR_UNITS": apogee.STAR_UNITS,
    "side.MOCK_D23_GAIA_UNITS": side.MOCK_D23_GAIA_UNITS,
    **{f"survey.TABLE_UNITS[{k!r}]": survey.TABLE_UNITS[k]
       for k in ("gaia", "distances", "tmass", "truth")},  # the Parquet ones
}


@pytest.mark.parametrize("where", sorted(UNIT_DICTS))
def test_registry_agrees_with_the_units_dicts(where):
    problems = []
    for name, unit in UNIT_DICTS[where].items():
        info = columns.info(name)
        if info is None:
            problems.append(f"{name}: not in hotstars.io.columns")
        elif not any(same_unit(unit, accepted) for accepted in info.units):
            problems.append(f"{name}: {unit!r} not in the registry's {info.units}")
    assert problems == [], where


# --- VOParquet ----------------------------------------------------------------------------------

def frame():
    return pd.DataFrame({"source_id": np.array([3, 1, 2], np.int64), "ra": [10.0, 20.0, 30.0],
                         "logage_p50": [7.0, 7.5, np.nan], "logage_err": [0.1, 0.2, 0.3],
                         "vlos": [1.0, -2.0, 3.0], "surface_density": [1.0, 2.0, 3.0],
                         "population": ["young", "old", "young"], "in_hss": [True, False, True]})


UNITS = {"ra": "deg", "logage_p50": "dex(yr)", "logage_err": "dex", "vlos": "km / s",
         "surface_density": "1 / kpc2"}


def test_parquet_products_are_voparquet_with_units_ucds_descriptions(tmp_path):
    path = tmp_path / "t.parquet"
    tables.write_table(frame(), path, units=UNITS, meta={"cuts": {"snr_min": 20.0}})
    keys = pq.read_schema(path).metadata
    assert keys[b"IVOA.VOTable-Parquet.version"] == b"1.0"
    root = ET.fromstring(keys[b"IVOA.VOTable-Parquet.content"])
    table_el = root.find(f"{VOT}RESOURCE/{VOT}TABLE")
    assert table_el.find(f"{VOT}PARQUET").get("type") == "Parquet-local-XML"
    assert table_el.find(f"{VOT}DATA") is None
    assert [f.get("name") for f in table_el.findall(f"{VOT}FIELD")] == list(frame().columns)

    header = xml_table(path)  # no W50 (unit) or other VOTable warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vot = Table.read(path, format="parquet.votable")
    plain = Table.read(path)
    assert vot.colnames == plain.colnames == list(frame().columns)
    for name in vot.colnames:
        assert vot[name].description == columns.COLUMNS[name].description, name
        assert plain[name].description == columns.COLUMNS[name].description, name
        assert same_unit(header[name].unit, plain[name].unit), name
        assert same_unit(vot[name].unit, UNITS.get(name)), name
        assert header[name].meta.get("ucd") == (columns.COLUMNS[name].ucd or None), name
    assert plain["logage_p50"].unit == u.dex(u.yr) and plain["logage_err"].unit == u.dex
    assert plain.meta["cuts"] == {"snr_min": 20.0} and "provenance" not in plain.meta
    np.testing.assert_array_equal(vot["source_id"], [3, 1, 2])
    assert list(vot["population"]) == ["young", "old", "young"]


def test_posteriors_are_voparquet_and_still_read_back(tmp_path):
    path = tmp_path / "posteriors.parquet"
    P = np.arange(12.0).reshape(3, 4)
    P[1] = np.nan
    tables.write_posteriors(path, [5, 6, 7], [6.0, 6.5, 7.0, 7.5], P, meta={"priors": "x"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vot = Table.read(path, format="parquet.votable")
    assert vot["posterior"].shape == (3, 4)
    assert vot["posterior"].description == columns.COLUMNS["posterior"].description
    assert xml_table(path)["posterior"].meta["ucd"] == "stat.probability"
    ids, axis, back = tables.read_posteriors(path)
    assert ids.tolist() == [5, 6, 7] and axis.tolist() == [6.0, 6.5, 7.0, 7.5]
    np.testing.assert_array_equal(back, P)


def test_a_column_without_description_is_named_at_write_time(tmp_path, caplog):
    tables.write_table(pd.DataFrame({"ra": [1.0], "not_a_registered_column": [2.0]}),
                       tmp_path / "x.parquet")
    assert "not_a_registered_column" in caplog.text and "x.parquet" in caplog.text
    assert columns.missing(["ra", "not_a_registered_column"]) == ["not_a_registered_column"]


@pytest.mark.parametrize("unit, cds", [("dex(yr)", "[yr]"), ("dex", "[-]"), ("km/s", "km.s-1"),
                                       ("mas / yr", "mas.yr-1"), ("Myr", "Myr"), ("mag", "mag"),
                                       ("log(cm.s**-2)", None), ("", None)])
def test_votable_units_are_cds_strings_astropy_parses(unit, cds):
    assert tables.votable_unit(unit) == cds
    if cds:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert u.Unit(cds, format="cds") == u.Unit(unit)


# --- provenance: the record -------------------------------------------------------------------

class Inputs(list):
    """A stand-in for Snakemake's Namedlist: the paths, and the named ones by ``get``."""

    def __init__(self, **named):
        super().__init__(p for v in named.values() for p in (v if isinstance(v, list) else [v]))
        self._named = named

    def get(self, name, default=None):
        return self._named.get(name, default)


def fake_job(tmp_path, config=None, scriptdir=None):
    data = tmp_path / "in.parquet"
    data.write_bytes(b"some bytes")
    folder = tmp_path / "folder"
    folder.mkdir(exist_ok=True)
    (folder / "b.txt").write_text("b")
    (folder / "a.txt").write_text("a")
    code = tmp_path / "lib.py"
    code.write_text("x = 1\n")
    return SimpleNamespace(rule="select_hss", config=config or {"run": {"name": "mock"}},
                           scriptdir=str(scriptdir or tmp_path / "scripts"),
                           input=Inputs(table=str(data), folder=str(folder), code=[str(code)]),
                           log=[str(tmp_path / "job.log")])


def test_job_record_lists_inputs_with_size_and_sha256_and_no_code(tmp_path):
    record = provenance.job_record(fake_job(tmp_path))
    assert set(record) == set(provenance.FIELDS)
    assert record["rule"] == "select_hss" and record["hotstars_version"] == hotstars.__version__
    assert record["snakemake_version"] == metadata.version("snakemake")
    assert (record["git_commit"], record["git_dirty"]) == ("unknown", None)  # no git repository
    paths = [i["path"] for i in record["inputs"]]
    assert paths == [str(tmp_path / "in.parquet"), str(tmp_path / "folder/a.txt"),
                     str(tmp_path / "folder/b.txt")]  # a directory: its files, sorted
    first = record["inputs"][0]
    assert first["size"] == 10 and first["sha256"] == hashlib.sha256(b"some bytes").hexdigest()
    assert not any(p.endswith("lib.py") for p in paths)
    assert len(record["code_sha256"]) == 64
    job = fake_job(tmp_path)
    (tmp_path / "lib.py").write_text("x = 2\n")  # the library digest follows the code
    assert provenance.job_record(job)["code_sha256"] != record["code_sha256"]
    assert provenance.job_record(SimpleNamespace(input=[], log=["x"])) is None  # not a job


def test_config_digest_changes_with_the_config_not_with_key_order(tmp_path):
    a = provenance.job_record(fake_job(tmp_path, {"run": {"name": "mock"}, "ages": {"shards": 4}}))
    b = provenance.job_record(fake_job(tmp_path, {"ages": {"shards": 4}, "run": {"name": "mock"}}))
    c = provenance.job_record(fake_job(tmp_path, {"run": {"name": "mock"}, "ages": {"shards": 5}}))
    assert a["config_sha256"] == b["config_sha256"] != c["config_sha256"]
    assert a["config_sha256"] == hashlib.sha256(
        b'{"ages":{"shards":4},"run":{"name":"mock"}}').hexdigest()


def test_git_commit_of_the_checkout_when_there_is_one(tmp_path):
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("no git checkout")
    record = provenance.job_record(fake_job(tmp_path, scriptdir=ROOT / "scripts"))
    assert record["git_commit"] == head and record["git_dirty"] in (True, False)


def test_logs_setup_records_the_job_and_resets_without_one(tmp_path):
    job = fake_job(tmp_path)
    logs.setup(job.log[0], job=job)
    assert provenance.current()["rule"] == "select_hss"
    logs.setup(job.log[0])
    assert provenance.current() is None


# --- provenance in each format ------------------------------------------------------------------

def write_all(folder: Path) -> dict[str, Path]:
    paths = {"parquet": folder / "t.parquet", "fits": folder / "t.fits",
             "json": folder / "t.json", "png": folder / "t.png",
             "posteriors": folder / "posteriors.parquet", "vac": folder / "vac.fits"}
    tables.write_table(frame(), paths["parquet"], units=UNITS)
    tables.write_table(frame().drop(columns="population"), paths["fits"], units={"ra": "deg"})
    tables.write_json({"n": 1}, paths["json"])
    fig = Figure()
    fig.add_subplot().plot([0, 1], [0, 1])
    style.savefig(fig, paths["png"])
    tables.write_posteriors(paths["posteriors"], [1], [7.0], np.ones((1, 1)))
    vac.write_vac(pd.DataFrame({c.name: np.ones(2, c.dtype) for c in vac.VAC_COLUMNS}),
                  paths["vac"])
    return paths


def test_every_format_carries_the_jobs_provenance(tmp_path):
    with provenance.recording(RECORD):
        paths = write_all(tmp_path)
    for kind, path in paths.items():
        assert provenance.read_provenance(path) == RECORD, kind
    assert Table.read(paths["parquet"]).meta["provenance"] == RECORD
    assert json.loads(paths["json"].read_text())["provenance"] == RECORD
    with fits.open(paths["vac"]) as hdul:
        assert hdul[0].header["HSRULE"] == "a_rule" and hdul[0].header["HSNINP"] == 1
    content = pq.read_schema(paths["parquet"]).metadata[b"IVOA.VOTable-Parquet.content"].decode()
    assert 'name="provenance_rule" value="a_rule"' in content  # TOPCAT shows INFOs
    assert "12345 bytes" in content
    text = provenance.format_provenance(RECORD)
    assert all(s in text for s in ("a_rule", "0" * 40, "c" * 64, "9.0.0", "12,345 bytes",
                                   "e" * 64, RECORD["inputs"][0]["path"]))


def test_the_library_writes_without_a_job(tmp_path):
    paths = write_all(tmp_path)  # no job recorded (fixture no_job)
    for kind, path in paths.items():
        assert provenance.read_provenance(path) == {}, kind
    assert json.loads(paths["json"].read_text()) == {"n": 1}
    assert "provenance" not in Table.read(paths["parquet"]).meta
    assert "no provenance" in provenance.format_provenance({})
    with pytest.raises(provenance.ProvenanceError, match="t.csv"):
        provenance.read_provenance(tmp_path / "t.csv")


def test_products_with_provenance_stay_byte_identical(tmp_path):
    with provenance.recording(RECORD):
        a, b = write_all(tmp_path / "a"), write_all(tmp_path / "b")
    for kind in a:
        assert a[kind].read_bytes() == b[kind].read_bytes(), kind


def test_our_vac_reads_without_unit_warnings(tmp_path):
    path = tmp_path / "vac.fits"
    vac.write_vac(pd.DataFrame({c.name: np.ones(2, c.dtype) for c in vac.VAC_COLUMNS}), path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = Table.read(path)
    assert table["pm_ra_cosdec"].unit == u.mas / u.yr and table["median_log_age"].unit is None
    with fits.open(path) as hdul:
        comments = str(hdul[1].header["COMMENT"])
    assert "median_log_age: datamodel unit 'log(yr)'" in comments
    assert vac.fits_unit("log(yr)") == vac.fits_unit("dex") == "" and vac.fits_unit("km s-1")


# --- the workflow's products ----------------------------------------------------------------------

def product_paths(run_dir: Path, *suffixes: str) -> list[Path]:
    skip = {"logs", "benchmarks"}
    return sorted(p for p in (run_dir / RUN).rglob("*")
                  if p.is_file() and p.name.endswith(suffixes)
                  and not skip & set(p.relative_to(run_dir).parts))


@pytest.mark.workflow
def test_every_parquet_product_reads_as_voparquet_with_described_columns(run_dir):
    problems = []
    paths = product_paths(run_dir, ".parquet") + sorted((run_dir / "resources").rglob("*.parquet"))
    assert len(paths) > 30
    for path in paths:
        name = path.relative_to(run_dir).as_posix()
        try:
            header = xml_table(path)
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                vot = Table.read(path, format="parquet.votable")
        except Exception as exc:  # noqa: BLE001 - listed below with the product
            problems.append(f"{name}: {type(exc).__name__}: {exc}")
            continue
        plain = Table.read(path)
        if "provenance" not in plain.meta:
            problems.append(f"{name}: no provenance")
        for col in plain.colnames:
            info = columns.info(col)
            if info is None or not vot[col].description:
                problems.append(f"{name}: column {col!r} has no description")
                continue
            if not same_unit(vot[col].unit, plain[col].unit):
                problems.append(f"{name}: {col!r} unit {vot[col].unit} != {plain[col].unit}")
            if not isinstance(plain[col].unit, u.UnrecognizedUnit) \
                    and not same_unit(header[col].unit, plain[col].unit):
                problems.append(f"{name}: {col!r} VOTable unit {header[col].unit}")
            if not any(same_unit(plain[col].unit, accepted) for accepted in info.units):
                problems.append(f"{name}: {col!r} unit {plain[col].unit} not in {info.units}")
    assert problems == []


@pytest.mark.workflow
def test_hss_provenance_names_its_inputs_with_sizes_and_checksums(run_dir):
    record = provenance.read_provenance(run_dir / RUN / "sample" / "hss.parquet")
    assert record["rule"] == "select_hss"
    assert [i["path"] for i in record["inputs"]] == [f"{RUN}/sample/spectra.parquet",
                                                    f"{RUN}/sample/targets.parquet"]
    for item in record["inputs"]:  # the ingest outputs, as they are on disk
        data = (run_dir / item["path"]).read_bytes()
        assert item["size"] == len(data) and item["sha256"] == hashlib.sha256(data).hexdigest()
    assert record["git_commit"] == "unknown" and record["git_dirty"] is None  # copy without git
    assert record["snakemake_version"] == metadata.version("snakemake")
    assert record["hotstars_version"] == hotstars.__version__
    assert len(record["config_sha256"]) == 64 and len(record["code_sha256"]) == 64
    ingest = provenance.read_provenance(run_dir / RUN / "sample" / "spectra.parquet")
    assert ingest["rule"] == "ingest" and ingest["config_sha256"] == record["config_sha256"]
    assert f"{RUN}/sample/spectra.parquet" in provenance.format_provenance(record)


@pytest.mark.workflow
def test_every_product_of_the_run_carries_provenance(run_dir):
    paths = product_paths(run_dir, ".parquet", ".fits", ".png", ".json")
    records = {p.relative_to(run_dir).as_posix(): provenance.read_provenance(p) for p in paths}
    assert [p for p, r in records.items() if not r.get("rule")] == []
    assert len({r["config_sha256"] for r in records.values()}) == 1
    top = RUN
    assert records[f"{top}/vac/ob_vac.fits"]["rule"] == "write_vac"
    assert records[f"{top}/figures/fig07_maps.png"]["rule"] == "plot_maps"  # Figs. 6, 7, B.1, field
    assert records[f"{top}/summary.json"]["rule"] == "summary"
    assert f"{top}/kinematics/kinematics.parquet" in {
        i["path"] for i in records[f"{top}/vac/ob_vac.fits"]["inputs"]}


@pytest.mark.workflow
def test_the_run_vac_reads_without_warnings(run_dir):
    path = run_dir / RUN / "vac" / "ob_vac.fits"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = Table.read(path)
        df = vac.read_vac(path)
    assert table.colnames == list(vac.VAC_NAMES) and len(df) == len(table) > 0
    with fits.open(path) as hdul:
        assert hdul[0].header["HSRULE"] == "write_vac"
