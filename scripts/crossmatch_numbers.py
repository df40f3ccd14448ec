"""Rule crossmatch_numbers: the ALS-III and D23 numbers of summary.json (JSON)."""

import json

from hotstars import crossmatch
from hotstars.io import tables
from hotstars.workflow import logs


def main(sm):
    logs.setup(sm.log[0], job=sm)
    with open(sm.input.als3) as f, open(sm.input.d23) as g:
        numbers = crossmatch.summary_numbers(json.load(f), json.load(g))
    tables.write_json(numbers, sm.output.numbers)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
