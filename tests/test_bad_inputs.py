"""Bad inputs end to end (issue 7.1): every broken file or config stops the first rule that reads
it with one clear message naming the file, the column or key and what was expected, and leaves
no output of that rule (nor a .part temporary) on disk.

One private workflow copy for the module; each case runs ``snakemake --cores 1 <first rule>``
with a config overlay pointing ``inputs:`` at the broken file (good files for the other survey
inputs), targeting only the reading rule (no mock is built). ``where`` says where the message
surfaces: ``log`` = the rule's log (the exception raised by the reader), ``snakemake`` = Snakemake's
own output before any job runs (config validation, missing files, input resolution).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import fixtures_bad as fb
import fixtures_io
import pytest
import yaml
from workflow_utils import RUN, copy_workflow, snakemake

pytestmark = pytest.mark.workflow

# mode -> (target rule, globs of the rule's outputs)
MODES = {
    "survey": ("ingest", [f"{RUN}/sample/spectra.parquet", f"{RUN}/sample/targets.parquet"]),
    "vac": ("vac_kinematics_inputs", [f"{RUN}/kinematics/inputs.parquet"]),
    "mist": ("build_isochrone_grid", ["resources/isochrones/grid_*.parquet"]),
    "config": ("ingest", [f"{RUN}/sample/spectra.parquet", f"{RUN}/sample/targets.parquet"]),
}


@dataclass(frozen=True)
class Case:
    writer: Callable
    mode: str
    where: str            # "log" | "snakemake"
    expect: tuple         # fragments of the one message (besides the file's path)


C = Case
CASES = {
    # missing column / wrong dtype
    "gaia-missing-column": C(fb.gaia_missing_column, "survey", "log",
                             ("missing required gaia column(s) 'parallax_error'",)),
    "spall-missing-column": C(fb.spall_missing_column, "survey", "log",
                              ("missing required spall column(s) 'sn_median_all'",)),
    "bossnet-missing-column": C(fb.bossnet_missing_column, "survey", "log",
                                ("missing required bossnet column(s) 'e_logg'",)),
    "gaia-ids-stored-as-float": C(fb.gaia_float_ids, "survey", "log",
                                  ("column 'source_id'", "expected integers", "2**53")),
    "bossnet-text-in-teff": C(fb.bossnet_text_teff, "survey", "log",
                              ("column 'teff'", "expected float numbers, found text", "'n/a'")),
    # NaN / inf where a value is required
    "gaia-nan-parallax": C(fb.gaia_nan_parallax, "survey", "log",
                           ("column 'parallax'", "expected finite values", "row 3")),
    "tmass-inf-ks": C(fb.tmass_inf_ks, "survey", "log",
                      ("column 'ks_m'", "expected finite values", "row 2: inf")),
    "spall-nan-snr": C(fb.spall_nan_snr, "survey", "log",
                       ("column 'sn_median_all'", "expected finite values")),
    # zero / negative errors and other impossible values
    "gaia-zero-parallax-error": C(fb.gaia_zero_parallax_error, "survey", "log",
                                  ("column 'parallax_error'", "expected values > 0 mas",
                                   "row 1: 0.0")),
    "gaia-negative-pm-error": C(fb.gaia_negative_pm_error, "survey", "log",
                                ("column 'pmdec_error'", "expected values > 0", "row 2: -0.03")),
    "gaia-correlation-above-1": C(fb.gaia_correlation_out_of_range, "survey", "log",
                                  ("column 'pmra_pmdec_corr'", "expected values <= 1",
                                   "row 4: 1.7")),
    "bossnet-zero-e-teff": C(fb.bossnet_zero_e_teff, "survey", "log",
                             ("column 'e_teff'", "expected values > 0 K (or NaN when missing)",
                              "row 0: 0.0")),
    "tmass-negative-ks-error": C(fb.tmass_negative_ks_error, "survey", "log",
                                 ("column 'ks_msigcom'", "expected values >= 0 mag", "row 3")),
    "distances-zero-distance": C(fb.distances_nonpositive, "survey", "log",
                                 ("column 'r_med_photogeo'", "expected values > 0 pc", "row 1")),
    "distances-percentiles-unordered": C(fb.distances_unordered, "survey", "log",
                                         ("r_lo_photogeo <= r_med_photogeo <= r_hi_photogeo",
                                          "row 2")),
    "distances-in-kpc-without-unit": C(fb.distances_in_kpc, "survey", "log",
                                       ("column 'r_med_photogeo'", "expected a median between 50",
                                        "no unit", "look like kpc", "multiply by 1000")),
    # keys, empty tables, damaged files, wrong selection
    "gaia-duplicate-ids": C(fb.gaia_duplicate_ids, "survey", "log",
                            ("key (source_id) must be unique", "rows [2, 5]")),
    "bossnet-duplicate-visits": C(fb.bossnet_duplicate_visits, "survey", "log",
                                  ("key (sdss_id, mjd, fieldid, run2d, telescope) must be "
                                   "unique", "rows [3, 4]", "sample.repeated_spectra")),
    "distances-empty-csv": C(fb.distances_empty, "survey", "log", ("empty table (no rows)",)),
    "tmass-empty-parquet": C(fb.tmass_empty, "survey", "log", ("empty table (no rows)",)),
    "spall-truncated-fits": C(fb.spall_truncated_fits, "survey", "log",
                              ("[spall, HDU 1]", "truncated file", "smaller than the expected size",
                               "expected the whole file")),
    "gaia-corrupt-parquet": C(fb.gaia_corrupt_parquet, "survey", "log",
                              ("[gaia]", "cannot read as parquet", "magic bytes not found")),
    "gaia-unknown-format": C(fb.gaia_unknown_format, "survey", "log",
                             ("unsupported file format", "expected one of")),
    "gaia-case-variant-columns": C(fb.gaia_case_variant_columns, "survey", "log",
                                   ("ambiguous columns differing only by case",
                                    "'parallax' and 'PARALLAX'")),
    "spall-no-mwm-ob-rows": C(fb.spall_no_program_rows, "survey", "log",
                              ("no mwm_ob rows", "PROGRAMNAME == 'mwm_ob'", "'mwm_yso'")),
    "spall-hdu-absent": C(fb.spall_wrong_hdu, "survey", "log",
                          ("no HDU 2 in the file", "PRIMARY", "SPALL")),
    "bossnet-ids-do-not-join": C(fb.bossnet_ids_do_not_join, "survey", "log",
                                 ("spAll-v6_2_1.fits [spall, HDU 1]", "(sdss_id, fieldid, mjd)",
                                  "expected the two files of the same data release")),
    "gaia-ids-do-not-join": C(fb.gaia_ids_do_not_join, "survey", "log",
                              ("column 'source_id'", "expected the Gaia DR3 ids")),
    "distances-ids-do-not-join": C(fb.distances_ids_do_not_join, "survey", "log",
                                   ("column 'source_id'", "expected the Gaia DR3 ids")),
    "gaia-path-does-not-exist": C(fb.gaia_missing_path, "survey", "snakemake",
                                  ("Missing input files for rule ingest",)),
    # the published VAC
    "vac-missing-column": C(fb.vac_missing_column, "vac", "log",
                            ("[vac, HDU Joined]", "missing required vac column(s) 'e_rv'")),
    "vac-negative-distance": C(fb.vac_nonpositive_distance, "vac", "log",
                               ("column 'distance'", "expected values > 0 kpc", "row 2: -0.4")),
    "vac-distance-in-pc-without-unit": C(fb.vac_distance_in_pc, "vac", "log",
                                         ("column 'distance'", "no unit", "look like pc",
                                          "multiply by 0.001")),
    "vac-nan-required": C(fb.vac_nan_required, "vac", "log",
                          ("column 'pm_dec'", "expected finite values", "row 5")),
    "vac-path-does-not-exist": C(fb.vac_missing_path, "vac", "snakemake",
                                 ("Missing input files for rule vac_kinematics_inputs",)),
    # official MIST files
    "mist-broken-header": C(fb.mist_broken_header, "mist", "log",
                            ("line 4", "expected a '#' line of 5 values", "[Fe/H]")),
    "mist-missing-column": C(fb.mist_missing_column, "mist", "log",
                             ("missing column(s) ['2MASS_Ks']",)),
    "mist-folder-without-iso-cmd": C(fb.mist_no_files, "mist", "snakemake",
                                     ("inputs.isochrones", "no *.iso.cmd file")),
    # the config (validated against workflow/schemas/config.schema.yaml)
    "config-unknown-key": C(fb.config_unknown_key, "config", "snakemake",
                            ("'snr_mni' was unexpected", "['sample']")),
    "config-unknown-input": C(fb.config_unknown_input, "config", "snakemake",
                              ("'gaia_dr3' was unexpected", "['inputs']")),
    "config-wrong-type": C(fb.config_wrong_type, "config", "snakemake",
                           ("'60708' is not of type 'integer'", "['mjd_max']")),
}

# the last exception line of a traceback: "package.module.SomeError: message"
_EXCEPTION = re.compile(r"^(?:[\w.]+\.)?(\w*(?:Error|Exception)): (.+)$", re.M)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad_inputs")
    workdir = copy_workflow(root / "workflow")
    good = fixtures_io.write_inputs(root / "good")
    return workdir, good, root


def test_good_inputs_pass(setup):
    """The reference run: the good files go through the same target (so each failure below is
    caused by its one broken file)."""
    workdir, good, root = setup
    overlay = root / "good.yaml"
    overlay.write_text(yaml.safe_dump({"inputs": {k: str(v) for k, v in good.items()}}))
    snakemake(workdir, "--cores", "1", MODES["survey"][0], "--configfile",
              "config/config.yaml", str(overlay))
    for out in MODES["survey"][1]:
        assert (workdir / out).stat().st_size > 0
    _clean(workdir)


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_stops_with_one_clear_message(setup, name):
    workdir, good, root = setup
    case = CASES[name]
    folder = root / f"case{list(CASES).index(name):02d}"  # no case words in the file's path
    folder.mkdir()
    broken = case.writer(folder)
    overlay = folder / "overlay.yaml"
    overlay.write_text(yaml.safe_dump(broken.overlay(good)))
    rule, outputs = MODES[case.mode]
    _clean(workdir)

    proc = snakemake(workdir, "--cores", "1", rule, "--configfile", "config/config.yaml",
                     str(overlay), check=False)
    text = proc.stdout + proc.stderr
    assert proc.returncode != 0, text[-3000:]

    log = workdir / RUN / "logs" / f"{rule}.log"
    if case.where == "log":
        errors = _EXCEPTION.findall(log.read_text())
        assert errors, f"no exception in {log}:\n{log.read_text()[-3000:]}"
        message = errors[-1][1]  # the error the reader raised (after any chained cause)
        assert errors[-1][0] in ("InputError", "SampleError", "IsochroneError"), message
        assert text.count(message) == 1, text[-3000:]  # shown once: no retry, no repeated log
    else:  # before any job: nothing ran
        assert not log.exists()
        message = text
    if case.mode != "config":
        assert str(broken.path) in message, message
    for fragment in case.expect:
        assert fragment in message, f"{fragment!r} not in:\n{message[-3000:]}"

    for out in outputs:
        assert not list(workdir.glob(out)), out
    leftovers = [p for d in ("results", "resources") for p in (workdir / d).rglob("*.part")]
    assert not leftovers


def _clean(workdir: Path) -> None:
    """Remove every product of an earlier case (the workflow copy is shared)."""
    for d in ("results", "resources/isochrones"):
        shutil.rmtree(workdir / d, ignore_errors=True)
