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
    if skip:  # optional: Fig. 3 becomes a "not made" placeholder, nothing else is blocked
        reason, source, column = skip
        log.warning("ESP-HS comparison (Fig. 3) skipped: %s (input %s, column %s)", reason,
                    source, column)
        numbers = comparisons.skipped_numbers(numbers, reason, source, column, "Fig. 3")
    else:
        log.info("BOSS Net vs ESP-HS: %s", numbers)
    tables.write_table(table, sm.output.table, units=comparisons.ESPHS_UNITS,
                       meta=meta | ({"skipped": skip[0]} if skip else {}))
    tables.write_json(numbers | {"config": meta}, sm.output.numbers)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
