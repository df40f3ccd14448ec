"""The README's table of every benchmark target beside its last measured figure.

Each benchmark script that checks a target records its figures with :func:`record` in
``benchmarks/results/<script>.json`` (committed: the measurements behind the README) and
re-renders the table between the markers ``<!-- targets:start -->`` and ``<!-- targets:end -->``
in README.md. Run this script alone to re-render the table from the recorded files:

    python benchmarks/targets.py            # re-render the table
    python benchmarks/targets.py --machine  # this machine's reference timings only

Every record carries the machine's reference timings (:func:`machine_reference`), so that
figures measured on different machines (or on one shared machine on a busy day) can be put
side by side: a job's import floor (a fresh interpreter importing pandas, pyarrow's Parquet
and a matplotlib figure, as every workflow job does) and a single-core pure-Python loop.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
MARKERS = ("<!-- targets:start -->", "<!-- targets:end -->")
ORDER = ["presets_small", "presets_paper", "presets_full", "real_width_inputs", "dag", "ci"]


def row(measure: str, value: float, limit: float, unit: str, fmt: str = "{:.1f}",
        at_most: bool = True) -> dict:
    """One target: ``measure`` (what), the measured ``value`` and the ``limit`` (≤ unless
    ``at_most`` is False), in ``unit``."""
    met = value <= limit if at_most else value >= limit
    return {"measure": measure, "value": float(value), "limit": float(limit), "unit": unit,
            "text": fmt.format(value), "limit_text": ("≤ " if at_most else "≥ ") + fmt.format(limit),
            "met": bool(met)}


#: what a workflow job imports before its own work (Python, pandas, Parquet, a figure)
JOB_IMPORTS = "import pandas, pyarrow.parquet, matplotlib.figure"
LOOP_N = 5_000_000


def _loop(n: int) -> int:
    total = 0
    for i in range(n):
        total += i
    return total


def machine_reference(repeats: int = 3) -> dict:
    """This machine's speed, median of ``repeats``: ``imports_s``, a fresh interpreter doing
    :data:`JOB_IMPORTS` (the floor of every job); ``loop_s``, :data:`LOOP_N` iterations of a
    pure-Python loop on one core. Both measured now, so run it on an otherwise idle machine."""
    imports, loops = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", JOB_IMPORTS], check=True)
        imports.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        _loop(LOOP_N)
        loops.append(time.perf_counter() - t0)
    return {"imports_s": round(statistics.median(imports), 3),
            "loop_s": round(statistics.median(loops), 3)}


def machine_text(result: dict) -> str:
    """"x86_64, 2 CPUs" and, where recorded, the reference timings."""
    ref = result.get("reference")
    if not ref:
        return result["machine"]
    return f"{result['machine']}; job imports {ref['imports_s']:.2f} s, loop {ref['loop_s']:.2f} s"


def record(script: str, command: str, rows: list[dict], readme: Path = ROOT / "README.md",
           reference: dict | None = None) -> None:
    """Save ``rows`` (from :func:`row`) of benchmark ``script`` run as ``command``, with the
    machine's reference timings (``reference``, else measured now: see
    :func:`machine_reference`); re-render the README table."""
    RESULTS.mkdir(exist_ok=True)
    out = {"script": script, "command": command, "date": str(datetime.date.today()),
           "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
           "reference": reference or machine_reference(), "rows": rows}
    (RESULTS / f"{script}.json").write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    render(readme)


def table() -> str:
    lines = ["| measure | target | measured | met | benchmark (date) |", "|---|---:|---:|:---:|---|"]
    paths = sorted(RESULTS.glob("*.json"),
                   key=lambda p: (ORDER.index(p.stem) if p.stem in ORDER else len(ORDER), p.stem))
    for path in paths:
        result = json.loads(path.read_text())
        for r in result["rows"]:
            lines.append(f"| {r['measure']} | {r['limit_text']} {r['unit']} | {r['text']} {r['unit']} "
                         f"| {'yes' if r['met'] else '**no**'} | `{result['command']}` "
                         f"({result['date']}, {machine_text(result)}) |")
    return "\n".join(lines)


def replace_block(readme: Path, markers: tuple[str, str], block: str) -> None:
    """Put ``block`` between the two ``markers`` lines of ``readme`` (replacing what was there)."""
    text = readme.read_text()
    start, end = (text.index(m) for m in markers)
    readme.write_text(text[:start + len(markers[0])] + "\n" + block + "\n" + text[end:])


def render(readme: Path = ROOT / "README.md") -> None:
    replace_block(readme, MARKERS, table())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machine", action="store_true",
                        help="print this machine's reference timings only")
    if parser.parse_args().machine:
        print(json.dumps(machine_reference()))
    else:
        render()
        print(table())
