"""Fig. 11: young and older hot stars in the plane, with the Δ_Σ contours and OB associations."""

from hotstars import associations, frame
from hotstars import contrast as density
from hotstars.io.tables import read_meta, read_table
from hotstars.plots import structure, style
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    young, old = read_table(sm.input.young), read_table(sm.input.old)
    young_meta, old_meta = read_meta(sm.input.young), read_meta(sm.input.old)  # the cuts
    contrast = read_table(sm.input.contrast)
    label = density.figure_label(read_meta(sm.input.contrast))
    log.info("young: %d spaxels, old: %d spaxels, contrast: %d pixels (%s)", len(young), len(old),
             len(contrast), label)
    regions = associations.association_xy(frame.frame_from_config(sm.params.frame))
    fig = structure.fig_young_old_contours(
        young, old, contrast, regions,
        r_sun_kpc=sm.params.frame["r_sun_kpc"], young_max_myr=young_meta["age_max_myr"],
        old_min_myr=old_meta["age_min_myr"], levels=sm.params.levels,
        size_kpc=young_meta["spaxel_pc"] / 1000.0, sample_label=label)
    style.savefig(fig, sm.output.png, dpi=sm.params.dpi)
    log.info("wrote %s", sm.output.png)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
