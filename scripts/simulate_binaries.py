"""Rule simulate_binaries: App. C, 50 % binaries at the HSS's real epochs and velocity errors."""

from hotstars import comparisons
from hotstars.io import tables
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    hss = tables.read_table(sm.input.hss)
    spectra = tables.read_table(sm.input.hss_spectra)
    epochs = comparisons.epoch_errors(spectra, sm.params.rxc_min, name=str(sm.input.hss_spectra))
    # primary masses: Eker et al. (2018) main-sequence relation at the star-level BOSS Net Teff
    stars = hss[["source_id"]].assign(m1_msun=comparisons.primary_mass_from_teff(hss["teff"]))
    sim = comparisons.simulate_binaries(epochs, stars, seed=sm.params.seed,
                                        binary_fraction=sm.params.binary_fraction,
                                        error_floor=sm.params.error_floor)
    numbers = comparisons.binary_numbers(sim)
    meta = {"seed": sm.params.seed, "binary_fraction": sm.params.binary_fraction,
            "rxc_min": sm.params.rxc_min, "error_floor": sm.params.error_floor}
    skip = comparisons.binaries_skip(sim, str(sm.input.hss_spectra))
    if not skip:
        log.info("binary simulation: %d stars, %d binaries; %s", len(sim),
                 int(sim["is_binary"].sum()),
                 {k: round(v, 2) for k, v in numbers.items() if "halfwidth" in k})
    numbers, table_meta = comparisons.mark_skipped(numbers, meta, skip, "binary simulation",
                                                   "Fig. C.1")
    tables.write_table(sim, sm.output.table, units=comparisons.BINARY_UNITS, meta=table_meta)
    tables.write_json(numbers | {"config": meta}, sm.output.numbers)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
