"""Broken input files for the bad-input suite (tests/test_bad_inputs.py), one writer per case.

Each writer ``w(folder) -> Broken`` writes one broken file (starting from the good, joinable files
of :mod:`fixtures_io`, or from a good VAC / MIST file written here) and returns the config overlay
that points the workflow at it. Survey writers only give the broken input; the test adds the good
files for the other four. Every change is a realistic accident: a dropped column, ids saved as
float, an error of 0, a CSV in kpc, a file cut short by a failed download, ...
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import fixtures_io as fx
import numpy as np
import pandas as pd
from astropy.io import fits
from astropy.table import Table

from hotstars.io.vac import VAC_COLUMNS

# File names of the good survey inputs (fixtures_io.write_inputs) by input name.
SURVEY_FILES = {"spall": "spAll-v6_2_1.fits", "bossnet": "astraAllVisitBossNet-0.8.1.fits",
                "gaia": "gaia_dr3.parquet", "distances": "bailer_jones_2021.csv",
                "tmass": "tmass_psc.parquet"}


@dataclass
class Broken:
    """A broken input: the file (or folder) at fault and the config overlay that uses it."""

    path: Path
    inputs: dict[str, str]
    config: dict = field(default_factory=dict)

    def overlay(self, good: dict[str, Path] | None = None) -> dict:
        """The config overlay; survey inputs not given here are taken from ``good``."""
        inputs = dict(self.inputs)
        if any(k in inputs for k in SURVEY_FILES) and good:
            inputs = {**{k: str(v) for k, v in good.items()}, **inputs}
        return {**self.config, "inputs": {**self.config.get("inputs", {}), **inputs}}


def _survey(folder: Path, name: str, raw: fx.Raw, filename: str | None = None, **kw) -> Broken:
    path = fx.write(raw, Path(folder) / (filename or SURVEY_FILES[name]), **kw)
    return Broken(path, {name: str(path)})


def _drop(raw: fx.Raw, column: str) -> fx.Raw:
    raw.cols.pop(column)
    raw.units.pop(column, None)
    return raw


def _set(raw: fx.Raw, column: str, row: int, value) -> fx.Raw:
    raw.cols[column] = raw.cols[column].astype(np.float64)
    raw.cols[column][row] = value
    return raw


def _ob_row(raw: fx.Raw) -> int:
    """First spAll row of the mwm_ob program."""
    return int(np.flatnonzero(raw.cols["PROGRAMNAME"] == "mwm_ob")[0])


# --- missing columns, wrong dtypes -------------------------------------------------------------

def gaia_missing_column(folder):
    return _survey(folder, "gaia", _drop(fx.gaia(), "parallax_error"))


def spall_missing_column(folder):
    return _survey(folder, "spall", _drop(fx.spall(), "SN_MEDIAN_ALL"))


def bossnet_missing_column(folder):
    return _survey(folder, "bossnet", _drop(fx.bossnet(), "e_logg"))


def gaia_float_ids(folder):
    """source_id saved as float64 (a pandas NaN merge does this): 19-digit ids are corrupted."""
    raw = fx.gaia()
    raw.cols["source_id"] = raw.cols["source_id"].astype(np.float64)
    return _survey(folder, "gaia", raw)


def bossnet_text_teff(folder):
    """teff written as text, with a placeholder in one row."""
    raw = fx.bossnet()
    teff = raw.cols["teff"].astype(str)
    teff[2] = "n/a"
    raw.cols["teff"] = teff
    raw.units.pop("teff")
    return _survey(folder, "bossnet", raw)


# --- non-finite values where a value is required -----------------------------------------------

def gaia_nan_parallax(folder):
    return _survey(folder, "gaia", _set(fx.gaia(), "parallax", 3, np.nan))


def tmass_inf_ks(folder):
    return _survey(folder, "tmass", _set(fx.tmass(), "ks_m", 2, np.inf))


def spall_nan_snr(folder):
    raw = fx.spall()
    return _survey(folder, "spall", _set(raw, "SN_MEDIAN_ALL", _ob_row(raw), np.nan))


# --- zero or negative errors, invalid values ---------------------------------------------------

def gaia_zero_parallax_error(folder):
    return _survey(folder, "gaia", _set(fx.gaia(), "parallax_error", 1, 0.0))


def gaia_negative_pm_error(folder):
    return _survey(folder, "gaia", _set(fx.gaia(), "pmdec_error", 2, -0.03))


def gaia_correlation_out_of_range(folder):
    return _survey(folder, "gaia", _set(fx.gaia(), "pmra_pmdec_corr", 4, 1.7))


def bossnet_zero_e_teff(folder):
    return _survey(folder, "bossnet", _set(fx.bossnet(), "e_teff", 0, 0.0))


def tmass_negative_ks_error(folder):
    return _survey(folder, "tmass", _set(fx.tmass(), "ks_msigcom", 3, -0.05))


def distances_nonpositive(folder):
    """A distance of 0 pc (a parallax may be <= 0 in Gaia; a distance may not)."""
    return _survey(folder, "distances", _set(fx.distances(), "r_med_photogeo", 1, 0.0))


def distances_unordered(folder):
    """r_lo and r_hi swapped in one row."""
    raw = fx.distances()
    lo, hi = raw.cols["r_lo_photogeo"][2], raw.cols["r_hi_photogeo"][2]
    raw.cols["r_lo_photogeo"][2], raw.cols["r_hi_photogeo"][2] = hi, lo
    return _survey(folder, "distances", raw)


def distances_in_kpc(folder):
    """Bailer-Jones distances in kpc in a CSV (no unit in the file)."""
    return _survey(folder, "distances", fx.distances(unit="kpc"))


# --- keys, empty tables, damaged files ---------------------------------------------------------

def gaia_duplicate_ids(folder):
    raw = fx.gaia()
    raw.cols["source_id"][5] = raw.cols["source_id"][2]
    return _survey(folder, "gaia", raw)


def bossnet_duplicate_visits(folder):
    """Two different rows of one visit, with the rule that stops on repeats (the default one
    resolves them: tests/test_repeated_spectra.py)."""
    raw = fx.bossnet()
    for c in ("sdss_id", "mjd", "fieldid"):
        raw.cols[c][4] = raw.cols[c][3]
    broken = _survey(folder, "bossnet", raw)
    broken.config = {"sample": {"repeated_spectra": "stop"}}
    return broken


def distances_empty(folder):
    raw = fx.distances()
    raw.cols = {k: v[:0] for k, v in raw.cols.items()}
    return _survey(folder, "distances", raw)


def tmass_empty(folder):
    raw = fx.tmass()
    raw.cols = {k: v[:0] for k, v in raw.cols.items()}
    return _survey(folder, "tmass", raw)


def spall_truncated_fits(folder):
    """A download cut short: the first 2/3 of the file (headers intact, table data cut)."""
    broken = _survey(folder, "spall", fx.spall())
    data = broken.path.read_bytes()
    broken.path.write_bytes(data[:2 * len(data) // 3])
    return broken


def gaia_corrupt_parquet(folder):
    """A Parquet file without its footer (the end of the file is lost)."""
    broken = _survey(folder, "gaia", fx.gaia())
    data = broken.path.read_bytes()
    broken.path.write_bytes(data[:len(data) - 200])
    return broken


def gaia_unknown_format(folder):
    """A VOTable, as the Gaia archive serves it by default (not a supported format)."""
    path = Path(folder) / "gaia_dr3.vot"
    Table({k: v for k, v in fx.gaia().cols.items()}).write(path, format="votable")
    return Broken(path, {"gaia": str(path)})


def gaia_case_variant_columns(folder):
    """A second 'PARALLAX' next to 'parallax' (e.g. two tables joined in TOPCAT)."""
    raw = fx.gaia()
    raw.cols["PARALLAX"] = raw.cols["parallax"] * 1.1
    return _survey(folder, "gaia", raw)


def spall_no_program_rows(folder):
    """An spAll from another program's selection: no mwm_ob row."""
    raw = fx.spall()
    n = len(raw.cols["PROGRAMNAME"])
    raw.cols["PROGRAMNAME"] = np.array(["mwm_yso"] * n)
    raw.cols["FIRSTCARTON"] = np.array(["mwm_yso_disk_boss"] * n)
    return _survey(folder, "spall", raw)


def spall_wrong_hdu(folder):
    """inputs.spall_hdu = 2 for a file with one table HDU."""
    broken = _survey(folder, "spall", fx.spall())
    broken.inputs["spall_hdu"] = 2
    return broken


def bossnet_ids_do_not_join(folder):
    """A BOSS Net file of other spectra: no (sdss_id, fieldid, mjd) in common with spAll."""
    raw = fx.bossnet()
    raw.cols["sdss_id"] = raw.cols["sdss_id"] + 10_000_000
    return _survey(folder, "bossnet", raw)


def gaia_ids_do_not_join(folder):
    """A Gaia file of other sources (every id shifted)."""
    raw = fx.gaia()
    raw.cols["source_id"] = raw.cols["source_id"] - 10**12
    return _survey(folder, "gaia", raw)


def distances_ids_do_not_join(folder):
    raw = fx.distances()
    raw.cols["source_id"] = raw.cols["source_id"] + 2
    return _survey(folder, "distances", raw)


def gaia_missing_path(folder):
    path = Path(folder) / "not_downloaded" / SURVEY_FILES["gaia"]
    return Broken(path, {"gaia": str(path)})


# --- the published VAC -------------------------------------------------------------------------

def vac_frame(n: int = 7, seed: int = 0) -> pd.DataFrame:
    """A plausible VAC table (datamodel names and dtypes; distances in kpc)."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({c.name: rng.uniform(0.1, 2.0, n).astype(c.dtype) for c in VAC_COLUMNS})
    df["gaia_dr3_source_id"] = np.sort(rng.integers(4 * 10**18, 6 * 10**18, n)) | 1
    df["ra"], df["dec"] = rng.uniform(0, 360, n), rng.uniform(-60, 60, n)
    df["distance"] = rng.uniform(0.3, 5.0, n)
    df["e_distance"] = 0.08 * df["distance"]
    df["pm_ra_cosdec"], df["pm_dec"] = rng.normal(0, 4, n), rng.normal(0, 4, n)
    df["radial_velocity"] = rng.normal(0, 20, n)
    return df


def write_vac(df: pd.DataFrame, path, units: dict | None = None) -> Path:
    """The release layout: empty primary, table HDU 'Joined' with the datamodel units."""
    units = {c.name: c.unit or None for c in VAC_COLUMNS} | (units or {})
    tform = {"int64": "K", "float64": "D", "float32": "E"}
    cols = [fits.Column(name=n, format=tform[str(df[n].dtype)], unit=units.get(n),
                        array=df[n].to_numpy()) for n in df.columns]
    table = fits.BinTableHDU.from_columns(cols)
    table.header["EXTNAME"] = "Joined"
    fits.HDUList([fits.PrimaryHDU(), table]).writeto(path, overwrite=True)
    return Path(path)


def _vac(folder, df, **kw) -> Broken:
    path = write_vac(df, Path(folder) / "ob_vac-1.0.0.fits", **kw)
    return Broken(path, {"vac": str(path)})


def vac_missing_column(folder):
    return _vac(folder, vac_frame().drop(columns="e_rv"))


def vac_nonpositive_distance(folder):
    df = vac_frame()
    df.loc[2, "distance"] = -0.4
    return _vac(folder, df)


def vac_distance_in_pc(folder):
    """Distances in pc with no TUNIT (the datamodel's kpc is then assumed)."""
    df = vac_frame()
    df[["distance", "e_distance"]] *= 1000.0
    return _vac(folder, df, units={"distance": None, "e_distance": None})


def vac_nan_required(folder):
    df = vac_frame()
    df.loc[5, "pm_dec"] = np.nan
    return _vac(folder, df)


def vac_missing_path(folder):
    path = Path(folder) / "no_such_dir" / "ob_vac-1.0.0.fits"
    return Broken(path, {"vac": str(path)})


# --- official MIST .iso.cmd files --------------------------------------------------------------

MIST_NAMES = ["EEP", "log10_isochrone_age_yr", "initial_mass", "star_mass", "log_Teff", "log_g",
              "log_L", "[Fe/H]_init", "[Fe/H]", "Gaia_G_EDR3", "2MASS_J", "2MASS_H", "2MASS_Ks",
              "phase"]


def write_mist(path, feh: float = 0.0, log_ages=(7.0, 7.5), n_eep: int = 5,
               names=MIST_NAMES, header_values: str | None = None) -> Path:
    """A small file in the MIST v1.2 .iso.cmd layout (values plausible, not a model)."""
    values = header_values or f"#    0.2703  1.42000E-02  {feh:7.2f}     0.00     0.40"
    out = ["# MIST version number  = 1.2", "# MESA revision number =     7503",
           "#  Yinit        Zinit   [Fe/H]   [a/Fe]  v/vcrit", values,
           f"# number of isochrones = {len(log_ages):4d}"]
    for age in log_ages:
        out += [f"# number of EEPs, cols = {n_eep:5d}{len(names):5d}",
                "# " + "".join(f"{i:>12d}" for i in range(1, len(names) + 1)),
                "# EEP" + "".join(f" {n:>24s}" for n in names[1:])]
        for k in range(n_eep):
            mass = 3.0 + 2.0 * k
            row = {"EEP": 202 + 10 * k, "log10_isochrone_age_yr": age, "initial_mass": mass,
                   "star_mass": mass, "log_Teff": 4.1 + 0.05 * k, "log_g": 4.2 - 0.02 * k,
                   "log_L": 2.0 + 0.5 * k, "[Fe/H]_init": feh, "[Fe/H]": feh,
                   "Gaia_G_EDR3": -1.0 - 0.8 * k, "2MASS_J": -0.9 - 0.8 * k,
                   "2MASS_H": -0.8 - 0.8 * k, "2MASS_Ks": -0.8 - 0.8 * k, "phase": 0}
            out.append("  " + "".join(f" {row[n]:>24.5f}" for n in names))
        out += ["", ""]
    Path(path).write_text("\n".join(out) + "\n")
    return Path(path)


def _mist(folder, broken_kw: dict) -> Broken:
    """A folder with one good file ([Fe/H] = -0.5) and one broken one ([Fe/H] = +0.5)."""
    folder = Path(folder) / "mist"
    folder.mkdir(parents=True, exist_ok=True)
    write_mist(folder / "MIST_v1.2_feh_m0.50_afe_p0.0_vvcrit0.4_UBVRIplus.iso.cmd", feh=-0.5)
    path = write_mist(folder / "MIST_v1.2_feh_p0.50_afe_p0.0_vvcrit0.4_UBVRIplus.iso.cmd",
                      feh=0.5, **broken_kw)
    return Broken(path, {"isochrones": str(folder)})


def mist_broken_header(folder):
    """The [Fe/H] value line lost a field (4 values under 5 names)."""
    return _mist(folder, {"header_values": "#    0.2703  1.42000E-02     0.00     0.40"})


def mist_missing_column(folder):
    return _mist(folder, {"names": [n for n in MIST_NAMES if n != "2MASS_Ks"]})


def mist_no_files(folder):
    """inputs.isochrones points at a folder of the compressed download (no *.iso.cmd)."""
    folder = Path(folder) / "mist_download"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "MIST_v1.2_vvcrit0.4_UBVRIplus.txz").write_bytes(b"\xfd7zXZ\x00")
    return Broken(folder, {"isochrones": str(folder)})


# --- the config --------------------------------------------------------------------------------

def config_unknown_key(folder):
    return Broken(Path("config"), {}, {"sample": {"snr_mni": 25.0}})


def config_unknown_input(folder):
    """A typo in an input name: the file would be silently ignored (mock run instead)."""
    return Broken(Path("config"), {"gaia_dr3": "data/gaia.parquet"})


def config_wrong_type(folder):
    return Broken(Path("config"), {}, {"sample": {"mjd_max": "60708"}})
