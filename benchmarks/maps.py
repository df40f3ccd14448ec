"""Benchmark: wall time and peak memory of density_map + vr_map (Eq. 4) on synthetic stars.

500k stars (default) over the 30 x 30 kpc square around the Galactic centre, either uniform (every
spaxel filled: the most spaxels) or an exponential disc (scale length 2.6 kpc: a dense centre and
a sparse edge), v_R = a spiral-like field + N(0, 12 km/s) + errors U(5, 20) km/s. Each case runs in
a fresh process; peak memory is that process's max RSS (baseline after imports shown apart).
Prints a Markdown table. Usage:

    python benchmarks/maps.py [--n-stars 500000] [--sizes-pc 250 125] [--seed 1]
"""

from __future__ import annotations

import argparse
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import numpy as np


def synthetic_stars(n: int, layout: str, seed: int):
    rng = np.random.default_rng(seed)
    if layout == "uniform":
        x, y = rng.uniform(-15, 15, (2, n))
    else:  # exponential disc, surface density ~ exp(-R / 2.6 kpc), kept inside the square
        x, y = np.empty(0), np.empty(0)
        while x.size < n:
            r = rng.gamma(2.0, 2.6, 2 * n)  # R of an exponential disc: R exp(-R/h)
            phi = rng.uniform(0, 2 * np.pi, r.size)
            keep = (np.abs(r * np.cos(phi)) < 15) & (np.abs(r * np.sin(phi)) < 15)
            x, y = np.r_[x, (r * np.cos(phi))[keep]], np.r_[y, (r * np.sin(phi))[keep]]
        x, y = x[:n], y[:n]
    e = rng.uniform(5.0, 20.0, n)
    field = 20.0 * np.sin(np.hypot(x, y) / 1.5 + 2 * np.arctan2(y, x))
    return x, y, field + rng.normal(0, 12.0, n) + rng.normal(0, 1, n) * e, e


def run_case(n: int, layout: str, size_pc: float, seed: int) -> dict:
    from hotstars import maps
    base_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    x, y, v, e = synthetic_stars(n, layout, seed)
    size = size_pc / 1000
    t0 = time.perf_counter()
    density = maps.density_map(x, y, size)
    t1 = time.perf_counter()
    vr = maps.vr_map(x, y, v, e, size)
    t2 = time.perf_counter()
    return {"layout": layout, "size_pc": size_pc, "n_density": len(density), "n_vr": len(vr),
            "t_density": t1 - t0, "t_vr": t2 - t1, "base_mb": base_mb,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "sigma_med": float(np.median(vr["sigma_R"])),
            "frac_sigma0": float(np.mean(vr["sigma_R"] == 0))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-stars", type=int, default=500_000)
    parser.add_argument("--sizes-pc", type=float, nargs="+", default=[250.0, 125.0])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rows = []
    for layout in ("uniform", "disc"):
        for size in args.sizes_pc:
            with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
                rows.append(pool.submit(run_case, args.n_stars, layout, size, args.seed).result())
    print(f"{args.n_stars} stars, 30 x 30 kpc\n")
    print("| layout | spaxel (pc) | spaxels (>=1 / >=6 stars) | density_map (s) | vr_map (s) | "
          "peak RSS (MB; after imports) | median sigma_R | sigma_R = 0 |\n"
          "|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['layout']} | {r['size_pc']:.0f} | {r['n_density']} / {r['n_vr']} | "
              f"{r['t_density']:.2f} | {r['t_vr']:.2f} | {r['peak_mb']:.0f} ({r['base_mb']:.0f}) | "
              f"{r['sigma_med']:.1f} | {100 * r['frac_sigma0']:.0f} % |")


if __name__ == "__main__":
    main()
