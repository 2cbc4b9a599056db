"""Bone circumference at cortex depth (shared/spec/bone-circumference.md) on analytic phantoms.

Circles use the spec's closed form, ellipses an independent high-resolution integration along
the true ellipse; the compiled kernel and its numpy twin must agree exactly (counts) and to 1e-9 (points).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiled import compiled_kernel

from coverage_sdk._fallback import circumference as twin
from coverage_sdk.dose.circumference import BoneCircumferenceReport, bone_circumference, format_report
from coverage_sdk.errors import InputError
from coverage_sdk.dose.geometry import DoseGrid, Structure

CX, CY = 31.0, -17.0
PLANE_Z = (-6.0, -3.0, 0.0, 3.0, 6.0)


@pytest.fixture(scope="module")
def compiled():
    return compiled_kernel("_circumference")


def grid(field, x=None, y=None, z=None, source="phantom") -> DoseGrid:
    x = np.arange(CX - 40.0, CX + 40.01, 2.5) if x is None else x
    y = np.arange(CY - 40.0, CY + 40.01, 2.5) if y is None else y
    z = np.arange(-10.0, 10.01, 2.0) if z is None else z
    zz, yy, xx = np.meshgrid(z, y, x, indexing="ij")
    return DoseGrid(field(xx, yy, zz), x, y, z, source=source)


def circle(radius, vertices=720, cx=CX, cy=CY, clockwise=False, start=0.3):
    t = start + np.linspace(0.0, 2.0 * np.pi, vertices, endpoint=False)
    xy = np.column_stack((cx + radius * np.cos(t), cy + radius * np.sin(t)))
    return xy[::-1].copy() if clockwise else xy


def ellipse(a, b, rotation, vertices=400, cx=CX, cy=CY):
    t = np.linspace(0.0, 2.0 * np.pi, vertices, endpoint=False)
    c, s = math.cos(rotation), math.sin(rotation)
    u, v = a * np.cos(t), b * np.sin(t)
    return np.column_stack((cx + c * u - s * v, cy + s * u + c * v))


def bone(planes, name="Femur_L") -> Structure:
    return Structure.from_contours(name, 7, [(z, xy) for z, contours in planes for xy in contours])


def closed_form(t, a, b, r):
    """Spec: fraction acos(x0 / r) / pi, x0 = (t - a) / b clamped to [-r, r], for b > 0."""
    x0 = min(max((t - a) / b, -r), r)
    return 100.0 * math.acos(x0 / r) / math.pi


def step_crossing(nodes, xs, low, high, t):
    """Where the trilinear interpolation of a step (low below xs, high from xs on) reaches t."""
    i = np.searchsorted(nodes, xs) - 1
    return nodes[i] + (nodes[i + 1] - nodes[i]) * (t - low) / (high - low)


def ellipse_exact(a, b, rotation, depth, dose_at_x, t, n=2_000_000):
    """Arc-length share of the ellipse whose point, moved `depth` inward along the true normal,
    receives >= t (dose depends on x only)."""
    th = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
    c, s = math.cos(rotation), math.sin(rotation)
    nu, nv = b * np.cos(th), a * np.sin(th)
    norm = np.hypot(nu, nv)
    u = a * np.cos(th) - depth * nu / norm
    v = b * np.sin(th) - depth * nv / norm
    qx = CX + c * u - s * v
    ds = np.hypot(a * np.sin(th), b * np.cos(th))
    return 100.0 * ds[dose_at_x(qx) >= t].sum() / ds.sum()


@pytest.mark.parametrize("radius", [7.0, 9.5, 15.0, 25.0])
@pytest.mark.parametrize("clockwise", [False, True])
def test_circle_in_linear_field_matches_the_closed_form(radius, clockwise):
    a0, gz, b, t = 38.0, 0.6, 1.7, 40.0
    dose = grid(lambda x, y, z: a0 + gz * z + b * (x - CX))
    report = bone_circumference(dose, bone([(z, [circle(radius, clockwise=clockwise)]) for z in PLANE_Z]))
    r = radius - 2.0
    expected = [closed_form(t, a0 + gz * z, b, r) for z in PLANE_Z]
    np.testing.assert_allclose(report.plane_fraction_pct, expected, atol=1.0)
    assert report.max_fraction_pct == max(report.plane_fraction_pct)
    assert report.max_plane_z == 6.0
    assert report.points_outside_grid == 0


def test_circle_in_a_falling_field_is_the_complement():
    a, b, t, r = 45.0, -2.0, 40.0, 8.0
    dose = grid(lambda x, y, z: a + b * (x - CX))
    report = bone_circumference(dose, bone([(0.0, [circle(r + 2.0)])]))
    x0 = (t - a) / b
    assert report.max_fraction_pct == pytest.approx(100.0 - 100.0 * math.acos(x0 / r) / math.pi, abs=1.0)


@pytest.mark.parametrize("xs", [CX - 3.7, CX + 1.2, CX + 5.0])
@pytest.mark.parametrize("threshold", [40.0, 55.0])
def test_circle_in_step_field_matches_the_closed_form(xs, threshold):
    dose = grid(lambda x, y, z: np.where(x >= xs, 60.0, 20.0))
    r = 10.0
    report = bone_circumference(dose, bone([(0.0, [circle(r + 2.0)])]), threshold_gy=threshold)
    x0 = step_crossing(dose.x, xs, 20.0, 60.0, threshold) - CX
    assert report.max_fraction_pct == pytest.approx(100.0 * math.acos(x0 / r) / math.pi, abs=1.0)


@pytest.mark.parametrize("rotation", [0.0, 0.5, 1.3])
@pytest.mark.parametrize("field", ["linear", "step"])
def test_ellipse_matches_the_integrated_exact_value(rotation, field):
    a, b, depth, t = 20.0, 11.0, 2.0, 40.0
    dose = grid(lambda x, y, z: 36.0 + 0.9 * (x - CX)) if field == "linear" else grid(
        lambda x, y, z: np.where(x >= CX + 6.3, 70.0, 10.0)
    )
    dose_at_x = (lambda qx: 36.0 + 0.9 * (qx - CX)) if field == "linear" else (
        lambda qx: np.interp(qx, dose.x, dose.dose[0, 0])
    )
    report = bone_circumference(dose, bone([(0.0, [ellipse(a, b, rotation)])]), threshold_gy=t, depth_mm=depth)
    exact = ellipse_exact(a, b, rotation, depth, dose_at_x, t)
    assert 5.0 < exact < 95.0
    assert report.max_fraction_pct == pytest.approx(exact, abs=1.0)


def test_points_sit_at_depth_on_the_radius_and_stop_at_the_centre(compiled):
    for module in (compiled, twin):
        points = module.cortex_points(circle(12.0), 2.0, 360)
        np.testing.assert_allclose(np.hypot(points[:, 0] - CX, points[:, 1] - CY), 10.0, atol=1e-3)
        np.testing.assert_allclose(module.cortex_points(circle(3.0), 5.0, 90), [[CX, CY]] * 90, atol=1e-9)
        with pytest.raises(ValueError, match="degenerate"):
            module.cortex_points(np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]), 2.0, 10)


def kernel_inputs(structure: Structure, dose: DoseGrid, threshold=40.0, depth=2.0, samples=360):
    start = structure.plane_starts()
    return (structure.points, structure.offsets, start, structure.z[start[:-1]],
            dose.dose, dose.x, dose.y, dose.z, threshold, depth, samples)


def assert_twin_agrees(compiled, structure, dose, threshold=40.0, depth=2.0, samples=360):
    args = kernel_inputs(structure, dose, threshold, depth, samples)
    for ours, theirs in zip(compiled.plane_fractions(*args), twin.plane_fractions(*args)):
        np.testing.assert_array_equal(ours, theirs)
    for c in range(structure.z.size):
        xy = structure.points[structure.offsets[c] : structure.offsets[c + 1]]
        try:
            expected = twin.cortex_points(xy, depth, samples)
        except ValueError:
            with pytest.raises(ValueError):
                compiled.cortex_points(xy, depth, samples)
            continue
        np.testing.assert_allclose(compiled.cortex_points(xy, depth, samples), expected, rtol=0, atol=1e-9)


def test_twin_agrees_with_the_kernel_on_the_phantoms(compiled):
    linear = grid(lambda x, y, z: 38.0 + 0.6 * z + 1.7 * (x - CX))
    step = grid(lambda x, y, z: np.where(x >= CX + 1.2, 60.0, 20.0))
    structure = bone(
        [(z, [circle(7.0 + z, clockwise=z > 0)]) for z in PLANE_Z] + [(9.0, [ellipse(20.0, 11.0, 0.5)])]
    )
    for dose in (linear, step):
        assert_twin_agrees(compiled, structure, dose)


def test_medullary_canal_and_repeated_points_change_nothing():
    dose = grid(lambda x, y, z: 37.0 + 1.3 * (x - CX))
    outer = circle(14.0)
    plain = bone([(0.0, [outer])])
    repeated = np.insert(outer, [0, 100, 100, 500], outer[[0, 100, 100, 500]], axis=0)
    closed = np.vstack((repeated, repeated[:1]))
    canal = circle(8.0, vertices=90, cx=CX + 1.0)
    with_canal = bone([(0.0, [canal, closed])])
    assert bone_circumference(dose, with_canal).to_dict() == bone_circumference(dose, plain).to_dict()


def test_planes_without_bone_and_the_length_at_25_percent():
    plane_z = [0.0, 2.5, 5.0, 7.5, 10.0, 30.0, 32.5]
    hot = {5.0, 7.5, 30.0}
    z_nodes = np.array(sorted(set(plane_z) | {-2.5, 35.0}))
    dose = grid(lambda x, y, z: np.where(np.isin(z, list(hot)), 60.0, 0.0), z=z_nodes)
    report = bone_circumference(dose, bone([(z, [circle(12.0)]) for z in plane_z]))
    assert report.plane_fraction_pct == tuple(100.0 if z in hot else 0.0 for z in plane_z)
    assert report.max_plane_z == 5.0
    assert report.plane_spacing_mm == 2.5
    assert report.length_ge_25pct_cm == pytest.approx(len(hot) * 0.25)


def test_a_plane_at_exactly_25_percent_counts_in_the_length():
    # 360 vertices at whole degrees, so the samples sit at half degrees; a dose edge at +-half_angle
    # degrees keeps 2 * half_angle of them.
    half_angle = {0.0: 44.0, 3.0: 45.0, 6.0: 60.0}
    z_nodes = np.array(sorted(half_angle))
    offset = np.array([10.0 * math.cos(math.radians(half_angle[z])) for z in z_nodes])
    dose = grid(lambda x, y, z: 40.0 - offset[np.searchsorted(z_nodes, z)] + (x - CX), z=z_nodes)
    report = bone_circumference(dose, bone([(z, [circle(12.0, vertices=360, start=0.0)]) for z in z_nodes]))
    assert report.plane_fraction_pct == tuple(100.0 * 2 * half_angle[z] / 360 for z in z_nodes)
    assert report.plane_fraction_pct[1] == 25.0
    assert report.length_ge_25pct_cm == pytest.approx(2 * 3.0 / 10)


def test_bone_partly_outside_the_dose_grid():
    x = np.arange(CX - 30.0, CX + 6.01, 2.0)
    dose = grid(lambda x, y, z: np.full_like(x, 50.0), x=x, z=np.array([-5.0, 5.0]))
    structure = bone([(0.0, [circle(12.0)]), (3.0, [circle(12.0)]), (9.0, [circle(12.0)])])
    report = bone_circumference(dose, structure)
    r, edge = 10.0, x[-1] - CX
    outside_pct = 100.0 * math.acos(edge / r) / math.pi
    first = report.plane_points_outside_grid[0]
    assert 100.0 * first / 360 == pytest.approx(outside_pct, abs=1.0)
    assert report.plane_points_outside_grid == (first, first, 360)
    assert report.plane_fraction_pct[0] == pytest.approx(100.0 * (360 - first) / 360)
    assert report.plane_fraction_pct[2] == 0.0
    assert report.points_outside_grid == 2 * first + 360


def test_degenerate_contours_are_noted_not_fatal():
    dose = grid(lambda x, y, z: np.full_like(x, 50.0))
    structure = bone([
        (0.0, [np.array([[CX, CY], [CX + 1.0, CY]])]),
        (3.0, [np.array([[CX, CY], [CX + 1.0, CY + 1.0], [CX + 2.0, CY + 2.0], [CX + 3.0, CY + 3.0]])]),
        (6.0, [np.tile([[CX, CY]], (5, 1)), circle(10.0)]),
        (9.0, [np.zeros((0, 2))]),
    ])
    report = bone_circumference(dose, structure)
    assert report.plane_fraction_pct == (0.0, 0.0, 100.0, 0.0)
    assert report.max_plane_z == 6.0
    assert len(report.notes) == 4
    assert "z = 6 mm: 1 degenerate" in report.notes[2]


def valid_call():
    return dict(
        dose=grid(lambda x, y, z: np.full_like(x, 50.0)),
        structure=bone([(0.0, [circle(10.0)]), (3.0, [circle(10.0)])]),
    )


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(threshold_gy=float("nan")), "threshold_gy must be a finite"),
        (dict(threshold_gy=float("inf")), "threshold_gy must be a finite"),
        (dict(threshold_gy=0.0), "threshold_gy must be positive"),
        (dict(depth_mm=-0.5), "depth_mm must be >= 0"),
        (dict(depth_mm=float("nan")), "depth_mm must be a finite"),
        (dict(samples=2), "samples must be an integer"),
        (dict(samples=100_001), "samples must be an integer"),
        (dict(structure=lambda: bone([])), "ROI 'Femur_L' has no contours"),
        (dict(structure=lambda: Structure.from_contours("Femur_L", 7, [(0.0, circle(10.0))], kind="POINT")),
         "ROI 'Femur_L' is POINT"),
        (dict(structure=lambda: bone([(0.0, [np.array([[0.0, 0.0], [np.nan, 1.0], [1.0, 0.0]])])])),
         "ROI 'Femur_L': contour points must be finite"),
        (dict(structure=lambda: bone([(0.0, [circle(10.0, cx=2e5)])])), "ROI 'Femur_L': contour points must be"),
        (dict(dose=lambda: grid(lambda x, y, z: np.where(x > CX, np.nan, 1.0))), "dose values must be finite"),
        (dict(dose=lambda: grid(lambda x, y, z: x, x=np.array([0.0, 1.0, 3.0]))), "x axis must be evenly spaced"),
    ],
)
def test_bad_input_is_refused_before_the_kernel(change, message):
    """Bad arguments, and a grid or structure that cannot be built (a callable here)."""
    with pytest.raises(InputError, match=message):
        kwargs = valid_call() | {key: value() if callable(value) else value for key, value in change.items()}
        bone_circumference(**kwargs)


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(dose=np.zeros((2, 2, 2))), "dose must be a DoseGrid"),
        (dict(structure=[circle(10.0)]), "structure must be a Structure"),
        (dict(threshold_gy="40"), "threshold_gy is a number"),
        (dict(threshold_gy=True), "threshold_gy is a number"),
        (dict(samples=360.0), "samples is an integer"),
    ],
)
def test_another_type_than_a_grid_or_a_structure_is_a_type_error(change, message):
    with pytest.raises(TypeError, match=message):
        bone_circumference(**(valid_call() | change))


@pytest.mark.parametrize("name", ["points", "offsets", "z"])
def test_a_structure_s_arrays_cannot_change_after_it_is_validated(name):
    mine = np.array([0, 3, 6])
    structure = Structure("Femur_L", 7, np.zeros((6, 2)), mine, np.array([0.0, 3.0]))
    mine[1] = 10**9
    array = getattr(structure, name)
    assert structure.offsets[1] == 3
    with pytest.raises(ValueError):
        array[0] = 1
    with pytest.raises(ValueError):
        array.flags.writeable = True


def test_report_formats():
    dose = grid(lambda x, y, z: 38.0 + 1.7 * (x - CX))
    report = bone_circumference(dose, bone([(z, [circle(12.0)]) for z in (0.0, 3.0, 6.0)]))
    data = json.loads(format_report(report, "json"))
    assert data["plane_fraction_pct"] == list(report.plane_fraction_pct)
    assert BoneCircumferenceReport(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}) == report
    text = format_report(report, "text")
    assert text.startswith(report.summary())
    assert "Femur_L" in text and f"{report.max_fraction_pct:.1f} %" in text
    assert text.count("<- max") == 1
    assert len(text.splitlines()) == 4 + len(report.plane_z)
    with pytest.raises(ValueError, match="format"):
        format_report(report, "xml")


def polygon(draw, kind):
    n = draw(st.integers(3, 40) if kind == "ring" else st.integers(0, 40))
    cx, cy = draw(st.floats(-20.0, 20.0)), draw(st.floats(-20.0, 20.0))
    radius = draw(st.floats(0.05, 25.0))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if kind == "ring":
        t = np.sort(rng.uniform(0.0, 2.0 * np.pi, n))
        r = radius * rng.uniform(0.6, 1.0, n)
        xy = np.column_stack((cx + r * np.cos(t), cy + r * np.sin(t)))
        if draw(st.booleans()):
            xy = xy[::-1]
    elif kind == "scribble":
        xy = rng.uniform(-radius, radius, (n, 2)) + (cx, cy)
    elif kind == "segment":
        xy = np.outer(rng.uniform(0.0, 1.0, n), (radius, -0.7 * radius)) + (cx, cy)
    else:
        xy = np.tile((cx, cy), (min(n, 4), 1))
    repeats = draw(st.lists(st.integers(0, 39), max_size=4))
    if len(xy):
        xy = np.insert(xy, [i % len(xy) for i in repeats], xy[[i % len(xy) for i in repeats]], axis=0)
    return np.round(xy, draw(st.sampled_from([1, 3, 12])))


@st.composite
def cases(draw):
    planes = []
    plane_z = st.sampled_from([-4.0, -2.0, -1.0, 0.0, 0.0005, 2.5, 8.0])
    kind = st.sampled_from(["ring", "ring", "scribble", "segment", "point"])
    for z in sorted(set(draw(st.lists(plane_z, min_size=1, max_size=4)))):
        kinds = draw(st.lists(kind, min_size=1, max_size=3))
        planes.append((z, [polygon(draw, kind) for kind in kinds]))
    shape = [draw(st.integers(2, 8)), draw(st.integers(2, 8)), draw(st.integers(2, 5))]
    low = [draw(st.floats(-40.0, -5.0)), draw(st.floats(-40.0, -5.0)), draw(st.floats(-6.0, -2.5))]
    high = [draw(st.floats(5.0, 40.0)), draw(st.floats(5.0, 40.0)), draw(st.floats(3.0, 9.0))]
    axes = [np.linspace(lo, hi, n) for lo, hi, n in zip(low, high, shape)]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = rng.integers(0, 6, shape[::-1]) * 10.0 if draw(st.booleans()) else rng.uniform(0.0, 80.0, shape[::-1])
    dose = DoseGrid(values, axes[0], axes[1], axes[2])
    threshold = draw(st.sampled_from([10.0, 40.0, 55.5]))
    depth = draw(st.sampled_from([0.0, 2.0, 9.0]))
    samples = draw(st.integers(3, 50))
    return bone(planes), dose, threshold, depth, samples


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_kernel_and_twin_agree_on_arbitrary_structures(compiled, case):
    structure, dose, threshold, depth, samples = case
    assert_twin_agrees(compiled, structure, dose, threshold, depth, samples)
    reports = []
    for pure in ("0", "1"):
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("COVERAGE_SDK_PUREPYTHON", pure)
            reports.append(bone_circumference(dose, structure, threshold, depth, samples))
    assert reports[0] == reports[1]
    report = reports[0]
    assert all(0.0 <= f <= 100.0 for f in report.plane_fraction_pct)
    assert all(0 <= n <= samples for n in report.plane_points_outside_grid)
    assert report.max_fraction_pct == max(report.plane_fraction_pct)


def test_a_float32_grid_gives_the_float64_report(compiled):
    """Readers hold the dose as float32; the compiled kernel and its twin read it as they read
    float64, point for point."""
    double = grid(lambda x, y, z: 38.0 + 0.6 * z + 1.7 * (x - CX) + 0.3 * np.sin(y))
    single = DoseGrid(double.dose.astype(np.float32), double.x, double.y, double.z)
    double = DoseGrid(single.dose.astype(np.float64), double.x, double.y, double.z)
    assert single.dose.dtype == np.float32
    structure = bone([(z, [circle(9.0)]) for z in PLANE_Z])
    reports = [bone_circumference(g, structure) for g in (single, double)]
    assert reports[0].plane_fraction_pct == reports[1].plane_fraction_pct
    inputs = (structure.points, structure.offsets, structure.plane_starts(), structure.z[structure.plane_starts()[:-1]])
    for g in (single, double):
        args = (*inputs, g.dose, g.x, g.y, g.z, 40.0, 2.0, 360)
        for a, b in zip(compiled.plane_fractions(*args), twin.plane_fractions(*args)):
            np.testing.assert_array_equal(a, b)
