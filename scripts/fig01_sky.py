"""Fig. 1: the observed mwm_ob targets and the Hot Star Sample on the sky (Galactic coordinates)."""

from hotstars.io.tables import read_table
from hotstars.plots import sample, style
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    targets = read_table(sm.input.targets)
    hss = read_table(sm.input.hss)
    log.info("targets: %d rows (%s); HSS: %d rows (%s)", len(targets), sm.input.targets,
             len(hss), sm.input.hss)
    fig = sample.fig_sky(targets, hss)
    style.savefig(fig, sm.output.png, dpi=sm.params.dpi)
    log.info("wrote %s", sm.output.png)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
