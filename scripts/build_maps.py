"""Rule build_maps: surface-density and Eq. 4 mean-v_R / sigma_R spaxel maps (Sec. 3.1, App. B)."""

from hotstars import maps, selection
from hotstars.io import tables
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    size_kpc = sm.params.spaxel_pc / 1000.0
    stars = maps.select_map_stars(tables.read_table(sm.input.kinematics),
                                  tables.read_table(sm.input.flags), sm.params.z_max_kpc,
                                  labels=(str(sm.input.kinematics), str(sm.input.flags)))
    x, y = stars["x"].to_numpy(), stars["y"].to_numpy()
    density = maps.density_map(x, y, size_kpc)
    selection.check_map_spaxels(stars, density, sm.params.min_stars, sm.params.spaxel_pc,
                                name=str(sm.input.kinematics))
    vr = maps.vr_map(x, y, stars["v_R"].to_numpy(), stars["v_R_err"].to_numpy(), size_kpc,
                     sm.params.min_stars, sm.params.sigma_max)
    meta = {"spaxel_pc": sm.params.spaxel_pc, "z_max_kpc": sm.params.z_max_kpc,
            **stars.attrs["counts"], **stars.attrs.get("dropped", {})}
    log.info("%d density spaxels, %d v_R spaxels (>= %d stars)", len(density), len(vr),
             sm.params.min_stars)
    tables.write_table(density, sm.output.density, units=maps.UNITS,
                       meta={**meta, "n_spaxels": len(density)})
    tables.write_table(vr, sm.output.vr, units=maps.UNITS,
                       meta={**meta, "n_spaxels": len(vr), "min_stars": sm.params.min_stars,
                             "sigma_max_kms": sm.params.sigma_max,
                             "estimator": "Eq. 4 ML, mu profiled out, global sigma search",
                             "intervals": "vR_mean: HKSJ (REML weights, t with Kish n_eff - 1 dof); "
                                          "sigma_R: Q-profile"})


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
