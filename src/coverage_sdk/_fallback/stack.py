"""Twin of ext/_stack.pyx: the sub-slabs of ``VolumeConvention.INTERPOLATED`` with numpy.

The method is described in :mod:`coverage_sdk.dose.interpolation`, which validates the
structure and passes the tolerances. :func:`interpolate` returns the new stack's ``(points,
offsets, plane_offsets, lo, hi)``, or None where the planes' own slabs are the stack.
"""

from __future__ import annotations

import math

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]

_GAUSS_T = 0.5 + 0.5 * np.array([-math.sqrt(3 / 5), 0.0, math.sqrt(3 / 5)])
_GAUSS_W = np.array([5 / 18, 8 / 18, 5 / 18])
_END_T = np.concatenate((np.linspace(0.0, 1.0, 33), np.linspace(1.0, 8.0, 15)[1:]))
_OTHERS = ~np.eye(4, dtype=bool)


def _step(a: np.ndarray) -> np.ndarray:
    """``np.diff`` of a 1-d array without its per-call overhead."""
    return a[1:] - a[:-1]


def _areas(points: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Absolute area of every contour (mm2)."""
    sizes = _step(offsets)
    area = np.zeros(sizes.size)
    live = np.flatnonzero(sizes > 0)
    if live.size == 0:
        return area
    x, y = points[:, 0], points[:, 1]
    cross = np.empty(x.size)
    cross[:-1] = x[:-1] * y[1:] - x[1:] * y[:-1]
    first, last = offsets[live], offsets[live + 1] - 1
    cross[last] = x[last] * y[first] - x[first] * y[last]
    area[live] = np.abs(np.add.reduceat(cross, first)) / 2
    return area


def _moments(points: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per contour of non-zero area: area centroid (n, 2) and central second moments of the
    area per unit area (n, 3: xx, xy, yy), in mm and mm2."""
    first = offsets[:-1]
    base = points[first]
    p = points - np.repeat(base, _step(offsets), axis=0)
    q = np.empty_like(p)
    q[:-1] = p[1:]
    q[offsets[1:] - 1] = p[first]
    cross = p[:, 0] * q[:, 1] - q[:, 0] * p[:, 1]
    s = p + q
    terms = np.empty((p.shape[0], 6))
    terms[:, 0] = cross
    terms[:, 1:3] = s * cross[:, None]
    terms[:, 3:6:2] = (p * p + p * q + q * q) * cross[:, None]
    terms[:, 4] = (s[:, 0] * s[:, 1] + p[:, 0] * p[:, 1] + q[:, 0] * q[:, 1]) * cross
    sums = np.add.reduceat(terms, first)
    a = sums[:, 0] / 2
    c = sums[:, 1:3] / (6 * a[:, None])
    second = np.column_stack((
        sums[:, 3] / (12 * a) - c[:, 0] ** 2, sums[:, 4] / (24 * a) - c[:, 0] * c[:, 1], sums[:, 5] / (12 * a) - c[:, 1] ** 2
    ))
    return c + base, second


def _eig(xx: np.ndarray, xy: np.ndarray, yy: np.ndarray):
    """Eigenvalues (low, high) of symmetric 2 x 2 matrices and the angle of the high one's axis."""
    r = np.hypot((xx - yy) / 2, xy)
    return (xx + yy) / 2 - r, (xx + yy) / 2 + r, 0.5 * np.arctan2(2 * xy, xx - yy)


def _matrix(low: np.ndarray, high: np.ndarray, angle: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    cos, sin = np.cos(angle), np.sin(angle)
    return high * cos**2 + low * sin**2, (high - low) * cos * sin, high * sin**2 + low * cos**2


def _ranges(starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """The integers of every range ``[starts[i], starts[i] + sizes[i])``, in order."""
    total = int(sizes.sum())
    return np.repeat(starts - (np.cumsum(sizes) - sizes), sizes) + np.arange(total)


def interpolate(
    points: Floats, offsets: Ints, plane_offsets: Ints, plane_z: Floats, lo: Floats, hi: Floats,
    max_subslabs: int, end_subslabs: int, volume_tolerance: float, gap_tolerance: float,
    flat_tolerance: float, max_growth: float, zero: float,
) -> tuple[Floats, Ints, Ints, Floats, Floats] | None:
    """The stack of the contours ``points[offsets[c]:offsets[c + 1]]`` on the two or more planes
    ``plane_offsets`` at ``plane_z`` (slabs ``[lo, hi]``) with sub-slabs, or None without any."""
    tolerances = _Tolerances(max_subslabs, end_subslabs, volume_tolerance, gap_tolerance, flat_tolerance, max_growth, zero)
    return _Interpolation(points, offsets, plane_offsets, plane_z, lo, hi, tolerances).stack()


class _Tolerances(NamedTuple):
    max_subslabs: int
    end_subslabs: int
    volume: float
    gap: float
    flat: float
    max_growth: float
    zero: float


class _Interpolation:
    """Builds the stack of one structure under ``VolumeConvention.INTERPOLATED``."""

    def __init__(self, points, offsets, plane_offsets, plane_z, lo, hi, tolerances: _Tolerances) -> None:
        self.points, self.offsets, self.plane_offsets, self.z, self.lo, self.hi = points, offsets, plane_offsets, plane_z, lo, hi
        self.tol = tolerances
        self.area = np.add.reduceat(_areas(points, offsets), plane_offsets[:-1])
        self.usable = (_step(plane_offsets) == 1) & (self.area > 0)
        self.volume = float(np.sum(self.area * (hi - lo)))
        n = plane_z.size
        self.centre, self.second, self.root = np.zeros((n, 2)), np.zeros((n, 3)), np.zeros((n, 3))
        self.major = np.zeros(n)
        self.known = np.zeros(n, dtype=bool)

    def moments(self, planes: np.ndarray) -> None:
        """Centroid, second moments and their square root for the one-contour ``planes``."""
        wanted = np.zeros(self.z.size, dtype=bool)
        wanted[planes[(planes >= 0) & (planes < self.z.size)]] = True
        planes = np.flatnonzero(wanted & self.usable & ~self.known)
        if planes.size == 0:
            return
        first = self.plane_offsets[planes]
        starts, stops = self.offsets[first], self.offsets[first + 1]
        index = _ranges(starts, stops - starts)
        centre, second = _moments(self.points[index], np.concatenate(([0], np.cumsum(stops - starts))))
        low, high, angle = _eig(second[:, 0], second[:, 1], second[:, 2])
        root = np.column_stack(_matrix(np.sqrt(np.maximum(low, 0.0)), np.sqrt(np.maximum(high, 0.0)), angle))
        self.centre[planes], self.second[planes], self.root[planes] = centre, second, root
        self.major[planes] = np.sqrt(np.maximum(high, 0.0))
        self.known[planes] = True
        self.usable[planes] &= low > 0

    def axes(self, nodes: np.ndarray, at: np.ndarray):
        """(low, high, angle) of the section's axes at ``at`` (R, P) interpolated through the
        planes ``nodes`` (R, 4; -1 where absent): the square root of the moments linear
        through two planes, the moments' Lagrange polynomial through more; axes clipped to
        ``[0, max_growth x the largest fitted]``."""
        present = nodes >= 0
        index = np.where(present, nodes, 0)
        z = self.z[index]
        two = present.sum(axis=1) == 2
        valid = present[:, :, None] & present[:, None, :] & _OTHERS
        gap = np.where(valid, z[:, :, None] - z[:, None, :], 1.0)
        factor = np.where(valid[:, None], (at[:, :, None, None] - z[:, None, None, :]) / gap[:, None], 1.0)
        weights = factor.prod(axis=3) * present[:, None, :]
        values = np.where(two[:, None, None], self.root[index], self.second[index])
        m = np.matmul(weights, values)
        low, high, angle = _eig(m[..., 0], m[..., 1], m[..., 2])
        low, high = np.maximum(low, 0.0), np.maximum(high, 0.0)
        low, high = np.where(two[:, None], low, np.sqrt(low)), np.where(two[:, None], high, np.sqrt(high))
        top = self.tol.max_growth * np.where(present, self.major[index], 0.0).max(axis=1)[:, None]
        return np.minimum(low, top), np.minimum(high, top), angle

    def gap_estimates(self) -> np.ndarray:
        """Per gap, the slabs' relative volume error ``L**2 |A''| / (6 (A_k + A_k+1))``."""
        z, area = self.z, self.area
        gap = _step(z)
        if z.size < 3:
            return np.zeros(gap.size)
        second = np.zeros(z.size)
        second[1:-1] = _step(_step(area) / gap) / ((z[2:] - z[:-2]) / 2)
        second[0], second[-1] = second[1], second[-2]
        return gap**2 * np.abs(second[:-1] + second[1:]) / (12 * np.maximum(area[:-1] + area[1:], 1e-300))

    def ends(self, wanted: list[list[int]]) -> list[tuple[int, float, np.ndarray]]:
        """Per extrapolated end (planes from the end inwards in ``wanted``): (end plane, signed
        length beyond it, fitted planes (4, -1 padded))."""
        rows = []
        for order in wanted:
            fitted = []
            for k in order:
                if not self.usable[k]:
                    break
                fitted.append(k)
            if len(fitted) == 3 and abs(abs(self.z[order[2]] - self.z[order[1]]) / abs(self.z[order[1]] - self.z[order[0]]) - 1) > 0.1:
                fitted.pop()
            if len(fitted) >= 2:
                rows.append((order[0], order[1], sorted(fitted) + [-1] * (4 - len(fitted))))
        if not rows:
            return []
        nodes = np.array([r[2] for r in rows])
        plane, inner = np.array([r[0] for r in rows]), np.array([r[1] for r in rows])
        step = self.z[plane] - self.z[inner]
        low, high, _ = self.axes(nodes, self.z[plane][:, None] + step[:, None] * _END_T)
        size = low * high
        result = []
        for r in range(len(rows)):
            s, zero = abs(step[r]), np.flatnonzero(size[r] <= self.tol.zero * size[r, 0])
            if zero.size:
                i, a = zero[0], self.tol.zero * size[r, 0]
                t0 = _END_T[i - 1] + (_END_T[i] - _END_T[i - 1]) * (size[r, i - 1] - a) / (size[r, i - 1] - size[r, i])
                length = s * (t0 if t0 <= 1 else 0.5 + 0.5 / t0)
            elif np.all(np.abs(size[r, _END_T <= 0.5] / size[r, 0] - 1) <= self.tol.flat):
                continue
            else:
                length = s / 2
            result.append((int(plane[r]), math.copysign(length, step[r]), nodes[r]))
        return result

    def stack(self) -> tuple[Floats, Ints, Ints, Floats, Floats] | None:
        n, z, usable, tol = self.z.size, self.z, self.usable, self.tol
        estimate = self.gap_estimates()
        gaps = np.flatnonzero(usable[:-1] & usable[1:] & (estimate > tol.gap))
        gap_volume = _step(z)[gaps] * (self.area[gaps] + self.area[gaps + 1]) / 2
        if np.sum(estimate[gaps] * gap_volume) <= tol.volume * self.volume:
            gaps = gaps[:0]
        wanted = [
            order
            for order in ([0, 1, 2][:n], [n - 1, n - 2, n - 3][:n])
            if abs(self.area[order[0]] - self.area[order[1]]) * abs(z[order[0]] - z[order[1]]) / 2
            > tol.volume * self.volume
        ]
        if gaps.size == 0 and not wanted:
            return None
        self.moments(np.concatenate([gaps + d for d in (-1, 0, 1, 2)] + [np.array(o) for o in wanted]))
        gaps = gaps[usable[gaps] & usable[gaps + 1]]
        ends = self.ends(wanted)
        if gaps.size == 0 and not ends:
            return None
        lo, hi = self.lo.copy(), self.hi.copy()
        # the gaps' sub-slabs [a, b], their fitted planes, nearest plane and centre
        m = np.clip(np.ceil(np.sqrt(estimate[gaps] / tol.gap)), 2, tol.max_subslabs).astype(np.int64)
        h = (z[gaps + 1] - z[gaps]) / m
        hi[gaps], lo[gaps + 1] = z[gaps] + h * 0.5, z[gaps] + h * (m - 0.5)
        owner = np.repeat(np.arange(gaps.size), m - 1)
        j = np.arange(owner.size) - np.repeat(np.cumsum(m - 1) - (m - 1), m - 1)
        k = gaps[owner]
        a = z[k] + h[owner] * (0.5 + j)
        b = z[k] + h[owner] * (1.5 + j)
        f = (a + h[owner] / 2 - z[k]) / (z[k + 1] - z[k])
        nearest = np.where(f < 0.5, k, k + 1)
        centre = self.centre[k] + f[:, None] * (self.centre[k + 1] - self.centre[k])
        before = np.where((k > 0) & usable[np.maximum(k - 1, 0)], k - 1, -1)
        after = np.where((k + 2 < n) & usable[np.minimum(k + 2, n - 1)], k + 2, -1)
        nodes = np.column_stack((before, k, k + 1, after))
        if ends:
            plane = np.array([e[0] for e in ends])
            length = np.array([e[1] for e in ends])
            edges = z[plane][:, None] + length[:, None] * np.append((0.5 + np.arange(tol.end_subslabs)) / tol.end_subslabs, 1.0)
            hi[plane[length > 0]] = edges[length > 0, 0]
            lo[plane[length <= 0]] = edges[length <= 0, 0]
            a = np.concatenate((a, np.minimum(edges[:, :-1], edges[:, 1:]).ravel()))
            b = np.concatenate((b, np.maximum(edges[:, :-1], edges[:, 1:]).ravel()))
            nodes = np.concatenate((nodes, np.repeat([e[2] for e in ends], tol.end_subslabs, axis=0)))
            nearest = np.concatenate((nearest, np.repeat(plane, tol.end_subslabs)))
            centre = np.concatenate((centre, np.repeat(self.centre[plane], tol.end_subslabs, axis=0)))
        at = np.column_stack((a[:, None] + (b - a)[:, None] * _GAUSS_T, (a + b) / 2))
        low, high, angle = self.axes(nodes, at)
        size = (low[:, :3] * high[:, :3]) @ _GAUSS_W
        root = self.root[nearest]
        det = root[:, 0] * root[:, 2] - root[:, 1] ** 2
        largest = tol.max_growth * np.where(nodes >= 0, self.area[nodes], 0.0).max(axis=1)
        size *= np.minimum(1.0, largest / np.maximum(self.area[nearest] * size / det, 1e-300))
        keep = (size > 0) & (high[:, 3] > 0)
        a, b, nearest, centre, size = a[keep], b[keep], nearest[keep], centre[keep], size[keep]
        t0, t1, t2 = _matrix(size / high[keep, 3], high[keep, 3], angle[keep, 3])
        root, det = root[keep], det[keep]
        r0, r1, r2 = root[:, 2] / det, -root[:, 1] / det, root[:, 0] / det
        contour = self.plane_offsets[nearest]
        sizes = self.offsets[contour + 1] - self.offsets[contour]
        owner = np.repeat(np.arange(nearest.size), sizes)
        d = self.points[_ranges(self.offsets[contour], sizes)] - self.centre[nearest][owner]
        dx, dy = d[:, 0], d[:, 1]
        m00, m01 = (t0 * r0 + t1 * r1)[owner], (t0 * r1 + t1 * r2)[owner]
        m10, m11 = (t1 * r0 + t2 * r1)[owner], (t1 * r1 + t2 * r2)[owner]
        new = centre[owner] + np.column_stack((m00 * dx + m01 * dy, m10 * dx + m11 * dy))
        return _assemble(self.points, self.offsets, self.plane_offsets, lo, hi, new, sizes, a, b)


def _assemble(
    old_points, old_offsets, plane_offsets, lo, hi, new_points, new_sizes, new_lo, new_hi
) -> tuple[Floats, Ints, Ints, Floats, Floats]:
    """The structure's planes over ``[lo, hi]`` and one new contour per sub-slab ``[new_lo,
    new_hi]`` (``new_points`` in order, ``new_sizes`` each), ordered along z."""
    n_old = old_offsets.size - 1
    slab_lo = np.concatenate((lo, new_lo))
    order = np.argsort(slab_lo, kind="stable")
    counts = np.concatenate((_step(plane_offsets), np.ones(new_lo.size, dtype=np.int64)))
    first = np.concatenate((plane_offsets[:-1], n_old + np.arange(new_lo.size)))
    contours = _ranges(first[order], counts[order])
    starts = np.concatenate((old_offsets[:-1], old_points.shape[0] + np.concatenate(([0], np.cumsum(new_sizes)[:-1]))))
    sizes = np.concatenate((_step(old_offsets), new_sizes))
    points = np.concatenate((old_points, new_points))[_ranges(starts[contours], sizes[contours])]
    return (
        points,
        np.concatenate(([0], np.cumsum(sizes[contours]))),
        np.concatenate(([0], np.cumsum(counts[order]))),
        slab_lo[order],
        np.concatenate((hi, new_hi))[order],
    )
