"""Rule query_archive: one Gaia-side data file from its ADQL query at the archive's TAP service."""

from hotstars.io import archive
from hotstars.workflow import logs


def main(sm):
    logs.setup(sm.log[0], job=sm)
    settings = archive.Settings.from_config(sm.config["data"]["archive"])
    credentials = archive.find_credentials(settings.credentials, url=settings.url)
    ids = archive.read_source_ids(sm.input.ids)
    archive.query_to_file(sm.input.adql, ids, sm.output[0], settings, credentials)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
