"""Figs. 1-5 and C.1, one job: the sample on the sky (1), its cut-flow (2), BOSS Net against
ESP-HS (3), the Kiel diagram (4), our v_los against Gaia DR3 RVs (5), the binary simulation (C.1).

Each ``fig*`` function draws one figure from the job's inputs; :func:`main` writes them all
(:func:`hotstars.workflow.figures.write_all`).
"""

from hotstars.plots import comparisons, sample
from hotstars.workflow import figures


def fig01_sky(sm, log):
    targets, hss = figures.table(sm.input.targets), figures.table(sm.input.hss)
    log.info("Fig. 1: targets %d rows (%s); HSS %d rows (%s)", len(targets), sm.input.targets,
             len(hss), sm.input.hss)
    return sample.fig_sky(targets, hss)


def fig02_cutflow(sm, log):
    cutflow = figures.table(sm.input.cutflow)
    log.info("Fig. 2: cut-flow %s:\n%s", sm.input.cutflow, cutflow.to_string(index=False))
    return sample.fig_cutflow(cutflow)


def fig03_esphs(sm, log):
    return figures.optional(sm.input.esphs, "Fig. 3", "BOSS Net against Gaia DR3 ESP-HS",
                            comparisons.fig_esphs, log)


def fig04_kiel(sm, log):
    flags = figures.table(sm.input.flags)
    log.info("Fig. 4: target flags %d rows (%s)", len(flags), sm.input.flags)
    return sample.fig_kiel(flags, teff_lines_k=sm.params.teff_lines_k)


def fig05_gaia_rv(sm, log):
    return figures.optional(sm.input.gaia_rv, "Fig. 5", "SDSS-V v_los against Gaia DR3 RVs",
                            comparisons.fig_gaia_rv, log)


def figC1_binaries(sm, log):
    return figures.optional(sm.input.binaries, "Fig. C.1", "simulated single and binary stars",
                            comparisons.fig_binaries, log)


FIGURES = (fig01_sky, fig02_cutflow, fig03_esphs, fig04_kiel, fig05_gaia_rv, figC1_binaries)


def main(sm):
    figures.write_all(sm, FIGURES)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
