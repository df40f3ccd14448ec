"""Fig. 2: the cut-flow of the Hot Star Sample (spectra and stars surviving each cut)."""

from hotstars.io.tables import read_table
from hotstars.plots import sample, style
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    cutflow = read_table(sm.input.cutflow)
    log.info("cut-flow %s:\n%s", sm.input.cutflow, cutflow.to_string(index=False))
    fig = sample.fig_cutflow(cutflow)
    style.savefig(fig, sm.output.png, dpi=sm.params.dpi)
    log.info("wrote %s", sm.output.png)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
