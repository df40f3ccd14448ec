"""Open-cluster age validation (Zari et al. 2025, Sec. 3.2, Fig. 9; docs/conventions.md, Clusters).

The hot (HSS) members of published clusters give a cluster age from their age posteriors:

- members: Hunt & Reffert (2023, H23; VizieR J/A+A/673/A114), matched on the Gaia **DR3**
  ``source_id``, kept if Prob > 0.5; Cantat-Gaudin et al. (2020, CG20; J/A+A/640/A1), matched on
  the Gaia **DR2** id (the HSS ``gaia_dr2_id``, spAll's GAIA_ID), kept if proba ≥ 0.9 (paper
  Sec. 3.2: "> 50 % and 90 %");
- hot members: ``age_flag`` 0 and a posterior narrower than ``max_width`` (p84 − p16 < 0.3 dex,
  docs/conventions.md); clusters with ≥ ``min_hot_members`` (5) of them are kept;
- cluster age: the 50th percentile of f_HS(τ) = Π⋆ f⋆(τ) (paper Sec. 3.2, "under the
  reasonable assumption that cluster members are coeval"), error (p84 − p16)/2, percentiles as
  for the stars (:func:`hotstars.ages.percentiles`). Since f⋆ ∝ ψ G⋆ (Eq. 6), that product holds
  the age prior ψ n times; the joint posterior of n coeval stars,
  ψ(τ) Π⋆ G⋆(τ) = Π⋆ f⋆(τ) / ψ(τ)^(n−1), counts it once and is reported too (``logage_joint``).
  Products are taken in log space.

The catalogues are read by :mod:`hotstars.io.clusters` (normalised members and clusters frames);
the mock's versions are made by :mod:`hotstars.mock.clusters`. Log-ages in dex(yr).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from hotstars import ages as ages_mod
from hotstars.errors import HotstarsError, require_columns
from hotstars.io.clusters import CATALOGUES

log = logging.getLogger(__name__)


#: Units of the output table of :func:`validate_clusters`.
UNITS = {**{c: "dex(yr)" for c in (
    "logage_hs", "logage_hs_p16", "logage_hs_p84", "logage_joint", "logage_joint_p16",
    "logage_joint_p84", "logage_catalogue", "logage_catalogue_p16", "logage_catalogue_p84",
    "logage_true")}, "logage_err_hs": "dex", "logage_err_joint": "dex"}


class ClusterError(HotstarsError):
    """Inconsistent products handed to the cluster validation (missing column or posterior)."""


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
    [dex] (docs/conventions.md: posteriors narrower than 0.3 dex, strict)."""
    need = ["source_id", "age_flag", "logage_p16", "logage_p84"]
    require_columns(ages, need, "ages", ClusterError)
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
    ``source_ids``, ``P``: the posteriors product (:func:`hotstars.io.tables.read_posteriors`).
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
    require_columns(truth, ("source_id", "clump_id", "log_age"), "truth", ClusterError)
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

    ``members``, ``clusters``: :func:`hotstars.io.clusters.read_h23` / ``read_cg20`` frames;
    ``catalogue`` 'h23' (prob > min_prob) or 'cg20' (prob ≥ min_prob). Returns cluster, n_hot,
    logage_hs, logage_err_hs, logage_hs_p16/p84, logage_joint, logage_err_joint,
    logage_joint_p16/p84, logage_catalogue, logage_catalogue_p16/p84 (NaN for CG20) and, with the
    mock ``truth``, logage_true; sorted by cluster.
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
