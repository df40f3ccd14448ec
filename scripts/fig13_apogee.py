"""Fig. 13: mean v_R of the HSS (Fig. 7's map) beside that of the APOGEE DR17 astroNN giants
(spaxels with sigma_R/sqrt(N) < max_err only, R < r_mask masked), on Fig. 7's colour scale, with
the count of the selected giants the map shows and why the others are not shown."""

from hotstars.io.tables import read_table
from hotstars.plots import galaxies, style
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    p = sm.params
    vr, hss_vr = read_table(sm.input.vr), read_table(sm.input.hss_vr)
    n_selected = int(read_table(sm.input.stars)["selected"].sum())
    log.info("APOGEE map: %d spaxels, %d plotted (%s); HSS map: %d spaxels; %d giants selected",
             len(vr), int(vr["plotted"].sum()), sm.input.vr, len(hss_vr), n_selected)
    reason = style.not_made_reason(vr.loc[vr["plotted"].astype(bool)], {},
                                   f"{sm.input.vr} (spaxels plotted)")
    if reason:  # optional comparison: a placeholder that says why, never an error
        log.warning("Fig. 13 not made: %s", reason)
        style.savefig(style.placeholder_figure("Fig. 13: HSS and APOGEE mean v_R", reason),
                      sm.output.png, dpi=p.dpi)
        return
    fig = galaxies.fig_apogee_vr(vr, r_sun_kpc=p.r_sun_kpc, r_mask_kpc=p.r_mask_kpc,
                                 vmax_kms=p.vmax_kms, hss_vr=hss_vr,
                                 hss_r_sun_kpc=p.hss_r_sun_kpc, n_selected=n_selected,
                                 max_err_kms=p.max_err_kms, min_stars=p.min_stars)
    style.savefig(fig, sm.output.png, dpi=p.dpi)
    log.info("wrote %s", sm.output.png)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
