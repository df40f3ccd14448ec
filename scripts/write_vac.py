"""Rule write_vac: our Hot Star Sample in the 26-column format of the DR20 VAC ob_vac-1.0.0."""

from hotstars.io import tables, vac
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    ages_path = sm.input.get("ages")
    catalogue = vac.build_vac(tables.read_table(sm.input.hss), tables.read_table(sm.input.vlos),
                              tables.read_table(sm.input.kinematics),
                              tables.read_table(ages_path) if ages_path else None)
    log.info("%d stars in the VAC (ages %s)", len(catalogue),
             "from " + str(ages_path) if ages_path else "not given: NaN")
    vac.write_vac(catalogue, sm.output.vac)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
