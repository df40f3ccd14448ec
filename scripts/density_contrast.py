"""Rule density_contrast: Δ_Σ = (Σ − Σ̄)/Σ̄ in the plane (Eq. 15, Fig. 10) of the OB target sample
of Zari et al. 2021 (input ob_sample), or, when the run has none, of the HSS map stars."""

from hotstars import contrast, maps
from hotstars.frame import galactocentric_frame
from hotstars.io import catalogues, tables
from hotstars.workflow import logs

def main(sm):
    logs.setup(sm.log[0], job=sm)
    p = sm.params
    if "ob_sample" in sm.input.keys():
        stars = contrast.sample_positions(
            catalogues.read_ob_sample(sm.input.ob_sample), galactocentric_frame(**p.sun),
            p.parallax_over_error_min, p.z_max_kpc, label=str(sm.input.ob_sample))
        sample = contrast.SAMPLE_LABELS["ob_sample"]
    else:
        stars = maps.select_map_stars(tables.read_table(sm.input.kinematics),
                                      tables.read_table(sm.input.flags), p.z_max_kpc,
                                      labels=(str(sm.input.kinematics), str(sm.input.flags)))
        sample = contrast.SAMPLE_LABELS["hss"]
    settings = {k: getattr(p, k) for k in contrast.SETTINGS}
    df, meta = contrast.contrast_product(stars, sample, **settings)
    tables.write_table(df, sm.output.contrast, units=contrast.UNITS, meta=meta)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
