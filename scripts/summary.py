"""Rule summary: the paper's numbers beside ours (results/<run>/summary.json)."""

import json

import pandas as pd

from hotstars import selection, summary
from hotstars.io import tables
from hotstars.workflow import logs


def main(sm):
    logs.setup(sm.log[0], job=sm)
    numbers = {}
    if "cutflow" in sm.input.keys():  # the sample stage is absent when starting from the VAC
        flags = tables.read_table(sm.input.flags)
        classes = selection.teff_class_counts(flags, sm.params.teff_classes)
        numbers.update(summary.sample_numbers(pd.read_csv(sm.input.cutflow), classes,
                                              tables.read_table(sm.input.hss)))
        numbers.update(summary.rv_numbers(tables.read_table(sm.input.vlos)))
        numbers.update(summary.age_numbers(tables.read_table(sm.input.ages),
                                           sm.params.young_max_myr, sm.params.old_min_myr))
    numbers.update(summary.kinematics_numbers(tables.read_table(sm.input.kinematics),
                                              tables.read_table(sm.input.flags_vphi)))
    numbers.update(summary.map_numbers(tables.read_table(sm.input.vr_map)))
    clusters = {name.removeprefix("clusters_"): tables.read_table(path)
                for name, path in sm.input.items() if name.startswith("clusters_")}
    numbers.update(summary.cluster_numbers(clusters))
    for name, path in sm.input.items():  # stages that write their own numbers (JSON)
        if name.startswith("numbers_"):
            with open(path) as f:
                numbers.update(summary.numbers_from_json(json.load(f)))
    tables.write_json(summary.assemble(numbers, sm.params.source), sm.output.json)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
