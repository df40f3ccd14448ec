"""Fig. 8: mean log-age of the HSS per spaxel in the Galactic plane."""

from hotstars.io.tables import read_meta, read_table
from hotstars.plots import ages, style
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    logage = read_table(sm.input.logage)
    meta = read_meta(sm.input.logage)  # the spaxel size
    log.info("log-age map: %d spaxels of %s pc (%s)", len(logage), meta["spaxel_pc"],
             sm.input.logage)
    fig = ages.fig_logage_map(logage, r_sun_kpc=sm.params.r_sun_kpc,
                                  size_kpc=meta["spaxel_pc"] / 1000.0)
    style.savefig(fig, sm.output.png, dpi=sm.params.dpi)
    log.info("wrote %s", sm.output.png)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
