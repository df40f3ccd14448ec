"""Benchmark: wall time and peak memory of the mock survey and of ingestion + HSS + velocities.

Runs the workflow in a private copy at the chosen mock preset (default: paper, the DR20 size)
up to results/rv/vlos.parquet and prints a Markdown table from Snakemake's per-rule benchmark
files (s = wall clock seconds, max_rss = peak resident memory in MB). Usage:

    python benchmarks/sample_stage.py [--preset paper] [--cores 2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from workflow_utils import copy_workflow, snakemake  # noqa: E402

RULES = ["build_isochrone_grid", "simulate_survey", "ingest", "select_hss", "average_vlos"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="paper")
    parser.add_argument("--cores", default="2")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = copy_workflow(Path(tmp) / "wf")
        overlay = workdir / "preset.yaml"
        overlay.write_text(f"mock:\n  preset: {args.preset}\n")
        snakemake(workdir, "--cores", args.cores, "--configfile", "config/config.yaml", str(overlay),
                  "results/rv/vlos.parquet")
        rows = []
        for rule in RULES:
            bench = pd.read_csv(workdir / "results" / "benchmarks" / f"{rule}.tsv", sep="\t")
            rows.append((rule, float(bench["s"].iloc[0]), float(bench["max_rss"].iloc[0])))
        counts = pd.read_csv(workdir / "results" / "sample" / "cutflow.csv")
    print(f"preset {args.preset}, {args.cores} cores\n")
    print("| rule | wall time (s) | peak memory (MB) |\n|---|---:|---:|")
    for rule, seconds, rss in rows:
        print(f"| {rule} | {seconds:.1f} | {rss:.0f} |")
    sample = sum(s for r, s, _ in rows if r in ("ingest", "select_hss", "average_vlos"))
    print(f"| ingestion + HSS + velocities | {sample:.1f} | "
          f"{max(m for r, _, m in rows if r in ('ingest', 'select_hss', 'average_vlos')):.0f} |")
    print("\n" + counts.to_string(index=False))


if __name__ == "__main__":
    main()
