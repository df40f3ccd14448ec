"""Command line for what is not a rule: ``python -m hotstars <command>``.

``source-ids``: the Gaia DR3 ids of the carton's stars, from the two SDSS files, to upload to the
Gaia archive for the ADQL queries of ``config/adql/`` (the Gaia-side inputs of a real-data run).
"""

from __future__ import annotations

import argparse

import numpy as np
from astropy.table import Table

from hotstars import selection
from hotstars.io import survey


def source_ids(spall, bossnet, program: str = "mwm_ob", spall_hdu: int = 1,
               bossnet_hdu: int = 1):
    """Sorted unique Gaia DR3 ids (BOSS Net ``gaia_dr3_source_id``) of the carton's spectra, all MJDs."""
    spectra = selection.join_spectra(survey.read_spall(spall, program=program, hdu=spall_hdu),
                                     survey.read_bossnet(bossnet, hdu=bossnet_hdu),
                                     mjd_max=np.iinfo(np.int64).max)
    return np.unique(spectra.loc[spectra["source_id"] > 0, "source_id"].to_numpy())


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m hotstars", description="hotstars commands that are not workflow rules.")
    sub = parser.add_subparsers(dest="command", required=True)
    ids = sub.add_parser(
        "source-ids", help="the Gaia DR3 ids to upload for the ADQL queries",
        description="Write the Gaia DR3 ids (BOSS Net gaia_dr3_source_id) of the carton's spectra "
                    "in an spAll and an astraAllVisitBossNet file: the user table to upload to the "
                    "Gaia archive before running the queries of config/adql/ (README, Running).")
    ids.add_argument("spall", help="SDSS-V spAll file (FITS, Parquet or CSV)")
    ids.add_argument("bossnet", help="Astra astraAllVisitBossNet file")
    ids.add_argument("out", help="output table (format by suffix: .vot, .csv, .fits, ...)")
    ids.add_argument("--program", default="mwm_ob",
                     help="spAll PROGRAMNAME or FIRSTCARTON prefix of the carton (default mwm_ob)")
    args = parser.parse_args(argv)
    table = Table({"source_id": source_ids(args.spall, args.bossnet, args.program)})
    votable = args.out.lower().endswith((".vot", ".xml"))
    table.write(args.out, format="votable" if votable else None, overwrite=True)
    print(f"{len(table)} Gaia DR3 ids written to {args.out}")
