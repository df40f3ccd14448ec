"""Rule simulate_apogee: an astroNN DR17 VAC-format FITS file of mock APOGEE stars (old disc
giants with a small v_R pattern, dwarfs, halo stars and outliers for the App. D cuts)."""

from hotstars.io.apogee import write_astronn
from hotstars.mock.apogee import simulate_astronn
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    table = simulate_astronn(int(sm.params.n_stars), int(sm.params.seed))
    write_astronn(table, sm.output.fits)
    log.info("wrote %d rows (%d stars) to %s", len(table), table["APOGEE_ID"].nunique(),
             sm.output.fits)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
