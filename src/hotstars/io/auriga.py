"""The Auriga "aurigaia" mock Gaia catalogues (Grand et al. 2018, MNRAS 481, 1726): reader of the
HDF5 file sets and a writer of files in their format (used by the toy galaxy of the mock).

File format (the AuriGaia example README and the files' own attributes): one mock catalogue
is a set of HDF5 files ``mock_XXX.Y.hdf5`` (96 per mock; XXX = bar angle) whose group ``Stardata``
holds one dataset per quantity, each with attributes ``Description`` and ``Units``; stars are
split arbitrarily between files, so every file is read. ``Header`` carries NumFilesPerSnapshot.
- ``HCoordinates`` (N, 3): RA, Dec [rad], parallax [arcsec]; ``HVelocities`` (N, 3): μα*, μδ and
  the radial velocity (the README says "radians" for the proper motions, the distributed
  conversion script uses arcsec/yr: the ``Units`` attribute decides);
- ``Gmagnitude``, ``Age``, ``EffectiveTemperature``, ``SurfaceGravity``; ``<Name>Obs`` are the
  values with Gaia DR2-like errors, ``<Name>Error`` (``HCoordinateErrors``, ``HVelocityErrors``)
  the error sizes.
The ``Units`` attribute is parsed per column: one unit for all columns, or one per column
separated by commas/semicolons (or an array of strings). Every unit is converted with astropy to
the returned unit (deg, mas, mas/yr, km/s, Gyr, K); magnitudes and log g are not converted.
A dataset without a parseable Units attribute is an error unless ``units_override`` gives it.
"""

from __future__ import annotations

import glob
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

import astropy.units as u
import h5py
import numpy as np
import pandas as pd

from hotstars.io.specs import UNIT_ALIASES, InputError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Dataset:
    """One ``Stardata`` dataset: the columns it is split into and their returned units
    ("mag"/"dex": not converted; None: integer, no unit)."""

    name: str
    columns: tuple[str, ...]
    units: tuple[str | None, ...]
    description: str = ""


def datasets(observed: bool = False) -> dict[str, Dataset]:
    """The datasets the comparison needs, true (default) or ``Obs`` values, plus Age,
    ParticleID and (observed only) the astrometric errors."""
    obs = "Obs" if observed else ""
    out = {
        "coordinates": Dataset(f"HCoordinates{obs}", ("ra", "dec", "parallax"),
                               ("deg", "deg", "mas"), "RA, Dec, parallax"),
        "velocities": Dataset(f"HVelocities{obs}", ("pmra", "pmdec", "radial_velocity"),
                              ("mas / yr", "mas / yr", "km / s"),
                              "proper motion in RA*cos(Dec), in Dec, radial velocity"),
        "g_mag": Dataset(f"Gmagnitude{obs}", ("g_mag",), ("mag",), "Gaia G apparent magnitude"),
        "teff": Dataset(f"EffectiveTemperature{obs}", ("teff",), ("K",), "effective temperature"),
        "logg": Dataset(f"SurfaceGravity{obs}", ("logg",), ("dex",), "log10 surface gravity"),
    }
    out["age"] = Dataset("Age", ("age",), ("Gyr",), "stellar age")
    out["particle_id"] = Dataset("ParticleID", ("particle_id",), (None,), "parent particle id")
    if observed:
        out["coordinate_errors"] = Dataset("HCoordinateErrors",
                                           ("ra_error", "dec_error", "parallax_error"),
                                           ("mas", "mas", "mas"), "errors of HCoordinatesObs")
        out["velocity_errors"] = Dataset("HVelocityErrors",
                                         ("pmra_error", "pmdec_error", "radial_velocity_error"),
                                         ("mas / yr", "mas / yr", "km / s"),
                                         "errors of HVelocitiesObs")
    return out


_INDEX = re.compile(r"^(?P<base>.+)\.(?P<i>\d+)\.hdf5$")


def catalogue_files(source) -> list[Path]:
    """The files of one mock: ``source`` is a folder (all ``*.hdf5`` of one mock in it), a glob
    pattern, a single file or a list of files. Sorted by the file index Y of ``name.Y.hdf5``.

    Raises :class:`InputError` when nothing matches, when a folder holds several mocks (give a
    glob such as ``folder/mock_030.*.hdf5``) or when Header/NumFilesPerSnapshot says that files
    are missing.
    """
    if isinstance(source, (list, tuple)) and len(source) == 1:
        source = source[0]  # e.g. Snakemake's input list holding one folder or file
    if isinstance(source, (list, tuple)):
        files = [Path(f) for f in source]
        where = f"{len(files)} listed files"
    else:
        text = str(source)
        where = text
        if Path(text).is_dir():
            files = sorted(Path(text).glob("*.hdf5"))
        elif any(ch in text for ch in "*?["):
            files = [Path(f) for f in glob.glob(text)]
        else:
            files = [Path(text)]
    if not files:
        raise InputError(f"{where} [auriga]", "no HDF5 file found (expected mock_XXX.Y.hdf5)")
    for f in files:
        if not f.is_file():
            raise InputError(f"{f} [auriga]", "no such file")
    matches = [_INDEX.match(f.name) for f in files]
    bases = {m["base"] for m in matches if m}
    if len(bases) > 1:
        raise InputError(f"{where} [auriga]", f"files of several mocks {sorted(bases)}; give a "
                         "glob pattern selecting one, e.g. <folder>/mock_030.*.hdf5")
    files = sorted(files, key=lambda f: (int(m["i"]) if (m := _INDEX.match(f.name)) else -1,
                                         f.name))
    expected = header(files[0]).get("NumFilesPerSnapshot")
    if expected is not None and int(expected) != len(files):
        raise InputError(f"{where} [auriga]", f"{len(files)} file(s) found but "
                         f"Header/NumFilesPerSnapshot = {int(expected)}: a mock must be read whole "
                         "(stars are split arbitrarily between its files)")
    return files


def header(path) -> dict:
    """Attributes of the ``Header`` and ``Parameters`` groups of one file (absent: empty)."""
    out = {}
    with _open(path) as f:
        for group in ("Header", "Parameters"):
            if group in f:
                out.update({k: _py(v) for k, v in f[group].attrs.items()})
    return out


def _py(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        return value.tolist() if value.size != 1 else _py(value.ravel()[0])
    return value.item() if isinstance(value, np.generic) else value


def _open(path):
    try:
        return h5py.File(path, "r")
    except OSError as exc:
        raise InputError(f"{path} [auriga]", f"cannot open as HDF5: {exc}") from None




def _unit_tokens(attr, n_cols: int) -> list[str] | None:
    """The Units attribute as one string per column (None when it cannot be split so)."""
    if isinstance(attr, np.ndarray) and attr.size > 1:
        tokens = [_py(a) for a in attr.ravel()]
    else:
        tokens = re.split(r"[,;]", str(_py(attr)))
    tokens = [str(t).strip() for t in tokens]
    if len(tokens) == 1:
        return tokens * n_cols
    return tokens if len(tokens) == n_cols else None


def _factor(token: str, target: str | None) -> float | None:
    """Multiplicative factor from ``token`` to ``target`` (None: not understood/incompatible)."""
    if target is None:
        return 1.0
    key = token.strip().lower().replace(" ", "")
    if target == "mag":
        return 1.0 if key == "" or key.startswith("mag") else None
    if target == "dex":  # log g: any log-of-cgs spelling, no conversion
        return 1.0 if key in ("", "dex") or "log" in key or "cm" in key else None
    if not key:
        return None
    try:
        unit = u.Unit(UNIT_ALIASES.get(key, token.strip()), parse_strict="raise")
        return float(unit.to(u.Unit(target)))
    except (ValueError, u.UnitsError, TypeError):
        return None


def _factors(ds: h5py.Dataset, spec: Dataset, override, where: str) -> list[float]:
    n_cols = len(spec.columns)
    if override is not None:
        attr, source = override, "units_override"
    elif "Units" in ds.attrs:
        attr, source = ds.attrs["Units"], "Units attribute"
    else:
        raise InputError(where, f"dataset Stardata/{spec.name} has no Units attribute; expected "
                         f"units convertible to {list(spec.units)} (or give units_override)",
                         [spec.name])
    tokens = _unit_tokens(np.asarray(attr) if isinstance(attr, (list, tuple)) else attr, n_cols)
    out = []
    for i, target in enumerate(spec.units):
        factor = _factor(tokens[i], target) if tokens is not None else None
        if factor is None:
            raise InputError(where, f"dataset Stardata/{spec.name}: {source} {_py(attr)!r} is not "
                             f"{n_cols} unit(s) convertible to {list(spec.units)} (columns "
                             f"{list(spec.columns)}); give units_override", [spec.name])
        out.append(factor)
    return out


def read_aurigaia(source, specs: Mapping[str, Dataset],
              select: Callable[[pd.DataFrame], np.ndarray] | None = None,
              units_override: Mapping[str, object] | None = None) -> pd.DataFrame:
    """Read the ``specs`` datasets of every file of one aurigaia catalogue (:func:`catalogue_files`) into one table.

    Each dataset is split into its columns and converted to their units (module docstring);
    ``file`` (index in the file list) is added. ``select(table_of_one_file) -> bool mask`` keeps
    only the rows needed, file by file (a real mock has tens of millions of stars).
    ``units_override``: dataset name -> Units text (or list, one per column) used instead of the
    file's attribute. Raises :class:`InputError` naming the file and the dataset when a dataset is
    missing, has the wrong shape or unusable units, or when datasets differ in length.
    """
    files = catalogue_files(source)
    override = dict(units_override or {})
    parts = []
    for k, path in enumerate(files):
        where = f"{path} [auriga]"
        with _open(path) as f:
            if "Stardata" not in f:
                raise InputError(where, "no Stardata group (not an aurigaia mock file?)")
            group = f["Stardata"]
            cols, n = {}, None
            for spec in specs.values():
                if spec.name not in group:
                    present = ", ".join(sorted(group.keys()))
                    raise InputError(where, f"missing dataset Stardata/{spec.name} "
                                     f"({spec.description}); datasets present: {present}",
                                     [spec.name])
                ds = group[spec.name]
                data = ds[...]
                n_cols = len(spec.columns)
                if n_cols > 1 and (data.ndim != 2 or data.shape[1] != n_cols):
                    raise InputError(where, f"dataset Stardata/{spec.name}: expected shape (N, "
                                     f"{n_cols}), found {data.shape}", [spec.name])
                if n_cols == 1:
                    data = data.reshape(len(data), 1) if data.ndim == 1 else data
                    if data.shape[1] != 1:
                        raise InputError(where, f"dataset Stardata/{spec.name}: expected shape "
                                         f"(N,), found {ds.shape}", [spec.name])
                if n is not None and len(data) != n:
                    raise InputError(where, f"dataset Stardata/{spec.name} has {len(data)} rows, "
                                     f"other datasets {n}", [spec.name])
                n = len(data)
                factors = _factors(ds, spec, override.get(spec.name), where)
                for j, (name, unit) in enumerate(zip(spec.columns, spec.units)):
                    col = data[:, j]
                    cols[name] = (col.astype(np.int64) if unit is None
                                  else col.astype(np.float64) * factors[j])
        table = pd.DataFrame(cols)
        table["file"] = np.int64(k)
        if select is not None:
            table = table.loc[np.asarray(select(table), bool)]
        parts.append(table)
    out = pd.concat(parts, ignore_index=True)
    log.info("%s: %d files, %d rows kept", source, len(files), len(out))
    return out


#: Units attributes written by :func:`write_aurigaia` (the AuriGaia README's units).
WRITE_UNITS = {"HCoordinates": "rad, rad, arcsec", "HVelocities": "arcsec/yr, arcsec/yr, km/s",
               "Gmagnitude": "mag", "EffectiveTemperature": "K", "SurfaceGravity": "dex",
               "Age": "Gyr", "ParticleID": ""}


def _file_arrays(s: pd.DataFrame) -> dict[str, tuple[np.ndarray, str, str]]:
    """name -> (array, Units, Description) of the datasets of a toy file (file units)."""
    rad, arcsec = np.radians, lambda mas: mas / 1000.0  # noqa: E731
    out = {}
    for sfx, k in (("", ""), ("Obs", "_obs")):
        out[f"HCoordinates{sfx}"] = (
            np.column_stack([rad(s["ra"]), rad(s["dec"]), arcsec(s[f"parallax{k}"])]),
            WRITE_UNITS["HCoordinates"], "ICRS right ascension, declination, parallax")
        out[f"HVelocities{sfx}"] = (
            np.column_stack([arcsec(s[f"pmra{k}"]), arcsec(s[f"pmdec{k}"]),
                             s[f"radial_velocity{k}"]]),
            WRITE_UNITS["HVelocities"], "proper motion RA*cos(Dec), Dec; radial velocity")
        for name, col in (("Gmagnitude", "g_mag"), ("EffectiveTemperature", "teff"),
                          ("SurfaceGravity", "logg")):
            out[f"{name}{sfx}"] = (s[f"{col}{k}"].to_numpy(float), WRITE_UNITS[name], name)
    out["HCoordinateErrors"] = (np.column_stack([rad(s["ra_error"] / 3.6e6),
                                                 rad(s["dec_error"] / 3.6e6),
                                                 arcsec(s["parallax_error"])]),
                                WRITE_UNITS["HCoordinates"], "errors of HCoordinatesObs")
    out["HVelocityErrors"] = (np.column_stack([arcsec(s["pm_error"]), arcsec(s["pm_error"]),
                                               s["rv_error"]]),
                              WRITE_UNITS["HVelocities"], "errors of HVelocitiesObs")
    for name, col in (("Gmagnitude", "g_error"), ("EffectiveTemperature", "teff_error"),
                      ("SurfaceGravity", "logg_error")):
        out[f"{name}Error"] = (s[col].to_numpy(float), WRITE_UNITS[name], f"error of {name}Obs")
    out["Age"] = (s["age"].to_numpy(float), "Gyr", "stellar age")
    out["ParticleID"] = (s["particle_id"].to_numpy(np.int64), "", "parent star particle id")
    return out


def write_aurigaia(stars: pd.DataFrame, folder, n_files: int, seed: int,
               basename: str = "mock_030", parameters: Mapping | None = None) -> list[Path]:
    """Write ``stars`` (e.g. :func:`hotstars.mock.auriga.simulate_toy`) as an aurigaia file set ``basename.Y.hdf5``,
    Y = 0 .. n_files-1, in ``folder``: Stardata datasets with Units/Description attributes, a
    Header (NumFilesPerSnapshot, NumPart_ThisFile, NumPart_Total) and Parameters (``parameters``)
    group. Stars are spread over the files at random (as in the real mocks)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    part = np.random.default_rng(seed).integers(0, n_files, len(stars))
    paths = []
    for k in range(n_files):
        rows = stars.loc[part == k]
        path = folder / f"{basename}.{k}.hdf5"
        tmp = path.with_name(f".{path.name}.part")
        with h5py.File(tmp, "w") as f:
            hdr = f.create_group("Header")
            hdr.attrs["NumFilesPerSnapshot"] = np.int32(n_files)
            hdr.attrs["NumPart_ThisFile"] = np.int64(len(rows))
            hdr.attrs["NumPart_Total"] = np.int64(len(stars))
            par = f.create_group("Parameters")
            for key, value in (parameters or {}).items():
                par.attrs[key] = value
            grp = f.create_group("Stardata")
            for name, (arr, unit, desc) in _file_arrays(rows).items():
                ds = grp.create_dataset(name, data=arr)
                ds.attrs["Units"] = unit
                ds.attrs["Description"] = desc
        tmp.replace(path)
        paths.append(path)
    return paths
