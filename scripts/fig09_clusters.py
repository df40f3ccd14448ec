"""Fig. 9: cluster ages from their hot members against Hunt & Reffert 2023 and CG20."""

from hotstars.io.tables import read_table
from hotstars.plots import ages, style
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    h23, cg20 = read_table(sm.input.h23), read_table(sm.input.cg20)
    log.info("clusters: %d H23 (%s), %d CG20 (%s)", len(h23), sm.input.h23, len(cg20),
             sm.input.cg20)
    style.savefig(ages.fig_cluster_ages(h23, cg20), sm.output.png, dpi=sm.params.dpi)
    log.info("wrote %s", sm.output.png)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
