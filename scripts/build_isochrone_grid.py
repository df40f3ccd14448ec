"""Rule build_isochrone_grid: the MIST v1.2 isochrone grid of the age estimates (Sec. 3.2)."""

from hotstars import isochrones
from hotstars.io import isochrones as sources
from hotstars.io import tables
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    log_ages, fehs = isochrones.grid_axes(sm.params.log_age, sm.params.feh)
    files = [str(p) for p in sm.params.mist_files]
    if files:
        grid = isochrones.build_grid_mist(files, log_ages, fehs)
        source = f"official MIST v1.2 vvcrit0.4 .iso.cmd files: {files}"
    else:
        grid = isochrones.build_grid_lachesis(log_ages, fehs)
        source = (f"MIST v1.2 vvcrit0.4 from lachesis-grids ({sources.LACHESIS_FILE}); "
                  f"M_X = Mbol - BC_X from PARSEC v1.2S/YBC ({sources.PARSEC_TABLE})")
    log.info("%d isochrone points, %d ages x %d [Fe/H]; %s", len(grid), len(log_ages), len(fehs),
             source)
    meta = {"source": source, "log_age": dict(sm.params.log_age), "feh": dict(sm.params.feh),
            "phases_kept": list(isochrones.KEEP_PHASES)}
    tables.write_table(grid, sm.output.grid, units=isochrones.GRID_UNITS, meta=meta)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
