"""Issue 14, from the policy's sentences: a loosened constraint, the dates of the policy's life,
the NOTE on policies 164/165/166, and image fusion bundled into planning."""

from __future__ import annotations

from imrt_cases import decide, example_case

from coverage_sdk.policy.model import Outcome, WarningCode

PUBLISHED = "demonstrating that only through IMRT can published dose/volume constraints be met for organs at risk"


def test_a_brainstem_limit_looser_than_quantec_does_not_approve_on_its_own():
    """QUANTEC's brainstem limit is Dmax < 54 Gy; a case that calls 70 Gy QUANTEC's is not a published constraint."""
    rows = (("Brainstem", "Dmax < 70 Gy", "QUANTEC", 75, 65, ""),)
    det = decide(example_case(rows=rows))
    assert det.outcome is Outcome.CLINICAL_REVIEW and det.requires_clinical_review
    (warning,) = det.warnings
    assert (warning.code, warning.field) == (WarningCode.CONSTRAINT_LOOSER_THAN_PUBLISHED, "radiation.oar_constraints[0].constraint")
    assert "Dmax < 54 Gy" in det.reasons[0] and "not medically necessary" in det.reasons[0]
    assert all(item.units_approved is None for item in det.line_items)


def test_the_published_limit_itself_approves_without_a_warning():
    det = decide(example_case(rows=(("Brainstem", "Dmax < 54 Gy", "QUANTEC", 62, 52, ""),)))
    assert (det.outcome, det.warnings) == (Outcome.MEDICALLY_NECESSARY, [])


def test_a_looser_limit_that_changes_nothing_is_shown_only():
    det = decide(example_case(rows=(("Brainstem", "Dmax < 60 Gy", "QUANTEC", 62, 50, ""),)))
    assert det.outcome is Outcome.MEDICALLY_NECESSARY
    assert [w.code for w in det.warnings] == [WarningCode.CONSTRAINT_LOOSER_THAN_PUBLISHED]


def test_dates_in_the_policys_life_before_the_encoded_text_go_to_a_person():
    """"Date of Origin: July 2019"; the text given is "Effective: January 1, 2025"."""
    for day in ("2019-07-01", "2022-06-15", "2024-12-31"):
        det = decide(example_case(date=day))
        assert det.outcome is Outcome.CLINICAL_REVIEW and det.policy_version is None
        assert [w.code for w in det.warnings] == [WarningCode.VERSION_NOT_ENCODED]
        assert "origin 2019-07-01" in det.reasons[0]
    assert decide(example_case(date="2019-06-30")).outcome is Outcome.NOT_APPLICABLE


def test_not_medically_necessary_says_the_note_on_policies_164_165_166():
    """"(NOTE: Please use Medicine, Policy No. 164, 165, or 166 (see Cross References) for specific indications ...)"."""
    rows = (("Brachial plexus", "Max < 66 Gy", "RTOG", 58, 52, ""),)
    det = decide(example_case(rows=rows))
    assert det.outcome is Outcome.NOT_MEDICALLY_NECESSARY
    assert "Policy No. 164" in det.reasons[0] and "Policy No. 165" in det.reasons[0] and "Policy No. 166" in det.reasons[0]


def test_image_fusion_is_bundled_into_the_treatment_planning():
    """"... CPT code 77399 ...; however, it is considered part of the treatment planning."""
    det = decide(example_case(codes=("77301", "77399")))
    assert det.outcome is Outcome.MEDICALLY_NECESSARY
    fusion = det.line_items[1]
    assert (fusion.code, fusion.outcome, fusion.units_approved) == ("77399", Outcome.MEDICALLY_NECESSARY, 0)
    assert "considered part of the treatment planning" in fusion.reason
    assert "not a service of this policy" not in fusion.reason
