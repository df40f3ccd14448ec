"""Fig. 6: v_phi against Galactocentric R, with the v_phi window of the maps."""

from hotstars.io.tables import read_table
from hotstars.plots import maps, style
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    kinematics = read_table(sm.input.kinematics)
    flags = read_table(sm.input.flags)
    log.info("kinematics: %d rows (%s); window %s km/s", len(kinematics), sm.input.kinematics,
             sm.params.window)
    fig = maps.fig_vphi(kinematics, sm.params.window, flags=flags)
    style.savefig(fig, sm.output.png, dpi=sm.params.dpi)
    log.info("wrote %s", sm.output.png)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
