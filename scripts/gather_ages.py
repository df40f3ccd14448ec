"""Rule gather_ages: concatenate the age shards into ages.parquet and posteriors.parquet."""

import numpy as np

from hotstars import ages
from hotstars.io import tables
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    out, source_id, axis, P = ages.gather(list(sm.input.ages), list(sm.input.posteriors))
    meta = tables.read_meta(sm.input.ages[0])
    meta = {k: v for k, v in meta.items() if k not in ("shard", "n_shards")}
    counts = np.bincount(out["age_flag"], minlength=3)
    ok = out["age_flag"] == ages.FLAG_OK
    log.info("%d stars from %d shards; flags 0/1/2: %d/%d/%d; %.0f %% of flag-0 stars younger "
             "than log-age 8.5 (paper: 85 %%)", len(out), len(sm.input.ages), *counts,
             100 * np.mean(out.loc[ok, "logage_p50"] < 8.5))
    tables.write_table(out, sm.output.ages, units=ages.UNITS, meta=meta)
    tables.write_posteriors(sm.output.posteriors, source_id, axis, P, meta=meta)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
