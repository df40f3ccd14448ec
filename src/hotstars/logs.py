"""Logging for rule scripts: everything, including an uncaught traceback, goes to the rule's log."""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path


def setup(log_path: str | None, name: str = "hotstars") -> logging.Logger:
    """Send log records (and uncaught exceptions) to ``log_path`` and to stderr."""
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_path:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_path, mode="w"))
    logging.basicConfig(level=logging.INFO, handlers=handlers, force=True,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    def excepthook(exc_type, exc, tb):
        logging.getLogger(name).error("".join(traceback.format_exception(exc_type, exc, tb)))

    sys.excepthook = excepthook
    return logging.getLogger(name)
