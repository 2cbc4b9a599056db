"""Issue 14: a diagnosis code that contradicts the tumour site never leaves an automatic approval standing."""

from __future__ import annotations

from coverage_sdk.policy.model import Outcome, WarningCode


def test_a_breast_code_on_a_rectal_case_goes_to_a_person(decide):
    """"IORT is indicated for rectal cancer with positive or close margins for T4 lesions or recurrent
    disease." — but C50.411 is a breast cancer, which CG_226 decides on other criteria."""
    assert decide("rectal", {"tumor.site": "rectum"}).outcome is Outcome.MEDICALLY_NECESSARY
    det = decide("rectal", {"tumor.site": "rectum", "diagnoses": ["C50.411"]})
    assert det.outcome is Outcome.CLINICAL_REVIEW and det.requires_clinical_review
    assert [w.code for w in det.warnings] == [WarningCode.DIAGNOSIS_CONFLICT]
    assert "C50.411" in det.reasons[0] and "breast" in det.reasons[0]


def test_a_code_the_site_may_be_coded_as_is_no_conflict(decide):
    assert decide("sarcoma", {"tumor.site": "soft_tissue_sarcoma"}).warnings == []
