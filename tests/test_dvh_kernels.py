"""The compiled rasterisation and histogram kernels against their numpy twins (issue 3, acceptance 4)."""

from __future__ import annotations

import numpy as np
import pytest
from compiled import compiled_kernel
from hypothesis import given, settings, strategies as st

from coverage_sdk.dose import dvh as dvh_module, interpolation
from coverage_sdk._fallback import dvh as twin_dvh, raster as twin_raster, stack as twin_stack
from coverage_sdk.dose.geometry import DoseGrid, Structure
from coverage_sdk.dose.interpolation import VolumeConvention, stack

compiled_raster, compiled_dvh = compiled_kernel("_raster"), compiled_kernel("_dvh")
compiled_stack = compiled_kernel("_stack")

coordinate = st.floats(-6.0, 6.0, allow_nan=False).map(lambda v: round(v, 2))
polygon = st.lists(st.tuples(coordinate, coordinate), min_size=1, max_size=7)


@settings(max_examples=60, deadline=None)
@given(
    polygons=st.lists(st.tuples(st.integers(-3, 3), polygon), min_size=1, max_size=5),
    spacing=st.sampled_from([0.7, 1.0, 2.5]),
    shift=st.floats(-1.0, 1.0),
    S=st.sampled_from([3, 5, 9, 15]),
    n_inner=st.sampled_from([1, 3]),
)
def test_kernels_match_twins(polygons, spacing, shift, S, n_inner):
    roi = Structure.from_contours("r", 1, [(1.5 * k, np.array(p, dtype=float)) for k, p in polygons])
    axis = shift + spacing * np.arange(-3, 4)
    z = np.arange(-4.0, 5.0) * 1.2
    rng = np.random.default_rng(len(polygons))
    grid = DoseGrid(rng.uniform(0, 5, (z.size, axis.size, axis.size)), axis, axis, z)
    dx, dy = grid.spacing
    xb0, yb0 = axis[0] - dx / 2, axis[0] - dy / 2
    slabs = stack(roi, grid.z, VolumeConvention.INTERPOLATED)
    lo, hi = slabs.lo, slabs.hi
    args = (slabs.points, slabs.offsets, slabs.plane_offsets, xb0, dx, yb0, dy, S, 2)
    fast, slow = compiled_raster.rasterize(*args), twin_raster.rasterize(*args)
    for a, b in zip(fast, slow):
        np.testing.assert_array_equal(a, b)
    acc = (grid.dose, grid.x, grid.y, grid.z, *fast, S, n_inner, xb0, dx, yb0, dy, lo, hi, 0.01, 503, 2)
    for a, b in zip(compiled_dvh.accumulate(*acc), twin_dvh.accumulate(*acc)):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)


SECTIONS = {
    # half-axes of the section at u in [-1, 1] along the solid's height, for radius r
    "sphere": lambda u, r: (r * np.sqrt(max(1 - u * u, 1e-3)),) * 2,
    "cone": lambda u, r: (r * (1 - u) / 2,) * 2,
    "lying cylinder": lambda u, r: (r * np.sqrt(max(1 - u * u, 1e-3)), 1.7 * r),
    "cylinder": lambda u, r: (r, r),
    "ellipse": lambda u, r: (r * (1 + 0.3 * u), r * (0.5 + 0.4 * u * u)),
}


@settings(max_examples=200, deadline=None)
@given(
    shape=st.sampled_from(sorted(SECTIONS)),
    planes=st.integers(2, 9),
    spacing=st.sampled_from([0.5, 1.0, 2.5, 3.0]),
    beyond=st.floats(0.05, 1.0),
    radius=st.floats(0.5, 30.0),
    n_points=st.integers(3, 40),
    angle=st.floats(0.0, 3.2),
    doubled=st.sets(st.integers(0, 8), max_size=3),
    seed=st.integers(0, 2**16),
)
def test_stack_kernel_matches_twin(shape, planes, spacing, beyond, radius, n_points, angle, doubled, seed):
    """The interpolated stacks of circles, ellipses, cones and cylinders (standing and lying),
    drawn with noise, uneven spacing and a second contour on some planes, from both kernels."""
    rng = np.random.default_rng(seed)
    z = np.sort(np.arange(planes) * spacing + rng.uniform(-0.3, 0.3, planes) * spacing * (seed % 2))
    height = (z[-1] - z[0]) / 2 + beyond * spacing
    t = np.linspace(0, 2 * np.pi, n_points, endpoint=False)
    turn = np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]])
    contours = []
    for k, level in enumerate(z):
        a, b = SECTIONS[shape]((level - (z[0] + z[-1]) / 2) / height, radius)
        noise = rng.normal(0, 0.02 * radius, (n_points, 2)) * (seed % 3 == 0)
        ring = np.column_stack((a * np.cos(t), b * np.sin(t))) @ turn + noise
        contours.append((float(level), ring))
        if k in doubled:
            contours.append((float(level), 0.3 * ring + 3 * radius))
    roi = Structure.from_contours("r", 1, contours)
    plane_offsets = roi.plane_starts()
    plane_z = roi.z[plane_offsets[:-1]]
    plain = stack(roi, plane_z, VolumeConvention.SLABS)
    args = (roi.points, roi.offsets, plane_offsets, plane_z, plain.lo, plain.hi, *interpolation._TOLERANCES)
    fast, slow = compiled_stack.interpolate(*args), twin_stack.interpolate(*args)
    assert (fast is None) == (slow is None)
    if fast is None:
        return
    for a, b in zip(fast, slow):
        assert a.dtype == b.dtype and a.shape == b.shape
        if a.dtype == np.int64:
            np.testing.assert_array_equal(a, b)
        else:
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12 * radius)


def test_two_threads_give_the_one_thread_histogram(monkeypatch):
    """Many small rows (interior cells subdivided) interleave two threads: a variable the
    threads wrongly share shows up as a moved histogram step (it did, in one out of two calls)."""
    monkeypatch.setattr(dvh_module, "kernel", {"_raster": compiled_raster, "_dvh": compiled_dvh}.__getitem__)
    axis, z = np.arange(30.0), np.arange(120.0)
    dose = axis[None, None, :] + 0.3 * axis[None, :, None] + 0.1 * z[:, None, None]
    grid = DoseGrid(np.ascontiguousarray(np.broadcast_to(dose, (z.size, 30, 30))), axis, axis, z)
    angle = np.linspace(0, 2 * np.pi, 48, endpoint=False)
    ring = np.c_[14.3 + 6 * np.cos(angle), 14.6 + 6 * np.sin(angle)]
    roi = Structure.from_contours("cylinder", 1, [(level, ring) for level in np.arange(5, 110, 0.5)])
    assert dvh_module._sampling(*np.ptp(roi.points, axis=0), 1.0, 1.0)[1] > 1
    one = dvh_module.compute_dvh(grid, roi, threads=1)
    for _ in range(12):
        two = dvh_module.compute_dvh(grid, roi, threads=2)
        assert two.mean == pytest.approx(one.mean, rel=1e-12)
        np.testing.assert_allclose(two.cumulative_cc, one.cumulative_cc, rtol=0, atol=1e-12 * one.volume_cc)


@pytest.mark.parametrize("twin", [False, True], ids=["compiled", "twin"])
def test_a_float32_grid_gives_the_float64_histogram(monkeypatch, twin):
    """Readers hold the dose as float32; the kernels read either type, and a float32 grid gives
    the DVH of its float64 copy (the same doses, so the same numbers to rounding)."""
    kernels = {"_raster": twin_raster, "_dvh": twin_dvh} if twin else {"_raster": compiled_raster, "_dvh": compiled_dvh}
    monkeypatch.setattr(dvh_module, "kernel", kernels.__getitem__)
    axis, z = np.arange(-15.0, 16.0, 1.5), np.arange(-12.0, 13.0, 2.0)
    dose = (np.float32(3.1) + np.sin(axis[None, None, :] / 4) + 0.05 * axis[None, :, None] ** 2 / 8
            + 0.1 * z[:, None, None]).astype(np.float32)
    single = DoseGrid(np.ascontiguousarray(np.broadcast_to(dose, (z.size, axis.size, axis.size))), axis, axis, z)
    double = DoseGrid(single.dose.astype(np.float64), axis, axis, z)
    assert single.dose.dtype == np.float32 and double.dose.dtype == np.float64
    angle = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    for radius in (2.5, 9.0):
        ring = np.c_[0.4 + radius * np.cos(angle), -0.3 + radius * np.sin(angle)]
        roi = Structure.from_contours("r", 1, [(level, ring) for level in np.arange(-9.0, 9.5, 1.5)])
        a, b = dvh_module.compute_dvh(single, roi), dvh_module.compute_dvh(double, roi)
        assert a.volume_cc == b.volume_cc
        assert (a.min, a.max) == (b.min, b.max)
        assert a.mean == pytest.approx(b.mean, rel=1e-12)
        np.testing.assert_allclose(a.cumulative_cc, b.cumulative_cc, rtol=0, atol=1e-12 * b.volume_cc)


@pytest.mark.parametrize("bad", [7.5, -1.0], ids=["above", "negative"])
def test_doses_outside_the_histogram_are_left_out_as_the_twin_leaves_them(bad):
    """A dose that changed after its grid was checked (negative, or above the histogram's top)
    leaves its pieces out, counted; the kernel sums only the bins each block touched, and a
    block with such a dose must still give every bin the pieces put there."""
    axis, z = np.arange(-6.0, 6.5, 1.0), np.arange(-5.0, 5.5, 1.0)
    dose = np.random.default_rng(3).uniform(0, 5, (z.size, axis.size, axis.size))
    dose[5, 6, 4:8] = bad
    angle = np.linspace(0, 2 * np.pi, 30, endpoint=False)
    ring = np.c_[0.3 + 4.2 * np.cos(angle), -0.2 + 4.2 * np.sin(angle)]
    roi = Structure.from_contours("r", 1, [(level, ring) for level in np.arange(-3.5, 4.0, 0.9)])
    slabs = stack(roi, z, VolumeConvention.INTERPOLATED)
    args = (slabs.points, slabs.offsets, slabs.plane_offsets, -6.5, 1.0, -6.5, 1.0, 3, 2)
    runs, cells, masks = compiled_raster.rasterize(*args)
    acc = (dose, axis, axis, z, runs, cells, masks, 3, 1, -6.5, 1.0, -6.5, 1.0, slabs.lo, slabs.hi,
           0.01, 503, 2)
    (fast, fast_totals), (slow, slow_totals) = compiled_dvh.accumulate(*acc), twin_dvh.accumulate(*acc)
    assert fast_totals[5] == slow_totals[5] > 0
    np.testing.assert_allclose(fast, slow, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(fast_totals[:3], slow_totals[:3], rtol=1e-9)
