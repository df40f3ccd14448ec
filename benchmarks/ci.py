"""Benchmark: `bash .ci/run` on a clean clone of the committed HEAD, as CI runs it.

Clones this repository (committed state only) into a temporary folder, runs `bash .ci/run`
there (a fresh virtual environment, the lint and the whole test suite) and reports the wall
time, the CPU time of everything it ran and pytest's last line. With HOTSTARS_TEST_CPU set for
the run (tests/cpu_log.py), every test's CPU time is logged: the script sums it by test module,
so that the table shows where the suite's CPU goes (on 2 cores the suite keeps both busy: its
wall time is about its CPU time over 2). Target: <= 5 min on 2 cores; the script exits non-zero
when it is missed or CI fails. `--write-readme` records the figure for the README's target table
(benchmarks/targets.py) and rewrites the per-module table between `<!-- ci-cpu:start -->` and
`<!-- ci-cpu:end -->`. Usage:

    python benchmarks/ci.py [--write-readme] [--keep DIR]   # DIR/ci.log: the whole output
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import targets  # this folder

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
import cpu_log  # noqa: E402 (tests/: the CPU meter the tests log with)

TARGET_S = 5 * 60
CPU_MARKERS = ("<!-- ci-cpu:start -->", "<!-- ci-cpu:end -->")
SHOWN = 10  # modules shown by name; the rest are one row


def by_module(lines: list[dict]) -> list[dict]:
    """Per test module: tests, CPU seconds and the sum of the tests' wall seconds, most CPU first."""
    out: dict[str, dict] = {}
    for line in lines:
        row = out.setdefault(line["module"], {"module": line["module"], "tests": 0,
                                              "cpu_s": 0.0, "wall_s": 0.0})
        row["tests"] += 1
        row["cpu_s"] += line["cpu_s"]
        row["wall_s"] += line["wall_s"]
    return sorted(out.values(), key=lambda r: (-r["cpu_s"], r["module"]))


def cpu_markdown(modules: list[dict], total_cpu_s: float, wall_s: float, counted: str) -> str:
    """The README table: the modules with the most CPU, the rest, and what ran outside the tests."""
    shown, rest = modules[:SHOWN], modules[SHOWN:]
    rows = [(f"`{m['module']}`", m["tests"], m["cpu_s"], m["wall_s"]) for m in shown]
    if rest:
        rows.append((f"the other {len(rest)} modules", sum(m["tests"] for m in rest),
                     sum(m["cpu_s"] for m in rest), sum(m["wall_s"] for m in rest)))
    outside = total_cpu_s - sum(m["cpu_s"] for m in modules)
    how = {"cgroup": "counted by cgroup: every process the tests started",
           "rusage": "counted by getrusage: processes that detach from a test are missed"}[counted]
    lines = [f"`bash .ci/run` on a clean clone: {wall_s / 60:.1f} min wall, {total_cpu_s / 60:.1f} "
             f"min of CPU ({how}); measured {time.strftime('%Y-%m-%d')} by `python "
             "benchmarks/ci.py --write-readme`.", "",
             "| test module | tests | CPU (s) | share | tests' wall (s) |", "|---|---:|---:|---:|---:|"]
    lines += [f"| {name} | {n} | {cpu:,.0f} | {cpu / total_cpu_s:.0%} | {wall:,.0f} |"
              for name, n, cpu, wall in rows]
    lines.append(f"| outside the tests (install, lint, collection, xdist) | – | {outside:,.0f} | "
                 f"{outside / total_cpu_s:.0%} | – |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-readme", action="store_true")
    parser.add_argument("--keep", type=Path, help="clone into DIR (kept) instead of a temp folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        clone = args.keep or Path(tmp) / "clone"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        log = clone / "test_cpu.jsonl"
        meter = cpu_log.CpuMeter()  # the workers' cgroups are made below this one
        method = meter.method
        cpu0, t0 = meter.seconds(), time.perf_counter()
        try:
            proc = subprocess.run(["bash", ".ci/run"], cwd=clone, capture_output=True, text=True,
                                  env=dict(os.environ, **{cpu_log.ENV: str(log)}))
            seconds, cpu_s = time.perf_counter() - t0, meter.seconds() - cpu0
        finally:
            meter.close()
        (clone / "ci.log").write_text(proc.stdout + proc.stderr)  # kept with --keep
        lines = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
        modules = by_module(lines)
        counted = "cgroup" if lines and method == "cgroup" and all(
            line["counted"] == "cgroup" for line in lines) else "rusage"
    slowest = proc.stdout[proc.stdout.find("slowest"):].split("\n=")[0] if "slowest" in proc.stdout else ""
    print(slowest)
    tail = [line for line in proc.stdout.splitlines() if line.strip()][-1:] or ["(no output)"]
    print(f"`bash .ci/run` on a clean clone: {seconds:.0f} s, {cpu_s:.0f} s of CPU, "
          f"exit {proc.returncode}: {tail[0]}")
    if proc.returncode != 0:
        sys.exit(proc.stdout[-3000:] + proc.stderr[-3000:])
    if not modules:
        sys.exit("no test logged its CPU time (tests/cpu_log.py, HOTSTARS_TEST_CPU)")
    table = cpu_markdown(modules, cpu_s, seconds, counted)
    print(table)
    if args.write_readme:
        targets.replace_block(ROOT / "README.md", CPU_MARKERS, table)
        targets.record("ci", "python benchmarks/ci.py --write-readme",
                       [targets.row("CI: `bash .ci/run` on a clean clone", seconds / 60,
                                    TARGET_S / 60, "min", "{:.1f}")])
    if seconds > TARGET_S:
        sys.exit(f"target missed: {seconds:.0f} s > {TARGET_S} s")


if __name__ == "__main__":
    main()
