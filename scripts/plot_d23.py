"""Figs. A.1 and A.2, one job: the D23 stars and the mwm_ob targets in the Zari et al. (2021)
selection diagrams (A.1); the D23 stars in the Galactic plane, all and with Gaia DR3 radial
velocities (A.2).

Each ``fig*`` function draws one figure from the job's inputs; :func:`main` writes them all
(:func:`hotstars.workflow.figures.write_all`).
"""

from hotstars.crossmatch import selection_colours
from hotstars.plots import crossmatch
from hotstars.workflow import figures


def figA1_d23_selection(sm, log):
    d23 = figures.table(sm.input.d23_stars)
    targets = selection_colours(figures.table(sm.input.targets))
    log.info("Fig. A.1: %d D23 stars (%s), %d targets (%s)", len(d23), sm.input.d23_stars,
             len(targets), sm.input.targets)
    return crossmatch.fig_d23_selection(d23, targets)


def figA2_d23_plane(sm, log):
    d23 = figures.table(sm.input.d23_stars)
    log.info("Fig. A.2: %d D23 stars (%s)", len(d23), sm.input.d23_stars)
    return crossmatch.fig_d23_plane(d23, r_sun_kpc=sm.params.r_sun_kpc,
                                    bin_kpc=sm.params.bin_kpc)


FIGURES = (figA1_d23_selection, figA2_d23_plane)


def main(sm):
    figures.write_all(sm, FIGURES)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
