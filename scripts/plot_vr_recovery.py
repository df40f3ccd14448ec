"""Validation figure: recovered against injected mean v_R per spaxel, the map of the pulls and
the 68 % coverage of every error of the mean against N (ideal Gaussian data and the mock)."""

import json
from pathlib import Path

from hotstars import validation
from hotstars.io.tables import read_table
from hotstars.plots import style
from hotstars.plots import validation as plots_validation
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    size_kpc = sm.params.spaxel_pc / 1000.0
    # the map's stars with their truth, selected once (truth per spaxel and coverage pools)
    stars = validation.map_stars(read_table(sm.input.kinematics), read_table(sm.input.flags),
                                 read_table(sm.input.truth), size_kpc, sm.params.z_max_kpc)
    matched = validation.match_map(read_table(sm.input.vr_map),
                                   validation.spaxel_truth(stars, size_kpc), size_kpc,
                                   sm.params.min_stars)
    log.info("%d spaxels of %s matched to the truth", len(matched), sm.input.vr_map)
    # the coverage per N of rule vr_recovery (ideal replicas and the mock), not fitted again
    coverage = json.loads(Path(sm.input.recovery).read_text())["vR_map_250pc"]["coverage_by_n"]
    fig = plots_validation.fig_injection_recovery(matched, r_sun_kpc=sm.params.r_sun_kpc,
                                                  coverage=coverage)
    style.savefig(fig, sm.output.png, dpi=sm.params.dpi)
    log.info("wrote %s", sm.output.png)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
