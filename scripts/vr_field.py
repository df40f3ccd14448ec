"""Rule vr_field: the continuous mean v_R field and its uncertainty from every map star."""

from hotstars import maps, vrfield
from hotstars.io import tables
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    settings = vrfield.FieldSettings.from_config({**sm.params.settings,
                                                  "sigma_max": sm.params.sigma_max})
    stars = maps.select_map_stars(tables.read_table(sm.input.kinematics),
                                  tables.read_table(sm.input.flags), sm.params.z_max_kpc,
                                  labels=(str(sm.input.kinematics), str(sm.input.flags)))
    field = vrfield.vr_field(*(stars[c].to_numpy(float) for c in ("x", "y", "v_R", "v_R_err")),
                             settings)
    a = field.attrs
    log.info("v_R field: bandwidth %g kpc, sigma_R %.2f km/s, %d of %d pixels supported",
             a["bandwidth_kpc"], a["sigma_R_kms"], field["supported"].sum(), len(field))
    tables.write_table(field, sm.output.field, units=vrfield.UNITS, meta={
        "bandwidth_kpc": a["bandwidth_kpc"], "sigma_R_kms": a["sigma_R_kms"],
        "n_stars": a["n_stars"], "z_max_kpc": sm.params.z_max_kpc,
        "n_supported": int(field["supported"].sum()),
        "cv_bandwidth_kpc": [r["bandwidth_kpc"] for r in a["cv"]],
        "cv_score": [r["score"] for r in a["cv"]],
        **{f"setting_{k}": (list(v) if isinstance(v, tuple) else v)
           for k, v in a["settings"].items()},
        "estimator": "kernel-weighted Eq. 4 (Gaussian kernel, inverse-variance weights with one "
                     "sigma_R), bandwidth by block K-fold cross-validation; vR_smooth_err: "
                     "delete-a-block jackknife", **stars.attrs["counts"]})


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
