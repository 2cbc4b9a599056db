"""The policy's criteria, versions, boundaries, unknowns and line items, on submitted plan metrics."""

from __future__ import annotations

import re
from decimal import Decimal
from importlib.resources import files

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coverage_sdk import InputError
from coverage_sdk.policy.model import Outcome, Result
from coverage_sdk_bcbsnc_imrt_extremity_sarcoma import POLICY
from coverage_sdk_bcbsnc_imrt_extremity_sarcoma.policy import SERVICE_CODES_SOURCE, THRESHOLDS, UNITS_77338

DOCUMENT = files("coverage_sdk_bcbsnc_imrt_extremity_sarcoma") / "data" / "bcbsnc-imrt-extremity-sarcoma.txt"
MN, NMN, NA, INSUFFICIENT = (
    Outcome.MEDICALLY_NECESSARY, Outcome.NOT_MEDICALLY_NECESSARY, Outcome.NOT_APPLICABLE, Outcome.INSUFFICIENT_INFORMATION,
)  # fmt: skip


def _normal(text: str) -> str:
    return " ".join(text.replace("**", "").split())


def _citations():
    for node in POLICY.criteria():
        yield node.id, node.citation
    for version in POLICY.versions:
        yield f"otherwise-{version.name}", version.otherwise.citation
    yield "unit-limit-77338", UNITS_77338.citation
    yield "service-codes", SERVICE_CODES_SOURCE


@pytest.mark.parametrize(("where", "citation"), list(_citations()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_quote_is_copied_from_the_policy_document(where, citation):
    assert _normal(citation.quote) in _normal(DOCUMENT.read_text(encoding="utf-8")), where


def test_services_are_the_documents_applicable_codes():
    quoted = set(re.findall(r"\b(?:\d{5}|G\d{4})\b", SERVICE_CODES_SOURCE.quote))
    assert set(POLICY.services.all) == quoted == {"77301", "77338", "77385", "77386", "G6015", "G6016"}


def test_versions_follow_the_policy_history():
    assert [(v.effective_from.isoformat(), v.effective_to and v.effective_to.isoformat()) for v in POLICY.versions] == [
        ("2016-05-31", "2019-05-27"),
        ("2019-05-28", None),
    ]
    assert [(t.minimum_3d_pct, t.minimum_reduction_points) for t in THRESHOLDS] == [(50.0, 20.0), (25.0, 15.0)]


BOUNDARIES_2019 = [
    ((25.0, 10.0), MN),  # exactly 25 % and exactly 15 points
    ((24.9, 9.9), NMN),  # 3D below 25 %
    ((25.0, 10.1), NMN),  # 14.9 points
    ((40.0, 25.1), NMN),  # 14.9 points
    ((40.1, 25.1), MN),  # 15 points as written
    ((45.3, 30.3), MN),  # 15 points; the binary difference is 14.999999999999996
    ((40.3, 25.3), MN),
    ((100.0, 85.0), MN),
    ((100.0, 85.1), NMN),
]


@pytest.mark.parametrize(("values", "outcome"), BOUNDARIES_2019)
def test_bone_boundaries_from_2019(make_case, decide, values, outcome):
    det = decide(make_case(bone=values))
    assert det.outcome is outcome
    assert det.policy_version == "2019-05-28"


@pytest.mark.parametrize(("values", "outcome"), BOUNDARIES_2019)
def test_joint_boundaries_from_2019(make_case, decide, values, outcome):
    assert decide(make_case(joint=values)).outcome is outcome


@pytest.mark.parametrize(
    ("values", "outcome"),
    [((50.0, 30.0), MN), ((49.9, 29.9), NMN), ((50.0, 30.1), NMN), ((60.0, 40.0), MN), ((25.0, 10.0), NMN), ((40.0, 25.0), NMN)],
)
@pytest.mark.parametrize("role", ["bone", "joint"])
def test_the_2018_version_needs_50_percent_and_20_points(make_case, decide, role, values, outcome):
    det = decide(make_case(**{role: values}, date_of_service="2018-07-01"))
    assert (det.outcome, det.policy_version) == (outcome, "2016-05-31")


@pytest.mark.parametrize(
    ("day", "version", "outcome"),
    [
        ("2015-06-01", None, NA),
        ("2016-05-30", None, NA),
        ("2016-05-31", "2016-05-31", NMN),
        ("2019-05-27", "2016-05-31", NMN),
        ("2019-05-28", "2019-05-28", MN),
    ],
)
def test_the_date_of_service_picks_the_version(make_case, decide, day, version, outcome):
    det = decide(make_case(bone=(40.0, 22.0), date_of_service=day))
    assert (det.policy_version, det.outcome) == (version, outcome)
    if outcome is NA:
        assert "No version of this policy was in force" in det.reasons[0]
        assert not det.requires_clinical_review


@pytest.mark.parametrize("kind", ["tibia", "fibula", "radius", "ulna"])
def test_only_a_femur_or_humerus_counts(make_case, decide, trail, kind):
    det = decide(make_case(bone=(90.0, 10.0), bone_kind=kind))
    assert det.outcome is NMN
    assert trail(det)["femur-or-humerus"].result is Result.NOT_MET
    assert f"the bone is a {kind}, not a femur or humerus" in det.reasons[1]


@pytest.mark.parametrize("kind", ["femur", "humerus", "Humerus"])
def test_femur_and_humerus_count(make_case, decide, kind):
    assert decide(make_case(bone=(90.0, 10.0), bone_kind=kind)).outcome is MN


@pytest.mark.parametrize("kind", ["shoulder", "elbow", "wrist", "hip", "knee", "ankle", "sacroiliac", "toe"])
def test_the_named_joints_are_examples(make_case, decide, trail, kind):
    """"3D results in >=25% of the joint spaces (e.g., shoulder, elbow, wrist, hip, knee, ankle) receiving >=35Gy"."""
    det = decide(make_case(joint=(40.0, 20.0), joint_kind=kind))
    assert det.outcome is MN
    named = trail(det)["joint-space"].evidence["radiation.structures.joint_kind_is_a_named_example"]
    assert named is (kind in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle"))
    said = any("not one of the examples the policy names" in reason for reason in det.reasons)
    assert said is not named


def test_a_tibia_with_no_joint_information_asks_only_for_the_joint(make_case, decide):
    det = decide(make_case(bone=(90.0, 10.0), joint=None, bone_kind="tibia"))
    assert det.outcome is INSUFFICIENT
    assert {m.field for m in det.missing_information} == {
        "radiation.structures.joint",
        "plan_metrics.3dcrt_joint_pct_ge_35gy",
        "plan_metrics.imrt_joint_pct_ge_35gy",
    }


def test_no_plan_values_names_each_plan_and_metric(make_case, decide):
    data = make_case()
    data["radiation"]["plans"] = []
    det = decide(data)
    assert det.outcome is INSUFFICIENT and det.requires_clinical_review
    missing = {m.field: m.reason for m in det.missing_information}
    for plan, name in (("3dcrt", "3D"), ("imrt", "IMRT")):
        for metric in ("bone_circumference_pct_ge_40gy", "joint_pct_ge_35gy"):
            reason = missing[f"plan_metrics.{plan}_{metric}"]
            assert reason.startswith(f"no {name} plan is given (radiation.plans[] with technique '{plan}')")
    assert all(line.units_approved is None for line in det.line_items)
    assert "3dcrt bone circumference pct ge 40gy" in det.reasons[0]
    assert "imrt joint pct ge 35gy" in det.reasons[0]


def test_a_plan_without_the_metric_says_which_plan_and_key(make_case, decide):
    det = decide(make_case(bone=(40.0, None), joint=(40.0, 20.0)))
    assert det.outcome is MN  # the joint pathway decides
    det = decide(make_case(bone=(40.0, None)))
    assert det.outcome is INSUFFICIENT
    (missing,) = det.missing_information
    assert missing.field == "plan_metrics.imrt_bone_circumference_pct_ge_40gy"
    assert "the IMRT plan 'IMRT' has neither DICOM" in missing.reason
    assert "metrics['Femur_L'].bone_circumference_pct_ge_40gy" in missing.reason


def test_an_unnamed_structure_is_reported(make_case, decide):
    data = make_case(bone=(40.0, 20.0))
    del data["radiation"]["structures"]["bone"]
    det = decide(data)
    assert det.outcome is INSUFFICIENT
    reasons = [m.reason for m in det.missing_information]
    assert any(r.startswith("radiation.structures.bone does not name the bone ROI") for r in reasons)


def test_the_evidence_shows_values_difference_and_the_versions_thresholds(make_case, decide, trail):
    for day, minimum, reduction in (("2024-01-02", 25.0, 15.0), ("2017-01-02", 50.0, 20.0)):
        det = decide(make_case(bone=(61.5, 40.0), date_of_service=day))
        ids = trail(det)
        three_d = next(c for i, c in ids.items() if i.startswith("bone-3d-ge-"))
        assert three_d.id == f"bone-3d-ge-{minimum:g}pct"
        assert three_d.evidence == {
            "plan_metrics.3dcrt_bone_circumference_pct_ge_40gy": 61.5,
            "policy_thresholds.minimum_3d_pct": minimum,
        }
        drop = ids[f"bone-reduction-ge-{reduction:g}-points"].evidence
        assert drop["plan_metrics.3dcrt_bone_circumference_pct_ge_40gy"] == 61.5
        assert drop["plan_metrics.imrt_bone_circumference_pct_ge_40gy"] == 40.0
        assert drop["plan_metrics.bone_reduction_points"] == 21.5
        assert drop["policy_thresholds.minimum_reduction_points"] == reduction
        assert drop["plan_metrics.bone_sources"]["imrt"] == {"plan": "IMRT", "computed_from_dicom": None, "submitted": 40.0}
        (row,) = [r for r in det.summary_table if r.organ == "Femur_L (femur)"]
        assert (row.value_3d, row.value_imrt) == (61.5, 40.0)
        assert f"3D >= {minimum:g} %, reduction >= {reduction:g} points" in row.constraint


def test_four_units_of_77338_for_one_imrt_plan_are_approved_as_one(make_case, decide):
    """"CPT 77338 is reported once per IMRT plan and is limited to 3 units per 60-day treatment course."""
    data = make_case(bone=(40.0, 20.0), procedures=[{"code": "77338", "units": 4}, {"code": "77386", "units": 28}])
    det = decide(data)
    assert det.outcome is MN
    units = {line.code: (line.units_requested, line.units_approved) for line in det.line_items}
    assert units == {"77338": (4, 1), "77386": (28, 28)}
    (limited,) = [line for line in det.line_items if line.code == "77338"]
    assert "at most 1 per IMRT plan" in limited.reason and "counted 1 imrt plan(s) in the request" in limited.reason
    assert "at most 3 per 60-day treatment course" in limited.reason


def test_not_medically_necessary_approves_nothing(make_case, decide):
    det = decide(make_case(bone=(30.0, 20.0), procedures=[{"code": "77338", "units": 4}]))
    assert det.outcome is NMN and det.requires_clinical_review
    assert [line.units_approved for line in det.line_items] == [0]


def test_other_services_are_not_applicable(make_case, decide):
    det = decide(make_case(bone=(40.0, 20.0), procedures=[{"code": "77427"}]))
    assert det.outcome is NA


@pytest.mark.parametrize(
    ("tumor", "outcome"),
    [
        ({"site": "prostate"}, NA),
        ({"site": "soft_tissue_sarcoma", "location": "retroperitoneal"}, NA),
        ({"site": "bone_sarcoma", "location": "extremity_upper"}, MN),
        ({"site": "soft_tissue_sarcoma"}, INSUFFICIENT),
    ],
)
def test_only_sarcoma_of_the_extremities_is_decided(make_case, decide, tumor, outcome):
    det = decide(make_case(bone=(40.0, 20.0), tumor=tumor))
    assert det.outcome is outcome
    if outcome is NA:
        assert not det.requires_clinical_review
        assert "sarcoma of the extremities only" in det.reasons[0]
    if outcome is INSUFFICIENT:
        assert [m.field for m in det.missing_information] == ["tumor.location"]


def test_the_limb_is_inferred_from_the_diagnosis_code(make_case, decide, trail):
    det = decide(make_case(bone=(40.0, 20.0), tumor={"site": "soft_tissue_sarcoma"}, diagnoses=["C49.22"]))
    assert det.outcome is MN
    assert trail(det)["extremity"].evidence["tumor.location (source)"] == "inferred from ICD-10-CM C49.22"


@pytest.mark.parametrize("value", [100.5, -1.0, float("nan")])
def test_a_submitted_value_outside_0_to_100_is_bad_input(make_case, decide, value):
    with pytest.raises(InputError, match=r"radiation\.plans\[0\]\.metrics\.Femur_L\.bone_circumference_pct_ge_40gy"):
        decide(make_case(bone=(value, 10.0)))


def test_two_plans_of_one_technique_are_bad_input(make_case, decide):
    data = make_case(bone=(40.0, 20.0))
    data["radiation"]["plans"].append({"label": "IMRT v2", "technique": "imrt", "metrics": {}})
    with pytest.raises(InputError, match="expected one imrt plan to compare, found 2"):
        decide(data)


percent = st.decimals(min_value=0, max_value=100, places=2)


@settings(max_examples=200, deadline=None)
@given(before=percent, after=percent, role=st.sampled_from(["bone", "joint"]))
def test_decimals_compare_as_written(make_case, decide, before, after, role):
    met = before >= Decimal(25) and before - after >= Decimal(15)
    det = decide(make_case(**{role: (float(before), float(after))}))
    assert det.outcome is (MN if met else NMN)
