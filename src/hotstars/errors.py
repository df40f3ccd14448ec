"""The one base of hotstars' input and configuration errors, and the column check that raises it.

Every error the library raises for a bad file, table or setting derives from
:class:`HotstarsError` (a :class:`ValueError`), so a caller can catch them all at once and the
workflow can turn them into one clear message. Each part of the library keeps its own subclass
(``InputError``, ``MapError``, ...) for callers that need to tell them apart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:  # annotations only: the base of the library needs no pandas at import
    import pandas as pd

__all__ = ["HotstarsError", "require_columns"]


class HotstarsError(ValueError):
    """A bad input file, table or configuration value; the message names it and what is wrong."""


def require_columns(df: pd.DataFrame, columns: Iterable[str], what: str,
                    error: type[HotstarsError] = HotstarsError, *, unique: str | None = None,
                    nonempty: bool = False) -> None:
    """Raise ``error`` unless ``df`` has every column of ``columns``.

    ``what`` names the table in the message. ``unique``: a column whose values must not repeat
    (the first repeated rows are named); ``nonempty``: an empty table is an error too.
    """
    columns = list(columns)
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise error(f"{what}: missing column(s) {missing}; has {list(df.columns)}")
    if nonempty and len(df) == 0:
        raise error(f"{what}: the table is empty (no rows)")
    if unique is not None and len(df):
        repeated = df[unique].duplicated(keep=False).to_numpy()
        if repeated.any():
            rows = repeated.nonzero()[0][:5].tolist()
            raise error(f"{what}: column {unique!r} must be unique; repeated at rows {rows} "
                        f"(e.g. {df[unique].iloc[rows[0]]})")
