"""Progress of long transfers and archive jobs: amount, rate and time left, at sensible intervals.

A :class:`Progress` is told how much has arrived (:meth:`Progress.update`); it logs a line when
``every`` seconds have passed since the last one (never more often), and a last line at
:meth:`Progress.done`. Lines go through :mod:`logging`, so in a rule they reach the rule's log and
the terminal (``hotstars.workflow.logs.setup`` sends records to both)::

    data/dr19/spAll-v6_1_3.fits.gz: 1.2 GB of 5.0 GB (24 %), 41.3 MB/s, about 1 min 32 s left

The clock is injectable (``clock``) so that tests need not wait.
"""

from __future__ import annotations

import logging
import time
from typing import Callable

log = logging.getLogger(__name__)

EVERY_S = 10.0   # seconds between two progress lines


def size_text(n: float, unit: str = "bytes") -> str:
    """``n`` bytes as '812 B', '3.4 MB', '1.2 GB' (decimal units); other units as '12,345 rows'."""
    if unit != "bytes":
        return f"{n:,.0f} {unit}"
    for prefix, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {prefix}"
    return f"{n:.0f} B"


def duration_text(seconds: float) -> str:
    """'45 s', '3 min 05 s', '2 h 01 min'."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    minutes, s = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {s:02d} s"
    hours, m = divmod(minutes, 60)
    return f"{hours} h {m:02d} min"


class Progress:
    """Report ``label``'s progress: ``done`` of ``total`` (None: unknown) in ``unit``.

    ``start``: an amount already there before this transfer (a resumed part file): it counts in
    the amount and the percentage, not in the rate.
    """

    def __init__(self, label: str, total: float | None = None, unit: str = "bytes",
                 every: float = EVERY_S, start: float = 0.0, logger: logging.Logger = log,
                 clock: Callable[[], float] = time.monotonic):
        self.label, self.total, self.unit, self.every = label, total, unit, every
        self.start, self.done_amount = start, start
        self.log, self.clock = logger, clock
        self.t0 = self.last = clock()
        self.lines = 0

    def rate(self) -> float | None:
        """Amount per second since the start (None before any time has passed)."""
        elapsed = self.clock() - self.t0
        return (self.done_amount - self.start) / elapsed if elapsed > 0 else None

    def text(self) -> str:
        """One line: amount (of total, percent), rate, time left."""
        parts = [f"{self.label}: {size_text(self.done_amount, self.unit)}"]
        if self.total:
            parts[0] += (f" of {size_text(self.total, self.unit)} "
                         f"({100 * self.done_amount / self.total:.0f} %)")
        rate = self.rate()
        if rate:
            per = "/s" if self.unit == "bytes" else " per s"
            parts.append(size_text(rate, self.unit) + per)
            if self.total and self.total > self.done_amount:
                parts.append(f"about {duration_text((self.total - self.done_amount) / rate)} left")
        parts.append(f"{duration_text(self.clock() - self.t0)} elapsed")
        return ", ".join(parts)

    def update(self, amount: float) -> None:
        """Add ``amount`` (bytes or rows) and log a line if ``every`` seconds have passed."""
        self.done_amount += amount
        now = self.clock()
        if now - self.last >= self.every:
            self.last = now
            self.lines += 1
            self.log.info("%s", self.text())

    def done(self) -> None:
        """Log the final line (amount, mean rate, elapsed time)."""
        self.lines += 1
        self.log.info("%s (done)", self.text())


class Waiting:
    """Report a job that runs elsewhere (an archive's asynchronous job): its phase and the time
    waited, when the phase changes and at most every ``every`` seconds otherwise."""

    def __init__(self, label: str, every: float = 30.0, logger: logging.Logger = log,
                 clock: Callable[[], float] = time.monotonic):
        self.label, self.every, self.log, self.clock = label, every, logger, clock
        self.t0 = self.last = clock()
        self.phase: str | None = None
        self.lines = 0

    def update(self, phase: str) -> None:
        now = self.clock()
        if phase != self.phase or now - self.last >= self.every:
            self.phase, self.last = phase, now
            self.lines += 1
            self.log.info("%s: %s after %s", self.label, phase, duration_text(now - self.t0))
