"""Fig. 12: density and mean v_R of the young and old stars of the Auriga mock, with density
contours."""

from hotstars import auriga
from hotstars.io.tables import read_table
from hotstars.plots import galaxies, style
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    size = sm.params.spaxel_pc / 1000.0
    products = {key: read_table(sm.input[key]) for key in galaxies.AURIGA_PANELS}
    contours = {pop: auriga.density_contours(products[f"{pop}_density"], size,
                                             sm.params.contour_smooth_kpc)
                for pop in ("young", "old") if len(products[f"{pop}_density"])}
    log.info("maps: %s", {k: len(v) for k, v in products.items()})
    fig = galaxies.fig_auriga(products, contours, r_sun_kpc=sm.params.r_sun_kpc,
                                 vmax_kms=sm.params.vmax_kms)
    style.savefig(fig, sm.output.png, dpi=sm.params.dpi)
    log.info("wrote %s", sm.output.png)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
