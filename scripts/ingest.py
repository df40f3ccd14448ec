"""Rule ingest: read and check the five survey inputs, join spectra and targets."""

from hotstars import selection
from hotstars.io import survey, tables
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    rule = sm.params.repeated_spectra  # config sample.repeated_spectra
    spall = survey.read_spall(sm.input.spall, program=sm.params.program, hdu=sm.params.spall_hdu,
                              repeated_spectra=rule)
    bossnet = survey.read_bossnet(sm.input.bossnet, hdu=sm.params.bossnet_hdu,
                                  repeated_spectra=rule)
    gaia = survey.read_gaia(sm.input.gaia)
    distances = survey.read_distances(sm.input.distances)
    tmass = survey.read_tmass(sm.input.tmass)
    log.info("read %d spAll %s rows, %d BOSS Net visits, %d Gaia, %d distance, %d 2MASS rows",
             len(spall), sm.params.program, len(bossnet), len(gaia), len(distances), len(tmass))
    min_join = float(sm.params.min_join_fraction)  # config sample.min_join_fraction
    spectra = selection.join_spectra(spall, bossnet, sm.params.mjd_max, repeated_spectra=rule,
                                     min_join_fraction=min_join)
    log.info("%s", selection.repeated_summary(spectra))
    targets = selection.build_targets(spectra, gaia, distances, tmass, min_join_fraction=min_join)
    log.info("%d spectra with MJD <= %d; %d matched targets", len(spectra), sm.params.mjd_max,
             len(targets))
    meta = {"mjd_max": sm.params.mjd_max, "program": sm.params.program,
            "repeated_spectra": rule, "min_join_fraction": min_join}
    tables.write_table(spectra, sm.output.spectra, units=selection.UNITS, meta=meta)
    tables.write_table(targets, sm.output.targets, units=selection.UNITS, meta=meta)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
