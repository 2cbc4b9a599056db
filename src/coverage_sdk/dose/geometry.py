"""Dose grids and structures in patient coordinates (mm, Gy), the inputs of every dose kernel.

Both are normalised on reading so that kernels never see orientation: the dose array is
indexed ``[z, y, x]`` with every axis increasing, and contours are flat float64 arrays.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np

from coverage_sdk.errors import InputError


MAX_COORDINATE_MM = 1e5
MAX_GRID_CELLS = 1 << 26
MAX_CONTOURS = 20_000
MAX_POINTS = 2_000_000
MAX_PLANE_POINTS = 20_000
MAX_PLANES = 4_000


def _numeric(value: Any, dtype: type, what: str) -> np.ndarray:
    if np.iscomplexobj(value):
        raise InputError(f"{what}: expected real numbers, got complex ones")
    try:
        return np.asarray(value, dtype=dtype)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"{what}: expected an array of numbers") from None


def _float_array(ndim: int, *, own: bool = True):
    """A converter to a C-contiguous float64 array of ``ndim`` dimensions; ``own``: the
    instance's own read-only copy, so that no caller can change what a kernel will read."""

    def convert(value: Any) -> np.ndarray:
        array = _numeric(value, np.float64, f"a {ndim}-d array")
        if array.ndim != ndim:
            raise InputError(f"expected a {ndim}-d array, got shape {array.shape}")
        if own:
            array = np.array(array, dtype=np.float64, order="C", copy=True)
            array.flags.writeable = False
        return np.ascontiguousarray(array)

    return convert


def _own_offsets(value: Any) -> np.ndarray:
    array = _numeric(value, np.int64, "offsets")
    array = np.array(array, dtype=np.int64, order="C", copy=True)
    array.flags.writeable = False
    return array


def _increasing(instance: Any, attribute: attrs.Attribute, value: np.ndarray) -> None:
    if value.size == 0 or not np.all(np.isfinite(value)) or np.any(np.abs(value) > MAX_COORDINATE_MM):
        raise InputError(f"{attribute.name}: axis must be non-empty, finite and within {MAX_COORDINATE_MM:g} mm")
    if value.size > 1 and not np.all(np.diff(value) > 0):
        raise InputError(f"{attribute.name}: axis positions must be strictly increasing")


PLANE_TOLERANCE_MM = 1e-3


@attrs.frozen(eq=False)
class DoseGrid:
    """A 3-D dose distribution: ``dose[k, j, i]`` is the dose (Gy) at ``(x[i], y[j], z[k])``.

    ``x`` and ``y`` are evenly spaced; ``z`` (the RTDOSE frame offsets) need not be.
    ``reference_dvhs`` holds the DVHs the planning system stored in the file, keyed by ROI
    number, for comparison with ours.
    """

    dose: np.ndarray = attrs.field(converter=_float_array(3, own=False))
    x: np.ndarray = attrs.field(converter=_float_array(1), validator=_increasing)
    y: np.ndarray = attrs.field(converter=_float_array(1), validator=_increasing)
    z: np.ndarray = attrs.field(converter=_float_array(1), validator=_increasing)
    source: str = ""
    reference_dvhs: dict[int, Any] = attrs.field(factory=dict)
    _dose_range: tuple[float, float] | None = attrs.field(default=None, init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        expected = (self.z.size, self.y.size, self.x.size)
        if self.z.size * self.y.size * self.x.size > MAX_GRID_CELLS:
            raise InputError(f"a dose grid of {expected} cells is larger than {MAX_GRID_CELLS} cells")
        if self.dose.shape != expected:
            raise InputError(f"dose shape {self.dose.shape} does not match axes {expected}")

    @property
    def known_dose_range(self) -> tuple[float, float] | None:
        """``(min, max)`` of ``dose`` as recorded by the reader that filled it
        (:func:`record_dose_range`); None for other grids and once ``dose`` is writeable again."""
        return None if self.dose.flags.writeable else self._dose_range

    @property
    def spacing(self) -> tuple[float, float]:
        """Column (x) and row (y) spacing in mm."""
        return (
            float(self.x[1] - self.x[0]) if self.x.size > 1 else 1.0,
            float(self.y[1] - self.y[0]) if self.y.size > 1 else 1.0,
        )

    @property
    def max_dose(self) -> float:
        return float(np.nanmax(self.dose)) if self.dose.size else 0.0


def record_dose_range(grid: DoseGrid, low: float, high: float) -> DoseGrid:
    """Record ``(low, high)``, the extremes of ``grid.dose`` found while filling it, and make the
    array read-only so that they stay true; for readers only, as the kernels size their
    histograms by the maximum."""
    grid.dose.flags.writeable = False
    object.__setattr__(grid, "_dose_range", (float(low), float(high)))
    return grid


@attrs.frozen(eq=False)
class Structure:
    """One ROI of an RT Structure Set.

    Contours are stored flat for the kernels: contour ``c`` is
    ``points[offsets[c]:offsets[c + 1]]`` (x, y in mm) on the plane ``z[c]``; contours are
    sorted by ``z``. Several contours on one plane combine by parity (a contour inside
    another is a hole). ``kind`` is the DICOM ContourGeometricType (``CLOSED_PLANAR``,
    ``POINT``, ...); only closed planar structures have a volume.
    """

    name: str
    number: int
    points: np.ndarray = attrs.field(converter=_float_array(2))
    offsets: np.ndarray = attrs.field(converter=_own_offsets)
    z: np.ndarray = attrs.field(converter=_float_array(1))
    kind: str = "CLOSED_PLANAR"

    def __attrs_post_init__(self) -> None:
        n = self.z.size
        if self.points.shape[1:] != (2,):
            raise InputError(f"ROI {self.name!r}: points must have shape (n, 2)")
        if n > MAX_CONTOURS or len(self.points) > MAX_POINTS:
            raise InputError(
                f"ROI {self.name!r}: {n} contours of {len(self.points)} points in all; "
                f"at most {MAX_CONTOURS} contours and {MAX_POINTS} points are read"
            )
        if self.offsets.shape != (n + 1,) or (n and (self.offsets[0] != 0 or self.offsets[-1] != len(self.points))):
            raise InputError(f"ROI {self.name!r}: offsets do not delimit the points")
        if n and (np.any(np.diff(self.offsets) < 0) or np.any(np.diff(self.z) < 0)):
            raise InputError(f"ROI {self.name!r}: offsets and z must be non-decreasing")
        if n:
            plane = np.concatenate(([0], np.cumsum(np.diff(self.z) > PLANE_TOLERANCE_MM)))
            if plane[-1] + 1 > MAX_PLANES:
                raise InputError(f"ROI {self.name!r}: contours on {plane[-1] + 1} planes; at most {MAX_PLANES} are read")
            per_plane = np.bincount(plane, weights=np.diff(self.offsets))
            if per_plane.max() > MAX_PLANE_POINTS:
                raise InputError(f"ROI {self.name!r}: {int(per_plane.max())} points on one plane; at most {MAX_PLANE_POINTS} are read")
        for name, values in (("points", self.points), ("z", self.z)):
            if not np.all(np.isfinite(values)) or np.any(np.abs(values) > MAX_COORDINATE_MM):
                raise InputError(f"ROI {self.name!r}: contour {name} must be finite and within {MAX_COORDINATE_MM:g} mm")

    @classmethod
    def from_contours(
        cls, name: str, number: int, contours: list[tuple[float, np.ndarray]], kind: str = "CLOSED_PLANAR"
    ) -> "Structure":
        """Build from ``[(z, (n, 2) xy array), ...]`` in any order."""
        ordered = sorted(contours, key=lambda c: c[0])
        arrays = [np.asarray(xy, dtype=np.float64).reshape(-1, 2) for _, xy in ordered]
        offsets = np.zeros(len(arrays) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([len(a) for a in arrays])
        points = np.concatenate(arrays) if arrays else np.zeros((0, 2))
        return cls(name, number, points, offsets, np.array([z for z, _ in ordered], dtype=np.float64), kind)

    @property
    def is_empty(self) -> bool:
        return self.z.size == 0

    def plane_starts(self) -> np.ndarray:
        """Index of the first contour of each plane, then the contour count: contours within
        PLANE_TOLERANCE_MM of a plane's first contour lie on that plane."""
        starts = [0] if self.z.size else []
        for c in range(1, self.z.size):
            if self.z[c] - self.z[starts[-1]] > PLANE_TOLERANCE_MM:
                starts.append(c)
        return np.asarray([*starts, self.z.size], dtype=np.int64)

    @property
    def planes(self) -> np.ndarray:
        """The distinct z positions that hold contours, increasing."""
        return np.unique(self.z)

    def contours_on(self, z: float, tol: float = PLANE_TOLERANCE_MM) -> list[np.ndarray]:
        """The (n, 2) contours lying on plane ``z``."""
        return [
            self.points[self.offsets[c] : self.offsets[c + 1]]
            for c in np.flatnonzero(np.abs(self.z - z) <= tol)
        ]
