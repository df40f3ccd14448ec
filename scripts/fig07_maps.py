"""Fig. 7: stellar density and mean v_R of the HSS per spaxel in the Galactic plane."""

from hotstars.io.tables import read_table
from hotstars.plots import maps, style
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    density = read_table(sm.input.density)
    vr = read_table(sm.input.vr)
    log.info("density map: %d spaxels (%s); v_R map: %d spaxels (%s)", len(density),
             sm.input.density, len(vr), sm.input.vr)
    fig = maps.fig_maps(density, vr, r_sun_kpc=sm.params.r_sun_kpc)
    style.savefig(fig, sm.output.png, dpi=sm.params.dpi)
    log.info("wrote %s", sm.output.png)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
