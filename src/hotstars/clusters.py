"""Open-cluster age validation (Zari et al. 2025, Sec. 3.2, Fig. 9; PAPER.md "Ages", Clusters).

The hot (HSS) members of published clusters give a cluster age from their age posteriors:

- members: Hunt & Reffert (2023, H23; VizieR J/A+A/673/A114), matched on the Gaia **DR3**
  ``source_id``, kept if Prob > 0.5; Cantat-Gaudin et al. (2020, CG20; J/A+A/640/A1), matched on
  the Gaia **DR2** id (the HSS ``gaia_dr2_id``, spAll's GAIA_ID), kept if proba ≥ 0.9 (paper
  Sec. 3.2: "> 50 % and 90 %");
- hot members: ``age_flag`` 0 and a posterior narrower than ``max_width`` (p84 − p16 < 0.3 dex,
  PAPER.md convention); clusters with ≥ ``min_hot_members`` (5) of them are kept;
- cluster age: the 50th percentile of f_HS(τ) = Π⋆ f⋆(τ) (paper Sec. 3.2, "under the
  reasonable assumption that cluster members are coeval"), error (p84 − p16)/2, percentiles as
  for the stars (:func:`hotstars.ages.percentiles`). Since f⋆ ∝ ψ G⋆ (Eq. 6), that product holds
  the age prior ψ n times; the joint posterior of n coeval stars,
  ψ(τ) Π⋆ G⋆(τ) = Π⋆ f⋆(τ) / ψ(τ)^(n−1), counts it once and is reported too (``logage_joint``).
  Products are taken in log space.

Readers (:func:`read_h23`, :func:`read_cg20`) accept the published tables as CSV, FITS, Parquet or
ECSV (:func:`hotstars.io.read_input`: case-insensitive names, exact 19-digit ids, duplicate and
NaN checks, :class:`hotstars.io.InputError` naming file and column). They return normalised
frames: members (cluster, source_id | gaia_dr2_id, prob) and clusters (cluster,
logage_catalogue = H23 logAge50 | CG20 AgeNN, logage_catalogue_p16/p84 = H23 logAge16/84, NaN
for CG20, and the positions when given).

:func:`mock_cluster_catalogues` writes the mock survey's clumps (``clump_id`` ≥ 0 in its truth) as
the two published catalogues. Log-ages in dex(yr), distances in pc, angles in deg.
"""

from __future__ import annotations

import logging
import numpy as np
import pandas as pd
from astropy.coordinates import SkyCoord
from scipy.spatial import cKDTree

from hotstars import ages as ages_mod
from hotstars.io import ColumnSpec, InputError, InputSpec, read_input

log = logging.getLogger(__name__)

CATALOGUES = ("h23", "cg20")
_c = ColumnSpec
_POSITION = tuple(_c(n, "float", "deg", optional=True)
                  for n in ("ra_icrs", "de_icrs", "glon", "glat"))

H23_MEMBERS = InputSpec("H23 members", (
    _c("source_id", "int", aliases=("gaiadr3", "gaia_dr3_source_id", "source")),
    _c("name", "str"), _c("prob", "float", "", finite=True),
), key=("source_id", "name"))
H23_CLUSTERS = InputSpec("H23 clusters", (
    _c("name", "str"), *_POSITION,
    *(_c(f"logage{q}", "float", finite=True) for q in (16, 50, 84)),  # log10(age/yr)
    _c("dist50", "float", "pc", optional=True), _c("n", "int", optional=True),
), key=("name",))
CG20_MEMBERS = InputSpec("CG20 members", (
    _c("gaiadr2", "int", aliases=("gaia_dr2_id", "gaiadr2_source_id", "dr2_source_id")),
    _c("cluster", "str"), _c("proba", "float", "", finite=True),
), key=("gaiadr2", "cluster"))
CG20_CLUSTERS = InputSpec("CG20 clusters", (
    _c("cluster", "str"), *_POSITION,
    _c("agenn", "float"),                     # log10(age/yr); blank for ~150 clusters
    _c("distpc", "float", "pc", optional=True), _c("nbstars07", "int", optional=True),
), key=("cluster",))

_CLUSTER_EXTRAS = {"ra_icrs": "ra", "de_icrs": "dec", "glon": "l", "glat": "b"}
#: Units of the output table of :func:`validate_clusters`.
UNITS = {**{c: "dex(yr)" for c in (
    "logage_hs", "logage_hs_p16", "logage_hs_p84", "logage_joint", "logage_joint_p16",
    "logage_joint_p84", "logage_catalogue", "logage_catalogue_p16", "logage_catalogue_p84",
    "logage_true")}, "logage_err_hs": "dex", "logage_err_joint": "dex"}


class ClusterError(ValueError):
    """Inconsistent products handed to the cluster validation (missing column or posterior)."""


# --------------------------------------------------------------------------------------------
# Readers
# --------------------------------------------------------------------------------------------

def _check_members(members: pd.DataFrame, prob: str, name: str, m_where: str,
                   clusters: pd.DataFrame, cluster_col: str, c_where: str) -> None:
    """Probabilities in [0, 1], non-empty names, every member's cluster in the clusters table
    (``m_where``, ``c_where``: the files, named in the errors)."""
    bad = ~members[prob].between(0.0, 1.0)
    if bad.any():
        rows = np.flatnonzero(bad.to_numpy())[:5]
        raise InputError(m_where, f"column {prob!r}: expected a probability in [0, 1]; "
                         + ", ".join(f"row {r}: {members[prob].iloc[r]:g}" for r in rows), [prob])
    for table, col, where in ((members, name, m_where), (clusters, cluster_col, c_where)):
        empty = np.flatnonzero((table[col] == "").to_numpy())
        if empty.size:
            raise InputError(where, f"column {col!r}: empty cluster name at row(s) "
                             f"{empty[:5].tolist()}", [col])
    unknown = pd.Index(members[name].unique()).difference(clusters[cluster_col])
    if len(unknown):
        raise InputError(m_where, f"column {name!r}: {len(unknown)} cluster(s) absent from the "
                         f"clusters table ({c_where}), e.g. {list(unknown[:5])} (members and "
                         "clusters tables of the same catalogue expected)", [name])


def _clusters_frame(df: pd.DataFrame, name: str, age: str, p16: str | None, p84: str | None,
                    distance: str, count: str) -> pd.DataFrame:
    out = pd.DataFrame({"cluster": df[name],
                        "logage_catalogue": df[age],
                        "logage_catalogue_p16": df[p16] if p16 else np.nan,
                        "logage_catalogue_p84": df[p84] if p84 else np.nan})
    for src, dst in {**_CLUSTER_EXTRAS, distance: "distance_pc", count: "n_catalogue"}.items():
        if src in df:
            out[dst] = df[src]
    return out


def read_h23(members_path, clusters_path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hunt & Reffert (2023) members (source_id = Gaia DR3, Name, Prob) and clusters (Name,
    logAge16/50/84, optional RA_ICRS, DE_ICRS, GLON, GLAT, dist50, N) tables.

    Returns (members: cluster, source_id, prob; clusters: cluster, logage_catalogue (logAge50),
    logage_catalogue_p16/p84 (logAge16/84) and ra, dec, l, b, distance_pc, n_catalogue when given).
    """
    m = read_input(members_path, H23_MEMBERS)
    c = read_input(clusters_path, H23_CLUSTERS)
    _check_members(m, "prob", "name", f"{members_path} [{H23_MEMBERS.name}]", c, "name",
                   f"{clusters_path} [{H23_CLUSTERS.name}]")
    members = pd.DataFrame({"cluster": m["name"], "source_id": m["source_id"], "prob": m["prob"]})
    return members, _clusters_frame(c, "name", "logage50", "logage16", "logage84", "dist50", "n")


def read_cg20(members_path, clusters_path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cantat-Gaudin et al. (2020) members (GaiaDR2 = Gaia **DR2** source_id, Cluster, proba)
    and clusters (Cluster, AgeNN, optional RA_ICRS, DE_ICRS, GLON, GLAT, DistPc, nbstars07).

    Returns (members: cluster, gaia_dr2_id, prob; clusters: cluster, logage_catalogue (AgeNN,
    NaN where blank), logage_catalogue_p16/p84 = NaN (CG20 gives no age errors), and ra, dec, l,
    b, distance_pc, n_catalogue when given).
    """
    m = read_input(members_path, CG20_MEMBERS)
    c = read_input(clusters_path, CG20_CLUSTERS)
    _check_members(m, "proba", "cluster", f"{members_path} [{CG20_MEMBERS.name}]", c, "cluster",
                   f"{clusters_path} [{CG20_CLUSTERS.name}]")
    members = pd.DataFrame({"cluster": m["cluster"], "gaia_dr2_id": m["gaiadr2"],
                            "prob": m["proba"]})
    return members, _clusters_frame(c, "cluster", "agenn", None, None, "distpc", "nbstars07")


READERS = {"h23": read_h23, "cg20": read_cg20}


# --------------------------------------------------------------------------------------------
# Members
# --------------------------------------------------------------------------------------------

def select_members(members: pd.DataFrame, min_prob: float, inclusive: bool) -> pd.DataFrame:
    """Members with prob ≥ min_prob (``inclusive``: CG20's "≥ 0.9") or prob > min_prob (H23's
    "> 0.5")."""
    keep = members["prob"] >= min_prob if inclusive else members["prob"] > min_prob
    return members[keep.to_numpy()].reset_index(drop=True)


def match_members(members: pd.DataFrame, hss: pd.DataFrame) -> pd.DataFrame:
    """The members found in the HSS: cluster, source_id (Gaia DR3, of the HSS), prob.

    Members carrying ``source_id`` (H23) are matched on the HSS ``source_id``; members carrying
    ``gaia_dr2_id`` (CG20) on the HSS ``gaia_dr2_id`` (spAll's DR2 id; −1 = none, never matched).
    A DR3 id is never compared with a DR2 id.
    """
    key = "source_id" if "source_id" in members else "gaia_dr2_id"
    if key not in members:
        raise ClusterError("members: expected a 'source_id' (DR3) or 'gaia_dr2_id' (DR2) column")
    if key not in hss:
        raise ClusterError(f"HSS: missing column {key!r} to match cluster members on")
    stars = hss[["source_id"] + ([key] if key != "source_id" else [])]
    stars = stars[stars[key] > 0]
    out = members.merge(stars, on=key, how="inner")
    return out[["cluster", "source_id", "prob"]].reset_index(drop=True)


def hot_members(matched: pd.DataFrame, ages: pd.DataFrame, max_width: float) -> pd.DataFrame:
    """Matched members with a usable age: age_flag 0 and logage_p84 − logage_p16 < ``max_width``
    [dex] (PAPER.md: posteriors narrower than 0.3 dex, strict)."""
    need = ["source_id", "age_flag", "logage_p16", "logage_p84"]
    missing = [c for c in need if c not in ages]
    if missing:
        raise ClusterError(f"ages: missing column(s) {missing}")
    a = ages[need]
    df = matched.merge(a, on="source_id", how="inner", validate="many_to_one")
    width = df["logage_p84"] - df["logage_p16"]
    keep = (df["age_flag"] == 0).to_numpy() & (width < max_width).to_numpy()
    return df[keep].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Cluster posteriors
# --------------------------------------------------------------------------------------------

def log_age_prior(log_age_axis, age_prior: str = "uniform_age") -> np.ndarray:
    """ln ψ(τ_k) up to a constant: ψ ∝ 10^τ (uniform in age, paper Eq. 7) or 1 (uniform in
    log-age)."""
    if age_prior not in ages_mod.AGE_PRIORS:
        raise ClusterError(f"age_prior: expected one of {ages_mod.AGE_PRIORS}, got {age_prior!r}")
    axis = np.asarray(log_age_axis, float)
    return axis * np.log(10.0) if age_prior == "uniform_age" else np.zeros_like(axis)


def _normalise_log(logp: np.ndarray) -> np.ndarray:
    top = logp.max()
    if not np.isfinite(top):
        return np.full(logp.shape, np.nan)  # the members' posteriors do not overlap
    p = np.exp(logp - top)
    return p / p.sum()


def combine_posteriors(P: np.ndarray, log_age_axis, age_prior: str = "uniform_age"
                       ) -> tuple[np.ndarray, np.ndarray]:
    """(product, joint) posteriors of n coeval stars on the grid, each normalised to sum 1.

    ``P`` [n × n_ages]: the members' normalised f⋆(τ_k). product = Π⋆ f⋆ (paper Sec. 3.2);
    joint = Π⋆ f⋆ / ψ^(n−1) = ψ Π⋆ G⋆ (the prior once, f⋆ ∝ ψ G⋆, Eq. 6). Sums of logs; all
    NaN if the posteriors share no τ_k with non-zero probability.
    """
    P = np.atleast_2d(np.asarray(P, float))
    with np.errstate(divide="ignore"):
        log_prod = np.log(P).sum(axis=0)
    log_joint = log_prod - (P.shape[0] - 1) * log_age_prior(log_age_axis, age_prior)
    return _normalise_log(log_prod), _normalise_log(log_joint)


def cluster_ages(hot: pd.DataFrame, source_ids, log_age_axis, P: np.ndarray,
                 min_hot_members: int = 5, age_prior: str = "uniform_age") -> pd.DataFrame:
    """One row per cluster with ≥ ``min_hot_members`` hot members (``hot``: cluster, source_id).

    Columns: cluster, n_hot, logage_hs (p50 of Π f⋆), logage_err_hs ((p84 − p16)/2),
    logage_hs_p16/p84, and the same for the joint posterior (logage_joint...), dex(yr).
    ``source_ids``, ``P``: the posteriors product (:func:`hotstars.ages.read_posteriors`).
    """
    index = pd.Index(np.asarray(source_ids, np.int64))
    row = index.get_indexer(hot["source_id"].to_numpy(np.int64))
    if (row < 0).any():
        missing = hot["source_id"].to_numpy()[row < 0][:5].tolist()
        raise ClusterError(f"posteriors: no row for hot member(s) {missing} (ages and posteriors "
                           "from different runs?)")
    hot = hot.assign(_row=row)
    counts = hot.groupby("cluster")["_row"].size()
    names = counts.index[counts >= min_hot_members]
    combined = {name: combine_posteriors(P[hot.loc[hot["cluster"] == name, "_row"].to_numpy()],
                                         log_age_axis, age_prior) for name in names}
    out = pd.DataFrame({"cluster": pd.Series(names, dtype=object),
                        "n_hot": counts.loc[names].to_numpy(np.int64)})
    for label, i in (("hs", 0), ("joint", 1)):
        post = np.array([combined[n][i] for n in names]).reshape(len(names), len(log_age_axis))
        pc = ages_mod.percentiles(post, log_age_axis, (16, 50, 84))
        out[f"logage_{label}"] = pc[:, 1]
        out[f"logage_err_{label}"] = 0.5 * (pc[:, 2] - pc[:, 0])
        out[f"logage_{label}_p16"], out[f"logage_{label}_p84"] = pc[:, 0], pc[:, 2]
    return out


def true_cluster_ages(hot: pd.DataFrame, truth: pd.DataFrame) -> pd.Series:
    """Mock truth: per catalogue cluster, the true log-age of the clump most of its hot members
    belong to (median truth ``log_age`` over all the clump's stars); NaN if none is in a clump."""
    missing = [c for c in ("source_id", "clump_id", "log_age") if c not in truth]
    if missing:
        raise ClusterError(f"truth: missing column(s) {missing}")
    clump_age = truth[truth["clump_id"] >= 0].groupby("clump_id")["log_age"].median()
    t = hot[["cluster", "source_id"]].merge(truth[["source_id", "clump_id"]], on="source_id",
                                            how="left")
    t = t[t["clump_id"] >= 0]
    clump = t.groupby("cluster")["clump_id"].agg(lambda s: s.mode().iloc[0])
    return clump.map(clump_age).rename("logage_true")


def validate_clusters(members: pd.DataFrame, clusters: pd.DataFrame, hss: pd.DataFrame,
                      ages: pd.DataFrame, source_ids, log_age_axis, P: np.ndarray, *,
                      catalogue: str, min_prob: float, min_hot_members: int = 5,
                      max_width: float = 0.3, age_prior: str = "uniform_age",
                      truth: pd.DataFrame | None = None) -> pd.DataFrame:
    """The Fig. 9 table: our cluster ages against the catalogue's (module docstring).

    ``members``, ``clusters``: :func:`read_h23` / :func:`read_cg20` frames; ``catalogue`` 'h23'
    (prob > min_prob) or 'cg20' (prob ≥ min_prob). Returns cluster, n_hot, logage_hs,
    logage_err_hs, logage_hs_p16/p84, logage_joint, logage_err_joint, logage_joint_p16/p84,
    logage_catalogue, logage_catalogue_p16/p84 (NaN for CG20) and, with the mock ``truth``,
    logage_true; sorted by cluster.
    """
    if catalogue not in CATALOGUES:
        raise ClusterError(f"catalogue: expected one of {CATALOGUES}, got {catalogue!r}")
    sel = select_members(members, min_prob, inclusive=(catalogue == "cg20"))
    matched = match_members(sel, hss)
    hot = hot_members(matched, ages, max_width)
    out = cluster_ages(hot, source_ids, log_age_axis, P, min_hot_members, age_prior)
    log.info("%s: %d members with prob %s %g, %d in the HSS, %d hot (age_flag 0, width < %g dex); "
             "%d of %d clusters with >= %d hot members", catalogue, len(sel),
             ">=" if catalogue == "cg20" else ">", min_prob, len(matched), len(hot), max_width,
             len(out), hot["cluster"].nunique(), min_hot_members)
    cat = clusters[["cluster", "logage_catalogue", "logage_catalogue_p16", "logage_catalogue_p84"]]
    out = out.merge(cat, on="cluster", how="left", validate="one_to_one")
    if truth is not None:
        out["logage_true"] = out["cluster"].map(true_cluster_ages(hot, truth)).astype(float)
    return out.sort_values("cluster", kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Mock catalogues
# --------------------------------------------------------------------------------------------

def _unit_vectors(ra_deg, dec_deg) -> np.ndarray:
    ra, dec = np.radians(ra_deg), np.radians(dec_deg)
    return np.column_stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)])


def _centres(stars: pd.DataFrame) -> pd.DataFrame:
    """Per clump of ``stars``: sky centre (ra, dec, l, b of the mean unit vector), r50 (median
    separation from it, deg), median true distance [pc] and median A_V [mag]."""
    v = pd.DataFrame(_unit_vectors(stars["ra"], stars["dec"]), columns=["vx", "vy", "vz"],
                     index=stars.index)
    mean = v.groupby(stars["clump_id"]).mean()
    mean = mean.div(np.linalg.norm(mean.to_numpy(), axis=1), axis=0)
    cos_sep = (v * mean.loc[stars["clump_id"]].to_numpy()).sum(axis=1).clip(-1, 1)
    c = pd.DataFrame({
        "ra": np.degrees(np.arctan2(mean["vy"], mean["vx"])) % 360.0,
        "dec": np.degrees(np.arcsin(mean["vz"].clip(-1, 1))),
        "r50": np.degrees(np.arccos(cos_sep)).groupby(stars["clump_id"]).median(),
        "distance_pc": 1000.0 * stars.groupby("clump_id")["distance"].median(),
        "A_V": stars.groupby("clump_id")["A_V"].median()})
    gal = SkyCoord(c["ra"].to_numpy(), c["dec"].to_numpy(), unit="deg", frame="icrs").galactic
    return c.assign(l=gal.l.deg, b=gal.b.deg)


def mock_cluster_catalogues(truth: pd.DataFrame, targets: pd.DataFrame, seed: int, *,
                            cg20_fraction: float = 0.7, h23_age_sigma: tuple = (0.1, 0.2),
                            cg20_age_sigma: float = 0.15, interlopers_per_cluster: float = 3.0,
                            ubc_fraction: float = 0.3) -> dict[str, pd.DataFrame]:
    """The mock's clumps as the H23 and CG20 tables, with the published column names.

    ``truth``: the mock truth (source_id, clump_id, log_age, distance [kpc], A_V); ``targets``:
    the survey targets (source_id = Gaia DR3, gaia_dr2_id (−1: none), ra, dec). Members are the
    targets of each clump (``clump_id`` ≥ 0; the faint members a real catalogue lists are not
    targets and do not matter here). Returns 'h23_members' (source_id, Name, Prob), 'h23_clusters'
    (Name, RA_ICRS, DE_ICRS, GLON, GLAT, r50, dist16/50/84, logAge16/50/84, AV50, N),
    'cg20_members' (GaiaDR2, Cluster, proba), 'cg20_clusters' (Cluster, RA_ICRS, DE_ICRS, GLON,
    GLAT, r50, nbstars07, plx, AgeNN, AVNN, DMNN, DistPc).

    - Prob (H23) ~ Beta(4, 1) (~6 % of members ≤ 0.5); proba (CG20: the fraction of UPMASK runs,
      multiples of 0.1) = 1 − Binomial(10, 0.1)/10 (~26 % below 0.9).
    - A Poisson(``interlopers_per_cluster``) number of the field targets nearest to each cluster
      on the sky are listed with low probability (H23 < 0.5, CG20 ≤ 0.5), below both cuts.
    - Catalogue ages: true log-age + N(0, σ): H23 σ ~ U(``h23_age_sigma``) per cluster, quoted as
      logAge16/84 = logAge50 ∓ σ; CG20 σ = ``cg20_age_sigma`` (no error quoted).
    - CG20 lists each cluster with probability ``cg20_fraction`` (it has fewer clusters than H23),
      named "Mock_0012" like H23 or, for ``ubc_fraction`` of them, "UBC_1012"; only targets with
      a DR2 id can be CG20 members.
    """
    rng = np.random.default_rng(seed)
    for df, cols, what in (
            (truth, ("source_id", "clump_id", "log_age", "distance", "A_V"), "truth"),
            (targets, ("source_id", "gaia_dr2_id", "ra", "dec"), "targets")):
        missing = [c for c in cols if c not in df]
        if missing:
            raise ClusterError(f"mock cluster catalogues: {what} lacks column(s) {missing}")
    stars = targets[["source_id", "gaia_dr2_id", "ra", "dec"]].merge(
        truth[["source_id", "clump_id", "distance", "A_V"]], on="source_id", how="inner",
        validate="one_to_one")
    clump_age = truth[truth["clump_id"] >= 0].groupby("clump_id")["log_age"].median()
    mem = stars[stars["clump_id"] >= 0]
    cen = _centres(mem)
    ids = cen.index.to_numpy()
    n = ids.size
    true_age = clump_age.loc[ids].to_numpy()

    # members with realistic probabilities, then low-probability field interlopers
    h23_prob = rng.beta(4.0, 1.0, len(mem))
    cg20_prob = 1.0 - rng.binomial(10, 0.1, len(mem)) / 10.0
    field = stars[stars["clump_id"] < 0]
    fv = _unit_vectors(field["ra"], field["dec"])
    cv = _unit_vectors(cen["ra"], cen["dec"])
    n_int = rng.poisson(interlopers_per_cluster, n)
    # nearest on the sky = nearest unit vectors (chord distance): one KD-tree query for all
    k = min(int(n_int.max(initial=0)), len(field))
    nearest = cKDTree(fv).query(cv, k=[*range(1, k + 1)])[1] if k else np.empty((n, 0), int)
    picks = [nearest[i, :min(n_int[i], k)] for i in range(n)]
    rows = np.concatenate(picks).astype(int) if n else np.empty(0, int)
    inter = field.iloc[rows].assign(clump_id=np.repeat(ids, [len(p) for p in picks]))
    members = pd.concat([
        mem.assign(h23=h23_prob, cg20=cg20_prob),
        inter.assign(h23=rng.uniform(0.01, 0.5, len(inter)),
                     cg20=rng.integers(1, 6, len(inter)) / 10.0)], ignore_index=True)

    h23_name = pd.Series([f"Mock_{i:04d}" for i in ids], index=ids)
    ubc = rng.uniform(size=n) < ubc_fraction
    cg20_name = pd.Series(np.where(ubc, [f"UBC_{1000 + i}" for i in ids], h23_name.to_numpy()),
                          index=ids)
    in_cg20 = pd.Series(rng.uniform(size=n) < cg20_fraction, index=ids)

    sigma = rng.uniform(*h23_age_sigma, n)
    age50 = np.round(true_age + sigma * rng.normal(size=n), 3)
    dist50 = cen["distance_pc"].to_numpy() * np.exp(0.02 * rng.normal(size=n))
    h23_members = pd.DataFrame({"source_id": members["source_id"].to_numpy(np.int64),
                                "Name": h23_name.loc[members["clump_id"]].to_numpy(),
                                "Prob": np.round(members["h23"].to_numpy(), 3)})
    h23_clusters = pd.DataFrame({
        "Name": h23_name.to_numpy(), "RA_ICRS": cen["ra"].to_numpy(),
        "DE_ICRS": cen["dec"].to_numpy(), "GLON": cen["l"].to_numpy(),
        "GLAT": cen["b"].to_numpy(), "r50": cen["r50"].to_numpy(),
        "dist16": dist50 * np.exp(-0.02), "dist50": dist50, "dist84": dist50 * np.exp(0.02),
        "logAge16": np.round(age50 - sigma, 3), "logAge50": age50,
        "logAge84": np.round(age50 + sigma, 3), "AV50": cen["A_V"].to_numpy(),
        "N": members.groupby("clump_id").size().loc[ids].to_numpy(np.int64)})

    cg = members[in_cg20.loc[members["clump_id"]].to_numpy()
                 & (members["gaia_dr2_id"] > 0).to_numpy()]
    cg20_members = pd.DataFrame({"GaiaDR2": cg["gaia_dr2_id"].to_numpy(np.int64),
                                 "Cluster": cg20_name.loc[cg["clump_id"]].to_numpy(),
                                 "proba": cg["cg20"].to_numpy()})
    age_nn = np.round(true_age + cg20_age_sigma * rng.normal(size=n), 2)
    dist_pc = np.round(cen["distance_pc"].to_numpy() * np.exp(0.05 * rng.normal(size=n)))
    keep = in_cg20.to_numpy()
    nb07 = cg[cg["cg20"] >= 0.7].groupby("clump_id").size().reindex(ids, fill_value=0)
    cg20_clusters = pd.DataFrame({
        "Cluster": cg20_name.to_numpy(), "RA_ICRS": cen["ra"].to_numpy(),
        "DE_ICRS": cen["dec"].to_numpy(), "GLON": cen["l"].to_numpy(), "GLAT": cen["b"].to_numpy(),
        "r50": cen["r50"].to_numpy(), "nbstars07": nb07.to_numpy(np.int64),
        "plx": 1000.0 / dist_pc, "AgeNN": age_nn, "AVNN": np.round(cen["A_V"].to_numpy(), 2),
        "DMNN": np.round(5 * np.log10(dist_pc) - 5, 2), "DistPc": dist_pc})[keep]
    return {"h23_members": h23_members.sort_values(["Name", "source_id"]).reset_index(drop=True),
            "h23_clusters": h23_clusters.reset_index(drop=True),
            "cg20_members": cg20_members.sort_values(["Cluster", "GaiaDR2"]).reset_index(drop=True),
            "cg20_clusters": cg20_clusters.reset_index(drop=True)}
