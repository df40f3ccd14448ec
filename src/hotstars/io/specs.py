"""Input contracts and the one reader that checks a file against its contract.

Each input (the survey files of :mod:`hotstars.io.survey`, the VAC, the side catalogues) is described by a small declarative :class:`InputSpec` (canonical lower-case column
names, accepted aliases, kind, expected unit, required-finite and optional flags, unique key).
:func:`read_input` reads any of them from FITS (``.fits``, ``.fit``, ``.fts``, optionally ``.gz``),
Parquet, CSV (optionally ``.gz``) or ECSV and returns a DataFrame with only the spec's columns,
under their canonical names, as int64 / float64 / stripped str, floats converted to the expected
units. Everything is validated before any work: a problem raises :class:`InputError` naming the
file, the column(s), what was expected and the first bad rows (0-based row numbers in the file).

Conventions
- Column names are matched case-insensitively (spAll is upper-case, Astra and Gaia lower-case);
  a name present twice in different cases is ambiguous and an error.
- Only the needed columns are read: FITS through a memory map, text kept as bytes until the rows
  are selected; a ``.fits.gz`` binary table in one streaming pass of row chunks that keeps only
  the needed columns (:class:`_GzipBinTable`: no temporary copy, memory ~ those columns; a
  real-width spAll of 1.5 million rows: README, Benchmarks), other gzipped FITS through a
  temporary file in $TMPDIR; Parquet with ``columns=``, CSV with ``usecols``. ECSV is read whole
  by astropy (a text format).
- A unit written in the file (FITS TUNIT, ECSV header, astropy-Parquet metadata) must be
  convertible to the expected unit, and the values are converted (e.g. kpc -> pc). No unit: the
  expected unit is assumed. SDSS spellings ('degrees', 'log10(cm/s^2)') are accepted; a unit
  string astropy cannot parse at all is logged as a warning and the expected unit assumed; only a
  parsed, incompatible unit is an error.
- Integer columns stored as floats are accepted only if integral and below 2**53 (beyond that
  float64 has already corrupted Gaia/SDSS ids). FITS TNULL sentinels in integer columns are passed
  through as plain values (no row is dropped). Id columns (``ColumnSpec.id``) also refuse ids
  damaged by a spreadsheet (floating-point notation, all long ids rounded to 15 significant
  digits) and name that cause in a repeated-key message.
- A CSV whose last line has no newline and too few fields or a partial number was cut off (an
  interrupted download): an error naming the line. Gaia ra/dec are cross-checked against the
  file's own l/b (``InputSpec.check``; radians without a unit are named as such).
- Float values outside ``ColumnSpec.missing_outside`` (2MASS sentinels 99.99, -99.99) become NaN,
  counted in the log (docs/conventions.md, Ages: missing photometry).
- Values are checked against the spec (:class:`ColumnSpec`: finite, bounds such as errors > 0,
  a plausible median that catches e.g. kpc given as pc without a unit; :class:`InputSpec`:
  unique key unless the caller resolves repeated keys itself (spAll and BOSS Net spectra,
  :func:`hotstars.selection.join_spectra`), ordered percentiles). The returned DataFrame's
  ``attrs["source"]`` names the file for the messages of later joins.
"""

from __future__ import annotations

import csv
import difflib
import gzip
import io
import logging
import re
import shutil
import tempfile
import warnings
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from hotstars.errors import HotstarsError

log = logging.getLogger(__name__)

Kind = Literal["int", "float", "str"]


class InputError(HotstarsError):
    """A survey input file is unreadable or breaks its contract.

    ``where`` is the file (with the input's name and HDU), ``columns`` the canonical columns at
    fault; the message starts with ``where``.
    """

    def __init__(self, where, message: str, columns=()):
        self.where = str(where)
        self.columns = tuple(columns)
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class ColumnSpec:
    """One column of an input.

    ``name`` is canonical (lower-case); ``aliases`` are other accepted file names, tried in order
    after ``name``. ``unit`` is the expected (and returned) unit of a float column: "" for
    dimensionless, None for no unit check (ints, strings). ``unit_aliases`` are extra unit strings
    meaning exactly ``unit`` (no conversion), e.g. the SDSS spellings of log g.

    Value checks of a float column, in ``unit``, on the non-NaN values (NaN is "missing" and only
    refused by ``finite``): ``gt`` / ``ge`` / ``le`` bounds (e.g. an error must be > 0) and
    ``median``, the plausible (low, high) range of the median of the finite values: outside it
    the values are taken to be in another unit than the file says or than is assumed (e.g. kpc
    where pc is expected, in a CSV without units).

    ``missing_outside``: the physical (low, high) range of a value that may be missing: finite
    values outside the open range are sentinels of "no value" (2MASS 99.99, -99.99, 99.999) and
    become NaN, with a logged count naming the file and column; NaN stays NaN, +-inf is an error.
    ``id``: an identifier (Gaia source_id, catalogid): besides the int checks, ids rounded to 15
    significant digits by a spreadsheet (floating-point notation, trailing zeros) are refused.
    """

    name: str
    kind: Kind
    unit: str | None = None
    finite: bool = False
    optional: bool = False
    aliases: tuple[str, ...] = ()
    unit_aliases: tuple[str, ...] = ()
    gt: float | None = None
    ge: float | None = None
    le: float | None = None
    median: tuple[float, float] | None = None
    missing_outside: tuple[float, float] | None = None
    id: bool = False


@dataclass(frozen=True)
class InputSpec:
    """The contract of one input: its columns, unique key and default FITS HDU.

    ``ordered``: columns whose values must be non-decreasing along each row where all are finite
    (e.g. the 16th, 50th, 84th percentiles of a distance). ``key`` columns may be optional: the
    unique-key check uses those the file has. ``key_note`` ends the repeated-key message (e.g. how
    to resolve repeats instead of stopping). ``check(df, where)``: a whole-table check run last
    (e.g. the Gaia positions against their own Galactic coordinates), raising InputError.
    """

    name: str
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...]
    hdu: int | str = 1
    ordered: tuple[str, ...] = ()
    key_note: str = ""
    check: Callable[[pd.DataFrame, str], None] | None = None

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def units(self) -> dict[str, str]:
        return {c.name: c.unit for c in self.columns if c.unit}


# Astra/SDSS and the Gaia archive write log g as log10 of g in cgs; SDSS sometimes only 'cm/s^2'.
LOGG_UNITS = ("log10(cm/s^2)", "log10(cm/s2)", "log(cm/s^2)", "log(cm/s2)", "log(cm.s**-2)",
              "log10(cm.s**-2)", "dex(cm/s2)", "dex(cm / s2)", "[cm/s2]", "cm/s^2", "cm/s2")
# Context-free spellings astropy does not parse (keys lower-case, spaces removed).
UNIT_ALIASES = {"degrees": "deg", "degree": "deg", "kelvin": "K", "mags": "mag",
                "magnitude": "mag", "magnitudes": "mag", "km/sec": "km / s", "kms": "km / s",
                "kms^-1": "km / s", "km/s^-1": "km / s", "dimensionless": "", "none": "",
                "unitless": "", "radians": "rad", "radian": "rad", "arcseconds": "arcsec",
                "arcsecond": "arcsec", "arcsecs": "arcsec", "gyrs": "Gyr", "years": "yr",
                "year": "yr", "radians/yr": "rad/yr", "radians/year": "rad/yr",
                "arcsec/year": "arcsec/yr", "arcseconds/yr": "arcsec/yr",
                "arcseconds/year": "arcsec/yr", "rad/year": "rad/yr"}


# ---------------------------------------------------------------------------------------------
# File access: one small source object per format (names, units, row count, column reader).

_FITS = (".fits", ".fit", ".fts", ".fits.gz", ".fit.gz", ".fts.gz")
_FORMATS = {**{s: "fits" for s in _FITS}, ".parquet": "parquet", ".pq": "parquet",
            ".csv": "csv", ".csv.gz": "csv", ".ecsv": "ecsv", ".ecsv.gz": "ecsv"}


def _format(path: Path) -> str:
    name = path.name.lower()
    for suffix in sorted(_FORMATS, key=len, reverse=True):
        if name.endswith(suffix):
            return _FORMATS[suffix]
    raise InputError(path, f"unsupported file format (expected one of {', '.join(_FORMATS)})")


@dataclass
class _Source:
    names: list[str]
    units: dict[str, str | None]
    nrows: int | None
    # read(file column names, row indices or None, columns to read as text) -> {name: array}
    read: Callable[[list[str], np.ndarray | None, set[str]], dict[str, np.ndarray]]
    # the file column names the reader will ask for (a streamed file reads them in one pass)
    prefetch: Callable[[list[str]], None] = lambda names: None


@contextmanager
def _open(path: Path, fmt: str, hdu, where: str) -> Iterator[_Source]:
    if fmt == "fits" and path.name.lower().endswith(".gz"):
        stream = _GzipBinTable(path, hdu, where)
        if stream.usable:
            yield _Source(stream.names, stream.units, stream.nrows, stream.read, stream.prefetch)
            return
    if fmt == "fits":
        # astropy here and below, not at import: the specs and most reads (CSV) never need it
        from astropy.io import fits

        # memmap + bytes: only the needed columns are touched, text is decoded after selection
        with _uncompressed(path) as plain, \
                fits.open(plain, memmap=True, lazy_load_hdus=True, character_as_bytes=True) as hdul:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    table = hdul[hdu]
                except (IndexError, KeyError):
                    raise InputError(where, f"no HDU {hdu!r} in the file (HDUs: "
                                     f"{[h.name for h in hdul]}; wrong file, or truncated?)"
                                     ) from None
            for w in caught:  # astropy only warns when a table's data run past the file's end
                if "truncated" in str(w.message):
                    raise InputError(where, f"truncated file: {w.message}; expected the whole "
                                     "file (an interrupted download or copy? fetch it again)")
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            if not isinstance(table, (fits.BinTableHDU, fits.TableHDU)):
                raise InputError(where, f"HDU {hdu!r} is a {type(table).__name__}, not a table")
            cols = table.columns
            data = table.data

            def read(names, rows, text):
                out = {}
                for n in names:
                    values = data.field(n) if data is not None else np.empty(0)
                    out[n] = values[rows] if rows is not None else np.array(values)
                return out

            yield _Source(list(cols.names), {c.name: c.unit for c in cols},
                          0 if data is None else len(data), read)

    elif fmt == "parquet":
        pf = pq.ParquetFile(path)
        units = _yaml_units((pf.schema_arrow.metadata or {}).get(b"table_meta_yaml"), path)

        def read(names, rows, text):
            table = pf.read(columns=list(names))
            return {n: _arrow_to_numpy(table.column(n), rows) for n in names}

        yield _Source(list(pf.schema_arrow.names), units, pf.metadata.num_rows, read)

    elif fmt == "csv":
        header = pd.read_csv(path, nrows=0)

        def read(names, rows, text):
            # id columns as text: pandas would turn an int column with a blank into float64
            df = pd.read_csv(path, usecols=list(names), dtype={n: str for n in text})
            _check_last_line(path, len(header.columns), len(df), where)
            return {n: _take(df[n].to_numpy(), rows) for n in names}

        yield _Source(list(header.columns), {}, None, read)  # row count known after reading

    else:  # ecsv: astropy reads the header (units) and the text table
        import astropy.units as u
        from astropy.table import Table

        with warnings.catch_warnings():  # unknown unit strings: judged below, per column
            warnings.simplefilter("ignore", u.UnitsWarning)
            table = Table.read(path, format="ascii.ecsv")

        def read(names, rows, text):  # MaskedColumn.data is a masked array
            return {n: _take(table[n].data, rows) for n in names}

        units = {n: None if c.unit is None else str(c.unit) for n, c in table.columns.items()}
        yield _Source(list(table.colnames), units, len(table), read)


def _check_last_line(path: Path, n_fields: int, n_rows: int, where: str) -> None:
    """A text table cut off mid-line (an interrupted download) ends without a newline, in a
    line with fewer fields than the header (pandas would fill them with NaN) or in a partial
    number (e.g. '1.2e', '-'). A complete file ends with a newline; a last line without one
    but with every field complete is accepted with a warning (it cannot be told from a cut
    exactly at a field boundary)."""
    if path.name.lower().endswith(".gz"):  # gzip itself detects a cut stream (EOFError)
        return
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        if size == 0:
            return
        fh.seek(max(0, size - (1 << 16)))
        tail = fh.read()
    if tail.endswith(b"\n"):
        return
    last = tail.rsplit(b"\n", 1)[-1].rstrip(b"\r").decode("utf-8", "replace")
    fields = next(csv.reader([last]), [])
    line = n_rows + 1  # 1-based, after the header line
    cut = None
    if len(fields) < n_fields:
        cut = f"{len(fields)} of the header's {n_fields} fields"
    elif fields and not _complete_token(fields[-1]):
        cut = f"a partial last field {fields[-1]!r}"
    if cut:
        shown = last if len(last) <= 80 else "..." + last[-77:]
        raise InputError(where, f"incomplete last line {line} ({shown!r}): it has {cut} and the "
                         "file does not end with a newline, so it was cut off mid-line (an "
                         "interrupted download or copy?): fetch the file again")
    log.warning("%s: the last line (%d) has no final newline; its fields are complete, so it is "
                "read as it is", where, line)


_PARTIAL = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)?([eE][+-]?)?$")


def _complete_token(text: str) -> bool:
    """False for the start of a number cut short ('', '-', '1.2e', '1.2e+'), True otherwise
    (complete numbers and text)."""
    t = text.strip()
    if t == "" or t.lower() in ("nan", "inf", "-inf", "+inf"):
        return t != ""
    try:
        float(t)
        return True
    except ValueError:
        return not _PARTIAL.match(t)


#: rows per chunk of a streamed gzipped FITS table: about this many bytes at a time
STREAM_CHUNK_BYTES = 1 << 26


class _GzipBinTable:
    """A binary table HDU of a gzipped FITS file, read in one streaming pass of row chunks.

    A real spAll is ~150 columns and millions of rows (5 GB decompressed) of which the carton
    needs ~20 columns: decompressing it to disk and memory-mapping it reads every page anyway.
    Here the gzip stream is read once, ``STREAM_CHUNK_BYTES`` of rows at a time, and only the
    requested columns are kept (converted as astropy's FITS_rec.field would: big-endian to
    native, TZERO/TSCAL, logical 'T'/'F' to bool, text as bytes without trailing blanks). No
    temporary file, memory ~ the kept columns + one chunk. Tables with a heap (variable-length
    arrays) or ASCII tables are left to the temporary-file path (``usable`` False).
    """

    def __init__(self, path: Path, hdu, where: str):
        self.path, self.where, self.usable = path, where, False
        self.cache: dict[str, np.ndarray] = {}
        self.wanted: list[str] = []
        try:
            with gzip.open(path, "rb") as stream:
                header, self.offset = self._find(stream, hdu)
        except (EOFError, OSError, ValueError) as exc:
            raise InputError(where, f"cannot read the gzipped FITS file: truncated or damaged "
                             f"({exc}); an interrupted download or copy? fetch it again"
                             ) from None
        if header is None or header.get("XTENSION", "").strip() != "BINTABLE" \
                or header.get("PCOUNT", 0) or header.get("THEAP"):
            return
        import astropy.units as u
        from astropy.io import fits

        empty = header.copy()
        empty["NAXIS2"] = 0
        shell = fits.PrimaryHDU().header.tostring() + empty.tostring()
        with warnings.catch_warnings(), fits.open(io.BytesIO(shell.encode("ascii"))) as hdul:
            warnings.simplefilter("ignore", u.UnitsWarning)
            self.columns = hdul[1].columns
        self.names = list(self.columns.names)
        self.units = {c.name: c.unit for c in self.columns}
        self.nrows, self.rowlen = int(header["NAXIS2"]), int(header["NAXIS1"])
        native = self.columns.dtype
        self.disk = np.dtype({"names": list(native.names),
                              "formats": [_big_endian(native.fields[n][0]) for n in native.names],
                              "offsets": [native.fields[n][1] for n in native.names],
                              "itemsize": native.itemsize})
        self.usable = self.disk.itemsize == self.rowlen

    def _find(self, stream, hdu):
        """(header, data offset) of HDU ``hdu`` (index or EXTNAME), or (None, 0)."""
        from astropy.io import fits

        index, offset = 0, 0
        while True:
            try:
                header = fits.Header.fromfile(stream)
            except EOFError:
                return None, 0
            offset = stream.tell()
            name = str(header.get("EXTNAME", "PRIMARY" if index == 0 else "")).strip()
            if (isinstance(hdu, str) and name.upper() == hdu.upper()) or hdu == index:
                return header, offset
            _skip(stream, _data_bytes(header))
            index += 1

    def prefetch(self, names: list[str]) -> None:
        self.wanted = list(dict.fromkeys(names))

    def read(self, names, rows, text):
        missing = [n for n in names if n not in self.cache]
        if missing:
            self._pass(list(dict.fromkeys(missing + [n for n in self.wanted
                                                     if n not in self.cache])))
        return {n: (self.cache[n] if rows is None else self.cache[n][rows]) for n in names}

    def _pass(self, names: list[str]) -> None:
        """One pass over the table's rows, keeping the columns ``names``."""
        cols = {c.name: c for c in self.columns}
        out = {}
        for n in names:
            base, shape = self.disk.fields[n][0], self.disk.fields[n][0].shape
            kind = _kind(cols[n])
            dtype = {"bool": np.dtype(bool), "text": base.base}.get(
                kind, _scaled_dtype(base.base, cols[n]))
            out[n] = np.empty((self.nrows, *shape), dtype)
        per = max(1, STREAM_CHUNK_BYTES // max(self.rowlen, 1))
        done = 0
        try:
            with gzip.open(self.path, "rb") as stream:
                _skip(stream, self.offset)
                while done < self.nrows:
                    k = min(per, self.nrows - done)
                    buf = stream.read(k * self.rowlen)
                    if len(buf) < k * self.rowlen:
                        raise InputError(self.where, f"truncated file: the table ends after "
                                         f"{done + len(buf) // self.rowlen} of {self.nrows} rows "
                                         "(an interrupted download or copy? fetch it again)")
                    rec = np.frombuffer(buf, dtype=self.disk)
                    for n in names:
                        out[n][done:done + k] = _convert(rec[n], cols[n])
                    done += k
        except (EOFError, OSError, zlib.error) as exc:
            raise InputError(self.where, f"truncated or damaged gzip stream after {done} of "
                             f"{self.nrows} rows ({exc}): fetch the file again") from None
        for n in names:
            if _kind(cols[n]) == "text":
                out[n] = np.char.rstrip(out[n], b" ").astype(out[n].dtype)
        log.info("%s: streamed %d rows, kept %d of %d columns", self.where, self.nrows,
                 len(names), len(self.names))
        self.cache.update(out)


def _big_endian(dt: np.dtype) -> np.dtype:
    base = dt.base
    if base.kind in "iuf" and base.itemsize > 1:
        base = base.newbyteorder(">")
    return np.dtype((base, dt.shape)) if dt.shape else base


def _kind(col) -> str:
    fmt = str(col.format)
    return "bool" if fmt.endswith("L") else "text" if fmt.endswith("A") else "number"


def _scaled_dtype(base: np.dtype, col) -> np.dtype:
    """The dtype astropy gives a column: unsigned for TZERO = 2**(bits-1), float if scaled."""
    zero, scale = col.bzero or 0, col.bscale or 1
    if base.kind == "i" and scale == 1 and zero == 2 ** (8 * base.itemsize - 1):
        return np.dtype(f"u{base.itemsize}")
    if zero != 0 or scale != 1:
        return np.dtype(np.float64) if base.kind == "i" or base.itemsize == 8 else \
            np.dtype(np.float32)
    return base.newbyteorder("=")


def _convert(raw: np.ndarray, col) -> np.ndarray:
    kind = _kind(col)
    if kind == "bool":
        return raw == ord("T")
    if kind == "text":
        return raw
    values = raw.astype(raw.dtype.newbyteorder("="))
    target = _scaled_dtype(raw.dtype.base, col)
    if target.kind == "u":  # offset to the unsigned range, bit pattern preserved
        return values.view(target) + target.type(2 ** (8 * target.itemsize - 1))
    if target.kind == "f" and (col.bzero or col.bscale):
        return values * (col.bscale or 1) + (col.bzero or 0)
    return values


def _data_bytes(header) -> int:
    """Size of an HDU's data including its padding to 2880-byte blocks."""
    naxis = int(header.get("NAXIS", 0))
    if naxis == 0:
        return 0
    n = 1
    for i in range(1, naxis + 1):
        n *= int(header[f"NAXIS{i}"])
    size = abs(int(header["BITPIX"])) // 8 * int(header.get("GCOUNT", 1)) * (
        int(header.get("PCOUNT", 0)) + n)
    return -(-size // 2880) * 2880


def _skip(stream, n: int) -> None:
    """Read past ``n`` bytes (a gzip stream cannot seek forward cheaply)."""
    while n > 0:
        got = len(stream.read(min(n, STREAM_CHUNK_BYTES)))
        if not got:
            raise EOFError("file ends before the table")
        n -= got


@contextmanager
def _uncompressed(path: Path) -> Iterator[Path]:
    """A gzipped FITS file is streamed to a temporary file (in $TMPDIR) so that it can be
    memory-mapped: astropy would otherwise hold the whole decompressed file, about twice."""
    if not path.name.lower().endswith(".gz"):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="hotstars-io-") as tmp:
        plain = Path(tmp) / path.name[:-3]
        log.info("%s: decompressing to %s", path, plain)
        with gzip.open(path, "rb") as src, open(plain, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 24)
        yield plain


def _take(values, rows):
    return values if rows is None else values[rows]


def _yaml_units(raw: bytes | None, path) -> dict[str, str | None]:
    """Column units from astropy's Parquet metadata (absent for Parquet not written by astropy)."""
    if not raw:
        return {}
    from hotstars.io.voparquet import read_header

    try:
        header = read_header(raw)  # plain YAML without importing astropy
    except Exception as exc:  # damaged metadata: read the values, assume the expected units
        log.warning("%s: ignoring unreadable astropy metadata (%s)", path, exc)
        return {}
    return {d["name"]: d.get("unit") for d in header.get("datatype", [])
            if isinstance(d, dict) and "name" in d}


def _arrow_to_numpy(col, rows):
    """ChunkedArray -> numpy; nulls become a mask (ints are not silently turned into floats)."""
    if rows is not None:
        col = col.take(pa.array(rows))
    mask = col.is_null().to_numpy(zero_copy_only=False) if col.null_count else None
    if mask is not None and (pa.types.is_integer(col.type) or pa.types.is_boolean(col.type)):
        col = col.fill_null(0)
    values = col.to_numpy(zero_copy_only=False)
    return np.ma.MaskedArray(values, mask=mask) if mask is not None else values


# ---------------------------------------------------------------------------------------------
# Column resolution, units, dtypes.

def _resolve(names: list[str], spec: InputSpec, where: str) -> dict[str, str]:
    """Map canonical name -> file column name (case-insensitive); errors on missing/ambiguous."""
    by_lower: dict[str, list[str]] = {}
    for n in names:
        by_lower.setdefault(n.lower(), []).append(n)
    resolved, missing, ambiguous = {}, [], []
    for col in spec.columns:
        for candidate in (col.name, *col.aliases):
            found = by_lower.get(candidate.lower())
            if found:
                if len(found) > 1:
                    ambiguous.append(found)
                resolved[col.name] = found[0]
                break
        else:
            if not col.optional:
                missing.append(col)
    if ambiguous:
        desc = "; ".join(" and ".join(repr(n) for n in group) for group in ambiguous)
        raise InputError(where, f"ambiguous columns differing only by case: {desc} "
                         "(column names are matched case-insensitively)",
                         [g[0] for g in ambiguous])
    if missing:
        parts = []
        for col in missing:
            accepted = " / ".join(repr(n) for n in (col.name, *col.aliases))
            near = [repr(by_lower[n][0]) for n in
                    difflib.get_close_matches(col.name, list(by_lower), n=3, cutoff=0.75)]
            parts.append(accepted + (f" (did you mean {', '.join(near)}?)" if near else ""))
        shown = ", ".join(names[:40]) + (f", ... ({len(names)} in all)" if len(names) > 40 else "")
        raise InputError(where, f"missing required {spec.name} column(s) {'; '.join(parts)} "
                         f"(case-insensitive). Columns present: {shown}",
                         [c.name for c in missing])
    return resolved


def _norm(unit: str) -> str:
    return unit.strip().lower().replace(" ", "")


def _parse_unit(text: str):
    import astropy.units as u

    for fmt in ("generic", "fits", "cds", "vounit", "ogip"):
        try:
            return u.Unit(text, format=fmt)
        except Exception:
            continue
    return None


def _unit_factor(file_unit, col: ColumnSpec, fname: str, where: str) -> float:
    """Multiplicative factor from the file's unit to ``col.unit`` (1 when absent/equal)."""
    if col.unit is None or file_unit is None or not str(file_unit).strip():
        return 1.0
    text = str(file_unit)
    key = _norm(text)
    if key == _norm(col.unit) or key in {_norm(a) for a in col.unit_aliases}:
        return 1.0
    import astropy.units as u
    from astropy.units.function.core import FunctionUnitBase

    unit = _parse_unit(UNIT_ALIASES.get(key, text))
    if unit is None:
        log.warning("%s: column %r has unit %r that astropy cannot parse; assuming %r",
                    where, fname, text, col.unit)
        return 1.0
    expected = u.Unit(col.unit)
    try:
        # Function units (mag(AB), dex(cm/s2)) are not rescaled; a negative factor means
        # mag <-> dex (1 mag = -0.4 dex), a change of convention rather than of unit.
        factor = 0.0 if isinstance(unit, FunctionUnitBase) else float(unit.to(expected))
        if factor <= 0:
            raise u.UnitConversionError(text)
        return factor
    except u.UnitConversionError:
        raise InputError(where, f"{_label(col, fname)} has unit {text!r}, not convertible to the "
                         f"expected {col.unit or 'dimensionless'!r}", [col.name]) from None


def _label(col: ColumnSpec, fname: str) -> str:
    return f"column {col.name!r}" + (f" (file column {fname!r})" if fname != col.name else "")


def _int_or_none(text: str) -> int | None:
    try:
        value = int(text)
    except ValueError:
        return None
    return value if -2**63 <= value < 2**63 else None


def _py(value):
    return value.item() if isinstance(value, np.generic) else value


def _bad_rows(rows: np.ndarray, values, bad: np.ndarray, n: int = 5) -> str:
    idx = np.flatnonzero(bad)
    shown = ", ".join(f"row {rows[i]}: {_py(values[i])!r}" for i in idx[:n])
    more = f" ... ({len(idx)} bad rows in all)" if len(idx) > n else ""
    return f"{shown}{more}"


def _str(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return (value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)).strip()


def _text(values) -> np.ndarray:
    """Any array of bytes/str/None/NaN -> object array of stripped str (missing -> '').

    Fixed-width text (FITS, numpy) is converted once per distinct value: a survey's text
    columns (programme, carton, observatory, reduction) hold a handful in a million rows."""
    mask = np.ma.getmaskarray(values)
    data = np.asarray(np.ma.getdata(values))  # plain ndarray (FITS gives a chararray)
    if data.dtype.kind in "SU" and data.size > 1000:  # pandas' hash table: no sort
        codes, distinct = pd.factorize(data.ravel())
        out = _stripped(np.asarray(distinct, dtype=data.dtype))[codes]
    else:
        out = _stripped(data)
    out[mask] = ""
    return out


def _stripped(data: np.ndarray) -> np.ndarray:
    """:func:`_text` of a plain array without a mask."""
    if data.dtype.kind == "S":
        if (np.ascontiguousarray(data).view(np.uint8) < 128).all():  # ASCII: a plain cast
            data = data.astype(f"U{max(data.dtype.itemsize, 1)}")
        else:
            data = np.char.decode(data, "utf-8", "replace")
    if data.dtype.kind == "U":
        return np.strings.strip(data).astype(object)
    # object arrays (Parquet/CSV text): None and NaN are missing
    return np.array([_str(v) for v in data.tolist()], dtype=object)


def _folded(values) -> np.ndarray:
    """Stripped lower-case text for matching; FITS bytes stay bytes (4x less memory than str)."""
    data = np.asarray(np.ma.getdata(values))
    if data.dtype.kind not in "SU" or np.ma.is_masked(values):
        data = _text(values).astype(str)
    return np.strings.lower(np.strings.strip(data))


def _like(array: np.ndarray, text: str):
    return text.encode() if array.dtype.kind == "S" else text


def _coerce(values, col: ColumnSpec, fname: str, rows: np.ndarray, where: str) -> np.ndarray:
    """File values -> int64 / float64 / str array, or InputError naming the bad rows."""
    data = np.asarray(np.ma.getdata(values))
    mask = np.ma.getmaskarray(values)
    label = _label(col, fname)

    def fail(what, bad, shown=None):
        raise InputError(where, f"{label}: expected {what}; "
                         f"{_bad_rows(rows, data if shown is None else shown, bad)}", [col.name])

    if data.ndim != 1:
        raise InputError(where, f"{label}: expected a scalar {col.kind} column, found an array "
                         f"column of shape {data.shape[1:]} per row", [col.name])
    kind = data.dtype.kind
    if kind == "b" and col.kind != "str":
        raise InputError(where, f"{label}: expected {col.kind} values, found a boolean column",
                         [col.name])

    if col.kind == "str":
        if kind not in "SUO":
            raise InputError(where, f"{label}: expected text, found {data.dtype} values",
                             [col.name])
        return _text(values)

    if kind in "SUO":  # text in a numeric column: parse, report what does not parse
        text = _text(values)
        parsed = pd.to_numeric(pd.Series(text), errors="coerce").to_numpy(dtype=float)
        unparsable = np.isnan(parsed) & ~np.isin(text, ["", "nan", "NaN", "NA", "null", "None"])
        if unparsable.any():
            fail(f"{col.kind} numbers, found text", unparsable, text)
        if col.kind == "int":  # exact parse (float64 would corrupt 19-digit ids)
            ints = [_int_or_none(t) for t in text]
            bad = np.array([v is None for v in ints])
            if bad.any():
                if col.id and any("e" in str(t).lower() for t in text[bad]):
                    fail("integer ids, found ids in floating-point notation: " + _SPREADSHEET,
                         bad, text)
                fail("an int64 integer in every row", bad, text)
            return np.array(ints, dtype=np.int64)
        data, mask, kind = parsed, mask | np.isnan(parsed), "f"

    if col.kind == "float":
        out = data.astype(np.float64)
        out[mask] = np.nan
        return out

    # int
    if mask.any():
        fail("an integer in every row, found missing (null/masked) values", mask)
    if kind in "iu":
        if kind == "u" and data.size and data.max() > np.iinfo(np.int64).max:
            fail("values that fit int64", data > np.iinfo(np.int64).max)
        return data.astype(np.int64)
    bad = ~np.isfinite(data) | (data != np.round(data)) | (np.abs(data) > 2.0**53)
    if bad.any():
        fail("integers (stored as float: finite, integral, |x| <= 2**53 to be exact)"
             + (f"; the ids are stored as floats: {_SPREADSHEET}" if col.id else ""), bad)
    return data.astype(np.int64)


# What damaged ids look like and what to do (ColumnSpec.id).
_SPREADSHEET = ("a spreadsheet (or float64) keeps only 15-16 significant digits of a 19-digit "
                "id, which then points at another star or at none; export the ids again as "
                "integers or text from the source, without a spreadsheet")
# Ids with at least this many digits are tested for rounding (15 significant digits kept).
_ID_DIGITS = 17


def _check_ids(values: np.ndarray, col: ColumnSpec, fname: str, rows: np.ndarray,
               where: str) -> None:
    """Refuse ids rounded to 15 significant digits (a spreadsheet round trip): every id of
    >= 17 digits is then a multiple of 10**(digits - 15) (e.g. 4123456789012340000). Real Gaia
    and SDSS ids end in any digit: the chance that n >= 2 intact ids all do so is < 1e-4**n."""
    big = np.abs(values) >= 10 ** (_ID_DIGITS - 1)
    if big.sum() < 2 or not _rounded(values):
        return
    n = int(big.sum())
    raise InputError(where, f"{_label(col, fname)}: all {n} ids of {_ID_DIGITS}+ digits end in "
                     f"zeros (rounded to 15 significant digits: "
                     f"{_bad_rows(rows[big], values[big], np.ones(n, bool), 3)}): {_SPREADSHEET}",
                     [col.name])


# ---------------------------------------------------------------------------------------------
# Public readers.

def read_input(path, spec: InputSpec, *, hdu: int | str | None = None,
               program: str | None = None, unique_key: bool = True) -> pd.DataFrame:
    """Read and validate one survey input; return its spec's columns under canonical names.

    Parameters
    ----------
    path : FITS (``.fits``/``.fit``/``.fts``, optionally ``.gz``), ``.parquet``, ``.csv`` or
        ``.ecsv`` file.
    spec : one of :data:`SPECS` (SPALL, BOSSNET, GAIA, DISTANCES, TMASS).
    hdu : FITS HDU (index or EXTNAME); default ``spec.hdu`` = 1, the first table HDU.
    program : only for specs with ``programname``/``firstcarton`` (spAll): keep rows whose
        PROGRAMNAME equals ``program`` or whose FIRSTCARTON starts with it (case-insensitive)
        and validate only those.
    unique_key : check that ``spec.key`` is unique (default). False returns rows with a repeated
        key as they are, for the caller to resolve (spAll, BOSS Net: hotstars.selection).

    Returns a DataFrame (RangeIndex) with int64, float64 (in ``spec``'s units, NaN where allowed)
    and str columns; optional columns only when present in the file.
    Raises :class:`InputError` on any unreadable file or broken contract.
    """
    path = Path(path)
    if program is not None and not {"programname", "firstcarton"} <= set(spec.names):
        raise TypeError(f"program= only applies to inputs with PROGRAMNAME/FIRSTCARTON, "
                        f"not {spec.name}")
    fmt = _format(path)
    hdu = spec.hdu if hdu is None else hdu
    where = f"{path} [{spec.name}" + (f", HDU {hdu}]" if fmt == "fits" else "]")
    if not path.is_file():
        raise InputError(where, "no such file")
    try:
        with _open(path, fmt, hdu, where) as src:
            resolved = _resolve(src.names, spec, where)
            src.prefetch(list(dict.fromkeys(resolved.values())))
            empty = InputError(where, "empty table (no rows)")
            if src.nrows == 0:
                raise empty
            kinds = {c.name: c.kind for c in spec.columns}
            rows = None
            if program is not None:
                sel = src.read([resolved["programname"], resolved["firstcarton"]], None, set())
                prog = _folded(sel[resolved["programname"]])
                carton = _folded(sel[resolved["firstcarton"]])
                if len(prog) == 0:
                    raise empty
                keep = ((prog == _like(prog, program.lower()))
                        | np.char.startswith(carton, _like(carton, program.lower())))
                if not keep.any():
                    present = ", ".join(repr(_str(p)) for p in pd.unique(prog)[:10])
                    raise InputError(where, f"no {program} rows in {path} (PROGRAMNAME == "
                                     f"{program!r} or FIRSTCARTON starting with it; "
                                     f"PROGRAMNAME values present: {present})",
                                     ["programname", "firstcarton"])
                rows = np.flatnonzero(keep)
            text = {f for c, f in resolved.items() if kinds[c] != "float"}
            raw = src.read(list(dict.fromkeys(resolved.values())), rows, text)
            file_units = {c: src.units.get(f) for c, f in resolved.items()}
            if rows is None:
                rows = np.arange(len(raw[resolved[spec.key[0]]]))
                if len(rows) == 0:
                    raise empty
    except (InputError, MemoryError):
        raise
    except Exception as exc:
        raise InputError(where, f"cannot read as {fmt}: {type(exc).__name__}: {exc}") from exc

    data = {}
    for col in spec.columns:
        if col.name not in resolved:
            continue
        fname = resolved[col.name]
        values = _coerce(raw[fname], col, fname, rows, where)
        if col.id:
            _check_ids(values, col, fname, rows, where)
        if col.kind == "float":
            factor = _unit_factor(file_units[col.name], col, fname, where)
            if factor != 1.0:
                values = values * factor
            if col.missing_outside is not None:
                values = _sentinels_to_nan(values, col, fname, rows, where)
            if col.finite:
                bad = ~np.isfinite(values)
                if bad.any():
                    raise InputError(where, f"column {col.name!r}: expected finite values "
                                     f"(NaN/inf not allowed); {_bad_rows(rows, values, bad)}",
                                     [col.name])
            _check_values(values, col, fname, file_units[col.name], rows, where)
        data[col.name] = values
    df = pd.DataFrame(data)
    _check_order(df, spec, rows, where)
    if unique_key:
        _check_key(df, spec, rows, where)
    if spec.check is not None:
        spec.check(df, where)
    df.attrs["source"] = where  # for messages of later joins (not written to products)
    log.info("%s: %d rows, %d columns", where, len(df), df.shape[1])
    return df


def _sentinels_to_nan(values: np.ndarray, col: ColumnSpec, fname: str, rows: np.ndarray,
                      where: str) -> np.ndarray:
    """``col.missing_outside``: finite values outside the physical range -> NaN (counted, logged);
    +-inf is no missing-value convention and stops."""
    inf = np.isinf(values)
    if inf.any():
        raise InputError(where, f"{_label(col, fname)}: expected finite values or NaN (missing); "
                         f"{_bad_rows(rows, values, inf)}", [col.name])
    lo, hi = col.missing_outside
    with np.errstate(invalid="ignore"):
        sentinel = np.isfinite(values) & ~((values > lo) & (values < hi))
    n_nan = int(np.isnan(values).sum())
    if sentinel.any():
        shown = ", ".join(f"{v:g}" for v in np.unique(values[sentinel])[:5])
        log.warning("%s: %s: %d value(s) outside the physical range (%g, %g) %s (%s) taken as "
                    "missing (sentinels -> NaN); %d more missing (NULL/NaN)", where,
                    _label(col, fname), int(sentinel.sum()), lo, hi, col.unit, shown, n_nan)
        values = values.copy()
        values[sentinel] = np.nan
    elif n_nan:
        log.info("%s: %s: %d missing value(s) (NULL/NaN)", where, _label(col, fname), n_nan)
    return values


def _check_values(values: np.ndarray, col: ColumnSpec, fname: str, file_unit, rows: np.ndarray,
                  where: str) -> None:
    """``col``'s bounds on the non-NaN values, then the plausibility of their median."""
    unit = f" {col.unit}" if col.unit else ""
    given = ~np.isnan(values)
    with np.errstate(invalid="ignore"):
        for op, bound, ok in (("> ", col.gt, np.greater), (">= ", col.ge, np.greater_equal),
                              ("<= ", col.le, np.less_equal)):
            if bound is None:
                continue
            bad = given & ~ok(values, bound)
            if bad.any():
                raise InputError(where, f"{_label(col, fname)}: expected values {op}{bound:g}{unit}"
                                 f"{'' if col.finite else ' (or NaN when missing)'}; "
                                 f"{_bad_rows(rows, values, bad)}", [col.name])
    finite = values[np.isfinite(values)]
    if col.median is None or finite.size == 0:
        return
    med = float(np.median(finite))
    lo, hi = col.median
    if lo <= med <= hi:
        return
    said = (f"the file gives its unit as {str(file_unit)!r}" if file_unit and str(file_unit).strip()
            else f"the file gives no unit, so {col.unit!r} was assumed")
    msg = (f"{_label(col, fname)}: median value {med:.4g}{unit}, expected a median between "
           f"{lo:g} and {hi:g}{unit}; {said}")
    likely = _likely_unit(med, col)
    if likely is not None:
        factor = float(likely.to(col.unit))
        msg += (f". The values look like {likely.to_string()}: convert them to {col.unit} "
                f"(multiply by {factor:g}) or declare the unit {likely.to_string()!r} in the file "
                "(FITS TUNIT, ECSV or astropy-Parquet unit)")
    raise InputError(where, msg, [col.name])


def _rounded(ids: np.ndarray) -> bool:
    """Every id of >= 17 digits a multiple of 10**(digits - 15) (and there is one)."""
    v = np.abs(ids[np.abs(ids) >= 10 ** (_ID_DIGITS - 1)])
    if v.size == 0:
        return False
    digits = np.floor(np.log10(v.astype(float))).astype(int) + 1
    return bool((v % 10 ** np.maximum(digits - 15, 0).astype(np.int64) == 0).all())


# Units tried when a column's median is implausible (the first that makes it plausible is named).
_LIKELY_UNITS = ("kpc", "pc", "Mpc", "lyr", "km", "AU", "mas", "arcsec", "deg", "rad", "m / s",
                 "km / s")


def _likely_unit(median: float, col: ColumnSpec):
    import astropy.units as u

    expected = u.Unit(col.unit)
    for text in _LIKELY_UNITS:
        unit = u.Unit(text)
        if unit != expected and unit.is_equivalent(expected):
            if col.median[0] <= median * float(unit.to(expected)) <= col.median[1]:
                return unit
    return None


def _check_order(df: pd.DataFrame, spec: InputSpec, rows: np.ndarray, where: str) -> None:
    if not spec.ordered:
        return
    values = df[list(spec.ordered)].to_numpy(float)
    with np.errstate(invalid="ignore"):
        bad = np.isfinite(values).all(axis=1) & (np.diff(values, axis=1) < 0).any(axis=1)
    if bad.any():
        idx = np.flatnonzero(bad)
        shown = ", ".join(f"row {rows[i]}: {tuple(_py(v) for v in values[i])}" for i in idx[:5])
        more = f" ... ({len(idx)} bad rows in all)" if len(idx) > 5 else ""
        raise InputError(where, f"columns {', '.join(map(repr, spec.ordered))}: expected "
                         f"{' <= '.join(spec.ordered)} in every row; {shown}{more}", spec.ordered)


def _check_key(df: pd.DataFrame, spec: InputSpec, rows: np.ndarray, where: str) -> None:
    key = [k for k in spec.key if k in df.columns]  # optional key columns: those the file has
    dup = df.duplicated(key, keep=False).to_numpy()
    if not dup.any():
        return
    groups = (df.loc[dup, key].assign(_row=rows[dup])
              .groupby(key, sort=False)["_row"].apply(list))
    shown = "; ".join(f"({', '.join(f'{k}={v}' for k, v in zip(key, np.atleast_1d(vals)))}) "
                      f"at rows {r}" for vals, r in list(groups.items())[:5])
    more = f" ... ({len(groups)} duplicated keys in all)" if len(groups) > 5 else ""
    note = f". {spec.key_note}" if spec.key_note else ""
    ids = [c.name for c in spec.columns if c.id and c.name in key]
    if ids and _rounded(df.loc[dup, ids[0]].to_numpy()):
        note += (f". The repeated ids end in zeros (15 significant digits): {_SPREADSHEET}")
    raise InputError(where, f"key ({', '.join(key)}) must be unique; duplicated: {shown}{more}"
                     f"{note}", key)


