"""Reliability (issue 7): canonical product hashes, determinism, interrupted and resumed runs.

The workflow tests run the default workflow twice in all (session fixtures), each in a
private copy that imports its own ``src`` (PYTHONPATH; workflow/rules/common.smk puts it first
too) so edits to the repository during the session cannot leak in:

- clean run A: ``--cores 2``, PYTHONHASHSEED=0: the session's small-mock run (conftest.py
  ``small_mock_run``, which ``run_dir`` copies), whose workflow K copies;
- run K, from nothing in another directory, with everything A's settings could hide: ``--cores
  4`` on the same machine and every rule at 2 threads (so OpenBLAS/OpenMP run 2 threads per job
  and the job order differs), PYTHONHASHSEED=1; SIGKILLed (whole process group) while an age
  shard runs and after another has finished, then ``--unlock`` and ``--rerun-incomplete`` with
  the same settings.

Every product of K is made once, by K (the killed shard again after the kill), so K resumed
must give A's canonical hashes for every product under results/ and resources/ (PNG and other
files byte for byte): the determinism check across folder, cores, threads and hash seed, and
the recovery check in one run (a third run, uninterrupted with K's settings, was the same check
at the cost of a whole run of the workflow).
"""

import base64
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
from astropy.io import fits
from astropy.table import Table
from workflow_utils import RUN, copy_workflow, planned_jobs

from hotstars.io import hashing, tables

UPSTREAM_OF_AGES = {"simulate_survey", "ingest", "build_isochrone_grid", "select_hss",
                    "average_vlos", "kinematics_inputs", "compute_kinematics"}
SHARDS = 4  # config ages.shards
TIMEOUT_S = 1800
# A job may abort at interpreter exit ("terminate called without an active exception", SIGABRT;
# Arrow's thread pool, apache/arrow#34314): rerun a failed job once. A real failure fails twice.
RETRIES = ("--retries", "1")


# --- canonical hashes ---------------------------------------------------------------------------

def _table(meta=None):
    t = Table({"source_id": np.array([3, 1, 2], np.int64), "vlos": [1.5, np.nan, -2.0],
               "name": ["a", "bb", ""], "post": np.arange(6.0).reshape(3, 2)},
              meta={"seed": 7, "grid": [6.0, 6.05]} if meta is None else meta)
    t["vlos"].unit = "km / s"
    return t


def test_parquet_hash_ignores_file_layout_not_content(tmp_path):
    import pyarrow.parquet as pq

    t = _table()
    t.write(tmp_path / "a.parquet")
    base = hashing.product_hash(tmp_path / "a.parquet")
    # the same table, other row groups, compression and writer string
    arrow = pq.read_table(tmp_path / "a.parquet")
    pq.write_table(arrow, tmp_path / "b.parquet", row_group_size=1, compression="zstd",
                   write_statistics=False)
    assert hashing.product_hash(tmp_path / "b.parquet") == base
    # a NaN with another bit pattern (sign, payload) is the same NaN
    odd = t.copy()
    odd["vlos"][1] = np.frombuffer(np.uint64(0xFFF8_0000_0000_0001).tobytes(), np.float64)[0]
    assert np.isnan(odd["vlos"][1])
    odd.write(tmp_path / "c.parquet")
    assert hashing.product_hash(tmp_path / "c.parquet") == base

    def changed(edit):
        other = t.copy()
        edit(other)
        path = tmp_path / f"x{len(list(tmp_path.iterdir()))}.parquet"
        other.write(path)
        return hashing.product_hash(path)

    variants = [
        lambda x: x["vlos"].__setitem__(0, np.nextafter(1.5, 2.0)),  # 1 ulp
        lambda x: setattr(x["vlos"], "unit", "m / s"),
        lambda x: x.rename_column("vlos", "v_los"),
        lambda x: x.meta.__setitem__("seed", 8),
        lambda x: x.__setitem__("source_id", x["source_id"].astype(np.int32)),
        lambda x: x.__setitem__("name", ["a", "bb", " "]),
        lambda x: x.reverse(),
    ]
    hashes = {changed(edit) for edit in variants}
    assert base not in hashes and len(hashes) == len(variants)
    swapped = t[["vlos", "source_id", "name", "post"]]
    swapped.write(tmp_path / "swapped.parquet")
    assert hashing.product_hash(tmp_path / "swapped.parquet") != base  # column order is content


def test_fits_hash_ignores_dates_and_checksums(tmp_path):
    t = _table({"ORIGIN": "hotstars", "SEED": 7})
    t.write(tmp_path / "a.fits")
    t.meta["DATE"] = "2026-01-01T00:00:00"
    t.write(tmp_path / "b.fits")
    with fits.open(tmp_path / "b.fits") as hdul:
        hdul.writeto(tmp_path / "c.fits", checksum=True)  # adds CHECKSUM/DATASUM cards
    hashes = {hashing.product_hash(tmp_path / f"{n}.fits") for n in "abc"}
    assert len(hashes) == 1
    t.meta["ORIGIN"] = "elsewhere"
    t.write(tmp_path / "d.fits")
    assert hashing.product_hash(tmp_path / "d.fits") not in hashes
    # a second table HDU is content too
    with fits.open(tmp_path / "a.fits") as hdul:
        fits.HDUList([*hdul, fits.table_to_hdu(_table({}))]).writeto(tmp_path / "e.fits")
    assert hashing.product_hash(tmp_path / "e.fits") not in hashes


def test_csv_json_hdf5_hashes_follow_values(tmp_path):
    (tmp_path / "a.csv").write_text("step,n\nobserved,10\nsnr,2.50\n")
    (tmp_path / "b.csv").write_text("step,n\r\nobserved,10.0\r\nsnr,2.5\r\n")
    (tmp_path / "c.csv").write_text("step,n\nobserved,10\nsnr,2.51\n")
    a, b, c = (hashing.product_hash(tmp_path / f"{n}.csv") for n in "abc")
    assert a == b != c
    (tmp_path / "a.json").write_text('{"x": 1, "y": [1.0, NaN]}')
    (tmp_path / "b.json").write_text('{\n  "y": [1.0, NaN],\n  "x": 1\n}\n')
    (tmp_path / "c.json").write_text('{"x": 1, "y": [1.0, 2.0]}')
    a, b, c = (hashing.product_hash(tmp_path / f"{n}.json") for n in "abc")
    assert a == b != c

    def h5(name, attr, track_order=False):
        with h5py.File(tmp_path / name, "w", track_order=track_order) as f:
            f.attrs["n_files"] = 4
            group = f.create_group("PartType4")
            group.create_dataset("Velocities", data=np.arange(6.0).reshape(3, 2))
            group.create_dataset("Age", data=np.array([0.1, np.nan, attr]))
        return hashing.product_hash(tmp_path / name)

    assert h5("a.h5", 1.0) == h5("b.h5", 1.0, track_order=True) != h5("c.h5", 1.5)


def test_unreadable_product_is_named(tmp_path):
    _table().write(tmp_path / "a.parquet")
    data = (tmp_path / "a.parquet").read_bytes()
    (tmp_path / "cut.parquet").write_bytes(data[: len(data) // 2])
    with pytest.raises(hashing.ProductHashError, match="cut.parquet"):
        hashing.product_hash(tmp_path / "cut.parquet")


def test_killed_write_leaves_no_product_and_its_part_is_cleaned(tmp_path):
    """SIGKILL inside atomic_path: no target, a stale .part; the next write removes it."""
    target = tmp_path / "hss.parquet"
    code = ("import os, signal, sys\nfrom hotstars.io import tables\n"
            "with tables.atomic_path(sys.argv[1]) as tmp:\n"
            "    tmp.write_bytes(b'PAR1 half a table')\n"
            "    os.kill(os.getpid(), signal.SIGKILL)\n")
    proc = subprocess.run([sys.executable, "-c", code, str(target)], capture_output=True)
    assert proc.returncode == -signal.SIGKILL
    assert not target.exists()
    assert len(list(tmp_path.glob(".hss.parquet.*.part"))) == 1
    (tmp_path / ".other.parquet.x.part").write_text("another product's write")
    tables.write_table(pd.DataFrame({"a": [1.0]}), target)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.parquet.x.part", "hss.parquet"]
    assert tables.read_table(target)["a"].tolist() == [1.0]


# --- workflow runs ------------------------------------------------------------------------------

def _command(workdir: Path, seed: int) -> tuple[list[str], dict]:
    """``python -m snakemake`` with the copy's own src first on the path and a hash seed."""
    path = os.pathsep.join(filter(None, [str(workdir / "src"), os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, PYTHONHASHSEED=str(seed), PYTHONPATH=path, PYTHONUNBUFFERED="1")
    return [sys.executable, "-m", "snakemake"], env


def _run(workdir: Path, *args: str, seed: int, check: bool = True) -> subprocess.CompletedProcess:
    cmd, env = _command(workdir, seed)
    proc = subprocess.run([*cmd, *args], cwd=workdir, env=env, capture_output=True, text=True,
                          timeout=TIMEOUT_S)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed ({proc.returncode}):\n"
                             f"{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
    return proc


def _job_stats(text: str) -> dict[str, int]:
    match = re.search(r"Job stats:\n(.*?)\n\n", text, re.S)
    assert match, f"no job stats in:\n{text[-3000:]}"
    rows = (line.split() for line in match.group(1).splitlines()[2:])
    return {name: int(n) for name, n in rows if name != "total"}


def _incomplete(workdir: Path) -> list[str]:
    """Outputs Snakemake marks as incomplete (its markers are the base64 of the path)."""
    folder = workdir / ".snakemake" / "incomplete"
    names = [p.name for p in folder.iterdir()] if folder.is_dir() else []
    return sorted(base64.urlsafe_b64decode(n + "=" * (-len(n) % 4)).decode() for n in names)


def _diff(a: dict, b: dict) -> list[str]:
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


@pytest.fixture(scope="session")
def snapshot(small_mock_run, tmp_path_factory):
    """The workflow of run A (the session's small-mock run): run K copies this, so both run
    the same code."""
    return copy_workflow(tmp_path_factory.mktemp("snapshot") / "workflow", small_mock_run)


def _copy(snapshot: Path, tmp_path_factory, name: str) -> Path:
    return Path(shutil.copytree(snapshot, tmp_path_factory.mktemp(name) / "workflow"))


@pytest.fixture(scope="session")
def clean_a(small_mock_run):
    """Run A is the session's small-mock run (conftest.py): `snakemake --cores 2` in a private
    copy with PYTHONHASHSEED=0, its jobs on the copy's own src (workflow/rules/common.smk)."""
    return hashing.product_hashes(small_mock_run)


SEED_K = 1  # PYTHONHASHSEED of run K (A's is 0)


def _k_settings(workdir: Path) -> list[str]:
    """Run K's options: 4 cores and every rule at 2 threads (A: 2 cores, 1 thread per rule)."""
    listing = _run(workdir, "--list-rules", seed=SEED_K).stdout  # "name (docstring)" per line
    rules = re.findall(r"^(\w+)", listing, re.M)
    assert "compute_ages" in rules
    return ["--cores", "4", "--set-threads", *[f"{r}=2" for r in rules]]


@pytest.fixture(scope="session")
def killed(snapshot, tmp_path_factory):
    """Run K up to the kill and through the recovery; the state after each step."""
    workdir = _copy(snapshot, tmp_path_factory, "killed")
    settings = _k_settings(workdir)
    cmd, env = _command(workdir, seed=SEED_K)
    proc = subprocess.Popen([*cmd, *settings, *RETRIES], cwd=workdir, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)  # its own process group: jobs die with it
    watchdog = threading.Timer(TIMEOUT_S, os.killpg, (proc.pid, signal.SIGKILL))
    watchdog.start()
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    # Kill once a shard has finished and another has been running for 0.5 s (a shard takes
    # several seconds): shards done, one interrupted, gather_ages not started.
    started: dict[str, float] = {}  # compute_ages jobid -> when its start was seen
    finished: set[str] = set()
    seen, rule = 0, None
    while proc.poll() is None:
        for line in lines[seen:]:
            seen += 1
            if m := re.match(r"\s*(?:local)?rule (\w+):", line):
                rule = m.group(1)
            elif (m := re.match(r"\s+jobid: (\d+)", line)) and rule == "compute_ages":
                started[m.group(1)] = time.monotonic()
            elif m := re.match(r"Finished jobid: (\d+) \(Rule: compute_ages\)", line):
                finished.add(m.group(1))
        running = [t for j, t in started.items() if j not in finished]
        if finished and running and time.monotonic() - min(running) > 0.5:
            os.killpg(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.01)
    proc.wait()
    watchdog.cancel()
    reader.join(timeout=10)
    state = {"workdir": workdir, "returncode": proc.returncode, "output": "".join(lines),
             "shards_done": len(finished), "incomplete": _incomplete(workdir)}
    state["after_kill"] = {}  # product -> its hash, or why it cannot be read
    for path in hashing.product_files(workdir):
        if not path.name.endswith(".part"):  # a killed write's temporary file, not a product
            try:
                digest = hashing.product_hash(path)
            except hashing.ProductHashError as exc:
                digest = f"unreadable: {exc}"
            state["after_kill"][path.relative_to(workdir).as_posix()] = digest
    shard_outputs = [[f"{RUN}/ages/shards/{kind}_{i}-of-{SHARDS}.parquet"
                      for kind in ("ages", "posteriors")] for i in range(1, SHARDS + 1)]
    state["shards_kept"] = sum(all(p in state["after_kill"] and p not in state["incomplete"]
                                   for p in pair) for pair in shard_outputs)
    # a lock survives SIGKILL: the rerun refuses until --unlock
    state["locked"] = _run(workdir, *settings, "--rerun-incomplete", seed=SEED_K, check=False)
    _run(workdir, "--unlock", seed=SEED_K)
    state["rerun"] = _run(workdir, *settings, "--rerun-incomplete", *RETRIES, seed=SEED_K)
    state["hashes"] = hashing.product_hashes(workdir)
    state["incomplete_after"] = _incomplete(workdir)
    return state


@pytest.mark.workflow
def test_runs_on_other_cores_threads_hash_seed_and_folder_give_identical_products(clean_a,
                                                                                   killed):
    kinds = pd.Series([Path(p).suffix for p in clean_a]).value_counts()
    # guard against comparing nothing: the products of every kind are there
    assert kinds[".parquet"] >= 30 and kinds[".png"] >= 20 and kinds[".json"] >= 10
    assert kinds[".fits"] >= 4 and kinds[".csv"] >= 5 and kinds[".hdf5"] >= 1
    assert f"{RUN}/summary.json" in clean_a and f"{RUN}/vac/ob_vac.fits" in clean_a
    # K made every product itself (the killed shard again after the kill), none copied from A
    assert _diff(clean_a, killed["hashes"]) == []


@pytest.mark.workflow
def test_killed_run_leaves_only_complete_products(killed, clean_a):
    assert killed["returncode"] == -signal.SIGKILL, killed["output"][-3000:]
    assert killed["shards_done"] >= 1
    shards = [p for p in killed["incomplete"] if p.startswith(f"{RUN}/ages/shards/")]
    assert shards, f"no age shard was running at the kill: {killed['incomplete']}"
    after = killed["after_kill"]
    assert f"{RUN}/ages/ages.parquet" not in after and f"{RUN}/summary.json" not in after
    # every product on disk under its own name is whole: readable, and equal to the clean run's
    assert [p for p, h in after.items() if h.startswith("unreadable")] == []
    assert [p for p in after.keys() & clean_a.keys() if after[p] != clean_a[p]] == []
    assert killed["shards_kept"] >= killed["shards_done"]  # finished shards stay on disk


@pytest.mark.workflow
def test_resumed_run_equals_an_uninterrupted_one(killed, clean_a):
    locked = killed["locked"]
    assert locked.returncode != 0 and "--unlock" in locked.stdout + locked.stderr
    rerun = killed["rerun"]
    jobs = _job_stats(rerun.stdout + rerun.stderr)
    assert not UPSTREAM_OF_AGES & set(jobs), jobs  # resumed, not restarted
    assert jobs["compute_ages"] == SHARDS - killed["shards_kept"]  # finished shards are kept
    assert _diff(killed["hashes"], clean_a) == []
    workdir = killed["workdir"]
    assert killed["incomplete_after"] == []
    assert list((workdir / "results").rglob("*.part")) == []
    assert list((workdir / "resources").rglob("*.part")) == []
    assert planned_jobs(workdir) == {}
