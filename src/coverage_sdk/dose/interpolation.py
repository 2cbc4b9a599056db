"""The solid a stack of planar contours stands for, as thin slabs the dose kernels integrate.

A structure set gives sections on planes only; what lies between and beyond them is a
convention (:class:`Convention`). Under the default, ``INTERPOLATED``, each contour plane is
a slab reaching half-way to its neighbours (Nelms et al., Med Phys 2015), and where the
section changes quickly along z the gap between two planes, and the space beyond each end
plane, is filled with thinner slabs whose sections are interpolated:

- **Sections.** A plane takes part when it holds one contour. Its section is summed up by its
  area centroid ``c`` and the second moments ``C`` of its area about ``c`` (a 2 x 2 matrix;
  ``C = diag(a**2, b**2) / 4`` for an ellipse of half-axes ``a, b``). Along z, ``C`` is
  interpolated entry by entry through the contiguous one-contour planes among the two before
  and the two after a gap (Lagrange, up to cubic); with only the gap's two planes its square
  root is linear (each axis of the section changes linearly, as a frustum's). ``c`` is linear.
  A sub-slab's section is the nearest plane's contour mapped by the affine map that takes
  that plane's ``(c, C)`` to the interpolated ones, scaled so that its area is the mean area
  over the sub-slab (3-point Gauss). This is exact for spheres, cones and cylinders along z
  (``C`` quadratic in z) and for cylinders lying across the slices (one axis constant, the
  other's square quadratic).
- **Which gaps.** Slabs miss a gap's volume by about ``L**3 |A''| / 12`` (``L`` the gap,
  ``A''`` the second difference of plane areas). A gap is cut into ``m`` sub-slabs, ``m`` the
  smallest that brings this estimate under ``VOLUME_TOLERANCE`` of the structure's volume
  shared equally between gaps (at most ``MAX_SUBSLABS``), so slowly varying structures keep
  their plain slabs.
- **Ends.** Beyond an end plane the section follows the trend of the last planes (the same
  interpolant through up to three one-contour planes, extrapolated; axes at most
  ``MAX_GROWTH`` times the largest fitted). Let ``t0`` be where an axis shrinks to zero and
  ``s`` the last spacing. The structure ends at ``t0`` when ``t0 <= s`` (the next plane holds
  no contour, so it cannot reach further: a sphere's or a lying cylinder's ``sqrt`` profile,
  a cone's tip), else at ``s (1/2 + s / (2 t0))``: half a spacing when the section does not
  shrink (a flat end: the slab convention's end cap), continuous in ``t0``. An end whose area
  stays within ``FLAT_TOLERANCE`` of the end plane's over that half spacing, or that has fewer
  than two one-contour planes, keeps the plain half-spacing cap.

``SLABS`` is the slab convention alone (end caps of half a spacing, no interpolation) and
``PLANNING_SYSTEM`` stops at the end planes without interpolating, as the planning system of
the breast example does for its stored DVHs. A structure on a single plane is a slab of the
dose grid's plane spacing there under every convention.
"""

from __future__ import annotations

import enum
import math

import attrs
import numpy as np

from coverage_sdk.dose.geometry import Structure

MAX_SUBSLABS = 3
END_SUBSLABS = 1
VOLUME_TOLERANCE = 5e-3
FLAT_TOLERANCE = 0.01
MAX_GROWTH = 2.0
ZERO = 1e-4

_GAUSS_T = 0.5 + 0.5 * np.array([-math.sqrt(3 / 5), 0.0, math.sqrt(3 / 5)])
_GAUSS_W = np.array([5 / 18, 8 / 18, 5 / 18])
_END_T = np.concatenate((np.linspace(0.0, 1.0, 257), np.linspace(1.0, 8.0, 57)[1:]))


class Convention(enum.Enum):
    """What the contour planes stand for between and beyond themselves."""

    INTERPOLATED = "interpolated"
    SLABS = "slabs"
    PLANNING_SYSTEM = "planning-system"


@attrs.frozen(eq=False)
class Stack:
    """Contours as the kernels take them: contour ``c`` is ``points[offsets[c]:offsets[c + 1]]``,
    plane ``p`` holds contours ``plane_offsets[p]:plane_offsets[p + 1]`` and stands for the slab
    ``[lo[p], hi[p]]`` (mm); slabs are in increasing z and touch where the solid continues."""

    points: np.ndarray
    offsets: np.ndarray
    plane_offsets: np.ndarray
    lo: np.ndarray
    hi: np.ndarray


def _locked(array, dtype: type) -> np.ndarray:
    array = np.require(array, dtype=dtype, requirements="C")
    array.flags.writeable = False
    return array


def stack(structure: Structure, grid_z: np.ndarray, convention: Convention) -> Stack:
    """The slabs ``structure`` stands for under ``convention``; ``grid_z`` (the dose grid's
    plane positions) gives a single-plane structure its thickness."""
    plane_offsets = structure.plane_starts()
    plane_z = structure.z[plane_offsets[:-1]]
    if plane_z.size == 1:
        k = min(max(int(np.searchsorted(grid_z, plane_z[0])), 1), grid_z.size - 1)
        half = (grid_z[k] - grid_z[k - 1]) / 2
        return _plain(structure, plane_offsets, plane_z - half, plane_z + half)
    mid = (plane_z[1:] + plane_z[:-1]) / 2
    caps = convention is not Convention.PLANNING_SYSTEM
    lo = np.concatenate(([plane_z[0] - (mid[0] - plane_z[0] if caps else 0.0)], mid))
    hi = np.concatenate((mid, [plane_z[-1] + (plane_z[-1] - mid[-1] if caps else 0.0)]))
    if convention is not Convention.INTERPOLATED:
        return _plain(structure, plane_offsets, lo, hi)
    return _Interpolation(structure, plane_offsets, plane_z, lo, hi).stack()


def _plain(structure: Structure, plane_offsets: np.ndarray, lo, hi) -> Stack:
    return Stack(structure.points, structure.offsets, plane_offsets, _locked(lo, np.float64), _locked(hi, np.float64))


def _areas(points: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Absolute area of every contour (mm2)."""
    sizes = np.diff(offsets)
    area = np.zeros(sizes.size)
    live = sizes > 0
    if not live.any():
        return area
    x, y = points[:, 0], points[:, 1]
    nxt = np.arange(1, x.size + 1)
    nxt[offsets[1:][live] - 1] = offsets[:-1][live]
    area[live] = np.abs(np.add.reduceat(x * y[nxt] - x[nxt] * y, offsets[:-1][live])) / 2
    return area


def _moments(points: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per contour: absolute area (mm2), area centroid (n, 2) and central second moments per
    unit area (n, 3: xx, xy, yy). Degenerate contours have area 0."""
    sizes = np.diff(offsets)
    n = sizes.size
    area, centre, second = np.zeros(n), np.zeros((n, 2)), np.zeros((n, 3))
    live = np.flatnonzero(sizes > 0)
    if live.size == 0:
        return area, centre, second
    owner = np.repeat(np.arange(n), sizes)
    nxt = np.arange(1, points.shape[0] + 1)
    nxt[offsets[1:][sizes > 0] - 1] = offsets[:-1][sizes > 0]
    origin = points[offsets[:-1][live]]
    base = np.zeros((n, 2))
    base[live] = origin
    p = points - base[owner]
    q = points[nxt] - base[owner]
    x0, y0, x1, y1 = p[:, 0], p[:, 1], q[:, 0], q[:, 1]
    cross = x0 * y1 - x1 * y0
    starts = offsets[:-1][live]
    sums = np.add.reduceat(
        np.column_stack((
            cross,
            (x0 + x1) * cross,
            (y0 + y1) * cross,
            (x0 * x0 + x0 * x1 + x1 * x1) * cross,
            (x0 * y1 + 2 * x0 * y0 + 2 * x1 * y1 + x1 * y0) * cross,
            (y0 * y0 + y0 * y1 + y1 * y1) * cross,
        )),
        starts,
    )
    a = sums[:, 0] / 2
    ok = np.abs(a) > 0
    safe = np.where(ok, a, 1.0)
    cx, cy = sums[:, 1] / (6 * safe), sums[:, 2] / (6 * safe)
    xx, xy, yy = sums[:, 3] / (12 * safe) - cx**2, sums[:, 4] / (24 * safe) - cx * cy, sums[:, 5] / (12 * safe) - cy**2
    area[live] = np.where(ok, np.abs(a), 0.0)
    centre[live] = np.column_stack((cx, cy)) + origin
    second[live] = np.where(ok[:, None], np.column_stack((xx, xy, yy)), 0.0)
    return area, centre, second


def _eig(m: np.ndarray):
    """Eigenvalues (low, high) and the angle of the high one's axis of symmetric 2 x 2
    matrices stored as (..., 3) = (xx, xy, yy)."""
    a, b, c = m[..., 0], m[..., 1], m[..., 2]
    r = np.hypot((a - c) / 2, b)
    return (a + c) / 2 - r, (a + c) / 2 + r, 0.5 * np.arctan2(2 * b, a - c)


def _compose(low: np.ndarray, high: np.ndarray, angle: np.ndarray) -> np.ndarray:
    cos, sin = np.cos(angle), np.sin(angle)
    return np.stack((high * cos**2 + low * sin**2, (high - low) * cos * sin, high * sin**2 + low * cos**2), axis=-1)


def _sqrt(m: np.ndarray) -> np.ndarray:
    low, high, angle = _eig(m)
    return _compose(np.sqrt(np.maximum(low, 0.0)), np.sqrt(np.maximum(high, 0.0)), angle)


def _lagrange(nodes: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Weights (len(at), len(nodes)) of the Lagrange polynomial through ``nodes`` at ``at``."""
    w = np.ones((at.size, nodes.size))
    for a in range(nodes.size):
        for b in range(nodes.size):
            if a != b:
                w[:, a] *= (at - nodes[b]) / (nodes[a] - nodes[b])
    return w


def _axes(zs: np.ndarray, second: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Square roots of the second moments (len(at), 3) at ``at`` from those of planes at ``zs``:
    linear through two planes, the moments' Lagrange polynomial through more; axes clipped to
    ``[0, MAX_GROWTH x the largest fitted]``."""
    w = _lagrange(zs, at)
    low, high, angle = _eig(w @ _sqrt(second) if zs.size == 2 else _sqrt(w @ second))
    top = MAX_GROWTH * float(_eig(_sqrt(second))[1].max())
    return _compose(np.clip(low, 0.0, top), np.clip(high, 0.0, top), angle)


def _det(m: np.ndarray) -> np.ndarray:
    return m[..., 0] * m[..., 2] - m[..., 1] ** 2


class _Interpolation:
    """Builds the stack of one structure under ``Convention.INTERPOLATED``."""

    def __init__(self, structure: Structure, plane_offsets, plane_z, lo, hi) -> None:
        self.structure, self.plane_offsets, self.z, self.lo, self.hi = structure, plane_offsets, plane_z, lo, hi
        self.area = np.add.reduceat(_areas(structure.points, structure.offsets), plane_offsets[:-1])
        self.usable = (np.diff(plane_offsets) == 1) & (self.area > 0)
        n = plane_z.size
        self.centre, self.second, self.root = np.zeros((n, 2)), np.zeros((n, 3)), np.zeros((n, 3))
        self.known = np.zeros(n, dtype=bool)

    def moments(self, planes: np.ndarray) -> None:
        """Centroid and second moments of the one-contour ``planes`` (computed once)."""
        planes = np.unique(planes[(planes >= 0) & (planes < self.z.size)])
        planes = planes[self.usable[planes] & ~self.known[planes]]
        if planes.size == 0:
            return
        s, first = self.structure, self.plane_offsets[planes]
        starts, stops = s.offsets[first], s.offsets[first + 1]
        index = np.concatenate([np.arange(a, b) for a, b in zip(starts, stops)])
        _, centre, second = _moments(s.points[index], np.concatenate(([0], np.cumsum(stops - starts))))
        self.centre[planes], self.second[planes], self.root[planes] = centre, second, _sqrt(second)
        self.known[planes] = True
        self.usable[planes] &= _det(self.root[planes]) > 0

    def contours(self, k: int) -> list[np.ndarray]:
        s = self.structure
        return [s.points[s.offsets[c] : s.offsets[c + 1]] for c in range(self.plane_offsets[k], self.plane_offsets[k + 1])]

    def subslabs(self) -> np.ndarray:
        """Sub-slabs per gap (1 = plain slabs), from the slab error estimate."""
        z, area = self.z, self.area
        gap = np.diff(z)
        m = np.ones(gap.size, dtype=np.int64)
        if z.size < 3:
            return m
        second = np.zeros(z.size)
        second[1:-1] = np.diff(np.diff(area) / gap) / ((z[2:] - z[:-2]) / 2)
        second[0], second[-1] = second[1], second[-2]
        estimate = gap**3 * (second[:-1] + second[1:]) / 24
        volume = float(np.sum(area * (self.hi - self.lo)))
        if abs(estimate.sum()) <= VOLUME_TOLERANCE * volume:
            return m
        candidates = np.flatnonzero(self.usable[:-1] & self.usable[1:])
        self.moments(np.concatenate([candidates + d for d in (-1, 0, 1, 2)]))
        budget = VOLUME_TOLERANCE * volume / gap.size
        m[candidates] = np.clip(np.ceil(np.sqrt(np.abs(estimate[candidates]) / budget)), 1, MAX_SUBSLABS)
        m[~(self.usable[:-1] & self.usable[1:])] = 1
        return m

    def sections(self, ks: list[int], edges: np.ndarray, centres: np.ndarray, nearest: np.ndarray) -> list[np.ndarray]:
        """The contours of the sub-slabs between ``edges`` (increasing), centred on ``centres``,
        each a mapped copy of plane ``nearest[i]``, with moments interpolated through ``ks``."""
        zs, second = self.z[ks], self.second[ks]
        mids = (edges[:-1] + edges[1:]) / 2
        gauss = (edges[:-1, None] + np.diff(edges)[:, None] * _GAUSS_T).ravel()
        size = _det(_axes(zs, second, gauss)).reshape(mids.size, _GAUSS_T.size) @ _GAUSS_W
        low, high, angle = _eig(_axes(zs, second, mids))
        target = _compose(size / np.maximum(high, 1e-300), high, angle)
        result = []
        for i, k in enumerate(nearest):
            if size[i] <= 0 or high[i] <= 0:
                continue
            root, t = self.root[k], target[i]
            inverse = np.array([[root[2], -root[1]], [-root[1], root[0]]]) / _det(root)
            mapping = np.array([[t[0], t[1]], [t[1], t[2]]]) @ inverse
            (xy,) = self.contours(int(k))
            result.append((i, centres[i] + (xy - self.centre[k]) @ mapping.T))
        return result

    def gap(self, k: int, m: int):
        """Boundaries and sections of the ``m - 1`` interpolated sub-slabs of gap ``k``."""
        n = self.z.size
        ks = [k - 1] * (k > 0 and bool(self.usable[k - 1])) + [k, k + 1]
        ks += [k + 2] * (k + 2 < n and bool(self.usable[k + 2]))
        h = (self.z[k + 1] - self.z[k]) / m
        edges = self.z[k] + h / 2 + h * np.arange(m)
        mids = (edges[:-1] + edges[1:]) / 2
        f = ((mids - self.z[k]) / (self.z[k + 1] - self.z[k]))[:, None]
        centres = self.centre[k] + f * (self.centre[k + 1] - self.centre[k])
        nearest = np.where(f[:, 0] < 0.5, k, k + 1)
        return edges, self.sections(ks, edges, centres, nearest)

    def end(self, top: bool):
        """(boundaries from the end plane outwards, sections) beyond an end plane, or None."""
        n = self.z.size
        order = [n - 1, n - 2, n - 3] if top else [0, 1, 2]
        self.moments(np.array(order[: min(3, n)]))
        ks = []
        for k in order[: min(3, n)]:
            if not self.usable[k]:
                break
            ks.append(k)
        if len(ks) < 2:
            return None
        ks.sort()
        plane = order[0]
        s, sign = abs(self.z[order[0]] - self.z[order[1]]), 1.0 if top else -1.0
        size = _det(_axes(self.z[ks], self.second[ks], self.z[plane] + sign * s * _END_T))
        size0 = size[0]
        zero = np.flatnonzero(size <= ZERO * size0)
        if zero.size:
            i = zero[0]
            t0 = _END_T[i - 1] + (_END_T[i] - _END_T[i - 1]) * (size[i - 1] - ZERO * size0) / (size[i - 1] - size[i])
            length = s * (t0 if t0 <= 1 else 0.5 + 0.5 / t0)
        elif np.all(np.abs(size[_END_T <= 0.5] / size0 - 1) <= FLAT_TOLERANCE):
            return None
        else:
            length = s / 2
        h = length / END_SUBSLABS
        edges = self.z[plane] + sign * np.append(h / 2 + h * np.arange(END_SUBSLABS), length)
        ordered = edges if top else edges[::-1]
        centres = np.repeat(self.centre[plane][None, :], END_SUBSLABS, axis=0)
        return ordered, self.sections(ks, ordered, centres, np.full(END_SUBSLABS, plane))

    def stack(self) -> Stack:
        n = self.z.size
        lo, hi = self.lo.copy(), self.hi.copy()
        gaps = {}
        m = self.subslabs()
        for k in np.flatnonzero(m > 1):
            edges, sections = self.gap(int(k), int(m[k]))
            gaps[int(k)] = edges, sections
            hi[k], lo[k + 1] = edges[0], edges[-1]
        bottom, top = self.end(False), self.end(True)
        pieces: list[tuple[float, float, list[np.ndarray]]] = []

        def add(edges, sections):
            pieces.extend((edges[i], edges[i + 1], [xy]) for i, xy in sections)

        if bottom is not None:
            lo[0] = bottom[0][-1]
            add(*bottom)
        if top is not None:
            hi[n - 1] = top[0][0]
        for k in range(n):
            pieces.append((lo[k], hi[k], self.contours(k)))
            if k in gaps:
                add(*gaps[k])
        if top is not None:
            add(*top)
        return _assemble(pieces)


def _assemble(pieces) -> Stack:
    counts = [len(c) for _, _, c in pieces]
    contours = [xy for _, _, c in pieces for xy in c]
    sizes = np.array([len(xy) for xy in contours], dtype=np.int64)
    return Stack(
        _locked(np.concatenate(contours), np.float64),
        _locked(np.concatenate(([0], np.cumsum(sizes))), np.int64),
        _locked(np.concatenate(([0], np.cumsum(counts))), np.int64),
        _locked(np.array([p[0] for p in pieces]), np.float64),
        _locked(np.array([p[1] for p in pieces]), np.float64),
    )
