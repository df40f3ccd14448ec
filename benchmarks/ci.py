"""Benchmark: `bash .ci/run` on a clean clone of the committed HEAD, as CI runs it.

Clones this repository (committed state only) into a temporary folder, runs `bash .ci/run`
there (a fresh virtual environment, the lint and the whole test suite) and reports the wall
time and pytest's last line. Target: <= 5 min on 2 cores; the script exits non-zero when it is
missed or CI fails. `--write-readme` records the figure for the README's target table
(benchmarks/targets.py). Usage:

    python benchmarks/ci.py [--write-readme] [--keep DIR]   # DIR/ci.log: the whole output
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import targets  # this folder

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 5 * 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-readme", action="store_true")
    parser.add_argument("--keep", type=Path, help="clone into DIR (kept) instead of a temp folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        clone = args.keep or Path(tmp) / "clone"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        t0 = time.perf_counter()
        proc = subprocess.run(["bash", ".ci/run"], cwd=clone, capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        (clone / "ci.log").write_text(proc.stdout + proc.stderr)  # kept with --keep
    slowest = proc.stdout[proc.stdout.find("slowest"):].split("\n=")[0] if "slowest" in proc.stdout else ""
    print(slowest)
    tail = [line for line in proc.stdout.splitlines() if line.strip()][-1:] or ["(no output)"]
    print(f"`bash .ci/run` on a clean clone: {seconds:.0f} s, exit {proc.returncode}: {tail[0]}")
    if proc.returncode != 0:
        sys.exit(proc.stdout[-3000:] + proc.stderr[-3000:])
    if args.write_readme:
        targets.record("ci", "python benchmarks/ci.py --write-readme",
                       [targets.row("CI: `bash .ci/run` on a clean clone", seconds / 60,
                                    TARGET_S / 60, "min", "{:.1f}")])
    if seconds > TARGET_S:
        sys.exit(f"target missed: {seconds:.0f} s > {TARGET_S} s")


if __name__ == "__main__":
    main()
