"""Analytic DVH phantoms: spheres, cylinders and cones (axis along z), and cylinders lying
across the slices (axis along x), in linear dose gradients.

Each phantom is built in code: contours on planes ``spacing`` apart, a dose grid of isotropic
``grid`` mm, centred on the solid or shifted by half a voxel, and the dose
``1 Gy/mm * (u - u_centre) + 2 * E`` along one axis ``u`` (``E`` the solid's half-extent
along ``u``), so the dose in the solid spans ``[E, 3E]`` Gy. The truth comes from the exact
solid, never from the code under test: closed forms for the volume and for the volume above
a cut perpendicular to the gradient (a cone cut along x or y is integrated numerically).
Cylinders and cones (apex up) are ``2R`` high rounded to a multiple of 6 mm,
and their contour planes sit at the centres of slabs of one spacing, as a planning system's
CT slices through a solid of that height would.
"""

from __future__ import annotations

import itertools
import math

import attrs
import numpy as np

from coverage_sdk.dose.geometry import DoseGrid, Structure

SHAPES = ("sphere", "cylinder", "cone")
ACROSS = "cylinder-across"
RADII_MM = (5.0, 12.0, 20.0, 30.0)
AXES = ("x", "y", "z")
CONTOUR_SPACINGS_MM = (1.0, 2.0, 3.0)
GRID_SPACINGS_MM = (1.0, 2.0, 3.0)
SHIFTS = (0.0, 0.5)
STATISTICS = ("D99", "D95", "D5", "D1")

CENTRE = np.array([3.0, -7.0, 11.0])


@attrs.frozen
class Case:
    shape: str
    radius: float
    axis: str
    spacing: float
    grid: float
    shift: float

    @property
    def label(self) -> str:
        return f"{self.shape}-r{self.radius:g}-{self.axis}-s{self.spacing:g}-g{self.grid:g}-shift{self.shift:g}"

    @property
    def height(self) -> float:
        """Extent along z."""
        if self.shape in ("sphere", ACROSS):
            return 2 * self.radius
        return self.length

    @property
    def length(self) -> float:
        """Extent of a cylinder or cone along its axis (z, or x for a cylinder across the slices)."""
        return 6.0 * max(1, round(2 * self.radius / 6.0))

    @property
    def half_extent(self) -> float:
        if self.shape == ACROSS:
            return self.length / 2 if self.axis == "x" else self.radius
        return self.height / 2 if self.axis == "z" else self.radius


def all_cases() -> list[Case]:
    return [Case(*values) for values in itertools.product(SHAPES, RADII_MM, AXES, CONTOUR_SPACINGS_MM,
                                                          GRID_SPACINGS_MM, SHIFTS)]


def across_cases() -> list[Case]:
    """Cylinders lying across the slices (axis along x): the cross-section on a plane is a
    rectangle whose width follows a circle along z, which slabs of constant section miss."""
    return [Case(ACROSS, *values) for values in itertools.product((5.0, 12.0, 20.0), AXES, CONTOUR_SPACINGS_MM,
                                                                  GRID_SPACINGS_MM, SHIFTS)]


def _radius_at(case: Case, dz: np.ndarray) -> np.ndarray:
    """Cross-section radius at height ``dz`` from the centre (0 outside the solid)."""
    half = case.height / 2
    dz = np.asarray(dz, dtype=np.float64)
    if case.shape == "sphere":
        return np.sqrt(np.clip(case.radius**2 - dz**2, 0.0, None))
    inside = np.abs(dz) <= half
    if case.shape == "cylinder":
        return np.where(inside, case.radius, 0.0)
    return np.where(inside, case.radius * (half - dz) / case.height, 0.0)


def _polygon(radius: float) -> np.ndarray:
    """A regular polygon with the area of the circle of ``radius``."""
    n = max(32, int(math.ceil(2 * math.pi * radius / 0.5)))
    scale = math.sqrt(2 * math.pi / (n * math.sin(2 * math.pi / n)))
    angles = 2 * math.pi * np.arange(n) / n
    return radius * scale * np.column_stack((np.cos(angles), np.sin(angles)))


def structure(case: Case) -> Structure:
    half = case.height / 2
    if case.shape == ACROSS:
        k = np.arange(-math.floor(half / case.spacing), math.floor(half / case.spacing) + 1)
        dz = k * case.spacing
        width = 2 * np.sqrt(np.clip(case.radius**2 - dz**2, 0.0, None))
        ends = case.length / 2
        return Structure.from_contours(case.label, 1, [
            (CENTRE[2] + z, CENTRE[:2] + np.array([[-ends, -w / 2], [ends, -w / 2], [ends, w / 2], [-ends, w / 2]]))
            for z, w in zip(dz, width) if w > 1e-9
        ])
    if case.shape == "sphere":
        k = np.arange(-math.floor(half / case.spacing), math.floor(half / case.spacing) + 1)
        dz = k * case.spacing
    else:
        n = int(round(case.height / case.spacing))
        dz = -half + case.spacing * (np.arange(n) + 0.5)
    contours = [
        (CENTRE[2] + z, CENTRE[:2] + _polygon(float(r)))
        for z, r in zip(dz, _radius_at(case, dz))
        if r > 1e-9
    ]
    return Structure.from_contours(case.label, 1, contours)


def dose_grid(case: Case) -> DoseGrid:
    g = case.grid
    reach = max(case.radius, case.height / 2, case.length / 2 if case.shape == ACROSS else 0.0) + 3 * g
    axes = []
    for c in CENTRE:
        n = int(math.ceil(reach / g))
        axes.append(c + case.shift * g + g * np.arange(-n, n + 1))
    x, y, z = axes
    axis = "xyz".index(case.axis)
    u = np.meshgrid(z, y, x, indexing="ij")[2 - axis]
    dose = np.maximum((u - CENTRE[axis]) + 2 * case.half_extent, 0.0)
    return DoseGrid(dose, x, y, z, source=case.label)


def _segment_area(r: np.ndarray, t: float) -> np.ndarray:
    """Area of the part ``u >= t`` of discs of radius ``r`` centred at ``u = 0``."""
    r = np.asarray(r, dtype=np.float64)
    safe = np.where(r > 0, r, 1.0)
    c = np.clip(t / safe, -1.0, 1.0)
    area = r**2 * np.arccos(c) - t * np.sqrt(np.clip(r**2 - t**2, 0.0, None))
    return np.where(r > 0, area, 0.0)


_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(1500)


def volume_above(case: Case, t: float) -> float:
    """Exact volume (mm3) of the solid with ``u - u_centre >= t``."""
    half, R = case.height / 2, case.radius
    if case.shape == ACROSS:
        if case.axis == "x":
            ends = case.length / 2
            return math.pi * R**2 * (ends - min(max(t, -ends), ends))
        return case.length * float(_segment_area(R, t))
    if case.axis == "z":
        t = min(max(t, -half), half)
        if case.shape == "sphere":
            return math.pi * (R - t) ** 2 * (2 * R + t) / 3
        if case.shape == "cylinder":
            return math.pi * R**2 * (half - t)
        return math.pi * R**2 * (half - t) ** 3 / (3 * case.height**2)
    if case.shape == "sphere":
        t = min(max(t, -R), R)
        return math.pi * (R - t) ** 2 * (2 * R + t) / 3
    if case.shape == "cylinder":
        return case.height * float(_segment_area(R, t))
    dz = half * _GL_NODES
    return float(half * np.sum(_GL_WEIGHTS * _segment_area(_radius_at(case, dz), t)))


def _truth(volume_above, e: float, centroid: float) -> dict[str, float]:
    """Volume (cc), the statistics and mean dose (Gy) of a solid whose dose is ``u + 2 e`` for
    ``u`` in ``[-e, e]``, from its exact ``volume_above(u)`` (mm3) and the centroid's ``u``."""
    total = volume_above(-e - 1)
    result = {"volume_cc": total / 1000, "max": 3 * e}
    for name in STATISTICS:
        target = total * float(name[1:]) / 100
        lo, hi = -e, e
        for _ in range(55):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if volume_above(mid) >= target else (lo, mid)
        result[name] = (lo + hi) / 2 + 2 * e
    result["mean"] = centroid + 2 * e
    return result


def truth(case: Case) -> dict[str, float]:
    """Volume (cc), and the statistics and mean dose (Gy) of the exact solid."""
    centroid = -case.height / 4 if (case.shape == "cone" and case.axis == "z") else 0.0
    return _truth(lambda t: volume_above(case, t), case.half_extent, centroid)


METRICS = ("volume", *STATISTICS, "Dmean")


def errors(case, dvh) -> dict[str, float]:
    """Absolute errors of a :class:`Case` or :class:`Solid`: volume in % of the true volume,
    doses in % of the true maximum dose."""
    exact = case.truth() if isinstance(case, Solid) else truth(case)
    result = {"volume": 100 * abs(dvh.volume_cc / exact["volume_cc"] - 1)}
    for name in STATISTICS:
        result[name] = 100 * abs(dvh.statistic(name) - exact[name]) / exact["max"]
    result["Dmean"] = 100 * abs(dvh.mean - exact["mean"]) / exact["max"]
    return result


def table(rows: list[dict[str, float]]) -> str:
    """The p90 / worst error table (Markdown) over ``rows`` of :func:`errors`."""
    lines = ["| metric | p90 | worst |", "|---|---|---|"]
    for name in METRICS:
        values = np.array([row[name] for row in rows])
        lines.append(f"| {name} | {np.percentile(values, 90):.2f} % | {values.max():.2f} % |")
    return "\n".join(lines)


@attrs.frozen
class Solid:
    """A solid outside the set above, for checking that the interpolation between planes is not
    tuned to it: ellipsoids, a capsule lying across the slices, a cone standing on its tip whose
    height is no multiple of the spacing, spheres of other radii; contour planes at
    ``(k + offset) * spacing`` from the centre (the cone's planes at the centres of slabs
    below its flat base, as CT slices through it, its tip anywhere), a dose ``1 Gy/mm * (z - z_centre) + 2 H`` (``H``
    the half-height). The truth integrates the exact section area along z."""

    shape: str
    size: tuple[float, ...]
    spacing: float
    offset: float
    grid: float
    shift: float

    @property
    def label(self) -> str:
        return f"{self.shape}-{'x'.join(f'{v:g}' for v in self.size)}-s{self.spacing:g}-o{self.offset:g}-g{self.grid:g}-shift{self.shift:g}"

    @property
    def half_height(self) -> float:
        if self.shape == "ellipsoid":
            return self.size[2]
        return self.size[1] / 2 if self.shape == "cone-down" else self.size[0]

    def axes_at(self, dz: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Half-axes of the section (an ellipse, or a stadium with straight part ``flat``) at ``dz``."""
        dz = np.asarray(dz, dtype=np.float64)
        if self.shape == "ellipsoid":
            a, b, c = self.size
            f = np.sqrt(np.clip(1 - (dz / c) ** 2, 0.0, None))
            return a * f, b * f, np.zeros_like(dz)
        if self.shape == "sphere":
            r = np.sqrt(np.clip(self.size[0] ** 2 - dz**2, 0.0, None))
            return r, r, np.zeros_like(dz)
        if self.shape == "capsule-across":
            radius, length = self.size
            r = np.sqrt(np.clip(radius**2 - dz**2, 0.0, None))
            return r, r, np.where(r > 0, length, 0.0)
        radius, height = self.size
        r = np.where(np.abs(dz) <= height / 2, radius * (dz + height / 2) / height, 0.0)
        return r, r, np.zeros_like(dz)

    def area(self, dz: np.ndarray) -> np.ndarray:
        a, b, flat = self.axes_at(dz)
        return math.pi * a * b + 2 * a * flat

    def structure(self) -> Structure:
        h = self.half_height
        k = np.arange(math.floor(-h / self.spacing - self.offset), math.ceil(h / self.spacing - self.offset) + 1)
        dz = (k + self.offset) * self.spacing
        if self.shape == "cone-down":
            dz = h - self.spacing * (np.arange(math.ceil(2 * h / self.spacing)) + 0.5)
        contours = []
        for z, a, b, flat in zip(dz, *self.axes_at(dz)):
            if a <= 1e-6:
                continue
            n = max(64, int(math.ceil(2 * math.pi * max(a, b) / 0.5)))
            t = 2 * math.pi * (np.arange(n) + 0.5) / n
            x, y = a * np.cos(t), b * np.sin(t) + np.sign(np.sin(t)) * flat / 2
            contours.append((CENTRE[2] + z, CENTRE[:2] + np.column_stack((x, y))))
        return Structure.from_contours(self.label, 1, contours)

    def dose_grid(self) -> DoseGrid:
        g = self.grid
        reach = max(self.size) + 3 * g
        x, y, z = (c + self.shift * g + g * np.arange(-math.ceil(reach / g), math.ceil(reach / g) + 1) for c in CENTRE)
        dz = np.meshgrid(z, y, x, indexing="ij")[0] - CENTRE[2]
        return DoseGrid(np.maximum(dz + 2 * self.half_height, 0.0), x, y, z, source=self.label)

    def volume_above(self, t: float) -> float:
        h = self.half_height
        t = min(max(t, -h), h)
        z = (h + t) / 2 + (h - t) / 2 * _GL_NODES
        return float((h - t) / 2 * np.sum(_GL_WEIGHTS * self.area(z)))

    def truth(self) -> dict[str, float]:
        z = self.half_height * _GL_NODES
        centroid = float(np.sum(_GL_WEIGHTS * z * self.area(z)) / np.sum(_GL_WEIGHTS * self.area(z)))
        return _truth(self.volume_above, self.half_height, centroid)


def other_solids() -> list[Solid]:
    shapes = [("ellipsoid", (15.0, 9.0, 7.0)), ("ellipsoid", (6.0, 10.0, 13.0)), ("capsule-across", (8.0, 16.0)),
              ("cone-down", (10.0, 17.0)), ("sphere", (7.3,)), ("sphere", (16.6,))]
    return [Solid(shape, size, spacing, offset, 2.0, shift)
            for (shape, size), spacing, (offset, shift) in itertools.product(
                shapes, CONTOUR_SPACINGS_MM, ((0.37, 0.0), (0.81, 0.5)))]


if __name__ == "__main__":
    from coverage_sdk.dose.dvh import compute_dvh

    print(table([errors(c, compute_dvh(dose_grid(c), structure(c))) for c in all_cases()]))
