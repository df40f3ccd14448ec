"""Benchmark: wall time and peak memory of hotstars.kinematics.galactocentric (incl. errors).

Synthetic disc stars (45k, the paper's HSS size, and 500k by default), each size in a fresh
process so that the peak RSS (resource.getrusage) is its own; tracemalloc gives the peak of the
Python/numpy allocations during the call. Prints a Markdown table for the README. Usage:

    python benchmarks/kinematics.py [--sizes 45000 500000] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import tracemalloc

import numpy as np
import pandas as pd


def synthetic_inputs(n: int, seed: int) -> pd.DataFrame:
    """``n`` stars on the sky with disc-like distances, proper motions and errors."""
    from hotstars.kinematics import INPUT_COLUMNS
    rng = np.random.default_rng(seed)
    d = rng.uniform(0.3, 10.0, n)
    t = pd.DataFrame({
        "source_id": np.arange(n, dtype=np.int64), "ra": rng.uniform(0, 360, n),
        "dec": np.degrees(np.arcsin(rng.uniform(-1, 1, n))), "distance": d,
        "distance_err": d * rng.uniform(0.02, 0.2, n), "pmra": rng.normal(-2, 4, n),
        "pmdec": rng.normal(-2, 4, n), "pmra_error": rng.uniform(0.01, 0.1, n),
        "pmdec_error": rng.uniform(0.01, 0.1, n), "pmra_pmdec_corr": rng.uniform(-0.5, 0.5, n),
        "vlos": rng.normal(0, 40, n), "vlos_err": rng.uniform(2, 15, n),
        "n_epochs": rng.integers(1, 5, n)})
    return t[INPUT_COLUMNS]


def run_one(n: int, seed: int) -> dict:
    from hotstars.frame import galactocentric_frame
    from hotstars.kinematics import galactocentric
    inputs, frame = synthetic_inputs(n, seed), galactocentric_frame()
    galactocentric(inputs.iloc[:100], frame)  # warm-up (imports, astropy caches)
    tracemalloc.start()
    t0 = time.perf_counter()
    out = galactocentric(inputs, frame)
    wall = time.perf_counter() - t0
    peak_traced = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(out) == n and np.isfinite(out["v_R_err"]).all()
    return {"n": n, "wall_s": wall, "traced_peak_mb": peak_traced / 2 ** 20,
            "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[45_000, 500_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.seed)))
        return
    print("| stars | wall time (s) | peak traced (MB) | peak RSS (MB) |\n|---:|---:|---:|---:|")
    for n in args.sizes:
        res = json.loads(subprocess.run([sys.executable, __file__, "--one", str(n), "--seed",
                                         str(args.seed)], check=True, capture_output=True,
                                        text=True).stdout)
        print(f"| {n:,} | {res['wall_s']:.2f} | {res['traced_peak_mb']:.0f} "
              f"| {res['max_rss_mb']:.0f} |")


if __name__ == "__main__":
    main()
