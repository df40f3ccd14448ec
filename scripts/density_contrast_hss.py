"""Rule density_contrast_hss: Δ_Σ (Eq. 15) of the HSS map stars, a labelled extra beside the OB
target sample's (their density follows which fields the survey observed)."""

from hotstars import contrast, maps
from hotstars.io import tables
from hotstars.workflow import logs

def main(sm):
    logs.setup(sm.log[0], job=sm)
    p = sm.params
    stars = maps.select_map_stars(tables.read_table(sm.input.kinematics),
                                  tables.read_table(sm.input.flags), p.z_max_kpc,
                                  labels=(str(sm.input.kinematics), str(sm.input.flags)))
    df, meta = contrast.contrast_product(stars, contrast.SAMPLE_LABELS["hss"],
                                         **{k: getattr(p, k) for k in contrast.SETTINGS})
    tables.write_table(df, sm.output.contrast, units=contrast.UNITS, meta=meta)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
