"""Rule vac_kinematics_inputs: the kinematics input table from the published DR20 VAC."""

from pathlib import Path

from hotstars import kinematics
from hotstars.io import tables, vac
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    catalogue = vac.read_vac(sm.input.vac)
    inputs = kinematics.inputs_from_vac(catalogue)
    log.info("%d stars from %s", len(inputs), sm.input.vac)
    tables.write_table(inputs, sm.output.inputs, units=kinematics.INPUT_UNITS,
                       meta={"source": Path(sm.input.vac).name})


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
