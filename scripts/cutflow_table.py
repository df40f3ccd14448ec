"""Rule cutflow_table: the HSS cut-flow as an HTML table beside the paper's counts."""

from hotstars import summary
from hotstars.io import tables
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    table = summary.cutflow_table(tables.read_table(sm.input.cutflow))
    page = summary.html_page("Cut-flow of the Hot Star Sample (Zari et al. 2025, Fig. 2)",
                             [("", table)], note=f"Computed from: {sm.params.source}.")
    with tables.atomic_path(sm.output.html) as tmp:
        tmp.write_text(page)
    log.info("cut-flow:\n%s", table.to_string(index=False))


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
