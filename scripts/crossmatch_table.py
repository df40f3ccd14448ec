"""Rule crossmatch_table: Table 1 (ALS-III) and the D23 overlap as HTML tables for the report."""

import json

from hotstars import summary
from hotstars.io import tables
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    table1 = summary.table1_beside_paper(tables.read_table(sm.input.table1))
    with open(sm.input.d23) as f:
        d23 = summary.d23_table(json.load(f))
    page = summary.html_page(
        "Cross-matches with other OB-star catalogues",
        [(f"Table 1: ALS-III stars within {sm.params.radius_arcsec:g}\u2033 of a sample star "
          "(Zari et al. 2025, Table 1)", table1),
         ("Gaia DR3 OB sample of Drimmel et al. 2023 (D23; Zari et al. 2025, Sec. 2.1, App. A)", d23)],
        note=f"Computed from: {sm.params.source}.")
    with tables.atomic_path(sm.output.html) as tmp:
        tmp.write_text(page)
    log.info("Table 1:\n%s\nD23:\n%s", table1.to_string(index=False), d23.to_string(index=False))


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
