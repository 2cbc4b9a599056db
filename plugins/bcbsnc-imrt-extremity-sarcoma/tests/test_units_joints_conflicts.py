"""Issue 14, from the policy's sentences: 77338 counted over the treatment course and per IMRT
plan, and a diagnosis code that places the sarcoma elsewhere sent to a person."""

from __future__ import annotations


from coverage_sdk.policy.model import Outcome, WarningCode

MN = Outcome.MEDICALLY_NECESSARY
SENTENCE = "CPT 77338 is reported once per IMRT plan and is limited to 3 units per 60-day treatment course."


def _approved(det) -> list[tuple[str, int, int | None]]:
    return [(line.code, line.units_requested, line.units_approved) for line in det.line_items]


def test_two_lines_of_77338_are_counted_together(make_case, decide):
    """Lines of 3 and 1 units are 4 units for one IMRT plan in one course: one unit is approved in all."""
    det = decide(make_case(bone=(40.0, 20.0), procedures=[{"code": "77338", "units": 3}, {"code": "77338", "units": 1}]))
    assert det.outcome is MN
    assert _approved(det) == [("77338", 3, 1), ("77338", 1, 0)]
    assert "1 unit(s) on earlier lines of this request" in det.line_items[1].reason


def test_units_given_earlier_in_the_course_count(make_case, decide):
    """Units given within the 60 days before the date of service leave fewer for this request."""
    data = make_case(
        bone=(40.0, 20.0), procedures=[{"code": "77338", "units": 1}],
        prior_services=[
            {"code": "77338", "units": 3, "date_of_service": "2024-05-01"},
            {"code": "77338", "units": 2, "date_of_service": "2024-03-01"},
        ],
    )  # fmt: skip
    det = decide(data)
    assert _approved(det) == [("77338", 1, 0)]
    assert "3 unit(s) of prior_services from 2024-04-05 to 2024-06-03" in det.line_items[0].reason
    data["prior_services"] = [{"code": "77338", "units": 2, "date_of_service": "2024-04-05"}]
    det = decide(data)
    assert _approved(det) == [("77338", 1, 1)]
    data["prior_services"] = [{"code": "77338", "units": 3, "date_of_service": "2024-04-04"}]
    assert _approved(decide(data)) == [("77338", 1, 1)]


def test_77338_is_reported_once_per_imrt_plan(make_case, decide):
    det = decide(make_case(bone=(40.0, 20.0), procedures=[{"code": "77338", "units": 2}]))
    assert _approved(det) == [("77338", 2, 1)]
    assert "at most 1 per IMRT plan" in det.line_items[0].reason
    assert SENTENCE.rstrip(".") in det.line_items[0].reason


def test_a_retroperitoneal_code_on_an_extremity_case_goes_to_a_person(make_case, decide):
    """"IMRT for sarcoma of the extremities": C48.0 places the sarcoma in the retroperitoneum."""
    data = make_case(bone=(40.0, 20.0), diagnoses=["C49.22"])
    assert decide(data).outcome is MN and decide(data).warnings == []
    data["diagnoses"] = ["C48.0"]
    det = decide(data)
    assert det.outcome is Outcome.CLINICAL_REVIEW
    assert [w.code for w in det.warnings] == [WarningCode.DIAGNOSIS_CONFLICT]
    assert "retroperitoneal" in det.reasons[0] and "extremity lower" in det.reasons[0]


def test_the_other_limb_is_shown_but_decides_the_same(make_case, decide):
    det = decide(make_case(bone=(40.0, 20.0), diagnoses=["C49.12"]))
    assert det.outcome is MN
    assert [w.code for w in det.warnings] == [WarningCode.DIAGNOSIS_CONFLICT]
    assert det.warnings[0].message.endswith("Read as sarcoma location extremity upper, as C49.12 says, the outcome would be the same.")
