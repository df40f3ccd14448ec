"""The Parquet metadata of a product of plain columns, written without importing astropy.

A product's Parquet file carries two headers (:mod:`hotstars.io.tables`): astropy's
``table_meta_yaml`` (column units, descriptions and the table metadata, read by ``Table.read``)
and the VOParquet VOTable document (read by TOPCAT and ``format="parquet.votable"``). Importing
astropy's table, units and VOTable machinery costs a workflow job ~0.3 s, more than most jobs'
own work, so for the common case — 1-D numeric, bool or text columns (2-D numeric for the age
posteriors), units from :data:`UNITS`, metadata of plain Python values — both headers are made
here, byte for byte what astropy makes (tests/test_voparquet.py compares them on every product
of a run and on every unit, type and metadata shape below). Anything else returns None and the
caller goes through astropy.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Mapping

import numpy as np
import yaml

from hotstars.io import columns

VOT_NS = "http://www.ivoa.net/xml/VOTable/v1.3"
_XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
_SCHEMA = f"{VOT_NS} http://www.ivoa.net/xml/VOTable/VOTable-1.3.xsd"

#: unit spelling -> (astropy's string of it, its VOTable 1.3 (CDS) spelling or None): every
#: spelling the science modules' UNITS dicts and the column registry use (the test recomputes
#: each with astropy; a unit not here sends the product through astropy)
UNITS: dict[str, tuple[str, str | None]] = {
    "1 / kpc2": ("1 / kpc2", "kpc-2"),
    "Gyr": ("Gyr", "Gyr"),
    "K": ("K", "K"),
    "Myr": ("Myr", "Myr"),
    "d": ("d", "d"),
    "deg": ("deg", "deg"),
    "dex": ("dex", "[-]"),
    "dex(K)": ("dex(K)", "[K]"),
    "dex(cm / s2)": ("dex(cm / s2)", "[cm.s-2]"),
    "dex(cm s-2)": ("dex(cm / s2)", "[cm.s-2]"),
    "dex(solLum)": ("dex(solLum)", "[Lsun]"),
    "dex(yr)": ("dex(yr)", "[yr]"),
    "km / s": ("km / s", "km.s-1"),
    "km/s": ("km / s", "km.s-1"),
    "km2 / s2": ("km2 / s2", "km+2.s-2"),
    "kpc": ("kpc", "kpc"),
    "log(cm.s**-2)": ("log(cm.s**-2)", None),  # the Gaia archive's; astropy does not parse it
    "mag": ("mag", "mag"),
    "mas": ("mas", "mas"),
    "mas / yr": ("mas / yr", "mas.yr-1"),
    "mas/yr": ("mas / yr", "mas.yr-1"),
    "pc": ("pc", "pc"),
    "solMass": ("solMass", "solMass"),
}

#: numpy dtype kind + itemsize -> (ECSV datatype, VOTable datatype), as astropy maps them
_TYPES = {"f8": ("float64", "double"), "f4": ("float32", "float"), "i8": ("int64", "long"),
          "i4": ("int32", "int"), "i2": ("int16", "short"), "u1": ("uint8", "unsignedByte"),
          "b1": ("bool", "bit")}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")  # an XML ID astropy keeps as it is (the TABLE
# name is an attribute, any text)


class _Omap(dict):
    """Table metadata: a YAML ``!!omap`` (astropy's ``OrderedDict`` representation)."""


class _ColumnAttrs(dict):
    """One column's ECSV attributes, dumped in insertion order (name, unit, datatype, ...)."""


class _Dumper(yaml.SafeDumper):
    """astropy's table-header dumper for plain Python values (astropy.table.meta)."""


def _represent_omap(dumper: _Dumper, data: _Omap) -> yaml.SequenceNode:
    # a sequence of one-item mappings, block style unless every item is a plain scalar
    items = [dumper.represent_data({key: value}) for key, value in data.items()]
    node = yaml.SequenceNode("tag:yaml.org,2002:omap", items)
    node.flow_style = all(isinstance(i, yaml.ScalarNode) and not i.style for i in items)
    return node


_Dumper.add_representer(_Omap, _represent_omap)
_Dumper.add_representer(
    _ColumnAttrs, lambda dumper, data: dumper.represent_mapping("tag:yaml.org,2002:map",
                                                                list(data.items())))


class _NotPlain(Exception):
    """A metadata value astropy's dumper writes in its own way (tuples, arrays, objects)."""


def _plain(value, seen: dict | None = None):
    """``value`` with numpy scalars as the Python ones astropy's dumper writes them as (float64,
    integers, bool, str: the same text); raises :class:`_NotPlain` for anything else. A list or
    dict met twice stays one object (YAML anchors, as astropy writes them)."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, (np.float64, np.integer, np.bool_, np.str_)):
        return value.item()
    seen = {} if seen is None else seen
    if id(value) in seen:
        return seen[id(value)]
    if type(value) is list:
        out = seen[id(value)] = []
        out.extend(_plain(v, seen) for v in value)
        return out
    if type(value) is dict and all(type(k) is str for k in value):
        out = seen[id(value)] = {}
        out.update((k, _plain(v, seen)) for k, v in value.items())
        return out
    raise _NotPlain(type(value).__name__)


def _types(array: np.ndarray) -> tuple[str, str, str | None] | None:
    """(ECSV datatype, VOTable datatype, VOTable arraysize) of a column, None if not plain."""
    if array.ndim == 1 and array.dtype.kind == "U":
        return "string", "unicodeChar", str(array.dtype.itemsize // 4)
    types = _TYPES.get(f"{array.dtype.kind}{array.dtype.itemsize}")
    if types is None or array.ndim not in (1, 2) or array.ndim == 2 and array.dtype.kind != "f":
        return None
    return (*types, str(array.shape[1]) if array.ndim == 2 else None)


def headers(arrays: Mapping[str, np.ndarray], units: Mapping[str, str] | None,
            meta: Mapping | None, name: str, infos: list[tuple[str, str]]
            ) -> dict[bytes, str] | None:
    """``table_meta_yaml``, ``table::len::<col>`` and the VOTable document of a table of
    ``arrays`` (its Parquet metadata, values as str), or None when astropy must make them.

    ``units``: column -> unit spelling (others ignored); ``meta``: the table metadata;
    ``infos``: the (name, value) INFO elements of the VOTable (provenance)."""
    try:
        meta = _plain(dict(meta or {}))
    except _NotPlain:
        return None
    if any(not _NAME.match(n) for n, _ in infos):
        return None
    out: dict[bytes, str] = {}
    attrs, fields = [], []
    for col, array in arrays.items():
        types = _types(np.asarray(array))
        spelling = (units or {}).get(col) or None
        if types is None or not _NAME.match(col) or spelling is not None and spelling not in UNITS:
            return None
        ecsv, votable, arraysize = types
        unit, vo_unit = UNITS[spelling] if spelling else (None, None)
        info = columns.info(col)
        description = info.description if info else None
        item = _ColumnAttrs(name=col)
        if unit is not None:
            item["unit"] = unit
        item["datatype"] = "string" if array.ndim == 2 else ecsv
        if description is not None:
            item["description"] = description
        if array.ndim == 2:  # serialised as JSON text by astropy's own writer
            item["subtype"] = f"{ecsv}[{arraysize}]"
        attrs.append(item)
        if ecsv == "string":
            out[f"table::len::{col}".encode()] = arraysize
        field = {"ID": col, "arraysize": arraysize, "datatype": votable, "name": col,
                 "ucd": (info.ucd or None) if info else None, "unit": vo_unit}
        fields.append(({k: v for k, v in sorted(field.items()) if v is not None}, description))
    header = {"datatype": attrs, **({"meta": _Omap(meta)} if meta else {})}
    out[b"table_meta_yaml"] = yaml.dump(header, Dumper=_Dumper, default_flow_style=None,
                                        width=130).rstrip("\n")
    out[b"IVOA.VOTable-Parquet.content"] = _votable(name, fields, infos)
    return out


def _votable(name: str, fields: list[tuple[dict, str | None]], infos: list[tuple[str, str]]
             ) -> str:
    """The VOTable 1.3 document: FIELDs, ``<PARQUET type="Parquet-local-XML"/>`` in place of
    DATA, then INFOs, laid out as astropy writes it (one-space indents) and
    :func:`hotstars.io.tables.votable_xml` rearranges it."""
    ET.register_namespace("", VOT_NS)
    root = ET.Element(f"{{{VOT_NS}}}VOTABLE",
                      {"version": "1.3", f"{{{_XSI_NS}}}schemaLocation": _SCHEMA})
    resource = ET.SubElement(root, f"{{{VOT_NS}}}RESOURCE", type="results")
    table = ET.SubElement(resource, f"{{{VOT_NS}}}TABLE", {"name": name} if name else {})
    for attrib, description in fields:
        field = ET.SubElement(table, f"{{{VOT_NS}}}FIELD", attrib)
        if description is not None:
            ET.SubElement(field, f"{{{VOT_NS}}}DESCRIPTION").text = description
    parquet = ET.SubElement(table, f"{{{VOT_NS}}}PARQUET", type="Parquet-local-XML")
    for key, value in infos:
        ET.SubElement(table, f"{{{VOT_NS}}}INFO", {"ID": key, "name": key, "value": value})
    ET.indent(root, space=" ")
    # PARQUET was inserted into astropy's indented document: it is glued to what follows it,
    # and without INFOs it follows the last FIELD's closing indentation
    parquet.tail = None
    if not infos and fields:
        table[-2].tail = "\n  "
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


class _Loader(yaml.SafeLoader):
    """Reads the headers :func:`headers` writes: ``!!omap`` as a dict, no astropy tags."""


def _construct_omap(loader: _Loader, node: yaml.Node) -> dict:
    pairs_of = loader.construct_yaml_omap(node)  # PyYAML's: a list of (key, value) pairs
    pairs = next(pairs_of)
    for _ in pairs_of:
        pass
    return dict(pairs)


_Loader.add_constructor("tag:yaml.org,2002:omap", _construct_omap)


def read_header(text: str | bytes) -> dict:
    """The ``table_meta_yaml`` header (``datatype``: the columns' attributes; ``meta``: the table
    metadata; {} for none): plain YAML is read with PyYAML alone, a header holding astropy
    objects (units, quantities, serialised columns…) by astropy, whose errors are raised."""
    if isinstance(text, bytes):
        text = text.decode()
    if not text.strip():
        return {}
    try:
        header = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError:
        header = None
    if isinstance(header, dict):
        return header
    from astropy.table import meta  # here, not at import: plain headers never need it
    return meta.get_header_from_yaml(text.splitlines())
