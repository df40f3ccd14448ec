"""Rule download: fetch an SDSS SAS file over HTTP(S), resuming a partial download, checksums verified."""

from hotstars.io import download, realdata
from hotstars.workflow import logs


def main(sm):
    logs.setup(sm.log[0], job=sm)
    download.fetch_data_file(realdata.DataFile(**sm.params.file))


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
