"""Rule contrast_numbers: Sec. 4.1 numbers of the density contrast and the v_R map (JSON)."""

from hotstars import contrast
from hotstars.io import tables
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    numbers = contrast.summary_numbers(tables.read_table(sm.input.contrast),
                                       tables.read_table(sm.input.vr), sm.params.spaxel_pc / 1000)
    log.info("%s", numbers)
    tables.write_json({f"contrast.{key}": value for key, value in numbers.items()}, sm.output.numbers)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
