"""Rule compute_kinematics: Galactocentric positions, velocities and their errors (Sec. 3.1)."""

from hotstars import frame, kinematics
from hotstars.io import tables
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    inputs = tables.read_table(sm.input.inputs)
    out = kinematics.galactocentric(inputs, frame.frame_from_config(sm.params.frame),
                                    source=str(sm.input.inputs))
    counts = kinematics.missing_input_counts(inputs)
    log.info("%d stars; %d with NaN velocities (no distance: %d, no proper motion: %d, "
             "no v_los: %d); %d more with NaN velocity errors", len(out),
             counts["nan_velocity"], counts["no_distance"], counts["no_proper_motion"],
             counts["no_vlos"], counts["no_velocity_error"])
    one, multi = out["n_epochs"] == 1, out["n_epochs"] >= 2
    log.info("median v_R_err: %.1f km/s for %d 1-epoch stars, %.1f km/s for %d with N >= 2 "
             "(paper: ~13 and ~8)", out["v_R_err"][one].median(), int(one.sum()),
             out["v_R_err"][multi].median(), int(multi.sum()))
    tables.write_table(out, sm.output.kinematics, units=kinematics.UNITS,
                       meta={"frame": dict(sm.params.frame)})


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
