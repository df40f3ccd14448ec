"""Rule simulate_survey: the built-in mock mwm_ob survey and its truth (DESIGN.md §4)."""

from hotstars import logs, mock
from hotstars.frame import frame_from_config
from hotstars.tables import read_table


def main(sm):
    log = logs.setup(sm.log[0])
    params = mock.MockParams.from_overrides(sm.params.physics)
    n_targets, seed = int(sm.params.n_targets), int(sm.params.seed)
    grid = read_table(sm.input.grid)
    tables = mock.simulate_survey(grid, n_targets, seed, frame_from_config(sm.params.frame), params)
    mock.write_survey(tables, {k: getattr(sm.output, k) for k in mock.SURVEY_PRODUCTS}, seed, n_targets)
    log.info("mock survey: %d targets, %d spAll rows, %d BOSS Net visits (seed %d)",
             n_targets, len(tables["spall"]), len(tables["bossnet"]), seed)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
