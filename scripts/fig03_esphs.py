"""Fig. 3: BOSS Net against Gaia DR3 ESP-HS Teff and log g, 1:1 lines."""

from hotstars.io.tables import read_table
from hotstars.plots import comparisons, style
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    table = read_table(sm.input.table)
    log.info("%d rows (%s)", len(table), sm.input.table)
    style.savefig(comparisons.fig_esphs(table), sm.output.png, dpi=sm.params.dpi)
    log.info("wrote %s", sm.output.png)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
