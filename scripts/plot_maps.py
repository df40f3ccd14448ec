"""Figs. 6, 7 and B.1 and the continuous v_R field, one job: v_phi against R with the window (6),
the density and mean v_R maps (7), their sigma_R and errors (B.1), the continuous v_R field
beside the spaxel map with Reid's arms and the Delta_Sigma contours.

Each ``fig*`` function draws one figure from the job's inputs; :func:`main` writes them all
(:func:`hotstars.workflow.figures.write_all`).
"""

from hotstars import spiral
from hotstars.plots import maps, structure
from hotstars.workflow import figures


def fig06_vphi(sm, log):
    kinematics, flags = figures.table(sm.input.kinematics), figures.table(sm.input.flags)
    log.info("Fig. 6: kinematics %d rows (%s); window %s km/s", len(kinematics),
             sm.input.kinematics, sm.params.window)
    return maps.fig_vphi(kinematics, sm.params.window, flags=flags)


def fig07_maps(sm, log):
    density, vr = figures.table(sm.input.density), figures.table(sm.input.vr)
    log.info("Fig. 7: density map %d spaxels (%s); v_R map %d spaxels (%s)", len(density),
             sm.input.density, len(vr), sm.input.vr)
    return maps.fig_maps(density, vr, r_sun_kpc=sm.params.r_sun_kpc)


def figB1_maps(sm, log):
    vr = figures.table(sm.input.vr)
    log.info("Fig. B.1: v_R map %d spaxels (%s)", len(vr), sm.input.vr)
    return maps.fig_map_errors(vr, r_sun_kpc=sm.params.r_sun_kpc)


def fig07_field(sm, log):
    field, vr = figures.table(sm.input.field), figures.table(sm.input.vr)
    contrast = figures.table(sm.input.contrast)
    meta = figures.meta(sm.input.field)
    label = (f"h = {float(meta['bandwidth_kpc']):g} kpc, sigma_R = "
             f"{float(meta['sigma_R_kms']):.1f} km/s, N = {int(meta['n_stars']):,}")
    log.info("v_R field %s (%s); spaxel map %d spaxels; contrast %s", sm.input.field, label,
             len(vr), sm.input.contrast)
    return structure.fig_vr_field(field, vr, contrast,
                                  spiral.arm_curves(r0_kpc=sm.params.r_sun_kpc),
                                  r_sun_kpc=sm.params.r_sun_kpc, levels=sm.params.levels,
                                  label=label)


FIGURES = (fig06_vphi, fig07_maps, figB1_maps, fig07_field)


def main(sm):
    figures.write_all(sm, FIGURES)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
