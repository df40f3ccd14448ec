"""Fig. 10: density contrast Δ_Σ; the v̄_R map with its contours and with the Reid+2019 arms."""

from hotstars import contrast as density
from hotstars import spiral
from hotstars.io.tables import read_meta, read_table
from hotstars.plots import structure, style
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    contrast, vr = read_table(sm.input.contrast), read_table(sm.input.vr)
    label = density.figure_label(read_meta(sm.input.contrast))
    log.info("contrast: %d pixels (%s: %s); v_R map: %d spaxels (%s)", len(contrast),
             sm.input.contrast, label, len(vr), sm.input.vr)
    arms = spiral.arm_curves(r0_kpc=sm.params.r_sun_kpc)
    fig = structure.fig_contrast(contrast, vr, arms, r_sun_kpc=sm.params.r_sun_kpc,
                                 levels=sm.params.levels, sample_label=label)
    style.savefig(fig, sm.output.png, dpi=sm.params.dpi)
    log.info("wrote %s", sm.output.png)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
