"""Rule compute_ages: log-age posteriors of one shard of the HSS (Sec. 3.2, Eq. 5-14)."""

import dataclasses

import numpy as np

from hotstars import ages
from hotstars.io import tables
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    i, n = int(sm.params.shard), int(sm.params.n_shards)
    hss = tables.read_table(sm.input.hss)
    inputs = ages.age_inputs(hss, tables.read_table(sm.input.kinematics),
                             sm.params.extinction_column)
    inputs = inputs.iloc[ages.shard_indices(len(inputs), i, n)]
    no_ks = ages.missing_photometry(hss.loc[hss["source_id"].isin(inputs["source_id"])])
    axis = ages.log_age_axis(sm.params.log_age)
    grid = ages.prepare_grid(tables.read_table(sm.input.grid), axis)
    priors = ages.AgePriors.from_config(sm.params.priors)
    window = float(sm.params.window_sigma)
    P, n_points, flag = ages.posteriors(inputs, grid, priors, window_sigma=window)
    out = ages.summarise(inputs["source_id"], P, axis, n_points, flag)
    counts = np.bincount(flag, minlength=3)
    log.info("shard %d of %d: %d stars; %d ok, %d off the grid (flag 1), %d missing input (flag 2); "
             "median log-age %.2f, median error %.3f dex", i, n, len(out), *counts,
             out["logage_p50"].median(), out["logage_err"].median())
    log.info("shard %d: %d stars without a usable 2MASS Ks (no 2MASS row, NULL or sentinel): "
             "kept in the HSS, age_flag 2 (docs/conventions.md, Ages)", i, no_ks)
    meta = {"priors": dataclasses.asdict(priors), "window_sigma": window, "shard": i, "n_shards": n,
            "log_age_grid": axis.tolist(), "extinction_column": sm.params.extinction_column}
    tables.write_table(out, sm.output.ages, units=ages.UNITS, meta=meta)
    tables.write_posteriors(sm.output.posteriors, out["source_id"], axis, P, meta=meta)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
