"""Logging for rule scripts: everything, including an uncaught traceback, goes to the rule's log.

An error the library raises on purpose (:class:`hotstars.errors.HotstarsError`: a bad input file,
an empty sample, a config value) is shown once on the terminal as its message; its traceback goes
to the log only. A job of a real Snakemake run ends with ``os._exit`` after the usual exit
handlers of the job (the log's memory line, logging's flush), so that no C++ static destructor
runs at interpreter exit: pyarrow's thread pool could abort there ("terminate called without an
active exception", apache/arrow#34314) after the products were written, which is why the
workflow once retried every failed job — and printed every input error twice.

At exit the log's last line is the job's true peak memory (``getrusage``), which Snakemake's
sampled ``benchmark:`` files can miss; ``benchmarks/slurm_resources.py`` reads it.

``setup(sm.log[0], job=sm)`` also records the job's provenance once per process
(:func:`hotstars.io.provenance_record.record_job`), which every product writer then embeds.
"""

from __future__ import annotations

import atexit
import logging
import os
import resource
import sys
import time
import traceback
from pathlib import Path

from hotstars.errors import HotstarsError
from hotstars.io import provenance_record as provenance

_STATE = {"failed": False, "fast_exit": False}


def setup(log_path: str | None, name: str = "hotstars", job=None) -> logging.Logger:
    """Send log records (and uncaught exceptions) to ``log_path`` and to stderr; record the
    provenance of ``job`` (the rule script's ``snakemake`` object) for the product writers
    (none without a job, or for a stand-in without ``rule``)."""
    stream = logging.StreamHandler(sys.stderr)
    handlers: list[logging.Handler] = [stream]
    if log_path:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_path, mode="w"))
    logging.basicConfig(level=logging.INFO, handlers=handlers, force=True,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    def excepthook(exc_type, exc, tb):
        _STATE["failed"] = True
        logger = logging.getLogger(name)
        full = "".join(traceback.format_exception(exc_type, exc, tb))
        if not issubclass(exc_type, HotstarsError):
            logger.error(full)  # a bug: the traceback everywhere
            return
        # an error raised on purpose: its message once on the terminal, the traceback in the log
        for handler, text in ((stream, f"{exc_type.__name__}: {exc}"),
                              *((h, full) for h in handlers if h is not stream)):
            handler.handle(logger.makeRecord(name, logging.ERROR, __file__, 0, text, None, None))

    sys.excepthook = excepthook
    if _is_snakemake_job(job) and not _STATE["fast_exit"]:
        _STATE["fast_exit"] = True
        atexit.register(_fast_exit)  # registered before the memory line: runs after it
    record = provenance.record_job(job)
    if record:
        logging.getLogger(name).info(
            "provenance: rule %s, hotstars %s, git %s%s, config sha256 %s, %d input file(s)",
            record["rule"], record["hotstars_version"], record["git_commit"],
            " (dirty)" if record["git_dirty"] else "", record["config_sha256"][:12],
            len(record["inputs"]))
    if log_path:  # once per process: the last log set up gets the line
        atexit.unregister(append_peak_memory)
        atexit.register(append_peak_memory, str(log_path), name)
    return logging.getLogger(name)


def _is_snakemake_job(job) -> bool:
    """Whether ``job`` is the ``snakemake`` object of a real job (not a test's stand-in)."""
    return type(job).__module__.startswith("snakemake")


def _fast_exit() -> None:
    """The job's last exit handler: flush, then leave without the interpreter's finalisation."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(1 if _STATE["failed"] else 0)


PEAK_MEMORY = "peak memory (getrusage ru_maxrss): {:.0f} MB"


def peak_memory_mb() -> float:
    """This process's peak resident memory so far, in MB (Linux reports ru_maxrss in KiB)."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / 1024 if sys.platform != "darwin" else kib / 1024**2


def append_peak_memory(log_path: str, name: str = "hotstars") -> None:
    """Append the peak-memory line to the log file directly (at exit, logging's streams may be
    closed already); a log that has gone (a deleted temporary folder) is skipped."""
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    try:
        with open(log_path, "a") as fh:
            fh.write(f"{stamp} INFO {name}: {PEAK_MEMORY.format(peak_memory_mb())}\n")
    except OSError:
        pass
