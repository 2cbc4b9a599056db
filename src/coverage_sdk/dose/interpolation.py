"""The solid a stack of planar contours stands for, as thin slabs the dose kernels integrate.

A structure set gives sections on planes only; what lies between and beyond them is a
convention (:class:`VolumeConvention`). Under the default, ``INTERPOLATED``, each contour plane is
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
  ``A''`` the second difference of plane areas along z), a share ``e`` of the gap's volume.
  Gaps with ``e > GAP_TOLERANCE`` are cut into ``m = ceil(sqrt(e / GAP_TOLERANCE))`` sub-slabs
  (2 to ``MAX_SUBSLABS``; ``m - 1`` of them interpolated, the outer halves keep the planes'
  own contours), provided their estimated errors add up to more than ``VOLUME_TOLERANCE`` of
  the structure's volume: slowly varying structures (a BODY, a lung) keep their plain slabs.
- **Ends.** Beyond an end plane the section follows the trend of the last planes: the same
  interpolant through the last two one-contour planes, and the third when its spacing is
  within 10 % of the last, extrapolated. Let ``t0`` be where an axis shrinks to zero and
  ``s`` the last spacing. The structure ends at ``t0`` when ``t0 <= s`` (the next plane holds
  no contour, so it cannot reach further: a sphere's or a lying cylinder's ``sqrt`` profile,
  a cone's tip), else at ``s (1/2 + s / (2 t0))``: half a spacing when the section does not
  shrink (a flat end: the slab convention's end cap), continuous in ``t0``. The space beyond
  the end plane holds ``END_SUBSLABS`` interpolated sub-slabs after the first
  ``1 / (2 END_SUBSLABS)`` of it, which keeps the plane's contour. An end keeps the plain
  half-spacing cap when its area change from the plane before, times half a spacing, is at
  most ``VOLUME_TOLERANCE`` of the structure's volume, when its area stays within
  ``FLAT_TOLERANCE`` of the end plane's over that half spacing, or when it has fewer than two
  one-contour planes.
- Everywhere a sub-slab's axes and area are at most ``MAX_GROWTH`` times the largest of the
  planes fitted.

``SLABS`` is the slab convention alone (end caps of half a spacing, no interpolation) and
``PLANNING_SYSTEM`` stops at the end planes without interpolating, as the planning system of
the breast example does for its stored DVHs. A structure on a single plane is a slab of the
dose grid's plane spacing there under every convention.
"""

from __future__ import annotations

import enum

import attrs
import numpy as np

from coverage_sdk._kernels import kernel
from coverage_sdk.dose.geometry import Structure

MAX_SUBSLABS = 3
END_SUBSLABS = 2
VOLUME_TOLERANCE = 2e-3
GAP_TOLERANCE = 0.01
FLAT_TOLERANCE = 0.01
MAX_GROWTH = 2.0
ZERO = 1e-4
_TOLERANCES = (MAX_SUBSLABS, END_SUBSLABS, VOLUME_TOLERANCE, GAP_TOLERANCE, FLAT_TOLERANCE, MAX_GROWTH, ZERO)


class VolumeConvention(enum.Enum):
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


def stack(structure: Structure, grid_z: np.ndarray, convention: VolumeConvention) -> Stack:
    """The slabs ``structure`` stands for under ``convention``; ``grid_z`` (the dose grid's
    plane positions) gives a single-plane structure its thickness."""
    plane_offsets = structure.plane_starts()
    plane_z = structure.z[plane_offsets[:-1]]
    if plane_z.size == 1:
        k = min(max(int(np.searchsorted(grid_z, plane_z[0])), 1), grid_z.size - 1)
        half = (grid_z[k] - grid_z[k - 1]) / 2
        return _plain(structure, plane_offsets, plane_z - half, plane_z + half)
    mid = (plane_z[1:] + plane_z[:-1]) / 2
    caps = convention is not VolumeConvention.PLANNING_SYSTEM
    lo = np.concatenate(([plane_z[0] - (mid[0] - plane_z[0] if caps else 0.0)], mid))
    hi = np.concatenate((mid, [plane_z[-1] + (plane_z[-1] - mid[-1] if caps else 0.0)]))
    if convention is not VolumeConvention.INTERPOLATED:
        return _plain(structure, plane_offsets, lo, hi)
    slabs = kernel("_stack").interpolate(structure.points, structure.offsets, plane_offsets, plane_z, lo, hi, *_TOLERANCES)
    if slabs is None:
        return _plain(structure, plane_offsets, lo, hi)
    return Stack(*(_locked(a, t) for a, t in zip(slabs, (np.float64, np.int64, np.int64, np.float64, np.float64))))


def _plain(structure: Structure, plane_offsets: np.ndarray, lo, hi) -> Stack:
    return Stack(structure.points, structure.offsets, plane_offsets, _locked(lo, np.float64), _locked(hi, np.float64))
