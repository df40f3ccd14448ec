"""The ``hotstars`` command line: what is not a workflow rule (also ``python -m hotstars``).

- ``source-ids``: the Gaia DR3 ids of the carton's stars, from the two SDSS files: the table the
  Gaia-side ADQL queries join (upload it by hand, or let ``query`` do it);
- ``query``: run one ADQL file of ``config/adql/`` at a TAP service with those ids uploaded;
- ``fetch``: download a file (an SDSS SAS file), resumable, checksums verified;
- ``provenance``: what made a product (code version, config digest, inputs with checksums).

The workflow does the first three itself with ``data.download`` / ``data.query_archive``.
Errors of the library end the command with a one-line message and exit status 1.
"""

from __future__ import annotations

import argparse
import logging
import sys

from hotstars import __version__
from hotstars.errors import HotstarsError

DESCRIPTION = """\
hotstars: SDSS-V hot OB stars + Gaia DR3 -> kinematic and age maps of the young Milky Way disc.

The workflow itself runs with Snakemake (`snakemake --cores 2`; see README.md). These commands
are the steps a user may want by hand: the star list for the Gaia archive, an archive query,
a download, and what made a product."""

EPILOG = """\
examples:
  hotstars source-ids data/dr19/spAll-v6_1_3.fits.gz data/dr19/astraAllVisitBossNet-0.6.0.fits.gz ids.vot
  hotstars query config/adql/gaia_dr3.adql ids.vot data/dr19/gaia_dr3_mwm_ob.fits
  hotstars fetch https://data.sdss.org/sas/dr17/apogee/vac/apogee-astronn/apogee_astroNN-DR17.fits data/apogee.fits
  hotstars provenance results/mock/sample/hss.parquet"""


def _source_ids(args) -> None:
    from hotstars.io import archive, survey

    spall = survey.read_spall(args.spall, program=args.program, hdu=args.spall_hdu)
    bossnet = survey.read_bossnet(args.bossnet, hdu=args.bossnet_hdu)
    ids = archive.source_ids(spall, bossnet)
    archive.write_source_ids(ids, args.out)
    print(f"{len(ids)} Gaia DR3 ids written to {args.out}")


def _query(args) -> None:
    from hotstars.io import archive

    settings = archive.Settings(url=args.url, sync_max_ids=args.sync_max_ids,
                                chunk_ids=args.chunk_ids, attempts=args.attempts,
                                credentials=args.credentials)
    credentials = archive.find_credentials(settings.credentials, url=settings.url)
    rows = archive.query_to_file(args.adql, archive.read_source_ids(args.ids), args.out,
                                 settings, credentials)
    print(f"{rows} rows written to {args.out}")


def _fetch(args) -> None:
    from hotstars.io import download

    checksums = {algo: value for algo in ("md5", "sha1", "sha256")
                 if (value := getattr(args, algo))}
    path = download.fetch(args.url, args.out, checksums)
    print(f"{path} ({path.stat().st_size} bytes)")


def _provenance(args) -> None:
    from hotstars.io import provenance

    print(provenance.format_provenance(provenance.read_provenance(args.product)))


def parser() -> argparse.ArgumentParser:
    from hotstars.io.archive import GAIA_TAP, Settings

    main = argparse.ArgumentParser(prog="hotstars", description=DESCRIPTION, epilog=EPILOG,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    main.add_argument("--version", action="version", version=f"hotstars {__version__}")
    main.add_argument("-q", "--quiet", action="store_true",
                      help="print only warnings and errors (no progress lines)")
    sub = main.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ids = sub.add_parser(
        "source-ids", help="write the Gaia DR3 ids of the carton's stars (the archive upload)",
        description="Write the Gaia DR3 ids (BOSS Net gaia_dr3_source_id) of the carton's stars "
                    "in an spAll and an astraAllVisitBossNet file: the table the Gaia-side ADQL "
                    "queries of config/adql/ join. Upload it at the Gaia archive as a user table "
                    "named mwm_ob_ids, or give it to `hotstars query`.")
    ids.add_argument("spall", help="SDSS-V spAll file (FITS, FITS.gz, Parquet or CSV)")
    ids.add_argument("bossnet", help="Astra astraAllVisitBossNet file")
    ids.add_argument("out", help="output table (format by suffix: .vot, .fits, .csv, .parquet)")
    ids.add_argument("--program", default="mwm_ob",
                     help="spAll PROGRAMNAME or FIRSTCARTON prefix of the carton (default mwm_ob)")
    ids.add_argument("--spall-hdu", type=int, default=1, help="spAll table HDU (default 1)")
    ids.add_argument("--bossnet-hdu", type=int, default=1, help="BOSS Net table HDU (default 1)")
    ids.set_defaults(run=_source_ids)

    defaults = Settings()
    query = sub.add_parser(
        "query", help="run an ADQL query of config/adql/ at a TAP service with the ids uploaded",
        description="Run an ADQL file (config/adql/*.adql) at a TAP service with the stars' ids "
                    "(from `hotstars source-ids`) uploaded as TAP_UPLOAD.mwm_ob_ids; long lists "
                    "run as asynchronous jobs; retried on dropped connections; the result is "
                    "checked (one row per uploaded id at most) and written atomically. "
                    "A login is optional: set HOTSTARS_ARCHIVE_USER and "
                    "HOTSTARS_ARCHIVE_PASSWORD, or give --credentials (a netrc file).")
    query.add_argument("adql", help="the ADQL file, e.g. config/adql/gaia_dr3.adql")
    query.add_argument("ids", help="the upload table (column source_id), e.g. ids.vot")
    query.add_argument("out", help="output file (format by suffix: .fits, .parquet, .vot, .csv)")
    query.add_argument("--url", default=GAIA_TAP, help=f"TAP endpoint (default {GAIA_TAP})")
    query.add_argument("--sync-max-ids", type=int, default=defaults.sync_max_ids,
                       help="longer lists run as asynchronous jobs (default %(default)s)")
    query.add_argument("--chunk-ids", type=int, default=defaults.chunk_ids,
                       help="ids per job (default %(default)s)")
    query.add_argument("--attempts", type=int, default=defaults.attempts,
                       help="tries per request (default %(default)s)")
    query.add_argument("--credentials", help="a netrc file with the archive login (optional)")
    query.set_defaults(run=_query)

    fetch = sub.add_parser(
        "fetch", help="download a file (SDSS SAS), resumable, checksums verified",
        description="Download URL to OUT through OUT.part (an interrupted download resumes); "
                    "verify the checksums given; OUT appears only when complete.")
    fetch.add_argument("url", help="e.g. https://data.sdss.org/sas/dr19/...")
    fetch.add_argument("out", help="destination file")
    for algo in ("md5", "sha1", "sha256"):
        fetch.add_argument(f"--{algo}", help=f"expected {algo} hex digest")
    fetch.set_defaults(run=_fetch)

    prov = sub.add_parser(
        "provenance", help="print what made a product (version, config digest, inputs)",
        description="Print the provenance a workflow product records: hotstars version and git "
                    "commit, config digest, Snakemake version, the rule, and its input files "
                    "with sizes and checksums. Any product: Parquet, FITS, PNG or JSON.")
    prov.add_argument("product", help="a product file, e.g. results/mock/sample/hss.parquet")
    prov.set_defaults(run=_provenance)
    return main


def main(argv=None) -> None:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, stream=sys.stderr,
                        format="%(message)s")
    try:
        args.run(args)
    except (HotstarsError, OSError) as err:
        print(f"hotstars {args.command}: error: {err}", file=sys.stderr)
        raise SystemExit(1) from None
