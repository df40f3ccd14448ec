"""Rule select_hss: the Hot Star Sample cuts and the cut-flow (paper Sec. 2.2, Fig. 2)."""

from hotstars import selection
from hotstars.io import tables
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    cuts = selection.Cuts.from_config(sm.params.cuts)
    spectra = tables.read_table(sm.input.spectra)
    program = tables.read_meta(sm.input.spectra).get("program")  # ingest's sample.program
    targets = tables.read_table(sm.input.targets)
    flags, hss, hss_spectra, cutflow = selection.select_hss(spectra, targets, cuts,
                                                            sm.params.mjd_max)
    log.info("cut-flow:\n%s", cutflow.to_string(index=False))
    # an empty sample stops here, at the step that emptied it (config key, value, what to do)
    selection.check_sample(spectra, targets, flags, cutflow, cuts, sm.params.mjd_max,
                           program=program,
                           spectra_name=str(sm.input.spectra), targets_name=str(sm.input.targets))
    meta = {"cuts": dict(sm.params.cuts)}
    tables.write_table(flags, sm.output.flags, units=selection.UNITS, meta=meta)
    tables.write_table(hss, sm.output.hss, units=selection.UNITS, meta=meta)
    tables.write_table(hss_spectra, sm.output.hss_spectra, units=selection.UNITS, meta=meta)
    tables.write_table(cutflow, sm.output.cutflow)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
