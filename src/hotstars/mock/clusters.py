"""The mock survey's clumps (``clump_id`` ≥ 0 in its truth) written as the two published cluster
catalogues, Hunt & Reffert (2023) and Cantat-Gaudin et al. (2020), with their column names."""

from __future__ import annotations

import numpy as np
import pandas as pd
from astropy.coordinates import SkyCoord
from scipy.spatial import cKDTree

from hotstars.clusters import ClusterError
from hotstars.errors import require_columns


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
        require_columns(df, cols, f"mock cluster catalogues: {what}", ClusterError)
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
