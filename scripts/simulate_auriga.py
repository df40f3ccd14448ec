"""Rule simulate_auriga: a small Auriga "aurigaia"-format file set (HDF5, Stardata datasets with
Units) of a barred, two-armed toy galaxy, so that the Fig. 12 comparison runs by default."""

from hotstars.frame import frame_from_config
from hotstars.io.auriga import write_aurigaia
from hotstars.mock import auriga
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    p = sm.params
    toy = auriga.ToyGalaxy(bar_angle_deg=float(p.bar_angle_deg))
    stars = auriga.simulate_toy(int(p.n_young), int(p.n_old), int(p.seed),
                                frame_from_config(p.frame), toy)
    log.info("toy galaxy: %d stars with G < %g (%s)", len(stars), toy.g_limit,
             stars["population_true"].value_counts().to_dict())
    files = write_aurigaia(
        stars, sm.output.folder, int(p.n_files), int(p.seed),
        basename=f"mock_{int(round(p.bar_angle_deg)):03d}",
        parameters={"bar_angle_deg": float(p.bar_angle_deg), "seed": int(p.seed),
                    "r_sun_kpc": float(p.frame["r_sun_kpc"]),
                    "z_sun_pc": float(p.frame["z_sun_pc"]),
                    "v_sun_kms": [float(v) for v in p.frame["v_sun_kms"]],
                    "model": "hotstars.mock.auriga.ToyGalaxy (toy, not an Auriga simulation)"})
    log.info("wrote %d files to %s", len(files), sm.output.folder)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
