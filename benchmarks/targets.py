"""The README's table of every benchmark target beside its last measured figure.

Each benchmark script that checks a target records its figures with :func:`record` in
``benchmarks/results/<script>.json`` (committed: the measurements behind the README) and
re-renders the table between the markers ``<!-- targets:start -->`` and ``<!-- targets:end -->``
in README.md. Run this script alone to re-render the table from the recorded files:

    python benchmarks/targets.py
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
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


def record(script: str, command: str, rows: list[dict], readme: Path = ROOT / "README.md") -> None:
    """Save ``rows`` (from :func:`row`) of benchmark ``script`` run as ``command``; re-render
    the README table."""
    RESULTS.mkdir(exist_ok=True)
    out = {"script": script, "command": command, "date": str(datetime.date.today()),
           "machine": f"{platform.machine()}, {os.cpu_count()} CPUs", "rows": rows}
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
                         f"({result['date']}, {result['machine']}) |")
    return "\n".join(lines)


def replace_block(readme: Path, markers: tuple[str, str], block: str) -> None:
    """Put ``block`` between the two ``markers`` lines of ``readme`` (replacing what was there)."""
    text = readme.read_text()
    start, end = (text.index(m) for m in markers)
    readme.write_text(text[:start + len(markers[0])] + "\n" + block + "\n" + text[end:])


def render(readme: Path = ROOT / "README.md") -> None:
    replace_block(readme, MARKERS, table())


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    render()
    print(table())
