"""benchmarks/targets.py and ci.py: the recorded figures, the machine they were measured on, the
README tables; tests/cpu_log.py: the CPU time each test logs for ci.py."""

import json
import os
import subprocess
import sys

import cpu_log
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


def test_each_test_logs_its_cpu_time_its_child_processes_included(tmp_path):
    """tests/cpu_log.py: a test is charged the CPU time of the processes it starts; counted by
    cgroup (where it can make one), also that of a process that detaches from it."""
    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.4: pass"
    (tmp_path / "test_burn.py").write_text(
        "import subprocess, sys, time\n\n"
        f"BURN = {burn!r}\n\n"
        "def test_child():\n"
        "    subprocess.run([sys.executable, '-c', BURN], check=True)\n\n"
        "def test_detached():\n"  # the shell ends at once; its child runs on, orphaned
        "    subprocess.run(f'{sys.executable} -c \"{BURN}\" > /dev/null 2>&1 &', shell=True)\n"
        "    time.sleep(1.5)\n\n"
        "def test_idle():\n"
        "    pass\n")
    log = tmp_path / "cpu.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-c", "/dev/null", "-p", "cpu_log",
         "-p", "no:cacheprovider", "--rootdir", str(tmp_path), str(tmp_path / "test_burn.py")],
        cwd=tmp_path, capture_output=True, text=True,
        env=dict(env, HOTSTARS_TEST_CPU=str(log), PYTHONPATH=str(ROOT / "tests")))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = {json.loads(line)["test"].split("::")[-1]: json.loads(line)
             for line in log.read_text().splitlines()}
    assert set(lines) == {"test_child", "test_detached", "test_idle"}
    assert lines["test_child"]["module"] == "test_burn.py"
    assert lines["test_child"]["cpu_s"] >= 0.4 > lines["test_idle"]["cpu_s"]
    if lines["test_child"]["counted"] == "cgroup":  # getrusage cannot see the detached process
        assert lines["test_detached"]["cpu_s"] >= 0.4
    here = cpu_log._current_cgroup()  # the test run's cgroup is removed when it ends
    assert here is None or not list(here.glob("hotstars-cpu-*"))


def test_ci_sums_the_cpu_log_by_module_and_shows_the_rest_and_the_outside():
    import ci

    lines = [{"module": f"test_{m}.py", "test": f"t{i}", "cpu_s": c, "wall_s": 2 * c}
             for i, (m, c) in enumerate([("a", 1.0), ("b", 30.0), ("a", 4.0)]
                                        + [(f"x{k}", 0.5) for k in range(ci.SHOWN)])]
    modules = ci.by_module(lines)
    assert [m["module"] for m in modules[:2]] == ["test_b.py", "test_a.py"]
    assert modules[1] == {"module": "test_a.py", "tests": 2, "cpu_s": 5.0, "wall_s": 10.0}
    table = ci.cpu_markdown(modules, total_cpu_s=100.0, wall_s=600.0, counted="cgroup").splitlines()
    assert table[0].startswith("`bash .ci/run` on a clean clone: 10.0 min wall, 1.7 min of CPU "
                               "(counted by cgroup: every process the tests started)")
    assert "| `test_b.py` | 1 | 30 | 30% | 60 |" in table
    assert "| the other 2 modules | 2 | 1 | 1% | 2 |" in table  # SHOWN by name, then the rest
    assert table[-1].startswith("| outside the tests") and "| 60 | 60% |" in table[-1]
