"""compute_dvh and DVH: defined results or clear errors for awkward input (issue 3, acceptance 4)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from coverage_sdk.dose.dvh import compute_dvh
from coverage_sdk.dose.geometry import DoseGrid, Structure
from coverage_sdk.errors import InputError


def _grid(dose=None, n=20):
    axis = np.arange(n, dtype=float)
    d = np.add.outer(np.zeros(n), np.add.outer(np.zeros(n), axis)) if dose is None else dose
    return DoseGrid(d, axis, axis, axis)


def _square(x0, y0, side):
    return np.array([[x0, y0], [x0 + side, y0], [x0 + side, y0 + side], [x0, y0 + side]])


def _box(x0, y0, side, zs, name="box"):
    return Structure.from_contours(name, 1, [(z, _square(x0, y0, side)) for z in zs])


def test_box_volume_and_dose_in_gradient():
    dvh = compute_dvh(_grid(), _box(4.5, 4.5, 10, range(5, 15)))
    assert dvh.volume_cc == pytest.approx(1.0, rel=1e-9)
    assert dvh.mean == pytest.approx(9.5, rel=1e-9)
    assert dvh.statistic("D50") == pytest.approx(9.5, abs=0.5)  # interior cells: voxel-centre dose
    assert dvh.statistic("V9.5Gy") == pytest.approx(50.0, abs=5)
    assert dvh.statistic("Max") == dvh.max and dvh.statistic("Mean") == dvh.mean
    assert dvh.differential_cc.sum() == pytest.approx(dvh.volume_cc)


def test_partly_and_wholly_outside():
    part = compute_dvh(_grid(), _box(15.5, 4.5, 10, range(5, 15)))
    assert part.outside_grid and part.volume_outside_cc == pytest.approx(0.6, rel=1e-9)
    assert part.volume_cc == pytest.approx(0.4, rel=1e-9)
    whole = compute_dvh(_grid(), _box(100, 100, 10, range(5, 15)))
    assert whole.volume_cc == 0 and whole.volume_outside_cc == pytest.approx(1.0)
    assert math.isnan(whole.statistic("D95")) and math.isnan(whole.mean)


def test_holes_and_self_intersection_by_parity():
    ring = Structure.from_contours("ring", 1, [(z, c) for z in range(5, 15) for c in (_square(2.5, 2.5, 12), _square(6.5, 6.5, 4))])
    assert compute_dvh(_grid(), ring).volume_cc == pytest.approx((144 - 16) * 10 / 1000, rel=1e-9)
    bowtie = np.array([[4.5, 4.5], [12.5, 12.5], [12.5, 4.5], [4.5, 12.5]])
    dvh = compute_dvh(_grid(), Structure.from_contours("bowtie", 1, [(z, bowtie) for z in range(5, 15)]))
    assert dvh.volume_cc == pytest.approx(32 * 10 / 1000, rel=0.02)


def test_degenerate_contours_have_no_area():
    point = Structure.from_contours("pt", 1, [(5.0, np.array([[5.0, 5.0]])), (6.0, np.array([[5.0, 5.0], [8.0, 9.0]]))])
    dvh = compute_dvh(_grid(), point)
    assert dvh.volume_cc == 0 and dvh.volume_outside_cc == 0


@pytest.mark.parametrize("bad", [np.nan, -1.0, np.inf])
def test_bad_dose_is_a_clear_error(bad):
    d = np.ones((20, 20, 20))
    d[3, 4, 5] = bad
    with pytest.raises(InputError, match="dose grid"):
        compute_dvh(_grid(d), _box(4.5, 4.5, 10, range(5, 15)))


def test_empty_and_non_planar_rois_are_named():
    empty = Structure("Areola", 7, np.zeros((0, 2)), np.zeros(1, dtype=np.int64), np.zeros(0))
    with pytest.raises(ValueError, match="Areola"):
        compute_dvh(_grid(), empty)
    marker = Structure.from_contours("Iso", 2, [(5.0, np.array([[5.0, 5.0]]))], kind="POINT")
    with pytest.raises(ValueError, match="Iso"):
        compute_dvh(_grid(), marker)


def test_bad_statistic_and_threads():
    dvh = compute_dvh(_grid(), _box(4.5, 4.5, 10, range(5, 15)))
    with pytest.raises(ValueError):
        dvh.statistic("X95")
    assert math.isnan(dvh.statistic("D2cc"))
    with pytest.raises(ValueError):
        compute_dvh(_grid(), _box(4.5, 4.5, 10, range(5, 15)), threads=0)


@pytest.mark.parametrize("spacing, first", [(2.0, 4.0), (1.5, 4.25), (0.5, 4.0), (3.0, 5.5)])
def test_columns_bend_at_every_dose_plane(spacing, first):
    """Dose curved along z (z**2 at the dose planes, linear between): the exact mean over the
    structure's z range, whether slab boundaries fall on dose planes or between them."""
    axis = np.arange(40.0)
    dose = np.ascontiguousarray(np.broadcast_to((axis**2)[:, None, None], (40, 40, 40)))
    planes = np.arange(first, 30.0, spacing)
    roi = _box(4.5, 4.5, 30, planes)
    dvh = compute_dvh(DoseGrid(dose, axis, axis, axis), roi)
    lo, hi = planes[0] - spacing / 2, planes[-1] + spacing / 2
    z = np.unique(np.concatenate(([lo, hi], axis[(axis > lo) & (axis < hi)])))
    expected = np.trapezoid(np.interp(z, axis, axis**2), z) / (hi - lo)
    assert dvh.volume_cc == pytest.approx(900 * (hi - lo) / 1000, rel=1e-9)
    assert dvh.mean == pytest.approx(expected, rel=1e-9)


def test_a_grid_s_doses_cannot_change_after_it_is_validated():
    """The validated maximum sizes the histogram: the grid keeps its own read-only copy."""
    mine = np.ones((20, 20, 20))
    grid, box = _grid(mine), _box(4.5, 4.5, 10, range(5, 15))
    mine[...] = np.nan
    assert compute_dvh(grid, box).max == 1.0
    with pytest.raises(ValueError):
        grid.dose[10, 10, 10] = 1e6
    with pytest.raises(ValueError):
        grid.dose.flags.writeable = True
