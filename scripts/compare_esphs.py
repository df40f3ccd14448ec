"""Rule compare_esphs: BOSS Net Teff and log g against Gaia DR3 ESP-HS (Sec. 2.2, Fig. 3)."""

from hotstars import comparisons
from hotstars.io import tables
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    hss = tables.read_table(sm.input.hss)
    table = comparisons.compare_esphs(hss, teff_err_frac=sm.params.teff_err_frac,
                                      logg_err_dex=sm.params.logg_err_dex,
                                      hss_name=str(sm.input.hss))
    numbers = comparisons.esphs_numbers(table)
    meta = {"esphs_teff_err_frac": sm.params.teff_err_frac,
            "esphs_logg_err_dex": sm.params.logg_err_dex}
    skip = comparisons.esphs_skip(hss, table, str(sm.input.hss))
    if not skip:
        log.info("BOSS Net vs ESP-HS: %s", numbers)
    numbers, table_meta = comparisons.mark_skipped(numbers, meta, skip, "ESP-HS comparison",
                                                   "Fig. 3")
    tables.write_table(table, sm.output.table, units=comparisons.ESPHS_UNITS, meta=table_meta)
    tables.write_json(numbers | {"config": meta}, sm.output.numbers)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
