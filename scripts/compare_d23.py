"""Rule compare_d23: the D23 OB sample against the mwm_ob targets and the HSS (App. A): one row
per D23 star (membership, selection-diagram colours, M_K, Galactic X/Y) and the overlap numbers."""

from hotstars import crossmatch as cx
from hotstars.io import catalogues, tables
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    d23 = catalogues.read_d23(sm.input.d23)
    gaia = catalogues.read_d23_gaia(sm.input.d23_gaia)
    targets = tables.read_table(sm.input.targets)
    hss = tables.read_table(sm.input.hss)
    stars = cx.d23_stars(d23, gaia, targets, hss, sm.params.r_sun_kpc, sm.params.z_sun_pc)
    numbers = cx.d23_numbers(stars, len(targets), len(hss), sm.params.mk_range)
    tables.write_table(stars, sm.output.stars, units=cx.D23_STAR_UNITS)
    tables.write_json(numbers, sm.output.json)
    log.info("D23 overlap: %s", numbers)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
