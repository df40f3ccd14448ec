"""Spaxel maps: surface density, mean v_R and sigma_R per spaxel (paper Sec. 3.1, Eq. 4, App. B).

Conventions (docs/conventions.md, Maps):
- spaxels are squares of side ``size_kpc`` in Galactocentric X, Y (kpc) with edges at integer
  multiples of the size: star at x is in column ``ix`` iff ``ix * size <= x < (ix + 1) * size``
  (edges computed in float64), centre ``(ix + 0.5) * size``; same for y;
- the v_R maps keep spaxels with N >= ``min_stars`` (6: the paper's "> 5 stars");
- Eq. 4 maximum likelihood: NLL(mu, sigma) = 1/2 sum_i [ln(sigma^2 + e_i^2)
  + (v_i - mu)^2 / (sigma^2 + e_i^2)], with mu profiled out (for a given sigma the weighted mean
  with weights w_i = 1/(sigma^2 + e_i^2)) and sigma searched on [0, sigma_max];
- errors of the mean: the Fisher error [sum 1/(sigma^2 + e_i^2)]^-1/2, the paper's
  sigma/sqrt(N) (App. B; it is 0 when sigma = 0) and, because both ignore the uncertainty of
  sigma (too small with few stars), the posterior std of mu marginalised over sigma.
- intervals: the Hartung-Knapp-Sidik-Jonkman 68 % / 95 % intervals of the mean
  (REML weights, Student t with Kish's n_eff - 1 dof; :func:`hksj_interval`), right at
  every N on ideal data, and the Q-profile 68 % interval of sigma (:func:`q_profile_interval`).

Estimator details (all velocities and errors in km/s; write s = sigma^2):
- g(s) = 2 dNLL_profile/ds = sum w_i - sum w_i^2 (v_i - mu(s))^2 (the mu-dependence drops out
  since dNLL/dmu = 0 at mu(s)). sigma = 0 is a (boundary) minimum iff g(0) >= 0, i.e. the
  error-weighted scatter is no larger than the errors predict; then sigma is exactly 0.
- The profile NLL can have several local minima (heteroscedastic errors, e.g. one star with a
  tiny error), so the *global* minimum is taken: the profile is scanned on a per-group sigma
  grid (0, then log-spaced from min(e_i)/10 to sigma_max), the bracket [s_k, s_k+1] with
  g(s_k) < 0 <= g(s_k+1) of lowest NLL is refined to the root of g (scipy's vectorised
  Chandrupatla solver, all groups at once), and the result is compared with the boundary
  candidates sigma = 0 (if g(0) >= 0) and sigma = sigma_max (if g(sigma_max) < 0).
- Degenerate samples: all velocities equal, or N = 1, give sigma = 0 and mu = the weighted mean.
  A star with a tiny error pins mu to its velocity unless the others prefer sigma > 0 enough to
  beat it (the global comparison decides).
- Domain (:func:`usable_velocities`): finite v with |v| < c, finite e >= :data:`E_MIN_KMS`;
  anything else raises :class:`MapError`. Zero errors are not floored: with e_i = 0 the
  likelihood is unbounded at sigma = 0 (that star alone fixes mu = v_i and sigma = 0), and any
  floor would invent a precision the data do not have. :func:`select_map_stars` drops such stars
  before the maps and counts them (``attrs["dropped"]["bad_vR_err"]``, logged as a warning).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from hotstars.errors import HotstarsError, require_columns

log = logging.getLogger(__name__)

UNITS = {
    "x_center": "kpc", "y_center": "kpc", "surface_density": "1 / kpc2",
    "vR_mean": "km / s", "sigma_R": "km / s", "vR_mean_err": "km / s",
    "vR_mean_err_sqrtn": "km / s", "vR_mean_err_marg": "km / s",
    "vR_mean_err_hksj": "km / s", "vR_mean_lo68": "km / s", "vR_mean_hi68": "km / s",
    "vR_mean_lo95": "km / s", "vR_mean_hi95": "km / s", "sigma_R_lo68": "km / s",
    "sigma_R_hi68": "km / s",
}
DENSITY_COLUMNS = ["x_center", "y_center", "n_stars", "surface_density"]
VR_COLUMNS = ["x_center", "y_center", "n_stars", "vR_mean", "sigma_R", "vR_mean_err",
              "vR_mean_err_sqrtn", "vR_mean_err_marg", "vR_mean_err_hksj", "vR_mean_lo68",
              "vR_mean_hi68", "vR_mean_lo95", "vR_mean_hi95", "sigma_R_lo68", "sigma_R_hi68",
              "sigma_at_boundary"]
# the Hartung-Knapp-Sidik-Jonkman intervals of the mean and the Q-profile interval of sigma
INTERVAL_COLUMNS = ["mu_err_hksj", "mu_lo68", "mu_hi68", "mu_lo95", "mu_hi95", "sigma_lo68",
                    "sigma_hi68"]
N_GRID = 96  # global scan: sigma = 0 and 95 log-spaced values from min(e)/10 to sigma_max
V_MAX_KMS = 299792.458  # |v| >= c [km/s]: a unit or upstream error, never a star
# Smallest usable error [km/s]: far below any stellar velocity error (~1e-4 km/s at best), far
# above where Eq. 4 overflows float64 (1/e^4 times the squared spread, from e ~ 1e-75 km/s).
E_MIN_KMS = 1e-8


class MapError(HotstarsError):
    """Input that the spaxel maps cannot use (missing column, non-finite value, bad error)."""


# --- spaxels ----------------------------------------------------------------------------------

def spaxel_index(x_kpc, y_kpc, size_kpc: float) -> tuple[np.ndarray, np.ndarray]:
    """Spaxel column/row (int64) of each position (kpc): floor(x / size), edges at i * size.

    The floor is corrected so that ``i * size <= x < (i + 1) * size`` holds exactly in float64
    (x / size alone can round across an edge). Centres are ``(i + 0.5) * size``.
    """
    size = float(size_kpc)
    if not (np.isfinite(size) and size > 0):
        raise MapError(f"spaxel size must be finite and > 0 kpc, got {size_kpc!r}")
    out = []
    for name, a in (("x", x_kpc), ("y", y_kpc)):
        a = np.asarray(a, float)
        if not np.all(np.isfinite(a)):
            raise MapError(f"spaxel_index: {name} has {np.sum(~np.isfinite(a))} non-finite values")
        i = np.floor(a / size)
        i = np.where(i * size > a, i - 1, i)
        i = np.where((i + 1) * size <= a, i + 1, i)
        out.append(i.astype(np.int64))
    return out[0], out[1]


def _spaxels(x, y, size_kpc):
    """(codes per star, ix, iy per occupied spaxel, counts), spaxels sorted by (ix, iy)."""
    ix, iy = spaxel_index(x, y, size_kpc)
    if ix.size == 0:
        return ix, ix, iy, ix
    ix0, iy0 = ix.min(), iy.min()
    ny = iy.max() - iy0 + 1
    keys, codes, counts = np.unique((ix - ix0) * ny + (iy - iy0), return_inverse=True,
                                    return_counts=True)
    return codes.ravel(), keys // ny + ix0, keys % ny + iy0, counts


def density_map(x, y, size_kpc: float) -> pd.DataFrame:
    """Star counts and surface density (kpc^-2) per spaxel with >= 1 star; x, y in kpc."""
    _, ix, iy, counts = _spaxels(x, y, size_kpc)
    return pd.DataFrame({"x_center": (ix + 0.5) * size_kpc, "y_center": (iy + 0.5) * size_kpc,
                         "n_stars": counts.astype(np.int64),
                         "surface_density": counts / size_kpc**2})


# --- Eq. 4 maximum likelihood ----------------------------------------------------------------

def usable_velocities(v, e) -> np.ndarray:
    """Stars Eq. 4 can use (bool per star): finite v with |v| < c and finite e >= E_MIN_KMS
    (km/s; module docstring, "Domain")."""
    v, e = np.asarray(v, float), np.asarray(e, float)
    with np.errstate(invalid="ignore"):
        return (np.abs(v) < V_MAX_KMS) & np.isfinite(e) & (e >= E_MIN_KMS)


def _check_ve(v, e) -> tuple[np.ndarray, np.ndarray]:
    v, e = np.asarray(v, float), np.asarray(e, float)
    if v.shape != e.shape or v.ndim != 1:
        raise MapError(f"velocities and errors must be 1-D of equal length, got {v.shape}, "
                       f"{e.shape}")
    with np.errstate(invalid="ignore"):
        bad = ~(np.abs(v) < V_MAX_KMS)
    if bad.any():
        raise MapError(f"velocities: {bad.sum()} values not finite or beyond the speed of light "
                       f"(e.g. {v[bad][:3].tolist()}; expected km/s)")
    bad = ~usable_velocities(v, e)
    if bad.any():
        raise MapError(f"velocity errors: {bad.sum()} values not finite and >= {E_MIN_KMS:g} km/s "
                       f"(e.g. {e[bad][:3].tolist()}); Eq. 4 needs e_i > 0")
    return v, e


class _Groups:
    """The group (0..n-1) of each star: per-group sums and minima, per-star values of per-group
    ones. With the stars sorted by group and no group empty (as :func:`grouped_mle` orders them)
    by np.add.reduceat over each group's run and np.repeat, ~7x and ~3x faster than np.bincount
    and a gather (the sums only differ by rounding); else by those."""

    def __init__(self, codes, n: int):
        self.codes, self.n = np.asarray(codes, np.int64).ravel(), int(n)
        self.counts = np.bincount(self.codes, minlength=self.n)
        self.runs = bool(self.codes.size and (self.counts > 0).all()
                         and (self.codes[1:] >= self.codes[:-1]).all())
        self.starts = np.cumsum(self.counts) - self.counts

    @classmethod
    def of(cls, codes, n: int) -> "_Groups":
        return codes if isinstance(codes, cls) else cls(codes, n)

    def sum(self, x) -> np.ndarray:
        return np.add.reduceat(x, self.starts) if self.runs else np.bincount(self.codes, x, self.n)

    def min(self, x) -> np.ndarray:
        if self.runs:
            return np.minimum.reduceat(x, self.starts)
        out = np.full(self.n, np.inf)
        np.minimum.at(out, self.codes, x)
        return out

    def at(self, values) -> np.ndarray:
        """Each star's value of a per-group array."""
        return np.repeat(values, self.counts) if self.runs else values[self.codes]


def _weighted_mean(s, grp: _Groups, vc, e2):
    """w = 1/(s + e^2) per star; sum w and mu(s) = sum w v / sum w per group (Eq. 4)."""
    w = 1.0 / (s + e2)
    sw = grp.sum(w)
    return w, sw, grp.sum(w * vc) / sw


def _profile(s, grp: _Groups, vc, e2):
    """Per group at sigma^2 = s (scalar or per star): mu(s) (centred), sum w, profile NLL, g(s).

    Eq. 4 with mu profiled out: mu = sum w v / sum w, w = 1/(s + e^2);
    g = 2 dNLL/ds = sum w - sum w^2 (v - mu)^2.
    """
    w, sw, mu = _weighted_mean(s, grp, vc, e2)
    r = vc - grp.at(mu)
    wr2 = w * r * r
    nll = 0.5 * (grp.sum(wr2) - grp.sum(np.log(w)))
    g = sw - grp.sum(w * wr2)
    return mu, sw, nll, g


def grouped_mle(group, v, e, sigma_max: float = 300.0, boundary: bool = False,
                intervals: bool = False) -> pd.DataFrame:
    """Eq. 4 maximum-likelihood (mu, sigma) for every group at once (vectorised over groups).

    ``group``: any labels (one per star); ``v``, ``e``: velocities and errors (km/s, e > 0).
    Returns one row per group label (sorted, as index ``group``): n_stars, mu, sigma,
    mu_err_fisher = [sum 1/(sigma^2 + e^2)]^-1/2, mu_err_sqrtn = sigma / sqrt(N), all km/s, and
    with ``boundary`` sigma_at_boundary (bool): the global minimum is a boundary of the search, sigma = 0 (the
    error-weighted scatter no larger than the errors predict) or sigma = sigma_max, not a root of
    dNLL/dsigma^2 — sigma there is a limit, not a measurement. With ``intervals`` also
    :data:`INTERVAL_COLUMNS` (km/s): the HKSJ error and 68 %/95 % intervals of mu and the
    Q-profile 68 % interval of sigma (:func:`hksj_interval`, :func:`q_profile_interval`).
    See the module docstring for the search (global grid scan + root of dNLL/dsigma^2).
    """
    v, e = _check_ve(v, e)
    labels, codes = np.unique(np.asarray(group), return_inverse=True)
    codes = codes.ravel()
    if codes.size != v.size:
        raise MapError(f"group has {codes.size} labels for {v.size} velocities")
    if not (np.isfinite(sigma_max) and sigma_max > 0):
        raise MapError(f"sigma_max must be finite and > 0 km/s, got {sigma_max!r}")
    n_groups = labels.size
    if not (codes[1:] >= codes[:-1]).all():  # stars in runs by group (_Groups' fast sums)
        order = np.argsort(codes, kind="stable")
        codes, v, e = codes[order], v[order], e[order]
    grp = _Groups(codes, n_groups)
    n = grp.counts
    ref = grp.sum(v) / n  # centre each group: precision, shift-equivariance
    vc, e2 = v - grp.at(ref), e * e

    # per-group grid: the profile changes on the scale sigma ~ e_i, so it starts below min(e)
    e_min = grp.min(e)
    lo = np.log(np.minimum(0.1 * e_min, 1e-3 * sigma_max))
    t = np.arange(N_GRID - 1) / (N_GRID - 2)
    s_grid = np.zeros((n_groups, N_GRID))
    s_grid[:, 1:] = np.exp(2 * (lo[:, None] + t * (np.log(sigma_max) - lo[:, None])))
    s_grid[:, -1] = sigma_max**2
    nll_grid = np.empty((n_groups, N_GRID))
    g_grid = np.empty((n_groups, N_GRID))
    mu_grid = np.empty((n_groups, N_GRID))
    sw_grid = np.empty((n_groups, N_GRID))
    for k in range(N_GRID):
        mu_grid[:, k], sw_grid[:, k], nll_grid[:, k], g_grid[:, k] = _profile(
            grp.at(s_grid[:, k]), grp, vc, e2)

    # interior candidate: the sign change (- to +) of g with the lowest NLL at its ends
    change = (g_grid[:, :-1] < 0) & (g_grid[:, 1:] >= 0)
    ends = np.where(change, np.minimum(nll_grid[:, :-1], nll_grid[:, 1:]), np.inf)
    k_best = np.argmin(ends, axis=1)
    has_root = change[np.arange(n_groups), k_best]
    every = np.arange(n_groups)
    s_root = _group_roots(lambda s: _profile(grp.at(s), grp, vc, e2)[3], has_root,
                          s_grid[every, k_best], s_grid[every, k_best + 1], n_groups)
    nll_root = _profile(grp.at(np.nan_to_num(s_root)), grp, vc, e2)[2]

    # candidates: sigma = 0 (if g(0) >= 0), interior root, sigma_max (if g(sigma_max) < 0)
    cand_s = np.column_stack([np.zeros(n_groups), s_root, s_grid[:, -1]])
    cand_nll = np.column_stack([np.where(g_grid[:, 0] >= 0, nll_grid[:, 0], np.inf),
                                np.where(has_root, nll_root, np.inf),
                                np.where(g_grid[:, -1] < 0, nll_grid[:, -1], np.inf)])
    choice = np.argmin(cand_nll, axis=1)  # ties: smaller sigma
    s_hat = cand_s[np.arange(n_groups), choice]
    mu_c, sw, _, _ = _profile(grp.at(s_hat), grp, vc, e2)
    sigma = np.sqrt(s_hat)
    out = pd.DataFrame({"n_stars": n.astype(np.int64), "mu": ref + mu_c, "sigma": sigma,
                        "mu_err_fisher": 1.0 / np.sqrt(sw),  # Fisher information of mu
                        "mu_err_sqrtn": sigma / np.sqrt(n),  # App. B
                        "mu_err_marg": _marginal_mu_error(s_grid, nll_grid, mu_grid, sw_grid)},
                       index=pd.Index(labels, name="group"))
    if boundary:
        out["sigma_at_boundary"] = choice != 1  # candidate 0 (sigma = 0) or 2 (sigma_max)
    if intervals:
        # centred on the REML-weighted mean (the interval's own centre), not the ML mu
        mu_h, se, half = hksj_interval(grp, vc, e2, reml_sigma2(grp, vc, e2, n_groups,
                                                                sigma_max), n_groups)
        out["mu_err_hksj"] = se
        for lev, h in zip((68, 95), half):
            out[f"mu_lo{lev}"] = ref + mu_h - h
            out[f"mu_hi{lev}"] = ref + mu_h + h
        lo, hi = q_profile_interval(grp, vc, e2, n_groups, 0.68, sigma_max)
        out["sigma_lo68"], out["sigma_hi68"] = lo, hi
    return out


def _group_roots(f, inner, lo, hi, n_groups):
    """Per group in ``inner``: a root in [lo, hi] (a sign change there) of ``f(x)``, a function
    of one value per group (sigma or sigma^2) returning one value per group (Chandrupatla's
    method, scipy.optimize.elementwise.find_root, to machine precision; the other groups' x is
    0 meanwhile). NaN elsewhere."""
    out = np.full(n_groups, np.nan)
    rows = np.flatnonzero(inner)
    if rows.size:
        def of(sig, gid):  # elementwise in the group: f of each active group
            sig, gid = np.broadcast_arrays(sig, gid)
            full = np.zeros(n_groups)
            full[gid.ravel().astype(np.int64)] = sig.ravel()
            return f(full)[gid.astype(np.int64)]

        from scipy.optimize import elementwise
        res = elementwise.find_root(of, (np.broadcast_to(lo, n_groups)[rows],
                                         np.broadcast_to(hi, n_groups)[rows]),
                                    args=(rows.astype(float),))
        if not np.all(res.success):
            raise RuntimeError(f"root search did not converge for {np.sum(~res.success)} groups "
                               f"(status {np.unique(res.status).tolist()})")
        out[rows] = res.x
    return out


def reml_sigma2(codes, vc, e2, n_groups, sigma_max: float = 300.0):
    """REML estimate of sigma^2 per group (km^2/s^2), for the HKSJ weights.

    REML score (Harville 1977, JASA 72, 320; in meta-analysis form Viechtbauer 2005, J. Educ.
    Behav. Stat. 30, 261): g_R(s) = sum w - sum w^2 (v - mu(s))^2 - sum w^2 / sum w, i.e. the
    ML g(s) of :func:`_profile` minus sum w^2 / sum w (the degree of freedom spent on mu).
    sigma_max^2 if g_R(sigma_max^2) < 0, else 0 if g_R(0) >= 0, else the root of g_R in sigma
    on [0, sigma_max] (:func:`_group_roots`).
    """
    grp = _Groups.of(codes, n_groups)

    def g_reml(sig):
        s = grp.at(sig * sig)
        w = 1.0 / (s + e2)
        _, sw, _, g = _profile(s, grp, vc, e2)
        return g - grp.sum(w * w) / sw

    at_zero = g_reml(np.zeros(n_groups)) >= 0
    at_max = g_reml(np.full(n_groups, float(sigma_max))) < 0
    sig = _group_roots(g_reml, ~at_zero & ~at_max, 0.0, float(sigma_max), n_groups)
    sig = np.where(at_max, sigma_max, np.where(at_zero, 0.0, sig))
    return sig * sig


def hksj_interval(codes, vc, e2, s_hat, n_groups, levels=(0.68, 0.95)):
    """Hartung-Knapp-Sidik-Jonkman mean, error and interval half-widths per group (km/s).

    Random-effects meta-analysis is exactly Eq. 4 (known per-star variances e_i^2, unknown
    between-star variance tau^2 = sigma^2). Hartung & Knapp 2001 (Stat. Med. 20, 3875), Sidik
    & Jonkman 2002 (Stat. Med. 21, 3153): w_i = 1/(s_hat + e_i^2), mu = sum w v / sum w,
    q = sum w (v - mu)^2 / (N - 1), SE = sqrt(q / sum w), interval mu +- t_{dof, (1+level)/2} SE
    with dof = n_eff - 1, n_eff = (sum w)^2 / sum w^2 the Kish effective number of stars (at
    least 1): with unequal weights a few precise stars carry the mean and q has fewer degrees
    of freedom than N - 1 (a Satterthwaite-type correction). ``s_hat`` (sigma^2 per group) is
    the REML estimate in the maps (:func:`reml_sigma2`). Measured on ideal data, 68 / 95 %
    coverage is right in every N bin both for errors like the paper's and for the mock's much
    wider spread (0.4-50 km/s), where t_{N-1} gives 0.93 at 95 % for N = 6-9 and the "modified"
    max(q, 1) over-covers at 68 % (docs/conventions.md, tests/test_vr_intervals.py). With equal
    errors n_eff = N: the exact Student-t interval. N = 1: NaN. Returns (mu, SE, [half-width
    per level]); mu centred like ``vc``.
    """
    grp = _Groups.of(codes, n_groups)
    s = grp.at(s_hat)
    mu, sw, _, _ = _profile(s, grp, vc, e2)
    w = 1.0 / (s + e2)
    n = grp.counts
    q = grp.sum(w * (vc - grp.at(mu)) ** 2) / np.where(n > 1, n - 1, np.nan)
    se = np.sqrt(q / sw)
    # Student t with the Kish effective number of stars (sum w)^2 / sum w^2 less one
    kish = sw**2 / grp.sum(w * w)
    dof = np.where(n > 1, np.maximum(kish - 1.0, 1.0), np.nan)
    from scipy import special
    return mu, se, [special.stdtrit(dof, 0.5 + 0.5 * lev) * se for lev in levels]  # t quantile


def q_profile_interval(codes, vc, e2, n_groups, level: float = 0.68, sigma_max: float = 300.0):
    """Q-profile interval of sigma per group (km/s; Viechtbauer 2007, Stat. Med. 26, 37).

    Generalised Q(tau^2) = sum (v_i - mu(tau^2))^2 / (tau^2 + e_i^2), mu(tau^2) the weighted mean,
    is chi^2_{N-1} at the true tau^2 = sigma^2 and decreases with tau^2. The bounds solve
    Q(lo^2) = chi^2_{N-1}(1 - a/2) and Q(hi^2) = chi^2_{N-1}(a/2), a = 1 - level; a bound is 0
    when Q(0) is already below its quantile, and sigma_max when Q(sigma_max^2) is still above
    (a limit); else the root in sigma on [0, sigma_max] (:func:`_group_roots`). N = 1: NaN.
    """
    grp = _Groups.of(codes, n_groups)
    n = grp.counts
    dof = np.where(n > 1, n - 1, np.nan)
    a = 1.0 - level

    def q_of(sig):
        s = grp.at(sig * sig)
        mu = _weighted_mean(s, grp, vc, e2)[2]
        return grp.sum((vc - grp.at(mu)) ** 2 / (s + e2))

    out = []
    from scipy import special
    q_zero, q_max = q_of(np.zeros(n_groups)), q_of(np.full(n_groups, float(sigma_max)))
    # chi^2_dof quantiles: isf(a/2) and ppf(a/2) (as scipy.stats.chi2 computes them)
    for target in (special.chdtri(dof, a / 2), 2 * special.gammaincinv(dof / 2, a / 2)):
        below, above = q_zero < target, q_max >= target  # Q(0) < target; Q(max) >= target
        bound = _group_roots(lambda sig, t=target: q_of(sig) - t,
                             ~below & ~above & np.isfinite(dof), 0.0, float(sigma_max), n_groups)
        bound = np.where(above, sigma_max, np.where(below, 0.0, bound))
        out.append(np.where(np.isfinite(dof), bound, np.nan))
    return out[0], out[1]


def _marginal_mu_error(s_grid, nll_grid, mu_grid, sw_grid) -> np.ndarray:
    """Posterior std of mu marginalised over sigma (flat priors on mu and sigma in [0, sigma_max]).

    The Fisher error fixes sigma at its estimate, so with few stars (sigma poorly known, often
    0) it is too small: pulls then scale like N/(N - 3) (Student-t-like). Integrating the Eq. 4
    likelihood over mu (Gaussian: sqrt(2 pi / sum w)) leaves p(sigma | v) ~ exp(-NLL_profile)
    (sum w)^-1/2, and var(mu | v) = E[1/sum w + (mu(sigma) - E mu)^2] over it (law of total
    variance), integrated on the scan grid (trapezoid in sigma).
    """
    sig = np.sqrt(s_grid)
    logp = -nll_grid - 0.5 * np.log(sw_grid)
    p = np.exp(logp - logp.max(axis=1, keepdims=True))
    dsig = np.diff(sig, axis=1)

    def integral(f):  # trapezoid in sigma, per group
        return np.sum(0.5 * (f[:, 1:] + f[:, :-1]) * dsig, axis=1)

    norm = integral(p)
    mean = integral(p * mu_grid) / norm
    var = integral(p * (1.0 / sw_grid + (mu_grid - mean[:, None]) ** 2)) / norm
    return np.sqrt(var)


def profile_mle(v, e, sigma_max: float = 300.0) -> tuple[float, float, float]:
    """Reference Eq. 4 MLE for one sample: (mu, sigma, mu_err_fisher) in km/s.

    Plain and slow: the profile NLL on a dense sigma grid (0.1 km/s steps, plus log steps from
    min(e)/10 to sigma_max) picks the global basin, then
    ``scipy.optimize.brentq`` finds the root of dNLL/dsigma^2 there; sigma = 0 exactly when the
    grid minimum is at 0 and dNLL/dsigma^2(0) >= 0 (sigma_max likewise at the top).
    """
    v, e = _check_ve(v, e)
    if v.size == 0:
        raise MapError("profile_mle: empty sample")
    vc, e2 = v - v.mean(), e * e

    def parts(s):
        w = 1.0 / (s + e2)
        mu = np.sum(w * vc) / np.sum(w)
        r2 = (vc - mu) ** 2
        return mu, w, 0.5 * np.sum(np.log(s + e2) + w * r2), np.sum(w) - np.sum(w * w * r2)

    sig = np.union1d(np.linspace(0.0, sigma_max, int(np.ceil(sigma_max / 0.1)) + 1),
                     np.geomspace(min(0.1 * e.min(), 1e-3 * sigma_max), sigma_max, 2000))
    w = 1.0 / (sig[:, None] ** 2 + e2)
    r2 = (vc - (w @ vc / w.sum(axis=1))[:, None]) ** 2
    nll = 0.5 * np.sum(-np.log(w) + w * r2, axis=1)
    k = int(np.argmin(nll))
    if k == 0 and parts(0.0)[3] >= 0:
        s_hat = 0.0
    elif k == sig.size - 1 and parts(sigma_max**2)[3] <= 0:
        s_hat = sigma_max**2
    else:
        lo, hi = sig[max(k - 1, 0)] ** 2, sig[min(k + 1, sig.size - 1)] ** 2
        from scipy import optimize
        s_hat = optimize.brentq(lambda s: parts(s)[3], lo, hi, xtol=1e-13, rtol=1e-15)
    mu, w, _, _ = parts(s_hat)
    return float(v.mean() + mu), float(np.sqrt(s_hat)), float(1.0 / np.sqrt(np.sum(w)))


# --- maps ------------------------------------------------------------------------------------

def vr_map(x, y, v, e, size_kpc: float, min_stars: int = 6,
           sigma_max: float = 300.0) -> pd.DataFrame:
    """Mean v_R and sigma_R per spaxel (Eq. 4) for spaxels with >= ``min_stars`` stars.

    x, y in kpc; v = v_R and e = v_R_err in km/s. Columns: x_center, y_center (kpc), n_stars,
    vR_mean, sigma_R, vR_mean_err (Fisher), vR_mean_err_sqrtn (sigma_R / sqrt(N), the paper's),
    vR_mean_err_marg (posterior std of the mean marginalised over sigma_R: calibrated at small N),
    vR_mean_err_hksj and the intervals vR_mean_lo68/hi68, vR_mean_lo95/hi95 (Hartung-Knapp-
    Sidik-Jonkman, :func:`hksj_interval`: right coverage at every N), sigma_R_lo68/hi68 (the
    Q-profile 68 % interval of sigma_R, :func:`q_profile_interval`),
    sigma_at_boundary (bool: the Eq. 4 fit ended at sigma_R = 0 or sigma_max, see
    :func:`grouped_mle`; there sigma_R and vR_mean_err_sqrtn are limits).
    """
    v, e = np.asarray(v, float), np.asarray(e, float)
    codes, ix, iy, counts = _spaxels(x, y, size_kpc)
    if not (v.shape == e.shape == codes.shape):
        raise MapError(f"vr_map: {codes.size} positions but {v.size} v_R and {e.size} v_R_err")
    keep = counts >= min_stars
    stars = keep[codes]
    fit = grouped_mle(codes[stars], v[stars], e[stars], sigma_max, boundary=True, intervals=True)
    ix, iy = ix[fit.index.to_numpy()], iy[fit.index.to_numpy()]
    out = pd.DataFrame({"x_center": (ix + 0.5) * size_kpc, "y_center": (iy + 0.5) * size_kpc,
                        "n_stars": fit["n_stars"].to_numpy(), "vR_mean": fit["mu"].to_numpy(),
                        "sigma_R": fit["sigma"].to_numpy(),
                        "vR_mean_err": fit["mu_err_fisher"].to_numpy(),
                        "vR_mean_err_sqrtn": fit["mu_err_sqrtn"].to_numpy(),
                        "vR_mean_err_marg": fit["mu_err_marg"].to_numpy(),
                        "vR_mean_err_hksj": fit["mu_err_hksj"].to_numpy(),
                        **{f"vR_mean_{b}{lev}": fit[f"mu_{b}{lev}"].to_numpy()
                           for lev in (68, 95) for b in ("lo", "hi")},
                        "sigma_R_lo68": fit["sigma_lo68"].to_numpy(),
                        "sigma_R_hi68": fit["sigma_hi68"].to_numpy(),
                        "sigma_at_boundary": fit["sigma_at_boundary"].to_numpy(bool)})
    log.info("v_R map at %g kpc: %d of %d occupied spaxels have >= %d stars (%d stars); "
             "sigma_R at a boundary in %d (= 0 in %d, = sigma_max in %d)", size_kpc, keep.sum(),
             keep.size, min_stars, stars.sum(), out["sigma_at_boundary"].sum(),
             np.sum(out["sigma_R"] == 0), np.sum(out["sigma_R"] >= sigma_max))
    return out


def select_map_stars(kinematics: pd.DataFrame, flags: pd.DataFrame, z_max_kpc: float | None = None,
                     labels: tuple[str, str] = ("kinematics", "flags")) -> pd.DataFrame:
    """Stars for the maps: in_vphi_window, then finite x, y and usable v_R, v_R_err
    (:func:`usable_velocities`: finite, |v_R| < c, v_R_err >= E_MIN_KMS), then |z| < z_max.

    ``kinematics``: the kinematics product; ``flags``: vphi_window (source_id, in_vphi_window);
    ``labels`` name them (e.g. file paths) in error messages. Returns the selected kinematics rows;
    the cut-flow counts are logged and kept in ``result.attrs["counts"]``, and why stars in the
    window were dropped in ``result.attrs["dropped"]`` (no_position, bad_vR, bad_vR_err: the
    first failing test per star; they sum to n_in_vphi_window - n_finite_vR). Stars with zero
    errors are dropped, not floored (module docstring), with a warning.
    """
    kin_label, flag_label = labels
    need = ["source_id", "x", "y", "v_R", "v_R_err"] + (["z"] if z_max_kpc is not None else [])
    for label, df, cols in ((kin_label, kinematics, need),
                            (flag_label, flags, ["source_id", "in_vphi_window"])):
        require_columns(df, cols, label, MapError)
    if flags["source_id"].duplicated().any():
        raise MapError(f"{flag_label}: source_id is not unique")
    window = kinematics["source_id"].map(flags.set_index("source_id")["in_vphi_window"])
    if window.isna().any():
        raise MapError(f"{flag_label}: in_vphi_window missing for {window.isna().sum()} "
                       f"source_id of {kin_label} (expected one flag per star)")
    in_window = window.astype(bool).to_numpy()
    x, y, vr, er = (kinematics[c].to_numpy(float) for c in ("x", "y", "v_R", "v_R_err"))
    position = np.isfinite(x) & np.isfinite(y)
    with np.errstate(invalid="ignore"):
        good_v = np.abs(vr) < V_MAX_KMS
        in_z = (np.abs(kinematics["z"].to_numpy(float)) < z_max_kpc if z_max_kpc is not None
                else np.ones(len(kinematics), bool))
    finite = position & usable_velocities(vr, er)
    counts = {"n_input": len(kinematics), "n_in_vphi_window": int(in_window.sum()),
              "n_finite_vR": int((in_window & finite).sum()),
              "n_selected": int((in_window & finite & in_z).sum())}
    dropped = {"no_position": int((in_window & ~position).sum()),
               "bad_vR": int((in_window & position & ~good_v).sum()),
               "bad_vR_err": int((in_window & position & good_v & ~finite).sum())}
    out = kinematics.loc[in_window & finite & in_z].reset_index(drop=True)
    out.attrs["counts"], out.attrs["dropped"] = counts, dropped
    log.info("map stars (|z| < %s kpc): %s; dropped in the v_phi window: %s", z_max_kpc, counts,
             dropped)
    if dropped["bad_vR_err"]:
        log.warning("%s: %d stars in the v_phi window have v_R_err not finite or < %g km/s "
                    "(e.g. 0): dropped from the maps (errors are not floored)", kin_label,
                    dropped["bad_vR_err"], E_MIN_KMS)
    return out


# --- age maps (Sec. 3.2, Figs. 8 and 11) ------------------------------------------------------

AGE_UNITS = {"x_center": "kpc", "y_center": "kpc", "surface_density": "1 / kpc2",
             "logage_mean": "dex(yr)", "logage_median": "dex(yr)", "logage_std": "dex(yr)"}
LOGAGE_COLUMNS = ["x_center", "y_center", "n_stars", "logage_mean", "logage_median",
                  "logage_std"]


def logage_map(x, y, logage, size_kpc: float, min_stars: int = 6) -> pd.DataFrame:
    """Mean, median and standard deviation (ddof = 1) of the stars' log-ages per spaxel, for
    spaxels with >= ``min_stars`` stars (Fig. 8: 125 pc spaxels, "more than 5 stars").

    x, y in kpc (spaxels as :func:`spaxel_index`); ``logage``: log10(age / yr) of each star
    (the posterior median ``logage_p50``), all finite — drop flagged stars first. Columns:
    :data:`LOGAGE_COLUMNS`, rows sorted by (ix, iy).
    """
    logage = np.asarray(logage, float)
    codes, ix, iy, counts = _spaxels(x, y, size_kpc)
    if logage.shape != codes.shape:
        raise MapError(f"logage_map: {codes.size} positions but {logage.size} log-ages")
    if not np.all(np.isfinite(logage)):
        raise MapError(f"logage_map: {np.sum(~np.isfinite(logage))} non-finite log-ages "
                       "(drop stars with age_flag != 0 first)")
    keep = np.flatnonzero(counts >= min_stars)
    stars = np.isin(codes, keep)
    per = (pd.Series(logage[stars]).groupby(codes[stars], sort=True)
           .agg(["size", "mean", "median", "std"]))
    k = per.index.to_numpy(np.int64)
    out = pd.DataFrame({"x_center": (ix[k] + 0.5) * size_kpc, "y_center": (iy[k] + 0.5) * size_kpc,
                        "n_stars": per["size"].to_numpy(np.int64),
                        "logage_mean": per["mean"].to_numpy(float),
                        "logage_median": per["median"].to_numpy(float),
                        "logage_std": per["std"].to_numpy(float)})
    log.info("log-age map at %g kpc: %d of %d occupied spaxels have >= %d stars (%d stars)",
             size_kpc, len(out), counts.size, min_stars, stars.sum())
    return out


def young_old_masks(age_myr, young_max_myr: float = 30.0,
                    old_min_myr: float = 150.0) -> tuple[np.ndarray, np.ndarray]:
    """(young, old) bool arrays: age < ``young_max_myr`` and age > ``old_min_myr`` (Myr; strict,
    as the paper's < 30 and > 150 Myr, Sec. 3.2); a NaN age is in neither. The one definition of
    the young and old stars, for Fig. 11's maps and summary.json's counts."""
    age = np.asarray(age_myr, float)
    with np.errstate(invalid="ignore"):
        return age < young_max_myr, age > old_min_myr


def young_old_density(x, y, age_myr, size_kpc: float, young_max_myr: float = 30.0,
                      old_min_myr: float = 150.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Density maps (:func:`density_map`) of the young (age < ``young_max_myr``) and the old
    (age > ``old_min_myr``) stars (Fig. 11: < 30 and > 150 Myr). x, y in kpc, ages in Myr;
    stars with a NaN age are in neither map."""
    x, y, age = (np.asarray(a, float) for a in (x, y, age_myr))
    if not (x.shape == y.shape == age.shape):
        raise MapError(f"young_old_density: {x.size} x, {y.size} y but {age.size} ages")
    young, old = young_old_masks(age, young_max_myr, old_min_myr)
    log.info("%d stars younger than %g Myr, %d older than %g Myr (of %d)", young.sum(),
             young_max_myr, old.sum(), old_min_myr, age.size)
    return (density_map(x[young], y[young], size_kpc), density_map(x[old], y[old], size_kpc))


def select_age_map_stars(ages: pd.DataFrame, kinematics: pd.DataFrame, flags: pd.DataFrame,
                         z_max_kpc: float | None = None,
                         labels: tuple[str, str, str] = ("ages", "kinematics", "flags")
                         ) -> pd.DataFrame:
    """The stars of the age maps: those of the v_R maps (:func:`select_map_stars`: v_φ window,
    finite x, y, v_R, v_R_err > 0, optional |Z| cut) with age_flag == 0.

    Returns their kinematics rows with the ``ages`` columns (logage_p50, age_myr, ...) joined
    by source_id; counts in ``result.attrs["counts"]`` (those of the v_R maps plus n_age_ok).
    """
    age_label, kin_label, flag_label = labels
    need = ["source_id", "logage_p50", "age_myr", "age_flag"]
    require_columns(ages, need, age_label, MapError)
    if ages["source_id"].duplicated().any():
        raise MapError(f"{age_label}: source_id is not unique")
    stars = select_map_stars(kinematics, flags, z_max_kpc, labels=(kin_label, flag_label))
    counts = stars.attrs["counts"]
    cols = [c for c in ages.columns if c not in stars.columns or c == "source_id"]
    df = stars.merge(ages[cols], on="source_id", how="left", validate="1:1", indicator=True)
    if (df["_merge"] != "both").any():
        ids = df.loc[df["_merge"] != "both", "source_id"].head(5).tolist()
        raise MapError(f"{age_label}: no age for source_id {ids} of {kin_label} (expected one "
                       "row per HSS star)")
    out = df.loc[df["age_flag"].to_numpy() == 0].drop(columns="_merge").reset_index(drop=True)
    out.attrs["counts"] = {**counts, "n_age_ok": len(out)}
    log.info("age-map stars: %s", out.attrs["counts"])
    return out
