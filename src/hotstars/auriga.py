"""The Auriga "aurigaia" mock catalogues (Grand et al. 2018, MNRAS 481, 1726) as in the paper's
Sec. 4.2 and Fig. 12: a reader of the HDF5 file sets, the young (HSS-like) and old (App. D giant)
selections, their density and mean v_R maps, and a writer of a small Auriga-format toy galaxy.

File format (shared/data/datamodel/aurigaia_format_notes.md; the AuriGaia example README): one mock
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

Selections (paper Sec. 4.2, App. D; PAPER.md Comparisons), strict inequalities:
- young: G < 16, age < 0.5 Gyr, Teff > 10,000 K (the paper's ADQL query);
- old: the App. D giant cuts that apply to a mock (:func:`hotstars.apogee.giant_cuts`):
  |b| < 10 deg, 3500 < Teff < 5000 K, log g < 3.6 (SurfaceGravity), the Toomre cut with
  velocities relative to the mock's Sun; the distance-error cut uses σ_ϖ/ϖ (HCoordinateErrors) with the observed
  astrometry and is void (no error) with the true values.
Kinematics: :func:`hotstars.kinematics.galactocentric` in a given frame (default the paper's; the
toy galaxy is built in that same frame). By default the true ("noiseless") values are used, as the
paper's query names them (``Gmagnitude``, ``EffectiveTemperature``); ``observed=True`` uses the
``Obs`` datasets and propagates their errors. With true values every star's v_R error is 0, so
Eq. 4 gets e_i = ``vr_error_floor_kms`` (added in quadrature to the propagated error in both
modes): the map is then the mean and the dispersion of v_R.
"""

from __future__ import annotations

import glob
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

import astropy.units as u
import h5py
import numpy as np
import pandas as pd
from astropy.coordinates import Galactocentric
from scipy import ndimage

from hotstars import apogee, kinematics, maps
from hotstars.io import InputError
from hotstars.mock import galactocentric_to_observed

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


# --- files ---------------------------------------------------------------------------------------

_INDEX = re.compile(r"^(?P<base>.+)\.(?P<i>\d+)\.hdf5$")


def mock_files(source) -> list[Path]:
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


# --- units ---------------------------------------------------------------------------------------

_UNIT_ALIASES = {"radians": "rad", "radian": "rad", "arcseconds": "arcsec", "arcsecond": "arcsec",
                 "arcsecs": "arcsec", "degrees": "deg", "degree": "deg", "kelvin": "K",
                 "km/sec": "km/s", "kms": "km/s", "kms^-1": "km/s", "km/s^-1": "km/s",
                 "gyrs": "Gyr", "years": "yr", "year": "yr", "mags": "mag", "magnitude": "mag",
                 "magnitudes": "mag", "radians/yr": "rad/yr", "radians/year": "rad/yr",
                 "arcsec/year": "arcsec/yr", "arcseconds/yr": "arcsec/yr",
                 "arcseconds/year": "arcsec/yr", "rad/year": "rad/yr"}


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
        unit = u.Unit(_UNIT_ALIASES.get(key, token.strip()), parse_strict="raise")
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


# --- reading -------------------------------------------------------------------------------------

def read_mock(source, specs: Mapping[str, Dataset],
              select: Callable[[pd.DataFrame], np.ndarray] | None = None,
              units_override: Mapping[str, object] | None = None) -> pd.DataFrame:
    """Read the ``specs`` datasets of every file of a mock (:func:`mock_files`) into one table.

    Each dataset is split into its columns and converted to their units (module docstring);
    ``file`` (index in the file list) is added. ``select(table_of_one_file) -> bool mask`` keeps
    only the rows needed, file by file (a real mock has tens of millions of stars).
    ``units_override``: dataset name -> Units text (or list, one per column) used instead of the
    file's attribute. Raises :class:`InputError` naming the file and the dataset when a dataset is
    missing, has the wrong shape or unusable units, or when datasets differ in length.
    """
    files = mock_files(source)
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


# --- selections and kinematics ---------------------------------------------------------------

def young_mask(g_mag, age_gyr, teff, *, g_max: float = 16.0, age_max_gyr: float = 0.5,
               teff_min_k: float = 10000.0) -> np.ndarray:
    """Paper Sec. 4.2: G < 16, age < 0.5 Gyr, Teff > 10,000 K (strict; NaN fails)."""
    g, a, t = (np.asarray(v, float) for v in (g_mag, age_gyr, teff))
    with np.errstate(invalid="ignore"):
        return (g < g_max) & (a < age_max_gyr) & (t > teff_min_k)


def prefilter(young: Mapping, giants: Mapping) -> Callable[[pd.DataFrame], np.ndarray]:
    """A :func:`read_mock` ``select``: rows that may pass the young or the giant cuts (the cuts
    on G, age, Teff and log g only; position and velocity cuts come later)."""
    t_lo, t_hi = giants.get("teff_k", (3500.0, 5000.0))
    logg_max = giants.get("logg_max", 3.6)

    def select(t: pd.DataFrame) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            giant = (t["teff"] > t_lo) & (t["teff"] < t_hi) & (t["logg"] < logg_max)
        return young_mask(t["g_mag"], t["age"], t["teff"], **young) | giant.to_numpy()

    return select


def star_kinematics(data: pd.DataFrame, frame: Galactocentric,
                    vr_error_floor_kms: float = 1.0) -> pd.DataFrame:
    """Galactocentric positions/velocities of mock stars (``read_mock`` table) through
    :func:`hotstars.kinematics.galactocentric` (distance = 1/parallax; with error columns, the
    errors are propagated, ρ(μα*, μδ) = 0), plus l, b [deg] and Toomre U, V, W relative to
    ``frame``'s Sun. Stars with parallax <= 0 get NaN. v_R_err = hypot(propagated, floor)."""
    plx = data["parallax"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        dist = np.where(plx > 0, 1.0 / plx, np.nan)  # kpc for parallax in mas
    zeros = np.zeros(len(data))
    err = lambda c: data[c].to_numpy(float) if c in data else zeros  # noqa: E731
    inputs = pd.DataFrame({
        "source_id": np.arange(len(data), dtype=np.int64), "ra": data["ra"], "dec": data["dec"],
        "distance": dist, "distance_err": err("parallax_error") * dist**2,  # σ_d = σ_ϖ/ϖ²
        "pmra": data["pmra"], "pmdec": data["pmdec"], "pmra_error": err("pmra_error"),
        "pmdec_error": err("pmdec_error"), "pmra_pmdec_corr": zeros,
        "vlos": data["radial_velocity"], "vlos_err": err("radial_velocity_error"),
        "n_epochs": np.ones(len(data), np.int64)})
    kin = kinematics.galactocentric(inputs, frame, "auriga")
    lon, lat = apogee.galactic_lb(data["ra"], data["dec"])
    v_sun = frame.galcen_v_sun  # astropy stores it as a CartesianRepresentation
    v_sun = (v_sun.d_xyz if hasattr(v_sun, "d_xyz") else v_sun.xyz).to_value(u.km / u.s)
    uu, vv, ww = apogee.toomre_uvw(kin["x"], kin["y"], kin["v_R"], kin["v_phi"], kin["v_z"], v_sun)
    out = kin[["x", "y", "z", "R", "phi", "v_R", "v_phi", "v_z"]].copy()
    out["v_R_err"] = np.hypot(kin["v_R_err"].to_numpy(float), vr_error_floor_kms)
    out["l"], out["b"], out["U"], out["V"], out["W"] = lon, lat, uu, vv, ww
    out["distance"] = dist
    return out


def select_populations(data: pd.DataFrame, frame: Galactocentric, *, young: Mapping,
                       giants: Mapping, vr_error_floor_kms: float = 1.0) -> pd.DataFrame:
    """The young and old stars of a mock with their kinematics and a ``population`` column.

    ``young``: :func:`young_mask` keywords; ``giants``: :func:`hotstars.apogee.giant_cuts`
    keywords plus toomre_v_kms and toomre_uw_max_kms. The distance-error cut uses
    parallax_error/parallax when the table has parallax_error (observed mode), else it is void.
    ``attrs["counts"]`` holds both cut-flows.
    """
    giants = dict(giants)
    toomre = {"v_range_kms": giants.pop("toomre_v_kms", (-600.0, 200.0)),
              "uw_max_kms": giants.pop("toomre_uw_max_kms", 400.0)}
    kin = star_kinematics(data, frame, vr_error_floor_kms)
    finite = np.isfinite(kin[["x", "y", "v_R", "v_R_err"]].to_numpy(float)).all(axis=1)
    is_young = young_mask(data["g_mag"], data["age"], data["teff"], **young) & finite
    if "parallax_error" in data:  # σ_ϖ/ϖ = σ_d/d to first order
        dist_err = data["parallax_error"].to_numpy(float) * kin["distance"].to_numpy() ** 2
    else:
        dist_err = np.zeros(len(data))
    cuts = apogee.giant_cuts(kin["b"], kin["distance"], dist_err, data["teff"], data["logg"],
                             **giants)
    cuts["toomre_ok"] = apogee.toomre_ok(kin["U"], kin["V"], kin["W"], **toomre)
    is_old = finite.copy()
    counts = {"n_read": len(data), "n_young": int(is_young.sum()), "n_finite": int(finite.sum())}
    for name in apogee.FLAGS:
        is_old &= cuts[name]
        counts[f"n_old_{name}"] = int(is_old.sum())
    if (is_young & is_old).any():
        raise ValueError("auriga: the young and old selections overlap; check the Teff cuts")
    keep = is_young | is_old
    out = pd.concat([data.loc[keep, ["particle_id", "g_mag", "age", "teff", "logg"]]
                     .reset_index(drop=True), kin.loc[keep].reset_index(drop=True)], axis=1)
    out.insert(0, "population", np.where(is_young[keep], "young", "old"))
    out.attrs["counts"] = counts
    log.info("Auriga selections: %s", counts)
    return out


STAR_UNITS = {"g_mag": "mag", "age": "Gyr", "teff": "K", "logg": "dex", "x": "kpc", "y": "kpc",
              "z": "kpc", "R": "kpc", "phi": "deg", "v_R": "km / s", "v_phi": "km / s",
              "v_z": "km / s", "v_R_err": "km / s", "l": "deg", "b": "deg", "U": "km / s",
              "V": "km / s", "W": "km / s", "distance": "kpc"}


def population_maps(stars: pd.DataFrame, size_kpc: float, min_stars: int = 6,
                    sigma_max: float = 300.0) -> dict[str, pd.DataFrame]:
    """Density and Eq. 4 v̄_R maps (:mod:`hotstars.maps`) of each population:
    keys young_density, young_vR, old_density, old_vR."""
    out = {}
    for pop in ("young", "old"):
        s = stars.loc[stars["population"] == pop]
        x, y = s["x"].to_numpy(float), s["y"].to_numpy(float)
        out[f"{pop}_density"] = maps.density_map(x, y, size_kpc)
        out[f"{pop}_vR"] = maps.vr_map(x, y, s["v_R"].to_numpy(float),
                                       s["v_R_err"].to_numpy(float), size_kpc, min_stars,
                                       sigma_max)
    return out


def density_contours(density: pd.DataFrame, size_kpc: float, smooth_kpc: float = 0.5,
                     quantiles: Sequence[float] = (0.5, 0.8, 0.95)) -> dict:
    """Contours of a density map (Fig. 12's black lines): star counts on the spaxel grid (empty
    spaxels 0) smoothed by a Gaussian of ``smooth_kpc`` (scipy.ndimage), in log10 of stars per
    spaxel, at the ``quantiles`` of the smoothed values over the occupied spaxels. Returns the
    :func:`hotstars.plotting.fig_young_old` contour hook: x, y (grid centres, kpc), z [y, x],
    levels.
    """
    ix = np.rint(density["x_center"].to_numpy(float) / size_kpc - 0.5).astype(int)
    iy = np.rint(density["y_center"].to_numpy(float) / size_kpc - 0.5).astype(int)
    pad = int(np.ceil(3 * smooth_kpc / size_kpc))
    x0, y0 = ix.min() - pad, iy.min() - pad
    grid = np.zeros((iy.max() - y0 + pad + 1, ix.max() - x0 + pad + 1))
    grid[iy - y0, ix - x0] = density["n_stars"].to_numpy(float)
    smooth = ndimage.gaussian_filter(grid, smooth_kpc / size_kpc, mode="constant", truncate=3.0)
    z = np.log10(np.maximum(smooth, 1e-3))
    levels = np.unique(np.quantile(z[iy - y0, ix - x0], quantiles))
    return {"x": (np.arange(grid.shape[1]) + x0 + 0.5) * size_kpc,
            "y": (np.arange(grid.shape[0]) + y0 + 0.5) * size_kpc, "z": z,
            "levels": levels.tolist()}


def summary_numbers(maps_: Mapping[str, pd.DataFrame], stars: pd.DataFrame) -> dict:
    """Sec. 4.2 numbers from the products: stars (``stars``: the selected-stars table) and v̄_R
    spaxels of each population, p05/p95 of v̄_R (the paper: the young mock stars' v̄_R has an
    amplitude comparable to Fig. 7, about ±30 km/s)."""
    out = {}
    for pop in ("young", "old"):
        out[f"comparisons.auriga.n_{pop}"] = int((stars["population"] == pop).sum())
        v = maps_[f"{pop}_vR"]["vR_mean"].to_numpy(float)
        out[f"comparisons.auriga.{pop}_n_spaxels_vR"] = int(v.size)
        for q in (5, 95):
            out[f"comparisons.auriga.{pop}_vR_mean_p{q:02d}_kms"] = (
                float(np.percentile(v, q)) if v.size else float("nan"))
    return out


# --- the toy galaxy ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ToyGalaxy:
    """A barred, two-armed toy galaxy for the Auriga-format mock (km/s, kpc, deg).

    Azimuths φ = atan2(Y, -X) (0 at the Sun). The bar's major axis is at φ = ``bar_angle_deg``
    from the Sun-GC line (its near end at positive longitudes); density arms: φ_arm(R) =
    ``arm_phase_deg`` + ln(R / 8.2 kpc)/tan(pitch) (+ 180 deg for the second arm).
    Mean v_R (:meth:`mean_vr`): a wave A cos(m_w [φ - ln(R / 8.2 kpc)/tan(pitch_w)]) of another
    multiplicity and pitch than the arms, so that arm segments move inward or outward (as in
    the paper's mock and data: a weak correlation of v̄_R with the arms), plus a bar quadrupole
    B exp(-(R - 3 kpc)²/4.5 kpc²) sin(2 (φ - φ_bar)), weak for the young, strong for the old.
    """

    bar_angle_deg: float = 30.0
    pitch_deg: float = 12.0
    arm_phase_deg: float = 20.0
    arm_fraction: float = 0.5         # young stars on the arms
    arm_width_kpc: float = 0.6
    wave_m: int = 3
    wave_pitch_deg: float = 25.0
    young_wave_vr_kms: float = 20.0
    young_bar_vr_kms: float = 5.0
    old_wave_vr_kms: float = 6.0
    old_bar_vr_kms: float = 30.0
    old_bar_fraction: float = 0.2     # old stars in the bar (elongated Gaussian 2.0 x 0.7 kpc)
    a_g_per_kpc: float = 0.4          # uniform toy extinction in G
    g_limit: float = 17.0             # the catalogue's magnitude limit

    def mean_vr(self, x, y, population: str):
        """Injected mean v_R [km/s] of ``population`` ('young' or 'old') at (X, Y) [kpc]."""
        x, y = np.asarray(x, float), np.asarray(y, float)
        r, phi = np.hypot(x, y), np.arctan2(y, -x)
        wave_a, bar_b = ((self.young_wave_vr_kms, self.young_bar_vr_kms) if population == "young"
                         else (self.old_wave_vr_kms, self.old_bar_vr_kms))
        spiral = np.log(r / 8.2) / np.tan(np.radians(self.wave_pitch_deg))
        wave = np.cos(self.wave_m * (phi - spiral))
        return (wave_a * wave + bar_b * np.exp(-((r - 3.0) ** 2) / 4.5)
                * np.sin(2 * (phi - np.radians(self.bar_angle_deg))))


def _vcirc(r):
    return 230.0 * (1.0 - np.exp(-r / 1.2))  # toy rotation curve, km/s


def simulate_toy(n_young: int, n_old: int, seed: int, frame: Galactocentric,
                 toy: ToyGalaxy | None = None) -> pd.DataFrame:
    """Stars of the toy galaxy in ``frame``, true and observed (Gaia DR2-like errors), with
    the columns needed for an Auriga-format file set (:func:`write_mock`).

    Young disc (``n_young`` drawn; R_d = 3.5 kpc, 4-16 kpc; σ = 10/8/5 km/s): ages < 0.5 Gyr,
    Teff > 10 kK on and between the arms, plus 15 % too cool (6-9.9 kK) and 10 % too old
    (0.5-3 Gyr) hot stars. Old disc (``n_old``; R_d = 2.6 kpc + bar; σ = 35/25/20 km/s): giants
    (Teff 3600-5300 K, log g 0.8-3.4), 15 % dwarfs, 2 % halo stars with σ = 150 km/s. Only stars
    with G < ``toy.g_limit`` are kept (the real mocks are magnitude-limited). ``population_true``
    records what each star was drawn as.
    """
    toy = toy or ToyGalaxy()
    rng = np.random.default_rng(seed)
    young = _young_stars(rng, n_young, toy)
    old = _old_stars(rng, n_old, toy)
    s = pd.concat([young, old], ignore_index=True)
    r = np.hypot(s["x"], s["y"])
    v_x = (s["x"] * s["v_R"] + s["y"] * s["v_phi"]) / r  # PAPER.md cylindrical -> Cartesian
    v_y = (s["y"] * s["v_R"] - s["x"] * s["v_phi"]) / r
    obs = galactocentric_to_observed(s["x"].to_numpy(), s["y"].to_numpy(), s["z"].to_numpy(),
                                     v_x.to_numpy(), v_y.to_numpy(), s["v_z"].to_numpy(), frame)
    d = obs["distance"]  # kpc; G = M_G + 5 log10(d / 10 pc) + A_G
    s["g_mag"] = s["abs_g"] + 5 * np.log10(d * 100.0) + toy.a_g_per_kpc * d
    for k in ("ra", "dec", "parallax", "pmra", "pmdec", "radial_velocity"):
        s[k] = obs[k]
    s = s.loc[s["g_mag"] < toy.g_limit].reset_index(drop=True)
    n = len(s)
    # Gaia DR2-like errors (toy): σ_ϖ = 0.03 + 0.07·10^(0.4 (G - 16)) mas, σ_μ = 1.5 σ_ϖ /yr
    s["parallax_error"] = 0.03 + 0.07 * 10 ** (0.4 * (s["g_mag"] - 16.0))
    s["pm_error"] = 1.5 * s["parallax_error"]
    s["rv_error"] = 1.0 + 0.5 * 10 ** (0.2 * (s["g_mag"] - 14.0))
    s["g_error"] = np.full(n, 0.003)
    s["teff_error"] = 0.03 * s["teff"]
    s["logg_error"] = np.full(n, 0.1)
    for col, e in (("parallax", "parallax_error"), ("pmra", "pm_error"), ("pmdec", "pm_error"),
                   ("radial_velocity", "rv_error"), ("g_mag", "g_error"), ("teff", "teff_error"),
                   ("logg", "logg_error")):
        s[f"{col}_obs"] = s[col] + rng.normal(0.0, 1.0, n) * s[e]
    s["ra_error"] = s["dec_error"] = s["parallax_error"]
    s["particle_id"] = rng.integers(10**8, 10**9, n)
    return s


def _disc_radii(rng, n, scale_kpc, lo, hi):
    """R of an exponential disc (surface density ∝ e^(-R/scale): p(R) ∝ R e^(-R/scale), a
    gamma(2, scale) law) truncated to [lo, hi] kpc by rejection."""
    out = np.empty(0)
    while out.size < n:
        r = rng.gamma(2.0, scale_kpc, 2 * n)
        out = np.concatenate([out, r[(r >= lo) & (r <= hi)]])
    return out[:n]


def _young_stars(rng, n, toy: ToyGalaxy) -> pd.DataFrame:
    r = _disc_radii(rng, n, 3.5, 4.0, 16.0)
    phi = rng.uniform(-np.pi, np.pi, n)
    on_arm = rng.random(n) < toy.arm_fraction
    arm = (np.radians(toy.arm_phase_deg) + np.log(r / 8.2) / np.tan(np.radians(toy.pitch_deg))
           + np.pi * rng.integers(0, 2, n))
    phi = np.where(on_arm, arm + rng.normal(0.0, 1.0, n) * toy.arm_width_kpc / r, phi)
    x, y, z = -r * np.cos(phi), r * np.sin(phi), rng.normal(0.0, 0.06, n)
    kind = rng.choice(3, n, p=[0.75, 0.15, 0.10])  # 0 selected, 1 too cool, 2 too old
    age = np.where(kind == 2, rng.uniform(0.5, 3.0, n), rng.uniform(0.0, 0.5, n))
    teff = np.where(kind == 1, rng.uniform(6000.0, 9900.0, n),
                    10 ** rng.uniform(np.log10(10500.0), np.log10(30000.0), n))
    abs_g = np.where(kind == 1, rng.uniform(0.5, 2.5, n), rng.uniform(-4.0, 0.0, n))
    return pd.DataFrame({
        "population_true": np.where(kind == 0, "young", "young_contaminant"),
        "x": x, "y": y, "z": z, "v_R": toy.mean_vr(x, y, "young") + rng.normal(0, 10, n),
        "v_phi": _vcirc(r) + rng.normal(0, 8, n), "v_z": rng.normal(0, 5, n),
        "age": age, "teff": teff, "logg": rng.uniform(3.5, 4.3, n), "abs_g": abs_g})


def _old_stars(rng, n, toy: ToyGalaxy) -> pd.DataFrame:
    r = _disc_radii(rng, n, 2.6, 0.3, 16.0)
    phi = rng.uniform(-np.pi, np.pi, n)
    x, y = -r * np.cos(phi), r * np.sin(phi)
    bar = rng.random(n) < toy.old_bar_fraction
    a, c = rng.normal(0.0, 2.0, n), rng.normal(0.0, 0.7, n)
    pb = np.radians(toy.bar_angle_deg)  # major axis toward (-cos φ_b, sin φ_b): φ = φ_b
    x = np.where(bar, -a * np.cos(pb) + c * np.sin(pb), x)
    y = np.where(bar, a * np.sin(pb) + c * np.cos(pb), y)
    r = np.maximum(np.hypot(x, y), 0.05)
    z = rng.laplace(0.0, 0.3, n)
    kind = rng.choice(3, n, p=[0.83, 0.15, 0.02])  # 0 giant, 1 dwarf, 2 halo
    v_r = toy.mean_vr(x, y, "old") + rng.normal(0, 35, n)
    v_phi = _vcirc(r) - 15.0 + rng.normal(0, 25, n)
    v_z = rng.normal(0, 20, n)
    halo = kind == 2
    v_r[halo], v_phi[halo], v_z[halo] = rng.normal(0, 150, (3, halo.sum()))
    dwarf = kind == 1
    teff = np.where(dwarf, rng.uniform(4200.0, 6000.0, n), rng.uniform(3600.0, 5300.0, n))
    logg = np.where(dwarf, rng.uniform(4.0, 4.7, n), rng.uniform(0.8, 3.4, n))
    abs_g = np.where(dwarf, rng.normal(5.5, 1.0, n), rng.normal(-0.8, 0.8, n))
    return pd.DataFrame({
        "population_true": np.array(["old", "old_dwarf", "old_halo"])[kind],
        "x": x, "y": y, "z": z, "v_R": v_r, "v_phi": v_phi, "v_z": v_z,
        "age": rng.uniform(1.0, 10.0, n), "teff": teff, "logg": logg, "abs_g": abs_g})


# --- writing -----------------------------------------------------------------------------------

#: Units attributes written by :func:`write_mock` (the AuriGaia README's units).
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


def write_mock(stars: pd.DataFrame, folder, n_files: int, seed: int,
               basename: str = "mock_030", parameters: Mapping | None = None) -> list[Path]:
    """Write ``stars`` (:func:`simulate_toy`) as an aurigaia file set ``basename.Y.hdf5``,
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
