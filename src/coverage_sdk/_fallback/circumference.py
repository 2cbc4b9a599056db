"""Twin of ext/_circumference.pyx: the same functions, the same floating-point operations in the same order.

Sums are taken with ``np.cumsum`` (sequential, like the C loops) so that areas, centroids and
arc lengths are bit-identical to the kernel's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from coverage_sdk._fallback.interp import trilinear

AREA_EPS = 1e-12
NORMAL_EPS = 1e-12


def _edges(pts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    following = np.roll(pts, -1, axis=0)
    dx = following[:, 0] - pts[:, 0]
    dy = following[:, 1] - pts[:, 1]
    return dx, dy, np.sqrt(dx * dx + dy * dy)


def _outline(pts: np.ndarray) -> tuple[float, float, float, float, int]:
    """Twice the signed area, area centroid (x, y), perimeter and non-zero edge count."""
    if len(pts) == 0:
        return 0.0, 0.0, 0.0, 0.0, 0
    dx, dy, length = _edges(pts)
    x0, y0 = pts[0, 0], pts[0, 1]
    xi, yi = pts[:, 0] - x0, pts[:, 1] - y0
    xn, yn = np.roll(xi, -1), np.roll(yi, -1)
    cross = xi * yn - xn * yi
    area2 = np.cumsum(cross)[-1]
    cx, cy = x0, y0
    if area2 != 0.0:
        cx = x0 + np.cumsum((xi + xn) * cross)[-1] / (3.0 * area2)
        cy = y0 + np.cumsum((yi + yn) * cross)[-1] / (3.0 * area2)
    edges = int(np.count_nonzero(length > 0.0))
    return float(area2), float(cx), float(cy), float(np.cumsum(length)[-1]), edges


def _usable(outline: tuple[float, float, float, float, int]) -> bool:
    area2, _, _, length, edges = outline
    return edges >= 3 and abs(area2) > AREA_EPS * length * length


def _sample(pts: np.ndarray, outline: tuple[float, float, float, float, int], depth: float, samples: int) -> np.ndarray:
    area2, cx, cy, length, _ = outline
    side = 1.0 if area2 > 0.0 else -1.0
    m = len(pts)
    dx, dy, edge = _edges(pts)
    cum = np.concatenate(([0.0], np.cumsum(edge)[:-1]))
    nz = np.flatnonzero(edge > 0.0)
    prev = np.roll(nz, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        nx = -side * (dy[nz] / edge[nz])
        ny = side * (dx[nz] / edge[nz])
        px = dx[prev] / edge[prev]
        py = dy[prev] / edge[prev]
        bx = -side * py + nx
        by = side * px + ny
        bl = np.sqrt(bx * bx + by * by)
        turn = bl > NORMAL_EPS
        vnx = np.zeros(m)
        vny = np.zeros(m)
        vnx[nz] = np.where(turn, bx / bl, -px)
        vny[nz] = np.where(turn, by / bl, -py)
        nxt = np.zeros(m, dtype=np.int64)
        nxt[nz] = np.roll(nz, -1)

        s = (np.arange(samples) + 0.5) * length / samples
        j = np.clip(np.searchsorted(cum, s, side="right") - 1, 0, m - 1)
        edx, edy, el = dx[j], dy[j], edge[j]
        moving = el > 0.0
        u = np.where(moving, (s - cum[j]) / el, 0.0)
        e = nxt[j]
        wx = (1.0 - u) * vnx[j] + u * vnx[e]
        wy = (1.0 - u) * vny[j] + u * vny[e]
        wl = np.sqrt(wx * wx + wy * wy)
        smooth = wl > NORMAL_EPS
        ux = np.where(moving, np.where(smooth, wx / wl, -side * (edy / el)), 0.0)
        uy = np.where(moving, np.where(smooth, wy / wl, side * (edx / el)), 0.0)
    qx = pts[j, 0] + u * edx
    qy = pts[j, 1] + u * edy
    tx = cx - qx
    ty = cy - qy
    dist = np.sqrt(tx * tx + ty * ty)
    t = np.where(depth <= dist, depth, dist)
    return np.column_stack((qx + t * ux, qy + t * uy))


def cortex_points(contour: NDArray[np.float64], depth: float, samples: int) -> NDArray[np.float64]:
    """The ``(samples, 2)`` sample points of one contour; ValueError if the contour is degenerate."""
    contour = np.ascontiguousarray(contour, dtype=np.float64)
    outline = _outline(contour)
    if samples < 1 or not _usable(outline):
        raise ValueError("degenerate contour: fewer than 3 distinct points or zero area")
    return _sample(contour, outline, float(depth), int(samples))


def plane_fractions(
    points: NDArray[np.float64], offsets: NDArray[np.int64], plane_start: NDArray[np.int64],
    plane_z: NDArray[np.float64], dose: NDArray[np.floating[Any]], x: NDArray[np.float64], y: NDArray[np.float64],
    z: NDArray[np.float64], threshold: float, depth: float, samples: int,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Per plane: ``hits``, ``outside``, ``outer`` and ``skipped`` as in the kernel."""
    n_planes = len(plane_z)
    hits, outside, outer, skipped = (np.zeros(n_planes, dtype=np.int64) for _ in range(4))
    for p in range(n_planes):
        best, best_area, chosen = -1, 0.0, None
        for c in range(plane_start[p], plane_start[p + 1]):
            outline = _outline(points[offsets[c] : offsets[c + 1]])
            if not _usable(outline):
                skipped[p] += 1
                continue
            if best < 0 or abs(outline[0]) > best_area:
                best, best_area, chosen = c, abs(outline[0]), outline
        outer[p] = best
        if chosen is None:
            continue
        q = _sample(points[offsets[best] : offsets[best + 1]], chosen, float(depth), int(samples))
        value, inside = trilinear(dose, x, y, z, q[:, 0], q[:, 1], np.full(len(q), plane_z[p]))
        hits[p] = np.count_nonzero(value >= threshold)
        outside[p] = np.count_nonzero(~inside)
    return hits, outside, outer, skipped
