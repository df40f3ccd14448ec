"""Rule mock_comparison_numbers: the Auriga and APOGEE numbers of summary.json (JSON)."""

from hotstars import apogee, auriga
from hotstars.io import tables
from hotstars.io.tables import read_table
from hotstars.workflow import logs


def main(sm):
    logs.setup(sm.log[0], job=sm)
    auriga_maps = {"young_vR": read_table(sm.input.auriga_young_vR),
                   "old_vR": read_table(sm.input.auriga_old_vR)}
    numbers = auriga.summary_numbers(auriga_maps, read_table(sm.input.auriga_stars))
    numbers.update(apogee.summary_numbers(read_table(sm.input.apogee_stars),
                                          read_table(sm.input.apogee_vR),
                                          read_table(sm.input.hss_vR)))
    # keys "comparisons.auriga.x" -> "auriga.x": one summary.json section per galaxy
    tables.write_json({k.removeprefix("comparisons."): v for k, v in numbers.items()},
                      sm.output.numbers)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
