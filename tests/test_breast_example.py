"""Acceptance 2 of issue 3: our DVHs of the breast example agree with the planning system's.

The RT Dose carries the DVHs its planning system computed (DVH Sequence); for the five ROIs
of 10 cc or more, volume agrees within 2 %, mean, D95 and D5 within 2 % of the ROI's maximum
dose, V5Gy within 2 percentage points. The reference statistics are read off the stored
cumulative curve with interpolation (:class:`coverage_sdk.dicom.ReferenceDVH`).
"""

from __future__ import annotations

import pytest
from repo_paths import SHARED

from coverage_sdk.dicom import read_rtdose, read_rtstruct
from coverage_sdk.dvh import compute_dvh

BREAST = SHARED / "data" / "dicom" / "breast-example"
LARGE_ROIS = ("Breast", "Heart", "Lt Lung", "Tumor Bed", "Tumor Bed Block")


@pytest.fixture(scope="module")
def plan():
    return read_rtdose(BREAST / "rtdose.dcm"), read_rtstruct(BREAST / "rtss.dcm")


def test_the_large_rois_are_the_ones_of_10_cc_or_more(plan):
    dose, structures = plan
    large = {name for name, s in structures.items() if s.number in dose.reference_dvhs
             and dose.reference_dvhs[s.number].volume_cc >= 10 and name != "BODY"}
    assert large == set(LARGE_ROIS)


@pytest.mark.parametrize("name", LARGE_ROIS)
def test_dvh_agrees_with_the_planning_system(plan, name):
    dose, structures = plan
    structure = structures[name]
    reference = dose.reference_dvhs[structure.number]
    dvh = compute_dvh(dose, structure)
    dose_tolerance = 0.02 * dvh.max
    assert dvh.volume_cc == pytest.approx(reference.volume_cc, rel=0.02)
    assert dvh.mean == pytest.approx(reference.mean, abs=dose_tolerance)
    assert dvh.statistic("D95") == pytest.approx(reference.dose_at_volume(95), abs=dose_tolerance)
    assert dvh.statistic("D5") == pytest.approx(reference.dose_at_volume(5), abs=dose_tolerance)
    assert dvh.statistic("V5Gy") == pytest.approx(reference.volume_at_dose(5.0), abs=2.0)
