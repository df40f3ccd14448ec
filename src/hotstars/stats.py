"""Small robust statistics shared by the comparisons, the truth check, the summary and the figures."""

from __future__ import annotations

import numpy as np

__all__ = ["MAD_TO_SIGMA", "robust_std", "agreement_fraction"]

#: Normal-distribution scale of the median absolute deviation: σ = 1.4826 MAD
#: (Rousseeuw & Croux 1993; 1 / Φ⁻¹(3/4)).
MAD_TO_SIGMA = 1.482602218505602


def robust_std(x) -> float:
    """Gaussian-equivalent σ = 1.4826 × median absolute deviation of the finite values; NaN if none."""
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    return float(MAD_TO_SIGMA * np.median(np.abs(x - np.median(x)))) if x.size else float("nan")


def agreement_fraction(pull, k: float) -> float:
    """Fraction of the finite ``pull`` values (delta / σ) with |pull| ≤ k; NaN if none."""
    p = np.asarray(pull, float)
    p = p[np.isfinite(p)]
    return float(np.mean(np.abs(p) <= k)) if p.size else float("nan")
