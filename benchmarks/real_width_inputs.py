"""Benchmark: reading real-width SDSS inputs (spAll, astraAllVisitBossNet) in one streaming pass.

The real DR19/DR20 spAll has ~145 columns (text, arrays such as SDSS5_TARGET_FLAGS bool[57]) and
every BOSS spectrum of every program, gzipped; the mock's has 19 columns and only carton rows.
This script writes (into --dir, not committed; ~0.5 GB each gzipped at the default size) a spAll
and an astraAllVisitBossNet (HDU 1, BOSS visits) with **every column of the DR19 datamodel**, its
types and array shapes (:data:`SPALL_DR19`, :data:`BOSSNET_VISIT_DR19`), ``--rows`` rows of which
``--carton-fraction`` are mwm_ob spectra (valid values in the columns the pipeline reads; the
BOSS Net visits of those spectra share their keys), the rest other programs. Then, in a fresh
process with its own empty TMPDIR, it times ``hotstars.io.survey.read_spall(program="mwm_ob")``
and ``read_bossnet`` and records the peak resident memory and any temporary file, beside a plain
``gzip -dc > /dev/null`` of each file. Targets (issue: real-width inputs in one pass): ≤ 60 s
and ≤ 2 × the plain gunzip, ≤ 2 GB peak, no temporary copy. Prints a Markdown table. Usage:

    python benchmarks/real_width_inputs.py [--rows 1500000] [--carton-fraction 0.05]
        [--dir /tmp/hotstars-real-width] [--reuse] [--write-readme]

``--write-readme`` records the four figures for the README's target table (benchmarks/targets.py).

Column lists: the SDSS datamodel (spAll v6_1_3, DR19: $BOSS_SPECTRO_REDUX/v6_1_3/spAll-v6_1_3
.fits.gz, HDU 1; astraAllVisitBossNet 0.6.0, DR19, HDU 1), names and types only.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import resource
import subprocess
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np
from astropy.io import fits

SPALL_DR19 = """
FIELD:int64 MJD:int64 OBS:char[3] MJD_FINAL:float64 MJD_LIST:char[107] TAI_LIST:char[197]
RUN2D:char[6] RUN1D:char[6] DESIGNS:char[125] CONFIGS:char[89] NEXP:int16 EXPTIME:float32
TARGET_INDEX:int64 FIBERID_LIST:char[71] SPEC_FILE:char[42] PROGRAMNAME:char[14] SURVEY:char[13]
CADENCE:char[19] FIRSTCARTON:char[48] CARTON_TO_TARGET_PK:char[32] SDSS5_TARGET_FLAGS:bool[57]
OBJTYPE:char[16] CATALOGID:int64 CATALOGID_V0:int64 CATALOGID_V0P5:int64 SDSS_ID:int64
SPECOBJID:char[30] CALIBFLUX:float32[5] CALIBFLUX_IVAR:float32[5] OPTICAL_PROV:char[26]
MAG:float32[5] PSFMAG:float32[5] FIBER2MAG:float32[5] CATDB_MAG:float32[5] GAIA_G_MAG:float32
GRI_GAIA_TRANSFORM:int64 BP_MAG:float32 RP_MAG:float32 GAIA_ID:int64 WISE_MAG:float32[4]
TWOMASS_MAG:float32[3] GUVCAT_MAG:float32[2] EBV:float32 EBV_TYPE:char[14] FIBER_RA:float64
FIBER_DEC:float64 PLUG_RA:float64 PLUG_DEC:float64 RACAT:float64 DECCAT:float64
COORD_EPOCH:float32 PMRA:float32 PMDEC:float32 PARALLAX:float32 RA_LIST:char[197]
DEC_LIST:char[179] DELTA_RA_LIST:char[71] DELTA_DEC_LIST:char[71] FIBER_OFFSET:int64
XFOCAL:char[161] YFOCAL:char[161] ZOFFSET:float32 LAMBDA_EFF:float32 BLUEFIBER:int64
HEALPIX:int64 HEALPIXGRP:int64 HEALPIX_PATH:char[70] FIELDQUALITY:char[4] EXP_DISP_MED:float64
FIELDSN2:float32 FIELDSNR2G_LIST:char[89] FIELDSNR2R_LIST:char[89] FIELDSNR2I_LIST:char[89]
SPEC1_G:float32 SPEC1_R:float32 SPEC1_I:float32 SPEC2_G:float32 SPEC2_R:float32 SPEC2_I:float32
SN_MEDIAN:float32[5] SN_MEDIAN_ALL:float32 AIRMASS:float32 SEEING20:float32 SEEING50:float32
SEEING80:float32 MOON_DIST:char[107] MOON_PHASE:char[89] ASSIGNED:char[35] ON_TARGET:char[35]
VALID:char[35] DECOLLIDED:char[35] ANYANDMASK:int64 ANYORMASK:int64 SPECPRIMARY:int64
SPECBOSS:int64 BOSS_SPECOBJ_ID:int64 NSPECOBS:int64 SPECTROFLUX:float32[5]
SPECTROFLUX_IVAR:float32[5] SPECTROSYNFLUX:float32[5] SPECTROSYNFLUX_IVAR:float32[5]
SPECTROSKYFLUX:float32[5] WAVEMIN:float32 WAVEMAX:float32 WCOVERAGE:float32 CLASS:char[6]
SUBCLASS:char[21] Z:float32 Z_ERR:float32 ZWARNING:int64 RCHI2:float32 DOF:int64
RCHI2DIFF:float32 TFILE:char[24] TCOLUMN:int64[10] NPOLY:int64 THETA:float32[10] VDISP:float32
VDISP_ERR:float32 VDISPZ:float32 VDISPZ_ERR:float32 VDISPCHI2:float32 VDISPNPIX:float32
VDISPDOF:int64 CHI68P:float32 FRACNSIGMA:float32[10] FRACNSIGHI:float32[10]
FRACNSIGLO:float32[10] Z_NOQSO:float32 Z_ERR_NOQSO:float32 ZNUM_NOQSO:int64 ZWARNING_NOQSO:int64
CLASS_NOQSO:char[6] SUBCLASS_NOQSO:char[21] RCHI2DIFF_NOQSO:float32 XCSAO_RV:float32
XCSAO_ERV:float32 XCSAO_RXC:float32 XCSAO_TEFF:float32 XCSAO_ETEFF:float32 XCSAO_LOGG:float32
XCSAO_ELOGG:float32 XCSAO_FEH:float32 XCSAO_EFEH:float32
"""  # 144 columns
BOSSNET_VISIT_DR19 = """
sdss_id:int64 sdss4_apogee_id:char[18] gaia_dr2_source_id:int64 gaia_dr3_source_id:int64
tic_v8_id:int64 healpix:int32 lead:char[26] version_id:int32 catalogid:int64 catalogid21:int64
catalogid25:int64 catalogid31:int64 n_associated:int32 n_neighborhood:int32
sdss5_target_flags:bool[57] sdss4_apogee_target1_flags:int64 sdss4_apogee_target2_flags:int64
sdss4_apogee2_target1_flags:int64 sdss4_apogee2_target2_flags:int64
sdss4_apogee2_target3_flags:int64 sdss4_apogee_member_flags:int64
sdss4_apogee_extra_target_flags:int64 ra:float32 dec:float32 l:float32 b:float32 plx:float32
e_plx:float32 pmra:float32 e_pmra:float32 pmde:float32 e_pmde:float32 gaia_v_rad:float32
gaia_e_v_rad:float32 g_mag:float32 bp_mag:float32 rp_mag:float32 j_mag:float32 e_j_mag:float32
h_mag:float32 e_h_mag:float32 k_mag:float32 e_k_mag:float32 ph_qual:char[3] bl_flg:char[3]
cc_flg:char[3] w1_mag:float32 e_w1_mag:float32 w1_flux:float32 w1_dflux:float32 w1_frac:float32
w2_mag:float32 e_w2_mag:float32 w2_flux:float32 w2_dflux:float32 w2_frac:float32 w1uflags:int64
w2uflags:int64 w1aflags:int64 w2aflags:int64 mag4_5:float32 d4_5m:float32 rms_f4_5:float32
sqf_4_5:int64 mf4_5:int64 csf:int64 zgr_teff:float32 zgr_e_teff:float32 zgr_logg:float32
zgr_e_logg:float32 zgr_fe_h:float32 zgr_e_fe_h:float32 zgr_e:float32 zgr_e_e:float32
zgr_plx:float32 zgr_e_plx:float32 zgr_teff_confidence:float32 zgr_logg_confidence:float32
zgr_fe_h_confidence:float32 zgr_ln_prior:float32 zgr_chi2:float32 zgr_quality_flags:int64
r_med_geo:float32 r_lo_geo:float32 r_hi_geo:float32 r_med_photogeo:float32 r_lo_photogeo:float32
r_hi_photogeo:float32 bailer_jones_flags:char[5] ebv:float32 e_ebv:float32 ebv_flags:int64
ebv_zhang_2023:float32 e_ebv_zhang_2023:float32 ebv_sfd:float32 e_ebv_sfd:float32
ebv_rjce_glimpse:float32 e_ebv_rjce_glimpse:float32 ebv_rjce_allwise:float32
e_ebv_rjce_allwise:float32 ebv_bayestar_2019:float32 e_ebv_bayestar_2019:float32
ebv_edenhofer_2023:float32 e_ebv_edenhofer_2023:float32 c_star:float32 u_jkc_mag:float32
u_jkc_mag_flag:int32 b_jkc_mag:float32 b_jkc_mag_flag:int32 v_jkc_mag:float32
v_jkc_mag_flag:int32 r_jkc_mag:float32 r_jkc_mag_flag:int32 i_jkc_mag:float32
i_jkc_mag_flag:int32 u_sdss_mag:float32 u_sdss_mag_flag:int32 g_sdss_mag:float32
g_sdss_mag_flag:int32 r_sdss_mag:float32 r_sdss_mag_flag:int32 i_sdss_mag:float32
i_sdss_mag_flag:int32 z_sdss_mag:float32 z_sdss_mag_flag:int32 y_ps1_mag:float32
y_ps1_mag_flag:int32 n_boss_visits:int32 boss_min_mjd:int32 boss_max_mjd:int32
n_apogee_visits:int32 apogee_min_mjd:int32 apogee_max_mjd:int32 spectrum_pk:int64 source:int64
release:char[5] filetype:char[8] run2d:char[6] mjd:int32 fieldid:int32 n_exp:int32
exptime:float32 plateid:int32 cartid:int32 mapid:int32 slitid:int32 psfsky:int32 preject:float32
n_std:int32 n_gal:int32 lowrej:int32 highrej:int32 scatpoly:int32 proftype:int32 nfitpoly:int32
skychi2:float32 schi2min:float32 schi2max:float32 alt:float32 az:float32 telescope:char[6]
seeing:float32 airmass:float32 airtemp:float32 dewpoint:float32 humidity:float32
pressure:float32 dust_a:float32 dust_b:float32 gust_direction:float32 gust_speed:float32
wind_direction:float32 wind_speed:float32 moon_dist_mean:float32 moon_phase_mean:float32
n_guide:int32 tai_beg:int64 tai_end:int64 fiber_offset:bool f_night_time:float32
delta_ra:float32[18] delta_dec:float32[18] snr:float32 gri_gaia_transform_flags:int64
zwarning_flags:int64 xcsao_v_rad:float32 xcsao_e_v_rad:float32 xcsao_teff:float32
xcsao_e_teff:float32 xcsao_logg:float32 xcsao_e_logg:float32 xcsao_fe_h:float32
xcsao_e_fe_h:float32 xcsao_rxc:float32 task_pk:int64 source_pk:int64 v_astra:char[5]
created:char[26] t_elapsed:float32 t_overhead:float32 tag:char[1] teff:float32 e_teff:float32
logg:float32 e_logg:float32 fe_h:float32 e_fe_h:float32 result_flags:int64 flag_warn:bool
flag_bad:bool v_rad:float32 e_v_rad:float32
"""  # 212 columns


_TYPES = {"bool": ("L", "i1"), "int16": ("I", ">i2"), "int32": ("J", ">i4"),
          "int64": ("K", ">i8"), "float32": ("E", ">f4"), "float64": ("D", ">f8")}
CHUNK_ROWS = 20_000


def parse(spec: str) -> list[tuple[str, str, int]]:
    """[(name, type, repeat)] from 'NAME:type[n]' tokens; char[n] is text of n bytes."""
    out = []
    for token in spec.split():
        name, kind = token.split(":")
        m = re.fullmatch(r"(\w+?)(?:\[(\d+)\])?", kind)
        out.append((name, m.group(1), int(m.group(2) or 1)))
    return out


def header_and_dtype(columns) -> tuple[fits.Header, np.dtype]:
    cols, fields = [], []
    for name, kind, n in columns:
        if kind == "char":
            cols.append(fits.Column(name=name, format=f"{n}A"))
            fields.append((name, f"S{n}"))
        else:
            code, dt = _TYPES[kind]
            cols.append(fits.Column(name=name, format=f"{n if n > 1 else ''}{code}"))
            fields.append((name, dt, (n,)) if n > 1 else (name, dt))
    header = fits.BinTableHDU.from_columns(cols, nrows=0).header
    return header, np.dtype(fields)


def fill(rec: np.ndarray, rng) -> None:
    """Plausible, moderately compressible filler in every column."""
    for name in rec.dtype.names:
        a = rec[name]
        if a.dtype.kind == "S":
            a[...] = np.bytes_(name.lower()[: a.dtype.itemsize])
        elif a.dtype.kind == "f":
            a[...] = np.round(rng.normal(0, 50, a.shape), 2)
        else:
            a[...] = rng.integers(0, 100, a.shape)


def write_fits_gz(path: Path, columns, rows: int, set_rows, seed: int) -> None:
    """An empty primary HDU + one binary table, written in row chunks through gzip (level 1)."""
    header, dtype = header_and_dtype(columns)
    header["NAXIS2"] = rows
    rng = np.random.default_rng(seed)
    with gzip.open(path, "wb", compresslevel=1) as out:
        out.write(fits.PrimaryHDU().header.tostring().encode("ascii"))
        out.write(header.tostring().encode("ascii"))
        for start in range(0, rows, CHUNK_ROWS):
            k = min(CHUNK_ROWS, rows - start)
            rec = np.zeros(k, dtype)
            fill(rec, rng)
            set_rows(rec, np.arange(start, start + k), rng)
            out.write(rec.tobytes())
        out.write(b"\0" * (-(rows * dtype.itemsize) % 2880))


def spall_rows(every: int):
    def set_rows(rec, index, rng):
        carton = index % every == 0
        k = index.size
        rec["SDSS_ID"] = 100_000_000 + index
        rec["CATALOGID"] = 27_021_597_000_000_000 + index
        rec["FIELD"] = 100_000 + index // 1000
        rec["MJD"] = 59_000 + index % 1500
        rec["RUN2D"], rec["OBS"] = b"v6_1_3", np.where(index % 3 == 0, b"LCO", b"APO")
        rec["PROGRAMNAME"] = np.where(carton, b"mwm_ob", b"bhm_aqmes")
        rec["FIRSTCARTON"] = np.where(carton, b"mwm_ob_core_boss", b"bhm_aqmes_med")
        rec["SN_MEDIAN_ALL"] = rng.uniform(2, 80, k)
        rec["XCSAO_RV"], rec["XCSAO_ERV"] = rng.normal(0, 30, k), rng.uniform(2, 20, k)
        rec["XCSAO_RXC"] = rng.uniform(3, 30, k)
        rec["RACAT"], rec["DECCAT"] = rng.uniform(0, 360, k), rng.uniform(-80, 80, k)
        rec["GAIA_ID"] = 5_000_000_000_000_000_000 + index
    return set_rows


def bossnet_rows(every: int):
    def set_rows(rec, index, rng):
        k = index.size
        rec["sdss_id"] = 100_000_000 + index  # row i: the visit of spAll row i
        rec["gaia_dr3_source_id"] = 4_000_000_000_000_000_000 + index
        rec["fieldid"], rec["mjd"] = 100_000 + index // 1000, 59_000 + index % 1500
        rec["run2d"] = b"v6_1_3"
        rec["telescope"] = np.where(index % 3 == 0, b"lco25m", b"apo25m")
        rec["release"], rec["filetype"] = b"dr19", b"specFull"
        rec["teff"], rec["e_teff"] = rng.uniform(8000, 30000, k), rng.uniform(100, 900, k)
        rec["logg"], rec["e_logg"] = rng.uniform(3.0, 4.5, k), rng.uniform(0.05, 0.3, k)
        rec["fe_h"], rec["e_fe_h"] = rng.normal(0, 0.2, k), rng.uniform(0.05, 0.2, k)
        rec["v_rad"], rec["e_v_rad"] = rng.normal(0, 30, k), rng.uniform(1, 20, k)
        rec["snr"] = rng.uniform(5, 100, k)
    return set_rows


def ingest(spall: str, bossnet: str) -> dict:
    """Both readers in this (fresh) process, with an empty TMPDIR of its own."""
    tmp = tempfile.mkdtemp(prefix="hotstars-bench-tmp-")
    os.environ["TMPDIR"] = tmp
    tempfile.tempdir = tmp
    from hotstars.io import survey
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    s = survey.read_spall(spall, program="mwm_ob")
    t1 = time.perf_counter()
    b = survey.read_bossnet(bossnet)
    t2 = time.perf_counter()
    return {"spall_s": t1 - t0, "bossnet_s": t2 - t1, "n_spall": len(s), "n_bossnet": len(b),
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "base_mb": base, "temp_files": len(list(Path(tmp).rglob("*")))}


def gunzip_seconds(path: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(f"gzip -dc '{path}' > /dev/null", shell=True, check=True)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_500_000)
    parser.add_argument("--carton-fraction", type=float, default=0.05)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) /
                        "hotstars-real-width")
    parser.add_argument("--reuse", action="store_true", help="keep existing files")
    parser.add_argument("--write-readme", action="store_true",
                        help="record the targets in benchmarks/results and the README")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    every = max(1, round(1 / args.carton_fraction))
    files = {"spAll": (args.dir / "spAll-real-width.fits.gz", SPALL_DR19, spall_rows(every)),
             "astraAllVisitBossNet": (args.dir / "astraAllVisitBossNet-real-width.fits.gz",
                                      BOSSNET_VISIT_DR19, bossnet_rows(every))}
    for seed, (name, (path, spec, rows)) in enumerate(files.items()):
        if not (args.reuse and path.exists()):
            t0 = time.perf_counter()
            write_fits_gz(path, parse(spec), args.rows, rows, seed)
            print(f"wrote {path} ({path.stat().st_size / 1e9:.2f} GB) in "
                  f"{time.perf_counter() - t0:.0f} s")
    plain = {name: gunzip_seconds(path) for name, (path, _, _) in files.items()}
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        r = pool.submit(ingest, *(str(p) for p, _, _ in files.values())).result()
    widths = {name: header_and_dtype(parse(spec))[1].itemsize
              for name, (_, spec, _) in files.items()}
    total, gz = r["spall_s"] + r["bossnet_s"], sum(plain.values())
    print(f"\n{args.rows:,} rows each; row widths: spAll {widths['spAll']:,} B "
          f"({len(parse(SPALL_DR19))} columns), BOSS Net {widths['astraAllVisitBossNet']:,} B "
          f"({len(parse(BOSSNET_VISIT_DR19))} columns)\n")
    print("| file | gzipped (GB) | plain `gzip -dc` (s) | read by hotstars (s) | rows kept |\n"
          "|---|---:|---:|---:|---:|")
    for name, key, n in (("spAll", "spall_s", "n_spall"),
                         ("astraAllVisitBossNet", "bossnet_s", "n_bossnet")):
        print(f"| {name} | {files[name][0].stat().st_size / 1e9:.2f} | {plain[name]:.1f} | "
              f"{r[key]:.1f} | {r[n]:,} |")
    print(f"\nBoth: {total:.1f} s (target ≤ 60 s) = {total / gz:.2f} × the plain gunzip "
          f"(target ≤ 2); peak RSS {r['peak_mb']:,.0f} MB (after imports {r['base_mb']:,.0f}; "
          f"target ≤ 2,000); temporary files: {r['temp_files']} (target 0).")
    if args.write_readme:
        import targets  # this folder
        what = f"real-width spAll + astraAllVisitBossNet ({args.rows:,} rows each)"
        targets.record("real_width_inputs", "python benchmarks/real_width_inputs.py --write-readme", [
            targets.row(f"{what}: read time", total, 60, "s", "{:.1f}"),
            targets.row(f"{what}: time / plain gunzip", total / gz, 2, "×", "{:.2f}"),
            targets.row(f"{what}: peak RSS", r["peak_mb"], 2000, "MB", "{:,.0f}"),
            targets.row(f"{what}: temporary files", r["temp_files"], 0, "", "{:.0f}")])


if __name__ == "__main__":
    main()
