"""Dose-volume histograms of RT structures in a dose grid (shared/spec/interchange.md, ``compute_dvh``).

The structure is the solid its contours stand for under a
:class:`~coverage_sdk.dose.interpolation.VolumeConvention`: by default each contour plane is a
slab reaching half-way to its neighbouring planes (Nelms et al., Med Phys 2015), with sections
interpolated between planes where the section changes quickly along z and beyond the end
planes following the trend of the last planes (:mod:`coverage_sdk.dose.interpolation`); a
structure on a single plane gets the dose grid's plane spacing there. In each plane, polygons combine by even-odd parity (holes,
several contours; a self-intersecting polygon is filled by parity); grid cells cut by a
contour are supersampled (3 x 3 to 15 x 15, finer for structures few cells across) with
interpolated dose; other cells count whole with their voxel-centre dose (subdivided up to
5 x 5 for small structures). Along z the dose is linear between dose planes and is integrated exactly,
so contour planes need not coincide with dose planes. The cumulative histogram is exact at
bin edges 0.01 Gy apart (coarser only above 655 Gy) and interpolated linearly between them.

Defined results rather than crashes: the part of a structure outside the dose grid (a grid
cell reaches half a voxel beyond the outermost dose points) is reported as
``volume_outside_cc`` and left out of the histogram; a structure wholly outside has zero
volume and every statistic is NaN. A dose grid with negative doses or fewer than two points on
an axis, and a structure without contours or that is not CLOSED_PLANAR, raise InputError (a
ValueError), as :class:`DoseGrid` and :class:`Structure` do for other bad input when built.
One- and two-point contours enclose no area.
"""

from __future__ import annotations

import math

import attrs
import numpy as np
from numpy.typing import NDArray

from coverage_sdk._kernels import default_threads, kernel
from coverage_sdk.dose.geometry import DoseGrid, Structure, check_kernel_inputs
from coverage_sdk.dose.interpolation import VolumeConvention, stack
from coverage_sdk.dose.metrics import Kind, metric
from coverage_sdk.errors import InputError

EDGE_SAMPLES = (3, 31)
EDGE_SAMPLES_ACROSS = 60
MAX_CELLS_PER_PLANE = 1 << 26
INNER_CELLS_ACROSS = 20
PLATEAU_TOLERANCE = 1e-9
SERIAL_CELLS = 1 << 18

def _bin_width(max_dose: float) -> float:
    return max(0.01, max_dose / 65536)


@attrs.frozen(eq=False)
class DVH:
    """The dose-volume histogram of one structure; doses in Gy, volumes in cc.

    ``cumulative_cc[n]`` is the volume receiving at least ``dose_edges[n]``; the differential
    histogram gives the volume between consecutive edges. Statistics interpolate between
    edges. Undefined statistics are NaN: every statistic of a structure with no volume inside
    the grid, and ``Dxxcc`` for a structure smaller than ``xx`` cc.
    """

    roi: str
    dose_edges: NDArray[np.float64]
    cumulative_cc: NDArray[np.float64]
    volume_cc: float
    volume_outside_cc: float
    min: float
    max: float
    mean: float

    @property
    def outside_grid(self) -> bool:
        """True when part (or all) of the structure lies outside the dose grid."""
        return self.volume_outside_cc > 0.0

    @property
    def cumulative_percent(self) -> NDArray[np.float64]:
        if self.volume_cc <= 0:
            return np.full_like(self.cumulative_cc, np.nan)
        return 100.0 * self.cumulative_cc / self.volume_cc

    @property
    def differential_cc(self) -> NDArray[np.float64]:
        """Volume (cc) with dose in ``[dose_edges[n], dose_edges[n + 1])``."""
        return self.cumulative_cc[:-1] - self.cumulative_cc[1:]

    def dose_at_volume_cc(self, volume_cc: float) -> float:
        """The minimum dose (Gy) to the hottest ``volume_cc`` of the structure (where the
        histogram is flat at that volume, the highest such dose)."""
        if self.volume_cc <= 0 or volume_cc > self.volume_cc * (1 + 1e-12) or volume_cc < 0:
            return math.nan
        c = self.cumulative_cc
        n = int(np.searchsorted(-c, -volume_cc * (1 - PLATEAU_TOLERANCE), side="right")) - 1
        if n < 0:
            return self.min
        if n >= c.size - 1:
            dose = float(self.dose_edges[-1])
        else:
            step = c[n] - c[n + 1]
            frac = (c[n] - volume_cc) / step if step > 0 else 0.0
            dose = float(self.dose_edges[n] + frac * (self.dose_edges[n + 1] - self.dose_edges[n]))
        return min(max(dose, self.min), self.max)

    def volume_at_dose_cc(self, dose_gy: float) -> float:
        """The volume (cc) receiving at least ``dose_gy``."""
        if self.volume_cc <= 0:
            return math.nan
        return float(np.interp(dose_gy, self.dose_edges, self.cumulative_cc))

    def statistic(self, name: str) -> float:
        """The metric ``name`` (:func:`coverage_sdk.dose.metrics.metric`) of this DVH: ``Dxx`` (Gy
        to xx % of the volume), ``Dxxcc``, ``VxxGy`` (%), ``VxxGy_cc``, ``Dmax``, ``Dmin``, ``Dmean``."""
        wanted = metric(name)
        if wanted.kind in _EXTREMES:
            return float(getattr(self, _EXTREMES[wanted.kind])) if self.volume_cc > 0 else math.nan
        amount = wanted.amount
        if amount is None:
            raise InputError(f"{wanted.name} is not a DVH statistic: expected Dmax, Dmin, Dmean, Dxx, Dxxcc, VxxGy or VxxGy_cc")
        if wanted.kind is Kind.DOSE_TO_PERCENT:
            return self.dose_at_volume_cc(self.volume_cc * amount / 100) if self.volume_cc > 0 else math.nan
        if wanted.kind is Kind.DOSE_TO_CC:
            return self.dose_at_volume_cc(amount)
        volume = self.volume_at_dose_cc(amount)
        if wanted.kind is Kind.VOLUME_CC or math.isnan(volume):
            return volume
        return 100.0 * volume / self.volume_cc


_EXTREMES = {Kind.DMAX: "max", Kind.DMIN: "min", Kind.DMEAN: "mean"}


def _sampling(width: float, depth: float, dx: float, dy: float) -> tuple[int, int]:
    """Sub-samples per side of edge cells (odd, 3-15) and of interior cells (1-5) of a structure
    ``width`` x ``depth`` across.

    Both grow only for structures few cells across, where the grid alone is too coarse.
    """
    extent = min(width, depth)
    cell = max(dx, dy)
    if extent <= 0:
        return EDGE_SAMPLES[0], 1
    edge = int(min(EDGE_SAMPLES[1], max(EDGE_SAMPLES[0], math.ceil(EDGE_SAMPLES_ACROSS * cell / extent))))
    inner = int(min(5, max(1, math.ceil(INNER_CELLS_ACROSS * cell / extent))))
    return edge | 1, inner


def compute_dvh(
    dose: DoseGrid,
    structure: Structure,
    *,
    threads: int | None = None,
    convention: VolumeConvention = VolumeConvention.INTERPOLATED,
    end_caps: bool = True,
) -> DVH:
    """The DVH of ``structure`` in ``dose`` (see the module docstring for the conventions).

    ``threads`` (default: ``COVERAGE_SDK_THREADS``, else the CPUs this process may use, from its
    affinity and cgroup quota) runs the rasterisation and the histogramming in parallel; a
    structure under ``SERIAL_CELLS`` bounding-box cells times edge sub-samples per cell (summed
    over its planes) runs on one.
    The result is bit-identical for any thread count. ``convention`` says what the contour
    planes stand for between and beyond themselves; ``end_caps=False`` is the older spelling of
    ``VolumeConvention.PLANNING_SYSTEM``: slabs that stop at the first and last contour planes,
    as planning systems that report volumes without end caps do (the breast example's stored
    DVHs are such).
    """
    check_kernel_inputs(dose, structure, measure="volume", histogram=True)
    if threads is None:
        threads = default_threads()
    if not isinstance(threads, int) or isinstance(threads, bool):
        raise TypeError(f"threads is a number of threads, an int from 1 to 256, not {type(threads).__name__}")
    if not 1 <= threads <= 256:
        raise InputError(f"threads must be an integer from 1 to 256, got {threads!r}", location="threads")

    dx, dy = dose.spacing
    xb0, yb0 = float(dose.x[0] - dx / 2), float(dose.y[0] - dy / 2)
    width, depth = float(np.ptp(structure.points[:, 0])), float(np.ptp(structure.points[:, 1]))
    span = (width / dx + 3) * (depth / dy + 3)
    if span > MAX_CELLS_PER_PLANE:
        raise InputError(
            f"ROI {structure.name!r} spans {span:.3g} dose-grid cells per plane; is it in the dose grid's frame?"
        )
    edge, inner = _sampling(width, depth, dx, dy)
    if not isinstance(convention, VolumeConvention):
        raise InputError(f"convention must be a VolumeConvention, got {convention!r}")
    slabs = stack(structure, dose.z, convention if end_caps else VolumeConvention.PLANNING_SYSTEM)
    lo, hi = slabs.lo, slabs.hi
    if span * lo.size * edge * edge < SERIAL_CELLS:
        threads = 1
    runs, cells, masks = kernel("_raster").rasterize(
        slabs.points, slabs.offsets, slabs.plane_offsets, xb0, dx, yb0, dy, edge, threads
    )
    h = _bin_width(dose.max_dose)
    n_edges = int(math.floor(dose.max_dose / h)) + 3
    cumulative, totals = kernel("_dvh").accumulate(
        dose.dose, dose.x, dose.y, dose.z, runs, cells, masks, edge, inner, xb0, dx, yb0, dy, lo, hi, h, n_edges,
        threads,
    )
    if totals[5]:
        raise RuntimeError(f"the DVH kernel dropped doses outside 0..{dose.max_dose:g} Gy for {structure.name!r}")
    return _histogram(structure.name, cumulative, totals, h)


def _histogram(roi: str, cumulative: NDArray[np.float64], totals: NDArray[np.float64], h: float) -> DVH:
    inside, outside, integral, low, high = (float(v) for v in totals[:5])
    if inside <= 0:
        return DVH(roi, np.zeros(1), np.zeros(1), 0.0, outside / 1000, math.nan, math.nan, math.nan)
    top = min(int(math.ceil(high / h)) + 1, cumulative.size - 1)
    edges = np.arange(top + 1, dtype=np.float64) * h
    return DVH(roi, edges, cumulative[: top + 1] / 1000, inside / 1000, outside / 1000, low, high, integral / inside)
