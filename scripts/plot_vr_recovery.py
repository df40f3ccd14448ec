"""Validation figure: recovered against injected mean v_R per spaxel, the map of the pulls and
the 68 % coverage of every error of the mean against N (ideal Gaussian data and the mock)."""

from hotstars import validation
from hotstars.io.tables import read_table
from hotstars.plots import style
from hotstars.plots import validation as plots_validation
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    size_kpc = sm.params.spaxel_pc / 1000.0
    truth = validation.truth_per_spaxel(
        read_table(sm.input.kinematics), read_table(sm.input.flags), read_table(sm.input.truth),
        size_kpc, z_max_kpc=sm.params.z_max_kpc)
    matched = validation.match_map(read_table(sm.input.vr_map), truth, size_kpc,
                                   sm.params.min_stars)
    log.info("%d spaxels of %s matched to the truth", len(matched), sm.input.vr_map)
    # the coverage of validation/injection_recovery.json, recomputed from the same inputs with
    # the same seed and sigma_max (read from the config: the rule's inputs stay as they are)
    stars = validation.map_stars(read_table(sm.input.kinematics), read_table(sm.input.flags),
                                 read_table(sm.input.truth), size_kpc, sm.params.z_max_kpc)
    in_map = stars.merge(matched[["ix", "iy"]], on=["ix", "iy"])
    coverage = {"ideal": validation.ideal_coverage_by_n(
                    in_map["v_R_err"], matched["sigma_R"],
                    seed=sm.config["validation"]["seed"],
                    sigma_max=sm.config["maps"]["sigma_max_kms"]),
                "mock_expected_truth": validation.mock_coverage_by_n(matched)}
    fig = plots_validation.fig_injection_recovery(matched, r_sun_kpc=sm.params.r_sun_kpc,
                                                  coverage=coverage)
    style.savefig(fig, sm.output.png, dpi=sm.params.dpi)
    log.info("wrote %s", sm.output.png)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
