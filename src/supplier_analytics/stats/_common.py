"""Argument checks and small helpers shared by the statistics modules."""

from __future__ import annotations

import numpy as np
from scipy import stats as _st

__all__ = ["z_value", "as_counts", "scalar_or_array", "wilson_bounds"]


def z_value(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}; use e.g. 0.95.")
    return float(_st.norm.ppf(0.5 + confidence / 2.0))


def as_counts(k, n, name_k: str = "k", name_n: str = "n") -> tuple[np.ndarray, np.ndarray]:
    """Broadcast counts to float arrays and check ``0 <= k <= n`` where defined."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    k, n = np.broadcast_arrays(k, n)
    ok = np.isfinite(k) & np.isfinite(n)
    bad = ok & ((k < 0) | (n < 0) | (k > n * (1 + 1e-12) + 1e-9))
    if bad.any():
        i = np.flatnonzero(bad.ravel())[0]
        raise ValueError(
            f"counts must satisfy 0 <= {name_k} <= {name_n}, but {name_k}={float(k.ravel()[i])!r} and "
            f"{name_n}={float(n.ravel()[i])!r} at position {i}; check the numerator and denominator columns."
        )
    return k, n


def scalar_or_array(x: np.ndarray):
    """Return a 0-d result as a numpy scalar, otherwise the array."""
    return x[()] if x.ndim == 0 else x


def wilson_bounds(k: np.ndarray, n: np.ndarray, z) -> tuple[np.ndarray, np.ndarray]:
    """Wilson limits for checked counts with the normal quantile ``z`` (a scalar or an array like ``k``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        valid = np.isfinite(k) & np.isfinite(n) & (n > 0)
        nn = np.where(valid, n, 1.0)
        p = np.where(valid, k, 0.0) / nn
        z2 = z * z
        denom = 1.0 + z2 / nn
        centre = (p + z2 / (2 * nn)) / denom
        half = z / denom * np.sqrt(np.maximum(p * (1 - p) / nn + z2 / (4 * nn * nn), 0.0))
        low = np.where(p <= 0, 0.0, np.clip(centre - half, 0.0, 1.0))
        high = np.where(p >= 1, 1.0, np.clip(centre + half, 0.0, 1.0))
    low = np.where(valid, low, np.nan)
    high = np.where(valid, high, np.nan)
    return low, high
