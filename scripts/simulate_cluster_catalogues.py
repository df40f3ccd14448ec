"""Rule simulate_cluster_catalogues: the mock's clumps as H23 and CG20 tables (published columns).

Members are the survey targets (results/<run>/sample/targets.parquet: Gaia DR3 source_id and spAll's
DR2 gaia_dr2_id) of each clump of the mock truth.
"""

from hotstars.io import tables
from hotstars.mock.clusters import mock_cluster_catalogues
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    truth = tables.read_table(sm.input.truth)
    targets = tables.read_table(sm.input.targets)
    cats = mock_cluster_catalogues(truth, targets, int(sm.params.seed))
    for key, df in cats.items():
        tables.write_table(df, sm.output[key])
        log.info("%s: %d rows -> %s", key, len(df), sm.output[key])


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
