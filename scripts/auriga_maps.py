"""Rule auriga_maps: young and old stars of an Auriga mock (paper Sec. 4.2, App. D), their
density and Eq. 4 mean v_R maps (Fig. 12)."""

from hotstars import auriga, maps
from hotstars.frame import frame_from_config
from hotstars.io import auriga as aurigaia
from hotstars.io import tables
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    p = sm.params
    data = aurigaia.read_aurigaia(sm.input.auriga, aurigaia.datasets(bool(p.observed)),
                            select=auriga.prefilter(p.young, p.giants),
                            units_override=p.units_override)
    stars = auriga.select_populations(data, frame_from_config(p.frame), young=p.young,
                                      giants=p.giants, vr_error_floor_kms=p.vr_error_floor_kms)
    products = auriga.population_maps(stars, p.spaxel_pc / 1000.0, p.min_stars, p.sigma_max)
    meta = {"spaxel_pc": p.spaxel_pc, "observed": bool(p.observed), **stars.attrs["counts"]}
    for key, df in products.items():
        log.info("%s: %d spaxels", key, len(df))
        tables.write_table(df, sm.output[key], units=maps.UNITS, meta={**meta, "map": key})
    tables.write_table(stars, sm.output.stars, units=auriga.STAR_UNITS, meta=meta)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
