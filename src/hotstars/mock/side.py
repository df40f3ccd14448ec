"""ALS-III-like and D23-like catalogues of the mock Galaxy, in their published formats: from the
mock survey's targets and truth plus a second draw of the same mock Galaxy with the carton's limits
relaxed (the "field": hot stars the carton rejects). Angles in deg, separations in arcsec."""

from __future__ import annotations

import logging
from typing import Mapping

import astropy.units as u
import numpy as np
import pandas as pd
from astropy.coordinates import SkyCoord

from hotstars.crossmatch import CrossmatchError, d23_teff_rule
from hotstars.errors import require_columns
from hotstars.io.catalogues import MASSIVE_VALUE
from hotstars.mock import survey

log = logging.getLogger(__name__)

#: Columns of the mock D23 Gaia table (the real query's, :data:`D23_GAIA`) and their units.
MOCK_D23_GAIA_UNITS = {
    "ra": "deg", "dec": "deg", "l": "deg", "b": "deg", "parallax": "mas",
    "parallax_error": "mas", "phot_g_mean_mag": "mag", "radial_velocity": "km / s",
    "radial_velocity_error": "km / s", "grvs_mag": "mag", "teff_esphs": "K", "j_m": "mag",
    "h_m": "mag", "ks_m": "mag", "r_med_photogeo": "pc"}


_GAIA_COLUMNS = ["source_id", *MOCK_D23_GAIA_UNITS]
_TMASS, _DISTANCE = ["j_m", "h_m", "ks_m"], ["r_med_photogeo"]  # the others: Gaia's


_MAX_FIELD_BATCHES = 50


def _field_stars(grid, seed_rng, frame, physics, mk_max, g_max, batch, threads,
                 sampler) -> pd.DataFrame:
    """One batch of the mock Galaxy under a relaxed selection (G < g_max, M_K < mk_max, no colour
    cuts) through :func:`hotstars.mock.survey.simulate_survey`: Gaia/2MASS/Bailer-Jones columns, the
    true Teff, and ``carton`` (whether the real carton selection would take the star). Every
    field is "observed" (field_completion 1): ALS-III and D23 are all-sky catalogues, so their
    field stars do not follow which SDSS fields were observed (nor are 40 % drawn in vain); the
    clumps per target are scaled by the completion, so there are as many per drawn star."""
    p = survey.MockParams.from_overrides(physics)
    relaxed = {**physics, "mk_max": mk_max, "g_max": g_max, "carton_colour_cuts": False,
               "field_completion": 1.0,
               "clumps_per_1000_targets": p.clumps_per_1000_targets * p.field_completion}
    out = survey.simulate_survey(grid, batch, int(seed_rng.integers(2**62)), frame, relaxed,
                                 threads=threads, with_spectra=False, sampler=sampler)
    df = (out["gaia"].merge(out["tmass"], on="source_id")
          .merge(out["distances"][["source_id", "r_med_photogeo"]], on="source_id")
          .merge(out["truth"][["source_id", "teff"]], on="source_id"))
    df["carton"] = survey.carton_selection(
        *(df[c].to_numpy(float) for c in ("phot_g_mean_mag", "j_m", "h_m", "ks_m", "parallax")),
        survey.MockParams.from_overrides(physics))
    return df


def _offset_positions(rng, ra, dec, near_fraction, far_fraction):
    """ALS-III positions: the Gaia ones with a 0.03″ jitter per axis, except for a random
    ``near_fraction`` (at least one star) moved by U(0.1, 0.5)″ and ``far_fraction`` (at least
    one) by U(1.2, 3)″, beyond the 1″ radius; random directions."""
    n = ra.size
    n_far = min(n, max(1, int(round(far_fraction * n))))
    n_near = min(n - n_far, max(1, int(round(near_fraction * n))))
    kind = np.zeros(n, int)
    kind[rng.permutation(n)[:n_far + n_near]] = np.repeat([2, 1], [n_far, n_near])
    sep = np.select([kind == 1, kind == 2],
                    [rng.uniform(0.1, 0.5, n), rng.uniform(1.2, 3.0, n)],
                    np.abs(rng.normal(0.0, 0.03, n)))
    c = SkyCoord(ra * u.deg, dec * u.deg).directional_offset_by(
        rng.uniform(0, 360, n) * u.deg, sep * u.arcsec)
    return c.ra.to_value(u.deg), c.dec.to_value(u.deg)


def mock_targets(gaia: pd.DataFrame, tmass: pd.DataFrame, distances: pd.DataFrame) -> pd.DataFrame:
    """The mock survey's targets with the columns :func:`mock_side_catalogues` uses: its Gaia,
    2MASS and Bailer-Jones tables (:func:`hotstars.mock.survey.simulate_survey`) joined on
    source_id (one row each), in the Gaia table's order."""
    gaia_cols = [c for c in _GAIA_COLUMNS if c not in _TMASS + _DISTANCE]
    tmass_cols, distance_cols = ["source_id", *_TMASS], ["source_id", *_DISTANCE]
    for df, cols, what in ((gaia, gaia_cols, "Gaia"), (tmass, tmass_cols, "2MASS"),
                           (distances, distance_cols, "Bailer-Jones")):
        require_columns(df, cols, f"mock side catalogues: {what} table", CrossmatchError)
    return (gaia[gaia_cols]
            .merge(tmass[tmass_cols], on="source_id", validate="one_to_one")
            .merge(distances[distance_cols], on="source_id", validate="one_to_one"))[_GAIA_COLUMNS]


def mock_side_catalogues(targets: pd.DataFrame, truth: pd.DataFrame, grid: pd.DataFrame,
                         seed: int, frame: Mapping, physics: Mapping | None = None, *,
                         d23_target_fraction: float = 0.25, d23_size_ratio: float = 1.8,
                         als_size_ratio: float = 0.064, als_target_fraction: float = 0.375,
                         als_m_fraction: float = 0.70, als_g_max: float = 12.0,
                         als_near_fraction: float = 0.05, als_far_fraction: float = 0.02,
                         field_mk_max: float = 2.0, field_g_max: float = 17.0,
                         field_batch: int = 100_000, threads: int = 1) -> dict[str, pd.DataFrame]:
    """ALS-III-like and D23-like catalogues of the mock survey, in their published formats.

    ``targets``: the mock's targets with Gaia, 2MASS and Bailer-Jones columns
    (:func:`mock_targets`);
    ``truth``: the mock truth (source_id, teff); ``grid``, ``frame`` (the mock's true frame),
    ``physics`` (config mock.physics), ``threads``: as for
    :func:`hotstars.mock.survey.simulate_survey`.

    The *field*: further stars of the same mock Galaxy (new random draws, hence other clumps) with
    the carton's limits relaxed to G < ``field_g_max`` (ESP-HS exists to G ≈ 17.6) and M_K <
    ``field_mk_max`` (paper App. A: D23 reaches M_K ≈ 2), no colour cuts, keeping only stars the
    carton rejects (every carton star of the mock is a target).

    - D23 (paper Sec. 2.1): ``d23_target_fraction`` × N_targets targets (paper ~25 %) drawn among
      those passing :func:`d23_teff_rule` on their ESP-HS Teff (the mock has no GSP-Phot; real
      D23 misses hot stars without published Gaia parameters, hence the subset), plus field stars
      passing the rule, for ``d23_size_ratio`` × N_targets in all (paper: 923,700 D23 stars per
      512,959 Z21 stars with M_K < −0.6). 'd23': one column source_id; 'd23_gaia': their Gaia +
      2MASS + r_med_photogeo rows (:data:`MOCK_D23_GAIA_UNITS`; targets' rows copied).
    - ALS-III (Table 1): ``als_size_ratio`` × N_targets stars (paper 20,387 per 320,871 Theta-3
      targets), a fraction ``als_target_fraction`` (paper 7,656/20,387 in Theta-3) among the hot
      (true Teff ≥ 10 kK) targets brighter than ``als_g_max``, the rest hot field stars as bright;
      the hottest ``als_m_fraction`` (paper 14,273/20,387) flagged "M", the others "I";
      positions per :func:`_offset_positions` (in each part: a few 0.1–0.5″ and a few > 1″
      off, so that the 1″ radius matters). Columns ALS, RA, DEC, Gaia_DR3, Sample.
    """
    for df, cols, what in ((targets, ["source_id", *MOCK_D23_GAIA_UNITS], "targets"),
                           (truth, ["source_id", "teff"], "truth")):
        require_columns(df, cols, f"mock side catalogues: {what}", CrossmatchError)
    rng = np.random.default_rng(seed)
    physics = dict(physics or {})
    t = targets[_GAIA_COLUMNS].merge(truth[["source_id", "teff"]], on="source_id",
                                     validate="one_to_one")
    n_t = len(t)
    n_overlap = int(round(d23_target_fraction * n_t))
    n_d23_field = max(0, int(round(d23_size_ratio * n_t)) - n_overlap)
    n_als = max(1, int(round(als_size_ratio * n_t)))
    n_als_t = int(round(als_target_fraction * n_als))
    n_als_field = n_als - n_als_t

    # --- the field, batch by batch until both catalogues are served ---
    sampler = survey.isochrone_sampler(grid, physics)
    taken = set(truth["source_id"].tolist())
    parts, n_rule, n_bright, k = [], 0, 0, 0
    while n_rule < n_d23_field or n_bright < n_als_field:
        if k == _MAX_FIELD_BATCHES:
            raise CrossmatchError(f"mock field: {n_rule}/{n_d23_field} D23-like and "
                                  f"{n_bright}/{n_als_field} ALS-like stars after {k} batches")
        f = _field_stars(grid, rng, frame, physics, field_mk_max, field_g_max, field_batch, threads,
                         sampler)
        ids = f["source_id"].tolist()  # set lookups: O(batch), not O(len(taken)) per batch
        seen = np.fromiter(map(taken.__contains__, ids), bool, len(ids))
        f = f[~f["carton"].to_numpy() & ~seen]
        f = f.assign(d23=d23_teff_rule(f["teff_esphs"]),
                     als=(f["teff"] >= 10000).to_numpy()
                     & (f["phot_g_mean_mag"] < als_g_max).to_numpy())
        f = f[f["d23"] | f["als"]]
        taken.update(f["source_id"].tolist())
        parts.append(f)
        n_rule += int(f["d23"].sum())
        n_bright += int(f["als"].sum())
        k += 1
    field = pd.concat(parts, ignore_index=True) if parts else t.iloc[:0].assign(d23=False,
                                                                                als=False)
    log.info("mock field: %d batches of %d stars, %d kept", k, field_batch, len(field))

    # --- D23 ---
    pool = np.flatnonzero(d23_teff_rule(t["teff_esphs"]))
    if pool.size < n_overlap:
        raise CrossmatchError(f"mock D23: only {pool.size} targets pass the D23 Teff rule, "
                              f"{n_overlap} requested (d23_target_fraction)")
    d23_rows = pd.concat([t.iloc[np.sort(rng.choice(pool, n_overlap, replace=False))],
                          field[field["d23"]].iloc[:n_d23_field]], ignore_index=True)
    d23_gaia = d23_rows[_GAIA_COLUMNS].sort_values("source_id", ignore_index=True)
    d23 = d23_gaia[["source_id"]].copy()

    # --- ALS-III ---
    hot_t = np.flatnonzero((t["teff"] >= 10000).to_numpy()
                           & (t["phot_g_mean_mag"] < als_g_max).to_numpy())
    if hot_t.size < n_als_t:
        raise CrossmatchError(f"mock ALS-III: only {hot_t.size} hot targets with G < {als_g_max},"
                              f" {n_als_t} requested")
    als_rows = pd.concat([t.iloc[np.sort(rng.choice(hot_t, n_als_t, replace=False))],
                          field[field["als"]].iloc[:n_als_field]], ignore_index=True)
    n_m = int(round(als_m_fraction * len(als_rows)))
    rank = np.argsort(-als_rows["teff"].to_numpy(), kind="stable")
    flag = np.full(len(als_rows), "I", dtype=object)
    flag[rank[:n_m]] = MASSIVE_VALUE
    ra, dec = (np.array(als_rows[c], dtype=float) for c in ("ra", "dec"))
    for part in (slice(0, n_als_t), slice(n_als_t, None)):  # targets' and field stars' alike
        if ra[part].size:
            ra[part], dec[part] = _offset_positions(rng, ra[part], dec[part], als_near_fraction,
                                                    als_far_fraction)
    order = np.argsort(ra, kind="stable")
    als3 = pd.DataFrame({"ALS": np.arange(1, len(als_rows) + 1, dtype=np.int64),
                         "RA": np.round(ra[order], 7), "DEC": np.round(dec[order], 7),
                         "Gaia_DR3": als_rows["source_id"].to_numpy(np.int64)[order],
                         "Sample": flag[order]})
    return {"als3": als3, "d23": d23, "d23_gaia": d23_gaia}
