"""Rule kinematics_inputs: HSS stars + averaged velocities → kinematics inputs (Sec. 3.1)."""

from hotstars import kinematics
from hotstars.io import tables
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    hss, vlos = tables.read_table(sm.input.hss), tables.read_table(sm.input.vlos)
    inputs = kinematics.inputs_from_hss(hss, vlos, hss_source=str(sm.input.hss),
                                        vlos_source=str(sm.input.vlos))
    log.info("%d HSS stars, %d with a line-of-sight velocity; %d absent from %s",
             len(inputs), int(inputs["vlos"].notna().sum()),
             int((~hss["source_id"].isin(vlos["source_id"])).sum()), sm.input.vlos)
    tables.write_table(inputs, sm.output.inputs, units=kinematics.INPUT_UNITS,
                       meta={"distance": "r_med_photogeo; distance_err = (r_hi - r_lo)/2"})


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
