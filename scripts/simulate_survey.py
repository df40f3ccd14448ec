"""Rule simulate_survey: the built-in mock mwm_ob survey and its truth."""

from hotstars.frame import frame_from_config
from hotstars.io.tables import read_table
from hotstars.mock import survey
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    params = survey.MockParams.from_overrides(sm.params.physics)
    n_targets, seed = int(sm.params.n_targets), int(sm.params.seed)
    grid = read_table(sm.input.grid)
    frame = frame_from_config(sm.params.frame)
    tables = survey.simulate_survey(grid, n_targets, seed, frame, params, threads=sm.threads)
    log.info("mock survey: %d targets, %d spAll rows, %d BOSS Net visits (seed %d)",
             n_targets, len(tables["spall"]), len(tables["bossnet"]), seed)
    survey.write_survey(tables, {k: getattr(sm.output, k) for k in survey.SURVEY_PRODUCTS}, seed,
                        n_targets, release=True)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
