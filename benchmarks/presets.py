"""Benchmark: the whole workflow at the `small`, `paper` and `full` mock presets.

Each preset runs from nothing (`snakemake --cores N`) in its own private copy of the workflow,
under GNU time (wall time; peak RSS of the largest process). Per rule, Snakemake's `benchmark:`
files give the job's wall time and peak RSS (`s`, `max_rss`; sampled, so a short peak can be
missed). The script prints a Markdown table and, with `--write-readme`, replaces the block
between the markers `<!-- presets:start -->` and `<!-- presets:end -->` in README.md.
Targets (issue 6): whole workflow at `paper` <= 5 min, at `full` <= 15 min, no job > 8 GiB;
the script exits non-zero when one is missed. Usage:

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

TARGET_WALL_S = {"paper": 5 * 60, "full": 15 * 60}
MAX_JOB_MB = 8 * 1024
MARKERS = ("<!-- presets:start -->", "<!-- presets:end -->")
SHARD = re.compile(r"^(?P<rule>.+)_(?P<i>\d+)-of-(?P<n>\d+)$")  # scattergather benchmark names


def run_preset(preset: str, cores: str, workdir: Path, keep: Path | None = None) -> dict:
    """Run the whole workflow at PRESET; wall time, peak RSS and the per-job benchmark table."""
    copy_workflow(workdir)
    overlay = workdir / "preset.yaml"
    overlay.write_text(f"mock:\n  preset: {preset}\n")
    seconds, peak_mb = timed_snakemake(workdir, "all", cores, overlay)
    jobs = pd.concat([pd.read_csv(path, sep="\t").assign(job=path.stem)
                      for path in sorted((workdir / RUN / "benchmarks").glob("*.tsv"))])
    cutflow = pd.read_csv(workdir / RUN / "sample" / "cutflow.csv")
    if keep:  # for benchmarks/slurm_resources.py KEEP/<preset>/benchmarks
        for part in ("benchmarks", "logs"):
            shutil.copytree(workdir / RUN / part, keep / preset / part, dirs_exist_ok=True)
        shutil.copy2(workdir / RUN / "summary.json", keep / preset / "summary.json")
    return {"wall_s": seconds, "peak_mb": peak_mb, "jobs": jobs,
            "cutflow": cutflow}


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


def missed_targets(results: dict[str, dict]) -> list[str]:
    missed = [f"{p}: whole workflow {r['wall_s']:.0f} s > {TARGET_WALL_S[p]} s"
              for p, r in results.items() if p in TARGET_WALL_S and r["wall_s"] > TARGET_WALL_S[p]]
    for p, r in results.items():
        big = r["jobs"][r["jobs"]["max_rss"] > MAX_JOB_MB]
        missed += [f"{p}: job {job} peaked at {mb:.0f} MB > {MAX_JOB_MB} MB"
                   for job, mb in zip(big["job"], big["max_rss"])]
    return missed


def write_readme(table: str, readme: Path = ROOT / "README.md") -> None:
    text = readme.read_text()
    start, end = (text.index(m) for m in MARKERS)
    readme.write_text(text[:start + len(MARKERS[0])] + "\n" + table + "\n" + text[end:])


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
        write_readme(table)
    missed = missed_targets(results)
    if missed:
        sys.exit("targets missed:\n" + "\n".join(missed))


if __name__ == "__main__":
    main()
