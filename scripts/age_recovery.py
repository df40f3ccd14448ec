"""Rule age_recovery: recovered ages against the mock's true ages, per true-age bin (JSON)."""

from hotstars import validation
from hotstars.io import tables
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    result = validation.age_recovery(tables.read_table(sm.input.ages),
                                     tables.read_table(sm.input.truth))
    for key in ("overall", "younger_than_30myr", "older_than_30myr"):
        s = result[key]
        log.info("%s: n = %d, median bias %+.3f dex, [p16, p84] coverage %.3f, median error "
                 "%.3f dex", key, s["n"], s.get("bias_median_dex", float("nan")),
                 s.get("coverage_68", float("nan")), s.get("logage_err_median_dex", float("nan")))
    tables.write_json(result, sm.output.json)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
