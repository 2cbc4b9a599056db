"""BCBSMA Policy 278: every sentence of the policy and prior-authorization sections, tested."""

from __future__ import annotations

from importlib.resources import files

import pytest

import coverage_sdk as cs
from coverage_sdk.policy.model import Audit, Outcome, Result
from coverage_sdk.testing import normalise
from coverage_sdk_bcbsma_278_iort import POLICY

DOCUMENT = files("coverage_sdk_bcbsma_278_iort") / "data" / "bcbsma-278-iort.txt"
AUDIT = Audit("0", "test", "0", "sha", "now")

RECTAL_T4_CLOSE = {
    "case_id": "t",
    "date_of_service": "2024-09-12",
    "setting": "outpatient",
    "line_of_business": "commercial_ppo",
    "procedures": [{"code": "77425"}],
    "diagnoses": ["C20"],
    "tumor": {"site": "rectum", "t_stage": "T4", "margin_status": "close"},
}


def decide(**changes):
    data = {**RECTAL_T4_CLOSE, **changes}
    if "tumor" in changes:
        data["tumor"] = {k: v for k, v in {**RECTAL_T4_CLOSE["tumor"], **changes["tumor"]}.items() if v is not None}
    return POLICY.evaluate(cs.structure_case(data), AUDIT)


def trail(det):
    return {c.id: c.result for c in det.criteria}


POLICY_AND_PRIOR_AUTH_SENTENCES = [
    "Use of intraoperative radiotherapy may be considered MEDICALLY NECESSARY in the following situation:",
    "Rectal cancer with positive or close margins with T4 lesions or recurrent disease.",
    "Use of intraoperative radiotherapy is considered INVESTIGATIONAL for all other oncologic applications.",
    "For services described in this policy, precertification/preauthorization IS REQUIRED for all products if the procedure is performed inpatient.",
    "For services described in this policy, see below for products where prior authorization might be required if the procedure is performed outpatient.",
    "Commercial Managed Care (HMO and POS) Prior authorization is not required.",
    "Commercial PPO and Indemnity Prior authorization is not required.",
    "Medicare HMO Blue SM Prior authorization is not required.",
    "Medicare PPO Blue SM Prior authorization is not required.",
]


@pytest.mark.parametrize("sentence", POLICY_AND_PRIOR_AUTH_SENTENCES)
def test_each_sentence_is_in_the_document_and_cited_by_a_criterion(sentence):
    assert normalise(sentence) in normalise(DOCUMENT.read_text())
    cited = {normalise(node.citation.quote) for node in POLICY.criteria()}
    cited.add(normalise(POLICY.versions[0].otherwise.citation.quote))
    assert normalise(sentence) in cited


def test_acceptance_rectal_t4_close_margin_outpatient():
    det = decide()
    assert det.outcome is Outcome.MEDICALLY_NECESSARY and not det.requires_clinical_review
    assert det.prior_authorization_required is False
    assert det.line_items[0].units_approved == 1


def test_acceptance_colon_is_investigational():
    det = decide(diagnoses=["C18.7"], tumor={"site": None})
    assert det.outcome is Outcome.INVESTIGATIONAL and det.requires_clinical_review
    assert trail(det)["rectal-cancer"] is Result.NOT_MET
    assert trail(det)["investigational-all-other"] is Result.MET
    assert "tumor site is colon" in " ".join(det.reasons)


def test_acceptance_imrt_only_is_not_applicable():
    det = decide(procedures=[{"code": "77385"}])
    assert det.outcome is Outcome.NOT_APPLICABLE and det.criteria == []


@pytest.mark.parametrize(
    ("criterion", "met", "not_met", "unknown"),
    [
        ("rectal-cancer", {}, {"diagnoses": ["C50.9"], "tumor": {"site": "breast"}}, {"diagnoses": [], "tumor": {"site": None}}),
        ("close-or-positive-margins", {"tumor": {"margin_status": "positive"}}, {"tumor": {"margin_status": "negative"}}, {"tumor": {"margin_status": None}}),
        ("t4-lesion", {"tumor": {"t_stage": "T4b"}}, {"tumor": {"t_stage": "T3"}}, {"tumor": {"t_stage": None}}),
        ("recurrent-disease", {"tumor": {"recurrent": True}}, {"tumor": {"recurrent": False}}, {}),
        ("t4-or-recurrent", {"tumor": {"t_stage": "T2", "recurrent": True}}, {"tumor": {"t_stage": "T3", "recurrent": False}}, {"tumor": {"t_stage": "T3"}}),
        ("rectal-diagnosis-code", {"diagnoses": ["D01.2"]}, {"diagnoses": ["C19"]}, {"diagnoses": []}),
    ],
)  # fmt: skip
def test_each_criterion_met_not_met_unknown(criterion, met, not_met, unknown):
    assert trail(decide(**met))[criterion] is Result.MET
    assert trail(decide(**not_met))[criterion] is Result.NOT_MET
    assert trail(decide(**unknown))[criterion] is Result.UNKNOWN


def test_recurrent_disease_without_t4_is_covered():
    det = decide(tumor={"t_stage": "T3", "recurrent": True, "margin_status": "positive"})
    assert det.outcome is Outcome.MEDICALLY_NECESSARY


def test_negative_margins_are_investigational_with_the_reason():
    det = decide(tumor={"margin_status": "negative"})
    assert det.outcome is Outcome.INVESTIGATIONAL
    assert "margin status is negative" in det.reasons[1]


def test_missing_margins_is_insufficient_information_naming_them():
    det = decide(tumor={"margin_status": None})
    assert det.outcome is Outcome.INSUFFICIENT_INFORMATION and det.requires_clinical_review
    assert [m.field for m in det.missing_information] == ["tumor.margin_status"]
    assert det.line_items[0].units_approved is None


def test_missing_diagnosis_code_is_named():
    det = decide(diagnoses=[])
    assert det.outcome is Outcome.INSUFFICIENT_INFORMATION
    assert [m.field for m in det.missing_information] == ["diagnoses"]


def test_icd10_pcs_code_makes_the_policy_apply():
    det = decide(procedures=[{"code": "DDY7CZZ", "system": "ICD-10-PCS"}])
    assert det.outcome is Outcome.MEDICALLY_NECESSARY


@pytest.mark.parametrize(
    ("setting", "line", "required", "rule"),
    [
        ("inpatient", "commercial_hmo", True, "pa-inpatient"),
        ("inpatient", "medicare_advantage_ppo", True, "pa-inpatient"),
        ("outpatient", "commercial_hmo", False, "pa-outpatient-commercial-managed-care"),
        ("outpatient", "commercial_pos", False, "pa-outpatient-commercial-managed-care"),
        ("outpatient", "commercial_ppo", False, "pa-outpatient-commercial-ppo-indemnity"),
        ("outpatient", "commercial_indemnity", False, "pa-outpatient-commercial-ppo-indemnity"),
        ("outpatient", "medicare_advantage_hmo", False, "pa-outpatient-medicare-hmo-blue"),
        ("outpatient", "medicare_advantage_ppo", False, "pa-outpatient-medicare-ppo-blue"),
    ],
)
def test_prior_authorization_table(setting, line, required, rule):
    det = decide(setting=setting, line_of_business=line)
    assert det.prior_authorization_required is required
    assert trail(det)[rule] is Result.MET


def test_prior_authorization_unknown_without_the_setting():
    assert decide(setting=None).prior_authorization_required is None
    assert decide(setting="inpatient", line_of_business=None).prior_authorization_required is True


def test_outpatient_of_unknown_product_needs_no_prior_authorization():
    """Every row of "see below for products where prior authorization might be required if the procedure is
    performed outpatient" says "Prior authorization is not required"."""
    det = decide(line_of_business=None)
    assert det.prior_authorization_required is False
    assert trail(det)["pa-outpatient-commercial-ppo-indemnity"] is Result.UNKNOWN
    assert trail(det)["pa-outpatient-every-product"] is Result.MET


def test_products_outside_the_policy_and_dates_before_it():
    assert decide(line_of_business="medicaid").outcome is Outcome.NOT_APPLICABLE
    assert decide(date_of_service="2006-12-31").outcome is Outcome.NOT_APPLICABLE
    assert decide(date_of_service="2007-01-01").policy_version == "2007-01-01"
