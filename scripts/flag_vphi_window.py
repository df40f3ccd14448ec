"""Rule flag_vphi_window: flag stars with lo <= v_phi <= hi (Sec. 3.1, Fig. 6)."""

import pandas as pd

from hotstars import kinematics, selection
from hotstars.io import tables
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    kin = tables.read_table(sm.input.kinematics)
    lo, hi = (float(v) for v in sm.params.window)
    flags = pd.DataFrame({"source_id": kin["source_id"],
                          "in_vphi_window": kinematics.in_vphi_window(kin["v_phi"], lo, hi)})
    n_in, n_finite = int(flags["in_vphi_window"].sum()), int(kin["v_phi"].notna().sum())
    log.info("v_phi window [%g, %g] km/s: %d of %d stars with a v_phi kept, %d removed "
             "(+ %d without v_phi)", lo, hi, n_in, n_finite, n_finite - n_in, len(kin) - n_finite)
    selection.check_vphi_window(kin["v_phi"], flags["in_vphi_window"], lo, hi,
                                name=str(sm.input.kinematics))
    tables.write_table(flags, sm.output.flags, meta={"vphi_window_kms": [lo, hi]})


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
