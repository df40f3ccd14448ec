"""Fig. 13: mean v_R of the APOGEE DR17 astroNN giants per spaxel (R < r_mask masked)."""

from hotstars import logs, plots_mocks, plotting
from hotstars.tables import read_table


def main(sm):
    log = logs.setup(sm.log[0])
    vr = read_table(sm.input.vr)
    log.info("v_R map: %d spaxels (%s)", len(vr), sm.input.vr)
    fig = plots_mocks.fig_apogee_vr(vr, r_sun_kpc=sm.params.r_sun_kpc,
                                    r_mask_kpc=sm.params.r_mask_kpc, vmax_kms=sm.params.vmax_kms)
    plotting.savefig(fig, sm.output.png, dpi=sm.params.dpi)
    log.info("wrote %s", sm.output.png)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
