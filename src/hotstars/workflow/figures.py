"""The figure jobs: several figures that share inputs are drawn in one job (one interpreter's
imports and matplotlib's font and text caches serve them all, ~0.8 s of a fresh job each).

A figure script lists its figures as functions ``fig(sm, log) -> Figure``, each named after its
output in the rule; :func:`write_all` draws and writes them in that order. :func:`optional` is
the figure of an optional product: the figure, or a placeholder that says why not.
"""

from __future__ import annotations

from typing import Callable, Iterable

from hotstars.io.tables import read_meta, read_table
from hotstars.plots import style
from hotstars.workflow import logs


def write_all(sm, figures: Iterable[Callable]) -> None:
    """Draw each of ``figures`` from the job ``sm`` and write it to ``sm.output[<its name>]``
    (:func:`hotstars.plots.style.savefig`, at ``sm.params.dpi``)."""
    log = logs.setup(sm.log[0], job=sm)
    for draw in figures:
        png = sm.output[draw.__name__]
        try:
            style.savefig(draw(sm, log), png, dpi=sm.params.dpi)
        except Exception:
            # the job fails (Snakemake removes all its figures); say which one could not be drawn
            log.error("%s (%s) not drawn; the error follows", draw.__name__, png)
            raise
        log.info("wrote %s", png)


def optional(path, label: str, title: str, draw: Callable, log):
    """``draw(table)`` of the product at ``path``, or, when it was skipped (its ``skipped``
    metadata) or has no rows, a placeholder "<label>: <title>" that says why
    (:func:`hotstars.plots.style.figure_or_placeholder`): never an error."""
    table = read_table(path)
    log.info("%s: %d rows (%s)", label, len(table), path)
    return style.figure_or_placeholder(label, title, table, read_meta(path), str(path), draw, log)
