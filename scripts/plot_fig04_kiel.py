"""Fig. 4: Kiel diagram (log Teff vs log g) of the quality-cut mwm_ob targets and of the HSS."""

from hotstars import logs, plotting
from hotstars.tables import read_table


def main(sm):
    log = logs.setup(sm.log[0])
    flags = read_table(sm.input.flags)
    log.info("target flags: %d rows (%s)", len(flags), sm.input.flags)
    fig = plotting.fig_kiel(flags, teff_lines_k=sm.params.teff_lines_k)
    plotting.savefig(fig, sm.output.png, dpi=sm.params.dpi)
    log.info("wrote %s", sm.output.png)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
