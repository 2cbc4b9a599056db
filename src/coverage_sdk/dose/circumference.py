"""Percent of a long bone's cortex circumference receiving a dose threshold.

The metric ``bone_circumference_pct_ge_40gy`` of shared/spec/bone-circumference.md, asked for by
the BCBSNC extremity-sarcoma IMRT policy. No published standard defines it, so the SDK does:

1. Contours are grouped into axial planes (z within 0.001 mm). On each plane the outer contour
   is the usable contour of largest absolute area; other contours (the medullary canal, a stray
   island) are ignored. A contour is unusable (degenerate) when it has fewer than 3 edges of
   non-zero length or |area| <= 5e-13 × perimeter²; repeated consecutive points are edges of
   length zero and are simply skipped. A plane without a usable contour has fraction 0 and a note.
2. ``samples`` points are placed at equal arc length on the outer contour, the k-th at arc length
   (k + 1/2) × perimeter / samples from its first vertex.
3. Each point moves inward by ``depth_mm``, or by its distance to the contour's area centroid when
   that is smaller (so on a circle a point stops at the centre and never crosses it), along the
   inward normal: at a vertex, the normalised sum of the inward unit normals of its two edges
   (the orientation, clockwise or not, comes from the sign of the area); between vertices, the
   linear interpolation of the two vertex normals, renormalised. On a polygon inscribed in a
   circle this is exactly the radial direction everywhere.
4. Dose is interpolated trilinearly at the moved point on the plane's z; a point outside the dose
   grid has dose 0 and is counted in ``points_outside_grid``.
5. The plane fraction is the share of points with dose >= ``threshold_gy``; the metric is the
   largest plane fraction (the lowest such plane on a tie). ``length_ge_25pct_cm`` is the number
   of planes whose fraction is >= 25 %, times the plane spacing (the median distance between
   consecutive contour planes of the ROI), in cm; it is 0 with a note for a single-plane ROI.

Only contoured planes are measured, never sections interpolated between them (a cortex exists
only where it was drawn), and the length counts each plane as one spacing: the slab convention
of ``compute_dvh`` (``VolumeConvention.SLABS``, Nelms et al.), which its default interpolated
convention keeps for a long bone, whose section changes slowly along z.
"""

from __future__ import annotations

import json
import math
import numbers
from typing import Any

import attrs
import numpy as np

from coverage_sdk._kernels import kernel
from coverage_sdk.errors import InputError
from coverage_sdk.dose.geometry import DoseGrid, Structure, check_kernel_inputs

MAX_SAMPLES = 100_000
LENGTH_FRACTION_PCT = 25.0


@attrs.frozen
class BoneCircumferenceReport:
    """The metric and everything a reviewer needs to check it (per-plane values in mm and %)."""

    roi: str
    threshold_gy: float
    depth_mm: float
    samples: int
    max_fraction_pct: float
    max_plane_z: float
    plane_z: tuple[float, ...]
    plane_fraction_pct: tuple[float, ...]
    plane_points_outside_grid: tuple[int, ...]
    points_outside_grid: int
    plane_spacing_mm: float
    length_ge_25pct_cm: float
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: tuples become lists."""
        return {name: list(v) if isinstance(v, tuple) else v for name, v in attrs.asdict(self).items()}

    def summary(self) -> str:
        return (
            f"{self.roi}: {self.max_fraction_pct:.1f} % of the circumference at {self.depth_mm:g} mm depth "
            f"receives >= {self.threshold_gy:g} Gy (plane z = {self.max_plane_z:g} mm); "
            f"{self.length_ge_25pct_cm:.1f} cm of bone at >= {LENGTH_FRACTION_PCT:g} %; "
            f"{self.points_outside_grid} sample points outside the dose grid"
        )


def _real(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} is a number (int or float), not {type(value).__name__}")
    if not math.isfinite(value):
        raise InputError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def bone_circumference(
    dose: DoseGrid,
    structure: Structure,
    threshold_gy: float = 40.0,
    depth_mm: float = 2.0,
    samples: int = 360,
) -> BoneCircumferenceReport:
    """The percent of the bone's cortex circumference receiving >= ``threshold_gy``, per
    shared/spec/bone-circumference.md (the module docstring gives every definition).

    Raises TypeError for an argument of another type, and :class:`~coverage_sdk.errors.InputError`
    (a ValueError) for a threshold that is not finite and positive, a negative or non-finite
    depth, ``samples`` outside 3..100000, a structure that is not closed planar, is empty or has
    malformed or non-finite contours, or a malformed dose grid.
    """
    threshold = _real("threshold_gy", threshold_gy)
    if threshold <= 0.0:
        raise InputError(f"threshold_gy must be positive, got {threshold_gy!r}")
    depth = _real("depth_mm", depth_mm)
    if depth < 0.0:
        raise InputError(f"depth_mm must be >= 0, got {depth_mm!r}")
    if isinstance(samples, bool) or not isinstance(samples, numbers.Integral):
        raise TypeError(f"samples is an integer from 3 to {MAX_SAMPLES}, not {type(samples).__name__}")
    if not 3 <= samples <= MAX_SAMPLES:
        raise InputError(f"samples must be an integer from 3 to {MAX_SAMPLES}, got {samples!r}")
    samples = int(samples)
    check_kernel_inputs(dose, structure, measure="bone surface")

    plane_start = structure.plane_starts()
    plane_z = structure.z[plane_start[:-1]]
    hits, outside, outer, skipped = kernel("_circumference").plane_fractions(
        structure.points, structure.offsets, plane_start, plane_z,
        dose.dose, dose.x, dose.y, dose.z, threshold, depth, samples,
    )
    pct = 100.0 * hits / samples
    notes = []
    for p, z in enumerate(plane_z):
        if outer[p] < 0:
            notes.append(f"z = {z:g} mm: no usable contour (fewer than 3 distinct points or zero area); fraction 0")
        elif skipped[p]:
            notes.append(f"z = {z:g} mm: {skipped[p]} degenerate contour(s) ignored")
    spacing = float(np.median(np.diff(plane_z))) if plane_z.size > 1 else 0.0
    if plane_z.size == 1:
        notes.append("a single contour plane: no plane spacing, length reported as 0")
    best = int(np.argmax(pct))
    return BoneCircumferenceReport(
        roi=structure.name,
        threshold_gy=threshold,
        depth_mm=depth,
        samples=samples,
        max_fraction_pct=float(pct[best]),
        max_plane_z=float(plane_z[best]),
        plane_z=tuple(float(z) for z in plane_z),
        plane_fraction_pct=tuple(float(f) for f in pct),
        plane_points_outside_grid=tuple(int(n) for n in outside),
        points_outside_grid=int(outside.sum()),
        plane_spacing_mm=spacing,
        length_ge_25pct_cm=float(np.count_nonzero(pct >= LENGTH_FRACTION_PCT)) * spacing / 10.0,
        notes=tuple(notes),
    )


def format_report(report: BoneCircumferenceReport, fmt: str) -> str:
    """The report as ``"text"`` (a table for a person) or ``"json"``."""
    if fmt == "json":
        return json.dumps(report.to_dict(), indent=2)
    if fmt != "text":
        raise InputError(f"format must be 'text' or 'json', got {fmt!r}")
    lines = [
        report.summary(),
        f"{report.samples} points per plane at {report.depth_mm:g} mm depth; "
        f"plane spacing {report.plane_spacing_mm:g} mm",
        "",
        f"{'z (mm)':>10}  {'>= ' + format(report.threshold_gy, 'g') + ' Gy (%)':>14}  {'outside grid':>12}",
    ]
    for z, pct, out in zip(report.plane_z, report.plane_fraction_pct, report.plane_points_outside_grid):
        marker = "  <- max" if z == report.max_plane_z else ""
        lines.append(f"{z:>10.2f}  {pct:>14.1f}  {out:>12d}{marker}")
    lines.extend(f"note: {note}" for note in report.notes)
    return "\n".join(lines)
