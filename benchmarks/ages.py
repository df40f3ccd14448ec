"""Benchmark: hotstars.ages fast posteriors vs the plain reference; sharded wall time and memory.

Stars: the mock HSS (results/mock/sample/hss.parquet + results/mock/kinematics/kinematics.parquet, made by
``snakemake --cores 2``) resampled with replacement and jittered by half their own errors (Teff,
log g, Ks; the scatter grows by only sqrt(1.25)), so any sample size has about the HSS's
distribution of observables and errors. Grid:
resources/isochrones/grid_<digest>.parquet (the paper's 61 ages x 10 [Fe/H]).

1. Speed on one core (BLAS limited to 1 thread): stars/s of ``posteriors`` and of
   ``posteriors_reference`` on the same stars, and their largest difference.
2. The rule scripts end to end (read, compute, write) for each size: ``--shards`` compute_ages
   processes in parallel (one per core), then gather_ages; wall times and peak RSS.

Usage (from the repository root):

    python benchmarks/ages.py [--sizes 45000 500000] [--shards 2] [--n-ref 300] [--seed 1]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one core per process (the reference's gemv)
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from types import SimpleNamespace  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
HSS = ROOT / "results/mock/sample/hss.parquet"
KIN = ROOT / "results/mock/kinematics/kinematics.parquet"
GRID = next(iter(sorted((ROOT / "resources/isochrones").glob("grid_*.parquet"))),
            ROOT / "resources/isochrones/grid_<digest>.parquet")
LOG_AGE = {"min": 6.0, "max": 9.0, "step": 0.05}
PRIORS = {"age_prior": "uniform_age", "imf_exponent": 2.7,
          "metallicity_prior": {"slope": -0.0678, "intercept": 0.546, "sigma": 0.1}}
HSS_COLUMNS = ["source_id", "teff", "e_teff", "logg", "e_logg", "ks_m", "ks_msigcom",
               "r_med_photogeo", "r_lo_photogeo", "r_hi_photogeo"]


def resampled(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(HSS, kinematics) tables of ``n`` stars resampled from the mock HSS, jittered."""
    from hotstars.io import tables
    for p in (HSS, KIN, GRID):
        if not p.exists():
            sys.exit(f"{p} is missing: run `snakemake --cores 2` in {ROOT} first")
    hss = tables.read_table(HSS)[HSS_COLUMNS]
    r = tables.read_table(KIN).set_index("source_id")["R"].reindex(hss["source_id"]).to_numpy()
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(hss), n)
    out = hss.iloc[pick].reset_index(drop=True)
    out["teff"] *= np.exp(0.5 * rng.normal(size=n) * out["e_teff"] / out["teff"])
    out["logg"] += 0.5 * rng.normal(size=n) * out["e_logg"]
    out["ks_m"] += 0.5 * rng.normal(size=n) * out["ks_msigcom"]
    out["source_id"] = np.arange(n, dtype=np.int64) * 7 + 11
    return out, pd.DataFrame({"source_id": out["source_id"], "R": r[pick]})


def speed(n_ref: int, n_fast: int, seed: int) -> None:
    from hotstars import ages
    from hotstars.io import tables
    hss, kin = resampled(max(n_ref, n_fast), seed)
    inputs = ages.age_inputs(hss, kin)
    grid = tables.read_table(GRID)
    axis = ages.log_age_axis(LOG_AGE)
    t0 = time.perf_counter()
    prepared = ages.prepare_grid(grid, axis)
    t_prep = time.perf_counter() - t0
    priors = ages.AgePriors.from_config(PRIORS)
    sub = inputs.iloc[:n_ref]
    ages.posteriors(sub.iloc[:50], prepared, priors)  # warm-up
    t0 = time.perf_counter()
    fast = ages.posteriors(sub, prepared, priors)[0]
    t_fast_sub = time.perf_counter() - t0
    t0 = time.perf_counter()
    ref = ages.posteriors_reference(sub, grid, axis, priors)
    t_ref = time.perf_counter() - t0
    t0 = time.perf_counter()
    _, n_points, flag = ages.posteriors(inputs.iloc[:n_fast], prepared, priors)
    t_fast = time.perf_counter() - t0
    ok = ~np.isnan(ref).any(axis=1)
    diff = (np.abs(fast[ok] - ref[ok]).max(axis=1) / ref[ok].max(axis=1)).max()
    rate_ref, rate_fast = n_ref / t_ref, n_fast / t_fast
    print(f"prepare_grid: {t_prep:.2f} s; median points with chi2 <= 100 per star: "
          f"{np.median(n_points):.0f} of {len(prepared.iso):,}; flags 0/1/2: "
          f"{np.bincount(flag, minlength=3).tolist()}")
    print("| one core | stars/s | us/star |\n|---|---:|---:|")
    print(f"| plain reference ({n_ref} stars) | {rate_ref:,.0f} | {1e6 / rate_ref:,.0f} |")
    print(f"| fast path, same {n_ref} stars | {n_ref / t_fast_sub:,.0f} | "
          f"{1e6 * t_fast_sub / n_ref:,.0f} |")
    print(f"| fast path ({n_fast} stars) | {rate_fast:,.0f} | {1e6 / rate_fast:,.0f} |")
    print(f"\nspeed-up {rate_fast / rate_ref:.0f}x ({t_ref / t_fast_sub:.0f}x on the same "
          f"{n_ref} stars); max |fast - reference| / max(reference) = {diff:.1e}\n")


def one_shard(folder: Path, i: int, n: int) -> dict:
    """Run scripts/compute_ages.py's main on shard i of n; wall time and peak RSS."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import compute_ages
    t0 = time.perf_counter()
    compute_ages.main(SimpleNamespace(
        input=SimpleNamespace(hss=folder / "hss.parquet", kinematics=folder / "kin.parquet",
                              grid=GRID),
        params=SimpleNamespace(shard=i, n_shards=n, log_age=LOG_AGE, priors=PRIORS,
                               extinction_column=None, window_sigma=10.0),
        output=SimpleNamespace(ages=folder / f"ages_{i}-of-{n}.parquet",
                               posteriors=folder / f"posteriors_{i}-of-{n}.parquet"),
        log=[str(folder / f"shard_{i}.log")]))
    return {"wall_s": time.perf_counter() - t0,
            "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def one_gather(folder: Path, n: int) -> dict:
    """Run scripts/gather_ages.py's main on the n shards; wall time and peak RSS."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import gather_ages
    t0 = time.perf_counter()
    gather_ages.main(SimpleNamespace(
        input=SimpleNamespace(ages=[folder / f"ages_{i}-of-{n}.parquet" for i in range(n)],
                              posteriors=[folder / f"posteriors_{i}-of-{n}.parquet"
                                          for i in range(n)]),
        output=SimpleNamespace(ages=folder / "ages.parquet", posteriors=folder / "posteriors.parquet"),
        log=[str(folder / "gather.log")]))
    return {"wall_s": time.perf_counter() - t0,
            "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)


def result(proc: subprocess.Popen) -> dict:
    return json.loads(proc.communicate()[0].strip().splitlines()[-1])


def sharded(n_stars: int, n_shards: int, seed: int) -> None:
    from hotstars.io import tables
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        hss, kin = resampled(n_stars, seed)
        tables.write_table(hss, folder / "hss.parquet")
        tables.write_table(kin, folder / "kin.parquet")
        t0 = time.perf_counter()
        res = [result(p) for p in [run("--shard", str(i), str(n_shards), tmp)
                                   for i in range(n_shards)]]
        t_compute = time.perf_counter() - t0
        gath = result(run("--gather", str(n_shards), tmp))
        widened = sum(int(line.split(" of ")[0].split(": ")[-1])
                      for i in range(n_shards)
                      for line in (folder / f"shard_{i}.log").read_text().splitlines()
                      if "window widened" in line)
    print(f"| {n_stars:,} | {n_shards} | {t_compute:.1f} | "
          f"{max(r['max_rss_mb'] for r in res):.0f} | {gath['wall_s']:.1f} | "
          f"{gath['max_rss_mb']:.0f} | {widened} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[45_000, 500_000])
    parser.add_argument("--shards", type=int, default=2)
    parser.add_argument("--n-ref", type=int, default=300)
    parser.add_argument("--n-fast", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--shard", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--gather", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.shard:
        i, n, folder = args.shard
        print(json.dumps(one_shard(Path(folder), int(i), int(n))))
        return
    if args.gather:
        print(json.dumps(one_gather(Path(args.gather[1]), int(args.gather[0]))))
        return
    speed(args.n_ref, args.n_fast, args.seed)
    print("| stars | shards in parallel | compute wall (s) | peak RSS per shard (MB) "
          "| gather (s) | gather peak RSS (MB) | stars widened |\n"
          "|---:|---:|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        sharded(n, args.shards, args.seed)


if __name__ == "__main__":
    main()
