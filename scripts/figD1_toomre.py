"""Fig. D.1: Toomre diagram of the APOGEE DR17 astroNN stars passing the App. D cuts 1-3, with
the disc-kinematics selection box."""

from hotstars.io.tables import read_table
from hotstars.plots import galaxies, style
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    stars = read_table(sm.input.stars)
    log.info("%d stars (%s)", len(stars), sm.input.stars)
    reason = style.not_made_reason(stars, {}, str(sm.input.stars))
    if reason:  # optional comparison: a placeholder that says why, never an error
        log.warning("Fig. D.1 not made: %s", reason)
        fig = style.placeholder_figure("Fig. D.1: Toomre diagram of the APOGEE giants", reason)
    else:
        fig = galaxies.fig_toomre(stars, v_range_kms=sm.params.toomre_v_kms,
                                  uw_max_kms=sm.params.toomre_uw_max_kms)
    style.savefig(fig, sm.output.png, dpi=sm.params.dpi)
    log.info("wrote %s", sm.output.png)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
