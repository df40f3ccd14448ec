"""6D Galactocentric kinematics with linearly propagated uncertainties (paper Sec. 3.1)."""

from __future__ import annotations

INPUT_COLUMNS = ("source_id", "ra", "dec", "distance", "distance_err", "pmra", "pmdec",
                 "pmra_error", "pmdec_error", "pmra_pmdec_corr", "vlos", "vlos_err", "n_epochs")
INPUT_UNITS = {"ra": "deg", "dec": "deg", "distance": "kpc", "distance_err": "kpc",
               "pmra": "mas / yr", "pmdec": "mas / yr", "pmra_error": "mas / yr",
               "pmdec_error": "mas / yr", "vlos": "km / s", "vlos_err": "km / s"}
UNITS = {"x": "kpc", "y": "kpc", "z": "kpc", "R": "kpc", "phi": "deg", "distance": "kpc",
         "v_R": "km / s", "v_phi": "km / s", "v_z": "km / s", "v_R_err": "km / s",
         "v_phi_err": "km / s", "v_z_err": "km / s", "v_R_v_phi_cov": "km2 / s2", "vlos": "km / s"}
