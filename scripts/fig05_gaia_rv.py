"""Fig. 5: our v_los against Gaia DR3 RVs corrected with Eq. 3, 1:1 line."""

from hotstars.io.tables import read_meta, read_table
from hotstars.plots import comparisons, style
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    table, meta = read_table(sm.input.table), read_meta(sm.input.table)
    log.info("%d rows (%s)", len(table), sm.input.table)
    reason = style.not_made_reason(table, meta, str(sm.input.table))
    if reason:  # optional product: a placeholder that says why, never an error
        log.warning("Fig. 5 not made: %s", reason)
        fig = style.placeholder_figure("Fig. 5: SDSS-V v_los against Gaia DR3 RVs", reason)
    else:
        fig = comparisons.fig_gaia_rv(table)
    style.savefig(fig, sm.output.png, dpi=sm.params.dpi)
    log.info("wrote %s", sm.output.png)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
