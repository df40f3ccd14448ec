"""Rule apogee_maps: APOGEE DR17 astroNN giants selected as in App. D (Toomre cut included) and
their Eq. 4 mean v_R maps in astroNN's own frame: at the HSS spaxel size with R < r_mask masked
(App. B, Fig. B.1) and at comparisons.apogee.spaxel_pc with the masked and imprecise spaxels
flagged (Fig. 13, :func:`hotstars.apogee.fig13_map`)."""

from hotstars import apogee, maps
from hotstars.io import apogee as astronn
from hotstars.io import tables
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    p = sm.params
    stars = apogee.select_disc_giants(astronn.read_astronn(sm.input.apogee), **p.giants,
                                      v_sun_kms=p.frame["v_sun_kms"],
                                      r_sun_kpc=p.frame["r_sun_kpc"])
    vr = apogee.vr_map(stars, p.spaxel_pc / 1000.0, p.min_stars, p.sigma_max, p.r_mask_kpc)
    meta = {"spaxel_pc": p.spaxel_pc, "r_mask_kpc": p.r_mask_kpc, **stars.attrs["counts"],
            **vr.attrs["counts"]}
    log.info("%d selected stars, %d spaxels", meta["n_selected"], len(vr))
    tables.write_table(vr, sm.output.vr, units=maps.UNITS, meta=meta)
    fig13 = apogee.fig13_map(stars, p.fig13["spaxel_pc"] / 1000.0, p.min_stars, p.sigma_max,
                             p.r_mask_kpc, p.fig13["max_err_kms"])
    tables.write_table(fig13, sm.output.fig13, units=maps.UNITS,
                       meta={**p.fig13, "r_mask_kpc": p.r_mask_kpc, **fig13.attrs["counts"]})
    tables.write_table(apogee.toomre_table(stars), sm.output.stars, units=apogee.STAR_UNITS,
                       meta=meta)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
