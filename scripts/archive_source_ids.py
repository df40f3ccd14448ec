"""Rule archive_source_ids: the Gaia DR3 ids of the carton's stars, the archive queries' upload."""

from hotstars.io import archive, survey
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    spall = survey.read_spall(sm.input.spall, program=sm.params.program, hdu=sm.params.spall_hdu)
    bossnet = survey.read_bossnet(sm.input.bossnet, hdu=sm.params.bossnet_hdu)
    ids = archive.source_ids(spall, bossnet)
    archive.write_source_ids(ids, sm.output[0])
    log.info("%d Gaia DR3 ids of %s stars (%d spAll rows, %d BOSS Net visits) -> %s", len(ids),
             sm.params.program, len(spall), len(bossnet), sm.output[0])


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
