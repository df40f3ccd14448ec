"""Benchmark: wall time and peak memory of the workflow's stages on the mock survey.

Runs the workflow in a private copy at the chosen mock preset (default: paper, the DR20 size)
stage by stage and prints a Markdown table for the README:
1. the mock survey (after the isochrone grid it needs),
2. ingestion + HSS + velocities (rules ingest, select_hss, average_vlos),
3. kinematics (kinematics_inputs, compute_kinematics),
4. the v_phi window and the 250 pc maps (flag_vphi_window, build_maps),
5. the age posteriors (compute_ages per shard, gather_ages).
Per stage: wall time and the peak RSS of the largest process (GNU time's %M over Snakemake and
its jobs). Per rule: Snakemake's own benchmark files (`s`, `max_rss`; sampled, may miss short
peaks). Usage:

    python benchmarks/workflow_stages.py [--preset paper] [--cores 2]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from workflow_utils import RUN, copy_workflow  # noqa: E402

STAGES = {
    "mock survey (simulate_survey)": ("simulate_survey", ["simulate_survey"]),
    "ingestion + HSS + velocities": ("average_vlos", ["ingest", "select_hss", "average_vlos"]),
    "kinematics": ("compute_kinematics", ["kinematics_inputs", "compute_kinematics"]),
    "v_phi window + maps (250 pc)": (f"{RUN}/maps/vR_250pc.parquet",
                                     ["flag_vphi_window", "build_maps_250pc"]),
    "ages (4 shards on 2 cores)": ("gather_ages",
                                   [f"compute_ages_{i}-of-4" for i in range(1, 5)] + ["gather_ages"]),
}


def timed_snakemake(workdir: Path, target: str | list[str], cores: str,
                    overlay: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of `snakemake TARGET...` under GNU time."""
    targets = [target] if isinstance(target, str) else list(target)
    cmd = ["/usr/bin/time", "-f", "%e %M", sys.executable, "-m", "snakemake", *targets,
           "--cores", cores, "--configfile", "config/config.yaml", str(overlay)]
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-4000:])
    seconds, kbytes = proc.stderr.strip().splitlines()[-1].split()
    return float(seconds), float(kbytes) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="paper")
    parser.add_argument("--cores", default="2")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = copy_workflow(Path(tmp) / "wf")
        overlay = workdir / "preset.yaml"
        overlay.write_text(f"mock:\n  preset: {args.preset}\n")
        timed_snakemake(workdir, "build_isochrone_grid", args.cores, overlay)
        stage_rows = [(name, *timed_snakemake(workdir, target, args.cores, overlay), rules)
                      for name, (target, rules) in STAGES.items()]
        bench = {rule: pd.read_csv(workdir / RUN / "benchmarks" / f"{rule}.tsv", sep="\t").iloc[0]
                 for _, _, _, rules in stage_rows for rule in rules}
        cutflow = pd.read_csv(workdir / RUN / "sample" / "cutflow.csv")
    print(f"preset `{args.preset}`, {args.cores} cores\n")
    print("| stage / rule | wall time (s) | peak memory (MB) |\n|---|---:|---:|")
    for name, seconds, rss, rules in stage_rows:
        print(f"| **{name}** (whole `snakemake` call) | {seconds:.1f} | {rss:.0f} |")
        for rule in rules:
            print(f"| rule `{rule}` (Snakemake benchmark) | {bench[rule]['s']:.1f} | "
                  f"{bench[rule]['max_rss']:.0f} |")
    print("\n" + cutflow.to_string(index=False))


if __name__ == "__main__":
    main()
