"""Rule density_contrast: Δ_Σ = (Σ − Σ̄)/Σ̄ of the map stars in the plane (Eq. 15, Fig. 10)."""

from hotstars import contrast, maps
from hotstars.io import tables
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    p = sm.params
    stars = maps.select_map_stars(tables.read_table(sm.input.kinematics),
                                  tables.read_table(sm.input.flags), p.z_max_kpc,
                                  labels=(str(sm.input.kinematics), str(sm.input.flags)))
    df = contrast.density_contrast(stars["x"].to_numpy(), stars["y"].to_numpy(),
                                   pixel_kpc=p.pixel_kpc, local_kpc=p.local_kpc,
                                   mean_kpc=p.mean_kpc, truncate=p.truncate,
                                   edge_correction=p.edge_correction,
                                   footprint_kpc=p.footprint_kpc)
    meta = {**df.attrs, **stars.attrs["counts"], "z_max_kpc": p.z_max_kpc,
            "definition": "delta_sigma = sigma_local / sigma_mean - 1 (Eq. 15)"}
    log.info("Δ_Σ on %d x %d pixels: %d in the footprint, %.1f %% of them with Δ_Σ > 0.5",
             df.attrs["nx"], df.attrs["ny"], df["in_footprint"].sum(),
             100 * (df["delta_sigma"] > 0.5).sum() / max(df["in_footprint"].sum(), 1))
    tables.write_table(df, sm.output.contrast, units=contrast.UNITS, meta=meta)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
