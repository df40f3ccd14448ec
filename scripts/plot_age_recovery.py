"""Validation figure: recovered against true ages of the mock stars."""

from hotstars.io.tables import read_table
from hotstars.plots import style, validation
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    ages, truth = read_table(sm.input.ages), read_table(sm.input.truth)
    log.info("%d ages (%s), %d truth rows (%s)", len(ages), sm.input.ages, len(truth),
             sm.input.truth)
    style.savefig(validation.fig_age_recovery(ages, truth), sm.output.png, dpi=sm.params.dpi)
    log.info("wrote %s", sm.output.png)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
