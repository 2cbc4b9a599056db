"""Acceptance 1 and 3 of issue 3: DVHs of analytic phantoms against their closed forms, and
the compiled kernels against their numpy twins on those phantoms."""

from __future__ import annotations

import numpy as np
import pytest

from compiled import compiled_kernel
from phantoms import METRICS, across_cases, all_cases, dose_grid, errors, structure, table

from coverage_sdk.dose import dvh as dvh_module
from coverage_sdk._fallback import dvh as twin_dvh, raster as twin_raster
from coverage_sdk._kernels import extension_status
from coverage_sdk.dose.dvh import compute_dvh

CASES = all_cases()


def test_accuracy_against_closed_forms():
    # The pure-Python run checks every third case; the compiled run checks all of them.
    cases = CASES if extension_status() == "compiled" else CASES[::3]
    rows = [errors(case, compute_dvh(dose_grid(case), structure(case))) for case in cases]
    print(f"\n{len(rows)} phantoms\n{table(rows)}")
    for name in METRICS:
        values = np.array([row[name] for row in rows])
        assert np.percentile(values, 90) <= 1.5, name
        assert values.max() <= 3.0, name


def test_cylinders_across_the_slices_as_they_are_today():
    """Cylinders lying across the slices (issue 17), radius 5, 12 and 20 mm, contours every 1, 2
    and 3 mm: slabs of constant section miss the circular profile between planes and near the
    end planes, so volumes come out up to 5 % small (12 mm at 3 mm). Issue 17 asks for 1 % p90
    and 2 % worst, which needs an interpolation between planes that the SDK does not have yet;
    this test holds today's level so that a change is seen, and says where it stands."""
    cases = across_cases() if extension_status() == "compiled" else across_cases()[::3]
    rows = [errors(case, compute_dvh(dose_grid(case), structure(case))) for case in cases]
    print(f"\n{len(rows)} cylinders across the slices\n{table(rows)}")
    volume = np.array([row["volume"] for row in rows])
    assert 4.0 <= np.percentile(volume, 90) <= 5.0 and volume.max() <= 5.5
    for name in METRICS[1:]:
        values = np.array([row[name] for row in rows])
        assert np.percentile(values, 90) <= 2.0 and values.max() <= 3.0, name


@pytest.mark.parametrize("case", CASES[::41], ids=lambda c: c.label)
def test_twin_gives_the_same_dvh(case, monkeypatch):
    compiled = {"_raster": compiled_kernel("_raster"), "_dvh": compiled_kernel("_dvh")}
    grid, roi = dose_grid(case), structure(case)
    monkeypatch.setattr(dvh_module, "kernel", compiled.__getitem__)
    fast = compute_dvh(grid, roi, threads=2)
    twins = {"_raster": twin_raster, "_dvh": twin_dvh}
    monkeypatch.setattr(dvh_module, "kernel", twins.__getitem__)
    slow = compute_dvh(grid, roi)
    for name in ("D99", "D95", "D50", "D5", "D1", "V20Gy", "D0.1cc"):
        assert fast.statistic(name) == pytest.approx(slow.statistic(name), rel=1e-9), name
    for attr in ("volume_cc", "volume_outside_cc", "min", "max", "mean"):
        assert getattr(fast, attr) == pytest.approx(getattr(slow, attr), rel=1e-9, abs=1e-12), attr
    np.testing.assert_allclose(fast.cumulative_cc, slow.cumulative_cc, rtol=1e-9, atol=1e-9 * fast.volume_cc)
