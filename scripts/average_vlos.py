"""Rule average_vlos: per-spectrum velocity choice and the epoch mean per star (Sec. 2.3)."""

from hotstars import rv
from hotstars.io import tables
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    spectra = tables.read_table(sm.input.hss_spectra)
    vlos = rv.vlos_from_spectra(spectra, sm.params.rxc_min, sm.params.error_floor)
    log.info("%d stars, %d with a usable velocity; sources: %s", len(vlos),
             int((vlos["n_epochs"] > 0).sum()), vlos["vlos_source"].value_counts().to_dict())
    tables.write_table(vlos, sm.output.vlos, units=rv.UNITS,
                       meta={"rxc_min": sm.params.rxc_min, "error_floor": sm.params.error_floor})


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
