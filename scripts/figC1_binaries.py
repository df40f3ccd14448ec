"""Fig. C.1: epoch average minus systemic velocity for simulated singles and binaries."""

from hotstars.io.tables import read_meta, read_table
from hotstars.plots import comparisons, style
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    table, meta = read_table(sm.input.table), read_meta(sm.input.table)
    log.info("%d rows (%s)", len(table), sm.input.table)
    reason = style.not_made_reason(table, meta, str(sm.input.table))
    if reason:  # optional product: a placeholder that says why, never an error
        log.warning("Fig. C.1 not made: %s", reason)
        fig = style.placeholder_figure("Fig. C.1: simulated single and binary stars", reason)
    else:
        fig = comparisons.fig_binaries(table)
    style.savefig(fig, sm.output.png, dpi=sm.params.dpi)
    log.info("wrote %s", sm.output.png)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
