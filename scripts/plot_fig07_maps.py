"""Fig. 7: stellar density and mean v_R of the HSS per spaxel in the Galactic plane."""

from hotstars import logs, plotting
from hotstars.tables import read_table


def main(sm):
    log = logs.setup(sm.log[0])
    density = read_table(sm.input.density)
    vr = read_table(sm.input.vr)
    log.info("density map: %d spaxels (%s); v_R map: %d spaxels (%s)", len(density),
             sm.input.density, len(vr), sm.input.vr)
    fig = plotting.fig_maps(density, vr, r_sun_kpc=sm.params.r_sun_kpc)
    plotting.savefig(fig, sm.output.png, dpi=sm.params.dpi)
    log.info("wrote %s", sm.output.png)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
