"""Rule injection_recovery: the truth checks in one file (v_R at the top level, ages under "ages")."""

import json

from hotstars.io import tables
from hotstars.workflow import logs


def main(sm):
    logs.setup(sm.log[0], job=sm)
    with open(sm.input.vr) as f:
        merged = json.load(f)
    with open(sm.input.ages) as f:
        merged["ages"] = json.load(f)
    tables.write_json(merged, sm.output.json)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
