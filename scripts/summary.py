"""Rule summary: the paper's numbers beside ours (results/summary.json)."""

import pandas as pd

from hotstars import logs, selection, summary, tables


def main(sm):
    logs.setup(sm.log[0])
    cutflow = pd.read_csv(sm.input.cutflow)
    flags = tables.read_table(sm.input.flags)
    hss = tables.read_table(sm.input.hss)
    vlos = tables.read_table(sm.input.vlos)
    numbers = summary.sample_numbers(cutflow, selection.teff_class_counts(flags, sm.params.teff_classes), hss)
    numbers.update(summary.rv_numbers(vlos))
    tables.write_json(summary.assemble(numbers, sm.params.source), sm.output.json)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
