"""Rule summary_table: summary.json as an HTML table (ours beside the paper's) for the report."""

import json

from hotstars import summary
from hotstars.io import tables
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    with open(sm.input.summary) as f:
        numbers = json.load(f)
    table = summary.summary_table(numbers)
    page = summary.html_page("Our numbers beside Zari et al. (2025)", [("", table)],
                             note=f"Computed from: {numbers['_source']}.")
    with tables.atomic_path(sm.output.html) as tmp:
        tmp.write_text(page)
    log.info("%d numbers, %d with a paper value", len(table), table["paper"].notna().sum())


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
