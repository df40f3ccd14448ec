"""The figure jobs: several figures that share inputs are drawn in one job (one interpreter's
imports and matplotlib's font and text caches serve them all, ~0.8 s of a fresh job each).

A figure script lists its figures as functions ``fig(sm, log) -> Figure``, each named after its
output in the rule; :func:`write_all` draws and writes them in that order. They read their
inputs with :func:`table` and :func:`meta`: a file that several figures of the job use is read
once. :func:`optional` is the figure of an optional product: the figure, or a placeholder that
says why not.
"""

from __future__ import annotations

import copy
import os
from typing import Callable, Iterable

import pandas as pd

from hotstars.io.tables import read_meta, read_table
from hotstars.plots import style
from hotstars.workflow import logs

#: The tables and metadata read by the figures of the running :func:`write_all` (None outside
#: it): {(kind, path): value}.
_READ: dict | None = None


def _read_once(kind: str, read: Callable, path, copy_of: Callable):
    """``read(path)``; within :func:`write_all` read once per ``kind`` and path, and each caller
    gets ``copy_of`` the value read."""
    if _READ is None:
        return read(path)
    key = (kind, os.fspath(path))
    if key not in _READ:
        _READ[key] = read(path)
    return copy_of(_READ[key])


def table(path) -> pd.DataFrame:
    """The table at ``path`` (:func:`hotstars.io.tables.read_table`). Within :func:`write_all`
    each file is read once and every figure gets its own copy, so figures that share an input
    neither read it again nor see one another's changes to it."""
    return _read_once("table", read_table, path, pd.DataFrame.copy)


def meta(path) -> dict:
    """The metadata of the table at ``path`` (:func:`hotstars.io.tables.read_meta`), read once
    per :func:`write_all` like :func:`table`."""
    return _read_once("meta", read_meta, path, copy.deepcopy)


def write_all(sm, figures: Iterable[Callable]) -> None:
    """Draw each of ``figures`` from the job ``sm`` and write it to ``sm.output[<its name>]``
    (:func:`hotstars.plots.style.savefig`, at ``sm.params.dpi``). The figures read their inputs
    with :func:`table` and :func:`meta`: a table several of them use is read once."""
    global _READ
    log = logs.setup(sm.log[0], job=sm)
    _READ = {}
    try:
        for draw in figures:
            png = sm.output[draw.__name__]
            try:
                style.savefig(draw(sm, log), png, dpi=sm.params.dpi)
            except Exception:
                # the job fails (Snakemake removes all its figures); say which one was not drawn
                log.error("%s (%s) not drawn; the error follows", draw.__name__, png)
                raise
            log.info("wrote %s", png)
    finally:
        _READ = None


def optional(path, label: str, title: str, draw: Callable, log):
    """``draw(table)`` of the product at ``path``, or, when it was skipped (its ``skipped``
    metadata) or has no rows, a placeholder "<label>: <title>" that says why
    (:func:`hotstars.plots.style.figure_or_placeholder`): never an error."""
    rows = table(path)
    log.info("%s: %d rows (%s)", label, len(rows), path)
    return style.figure_or_placeholder(label, title, rows, meta(path), str(path), draw, log)
