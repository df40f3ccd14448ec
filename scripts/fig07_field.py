"""Continuous v_R field beside the spaxel map (Fig. 7 style), with Reid's arms and Delta_Sigma contours."""

from hotstars import spiral
from hotstars.io.tables import read_meta, read_table
from hotstars.plots import structure, style
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    field, vr = read_table(sm.input.field), read_table(sm.input.vr)
    contrast = read_table(sm.input.contrast)
    meta = read_meta(sm.input.field)
    label = (f"h = {float(meta['bandwidth_kpc']):g} kpc, sigma_R = "
             f"{float(meta['sigma_R_kms']):.1f} km/s, N = {int(meta['n_stars']):,}")
    log.info("field %s (%s); spaxel map %d spaxels; contrast %s", sm.input.field, label, len(vr),
             sm.input.contrast)
    fig = structure.fig_vr_field(field, vr, contrast, spiral.arm_curves(r0_kpc=sm.params.r_sun_kpc),
                                 r_sun_kpc=sm.params.r_sun_kpc, levels=sm.params.levels,
                                 label=label)
    style.savefig(fig, sm.output.png, dpi=sm.params.dpi)
    log.info("wrote %s", sm.output.png)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
