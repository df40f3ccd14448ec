"""Fig. A.2: the D23 stars in the Galactic plane, all and with Gaia DR3 radial velocities."""

from hotstars.io import tables
from hotstars.plots import crossmatch, style
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    d23 = tables.read_table(sm.input.d23_stars)
    fig = crossmatch.fig_d23_plane(d23, r_sun_kpc=sm.params.r_sun_kpc,
                                         bin_kpc=sm.params.bin_kpc)
    style.savefig(fig, sm.output.png, dpi=sm.params.dpi)
    log.info("%d D23 stars -> %s", len(d23), sm.output.png)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
