"""6D Galactocentric kinematics with linearly propagated uncertainties (paper Sec. 3.1).

Conventions (docs/conventions.md, Kinematics): the frame is
:func:`hotstars.frame.galactocentric_frame` (Sun at X = −R0, +Y toward l = 90°, ``galcen_v_sun``
Cartesian). Cylindrical quantities: R = √(X² + Y²); φ = atan2(Y, −X) [deg] (0 at the Sun); v_R = (X
v_X + Y v_Y)/R (outward > 0); v_φ = (Y v_X − X v_Y)/R (≈ +230 km/s in the disc); v_z = v_Z.

Uncertainties: the 4 inputs p = (d, μα*, μδ, v_los) have the covariance
Σ = diag(σ_d², σ_μα*², σ_μδ², σ_vlos²) with Σ_μα*μδ = ρ σ_μα* σ_μδ (ρ = pmra_pmdec_corr; d taken
independent of the proper motions; ra/dec errors negligible). The output covariance is J Σ Jᵀ with
the analytic 3×4 Jacobian J of (v_R, v_φ, v_z), which includes the rotation of the cylindrical
basis as the star's position moves with d (docs/conventions.md: dominant for inner-disc stars).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hotstars.errors import HotstarsError, require_columns

if TYPE_CHECKING:  # astropy is imported where a transform needs it
    from astropy.coordinates import Galactocentric

INPUT_COLUMNS = ["source_id", "ra", "dec", "distance", "distance_err", "pmra", "pmdec",
                 "pmra_error", "pmdec_error", "pmra_pmdec_corr", "vlos", "vlos_err", "n_epochs"]
INPUT_UNITS = {"ra": "deg", "dec": "deg", "distance": "kpc", "distance_err": "kpc",
               "pmra": "mas / yr", "pmdec": "mas / yr", "pmra_error": "mas / yr",
               "pmdec_error": "mas / yr", "vlos": "km / s", "vlos_err": "km / s"}
UNITS = {"x": "kpc", "y": "kpc", "z": "kpc", "R": "kpc", "phi": "deg",
         "x_err": "kpc", "y_err": "kpc", "z_err": "kpc", "R_err": "kpc", "phi_err": "deg",
         "v_R": "km / s", "v_phi": "km / s", "v_z": "km / s",
         "v_R_err": "km / s", "v_phi_err": "km / s", "v_z_err": "km / s",
         "v_R_v_phi_cov": "km2 / s2", "v_R_v_z_cov": "km2 / s2", "v_phi_v_z_cov": "km2 / s2",
         "distance": "kpc", "vlos": "km / s"}

# v_tan [km/s] = K d [kpc] μ [mas/yr], K = 1 au/yr = 4.74047046 km/s (IAU 2012 au, Julian year;
# the value astropy gives, (1 kpc mas/yr).to(km/s, dimensionless_angles()), so the Jacobian
# matches astropy's velocities exactly; a test checks it)
K_KMS = 4.740470463533349

_HSS_COLUMNS = ["source_id", "ra", "dec", "pmra", "pmdec", "pmra_error", "pmdec_error",
                "pmra_pmdec_corr", "r_med_photogeo", "r_lo_photogeo", "r_hi_photogeo"]
_VLOS_COLUMNS = ["source_id", "vlos", "vlos_err", "n_epochs"]
# kinematics input <- DR20 VAC column (ob_vac-1.0.0 datamodel names)
_FROM_VAC = {"source_id": "gaia_dr3_source_id", "ra": "ra", "dec": "dec", "distance": "distance",
             "distance_err": "e_distance", "pmra": "pm_ra_cosdec", "pmdec": "pm_dec",
             "pmra_error": "e_pmra", "pmdec_error": "e_pmdec", "vlos": "radial_velocity",
             "vlos_err": "e_rv"}


class KinematicsError(HotstarsError):
    """Bad input to the kinematics stage (names the table and the column)."""


def _require(df: pd.DataFrame, columns, source: str) -> None:
    require_columns(df, columns, source, KinematicsError, unique="source_id")


def inputs_from_hss(hss: pd.DataFrame, vlos: pd.DataFrame, hss_source: str = "hss",
                    vlos_source: str = "vlos") -> pd.DataFrame:
    """The kinematics input table (:data:`INPUT_COLUMNS`, units :data:`INPUT_UNITS`).

    ``hss``: HSS stars (Gaia names; Bailer-Jones distances in pc). ``vlos``: averaged velocities
    (source_id, vlos, vlos_err [km/s], n_epochs). Joined on source_id, one row per HSS star in HSS
    order; a star absent from ``vlos`` gets NaN velocity and n_epochs = 0.
    distance = r_med_photogeo and σ_d = (r_hi_photogeo − r_lo_photogeo)/2 in kpc
    (docs/conventions.md, Kinematics).
    """
    _require(hss, _HSS_COLUMNS, hss_source)
    _require(vlos, _VLOS_COLUMNS, vlos_source)
    out = hss[["source_id", "ra", "dec"]].copy()
    out["distance"] = hss["r_med_photogeo"].to_numpy(float) / 1000.0
    out["distance_err"] = (hss["r_hi_photogeo"].to_numpy(float)
                           - hss["r_lo_photogeo"].to_numpy(float)) / 2.0 / 1000.0
    for col in ("pmra", "pmdec", "pmra_error", "pmdec_error", "pmra_pmdec_corr"):
        out[col] = hss[col].to_numpy(float)
    out = out.merge(vlos[_VLOS_COLUMNS], on="source_id", how="left", validate="one_to_one")
    out["n_epochs"] = out["n_epochs"].fillna(0).astype(np.int64)
    out["source_id"] = out["source_id"].astype(np.int64)
    return out[INPUT_COLUMNS].reset_index(drop=True)


def frame_matrix(frame: Galactocentric) -> tuple[np.ndarray, np.ndarray]:
    """(M, c): the affine ICRS → ``frame`` map x_gc = M x_icrs + c [kpc] as astropy applies it.

    Read off astropy by transforming the origin and the three unit vectors; velocities transform
    as v_gc = M v_icrs + galcen_v_sun.
    """
    import astropy.units as u
    from astropy.coordinates import ICRS, CartesianRepresentation
    pts = CartesianRepresentation(np.array([[0.0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]) * u.kpc)
    xyz = ICRS(pts).transform_to(frame).cartesian.xyz.to_value(u.kpc)
    return xyz[:, 1:] - xyz[:, :1], xyz[:, 0]


def _sky_basis(ra_deg, dec_deg) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ICRS unit vectors r̂, ê_α, ê_δ (N, 3) of the line of sight and the proper-motion axes."""
    a, d = np.radians(ra_deg), np.radians(dec_deg)
    ca, sa, cd, sd = np.cos(a), np.sin(a), np.cos(d), np.sin(d)
    r = np.stack([cd * ca, cd * sa, sd], axis=-1)
    e_a = np.stack([-sa, ca, np.zeros_like(a)], axis=-1)
    e_d = np.stack([-sd * ca, -sd * sa, cd], axis=-1)
    return r, e_a, e_d


def input_covariance(inputs: pd.DataFrame) -> np.ndarray:
    """(N, 4, 4) covariance of (d, μα*, μδ, v_los) [kpc, mas/yr, mas/yr, km/s]."""
    sd, sa, sdec, sv = (inputs[c].to_numpy(float) for c in
                        ("distance_err", "pmra_error", "pmdec_error", "vlos_err"))
    cov = np.zeros((len(inputs), 4, 4))
    for i, s in enumerate((sd, sa, sdec, sv)):
        cov[:, i, i] = s * s
    cov[:, 1, 2] = cov[:, 2, 1] = inputs["pmra_pmdec_corr"].to_numpy(float) * sa * sdec
    return cov


def velocity_jacobian(inputs: pd.DataFrame, frame: Galactocentric,
                      xyz: np.ndarray | None = None, v_xyz: np.ndarray | None = None) -> np.ndarray:
    """(N, 3, 4) Jacobian of (v_R, v_φ, v_z) w.r.t. (d, μα*, μδ, v_los) [km/s per input unit].

    Heliocentric velocity v_h = v_los r̂ + K d (μα* ê_α + μδ ê_δ); position x = M (d r̂) + c and
    v = M v_h + v_sun (astropy's affine map, :func:`frame_matrix`). With ê_R = (X, Y)/R and
    ê' = (Y, −X)/R: ∂v_R = ê_R·∂v + (v_φ/R) ê'·∂x and ∂v_φ = ê'·∂v − (v_R/R) ê'·∂x (the basis
    rotation with the position; ∂x ≠ 0 only for d). ``xyz``/``v_xyz`` (N, 3): the star's
    Galactocentric position/velocity if already known (else computed with astropy).
    """
    if xyz is None or v_xyz is None:
        xyz, v_xyz = _transform(inputs, frame)
    m, _ = frame_matrix(frame)
    r, e_a, e_d = (b @ m.T for b in _sky_basis(inputs["ra"].to_numpy(float),
                                              inputs["dec"].to_numpy(float)))
    d = inputs["distance"].to_numpy(float)[:, None]
    pma = inputs["pmra"].to_numpy(float)[:, None]
    pmd = inputs["pmdec"].to_numpy(float)[:, None]
    dv = np.stack([K_KMS * (pma * e_a + pmd * e_d), K_KMS * d * e_a, K_KMS * d * e_d, r],
                  axis=-1)                                        # (N, 3, 4): ∂v_gc/∂p
    x, y = xyz[:, 0], xyz[:, 1]
    rr = np.hypot(x, y)
    c, s = x / rr, y / rr
    v_r = c * v_xyz[:, 0] + s * v_xyz[:, 1]
    v_phi = s * v_xyz[:, 0] - c * v_xyz[:, 1]
    dx_perp = s * r[:, 0] - c * r[:, 1]                           # ê'·∂x/∂d
    jac = np.empty((len(inputs), 3, 4))
    jac[:, 0] = c[:, None] * dv[:, 0] + s[:, None] * dv[:, 1]
    jac[:, 1] = s[:, None] * dv[:, 0] - c[:, None] * dv[:, 1]
    jac[:, 2] = dv[:, 2]
    jac[:, 0, 0] += v_phi / rr * dx_perp
    jac[:, 1, 0] -= v_r / rr * dx_perp
    return jac


def _transform(inputs: pd.DataFrame, frame: Galactocentric) -> tuple[np.ndarray, np.ndarray]:
    """Galactocentric (N, 3) positions [kpc] and velocities [km/s] through astropy."""
    import astropy.units as u
    from astropy.coordinates import ICRS
    icrs = ICRS(ra=inputs["ra"].to_numpy(float) * u.deg, dec=inputs["dec"].to_numpy(float) * u.deg,
                distance=inputs["distance"].to_numpy(float) * u.kpc,
                pm_ra_cosdec=inputs["pmra"].to_numpy(float) * u.mas / u.yr,
                pm_dec=inputs["pmdec"].to_numpy(float) * u.mas / u.yr,
                radial_velocity=inputs["vlos"].to_numpy(float) * u.km / u.s)
    gc = icrs.transform_to(frame)
    xyz = gc.cartesian.xyz.to_value(u.kpc).T
    v_xyz = gc.velocity.d_xyz.to_value(u.km / u.s).T
    return np.ascontiguousarray(xyz), np.ascontiguousarray(v_xyz)


def check_inputs(inputs: pd.DataFrame, source: str = "inputs") -> None:
    """Raise :class:`KinematicsError` on missing columns, repeated ids, d ≤ 0, |ρ| > 1, σ < 0."""
    _require(inputs, INPUT_COLUMNS, source)
    d = inputs["distance"].to_numpy(float)
    if (d <= 0).any():
        raise KinematicsError(f"{source}: column 'distance' must be > 0 kpc (or NaN); "
                              f"{int((d <= 0).sum())} rows are not")
    rho = inputs["pmra_pmdec_corr"].to_numpy(float)
    if (np.abs(rho) > 1).any():
        raise KinematicsError(f"{source}: column 'pmra_pmdec_corr' must lie in [-1, 1]")
    for col in ("distance_err", "pmra_error", "pmdec_error", "vlos_err"):
        if (inputs[col].to_numpy(float) < 0).any():
            raise KinematicsError(f"{source}: column {col!r} must be >= 0 (or NaN)")


def galactocentric(inputs: pd.DataFrame, frame: Galactocentric,
                   source: str = "inputs") -> pd.DataFrame:
    """The kinematics product of an input table (:data:`INPUT_COLUMNS`), same rows and order.

    Columns (units :data:`UNITS`): source_id; x, y, z, R [kpc], phi [deg] and their 1σ errors
    (from σ_d only); v_R, v_phi, v_z [km/s], their errors and covariances from J Σ Jᵀ (module
    docstring); distance, vlos, n_epochs copied through. A non-finite input (no v_los, no
    distance, ...) gives NaN in what depends on it; rows are never dropped. ``source`` names the
    table in error messages.
    """
    check_inputs(inputs, source)
    inputs = inputs.reset_index(drop=True)
    xyz, v_xyz = _transform(inputs, frame)
    x, y, z = xyz.T
    rr = np.hypot(x, y)
    c, s = x / rr, y / rr
    out = pd.DataFrame({"source_id": inputs["source_id"].to_numpy(np.int64), "x": x, "y": y,
                        "z": z, "R": rr, "phi": np.degrees(np.arctan2(y, -x))})
    # positions: ∂x/∂d = M r̂; dR = ê_R·dx, dφ = (Y dX − X dY)/R² rad (from φ = atan2(Y, −X))
    m, _ = frame_matrix(frame)
    r_hat = _sky_basis(inputs["ra"].to_numpy(float), inputs["dec"].to_numpy(float))[0] @ m.T
    sig_d = inputs["distance_err"].to_numpy(float)
    for i, name in enumerate(("x_err", "y_err", "z_err")):
        out[name] = np.abs(r_hat[:, i]) * sig_d
    out["R_err"] = np.abs(c * r_hat[:, 0] + s * r_hat[:, 1]) * sig_d
    out["phi_err"] = np.degrees(np.abs(s * r_hat[:, 0] - c * r_hat[:, 1]) / rr) * sig_d
    # velocities (docs/conventions.md, Kinematics): v_R = (X v_X + Y v_Y)/R,
    # v_φ = (Y v_X − X v_Y)/R, v_z = v_Z
    out["v_R"] = c * v_xyz[:, 0] + s * v_xyz[:, 1]
    out["v_phi"] = s * v_xyz[:, 0] - c * v_xyz[:, 1]
    out["v_z"] = v_xyz[:, 2]
    jac = velocity_jacobian(inputs, frame, xyz, v_xyz)
    cov = np.einsum("nij,njk,nlk->nil", jac, input_covariance(inputs), jac)
    for i, name in enumerate(("v_R", "v_phi", "v_z")):
        out[f"{name}_err"] = np.sqrt(cov[:, i, i])
    out["v_R_v_phi_cov"] = cov[:, 0, 1]
    out["v_R_v_z_cov"] = cov[:, 0, 2]
    out["v_phi_v_z_cov"] = cov[:, 1, 2]
    for col in ("distance", "vlos", "n_epochs"):
        out[col] = inputs[col].to_numpy()
    return out


def missing_input_counts(inputs: pd.DataFrame) -> dict[str, int]:
    """Why stars get NaN velocities: counts of non-finite distance, proper motion and v_los."""
    fin = lambda *cols: np.isfinite(inputs[list(cols)].to_numpy(float)).all(axis=1)  # noqa: E731
    ok = fin("ra", "dec", "distance", "pmra", "pmdec", "vlos")
    return {"no_distance": int((~fin("distance")).sum()),
            "no_proper_motion": int((~fin("pmra", "pmdec")).sum()),
            "no_vlos": int((~fin("vlos")).sum()),
            "no_velocity_error": int((ok & ~fin("distance_err", "pmra_error", "pmdec_error",
                                                "pmra_pmdec_corr", "vlos_err")).sum()),
            "nan_velocity": int((~ok).sum())}


def in_vphi_window(v_phi, lo: float, hi: float) -> np.ndarray:
    """lo ≤ v_φ ≤ hi [km/s] (paper Sec. 3.1, Fig. 6: 190–250); False for NaN."""
    if not lo < hi:
        raise KinematicsError(f"v_phi window: expected lo < hi, got [{lo}, {hi}]")
    v = np.asarray(v_phi, float)
    return (v >= lo) & (v <= hi)


def inputs_from_vac(vac: pd.DataFrame) -> pd.DataFrame:
    """The kinematics input table (:data:`INPUT_COLUMNS`) from a table in the DR20 VAC format
    (:func:`hotstars.io.vac.read_vac`).

    Units: deg, kpc, mas/yr, km/s (as in the VAC). The VAC has no pmra/pmdec correlation
    (``pmra_pmdec_corr`` = 0) and no epoch count (``n_epochs`` = −1, unknown).
    """
    require_columns(vac, _FROM_VAC.values(), "VAC table", KinematicsError)
    vac = vac.reset_index(drop=True)
    out = pd.DataFrame({name: vac[col] for name, col in _FROM_VAC.items()})
    out["source_id"] = out["source_id"].to_numpy(np.int64)
    out["pmra_pmdec_corr"] = 0.0
    out["n_epochs"] = np.int64(-1)
    return out[list(INPUT_COLUMNS)].astype({c: np.float64 for c in INPUT_COLUMNS
                                            if c not in ("source_id", "n_epochs")})
