"""What a stack of contours stands for between and beyond its planes (issue 17)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from phantoms import ACROSS, Case, dose_grid, structure, truth

from coverage_sdk.dose.dvh import compute_dvh
from coverage_sdk.dose.geometry import Structure
from coverage_sdk._fallback.stack import _areas
from coverage_sdk.dose.interpolation import MAX_GROWTH, VolumeConvention, stack
from coverage_sdk.errors import InputError


def _volume(slabs) -> float:
    areas = np.add.reduceat(_areas(slabs.points, slabs.offsets), slabs.plane_offsets[:-1])
    return float(np.sum(areas * (slabs.hi - slabs.lo)))


@pytest.mark.parametrize("case", [
    Case("sphere", 5.0, "z", 3.0, 1.0, 0.0), Case("cone", 5.0, "z", 3.0, 1.0, 0.0), Case(ACROSS, 12.0, "z", 3.0, 1.0, 0.0),
], ids=lambda c: c.label)
def test_the_stack_holds_the_solid_volume(case):
    """Before any rasterising: the interpolated stack of a sphere, a cone and a cylinder across
    the slices has the solid's volume; plain slabs do not."""
    exact = truth(case)["volume_cc"] * 1000
    roi = structure(case)
    assert _volume(stack(roi, dose_grid(case).z, VolumeConvention.INTERPOLATED)) == pytest.approx(exact, rel=5e-3)
    assert abs(_volume(stack(roi, dose_grid(case).z, VolumeConvention.SLABS)) / exact - 1) > 0.015


def test_slabs_and_the_planning_system_convention():
    case = Case("cylinder", 12.0, "z", 3.0, 1.0, 0.0)
    roi, z = structure(case), dose_grid(case).z
    planes = np.unique(roi.z)
    slabs = stack(roi, z, VolumeConvention.SLABS)
    assert slabs.lo[0] == planes[0] - 1.5 and slabs.hi[-1] == planes[-1] + 1.5
    np.testing.assert_array_equal(slabs.hi[:-1], (planes[1:] + planes[:-1]) / 2)
    uncapped = stack(roi, z, VolumeConvention.PLANNING_SYSTEM)
    assert uncapped.lo[0] == planes[0] and uncapped.hi[-1] == planes[-1]


def test_a_slowly_varying_structure_keeps_its_own_contours():
    """A cylinder along z (flat ends, constant section) and a large sphere's middle need no
    sub-slabs: the stack is the structure's own arrays, so such structures cost nothing."""
    case = Case("cylinder", 20.0, "z", 2.0, 2.0, 0.0)
    roi = structure(case)
    interpolated = stack(roi, dose_grid(case).z, VolumeConvention.INTERPOLATED)
    assert interpolated.points is roi.points
    np.testing.assert_array_equal(interpolated.lo, stack(roi, dose_grid(case).z, VolumeConvention.SLABS).lo)


def test_planes_with_several_contours_keep_plain_slabs():
    """An annulus (two contours on each plane) is not interpolated."""
    t = np.linspace(0, 2 * np.pi, 64, endpoint=False)
    ring = np.column_stack((np.cos(t), np.sin(t)))
    contours = [(z, r * ring) for z, r in zip((0.0, 3.0, 6.0), (10.0, 6.0, 2.0))]
    contours += [(z, 0.5 * r * ring) for z, r in zip((0.0, 3.0, 6.0), (10.0, 6.0, 2.0))]
    roi = Structure.from_contours("ring", 1, contours)
    grid_z = np.arange(-5.0, 12.0)
    assert stack(roi, grid_z, VolumeConvention.INTERPOLATED).points is roi.points


def test_an_end_stops_before_the_next_empty_plane():
    """However fast the last planes shrink, a structure never reaches the next contour plane,
    which holds none of it, and a shrinking end reaches beyond half a spacing only when its
    trend says it vanishes there."""
    case = Case(ACROSS, 12.0, "z", 3.0, 1.0, 0.0)
    roi = structure(case)
    planes = np.unique(roi.z)
    slabs = stack(roi, dose_grid(case).z, VolumeConvention.INTERPOLATED)
    assert planes[0] - 3.0 <= slabs.lo[0] < planes[0] and planes[-1] < slabs.hi[-1] <= planes[-1] + 3.0
    assert slabs.hi[-1] == pytest.approx(planes[-1] + 3.0, abs=0.05)
    assert np.all(slabs.lo[1:] == slabs.hi[:-1])


@settings(max_examples=150, deadline=None)
@given(
    planes=st.lists(st.tuples(st.integers(-10, 10), st.integers(1, 10), st.floats(0.2, 9.0), st.integers(1, 2)),
                    min_size=2, max_size=7, unique_by=lambda p: p[0]),
    spacing=st.sampled_from([0.5, 1.0, 3.0]),
    seed=st.integers(0, 2**16),
)
def test_any_stack_is_ordered_finite_and_bounded(planes, spacing, seed):
    """Random contours (irregular spacing, self-intersecting polygons, several per plane): the
    slabs are ordered and never overlap, the points finite, the solid within one spacing of the
    end planes and no section larger than ``MAX_GROWTH`` times the largest drawn one's area."""
    rng = np.random.default_rng(seed)
    contours = []
    for k, n, size, count in planes:
        for _ in range(count):
            contours.append((k * spacing, rng.normal(0, size, (n, 2))))
    roi = Structure.from_contours("random", 1, contours)
    z = np.unique(roi.z)
    slabs = stack(roi, np.arange(-40.0, 41.0), VolumeConvention.INTERPOLATED)
    assert np.all(slabs.hi > slabs.lo) and np.all(slabs.lo[1:] >= slabs.hi[:-1])
    assert np.all(np.isfinite(slabs.points))
    first, last = z[0] - (z[1] - z[0]), z[-1] + (z[-1] - z[-2])
    assert first <= slabs.lo[0] and slabs.hi[-1] <= last
    drawn = _areas(roi.points, roi.offsets).max()
    assert _areas(slabs.points, slabs.offsets).max() <= MAX_GROWTH * drawn * (1 + 1e-9)


def test_compute_dvh_takes_a_convention_and_end_caps_false_is_the_planning_systems():
    case = Case("sphere", 5.0, "z", 3.0, 1.0, 0.0)
    grid, roi = dose_grid(case), structure(case)
    planning = compute_dvh(grid, roi, convention=VolumeConvention.PLANNING_SYSTEM)
    assert compute_dvh(grid, roi, end_caps=False).volume_cc == planning.volume_cc
    assert planning.volume_cc < compute_dvh(grid, roi, convention=VolumeConvention.SLABS).volume_cc
    with pytest.raises(InputError, match="VolumeConvention"):
        compute_dvh(grid, roi, convention="slabs")
