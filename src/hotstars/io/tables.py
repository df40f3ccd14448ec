"""Writing and reading the workflow's own products (Parquet with astropy's header, CSV, JSON,
and the age posteriors).

Every product is written atomically: to a temporary file beside the target, then renamed, so a
killed job never leaves a half-written product behind. Parquet products carry the header
astropy's writer makes (``table_meta_yaml``), so that column units and table metadata survive
(TOPCAT and ``Table.read`` show them): for plain columns, units and metadata it is made without
importing astropy (:mod:`hotstars.io.voparquet`, the same bytes), else through
``astropy.table.Table``. :func:`read_table` and :func:`read_meta` read plain products with
pyarrow and PyYAML alone.

Every Parquet product is also a VOParquet file (IVOA note "Parquet files with VOTable
metadata", version 1.0): the file-level key ``IVOA.VOTable-Parquet.version`` = "1.0" and
``IVOA.VOTable-Parquet.content``, a VOTable 1.3 document whose FIELDs give each column's
datatype, arraysize, unit, UCD and DESCRIPTION (from :mod:`hotstars.io.columns`), with a
``<PARQUET type="Parquet-local-XML"/>`` element in place of DATA and the provenance as INFO
elements (:func:`votable_xml`). ``Table.read(path, format="parquet.votable")`` and TOPCAT read
it; ``Table.read(path)`` still reads astropy's own ``table_meta_yaml`` key. Units in the XML are
in the CDS syntax VOTable 1.3 prescribes (``[yr]`` for dex(yr), ``[-]`` for dex): VOUnit (VOTable
1.4+) has no spelling of logarithmic units that astropy parses (docs/conventions.md).

Products written inside a workflow job carry its provenance (:mod:`hotstars.io.provenance`): a
``provenance`` table-metadata entry (Parquet, FITS keywords) or a top-level ``"provenance"`` key
(JSON).
"""

from __future__ import annotations

import glob
import io
import json
import logging
import os
import tempfile
import warnings
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from hotstars.errors import HotstarsError
from hotstars.io import columns, provenance, voparquet

if TYPE_CHECKING:  # astropy is imported where it is used: a job that only reads skips it
    from astropy.io.votable.tree import VOTableFile
    from astropy.table import Table

log = logging.getLogger(__name__)

VOPARQUET_VERSION = "1.0"
_VOT_NS = "http://www.ivoa.net/xml/VOTable/v1.3"  # namespace of VOTable 1.3 to 1.5


class ProductError(HotstarsError):
    """A product file is not what the workflow wrote (missing column or metadata)."""


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it onto ``path`` on success.

    The temporary file is ``.<name>.<random>.part``; those left by an earlier write of the same
    product that was killed (SIGKILL runs no cleanup) are removed first. One writer per product
    is assumed (Snakemake runs one job per output).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(glob.escape(f".{path.name}.") + "*.part"):
        stale.unlink(missing_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; products are shared files
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def to_astropy(df: pd.DataFrame, units: Mapping[str, str] | None = None,
               meta: Mapping | None = None) -> Table:
    """Convert a DataFrame to an astropy Table, attaching ``units`` (column -> unit string)."""
    from astropy.table import Column, MaskedColumn, Table
    plain = _plain_columns(df)
    if plain is not None:  # what from_pandas would give, without its per-value Python checks
        return _annotated(Table(plain, copy=False), units, meta)
    table = Table.from_pandas(df.reset_index(drop=True))
    for name in table.colnames:
        # from_pandas masks NaN floats; keep plain NaN so Parquet has no '<col>.mask' companions
        col = table[name]
        if isinstance(col, MaskedColumn) and col.dtype.kind == "f":
            table[name] = Column(col.filled(np.nan), name=name)
    return _annotated(table, units, meta)


def _annotated(table: Table, units: Mapping[str, str] | None, meta: Mapping | None) -> Table:
    """``table`` with ``units``, the registry's descriptions and ``meta``."""
    for name, unit in (units or {}).items():
        if name in table.colnames and unit:
            table[name].unit = unit
    describe(table)
    if meta:
        table.meta.update(meta)
    return table


def _plain_columns(df: pd.DataFrame) -> dict[str, np.ndarray] | None:
    """The columns of ``df`` as numpy arrays when every one is a plain number/bool column or
    text without gaps (as fixed-width str, the dtype astropy's from_pandas gives it); else None."""
    if not df.columns.is_unique or not all(isinstance(name, str) for name in df.columns):
        return None
    out = {}
    for name, col in df.items():
        if isinstance(col.dtype, np.dtype) and col.dtype.kind in "biuf":
            out[name] = col.to_numpy()
        elif len(col) and (isinstance(col.dtype, pd.StringDtype) and not col.isna().any()
                           or col.dtype == object
                           and pd.api.types.infer_dtype(col, skipna=False) == "string"):
            out[name] = col.to_numpy(dtype=str)
        else:
            return None
    return out


def describe(table: Table) -> list[str]:
    """Give each column without a description its :mod:`hotstars.io.columns` one; return the
    names that have none (the registry lacks them)."""
    lacking = []
    for name in table.colnames:
        info = columns.info(name)
        if not table[name].info.description:
            if info is None:
                lacking.append(name)
            else:
                table[name].info.description = info.description
    return lacking


def _with_provenance(meta: Mapping | None) -> dict:
    """``meta`` plus this job's ``provenance`` record (none outside a job)."""
    record = provenance.current()
    return {**dict(meta or {}), **({"provenance": record} if record else {})}


# --- VOParquet (VOTable metadata in Parquet) ---------------------------------------------------

def votable_unit(unit) -> str | None:
    """``unit`` in the VOTable 1.3 (CDS) syntax, None if it has none or cannot be written.

    Logarithmic units are CDS ``[unit]`` (dex(yr) -> ``[yr]``, dex -> ``[-]``). A unit astropy
    does not recognise (the mock Gaia input keeps the archive's ``log(cm.s**-2)``) gets none:
    a translation would contradict the ``table_meta_yaml`` unit when astropy merges the two.
    """
    if unit is None or unit == "":
        return None
    import astropy.units as u
    if isinstance(unit, str):
        unit = u.Unit(unit, parse_strict="silent")
    if isinstance(unit, u.UnrecognizedUnit):
        return None
    if unit == u.dex:
        return "[-]"
    try:
        return unit.to_string("cds")
    except (ValueError, TypeError):
        return None


def votable_xml(table: Table, name: str = "", record: Mapping | None = None) -> str:
    """The VOTable 1.3 document of a VOParquet file holding ``table``'s columns: FIELDs with
    datatype, arraysize, unit (:func:`votable_unit`), UCD and DESCRIPTION (the column's, else
    :mod:`hotstars.io.columns`), ``<PARQUET type="Parquet-local-XML"/>`` in place of DATA, and
    ``record`` (provenance) as INFO elements. Deterministic: no date, no software banner."""
    head = table[:0].copy(copy_data=True)
    head.meta.clear()
    from astropy.io.votable.tree import Info, Resource, TableElement, VOTableFile
    vot = VOTableFile(version="1.3")
    resource = Resource()
    vot.resources.append(resource)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # units are set below, in the CDS syntax
        element = TableElement.from_table(vot, head)
    resource.tables.append(element)
    if name:
        element.name = name
    for field in element.fields:
        col = table[field.name]
        info = columns.info(field.name)
        field.unit = votable_unit(col.unit)
        field.ucd = (info.ucd or None) if info else None
        field.description = col.info.description or (info.description if info else None)
    for key, value in _info_items(record):
        element.infos.append(Info(name=key, value=value))
    root = ET.fromstring(_to_xml(vot))
    ns = {"v": _VOT_NS}
    tab = root.find("v:RESOURCE/v:TABLE", ns)
    for field in tab.findall("v:FIELD", ns):  # one line, as written (astropy wraps long text)
        description = field.find("v:DESCRIPTION", ns)
        if description is not None:
            description.text = table[field.get("name")].info.description or description.text
    for data in tab.findall("v:DATA", ns):  # an empty table has none
        tab.remove(data)
    # PARQUET takes the place of DATA: after the FIELDs, before the trailing INFOs
    index = max(i for i, child in enumerate(tab) if child.tag == f"{{{_VOT_NS}}}FIELD") + 1
    tab.insert(index, ET.Element(f"{{{_VOT_NS}}}PARQUET", type="Parquet-local-XML"))
    ET.register_namespace("", _VOT_NS)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def _to_xml(vot: VOTableFile) -> bytes:
    buf = io.BytesIO()
    vot.to_xml(buf)
    return buf.getvalue()


def _info_items(record: Mapping | None) -> list[tuple[str, str]]:
    """(name, value) INFO pairs of a provenance record (input_<n>: path, size, sha256)."""
    if not record:
        return []
    out = [(f"provenance_{key}", "" if record.get(key) is None else str(record[key]))
           for key in provenance.FIELDS if key != "inputs"]
    for i, item in enumerate(record.get("inputs") or [], start=1):
        out.append((f"provenance_input_{i}",
                    f"{item['path']} ({item.get('size')} bytes, sha256 {item.get('sha256')})"))
    return out


def _voparquet_keys(table: Table, name: str) -> dict[bytes, bytes]:
    """The two VOParquet keys of a Parquet file holding ``table``'s columns."""
    xml = votable_xml(table, name, table.meta.get("provenance"))
    return {b"IVOA.VOTable-Parquet.version": VOPARQUET_VERSION.encode(),
            b"IVOA.VOTable-Parquet.content": xml.encode()}


def _add_voparquet(path: Path, table: Table, name: str) -> None:
    """Rewrite the Parquet file ``path`` (written from ``table``) with the two VOParquet keys."""
    data = pq.read_table(path)
    metadata = {**(data.schema.metadata or {}), **_voparquet_keys(table, name)}
    pq.write_table(data.replace_schema_metadata(metadata), path, version="2.4")


def _write_plain(df: pd.DataFrame, path: Path, units: Mapping[str, str] | None,
                 meta: Mapping) -> bool:
    """Write ``df`` as VOParquet without astropy (:mod:`hotstars.io.voparquet`) when its
    columns, units and metadata allow; False (nothing written) when they do not."""
    arrays = _plain_columns(df)
    name = path.name.removesuffix(".parquet")
    keys = voparquet.headers(arrays, units, meta, name, _info_items(meta.get("provenance"))) \
        if arrays else None
    if keys is None:
        return False
    lacking = columns.missing(list(arrays))
    if lacking:
        log.warning("%s: no description in hotstars.io.columns for %s", path.name, lacking)
    _write_arrays(arrays, keys, path)
    return True


def _astropy_keys(table: Table, name: str) -> dict[bytes, str]:
    """The headers :func:`hotstars.io.voparquet.headers` makes, made by astropy for ``table``
    (any metadata): ``table::len::<col>`` string widths, ``table_meta_yaml``, the VOTable."""
    from astropy.table import meta as table_meta
    keys = {}
    for key, col in table.columns.items():
        if col.dtype.kind in "US":  # astropy's string width: characters (U: 4 bytes each)
            keys[f"table::len::{key}".encode()] = str(
                col.dtype.itemsize // (4 if col.dtype.kind == "U" else 1))
    keys[b"table_meta_yaml"] = "\n".join(table_meta.get_yaml_from_table(table))
    keys[b"IVOA.VOTable-Parquet.content"] = votable_xml(table, name, table.meta.get("provenance"))
    return keys


def _write_arrays(arrays: Mapping[str, np.ndarray], keys: Mapping[bytes, str], path) -> None:
    """Columns ``arrays`` with the headers ``keys`` (:func:`_arrow_table`), atomically."""
    with atomic_path(path) as tmp:
        pq.write_table(_arrow_table(arrays, keys), tmp, version="2.4")


def _arrow_table(arrays: Mapping[str, np.ndarray], keys: Mapping[bytes, str]) -> pa.Table:
    """Columns ``arrays`` (little-endian; 2-D as fixed-size lists) with the headers ``keys``
    (:func:`hotstars.io.voparquet.headers` or :func:`_astropy_keys`) and the VOParquet version,
    the keys in astropy's order."""
    columns_ = []
    for array in arrays.values():
        array = np.asarray(array)
        array = array.astype(array.dtype.newbyteorder("<"), copy=False)
        columns_.append(pa.FixedSizeListArray.from_arrays(pa.array(array.ravel()), array.shape[1])
                        if array.ndim == 2 else pa.array(array))
    metadata = {key: value for key, value in keys.items() if key.startswith(b"table::len::")}
    metadata[b"table_meta_yaml"] = keys[b"table_meta_yaml"]
    metadata[b"IVOA.VOTable-Parquet.version"] = VOPARQUET_VERSION
    metadata[b"IVOA.VOTable-Parquet.content"] = keys[b"IVOA.VOTable-Parquet.content"]
    return pa.Table.from_arrays(columns_, names=list(arrays)).replace_schema_metadata(
        {key: value.encode() for key, value in metadata.items()})


def _write_voparquet(table: Table, path: Path, name: str) -> None:
    """Write ``table`` as VOParquet in one pass: the columns and the ``table_meta_yaml`` (and
    ``table::len::`` string widths) astropy's parquet writer makes, plus the two VOParquet keys.
    Mixin, masked, object or array columns: astropy's writer, then :func:`_add_voparquet`."""
    from astropy.table import Column
    if not all(type(col) is Column and col.dtype.kind != "O" and col.ndim == 1
               for col in table.columns.values()):
        table.write(path, format="parquet", overwrite=True)
        _add_voparquet(path, table, name)
        return
    arrays = {key: np.asarray(col) for key, col in table.columns.items()}
    pq.write_table(_arrow_table(arrays, _astropy_keys(table, name)), path, version="2.4")


def _fits_meta(table: Table) -> None:
    """Provenance as FITS keywords (:func:`hotstars.io.provenance.fits_cards`), not a dict."""
    record = table.meta.pop("provenance", None)
    for key, value, _ in provenance.fits_cards(record):
        table.meta[key] = value


def _ascii_bytes(col: pd.Series) -> np.ndarray | None:
    """Gap-free ASCII text as the fixed-width bytes astropy writes to FITS, straight from the
    Arrow buffers: width the longest value (at least 1), NUL-padded, trailing blanks turned into
    NULs but for a value's first character (as astropy's writer does). None if the column has
    gaps or other characters (its values are then converted by astropy)."""
    if not isinstance(col.dtype, pd.StringDtype) or col.isna().any():
        return None
    import pyarrow.compute as pc

    arr = pa.array(col)
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return None
    arr = arr.cast(pa.large_string())

    def offsets(a):
        return np.frombuffer(a.buffers()[1], np.int64)[a.offset:a.offset + len(a) + 1]

    start = offsets(arr)
    chars = np.frombuffer(arr.buffers()[2] or b"", np.uint8)
    if (chars[start[0]:start[-1]] >= 0x80).any():
        return None
    full = np.diff(start)
    kept = np.diff(offsets(pc.ascii_rtrim(arr, " ")))
    kept = np.where((kept == 0) & (full > 0), 1, kept)
    out = np.zeros((len(arr), max(1, int(full.max(initial=0)))), np.uint8)
    row = np.repeat(np.arange(len(arr)), kept)
    pos = np.arange(row.size) - np.repeat(np.cumsum(kept) - kept, kept)
    out[row, pos] = chars[start[:-1][row] + pos]
    return out.view(f"S{out.shape[1]}").ravel()


_FITS_NUMBERS = ("f4", "f8", "i2", "i4", "i8")  # FITS E, D, I, J, K: the rows' bytes as they are


def _write_fits_plain(df: pd.DataFrame, path: Path, units: Mapping[str, str] | None,
                      meta: Mapping) -> bool:
    """FITS of plain columns (floats, 16–64-bit integers, gap-free ASCII text) without astropy's
    column-by-column conversion of the rows (~5 s for the 1.4 million rows of a full mock
    spAll): the header is astropy's for the table's first row with NAXIS2 set to the row count,
    the data are the rows as big-endian records, zero-padded to the 2880-byte FITS block (FITS
    Standard 4.0, Sec. 7.3) — astropy's own file, byte for byte (tests/test_voparquet.py).
    False (and nothing written) for anything else: astropy's writer then handles it."""
    if not len(df) or not df.columns.is_unique or not all(isinstance(c, str) for c in df.columns):
        return False
    fields = {}
    for name, col in df.items():
        if isinstance(col.dtype, np.dtype) and col.dtype.str[1:] in _FITS_NUMBERS:
            fields[name] = col.to_numpy()  # made big-endian by the copy into the records
        elif (text := _ascii_bytes(col)) is not None:
            fields[name] = text
        else:  # bool ('L': T/F), unsigned and 8-bit integers (TZERO), float16, gaps: astropy's
            return False
    records = np.empty(len(df), [(name, a.dtype if a.dtype.kind == "S"
                                  else a.dtype.newbyteorder(">")) for name, a in fields.items()])
    for name, a in fields.items():
        records[name] = a
    from astropy.io import fits
    from astropy.table import Table
    first = Table({name: a[:1].astype(f"U{a.dtype.itemsize}") if a.dtype.kind == "S" else a[:1]
                   for name, a in fields.items()})
    first = _annotated(first, units, meta)
    _fits_meta(first)
    header = fits.table_to_hdu(first, character_as_bytes=True).header
    header["NAXIS2"] = len(df)
    with atomic_path(path) as tmp, open(tmp, "wb") as out:
        out.write(fits.PrimaryHDU().header.tostring().encode("ascii"))
        out.write(header.tostring().encode("ascii"))
        out.write(records.data)
        out.write(bytes(-records.nbytes % 2880))
    return True


def write_table(df: pd.DataFrame, path: str | os.PathLike, units: Mapping[str, str] | None = None,
                meta: Mapping | None = None) -> None:
    """Write ``df`` to Parquet (astropy's header, units kept; module docstring), FITS or CSV,
    atomically.

    The format follows the suffix: ``.parquet``, ``.fits`` or ``.csv``. Columns get their
    :mod:`hotstars.io.columns` descriptions; Parquet is VOParquet (module docstring); inside a
    workflow job the provenance goes into the metadata (Parquet, FITS keywords; not CSV).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".fits"):
        meta = _with_provenance(meta)
        if suffix == ".parquet" and _write_plain(df, path, units, meta):
            return
        if suffix == ".fits" and _write_fits_plain(df, path, units, meta):
            return
        table = to_astropy(df, units, meta)
        lacking = columns.missing(table.colnames)
        if lacking and suffix == ".parquet":
            log.warning("%s: no description in hotstars.io.columns for %s", path.name, lacking)
    with atomic_path(path) as tmp:
        if suffix == ".parquet":
            _write_voparquet(table, tmp, path.name.removesuffix(".parquet"))
        elif suffix == ".fits":
            _fits_meta(table)
            table.write(tmp, format="fits", overwrite=True)
        elif suffix == ".csv":
            df.to_csv(tmp, index=False)
        else:
            raise ValueError(f"{path}: unsupported product format {suffix!r} (parquet, fits, csv)")


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a product written by :func:`write_table` back into a DataFrame (units dropped).

    A Parquet file of plain columns (no astropy-serialised mixin or mask columns, no nested
    values, nulls only in floats) is read by pyarrow alone: the same frame as
    ``Table.read(path).to_pandas()``, without astropy's import and per-column conversion.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return pd.read_csv(path)
    if suffix == ".parquet":
        data = pq.read_table(path)
        if _plain(data):
            return data.to_pandas()
    from astropy.table import Table
    return Table.read(path).to_pandas()


def _plain(data: pa.Table) -> bool:
    """True if pyarrow's DataFrame of ``data`` equals astropy's (see :func:`read_table`); a file
    written by pandas (its index and dtypes in the ``pandas`` key) goes through astropy too."""
    metadata = data.schema.metadata or {}
    if b"pandas" in metadata or b"__serialized_columns__" in metadata.get(b"table_meta_yaml", b""):
        return False
    for field, column in zip(data.schema, data.columns):
        if pa.types.is_nested(field.type) or pa.types.is_dictionary(field.type):
            return False
        if column.null_count and not pa.types.is_floating(field.type):
            return False
    return True


def read_meta(path: str | os.PathLike) -> dict:
    """The table metadata of a Parquet or FITS product (``Table.read(path).meta``; a Parquet
    header of plain values is read without astropy: :func:`hotstars.io.voparquet.read_header`)."""
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        text = (pq.read_schema(path).metadata or {}).get(b"table_meta_yaml", b"")
        meta = dict(voparquet.read_header(text).get("meta") or {})
        meta.pop("__serialized_columns__", None)  # astropy's record of its mixin and masked
        return meta  # columns: Table.read takes it out of the metadata too
    from astropy.table import Table
    return dict(Table.read(path).meta)


def read_units(path: str | os.PathLike) -> dict[str, str]:
    """Column units of a Parquet/FITS product, as strings (columns without a unit omitted)."""
    from astropy.table import Table
    table = Table.read(path)
    return {name: str(col.unit) for name, col in table.columns.items() if col.unit is not None}


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def write_json(obj, path: str | os.PathLike) -> None:
    """Write ``obj`` as indented, key-sorted JSON, atomically (numpy scalars allowed).

    Inside a workflow job a dict gets this job's record under the top-level key
    ``"provenance"`` (replacing one copied from an input).
    """
    record = provenance.current()
    if record and isinstance(obj, Mapping):
        obj = {**obj, "provenance": record}
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, default=_json_default) + "\n")


def write_posteriors(path, source_id, log_age_axis, P: np.ndarray, meta: Mapping | None = None):
    """Write ``posteriors.parquet``: source_id and ``posterior`` (fixed-length array of f(τ_k),
    NaN rows for flagged stars); the grid in the table metadata ``log_age_grid`` [dex(yr)].

    The file is what astropy's parquet writer makes (``Table.read`` gives the 2-D column and the
    metadata), written through pyarrow without astropy's per-row copies (500k stars: ~0.3 GB and
    a second instead of ~1 GB and 10 s).
    """
    P = np.ascontiguousarray(P, float)
    axis = np.asarray(log_age_axis, float)
    if P.ndim != 2 or P.shape != (len(source_id), axis.size):
        raise ProductError(f"write_posteriors: P has shape {P.shape}, expected "
                       f"({len(source_id)}, {axis.size})")
    meta = _with_provenance({**dict(meta or {}), "log_age_grid": axis.tolist()})
    head = {"source_id": np.zeros(0, np.int64), "posterior": np.zeros((0, axis.size))}
    name = Path(path).name.removesuffix(".parquet")
    keys = voparquet.headers(head, None, meta, name, _info_items(meta.get("provenance")))
    if keys is None:  # metadata only astropy can write
        from astropy.table import Table
        header = Table(head, meta=meta)
        describe(header)
        keys = _astropy_keys(header, name)
    _write_arrays({"source_id": np.asarray(source_id, np.int64), "posterior": P}, keys, path)


def read_posteriors(path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(source_ids, log_age_grid [dex(yr)], P [n_stars × n_ages]) of a posteriors product."""
    data = pq.read_table(path)
    header = voparquet.read_header((data.schema.metadata or {}).get(b"table_meta_yaml", b""))
    grid = (header.get("meta") or {}).get("log_age_grid")
    if "posterior" not in data.column_names or grid is None:
        raise ProductError(f"{path}: expected a 'posterior' column and 'log_age_grid' metadata")
    axis = np.asarray(grid, float)
    post = data.column("posterior").combine_chunks()
    if not pa.types.is_fixed_size_list(post.type) or post.type.list_size != axis.size:
        raise ProductError(f"{path}: 'posterior' is {post.type}, expected {axis.size} values per row")
    P = post.flatten().to_numpy(zero_copy_only=False).reshape(len(data), axis.size)
    return data.column("source_id").to_numpy().astype(np.int64), axis, P
