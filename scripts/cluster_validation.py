"""Rule cluster_validation: cluster ages from their hot members' posteriors against H23 or CG20
(paper Sec. 3.2, Fig. 9)."""

from hotstars import clusters
from hotstars.io import clusters as cluster_catalogues
from hotstars.io import tables
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    catalogue = sm.params.catalogue
    members, catalogue_clusters = cluster_catalogues.READERS[catalogue](sm.input.members, sm.input.clusters)
    source_ids, axis, P = tables.read_posteriors(sm.input.posteriors)
    truth = sm.input.get("truth")
    table = clusters.validate_clusters(
        members, catalogue_clusters, tables.read_table(sm.input.hss),
        tables.read_table(sm.input.ages), source_ids, axis, P, catalogue=catalogue,
        min_prob=float(sm.params.min_prob), min_hot_members=int(sm.params.min_hot_members),
        max_width=float(sm.params.max_width), age_prior=sm.params.age_prior,
        truth=tables.read_table(truth) if truth else None)
    log.info("%s: %d clusters with ages\n%s", catalogue, len(table), table.to_string(index=False))
    meta = {"catalogue": catalogue, "min_prob": float(sm.params.min_prob),
            "min_hot_members": int(sm.params.min_hot_members),
            "max_width_dex": float(sm.params.max_width)}
    tables.write_table(table, sm.output.table, units=clusters.UNITS, meta=meta)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
