"""Figs. 8, 10 and 11, one job: the mean log-age map (8), the density contrast Delta_Sigma beside
the mean v_R map and Reid's arms (10), young and older hot stars with the Delta_Sigma contours and
the OB associations (11).

Each ``fig*`` function draws one figure from the job's inputs; :func:`main` writes them all
(:func:`hotstars.workflow.figures.write_all`).
"""

from hotstars import associations, frame, spiral
from hotstars import contrast as density
from hotstars.plots import ages, structure
from hotstars.workflow import figures


def fig08_logage(sm, log):
    logage, meta = figures.table(sm.input.logage), figures.meta(sm.input.logage)  # meta: spaxel size
    log.info("Fig. 8: log-age map %d spaxels of %s pc (%s)", len(logage), meta["spaxel_pc"],
             sm.input.logage)
    return ages.fig_logage_map(logage, r_sun_kpc=sm.params.frame["r_sun_kpc"],
                               size_kpc=meta["spaxel_pc"] / 1000.0)


def fig10_contrast(sm, log):
    contrast, vr = figures.table(sm.input.contrast), figures.table(sm.input.vr)
    label = density.figure_label(figures.meta(sm.input.contrast))
    log.info("Fig. 10: contrast %d pixels (%s: %s); v_R map %d spaxels (%s)", len(contrast),
             sm.input.contrast, label, len(vr), sm.input.vr)
    r_sun_kpc = sm.params.frame["r_sun_kpc"]
    return structure.fig_contrast(contrast, vr, spiral.arm_curves(r0_kpc=r_sun_kpc),
                                  r_sun_kpc=r_sun_kpc, levels=sm.params.levels,
                                  sample_label=label)


def fig11_young_old(sm, log):
    young, old = figures.table(sm.input.young), figures.table(sm.input.old)
    young_meta, old_meta = figures.meta(sm.input.young), figures.meta(sm.input.old)  # the cuts
    contrast = figures.table(sm.input.contrast)
    label = density.figure_label(figures.meta(sm.input.contrast))
    log.info("Fig. 11: young %d spaxels, old %d spaxels, contrast %d pixels (%s)", len(young),
             len(old), len(contrast), label)
    regions = associations.association_xy(frame.frame_from_config(sm.params.frame))
    return structure.fig_young_old_contours(
        young, old, contrast, regions,
        r_sun_kpc=sm.params.frame["r_sun_kpc"], young_max_myr=young_meta["age_max_myr"],
        old_min_myr=old_meta["age_min_myr"], levels=sm.params.levels,
        size_kpc=young_meta["spaxel_pc"] / 1000.0, sample_label=label)


FIGURES = (fig08_logage, fig10_contrast, fig11_young_old)


def main(sm):
    figures.write_all(sm, FIGURES)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
