"""Figs. 13, D.1 and B.1 (APOGEE row), one job: mean v_R of the HSS beside that of the APOGEE DR17
astroNN disc giants (13: spaxels with sigma_R/sqrt(N) < max_err only, R < r_mask masked, on
Fig. 7's colour scale), their Toomre diagram with the selection box (D.1), their sigma_R and the
errors of their mean v_R (B.1).

Each ``fig*`` function draws one figure from the job's inputs; :func:`main` writes them all
(:func:`hotstars.workflow.figures.write_all`). An
empty comparison gives a placeholder that says why, never an error.
"""

from hotstars.plots import galaxies, maps, style
from hotstars.workflow import figures


def fig13_apogee(sm, log):
    p = sm.params
    vr, hss_vr = figures.table(sm.input.vr_fig13), figures.table(sm.input.hss_vr)
    n_selected = int(figures.table(sm.input.stars)["selected"].sum())
    log.info("Fig. 13: APOGEE map %d spaxels, %d plotted (%s); HSS map %d spaxels; "
             "%d giants selected", len(vr), int(vr["plotted"].sum()), sm.input.vr_fig13,
             len(hss_vr), n_selected)
    return style.figure_or_placeholder(
        "Fig. 13", "HSS and APOGEE mean v_R", vr.loc[vr["plotted"].astype(bool)], {},
        f"{sm.input.vr_fig13} (spaxels plotted)",
        lambda plotted: galaxies.fig_apogee_vr(
            vr, r_sun_kpc=p.r_sun_kpc, r_mask_kpc=p.r_mask_kpc, vmax_kms=p.vmax_kms,
            hss_vr=hss_vr, hss_r_sun_kpc=p.hss_r_sun_kpc, n_selected=n_selected,
            max_err_kms=p.max_err_kms, min_stars=p.min_stars),
        log)


def figD1_toomre(sm, log):
    return figures.optional(
        sm.input.stars, "Fig. D.1", "Toomre diagram of the APOGEE giants",
        lambda stars: galaxies.fig_toomre(stars, v_range_kms=sm.params.toomre_v_kms,
                                          uw_max_kms=sm.params.toomre_uw_max_kms),
        log)


def figB1_apogee(sm, log):
    return figures.optional(
        sm.input.vr, "Fig. B.1 (APOGEE)", "APOGEE giants, sigma_R and errors",
        lambda vr: maps.fig_map_errors(vr, r_sun_kpc=sm.params.r_sun_kpc), log)


FIGURES = (fig13_apogee, figD1_toomre, figB1_apogee)


def main(sm):
    figures.write_all(sm, FIGURES)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
