"""Benchmark: the whole workflow at the `small`, `paper` and `full` mock presets.

Each preset runs from nothing in its own private copy of the workflow, under GNU time (wall
time; peak RSS of the largest process): `small` as one `snakemake --cores N` (the default run a
newcomer types), `paper` and `full` as two calls, the mock (isochrone grid and `simulate_*`
rules) and then everything after it. Per rule, Snakemake's `benchmark:` files give the job's
wall time and sampled peak RSS, the latter raised to the job's own getrusage peak that its log
ends with (a sampled short peak can be missed). The script
prints a Markdown table and, with `--write-readme`, replaces the block between the markers
`<!-- presets:start -->` and `<!-- presets:end -->` in README.md and records its targets for
the README's target table (benchmarks/targets.py). Targets (2 cores): the default run (`small`,
isochrone grid included) <= 25 s with a median job <= 0.5 s; `paper` <= 5 min; `full` <= 100 s,
its mock <= 60 s and everything after it <= 40 s; no job above 3 GB. The script exits non-zero
when one is missed. Usage:

    python benchmarks/presets.py [--presets small paper full] [--cores 2] [--write-readme]
                                 [--keep DIR]   # keep benchmarks, logs in DIR/<preset>
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import shutil
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from workflow_utils import RUN, copy_workflow  # noqa: E402
from workflow_stages import timed_snakemake  # noqa: E402  (this folder)
import targets  # noqa: E402  (this folder)
from slurm_resources import logged_peak_mb  # noqa: E402  (this folder)

TARGET_WALL_S = {"small": 25, "paper": 5 * 60, "full": 100}
TARGET_MOCK_S, TARGET_AFTER_MOCK_S = 60, 40  # full preset
TARGET_MEDIAN_JOB_S = 0.5  # small preset
MAX_JOB_MB = 3000
MOCK_RULES = ["build_isochrone_grid", "simulate_survey", "simulate_side_catalogues",
              "simulate_cluster_catalogues", "simulate_auriga", "simulate_apogee"]
MARKERS = ("<!-- presets:start -->", "<!-- presets:end -->")
SHARD = re.compile(r"^(?P<rule>.+)_(?P<i>\d+)-of-(?P<n>\d+)$")  # scattergather benchmark names


def run_preset(preset: str, cores: str, workdir: Path, keep: Path | None = None) -> dict:
    """Run the whole workflow at PRESET; wall time, peak RSS and the per-job benchmark table."""
    copy_workflow(workdir)
    overlay = workdir / "preset.yaml"
    overlay.write_text(f"mock:\n  preset: {preset}\n")
    mock_s = after_s = None
    if preset != "small":  # the mock, then the rest: two figures
        mock_s, mock_mb = timed_snakemake(workdir, MOCK_RULES, cores, overlay)
    seconds, peak_mb = timed_snakemake(workdir, "all", cores, overlay)
    if mock_s is not None:
        after_s, seconds, peak_mb = seconds, seconds + mock_s, max(peak_mb, mock_mb)
    folder = workdir / RUN / "benchmarks"
    # max_rss: the larger of the sampled benchmark and the job's own getrusage peak (its log)
    jobs = pd.concat([pd.read_csv(path, sep="\t").assign(job=path.stem,
                                                        logged_mb=logged_peak_mb(folder, path))
                      for path in sorted(folder.glob("*.tsv"))])
    jobs["max_rss"] = jobs[["max_rss", "logged_mb"]].max(axis=1)
    cutflow = pd.read_csv(workdir / RUN / "sample" / "cutflow.csv")
    if keep:  # for benchmarks/slurm_resources.py KEEP/<preset>/benchmarks
        for part in ("benchmarks", "logs"):
            shutil.copytree(workdir / RUN / part, keep / preset / part, dirs_exist_ok=True)
        shutil.copy2(workdir / RUN / "summary.json", keep / preset / "summary.json")
    return {"wall_s": seconds, "peak_mb": peak_mb, "jobs": jobs, "cutflow": cutflow,
            "mock_s": mock_s, "after_mock_s": after_s}


def per_rule(jobs: pd.DataFrame) -> pd.DataFrame:
    """One row per rule: shards of a scattergather rule collapse into their maximum."""
    names = jobs["job"].str.extract(SHARD)
    jobs = jobs.assign(rule=names["rule"].fillna(jobs["job"]),
                       shards=pd.to_numeric(names["n"]).fillna(1).astype(int))
    return jobs.groupby("rule").agg(s=("s", "max"), max_rss=("max_rss", "max"),
                                    shards=("shards", "max"))


def sizes(cutflow: pd.DataFrame) -> str:
    """'targets / spectra / HSS stars' from the cut-flow table."""
    first, last = cutflow.iloc[0], cutflow.iloc[-1]
    return f"{int(first['n_stars']):,} targets, {int(first['n_spectra']):,} spectra, " \
           f"{int(last['n_stars']):,} HSS stars"


def markdown(results: dict[str, dict], cores: str) -> str:
    presets = list(results)
    head = "| rule | " + " | ".join(f"{p}: s | {p}: MB" for p in presets) + " |"
    rule_tables = {p: per_rule(r["jobs"]) for p, r in results.items()}
    rules = sorted(set().union(*(t.index for t in rule_tables.values())),
                   key=lambda rule: -max(t.loc[rule, "s"] for t in rule_tables.values()
                                         if rule in t.index))
    lines = [f"Measured {datetime.date.today()} on {platform.machine()} with {os.cpu_count()} CPUs, "
             f"`--cores {cores}`: `python benchmarks/presets.py --write-readme`.", ""]
    lines += [f"- `{p}`: {sizes(r['cutflow'])}" for p, r in results.items()]
    lines += ["", head, "|---|" + "---:|---:|" * len(presets)]
    lines.append("| **whole workflow** (wall; GNU time peak RSS) | " + " | ".join(
        f"**{r['wall_s']:.0f}** | **{r['peak_mb']:.0f}**" for r in results.values()) + " |")
    lines.append("| the mock, then everything after it (wall) | " + " | ".join(
        "one call | –" if r["mock_s"] is None else f"{r['mock_s']:.0f} + {r['after_mock_s']:.0f} | –"
        for r in results.values()) + " |")
    lines.append("| median job (Snakemake benchmark) | " + " | ".join(
        f"{r['jobs']['s'].median():.2f} | –" for r in results.values()) + " |")
    for rule in rules:
        cells = []
        for p in presets:
            table = rule_tables[p]
            if rule not in table.index:
                cells.append("– | –")
                continue
            row = table.loc[rule]
            shard = f" ({int(row['shards'])} shards, max)" if row["shards"] > 1 else ""
            cells.append(f"{row['s']:.1f}{shard} | {row['max_rss']:.0f}")
        lines.append(f"| `{rule}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def target_rows(results: dict[str, dict]) -> list[dict]:
    """Every target of the presets run (module docstring) with its measured figure."""
    return [row for p, r in results.items() for row in preset_rows(p, r)]


def preset_rows(p: str, r: dict) -> list[dict]:
    """The targets of preset ``p`` with their figures from its run ``r``."""
    what = "default run (`small`, from nothing)" if p == "small" else f"`{p}` preset, whole"
    rows = [targets.row(f"{what}: wall time", r["wall_s"], TARGET_WALL_S[p], "s", "{:.0f}")]
    if p == "small":
        rows.append(targets.row("default run: median job", r["jobs"]["s"].median(),
                                TARGET_MEDIAN_JOB_S, "s", "{:.2f}"))
    if p == "full":
        rows.append(targets.row("`full`: the mock", r["mock_s"], TARGET_MOCK_S, "s", "{:.0f}"))
        rows.append(targets.row("`full`: everything after the mock", r["after_mock_s"],
                                TARGET_AFTER_MOCK_S, "s", "{:.0f}"))
    rows.append(targets.row(f"`{p}`: largest job (peak RSS)", r["jobs"]["max_rss"].max(),
                            MAX_JOB_MB, "MB", "{:,.0f}"))
    return rows


def missed_targets(results: dict[str, dict]) -> list[str]:
    return [f"{r['measure']}: {r['text']} {r['unit']} (target {r['limit_text']} {r['unit']})"
            for r in target_rows(results) if not r["met"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["small", "paper", "full"])
    parser.add_argument("--cores", default="2")
    parser.add_argument("--write-readme", action="store_true")
    parser.add_argument("--keep", type=Path, help="copy each preset's benchmark files here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = {p: run_preset(p, args.cores, Path(tmp) / p, args.keep) for p in args.presets}
    table = markdown(results, args.cores)
    print(table)
    if args.write_readme:
        targets.replace_block(ROOT / "README.md", MARKERS, table)
        reference = targets.machine_reference()  # once, after the runs (the machine idle again)
        for p, r in results.items():  # one record per preset: a partial rerun keeps the others
            targets.record(f"presets_{p}", f"python benchmarks/presets.py --presets {p} "
                           "--write-readme", preset_rows(p, r), reference=reference)
    missed = missed_targets(results)
    if missed:
        sys.exit("targets missed:\n" + "\n".join(missed))


if __name__ == "__main__":
    main()
