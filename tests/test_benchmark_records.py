"""benchmarks/targets.py: the recorded figures, the machine they were measured on, the README table."""

import json
import sys

from workflow_utils import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import targets  # noqa: E402


def test_records_carry_the_machine_reference_and_the_table_shows_it(tmp_path, monkeypatch):
    monkeypatch.setattr(targets, "RESULTS", tmp_path / "results")
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n{targets.MARKERS[0]}\nold\n{targets.MARKERS[1]}\nrest\n")
    rows = [targets.row("CI: a run", 7.25, 5.0, "min")]
    targets.record("ci", "python benchmarks/ci.py", rows, readme=readme,
                   reference={"imports_s": 0.61, "loop_s": 0.305})
    saved = json.loads((tmp_path / "results" / "ci.json").read_text())
    assert saved["reference"] == {"imports_s": 0.61, "loop_s": 0.305}
    assert saved["rows"][0]["met"] is False and saved["rows"][0]["text"] == "7.2"
    # a record from before the reference existed renders as it did
    old = dict(saved, script="dag", reference=None, rows=[targets.row("DAG", 2.8, 10.0, "s")])
    (tmp_path / "results" / "dag.json").write_text(json.dumps(old))
    targets.render(readme)
    text = readme.read_text()
    assert "old" not in text and text.endswith(f"{targets.MARKERS[1]}\nrest\n")
    lines = text.splitlines()
    dag, ci = (line for line in lines if line.startswith(("| CI", "| DAG")))  # ORDER: dag, ci
    assert "| 7.2 min | **no** |" in ci and "job imports 0.61 s, loop 0.30 s)" in ci
    assert "| 2.8 s | yes |" in dag and "job imports" not in dag


def test_machine_reference_times_the_job_imports_and_the_loop():
    ref = targets.machine_reference(repeats=1)
    assert set(ref) == {"imports_s", "loop_s"}
    # an interpreter importing pandas, pyarrow and matplotlib takes a measurable time
    assert 0.05 < ref["imports_s"] < 60 and 0.0 < ref["loop_s"] < 60
