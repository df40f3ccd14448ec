"""`snakemake --report`: every figure of the workflow with its caption, and the tables with real numbers.

Built from the session's small-mock run (fixture `run_dir`); the report takes ~7 s. Snakemake 9's
single-file report embeds each result in ``<script id="results"> var results = {path: {labels,
caption (HTML), mime_type, data_uri (base64)}}`` and the front page in ``var workflow_desc``.
"""

import base64
import html
import json
import re
import time

import pandas as pd
import pytest
from workflow_utils import RUN, snakemake

pytestmark = pytest.mark.workflow

TABLES = (f"{RUN}/tables/cutflow.html", f"{RUN}/tables/crossmatch.html",
          f"{RUN}/tables/summary.html")


def _script_var(page: str, script_id: str, name: str):
    match = re.search(rf'<script id="{script_id}">\s*var {name} = ', page)
    assert match, f"no {name} in the report"
    return json.JSONDecoder().raw_decode(page, match.end())[0]


def _text(fragment: str) -> str:
    """Plain text of an HTML fragment, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _rows(page: str) -> list[list[str]]:
    """Cell texts of every table row of an HTML page."""
    return [[_text(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", page, re.S)]


@pytest.fixture(scope="module")
def report(run_dir, tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "report.html"
    start = time.perf_counter()
    snakemake(run_dir, "--report", str(path))
    print(f"snakemake --report: {time.perf_counter() - start:.1f} s, {path.stat().st_size / 1e6:.1f} MB")
    page = path.read_text(encoding="utf-8")
    return {"results": _script_var(page, "results", "results"),
            "categories": _script_var(page, "categories", "categories"),
            "front": _script_var(page, "workflow-desc", "workflow_desc")}


@pytest.fixture(scope="module")
def products(run_dir):
    """Every output file of the workflow's DAG (`snakemake --summary`: final products and all
    they need), independent of what the report contains."""
    lines = snakemake(run_dir, "--summary").stdout.splitlines()
    return [line.split("\t")[0] for line in lines[1:] if "\t" in line]


def _embedded(entry) -> bytes:
    return base64.b64decode(entry["data_uri"].split("base64,", 1)[1])


def test_every_figure_is_in_the_report_with_its_caption(run_dir, report, products):
    figures = sorted(p for p in products if p.endswith(".png"))
    # the product list and the run agree, so the check below covers every figure made
    assert figures == sorted(str(p.relative_to(run_dir))
                             for p in (run_dir / RUN / "figures").glob("*.png"))
    assert len(figures) >= 21
    results = report["results"]
    missing = [f for f in figures if f not in results]
    assert not missing, f"figures not in the report: {missing}"
    for path in figures:
        entry = results[path]
        assert entry["mime_type"] == "image/png"
        assert _embedded(entry) == (run_dir / path).read_bytes(), path
        label, caption = entry["labels"]["figure"], _text(entry["caption"])
        paper_figure = re.match(r"Fig\. [A-D]?\.?\d+", label)
        if paper_figure:  # says which figure of the paper it reproduces
            assert f"Zari et al. (2025), {paper_figure.group()}" in caption, (path, caption)
        else:             # the mock's own truth checks
            assert "not a figure of Zari et al. 2025" in caption, (path, caption)
        assert "mock" in caption.lower(), f"{path}: the caption does not say the data are the mock"
        assert len(caption) > 300, path
    assert set(figures) <= {p for cat in report["categories"].values() for sub in cat.values()
                            for p in sub}


def test_captions_render_cleanly(report):
    for path, entry in report["results"].items():
        assert entry["caption"], f"{path} has no caption"
        for bad in ("system-message", "problematic", "{{", "{%"):  # rst errors, unrendered Jinja
            assert bad not in entry["caption"], (path, bad)
    front = _text(report["front"])
    assert "built-in mock survey" in front and "in later stages" not in front
    assert "system-message" not in report["front"]


def test_tables_show_the_run_numbers_beside_the_papers(run_dir, report, products):
    results = report["results"]
    assert set(TABLES) <= set(products)
    for path in TABLES:
        assert results[path]["mime_type"] == "text/html" and path in report["categories"]["Tables"]["Other"]
    pages = {path: _embedded(results[path]).decode() for path in TABLES}
    assert all(page == (run_dir / path).read_text() for path, page in pages.items())

    cutflow = pd.read_csv(run_dir / RUN / "sample" / "cutflow.csv")
    rows = {row[0]: row for row in _rows(pages[TABLES[0]])}
    assert list(rows)[1:] == cutflow["step"].tolist()
    hss = rows["distance"]
    assert hss[2] == f"{cutflow['n_spectra'].iloc[-1]:,}" and hss[4] == f"{cutflow['n_stars'].iloc[-1]:,}"
    assert hss[-1] == "45,487"  # the paper's HSS

    table1 = pd.read_csv(run_dir / RUN / "comparisons" / "table1_als3.csv")
    d23 = json.loads((run_dir / RUN / "comparisons" / "d23_overlap.json").read_text())
    rows = _rows(pages[TABLES[1]])
    hss_column = table1.columns[2]
    assert rows[0][1] == hss_column
    assert [r[1].split(" (")[0] for r in rows[1:3]] == [f"{v:,}" for v in table1[hss_column]]
    assert rows[1][-1] == "2,960 (21 %) of 14,273"
    d23_rows = {r[0]: r for r in rows[3:]}
    assert d23_rows[f"HSS stars in D23 (of {d23['n_hss']:,})"][1] == f"{d23['n_hss_in_d23']:,}"

    summary = json.loads((run_dir / RUN / "summary.json").read_text())
    rows = _rows(pages[TABLES[2]])
    header, body = rows[0], {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}
    assert header[:4] == ["key", "quantity", "ours", "paper"]
    assert len(body) == sum(len(v) for k, v in summary.items()
                            if not k.startswith("_") and k != "provenance")
    teff = body["sample.n_stars_teff"]
    assert teff["ours"] == f"{summary['sample']['n_stars_teff']['ours']:,}" and teff["paper"] == "45,487"
    assert teff["paper reference"] == "Sec. 2.2"
    assert float(teff["relative difference (%)"]) < -50  # the small mock is ~1/8 of DR20
