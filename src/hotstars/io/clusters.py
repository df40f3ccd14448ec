"""Readers of the open-cluster catalogues of the age validation: Hunt & Reffert (2023, H23; VizieR
J/A+A/673/A114) and Cantat-Gaudin et al. (2020, CG20; J/A+A/640/A1), members and clusters tables.

The published tables are accepted as CSV, FITS, Parquet or ECSV (:func:`~hotstars.io.specs.read_input`:
case-insensitive names, exact 19-digit ids, duplicate and NaN checks, an
:class:`~hotstars.io.specs.InputError` naming file and column). The readers return normalised
frames: members (cluster, source_id | gaia_dr2_id, prob) and clusters (cluster,
logage_catalogue = H23 logAge50 | CG20 AgeNN, logage_catalogue_p16/p84 = H23 logAge16/84, NaN
for CG20, and the positions when given). H23 members carry Gaia **DR3** ids, CG20 members Gaia
**DR2** ids. Log-ages in dex(yr), distances in pc, angles in deg.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hotstars.io.specs import ColumnSpec, InputError, InputSpec, read_input

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
