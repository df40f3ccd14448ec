"""Where the test suite's CPU time goes: a pytest plugin, on when HOTSTARS_TEST_CPU names a file.

Each test appends one JSON line to that file: its module, node id, CPU seconds, wall seconds and
how the CPU was counted. Counted is the CPU (user + system) of the test process and of every
process it started, and theirs, for as long as the test lasts:

- ``cgroup``: where the cgroup v2 hierarchy is writable (Linux, as root: CI's machines), each
  xdist worker moves itself into a cgroup of its own below its current one; everything it starts
  stays there, also processes that detach from it (the stand-in SLURM's jobs, a killed run's
  orphaned jobs), and the cgroup's ``cpu.stat`` counts them all;
- ``rusage``: elsewhere, getrusage of the process and its finished, waited-for descendants
  (a Snakemake run and its jobs; detached processes are missed).

A test's time includes its fixtures' setup and teardown, so a fixture shared by many tests is
charged to the one that builds it (the small-mock run: to whichever test asks first). Both xdist
workers append to the same file (one short write per line). `python benchmarks/ci.py` sums the
lines by module. Loaded by tests/conftest.py.
"""

from __future__ import annotations

import json
import os
import resource
import time
from pathlib import Path

import pytest

ENV = "HOTSTARS_TEST_CPU"
#: where cgroup v2 is mounted: alone, or beside v1 (the "hybrid" layout)
CGROUP2_MOUNTS = (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/unified"))


def rusage_seconds() -> float:
    """User + system CPU seconds of this process and of its finished (waited-for) descendants."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _current_cgroup() -> Path | None:
    """This process's cgroup v2 folder if it may make cgroups below it, else None."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    relative = next((line[3:].lstrip("/") for line in lines if line.startswith("0::")), None)
    if relative is None:
        return None
    for mount in CGROUP2_MOUNTS:
        folder = mount / relative
        if (mount / "cgroup.controllers").is_file() and (folder / "cpu.stat").is_file() \
                and os.access(folder, os.W_OK):
            return folder
    return None


class CpuMeter:
    """CPU seconds used so far by this process and everything it started (see the module doc).

    Made, it moves the process into a new cgroup below its own when it can; :meth:`close`
    moves it back and removes that cgroup."""

    def __init__(self):
        self.cgroup: Path | None = None
        self._parent: Path | None = None
        parent = _current_cgroup()
        if parent is not None:
            folder = parent / f"hotstars-cpu-{os.getpid()}"
            try:
                folder.mkdir(exist_ok=True)
                (folder / "cgroup.procs").write_text(str(os.getpid()))
                self.cgroup, self._parent = folder, parent
            except OSError:
                _remove(folder)

    @property
    def method(self) -> str:
        return "cgroup" if self.cgroup else "rusage"

    def seconds(self) -> float:
        if self.cgroup is None:
            return rusage_seconds()
        for line in (self.cgroup / "cpu.stat").read_text().splitlines():
            if line.startswith("usage_usec "):
                return int(line.split()[1]) / 1e6
        raise RuntimeError(f"{self.cgroup}/cpu.stat has no usage_usec")

    def close(self) -> None:
        if self.cgroup is None:
            return
        try:
            (self._parent / "cgroup.procs").write_text(str(os.getpid()))
        except OSError:
            return
        _remove(self.cgroup)
        self.cgroup = None


def _remove(folder: Path) -> None:
    try:
        folder.rmdir()  # fails while a process is still in it: left for the system
    except OSError:
        pass


_meter: CpuMeter | None = None


def _the_meter() -> CpuMeter:
    global _meter
    if _meter is None:
        _meter = CpuMeter()
    return _meter


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    path = os.environ.get(ENV)
    if not path:
        yield
        return
    meter = _the_meter()
    cpu, wall = meter.seconds(), time.perf_counter()
    yield
    line = json.dumps({"module": item.path.name, "test": item.nodeid,
                       "cpu_s": round(meter.seconds() - cpu, 3),
                       "wall_s": round(time.perf_counter() - wall, 3), "counted": meter.method})
    with open(path, "a") as f:  # O_APPEND: the two workers' lines do not overwrite each other
        f.write(line + "\n")


def pytest_unconfigure(config):
    if _meter is not None:
        _meter.close()
