"""Rule compare_gaia_rv: our v_los against Gaia DR3 RVs corrected with Eq. 3 (Sec. 2.3, Fig. 5)."""

from hotstars import comparisons
from hotstars.io import tables
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    hss = tables.read_table(sm.input.hss)
    vlos = tables.read_table(sm.input.vlos)
    table = comparisons.compare_gaia_rv(
        hss, vlos, teff_range_k=sm.params.teff_range_k, grvs_range=sm.params.grvs_range,
        outside_window=sm.params.outside_window, hss_name=str(sm.input.hss),
        vlos_name=str(sm.input.vlos))
    numbers = comparisons.gaia_rv_numbers(table)
    meta = {"teff_range_k": list(sm.params.teff_range_k), "grvs_range": list(sm.params.grvs_range),
            "outside_window": sm.params.outside_window}
    skip = comparisons.gaia_rv_skip(hss, table, str(sm.input.hss), str(sm.input.vlos))
    if not skip:
        log.info("Gaia RV comparison: %s", numbers)
    numbers, table_meta = comparisons.mark_skipped(numbers, meta, skip, "Gaia RV comparison",
                                                   "Fig. 5")
    tables.write_table(table, sm.output.table, units=comparisons.GAIA_RV_UNITS, meta=table_meta)
    tables.write_json(numbers | {"config": meta}, sm.output.numbers)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
