"""Fig. A.1: the D23 stars and the mwm_ob targets in the Zari et al. (2021) selection diagrams."""

from hotstars.crossmatch import selection_colours
from hotstars.io import tables
from hotstars.plots import crossmatch, style
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    d23 = tables.read_table(sm.input.d23_stars)
    targets = selection_colours(tables.read_table(sm.input.targets))
    fig = crossmatch.fig_d23_selection(d23, targets)
    style.savefig(fig, sm.output.png, dpi=sm.params.dpi)
    log.info("%d D23 stars, %d targets -> %s", len(d23), len(targets), sm.output.png)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
