"""Rule crossmatch_als3: Table 1, ALS-III "M" and full within 1" of the HSS, the observed targets
and any configured sample (CSV, Markdown rendering, JSON with fractions and the HSS stars not in
ALS-III)."""

from hotstars import crossmatch as cx
from hotstars.io import catalogues, tables
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    p = sm.params
    als = catalogues.read_als3(sm.input.als3, p.flag_column, p.massive_value)
    hss = tables.read_table(sm.input.hss)
    samples = {"HSS": hss, "mwm_ob observed": tables.read_table(sm.input.targets)}
    for name, path in zip(p.sample_names, list(sm.input.samples), strict=True):
        if name in samples:
            raise ValueError(f"comparisons.als3.samples: the name {name!r} is taken")
        samples[name] = catalogues.read_sample(path)
    long, _ = cx.als3_crossmatch(als, samples, p.radius_arcsec, p.massive_value)
    is_m = als["flag"].str.upper() == p.massive_value.upper()
    free = {k: cx.unmatched_hot_counts(hss, a, p.radius_arcsec, p.teff_edges)
            for k, a in (("m", als[is_m]), ("full", als))}
    wide = cx.table1(long)
    tables.write_table(wide, sm.output.csv)
    with tables.atomic_path(sm.output.md) as tmp:
        tmp.write_text(cx.render_table1(wide))
    tables.write_json(cx.als3_summary(long, free, p.radius_arcsec), sm.output.json)
    log.info("Table 1:\n%s", cx.render_table1(wide))


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
