"""Rule simulate_side_catalogues: ALS-III-like and D23-like catalogues of the mock survey.

ALS-III as its web export (ALS, RA, DEC, Gaia_DR3, Sample: CSV), D23 as a source_id list (CSV)
and the Gaia + 2MASS + Bailer-Jones rows of the D23 stars (Parquet) that real users query from
the Gaia archive; see hotstars.mock.side.mock_side_catalogues. The survey's targets are read
from the mock's own Gaia, 2MASS and Bailer-Jones files (hotstars.mock.side.mock_targets).
"""

from hotstars.io import tables
from hotstars.mock import side
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    targets = side.mock_targets(*(tables.read_table(sm.input[key])
                                  for key in ("gaia", "tmass", "distances")))
    cats = side.mock_side_catalogues(
        targets, tables.read_table(sm.input.truth),
        tables.read_table(sm.input.grid), int(sm.params.seed), dict(sm.params.frame),
        dict(sm.params.physics or {}), threads=sm.threads, **dict(sm.params.options or {}))
    tables.write_table(cats["als3"], sm.output.als3)
    tables.write_table(cats["d23"], sm.output.d23)
    tables.write_table(cats["d23_gaia"], sm.output.d23_gaia,
                       units=side.MOCK_D23_GAIA_UNITS)
    for key in ("als3", "d23", "d23_gaia"):
        log.info("%s: %d rows -> %s", key, len(cats[key]), sm.output[key])


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
