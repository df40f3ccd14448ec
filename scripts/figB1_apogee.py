"""Fig. B.1, APOGEE row: sigma_R and the errors of the mean v_R of the astroNN disc giants."""

from hotstars.io.tables import read_table
from hotstars.plots import maps, style
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    vr = read_table(sm.input.vr)
    log.info("APOGEE v_R map: %d spaxels (%s)", len(vr), sm.input.vr)
    reason = style.not_made_reason(vr, {}, str(sm.input.vr))
    if reason:  # optional comparison: a placeholder that says why, never an error
        log.warning("Fig. B.1 (APOGEE) not made: %s", reason)
        fig = style.placeholder_figure("Fig. B.1: APOGEE giants, sigma_R and errors", reason)
    else:
        fig = maps.fig_map_errors(vr, r_sun_kpc=sm.params.r_sun_kpc)
    style.savefig(fig, sm.output.png, dpi=sm.params.dpi)
    log.info("wrote %s", sm.output.png)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
