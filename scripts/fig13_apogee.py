"""Fig. 13: mean v_R of the APOGEE DR17 astroNN giants per spaxel (R < r_mask masked)."""

from hotstars.io.tables import read_table
from hotstars.plots import galaxies, style
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    vr = read_table(sm.input.vr)
    log.info("v_R map: %d spaxels (%s)", len(vr), sm.input.vr)
    fig = galaxies.fig_apogee_vr(vr, r_sun_kpc=sm.params.r_sun_kpc,
                                    r_mask_kpc=sm.params.r_mask_kpc, vmax_kms=sm.params.vmax_kms)
    style.savefig(fig, sm.output.png, dpi=sm.params.dpi)
    log.info("wrote %s", sm.output.png)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
