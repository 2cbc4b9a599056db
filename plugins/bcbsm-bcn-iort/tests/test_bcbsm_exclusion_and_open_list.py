"""Issue 14, from the policy's sentences: the GIST/desmoid exclusion holds across every bullet,
"including" names examples, and a diagnosis code that contradicts the tumour site is sent to a person."""

from __future__ import annotations

import pytest

from coverage_sdk.policy.model import Outcome, Result, WarningCode

MN, INV, INSUFFICIENT = Outcome.MEDICALLY_NECESSARY, Outcome.INVESTIGATIONAL, Outcome.INSUFFICIENT_INFORMATION
RECURRENT_SARCOMA = dict(site="soft_tissue_sarcoma", recurrent=True, distant_metastases=False)
RECTUM = dict(site="rectum", t_stage="T4b", recurrent=False, margin_status="positive", distant_metastases=False)


@pytest.mark.parametrize(
    "tumor",
    [
        dict(RECURRENT_SARCOMA, location="abdominal", histology="gist"),
        dict(RECURRENT_SARCOMA, location="retroperitoneal", histology="gastrointestinal stromal tumor"),
        dict(RECURRENT_SARCOMA, location="extremity_lower", histology="desmoid"),
        dict(RECURRENT_SARCOMA, location="trunk", histology="aggressive fibromatosis"),
        dict(RECURRENT_SARCOMA, site="desmoid", location="extremity_upper"),
    ],
)  # fmt: skip
def test_gist_and_desmoid_are_excluded_from_every_bullet(decide, results, tumor):
    """"... for tumors other than gastrointestinal stromal tumors (GIST) and desmoid sarcomas": "Soft
    tissue sarcomas." covers the same tumour, and the exclusion holds there too."""
    det = decide(**tumor)
    assert det.outcome is INV, det.reasons
    assert results(det)["excluded-gist-or-desmoid"] is Result.MET
    assert "GIST" in det.reasons[0] and "desmoid" in det.reasons[0]
    assert [item.units_approved for item in det.line_items] == [0]


def test_a_sarcoma_of_unknown_histology_waits_for_the_histology(decide):
    """"... provided that frozen section pathology can confidently demonstrate a non-GIST/non-desmoid pathology"."""
    det = decide(**RECURRENT_SARCOMA, location="retroperitoneal")
    assert det.outcome is INSUFFICIENT
    assert "tumor.histology" in {m.field for m in det.missing_information}
    assert "GIST" in det.reasons[0]
    assert decide(**RECURRENT_SARCOMA, location="retroperitoneal", histology="liposarcoma").outcome is MN


@pytest.mark.parametrize("day", ["2013-12-31", "2014-01-02"])
def test_including_names_examples_so_recurrent_vulvar_cancer_stays_established(decide, day):
    """"Gynecological cancers, including recurrent cervical cancer, recurrent endometrial cancer and
    uterine sarcomas." — and the 1/1/14 entry "Added NCCN guideline covered indications"."""
    assert decide(site="vulva", recurrent=True, distant_metastases=False, day=day).outcome is MN


@pytest.mark.parametrize("site", ["ovary", "vulva", "vagina"])
def test_other_gynecological_cancers_follow_the_header(decide, site):
    """"Established for the following recurrent and/or unresectable cancers without distant metastases"."""
    assert decide(site=site, recurrent=False, resectability="unresectable", distant_metastases=False).outcome is MN
    assert decide(site=site, recurrent=False, resectability="resectable", distant_metastases=False).outcome is INV
    assert decide(site=site, recurrent=True, distant_metastases=True).outcome is INV


def test_a_breast_code_on_a_rectal_case_goes_to_a_person(decide):
    """"Rectal cancer: For patients with T4 or recurrent cancers ...": C50.911 says the cancer is of the
    breast, so the rectal bullet's approval cannot stand without a person."""
    assert decide(**RECTUM, diagnoses=["C20"]).outcome is MN
    det = decide(**RECTUM, diagnoses=["C50.911"])
    assert det.outcome is Outcome.CLINICAL_REVIEW and det.requires_clinical_review
    assert [w.code for w in det.warnings] == [WarningCode.DIAGNOSIS_CONFLICT]
    assert det.warnings[0].field == "diagnoses[0]"
    assert "C50.911" in det.reasons[0] and "breast" in det.reasons[0] and "investigational" in det.reasons[0]
    assert [item.units_approved for item in det.line_items] == [None]


def test_a_conflict_that_changes_nothing_is_shown_but_does_not_reopen_the_decision(decide):
    det = decide(**{**RECTUM, "margin_status": "negative"}, diagnoses=["C50.911"])
    assert det.outcome is INV
    assert [w.code for w in det.warnings] == [WarningCode.DIAGNOSIS_CONFLICT]
    assert "the outcome would be the same" in det.warnings[0].message
