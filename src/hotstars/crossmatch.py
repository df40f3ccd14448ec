"""Comparisons with other OB-star catalogues: ALS-III (Table 1) and the Gaia DR3 OB sample of
Gaia Collaboration, Drimmel et al. (2023, D23; Sec. 2.1 and Appendix A). The catalogues are read
by :mod:`hotstars.io.catalogues`; the mock's versions are made by :mod:`hotstars.mock.side`.

ALS-III (Pantaleoni González et al. 2025; paper Sec. 2.2, Table 1)
- :func:`match_sky`: each catalogue star is paired with its nearest sample star
  (``SkyCoord.match_to_catalog_sky``) and matched when the separation is ≤ the radius (paper:
  1″). **Rule for multiple candidates:** a cell of Table 1 counts catalogue stars, each at most
  once — one ALS star with two sample stars within 1″ counts once (paired to the nearer;
  ``n_within`` records the candidates), and two ALS stars near the same sample star both count
  (TOPCAT's "best match for each row of the catalogue").
- :func:`als3_crossmatch` matches ALS-III "M" and the full catalogue against each target sample
  (the HSS, the observed targets, optional user samples read by
  :func:`hotstars.io.catalogues.read_sample`: ra/dec, or
  only a Gaia DR3 source_id, then matched on ALS-III's source_id) and :func:`table1` lays the
  counts out as the paper's Table 1.

D23 (paper Sec. 2.1, App. A)
- :func:`d23_teff_rule` is D23's selection as the paper summarises it (Sec. 2.1);
  :func:`d23_stars` gives each D23 star's membership in the targets/HSS, the selection-diagram
  colours and M_K (Eq. 2) and its Galactic-plane position; :func:`d23_numbers` the overlap
  fractions (paper: ~25 % of the mwm_ob targets are in D23; 90 % of the D23 stars not in mwm_ob
  have −0.6 < M_K < 2).

Angles in deg, separations in arcsec, distances in kpc unless a name says pc.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Mapping, Sequence

import numpy as np
import pandas as pd

from hotstars.errors import HotstarsError, require_columns
from hotstars.io.catalogues import MASSIVE_VALUE

if TYPE_CHECKING:  # astropy is imported where a match needs it
    from astropy.coordinates import SkyCoord

log = logging.getLogger(__name__)


#: The mwm_ob colour cuts of Zari et al. (2021) drawn in Fig. A.1 (carton notes), as lines
#: y = slope (G − Ks) + intercept: 0.15 (G−Ks) − 0.15 < J−H < 0.15 (G−Ks) + 0.05;
#: −0.30 < (J−Ks) − 0.25 (G−Ks) < 0.10 and J−Ks < 0.23 (G−Ks) + 0.03.
Z21_LINES = {"j_h": ((0.15, -0.15), (0.15, 0.05)),
             "j_ks": ((0.25, -0.30), (0.25, 0.10), (0.23, 0.03))}
MK_CARTON = -0.6  # paper Eq. 2: mwm_ob (and Z21 "M_K < −0.6")
MK_Z21 = 0.0      # Zari et al. 2021: the full target sample, M_K ≲ 0

#: Units of the :func:`d23_stars` product.
D23_STAR_UNITS = {"g_ks": "mag", "j_h": "mag", "j_ks": "mag", "m_k": "mag", "distance": "kpc",
                  "x": "kpc", "y": "kpc", "z": "kpc", "phot_g_mean_mag": "mag"}


class CrossmatchError(HotstarsError):
    """Inconsistent tables handed to a comparison (missing column, ids without Gaia rows)."""


# --------------------------------------------------------------------------------------------
# Sky cross-match
# --------------------------------------------------------------------------------------------

def _coords(df: pd.DataFrame, what: str) -> SkyCoord:
    import astropy.units as u
    from astropy.coordinates import SkyCoord
    require_columns(df, ("ra", "dec"), what, CrossmatchError)
    return SkyCoord(df["ra"].to_numpy(float) * u.deg, df["dec"].to_numpy(float) * u.deg)


def match_sky(catalogue: pd.DataFrame, sample: pd.DataFrame,
              radius_arcsec: float = 1.0) -> pd.DataFrame:
    """Nearest-neighbour sky match of every catalogue row in ``sample`` (both: ra, dec in deg).

    Returns one row per catalogue row (same order): ``index`` (row number of the nearest sample
    star, −1 when none is within the radius), ``sep_arcsec`` (to the nearest, matched or not),
    ``n_within`` (sample stars within the radius) and ``matched`` (sep ≤ radius).
    """
    if not radius_arcsec > 0:
        raise CrossmatchError(f"radius_arcsec must be > 0, got {radius_arcsec!r}")
    n = len(catalogue)
    out = pd.DataFrame({"index": np.full(n, -1, np.int64), "sep_arcsec": np.full(n, np.inf),
                        "n_within": np.zeros(n, np.int64), "matched": np.zeros(n, bool)})
    if n == 0 or len(sample) == 0:
        return out
    import astropy.units as u
    cat, smp = _coords(catalogue, "catalogue"), _coords(sample, "sample")
    radius = radius_arcsec * u.arcsec
    idx, sep, _ = cat.match_to_catalog_sky(smp)
    icat, _, _, _ = smp.search_around_sky(cat, radius)  # all pairs: indices into cat, smp
    within = sep <= radius
    out["sep_arcsec"] = sep.to_value(u.arcsec)
    out["matched"] = within
    out["index"] = np.where(within, idx, -1)
    out["n_within"] = np.bincount(icat, minlength=n)
    return out


def match_ids(catalogue: pd.DataFrame, sample: pd.DataFrame) -> pd.DataFrame:
    """Like :func:`match_sky` on Gaia DR3 ``source_id`` (both tables); sep_arcsec is 0 / inf."""
    for df, what in ((catalogue, "catalogue"), (sample, "sample")):
        if "source_id" not in df:
            raise CrossmatchError(f"{what}: no source_id column to match on (a sample without "
                                  "positions needs the catalogue's Gaia DR3 source_id)")
    pos = pd.Index(sample["source_id"]).get_indexer(catalogue["source_id"])
    matched = pos >= 0
    return pd.DataFrame({"index": pos.astype(np.int64),
                         "sep_arcsec": np.where(matched, 0.0, np.inf),
                         "n_within": matched.astype(np.int64), "matched": matched})


def als3_crossmatch(als: pd.DataFrame, samples: Mapping[str, pd.DataFrame],
                    radius_arcsec: float = 1.0,
                    massive_value: str = MASSIVE_VALUE) -> tuple[pd.DataFrame, dict]:
    """Cross-match ALS-III "M" and full with each sample (name → table with ra/dec, or only
    source_id). Returns (long table: catalogue, n_catalogue, sample, n_sample, n_matched,
    fraction, n_ambiguous; per-sample match details {name: :func:`match_sky` frame + flag}).

    "M" counts are the matched full-catalogue rows flagged ``massive_value`` (the same pairs).
    """
    is_m = als["flag"].astype(str).str.strip().str.upper().to_numpy() == massive_value.upper()
    rows, details = [], {}
    for name, sample in samples.items():
        positional = {"ra", "dec"} <= set(sample.columns)
        m = (match_sky(als, sample, radius_arcsec) if positional else match_ids(als, sample))
        m["is_m"] = is_m
        details[name] = m
        for label, sel in ((f'ALS-III "{massive_value}"', is_m), ("ALS-III (full)", slice(None))):
            sub = m[sel]
            rows.append({"catalogue": label, "n_catalogue": len(sub), "sample": name,
                         "n_sample": len(sample), "n_matched": int(sub["matched"].sum()),
                         "fraction": float(sub["matched"].mean()) if len(sub) else np.nan,
                         "n_ambiguous": int((sub["n_within"] > 1).sum())})
    return pd.DataFrame(rows), details


def table1(long: pd.DataFrame) -> pd.DataFrame:
    """The paper's Table 1 layout: one row per catalogue (``catalogue``, ``n_catalogue``), one
    column per sample headed ``"<name> (N = <n_sample>)"``, cells = matched catalogue stars."""
    long = long.assign(column=[f"{s} (N = {n})" for s, n in zip(long["sample"], long["n_sample"])])
    wide = long.pivot(index=["catalogue", "n_catalogue"], columns="column", values="n_matched")
    wide = wide.loc[long["catalogue"].unique(), list(dict.fromkeys(long["column"]))]
    wide.columns.name = None
    return wide.reset_index()


def render_table1(wide: pd.DataFrame) -> str:
    """Markdown rendering of :func:`table1` (counts with thousands commas, % of the catalogue)."""
    samples = [c for c in wide.columns if c not in ("catalogue", "n_catalogue")]
    head = ["Catalogue (N total)", *samples]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in wide.itertuples(index=False):
        n = int(row.n_catalogue)
        cells = [f"{row.catalogue} N = {n:,}"]
        for v in row[2:]:
            cells.append(f"{int(v):,} ({100 * v / n:.0f} %)" if n else f"{int(v):,}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def unmatched_hot_counts(hss: pd.DataFrame, als: pd.DataFrame, radius_arcsec: float,
                         teff_edges: Mapping[str, float]) -> dict[str, int]:
    """HSS stars with no ALS star within the radius (paper Sec. 2.2: 40,129 not in "M"), and
    how many of them are hotter than each edge (BOSS Net ``teff``; O: 31,900 K, early B:
    17,000 K)."""
    m = match_sky(hss, als, radius_arcsec)
    free = ~m["matched"].to_numpy()
    teff = hss["teff"].to_numpy(float)
    out = {"n": int(free.sum())}
    out.update({f"n_{k}": int((free & (teff >= v)).sum()) for k, v in teff_edges.items()})
    return out


def als3_summary(long: pd.DataFrame, hss_free: Mapping[str, Mapping[str, int]],
                 radius_arcsec: float) -> dict:
    """The ``als3_crossmatch.json`` product: catalogue sizes, per sample (n, matched_m,
    matched_full, fraction_m, fraction_full, ambiguous_m, ambiguous_full) and the HSS stars not
    in ALS-III "M"/full (``hss_free``: {"m": ..., "full": ...} from
    :func:`unmatched_hot_counts`)."""
    first = long.drop_duplicates("catalogue")
    n_m, n_full = (int(v) for v in first["n_catalogue"].iloc[:2])
    samples = {}
    for name, grp in long.groupby("sample", sort=False):
        m, full = grp.iloc[0], grp.iloc[1]
        samples[name] = {"n": int(m["n_sample"]), "matched_m": int(m["n_matched"]),
                         "matched_full": int(full["n_matched"]),
                         "fraction_m": float(m["fraction"]),
                         "fraction_full": float(full["fraction"]),
                         "ambiguous_m": int(m["n_ambiguous"]),
                         "ambiguous_full": int(full["n_ambiguous"])}
    return {"radius_arcsec": float(radius_arcsec), "n_m": n_m, "n_full": n_full,
            "samples": samples, "hss_not_in_als3": {k: dict(v) for k, v in hss_free.items()}}


# --------------------------------------------------------------------------------------------
# D23
# --------------------------------------------------------------------------------------------

def d23_teff_rule(teff_esphs, teff_gspphot=None, spectraltype_esphs=None) -> np.ndarray:
    """D23's OB selection as the paper summarises it (Sec. 2.1); NaN/None = no estimate.

    Only GSP-Phot: Teff_GSPPhot > 10,000 K and the ESP-HS spectral type O, B or A; only ESP-HS:
    10,000 < Teff_ESPHS < 50,000 K; both: Teff_GSPPhot > 8,000 K and Teff_ESPHS > 10,000 K.
    """
    esphs = np.asarray(teff_esphs, float)
    gsp = np.full(esphs.shape, np.nan) if teff_gspphot is None else np.asarray(teff_gspphot, float)
    has_e, has_g = np.isfinite(esphs), np.isfinite(gsp)
    with np.errstate(invalid="ignore"):
        only_e = has_e & ~has_g & (esphs > 10000) & (esphs < 50000)
        both = has_e & has_g & (gsp > 8000) & (esphs > 10000)
        only_g = ~has_e & has_g & (gsp > 10000)
    if spectraltype_esphs is None:
        only_g &= False
    else:
        stype = pd.Series(spectraltype_esphs, dtype=object).fillna("").astype(str).str.strip()
        only_g &= stype.str.upper().str[:1].isin(["O", "B", "A"]).to_numpy()
    return only_e | both | only_g


def absolute_k(ks, parallax_mas) -> np.ndarray:
    """M_K = Ks + 5 log10(ϖ/mas) − 10 (paper Eq. 2, no extinction); NaN where ϖ ≤ 0."""
    plx = np.asarray(parallax_mas, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(ks, float) + 5 * np.log10(np.where(plx > 0, plx, np.nan)) - 10.0


def selection_colours(df: pd.DataFrame) -> pd.DataFrame:
    """The Zari et al. (2021) selection-diagram quantities of a Gaia × 2MASS table
    (phot_g_mean_mag, j_m, h_m, ks_m, parallax): g_ks, j_h, j_ks, m_k [mag]."""
    need = ["phot_g_mean_mag", "j_m", "h_m", "ks_m", "parallax"]
    require_columns(df, need, "selection colours", CrossmatchError)
    g, j, h, k = (df[c].to_numpy(float) for c in need[:4])
    return pd.DataFrame({"g_ks": g - k, "j_h": j - h, "j_ks": j - k,
                         "m_k": absolute_k(k, df["parallax"])}, index=df.index)


def d23_distance_kpc(gaia: pd.DataFrame, min_parallax_over_error: float = 5.0) -> np.ndarray:
    """Heliocentric distance [kpc] for the plane figure: Bailer-Jones r_med_photogeo when the
    table has it, else 1/ϖ for ϖ/σ_ϖ ≥ ``min_parallax_over_error`` (ϖ > 0 without σ_ϖ); NaN
    otherwise."""
    if "r_med_photogeo" in gaia:
        return gaia["r_med_photogeo"].to_numpy(float) / 1000.0
    plx = gaia["parallax"].to_numpy(float)
    good = plx > 0
    if "parallax_error" in gaia:
        with np.errstate(invalid="ignore", divide="ignore"):
            good &= plx / gaia["parallax_error"].to_numpy(float) >= min_parallax_over_error
    with np.errstate(divide="ignore"):
        return np.where(good, 1.0 / plx, np.nan)


def d23_stars(d23: pd.DataFrame, gaia: pd.DataFrame, targets: pd.DataFrame, hss: pd.DataFrame,
              r_sun_kpc: float = 8.2, z_sun_pc: float = 25.0) -> pd.DataFrame:
    """One row per D23 star: source_id, in_targets, in_hss, has_gaia_rv (finite
    radial_velocity), phot_g_mean_mag, the :func:`selection_colours`, distance [kpc] and
    Galactocentric x, y, z [kpc] (paper frame: Sun at X = −R0; NaN without a distance).

    ``gaia``: :func:`read_d23_gaia` rows (extra rows ignored; a D23 id without a row is an
    error). ``targets``/``hss``: tables with ``source_id``.
    """
    for df, what in ((d23, "D23"), (gaia, "D23 Gaia"), (targets, "targets"), (hss, "HSS")):
        if "source_id" not in df:
            raise CrossmatchError(f"{what}: missing column 'source_id'")
    rows = gaia.set_index("source_id").reindex(d23["source_id"].to_numpy())
    lost = rows["ra"].isna().to_numpy()
    if lost.any():
        raise CrossmatchError(f"{int(lost.sum())} of {len(d23)} D23 source_ids have no row in the "
                              f"D23 Gaia table, e.g. {rows.index[lost][:3].tolist()}")
    rows = rows.reset_index()
    out = pd.DataFrame({"source_id": rows["source_id"].to_numpy(np.int64),
                        "in_targets": rows["source_id"].isin(targets["source_id"]).to_numpy(),
                        "in_hss": rows["source_id"].isin(hss["source_id"]).to_numpy(),
                        "has_gaia_rv": np.isfinite(rows["radial_velocity"].to_numpy(float)),
                        "phot_g_mean_mag": rows["phot_g_mean_mag"].to_numpy(float)})
    out = pd.concat([out, selection_colours(rows)], axis=1)
    dist = d23_distance_kpc(rows)
    out["distance"] = dist
    ok = np.isfinite(dist) & (dist > 0)
    xyz = np.full((3, len(rows)), np.nan)
    if ok.any():
        import astropy.units as u
        from astropy.coordinates import SkyCoord

        from hotstars.frame import galactocentric_frame
        c = SkyCoord(rows["ra"].to_numpy(float)[ok] * u.deg, rows["dec"].to_numpy(float)[ok] * u.deg,
                     distance=dist[ok] * u.kpc)
        gc = c.transform_to(galactocentric_frame(r_sun_kpc, z_sun_pc))
        xyz[:, ok] = [gc.x.to_value(u.kpc), gc.y.to_value(u.kpc), gc.z.to_value(u.kpc)]
    out["x"], out["y"], out["z"] = xyz
    return out


def d23_numbers(stars: pd.DataFrame, n_targets: int, n_hss: int,
                mk_range: Sequence[float] = (MK_CARTON, 2.0)) -> dict[str, float]:
    """Overlap numbers of App. A / Sec. 2.1 from :func:`d23_stars`.

    fraction_targets_in_d23 (paper ~0.25), fraction_hss_in_d23, fraction_d23_in_targets,
    fraction_nontargets_mk_range: of the D23 stars not among the targets with a finite M_K, the
    fraction with ``mk_range[0]`` < M_K < ``mk_range[1]`` (paper 0.90), fraction_gaia_rv (paper
    "around 10 %").
    """
    n = len(stars)
    both_t, both_h = int(stars["in_targets"].sum()), int(stars["in_hss"].sum())
    mk = stars.loc[~stars["in_targets"], "m_k"].to_numpy(float)
    mk = mk[np.isfinite(mk)]
    lo, hi = mk_range
    return {"n_d23": n, "n_targets": int(n_targets), "n_hss": int(n_hss),
            "n_targets_in_d23": both_t, "n_hss_in_d23": both_h,
            "fraction_targets_in_d23": both_t / n_targets if n_targets else np.nan,
            "fraction_hss_in_d23": both_h / n_hss if n_hss else np.nan,
            "fraction_d23_in_targets": both_t / n if n else np.nan,
            "fraction_nontargets_mk_range": float(((mk > lo) & (mk < hi)).mean()) if mk.size
            else np.nan,
            "fraction_gaia_rv": float(stars["has_gaia_rv"].mean()) if n else np.nan}


# --------------------------------------------------------------------------------------------
# Summary numbers (paper values beside ours)
# --------------------------------------------------------------------------------------------

#: summary.json keys → (paper value, where): Table 1 and Sec. 2.1/2.2, App. A.
PAPER_VALUES: dict[str, tuple[float | None, str]] = {
    "comparisons.als3_n_m": (14273, 'ALS-III "M" stars (Sec. 2.2)'),
    "comparisons.als3_n_full": (20387, "ALS-III stars (Sec. 2.2)"),
    "comparisons.als3_m_in_hss": (2960, 'ALS-III "M" within 1" of an HSS star (Table 1)'),
    "comparisons.als3_full_in_hss": (3005, 'ALS-III within 1" of an HSS star (Table 1)'),
    "comparisons.als3_m_fraction_hss": (0.20, 'fraction of ALS-III "M" in the HSS (Sec. 2.2: ~20 %)'),
    "comparisons.als3_full_fraction_hss": (0.15, "fraction of ALS-III in the HSS (Sec. 2.2: ~15 %)"),
    "comparisons.hss_not_in_als3_m": (40129, 'HSS stars not in ALS-III "M" (Sec. 2.2)'),
    "comparisons.hss_not_in_als3_m_o": (130, 'of them O-type, Teff > 31,900 K (Sec. 2.2)'),
    "comparisons.hss_not_in_als3_m_early_b": (8483, "of them early B, Teff > 17,000 K (Sec. 2.2)"),
    "comparisons.hss_not_in_als3_full": (40083, "HSS stars not in ALS-III (Sec. 2.2)"),
    "comparisons.hss_not_in_als3_full_early_b": (8458, "of them early B (Sec. 2.2)"),
    "comparisons.d23_fraction_targets_in_d23": (0.25, "mwm_ob targets in D23 (Sec. 2.1: ~25 %)"),
    "comparisons.d23_fraction_nontargets_mk_range": (
        0.90, "D23 stars not in mwm_ob with -0.6 < M_K < 2 (Sec. 2.1: 90 %)"),
    "comparisons.d23_fraction_gaia_rv": (0.10, "D23 stars with a Gaia DR3 RV (Sec. 2.3: ~10 %)"),
    "comparisons.d23_fraction_hss_in_d23": (None, "HSS stars in D23"),
}


def summary_numbers(als3: Mapping, d23: Mapping) -> dict[str, float]:
    """Our values of :data:`PAPER_VALUES` from the ``als3_crossmatch.json`` and
    ``d23_overlap.json`` products (HSS = the sample named ``"HSS"``)."""
    hss = als3["samples"]["HSS"]
    out = {"comparisons.als3_n_m": als3["n_m"], "comparisons.als3_n_full": als3["n_full"],
           "comparisons.als3_m_in_hss": hss["matched_m"],
           "comparisons.als3_full_in_hss": hss["matched_full"],
           "comparisons.als3_m_fraction_hss": hss["fraction_m"],
           "comparisons.als3_full_fraction_hss": hss["fraction_full"]}
    for cat in ("m", "full"):
        free = als3["hss_not_in_als3"][cat]
        out[f"comparisons.hss_not_in_als3_{cat}"] = free["n"]
        out[f"comparisons.hss_not_in_als3_{cat}_early_b"] = free["n_early_b"]
        if cat == "m":
            out["comparisons.hss_not_in_als3_m_o"] = free["n_o"]
    for key in ("fraction_targets_in_d23", "fraction_nontargets_mk_range", "fraction_gaia_rv",
                "fraction_hss_in_d23"):
        out[f"comparisons.d23_{key}"] = d23[key]
    return out
