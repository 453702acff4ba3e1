"""Rank-correlation matrices of inputs: checked, repaired when not positive semi-definite,
and turned into the Cholesky factor the Gaussian copula of :mod:`engine.sampling` uses.

* ``check_matrix``: square, symmetric, ones on the diagonal, entries in [-1, 1]
  (SpecError naming the entry).
* ``nearest_correlation``: Higham's alternating projections (2002) with Dykstra's correction
  onto the positive semi-definite cone and the unit-diagonal matrices, then a last
  eigenvalue clip and rescale.  The caller reports the largest absolute change.
* ``copula_factor``: the normal-scores matrix ``2 sin(pi rho_s / 6)`` (a Gaussian copula with
  it has Spearman correlations rho_s), repaired too if needed, and its lower Cholesky factor,
  computed in plain Python floats (the same on every machine; a zero pivot, as for a
  correlation of exactly 1, gives a zero column instead of failing).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .errors import SpecError

log = logging.getLogger(__name__)

__all__ = ["CopulaPlan", "check_matrix", "copula_factor", "nearest_correlation"]

SYMMETRY_TOL = 1e-9
PSD_TOL = 1e-12


def check_matrix(matrix: object, names: Sequence[str], where: str) -> np.ndarray:
    """The matrix as float64, or SpecError naming ``where`` and the bad entry."""
    n = len(names)
    if not isinstance(matrix, list | tuple | np.ndarray) or len(matrix) != n or not all(
            isinstance(r, list | tuple | np.ndarray) and len(r) == n for r in matrix):
        raise SpecError(f"{where}: the matrix must be {n} x {n} (one row and one column per "
                        f"input: {', '.join(names)})")
    for i, row in enumerate(matrix):
        for j, v in enumerate(row):
            if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating) \
                    or not math.isfinite(float(v)):
                raise SpecError(f"{where}: entry ({names[i]}, {names[j]}) must be a number, "
                                f"got {v!r}")
            if not -1.0 <= float(v) <= 1.0:
                raise SpecError(f"{where}: entry ({names[i]}, {names[j]}) = {float(v):g} is "
                                "outside [-1, 1]")
    m = np.array(matrix, dtype=np.float64)
    for i in range(n):
        if m[i, i] != 1.0:
            raise SpecError(f"{where}: the diagonal must be 1, entry ({names[i]}, {names[i]}) "
                            f"= {m[i, i]:g}")
        for j in range(i):
            if abs(m[i, j] - m[j, i]) > SYMMETRY_TOL:
                raise SpecError(f"{where}: the matrix must be symmetric: ({names[i]}, "
                                f"{names[j]}) = {m[i, j]:g} but ({names[j]}, {names[i]}) = "
                                f"{m[j, i]:g}")
    return (m + m.T) / 2.0


def _min_eig(m: np.ndarray) -> float:
    return float(np.linalg.eigvalsh(m).min())


def _clip_psd(m: np.ndarray, floor: float) -> np.ndarray:
    w, v = np.linalg.eigh(m)
    out = (v * np.maximum(w, floor)) @ v.T
    d = np.sqrt(np.diag(out))
    out = out / np.outer(d, d)
    np.fill_diagonal(out, 1.0)
    return (out + out.T) / 2.0


def nearest_correlation(m: np.ndarray, max_iter: int = 500, tol: float = 1e-12,
                        floor: float = 1e-10) -> np.ndarray:
    """The nearest correlation matrix to ``m`` (Frobenius norm), ``m`` itself when it is
    already positive semi-definite."""
    if _min_eig(m) >= -PSD_TOL:
        return m
    y = m.copy()
    ds = np.zeros_like(m)
    for _ in range(max_iter):
        r = y - ds
        w, v = np.linalg.eigh(r)
        x = (v * np.maximum(w, 0.0)) @ v.T
        ds = x - r
        y_new = x.copy()
        np.fill_diagonal(y_new, 1.0)
        if np.linalg.norm(y_new - y) <= tol * max(np.linalg.norm(y), 1.0):
            y = y_new
            break
        y = y_new
    out = _clip_psd(y, floor)
    return np.clip(out, -1.0, 1.0)


def _cholesky(m: np.ndarray) -> list[list[float]]:
    """Lower Cholesky factor in plain floats; a pivot <= 1e-12 gives a zero column."""
    n = len(m)
    a = [[float(x) for x in row] for row in m]
    low = [[0.0] * n for _ in range(n)]
    for j in range(n):
        s = a[j][j] - math.fsum(low[j][k] * low[j][k] for k in range(j))
        if s <= 1e-12:
            continue
        d = math.sqrt(s)
        low[j][j] = d
        for i in range(j + 1, n):
            low[i][j] = (a[i][j] - math.fsum(low[i][k] * low[j][k] for k in range(j))) / d
    # rows of a zero pivot: scale what is there so each row keeps unit variance
    for i in range(n):
        norm = math.sqrt(math.fsum(x * x for x in low[i]))
        if norm > 0 and abs(norm - 1.0) > 1e-12:
            low[i] = [x / norm for x in low[i]]
    return low


@dataclass(frozen=True)
class CopulaPlan:
    """A correlation group ready to sample: the rank matrix used (after any repair), the
    largest absolute change from the one given, and the Cholesky rows."""

    used: np.ndarray
    max_change: float
    factor: list[list[float]]


def copula_factor(rank: np.ndarray) -> CopulaPlan:
    """Repair ``rank`` if needed and factor its normal-scores matrix."""
    used = nearest_correlation(rank)
    normal = np.where(np.abs(used) == 1.0, used, 2.0 * np.sin(np.pi * used / 6.0))
    if _min_eig(normal) < -PSD_TOL:
        normal = nearest_correlation(normal)
        used = 6.0 / np.pi * np.arcsin(np.clip(normal / 2.0, -0.5, 0.5))
        np.fill_diagonal(used, 1.0)
    change = float(np.max(np.abs(used - rank))) if len(rank) else 0.0
    return CopulaPlan(used, change, _cholesky(normal))
