"""Where the test suite's CPU time goes: a pytest plugin, on when HOTSTARS_TEST_CPU names a file.

Each test appends one JSON line to that file: its module, node id, CPU seconds and wall seconds.
The CPU time is the test process's own (user + system) plus that of its child processes that
ended within the test, their descendants included (getrusage's RUSAGE_CHILDREN: a Snakemake run
and every job it ran). A test's time includes its fixtures' setup and teardown, so a fixture
shared by many tests is charged to the one that builds it (the small-mock run: to whichever test
asks first). Both xdist workers append to the same file (one short write per line).
`python benchmarks/ci.py` sums the lines by module. Loaded by tests/conftest.py.
"""

from __future__ import annotations

import json
import os
import resource
import time

import pytest

ENV = "HOTSTARS_TEST_CPU"


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and of its finished (waited-for) descendants."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    path = os.environ.get(ENV)
    if not path:
        yield
        return
    cpu, wall = cpu_seconds(), time.perf_counter()
    yield
    line = json.dumps({"module": item.path.name, "test": item.nodeid,
                       "cpu_s": round(cpu_seconds() - cpu, 3),
                       "wall_s": round(time.perf_counter() - wall, 3)})
    with open(path, "a") as f:  # O_APPEND: the two workers' lines do not overwrite each other
        f.write(line + "\n")
