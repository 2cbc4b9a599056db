"""Dose grids and structures in patient coordinates (mm, Gy), the inputs of every dose kernel.

Both are normalised on reading so that kernels never see orientation: the dose array is
indexed ``[z, y, x]`` with every axis increasing, and contours are flat float64 arrays.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from coverage_sdk.errors import InputError

if TYPE_CHECKING:
    from coverage_sdk.dose.dicom import ReferenceDVH


PLANE_TOLERANCE_MM = 1e-3
MAX_COORDINATE_MM = 1e5
MAX_GRID_CELLS = 1 << 26
MAX_CONTOURS = 20_000
MAX_POINTS = 2_000_000
MAX_PLANE_POINTS = 20_000
MAX_PLANES = 4_000
DOSE = "DoseGrid.dose"


Scalar = TypeVar("Scalar", bound=np.generic)


def _locked(array: NDArray[Scalar]) -> NDArray[Scalar]:
    """``array`` read-only, seen through a view that cannot be made writeable again."""
    array.flags.writeable = False
    return array.view()


@attrs.frozen(eq=False)
class Handed:
    """An array its maker (a reader) gives up to a :class:`DoseGrid` or :class:`Structure`: taken
    without a copy where it has the field's dtype and C order, and validated like any other."""

    array: NDArray[Any]


def _frozen(value: ArrayLike | Handed, dtype: type[Scalar], ndim: int, name: str, location: str) -> NDArray[Scalar]:
    """The instance's own C-contiguous, locked copy of ``value``, or a :class:`Handed` array of
    ``dtype`` and C order itself; its errors are at ``location``."""
    handed = isinstance(value, Handed) and value.array.dtype == dtype and value.array.flags.c_contiguous
    if isinstance(value, Handed):
        value = value.array
    if handed:
        array = cast("NDArray[Scalar]", value)
    elif np.iscomplexobj(value):
        raise InputError(f"{name} must be real numbers, got complex ones", location=location)
    else:
        try:
            array = np.array(value, dtype=dtype, order="C", copy=True)
        except (TypeError, ValueError, OverflowError):
            raise InputError(f"{name} must be an array of numbers", location=location) from None
    if array.ndim != ndim:
        raise InputError(f"{name} must be a {ndim}-d array, got shape {array.shape}", location=location)
    return _locked(array)


def _grid_x(value: ArrayLike) -> NDArray[np.float64]:
    return _frozen(value, np.float64, 1, "dose grid: x", "DoseGrid.x")


def _grid_y(value: ArrayLike) -> NDArray[np.float64]:
    return _frozen(value, np.float64, 1, "dose grid: y", "DoseGrid.y")


def _grid_z(value: ArrayLike) -> NDArray[np.float64]:
    return _frozen(value, np.float64, 1, "dose grid: z", "DoseGrid.z")


def _contour_points(value: ArrayLike | Handed) -> NDArray[np.float64]:
    return _frozen(value, np.float64, 2, "contour points", "Structure.points")


def _contour_offsets(value: ArrayLike | Handed) -> NDArray[np.int64]:
    return _frozen(value, np.int64, 1, "contour offsets", "Structure.offsets")


def _contour_z(value: ArrayLike | Handed) -> NDArray[np.float64]:
    return _frozen(value, np.float64, 1, "contour z", "Structure.z")


def _dose_array(value: ArrayLike | Handed) -> NDArray[np.floating[Any]]:
    """The grid's own locked 3-d dose array: float32 kept (the readers' choice, 4 bytes a
    voxel), anything else as float64; a :class:`Handed` array is taken as it is."""
    if isinstance(value, Handed):
        array = value.array
    elif np.iscomplexobj(value):
        raise InputError("dose grid: doses must be real numbers, got complex ones", location=DOSE)
    else:
        dtype: type[np.floating[Any]] = np.float32 if getattr(value, "dtype", None) == np.float32 else np.float64
        try:
            array = np.array(value, dtype=dtype, order="C", copy=True)
        except (TypeError, ValueError, OverflowError):
            raise InputError("dose grid: dose must be an array of numbers", location=DOSE) from None
    if array.ndim != 3 or array.dtype not in (np.float32, np.float64) or not array.flags.c_contiguous:
        raise InputError(f"dose grid: dose must be a C-contiguous 3-d array, got {array.dtype}{array.shape}", location=DOSE)
    return _locked(array)


@attrs.frozen(eq=False)
class DoseGrid:
    """A 3-D dose distribution: ``dose[k, j, i]`` is the dose (Gy) at ``(x[i], y[j], z[k])``,
    float32 or float64 (read from files: float32, which holds any stored RT Dose value to 6e-8
    of itself, at half the memory).

    Validated here, once: the axes are non-empty, finite and strictly increasing, ``x`` and
    ``y`` evenly spaced (``z``, the RTDOSE frame offsets, need not be), the shape matches
    them, and every dose is finite; otherwise :class:`~coverage_sdk.errors.InputError`. The
    arrays are the grid's own read-only copies (a reader hands its dose over as a
    :class:`Handed` array, without a copy). ``reference_dvhs`` holds the DVHs the planning
    system stored in the file, keyed by ROI number, for comparison with ours.
    """

    dose: NDArray[np.floating[Any]] = attrs.field(converter=_dose_array)
    x: NDArray[np.float64] = attrs.field(converter=_grid_x)
    y: NDArray[np.float64] = attrs.field(converter=_grid_y)
    z: NDArray[np.float64] = attrs.field(converter=_grid_z)
    source: str = ""
    reference_dvhs: Mapping[int, ReferenceDVH] = attrs.field(factory=dict)
    min_dose: float = attrs.field(init=False, default=0.0)
    max_dose: float = attrs.field(init=False, default=0.0)

    def __attrs_post_init__(self) -> None:
        def fail(message: str, field: str = "dose") -> InputError:
            return InputError(f"dose grid: {message}", source=self.source or None, location=f"DoseGrid.{field}")
        cells = self.z.size * self.y.size * self.x.size
        if cells > MAX_GRID_CELLS:
            raise fail(f"{cells} cells; at most {MAX_GRID_CELLS} are read")

        for name, axis in (("x", self.x), ("y", self.y), ("z", self.z)):
            if axis.size == 0 or not np.all(np.isfinite(axis)) or np.any(np.diff(axis) <= 0):
                raise fail(f"{name} axis must be non-empty, finite and strictly increasing", name)
            steps = np.diff(axis)
            if name != "z" and steps.size and not np.allclose(steps, steps[0], rtol=1e-6, atol=0.0):
                raise fail(f"{name} axis must be evenly spaced", name)
        if self.dose.shape != (self.z.size, self.y.size, self.x.size):
            raise fail(f"dose shape {self.dose.shape} does not match its axes {(self.z.size, self.y.size, self.x.size)}")
        low, high = (float(self.dose.min()), float(self.dose.max())) if self.dose.size else (0.0, 0.0)
        if not (np.isfinite(low) and np.isfinite(high)):
            raise fail("dose values must be finite (NaN or infinite doses found)")
        object.__setattr__(self, "min_dose", low)
        object.__setattr__(self, "max_dose", high)

    @property
    def spacing(self) -> tuple[float, float]:
        """Column (x) and row (y) spacing in mm."""
        return (
            float(self.x[1] - self.x[0]) if self.x.size > 1 else 1.0,
            float(self.y[1] - self.y[0]) if self.y.size > 1 else 1.0,
        )


@attrs.frozen(eq=False)
class Structure:
    """One ROI of an RT Structure Set.

    Contours are stored flat for the kernels: contour ``c`` is
    ``points[offsets[c]:offsets[c + 1]]`` (x, y in mm) on the plane ``z[c]``; contours are
    sorted by ``z``. Several contours on one plane combine by parity (a contour inside
    another is a hole). ``kind`` is the DICOM ContourGeometricType (``CLOSED_PLANAR``,
    ``POINT``, ...); only closed planar structures have a volume. ``colour`` is the ROI
    Display Color (R, G, B in 0-255) and ``interpreted_type`` the RT ROI Interpreted Type
    (``PTV``, ``CTV``, ``ORGAN``, ...), where the structure set gives them.

    Validated here, once: points of shape (n, 2) and z finite and within
    ``MAX_COORDINATE_MM``, offsets that delimit the points, offsets and z non-decreasing;
    otherwise :class:`~coverage_sdk.errors.InputError`. The arrays are the structure's own and
    read-only (copies, or a reader's :class:`Handed` arrays), so what a kernel receives is what
    was validated.
    """

    name: str
    number: int
    points: NDArray[np.float64] = attrs.field(converter=_contour_points)
    offsets: NDArray[np.int64] = attrs.field(converter=_contour_offsets)
    z: NDArray[np.float64] = attrs.field(converter=_contour_z)
    kind: str = "CLOSED_PLANAR"
    colour: tuple[int, int, int] | None = None
    interpreted_type: str | None = None

    def __attrs_post_init__(self) -> None:
        roi, n = f"ROI {self.name!r}", self.z.size
        if self.points.shape[1:] != (2,):
            raise InputError(location="Structure.points", message=f"{roi}: contour points must have shape (n, 2), got {self.points.shape}")
        # NaN fails every comparison: within the bounds means finite too
        if self.points.size and not (-MAX_COORDINATE_MM <= self.points.min() and self.points.max() <= MAX_COORDINATE_MM):
            raise InputError(location="Structure.points", message=f"{roi}: contour points must be finite and within {MAX_COORDINATE_MM:g} mm")
        # sorted (NaN fails every comparison, so no step is), the ends are the extremes
        steps = self.z[1:] - self.z[:-1]
        if n and not (steps.min(initial=0.0) >= 0 and -MAX_COORDINATE_MM <= self.z[0] and self.z[-1] <= MAX_COORDINATE_MM):
            raise InputError(location="Structure.z", message=f"{roi}: contour z must be finite, within {MAX_COORDINATE_MM:g} mm and sorted")
        if self.offsets.shape != (n + 1,) or self.offsets[0] != 0 or self.offsets[-1] != len(self.points):
            raise InputError(location="Structure.offsets", message=f"{roi}: contour offsets do not delimit the points")
        sizes = self.offsets[1:] - self.offsets[:-1]
        if n and sizes.min() < 0:
            raise InputError(location="Structure.offsets", message=f"{roi}: contour offsets must be non-decreasing")
        if n > MAX_CONTOURS or len(self.points) > MAX_POINTS:
            raise InputError(
                location="Structure.points",
                message=f"{roi}: {n} contours of {len(self.points)} points in all; "
                f"at most {MAX_CONTOURS} contours and {MAX_POINTS} points are read"
            )
        if n:
            plane = np.concatenate(([0], np.cumsum(steps > PLANE_TOLERANCE_MM)))
            if plane[-1] + 1 > MAX_PLANES:
                raise InputError(location="Structure.z", message=f"{roi}: contours on {plane[-1] + 1} planes; at most {MAX_PLANES} are read")
            per_plane = np.bincount(plane, weights=sizes)
            if per_plane.max() > MAX_PLANE_POINTS:
                raise InputError(location="Structure.points", message=f"{roi}: {int(per_plane.max())} points on one plane; at most {MAX_PLANE_POINTS} are read")

    @classmethod
    def from_contours(
        cls, name: str, number: int, contours: list[tuple[float, ArrayLike]], kind: str = "CLOSED_PLANAR"
    ) -> Structure:
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

    def plane_starts(self) -> NDArray[np.int64]:
        """Index of the first contour of each plane, then the contour count: contours within
        PLANE_TOLERANCE_MM of a plane's first contour lie on that plane."""
        z = self.z.tolist()
        starts = [0] if z else []
        for c in range(1, len(z)):
            if z[c] - z[starts[-1]] > PLANE_TOLERANCE_MM:
                starts.append(c)
        return np.asarray([*starts, len(z)], dtype=np.int64)

    @property
    def planes(self) -> NDArray[np.float64]:
        """The distinct z positions that hold contours, increasing."""
        return np.unique(self.z)

    def contours_on(self, z: float, tol: float = PLANE_TOLERANCE_MM) -> list[NDArray[np.float64]]:
        """The (n, 2) contours lying on plane ``z``."""
        return [
            self.points[self.offsets[c] : self.offsets[c + 1]]
            for c in np.flatnonzero(np.abs(self.z - z) <= tol)
        ]


def check_kernel_inputs(dose: object, structure: object, *, measure: str, histogram: bool = False) -> None:
    """Refuse what a dose kernel cannot take beyond what :class:`DoseGrid` and :class:`Structure`
    already guarantee: another type (a TypeError saying what to pass), and as
    :class:`~coverage_sdk.errors.InputError` a structure without contours or that is not closed
    planar (``measure`` says what it would lack, e.g. "volume"), and for a ``histogram`` a grid
    with fewer than two points on an axis or a negative dose."""
    if not isinstance(dose, DoseGrid):
        raise TypeError(f"dose must be a DoseGrid (from read_rtdose, or DoseGrid(dose, x, y, z)), not {type(dose).__name__}")
    if not isinstance(structure, Structure):
        raise TypeError(
            f"structure must be a Structure (read_rtstruct(...)[roi_name], or Structure.from_contours), not {type(structure).__name__}"
        )
    if histogram and min(dose.dose.shape) < 2:
        raise InputError(f"dose grid: needs at least two points on every axis, has {dose.dose.shape}", source=dose.source or None, location=DOSE)
    if histogram and dose.min_dose < 0:
        raise InputError(f"dose grid: contains negative doses (minimum {dose.min_dose:g} Gy)", source=dose.source or None, location=DOSE)
    if structure.kind != "CLOSED_PLANAR":
        raise InputError(f"ROI {structure.name!r} is {structure.kind}, not CLOSED_PLANAR: it has no {measure}", location="Structure.kind")
    if structure.is_empty:
        raise InputError(f"ROI {structure.name!r} has no contours", location="Structure.points")
