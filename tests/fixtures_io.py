"""Tiny but realistic survey input files, written in the real formats (for tests).

Each builder returns a :class:`Raw`: the file's columns under their real names, types and unit
strings (from the SDSS/Astra/Gaia datamodels; e.g. spAll is upper-case with TUNIT 'degrees', BOSS
Net writes 'log10(cm/s^2)', the Gaia archive 'log(cm.s**-2)') plus ``expected``, the DataFrame the
reader must return (canonical names, float64/int64, only the rows it must keep), built directly
from the file arrays. :func:`write` writes a Raw by suffix; :func:`write_inputs` writes all five
inputs into a folder. The ids are consistent across the files (same stars, same visits).
"""

from __future__ import annotations

import copy
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.table import Table

from hotstars.io.specs import InputError

N_STARS = 8


@contextmanager
def raises(path, *fragments):
    """pytest.raises(InputError) whose message names the file ``path`` and every fragment."""
    with pytest.raises(InputError) as info:
        yield info
    msg = str(info.value)
    assert str(path) in msg, msg
    for f in fragments:
        assert f in msg, f"{f!r} not in: {msg}"


@dataclass
class Raw:
    cols: dict[str, np.ndarray]
    units: dict[str, str] = field(default_factory=dict)
    expected: pd.DataFrame | None = None
    extname: str | None = None

    def __post_init__(self):
        self.cols = {k: np.array(v) for k, v in self.cols.items()}  # writable copies

    def copy(self) -> "Raw":
        return copy.deepcopy(self)


def _stars(seed: int = 0) -> pd.DataFrame:
    """The shared star list: Gaia DR3 ids (> 2**53, so float64 would corrupt them), SDSS ids."""
    rng = np.random.default_rng(seed)
    ra = rng.uniform(0, 360, N_STARS)
    dec = rng.uniform(-60, 70, N_STARS)
    gal = SkyCoord(ra=ra, dec=dec, unit="deg").galactic
    return pd.DataFrame({
        "source_id": np.sort(rng.integers(4_000_000_000_000_000_000, 6_900_000_000_000_000_000,
                                          N_STARS)) | 1,
        "gaia_dr2_id": rng.integers(10**18, 2 * 10**18, N_STARS),
        "sdss_id": 54_000_000 + np.arange(N_STARS) * 7,
        "catalogid": 63_050_395_000_000_000 + rng.integers(0, 10**9, N_STARS),
        "ra": ra, "dec": dec, "l": gal.l.deg, "b": gal.b.deg,
        "n_visits": rng.integers(1, 4, N_STARS),
    })


def _visits(seed: int = 0) -> pd.DataFrame:
    """One row per BOSS visit of the stars: (sdss_id, field, mjd) unique."""
    stars = _stars(seed)
    rng = np.random.default_rng(seed + 1)
    rows = []
    for s in stars.itertuples():
        for k in range(s.n_visits):
            rows.append({"star": s.Index, "sdss_id": s.sdss_id, "field": 101_000 + s.Index,
                         "mjd": 59_600 + 40 * k + int(rng.integers(0, 30))})
    return pd.DataFrame(rows)


def spall(seed: int = 0) -> Raw:
    """spAll (DR20 v6_2_1 layout, HDU 1 'SPALL'): mwm_ob rows mixed with other programs and sky
    fibres; the latter have NaN S/N and a duplicated (SDSS_ID, FIELD, MJD) that must be ignored.
    One mwm_ob spectrum is only recognisable by its FIRSTCARTON; one has a failed (NaN) XCSAO."""
    stars, visits = _stars(seed), _visits(seed)
    rng = np.random.default_rng(seed + 2)
    n_ob = len(visits)
    ob = pd.DataFrame({
        "FIELD": visits["field"], "MJD": visits["mjd"],
        "PROGRAMNAME": "mwm_ob", "FIRSTCARTON": "mwm_ob_core_boss", "OBJTYPE": "science",
        "CATALOGID": stars["catalogid"].to_numpy()[visits["star"]],
        "SDSS_ID": visits["sdss_id"],
        "GAIA_ID": stars["gaia_dr2_id"].to_numpy()[visits["star"]],
        "RACAT": stars["ra"].to_numpy()[visits["star"]],
        "DECCAT": stars["dec"].to_numpy()[visits["star"]],
        "SN_MEDIAN_ALL": rng.uniform(5, 80, n_ob),
        "XCSAO_RV": rng.normal(0, 20, n_ob), "XCSAO_ERV": rng.uniform(3, 15, n_ob),
        "XCSAO_RXC": rng.uniform(3, 30, n_ob),
    })
    ob.loc[1, ["PROGRAMNAME", "FIRSTCARTON"]] = ["open_fiber", "mwm_ob_cepheids_boss"]
    ob.loc[2, ["XCSAO_RV", "XCSAO_ERV", "XCSAO_RXC"]] = np.nan
    other = pd.DataFrame({
        "FIELD": [101_000, 101_000, 101_000, 102_500, 102_500],
        "MJD": [visits["mjd"][0]] * 3 + [60_100, 60_100],
        "PROGRAMNAME": ["mwm_yso", "ops_sky", "ops_sky", "bhm_aqmes", "mwm_obscure"],
        "FIRSTCARTON": ["mwm_yso_disk_boss", "ops_sky_boss_best", "ops_sky_boss_best",
                        "bhm_aqmes_med", "mwm_yso_cluster_boss"],
        "OBJTYPE": ["science", "SKY", "SKY", "QSO", "science"],
        "CATALOGID": [63_050_395_100_000_001, -999, -999, 27_021_598_000_000_123, 1],
        "SDSS_ID": [54_999_001, -999, -999, 23_000_111, 54_999_002],
        "GAIA_ID": [11, -999, -999, -999, 12],
        "RACAT": [10.0, np.nan, np.nan, 150.1, 20.0], "DECCAT": [-5.0, np.nan, np.nan, 2.2, 1.0],
        "SN_MEDIAN_ALL": [12.0, np.nan, np.nan, 3.0, 40.0],
        "XCSAO_RV": [np.nan] * 5, "XCSAO_ERV": [np.nan] * 5, "XCSAO_RXC": [np.nan] * 5,
    })
    table = pd.concat([ob.assign(_ob=True), other.assign(_ob=False)], ignore_index=True)
    table = table.iloc[rng.permutation(len(table))].reset_index(drop=True)  # interleave programs
    n = len(table)
    f32 = {c: table[c].to_numpy(np.float32) for c in
           ("SN_MEDIAN_ALL", "XCSAO_RV", "XCSAO_ERV", "XCSAO_RXC")}
    cols = {
        "FIELD": table["FIELD"].to_numpy(np.int64), "MJD": table["MJD"].to_numpy(np.int64),
        "OBS": np.array(["APO"] * n), "RUN2D": np.array(["v6_2_1"] * n),
        "PROGRAMNAME": table["PROGRAMNAME"].to_numpy(str), "SURVEY": np.array(["mwm"] * n),
        "FIRSTCARTON": table["FIRSTCARTON"].to_numpy(str),
        "SDSS5_TARGET_FLAGS": rng.random((n, 69)) < 0.05,
        "OBJTYPE": table["OBJTYPE"].to_numpy(str),
        "CATALOGID": table["CATALOGID"].to_numpy(np.int64),
        "SDSS_ID": table["SDSS_ID"].to_numpy(np.int64),
        "GAIA_ID": table["GAIA_ID"].to_numpy(np.int64),
        "PLUG_RA": table["RACAT"].to_numpy(float) + 1e-5,
        "PLUG_DEC": table["DECCAT"].to_numpy(float),
        "RACAT": table["RACAT"].to_numpy(float), "DECCAT": table["DECCAT"].to_numpy(float),
        "CALIBFLUX": rng.uniform(1e3, 1e5, (n, 5)).astype(np.float32),
        "SN_MEDIAN_ALL": f32["SN_MEDIAN_ALL"],
        "XCSAO_RV": f32["XCSAO_RV"], "XCSAO_ERV": f32["XCSAO_ERV"], "XCSAO_RXC": f32["XCSAO_RXC"],
        "XCSAO_TEFF": rng.uniform(8000, 30000, n).astype(np.float32),
        "XCSAO_LOGG": rng.uniform(3, 4.5, n).astype(np.float32),
        "SPEC_FILE": np.array([f"spec-{f}-{m}-{s}.fits" for f, m, s in
                               zip(table["FIELD"], table["MJD"], table["SDSS_ID"])]),
    }
    units = {"PLUG_RA": "degrees", "PLUG_DEC": "degrees", "RACAT": "degrees", "DECCAT": "degrees",
             "CALIBFLUX": "nanomaggy", "XCSAO_RV": "km/s", "XCSAO_ERV": "km/s",
             "XCSAO_TEFF": "K", "XCSAO_LOGG": "cm/s^2"}
    keep = table["_ob"].to_numpy()
    expected = pd.DataFrame({
        "sdss_id": cols["SDSS_ID"][keep], "catalogid": cols["CATALOGID"][keep],
        "field": cols["FIELD"][keep], "mjd": cols["MJD"][keep],
        **{c.lower(): f32[c][keep].astype(np.float64) for c in f32},
        "programname": table["PROGRAMNAME"][keep].to_numpy(str),
        "firstcarton": table["FIRSTCARTON"][keep].to_numpy(str),
        "racat": cols["RACAT"][keep], "deccat": cols["DECCAT"][keep],
        "gaia_dr2_id": cols["GAIA_ID"][keep],
        "run2d": cols["RUN2D"][keep], "obs": cols["OBS"][keep],
    })
    return Raw(cols, units, expected, extname="SPALL")


def bossnet(release: str = "dr20", seed: int = 0, run2d: str = "v6_2_1") -> Raw:
    """astraAllVisitBossNet HDU 1 (BOSS visits), lower-case names. DR20 (Astra 0.8.1) has
    bn_v_r/e_bn_v_r, DR19 (0.6.0) v_rad/e_v_rad; both carry xcsao_v_rad, which is not BOSS Net's.
    One visit has a failed BOSS Net fit (NaN teff/logg), which the reader must keep. Each row
    names its spectrum as Astra does: release 'sdss5', filetype 'specFull', ``run2d`` (default
    that of :func:`spall`, v6_2_1, whatever ``release``; DR19's real files have v6_1_3) and
    telescope 'apo25m' (spAll OBS 'APO')."""
    stars, visits = _stars(seed), _visits(seed)
    rng = np.random.default_rng(seed + 3)
    n = len(visits)
    star = visits["star"].to_numpy()
    f32 = lambda x: np.asarray(x, dtype=np.float32)  # noqa: E731
    teff, logg = f32(rng.uniform(9000, 32000, n)), f32(rng.uniform(3.0, 4.4, n))
    teff[3], logg[3] = np.nan, np.nan
    v, ev = f32(rng.normal(-5, 25, n)), f32(rng.uniform(2, 12, n))
    cols = {
        "sdss_id": visits["sdss_id"].to_numpy(np.int64),
        "sdss4_apogee_id": np.array([""] * n),
        "gaia_dr3_source_id": stars["source_id"].to_numpy()[star],
        "ra": f32(stars["ra"].to_numpy()[star]), "dec": f32(stars["dec"].to_numpy()[star]),
        "k_mag": f32(rng.uniform(6, 12, n)), "spectrum_pk": np.arange(n, dtype=np.int64) + 10**7,
        "release": np.array(["sdss5"] * n), "filetype": np.array(["specFull"] * n),
        "run2d": np.array([run2d] * n),
        "mjd": visits["mjd"].to_numpy(np.int32), "fieldid": visits["field"].to_numpy(np.int32),
        "telescope": np.array(["apo25m"] * n),
        "delta_ra": f32(rng.normal(0, 0.1, (n, 18))),
        "snr": f32(rng.uniform(5, 80, n)),
        "xcsao_v_rad": f32(rng.normal(0, 25, n)), "xcsao_rxc": f32(rng.uniform(3, 30, n)),
        "teff": teff, "e_teff": f32(rng.uniform(100, 900, n)),
        "logg": logg, "e_logg": f32(rng.uniform(0.05, 0.3, n)),
        "fe_h": f32(rng.normal(0, 0.2, n)), "e_fe_h": f32(rng.uniform(0.05, 0.2, n)),
        "flag_bad": np.zeros(n, bool),
    }
    vname, ename = ("bn_v_r", "e_bn_v_r") if release == "dr20" else ("v_rad", "e_v_rad")
    cols[vname], cols[ename] = v, ev
    units = {"ra": "deg", "dec": "deg", "k_mag": "mag", "delta_ra": "arcsecond",
             "xcsao_v_rad": "km/s", "teff": "K", "e_teff": "K", "logg": "log10(cm/s^2)",
             "e_logg": "log10(cm/s^2)", "fe_h": "dex", "e_fe_h": "dex", vname: "km/s",
             ename: "km/s"}
    expected = pd.DataFrame({
        "sdss_id": cols["sdss_id"], "gaia_dr3_source_id": cols["gaia_dr3_source_id"],
        "mjd": cols["mjd"].astype(np.int64), "fieldid": cols["fieldid"].astype(np.int64),
        **{c: cols[c].astype(np.float64) for c in ("teff", "e_teff", "logg", "e_logg")},
        "bn_v_r": v.astype(np.float64), "e_bn_v_r": ev.astype(np.float64),
        **{c: cols[c].astype(np.float64) for c in ("fe_h", "e_fe_h", "snr")},
        **{c: cols[c] for c in ("run2d", "telescope", "release", "filetype")},
    })
    return Raw(cols, units, expected)


def bossnet_apogee(seed: int = 0) -> Raw:
    """astraAllVisitBossNet HDU 2 (BOSS Net run on APOGEE visits): no fieldid."""
    rng = np.random.default_rng(seed + 4)
    cols = {"sdss_id": np.arange(3, dtype=np.int64) + 60_000_000,
            "mjd": np.array([59800, 59801, 59802], np.int32),
            "teff": rng.uniform(4000, 6000, 3).astype(np.float32),
            "v_rad": rng.normal(0, 30, 3).astype(np.float32)}
    return Raw(cols, {"teff": "K", "v_rad": "km/s"})


def gaia(seed: int = 0) -> Raw:
    """Gaia DR3 gaia_source + astrophysical_parameters for the stars (+ one unrelated source),
    as the Gaia archive names and units them; the faint ones have no Gaia RV (NaN)."""
    stars = _stars(seed)
    rng = np.random.default_rng(seed + 5)
    extra = pd.DataFrame({"source_id": [2_000_000_000_000_000_001], "ra": [83.8], "dec": [-5.4],
                          "l": [209.0], "b": [-19.4]})
    s = pd.concat([stars[["source_id", "ra", "dec", "l", "b"]], extra], ignore_index=True)
    n = len(s)
    f32 = lambda x: np.asarray(x, dtype=np.float32)  # noqa: E731
    rv = f32(rng.normal(0, 20, n))
    rv[::2] = np.nan
    cols = {
        "solution_id": np.full(n, 375316653866487564, np.int64),
        "designation": np.array([f"Gaia DR3 {i}" for i in s["source_id"]]),
        "source_id": s["source_id"].to_numpy(np.int64),
        "ra": s["ra"].to_numpy(float), "dec": s["dec"].to_numpy(float),
        "parallax": rng.uniform(0.1, 2.0, n), "parallax_error": rng.uniform(0.01, 0.05, n),
        "pmra": rng.normal(0, 3, n), "pmra_error": rng.uniform(0.01, 0.05, n),
        "pmdec": rng.normal(0, 3, n), "pmdec_error": rng.uniform(0.01, 0.05, n),
        "pmra_pmdec_corr": f32(rng.uniform(-0.5, 0.5, n)), "ruwe": f32(rng.uniform(0.8, 1.6, n)),
        "phot_g_mean_mag": f32(rng.uniform(8, 16, n)),
        "phot_bp_mean_mag": f32(rng.uniform(8, 16, n)),
        "radial_velocity": rv,
        "radial_velocity_error": f32(np.where(np.isnan(rv), np.nan, 2.0)),
        "grvs_mag": f32(np.where(np.isnan(rv), np.nan, 10.0)),
        "rv_template_teff": f32(np.where(np.isnan(rv), np.nan, 15000.0)),
        "l": s["l"].to_numpy(float), "b": s["b"].to_numpy(float),
        "teff_esphs": f32(rng.uniform(10000, 35000, n)), "logg_esphs": f32(rng.uniform(3, 4.5, n)),
    }
    cols["teff_esphs"][1] = cols["logg_esphs"][1] = np.nan  # no ESP-HS solution
    units = {"ra": "deg", "dec": "deg", "l": "deg", "b": "deg", "parallax": "mas",
             "parallax_error": "mas", **{c: "mas / yr" for c in
                                         ("pmra", "pmra_error", "pmdec", "pmdec_error")},
             "phot_g_mean_mag": "mag", "phot_bp_mean_mag": "mag", "radial_velocity": "km / s",
             "radial_velocity_error": "km / s", "grvs_mag": "mag", "rv_template_teff": "K",
             "teff_esphs": "K", "logg_esphs": "log(cm.s**-2)"}
    names = ["source_id", "ra", "dec", "l", "b", "parallax", "parallax_error", "pmra",
             "pmra_error", "pmdec", "pmdec_error", "pmra_pmdec_corr", "ruwe", "phot_g_mean_mag",
             "radial_velocity", "radial_velocity_error", "grvs_mag", "rv_template_teff",
             "teff_esphs", "logg_esphs"]
    expected = pd.DataFrame({c: (cols[c] if c == "source_id" else cols[c].astype(np.float64))
                             for c in names})
    return Raw(cols, units, expected)


def distances(seed: int = 0, unit: str = "pc") -> Raw:
    """Bailer-Jones et al. (2021) table as the Gaia archive serves it (external.gaiaedr3_distance);
    values written in ``unit`` (pc or kpc); one source has no photogeometric distance."""
    stars = _stars(seed)
    rng = np.random.default_rng(seed + 6)
    n = len(stars)
    r_pc = rng.uniform(300, 6000, n)
    lo, hi = r_pc * 0.9, r_pc * 1.12
    photo = {"r_med_photogeo": r_pc.copy(), "r_lo_photogeo": lo, "r_hi_photogeo": hi}
    for v in photo.values():
        v[4] = np.nan
    scale = {"pc": 1.0, "kpc": 1e-3}[unit]
    cols = {"source_id": stars["source_id"].to_numpy(np.int64),
            "r_med_geo": r_pc * 1.01 * scale, "r_lo_geo": lo * 1.01 * scale,
            "r_hi_geo": hi * 1.01 * scale, **{k: v * scale for k, v in photo.items()},
            "flag": np.array(["10033"] * n)}
    units = {c: unit for c in cols if c.startswith("r_")}
    expected = pd.DataFrame({"source_id": cols["source_id"], **photo})
    return Raw(cols, units, expected)


def tmass(seed: int = 0) -> Raw:
    """2MASS PSC photometry via the Gaia DR3 best neighbour (pandas-written Parquet, no units);
    one source lacks J (NaN), which is allowed."""
    stars = _stars(seed)
    rng = np.random.default_rng(seed + 7)
    n = len(stars)
    f32 = lambda x: np.asarray(x, dtype=np.float32)  # noqa: E731
    cols = {"source_id": stars["source_id"].to_numpy(np.int64),
            "original_ext_source_id": np.array([f"0535{i:04d}-0523{i:03d}" for i in range(n)]),
            "j_m": f32(rng.uniform(7, 12, n)), "j_msigcom": f32(rng.uniform(0.02, 0.05, n)),
            "h_m": f32(rng.uniform(7, 12, n)), "h_msigcom": f32(rng.uniform(0.02, 0.05, n)),
            "ks_m": f32(rng.uniform(7, 12, n)), "ks_msigcom": f32(rng.uniform(0.02, 0.05, n)),
            "ph_qual": np.array(["AAA"] * n)}
    cols["j_m"][2] = np.nan
    expected = pd.DataFrame({c: (cols[c] if c == "source_id" else cols[c].astype(np.float64))
                             for c in ("source_id", "j_m", "h_m", "ks_m", "ks_msigcom")})
    return Raw(cols, {}, expected)


def _fits_hdu(raw: Raw) -> fits.BinTableHDU:
    columns = []
    for name, values in raw.cols.items():
        values = np.asarray(values)
        repeat = int(np.prod(values.shape[1:])) if values.ndim > 1 else 1
        kind = values.dtype.kind
        if kind in "US":
            fmt = f"{max(1, values.dtype.itemsize // (4 if kind == 'U' else 1))}A"
        else:
            code = {"b": "L", "i2": "I", "i4": "J", "i8": "K", "f4": "E", "f8": "D"}
            fmt = f"{repeat if repeat > 1 else ''}" + code[
                "b" if kind == "b" else f"{kind}{values.dtype.itemsize}"]
        columns.append(fits.Column(name=name, format=fmt, unit=raw.units.get(name),
                                   array=values))
    return fits.BinTableHDU.from_columns(columns, name=raw.extname)


def _astropy_table(raw: Raw) -> Table:
    table = Table({k: np.asarray(v) for k, v in raw.cols.items()})
    for name, unit in raw.units.items():
        if name in table.colnames:
            table[name].unit = unit  # unparsable strings become UnrecognizedUnit, kept as text
    return table


def write(raw: Raw, path, extra_hdus: tuple[Raw, ...] = ()) -> Path:
    """Write ``raw`` in the format of ``path``'s suffix: FITS (empty primary + table HDU 1
    [+ extra HDUs]; '.gz' compresses), Parquet (through astropy, units kept, when ``raw.units``;
    else plain pandas), CSV (no units) or ECSV (units in the header)."""
    import warnings

    from astropy.units import UnitsWarning

    path = Path(path)
    name = path.name.lower()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnitsWarning)
        if name.endswith((".fits", ".fits.gz", ".fit")):
            hdus = [fits.PrimaryHDU(), _fits_hdu(raw), *(_fits_hdu(r) for r in extra_hdus)]
            fits.HDUList(hdus).writeto(path, overwrite=True)
        elif name.endswith(".parquet"):
            if raw.units:
                _astropy_table(raw).write(path, format="parquet", overwrite=True)
            else:
                pd.DataFrame(raw.cols).to_parquet(path, index=False)
        elif name.endswith(".csv"):
            pd.DataFrame(raw.cols).to_csv(path, index=False)
        elif name.endswith(".ecsv"):
            _astropy_table(raw).write(path, format="ascii.ecsv", overwrite=True)
        else:
            raise ValueError(f"fixture writer: unknown suffix of {path}")
    return path


def write_inputs(folder, seed: int = 0) -> dict[str, Path]:
    """All five survey inputs in their real formats; keys as in ``hotstars.io.survey.SPECS``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "spall": write(spall(seed), folder / "spAll-v6_2_1.fits"),
        "bossnet": write(bossnet("dr20", seed), folder / "astraAllVisitBossNet-0.8.1.fits",
                         extra_hdus=(bossnet_apogee(seed),)),
        "gaia": write(gaia(seed), folder / "gaia_dr3.parquet"),
        "distances": write(distances(seed), folder / "bailer_jones_2021.csv"),
        "tmass": write(tmass(seed), folder / "tmass_psc.parquet"),
    }
