"""Fig. 4: Kiel diagram (log Teff vs log g) of the quality-cut mwm_ob targets and of the HSS."""

from hotstars.io.tables import read_table
from hotstars.plots import sample, style
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    flags = read_table(sm.input.flags)
    log.info("target flags: %d rows (%s)", len(flags), sm.input.flags)
    fig = sample.fig_kiel(flags, teff_lines_k=sm.params.teff_lines_k)
    style.savefig(fig, sm.output.png, dpi=sm.params.dpi)
    log.info("wrote %s", sm.output.png)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
