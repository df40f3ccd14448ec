"""Rule build_age_maps: mean log-age per spaxel (Fig. 8) and young/old density maps (Fig. 11)."""

from hotstars import maps
from hotstars.io import tables
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    stars = maps.select_age_map_stars(
        tables.read_table(sm.input.ages), tables.read_table(sm.input.kinematics),
        tables.read_table(sm.input.flags), sm.params.z_max_kpc,
        labels=(str(sm.input.ages), str(sm.input.kinematics), str(sm.input.flags)))
    x, y = stars["x"].to_numpy(), stars["y"].to_numpy()
    size_kpc, density_kpc = sm.params.spaxel_pc / 1000.0, sm.params.density_spaxel_pc / 1000.0
    logage = maps.logage_map(x, y, stars["logage_p50"].to_numpy(), size_kpc, sm.params.min_stars)
    young, old = maps.young_old_density(x, y, stars["age_myr"].to_numpy(), density_kpc,
                                        sm.params.young_max_myr, sm.params.old_min_myr)
    meta = {"z_max_kpc": sm.params.z_max_kpc, **stars.attrs["counts"], **stars.attrs.get("dropped", {})}
    log.info("%d log-age spaxels (>= %d stars); young: %d stars, old: %d stars", len(logage),
             sm.params.min_stars, young["n_stars"].sum(), old["n_stars"].sum())
    tables.write_table(logage, sm.output.logage, units=maps.AGE_UNITS,
                       meta={**meta, "spaxel_pc": sm.params.spaxel_pc,
                             "min_stars": sm.params.min_stars, "n_spaxels": len(logage)})
    for df, path, cut in ((young, sm.output.young, {"age_max_myr": sm.params.young_max_myr}),
                          (old, sm.output.old, {"age_min_myr": sm.params.old_min_myr})):
        tables.write_table(df, path, units=maps.AGE_UNITS,
                           meta={**meta, **cut, "spaxel_pc": sm.params.density_spaxel_pc,
                                 "n_spaxels": len(df), "n_map_stars": int(df["n_stars"].sum())})


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
