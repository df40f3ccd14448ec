"""Benchmark: wall time and peak memory of the continuous v_R field (hotstars.vrfield) at the
full survey's size.

Synthetic map stars like the full mock preset's (default 140,000) in an exponential disc seen from
the Sun (within --radius-kpc of it), v_R = a two-armed spiral field + N(0, 12 km/s) + log-normal
errors around 8 km/s. The whole fit runs (two cross-validations over the 8 default bandwidths,
the final field and its block jackknife) in a fresh process; peak memory is that process's max
RSS (baseline after imports shown apart). Target: under a minute on 2 cores. Prints a Markdown
table. Usage:

    python benchmarks/vr_field.py [--n-stars 140000 35000] [--seed 1]
"""

from __future__ import annotations

import argparse
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import numpy as np


def synthetic_stars(n: int, seed: int, radius_kpc: float = 7.0, r_sun: float = 8.2):
    rng = np.random.default_rng(seed)
    x, y = np.empty(0), np.empty(0)
    while x.size < n:
        r = rng.gamma(2.0, 2.6, 4 * n)
        phi = rng.uniform(0, 2 * np.pi, r.size)
        xx, yy = r * np.cos(phi), r * np.sin(phi)
        keep = np.hypot(xx + r_sun, yy) < radius_kpc
        x, y = np.r_[x, xx[keep]], np.r_[y, yy[keep]]
    x, y = x[:n], y[:n]
    e = np.exp(rng.normal(np.log(8.0), 0.6, n))
    phase = 2 * (np.log(np.hypot(x, y) / 8.2) / np.tan(np.radians(12)) + np.arctan2(y, -x))
    return x, y, 25.0 * np.sin(phase) + rng.normal(0, 12.0, n) + rng.normal(0, 1, n) * e, e


def run_case(n: int, seed: int) -> dict:
    from hotstars import vrfield
    base_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    x, y, v, e = synthetic_stars(n, seed)
    t0 = time.perf_counter()
    field = vrfield.vr_field(x, y, v, e)
    t1 = time.perf_counter()
    return {"n": n, "seconds": t1 - t0, "base_mb": base_mb,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "pixels": len(field), "supported": int(field["supported"].sum()),
            "h": field.attrs["bandwidth_kpc"],
            "median_err": float(np.nanmedian(field["vR_smooth_err"]))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-stars", type=int, nargs="+", default=[140_000, 35_000])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rows = []
    for n in args.n_stars:
        with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
            rows.append(pool.submit(run_case, n, args.seed).result())
    print("| stars | vr_field (s) | peak RSS (MB; after imports) | pixels (supported) | "
          "bandwidth (kpc) | median error (km/s) |\n|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['n']:,} | {r['seconds']:.1f} | {r['peak_mb']:.0f} ({r['base_mb']:.0f}) | "
              f"{r['pixels']:,} ({r['supported']:,}) | {r['h']:g} | {r['median_err']:.2f} |")


if __name__ == "__main__":
    main()
