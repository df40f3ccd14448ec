"""Fig. A.1: the D23 stars and the mwm_ob targets in the Zari et al. (2021) selection diagrams."""

from hotstars import crossmatch, logs, plots_crossmatch, plotting, tables


def main(sm):
    log = logs.setup(sm.log[0])
    d23 = tables.read_table(sm.input.d23_stars)
    targets = crossmatch.selection_colours(tables.read_table(sm.input.targets))
    fig = plots_crossmatch.fig_d23_selection(d23, targets)
    plotting.savefig(fig, sm.output.png, dpi=sm.params.dpi)
    log.info("%d D23 stars, %d targets -> %s", len(d23), len(targets), sm.output.png)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
