"""Fig. 11: density of young and older hot stars in the Galactic plane."""

from astropy.table import Table

from hotstars import logs, plotting


def main(sm):
    log = logs.setup(sm.log[0])
    young, old = Table.read(sm.input.young), Table.read(sm.input.old)  # cuts in the metadata
    log.info("young: %d spaxels (%s); old: %d spaxels (%s)", len(young), sm.input.young,
             len(old), sm.input.old)
    fig = plotting.fig_young_old(young.to_pandas(), old.to_pandas(),
                                 r_sun_kpc=sm.params.r_sun_kpc,
                                 young_max_myr=young.meta["age_max_myr"],
                                 old_min_myr=old.meta["age_min_myr"],
                                 size_kpc=young.meta["spaxel_pc"] / 1000.0)
    plotting.savefig(fig, sm.output.png, dpi=sm.params.dpi)
    log.info("wrote %s", sm.output.png)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
