"""CG_226 breast cancer: the qualifying case, each failing criterion, electronic brachytherapy, unknowns."""

from __future__ import annotations

import pytest

from coverage_sdk.policy.model import Outcome

FAILING = [
    ("breast-age-50", {"patient.age_years": 49}, "the patient is 49 years old"),
    ("breast-invasive", {"tumor.invasive": False, "tumor.histology": "lobular carcinoma in situ"}, "the cancer is not invasive"),
    ("breast-not-dcis", {"tumor.histology": "dcis", "tumor.invasive": None}, "the histology is dcis"),
    ("breast-t-stage", {"tumor.t_stage": "T2"}, "the T stage is T2"),
    ("breast-node-negative", {"tumor.clinical_node_status": "positive"}, "the clinical node status is positive"),
    ("breast-negative-margins", {"tumor.margin_status": "close"}, "the margins are close"),
    ("breast-electron-beam", {"radiation.iort.technique": "hdr_brachytherapy", "radiation.iort.device": "microSelectron HDR"}, "the IORT technique is hdr brachytherapy"),
    ("single-fraction", {"radiation.iort.fractions": 2}, "2 IORT fractions are requested"),
]  # fmt: skip


def test_qualifying_case_is_medically_necessary(decide):
    det = decide("breast")
    assert det.outcome is Outcome.MEDICALLY_NECESSARY
    assert not det.requires_clinical_review
    assert "breast cancer" in det.reasons[0]


@pytest.mark.parametrize(("criterion", "changes", "finding"), FAILING, ids=[f[0] for f in FAILING])
def test_each_failing_criterion_is_named_in_the_reasons(decide, results, criterion, changes, finding):
    det = decide("breast", changes)
    assert det.outcome is Outcome.INVESTIGATIONAL
    assert det.requires_clinical_review
    explained = [r for r in det.reasons if f"({criterion})" in r]
    assert len(explained) == 1 and finding in explained[0]
    assert results(det)[criterion].value == "not_met"
    named = {c for c, _, _ in FAILING if any(f"({c})" in r for r in det.reasons)}
    assert named == {criterion}


def test_tis_is_in_situ_and_does_not_qualify(decide):
    det = decide("breast", {"tumor.t_stage": "Tis", "tumor.invasive": None, "tumor.histology": None})
    assert det.outcome is Outcome.INVESTIGATIONAL
    assert any("the T stage is Tis (breast-t-stage)" in r for r in det.reasons)
    assert any(c.id == "breast-t-stage" and "Tis" in c.interpretation for c in det.criteria)


def test_dcis_excluded_even_when_reported_with_tis_or_t1(decide):
    for stage in ("Tis", "T1a"):
        det = decide("breast", {"tumor.t_stage": stage, "tumor.histology": "DCIS", "tumor.invasive": False})
        assert det.outcome is Outcome.INVESTIGATIONAL
        assert any("(breast-not-dcis)" in r for r in det.reasons)


@pytest.mark.parametrize("device", ["Intrabeam", "INTRABEAM 600", "Xoft Axxent", "xoft", "Axxent eBx", "Papillon+", "Xofig"])
def test_electronic_brachytherapy_is_investigational_whatever_the_technique(decide, results, device):
    det = decide("breast", {"radiation.iort.device": device, "radiation.iort.technique": "electron"})
    assert det.outcome is Outcome.INVESTIGATIONAL
    assert results(det)["electronic-brachytherapy"].value == "met"
    assert "electronic brachytherapy" in det.reasons[0]


def test_electronic_brachytherapy_technique_without_device_is_investigational(decide):
    det = decide("breast", {"radiation.iort.device": None, "radiation.iort.technique": "electronic_brachytherapy"})
    assert det.outcome is Outcome.INVESTIGATIONAL


def test_case_without_age_is_insufficient_information_naming_age(decide):
    det = decide("breast", {"patient.age_years": None})
    assert det.outcome is Outcome.INSUFFICIENT_INFORMATION
    assert [m.field for m in det.missing_information] == ["patient.age_years"]
    assert "patient age" in det.reasons[0]


def test_without_device_electronic_brachytherapy_cannot_be_ruled_out(decide):
    det = decide("breast", {"radiation.iort.device": None})
    assert det.outcome is Outcome.INSUFFICIENT_INFORMATION
    assert [m.field for m in det.missing_information] == ["radiation.iort.device"]


def test_invasive_carcinoma_needs_no_histology_to_rule_out_dcis(decide):
    assert decide("breast", {"tumor.histology": None}).outcome is Outcome.MEDICALLY_NECESSARY


def test_an_unknown_fact_does_not_matter_once_another_criterion_fails(decide):
    det = decide("breast", {"patient.age_years": 45, "tumor.clinical_node_status": None})
    assert det.outcome is Outcome.INVESTIGATIONAL
    assert not det.missing_information


def test_reasons_speak_only_of_breast_cancer(decide):
    det = decide("breast", {"patient.age_years": 45})
    assert len(det.reasons) == 2
    assert not any(site in " ".join(det.reasons) for site in ("rectal", "colon", "cervical", "pancreatic"))
