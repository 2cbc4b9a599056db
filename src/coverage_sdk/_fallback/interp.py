"""Twin of ext/_interp.pxd: trilinear dose interpolation, vectorised over points."""

from __future__ import annotations

import numpy as np

EPS = 1e-9


def _axis(axis: np.ndarray, p: np.ndarray, uniform: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = axis.size
    if n == 1:
        zeros = np.zeros(p.shape, dtype=np.int64)
        return zeros, zeros, np.zeros(p.shape)
    if not uniform:
        i = np.clip(np.searchsorted(axis, p, side="right") - 1, 0, n - 2)
        f = (p - axis[i]) / (axis[i + 1] - axis[i])
    else:
        f = (p - axis[0]) / (axis[1] - axis[0])
        i = np.clip(np.floor(f).astype(np.int64), 0, n - 2)
        f = f - i
    return i, i + 1, np.clip(f, 0.0, 1.0)


def trilinear(dose, x, y, z, px, py, pz) -> tuple[np.ndarray, np.ndarray]:
    """Dose at the points and a mask of the points inside the grid (dose 0 outside)."""
    px, py, pz = (np.asarray(a, dtype=np.float64) for a in (px, py, pz))
    inside = (
        (px >= x[0] - EPS) & (px <= x[-1] + EPS)
        & (py >= y[0] - EPS) & (py <= y[-1] + EPS)
        & (pz >= z[0] - EPS) & (pz <= z[-1] + EPS)
    )
    i0, i1, fx = _axis(x, px, uniform=True)
    j0, j1, fy = _axis(y, py, uniform=True)
    k0, k1, fz = _axis(z, pz, uniform=False)
    c00 = dose[k0, j0, i0] * (1 - fx) + dose[k0, j0, i1] * fx
    c01 = dose[k0, j1, i0] * (1 - fx) + dose[k0, j1, i1] * fx
    c10 = dose[k1, j0, i0] * (1 - fx) + dose[k1, j0, i1] * fx
    c11 = dose[k1, j1, i0] * (1 - fx) + dose[k1, j1, i1] * fx
    value = (c00 * (1 - fy) + c01 * fy) * (1 - fz) + (c10 * (1 - fy) + c11 * fy) * fz
    return np.where(inside, value, 0.0), inside
