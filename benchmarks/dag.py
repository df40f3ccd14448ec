"""Benchmark: how long Snakemake takes to build the DAG with many age shards (target <= 10 s).

In a fresh private copy of the workflow (nothing built yet) with the overlay `ages: {shards: N}`
(default 100), times, over several repeats:

- `snakemake --list-rules`: parsing the Snakefile and config only;
- `snakemake -n`: parsing + the whole DAG and the job plan (the number the target is about);
- `snakemake --dag`: parsing + the DAG written as Graphviz dot.

Prints median and max of each and a Markdown line for the README; exits 1 if the dry-run's max
exceeds the target. `--cprofile` prints where one dry-run spends its time instead. Usage:

    python benchmarks/dag.py [--shards 100] [--repeats 5] [--cprofile] [--write-readme]
"""

from __future__ import annotations

import argparse
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from workflow_utils import copy_workflow  # noqa: E402

TARGET_S = 10.0
MODES = {"parse (--list-rules)": ["--list-rules"], "dry-run (-n)": ["-n"], "DAG (--dag)": ["--dag"]}


def timed(workdir: Path, args: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "snakemake", *args], cwd=workdir,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"snakemake {' '.join(args)} failed:\n{proc.stderr[-4000:]}")
    return seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shards", type=int, default=100, help="ages.shards (default 100)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cprofile", action="store_true", help="profile one dry-run (cProfile, cumulative)")
    parser.add_argument("--write-readme", action="store_true",
                        help="record the target in benchmarks/results and the README's target table")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="hotstars-dag-") as tmp:
        workdir = copy_workflow(Path(tmp) / "workflow")
        (workdir / "shards.yaml").write_text(f"ages:\n  shards: {args.shards}\n")
        overlay = ["--configfile", "config/config.yaml", "shards.yaml"]
        if args.cprofile:
            stats = Path(tmp) / "dry-run.prof"
            subprocess.run([sys.executable, "-m", "cProfile", "-o", str(stats), "-m", "snakemake", "-n",
                            *overlay], cwd=workdir, check=True, capture_output=True)
            pstats.Stats(str(stats)).sort_stats("cumulative").print_stats(30)
            return
        times = {mode: [timed(workdir, flags + overlay) for _ in range(args.repeats)]
                 for mode, flags in MODES.items()}
    print(f"ages.shards = {args.shards}, {args.repeats} repeats (seconds: median / max)")
    for mode, values in times.items():
        print(f"  {mode:22s} {statistics.median(values):6.2f} / {max(values):6.2f}")
    dry = times["dry-run (-n)"]
    ok = max(dry) <= TARGET_S
    print(f"\n| DAG + job plan (`snakemake -n`), {args.shards} age shards | "
          f"{statistics.median(dry):.1f} s median, {max(dry):.1f} s max (target ≤ {TARGET_S:.0f} s) |")
    if args.write_readme:
        import targets  # this folder
        targets.record("dag", "python benchmarks/dag.py --write-readme", [targets.row(
            f"DAG + job plan (`snakemake -n`), {args.shards} age shards (max of {args.repeats})",
            max(dry), TARGET_S, "s", "{:.1f}")])
    if not ok:
        print(f"over the {TARGET_S:.0f} s target: see `python benchmarks/dag.py --cprofile`", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
