"""CG_226 beyond breast: the site paragraphs, the boost paragraph, other sites, versions, units."""

from __future__ import annotations

import pytest

from coverage_sdk.policy.model import Outcome

MN, INV, REVIEW, INSUFFICIENT, NA = (
    Outcome.MEDICALLY_NECESSARY, Outcome.INVESTIGATIONAL, Outcome.CLINICAL_REVIEW, Outcome.INSUFFICIENT_INFORMATION,
    Outcome.NOT_APPLICABLE,
)  # fmt: skip

OUTCOMES = [
    ("cervical", {}, MN),
    ("cervical", {"tumor.prior_radiation_to_site": False}, INV),
    ("cervical", {"tumor.prior_radiation_to_site": False, "tumor.high_risk_of_recurrence": True}, MN),
    ("colon", {}, MN),
    ("colon", {"tumor.t_stage": "T3", "tumor.recurrent": True, "tumor.margin_status": "negative"}, MN),
    ("colon", {"tumor.t_stage": "T3"}, INV),
    ("colon", {"radiation.iort.role": "monotherapy"}, INV),
    ("rectal", {}, MN),
    ("rectal", {"tumor.t_stage": "T3", "tumor.recurrent": True}, MN),
    ("rectal", {"tumor.t_stage": "T3"}, INV),
    ("rectal", {"tumor.margin_status": "negative"}, INV),
    ("rectal", {"tumor.t_stage": "T3", "tumor.margin_status": "positive"}, MN),
    ("rectal", {"tumor.t_stage": "T3", "tumor.margin_status": "positive", "radiation.iort.role": "monotherapy"}, INV),
    ("sarcoma", {}, MN),
    ("sarcoma", {"tumor.high_risk_of_recurrence": False, "tumor.margin_status": "positive"}, MN),
    ("sarcoma", {"tumor.high_risk_of_recurrence": False, "tumor.margin_status": "close"}, INV),
    ("sarcoma", {"radiation.iort.fractions": 2}, INV),
    ("pancreas", {}, REVIEW),
    ("pancreas", {"tumor.margin_status": "positive"}, MN),
    ("pancreas", {"tumor.high_risk_of_recurrence": True}, MN),
    ("pancreas", {"tumor.margin_status": "negative"}, INV),
    ("pancreas", {"tumor.resectability": "unresectable"}, INV),
    ("lung", {}, INV),
    ("sarcoma", {"radiation.iort.device": "Xoft Axxent", "radiation.iort.technique": "low_energy_xray"}, INV),
    ("rectal", {"radiation.iort.device": "Papillon 50"}, INV),
]  # fmt: skip


@pytest.mark.parametrize(("site", "changes", "expected"), OUTCOMES, ids=lambda v: str(v) if not isinstance(v, dict) else "+".join(f"{k}={x}" for k, x in v.items()))
def test_outcome(decide, site, changes, expected):
    det = decide(site, changes)
    assert det.outcome is expected
    assert det.requires_clinical_review is (expected not in (MN, NA))


def test_colon_first_sentence_does_not_require_recurrence(decide, results):
    det = decide("colon", {"tumor.recurrent": False, "tumor.high_risk_of_recurrence": False})
    assert det.outcome is MN
    assert results(det)["colon-t4"].value == "met"
    assert results(det)["colon-recurrent"].value == "not_met"


def test_colon_recurrent_cancer_alone_is_enough(decide, results):
    det = decide("colon", {"tumor.t_stage": "T2", "tumor.penetration_or_perforation": False, "tumor.margin_status": "negative", "tumor.recurrent": True})
    assert det.outcome is MN
    assert results(det)["colon-t4"].value == "not_met"


def test_other_sites_are_investigational_not_case_by_case(decide):
    for diagnosis in ("C34.11", "C61", "C16.9", "C71.9"):
        det = decide("lung", {"diagnoses": [diagnosis]})
        assert det.outcome is INV
        assert "any other cancer site" in det.reasons[0]


def test_electronic_brachytherapy_is_investigational_at_every_listed_site(decide):
    for site in ("cervical", "colon", "rectal", "pancreas", "sarcoma"):
        assert decide(site, {"radiation.iort.device": "INTRABEAM"}).outcome is INV


def test_photon_techniques_other_than_electronic_brachytherapy_serve_the_boost_paragraph(decide):
    for technique, device in (("hdr_brachytherapy", "microSelectron HDR"), ("low_energy_xray", "Mobile X-ray unit"), ("electron", "LIAC HWL")):
        det = decide("sarcoma", {"radiation.iort.technique": technique, "radiation.iort.device": device})
        assert det.outcome is MN


def test_pancreatic_case_by_case_is_clinical_review_with_its_reading_in_the_trail(decide):
    det = decide("pancreas")
    assert det.outcome is REVIEW
    (node,) = [c for c in det.criteria if c.id == "pancreatic-case-by-case"]
    assert node.result.value == "met" and "clinical_review" in node.interpretation


def test_pancreatic_boost_may_need_facts_the_case_by_case_rule_does_not(decide):
    det = decide("pancreas", {"tumor.high_risk_of_recurrence": None})
    assert det.outcome is INSUFFICIENT
    assert [m.field for m in det.missing_information] == ["tumor.high_risk_of_recurrence"]


@pytest.mark.parametrize(
    ("changes", "before", "after"),
    [
        ({}, REVIEW, REVIEW),
        ({"tumor.margin_status": "positive"}, REVIEW, MN),
        ({"tumor.margin_status": "negative"}, REVIEW, INV),
        ({"radiation.iort.fractions": None}, REVIEW, INSUFFICIENT),
    ],
)
def test_pancreatic_physician_review_until_the_may_2023_revision_took_effect(decide, changes, before, after):
    assert decide("pancreas", changes, "2023-12-31").outcome is before
    assert decide("pancreas", changes, "2024-01-01").outcome is after


@pytest.mark.parametrize("site", ["breast", "cervical", "colon", "rectal", "sarcoma", "lung"])
def test_other_sites_decide_alike_in_both_versions(decide, site):
    older, current = decide(site, date="2022-01-01"), decide(site, date="2024-01-01")
    assert (older.policy_version, current.policy_version) == ("2013-11-01", "2024-01-01")
    assert older.outcome is current.outcome


@pytest.mark.parametrize("site", ["breast", "cervical", "colon", "rectal", "sarcoma", "pancreas", "lung"])
@pytest.mark.parametrize("day", ["2013-11-01", "2016-05-02", "2021-12-31"])
def test_no_changes_in_january_2022_means_the_same_text_back_to_the_origin(decide, site, day):
    """"Original Date: November 2013"; "January 2022 No changes": the text reviewed then was in force before."""
    earlier, reviewed = decide(site, date=day), decide(site, date="2022-01-03")
    assert (earlier.policy_version, earlier.outcome) == ("2013-11-01", reviewed.outcome)
    assert earlier.warnings == []


def test_dates_before_the_origin_are_not_applicable(decide):
    det = decide("breast", date="2013-10-31")
    assert det.outcome is NA and det.policy_version is None


def test_pancreatic_physician_review_ends_the_day_before_implementation(decide):
    assert decide("pancreas", {"tumor.margin_status": "negative"}, "2023-12-31").outcome is REVIEW
    assert decide("pancreas", {"tumor.margin_status": "negative"}, "2024-01-01").outcome is INV


@pytest.mark.parametrize(
    ("site", "changes", "mentions", "silent"),
    [
        ("rectal", {"tumor.margin_status": "negative"}, "rectal cancer", ("breast", "cervical", "colon cancer", "pancreatic")),
        ("sarcoma", {"tumor.high_risk_of_recurrence": False}, "soft tissue sarcoma", ("breast", "cervical", "rectal", "colon cancer")),
        ("pancreas", {"tumor.margin_status": "negative"}, "pancreatic cancer", ("breast", "cervical", "rectal", "colon cancer")),
    ],
)
def test_adverse_reasons_explain_the_cases_own_site(decide, site, changes, mentions, silent):
    det = decide(site, changes)
    explained = " ".join(det.reasons[1:])
    assert det.outcome is INV and mentions in explained
    assert not any(word in explained for word in silent)


def test_rectal_reason_says_what_is_missing_in_the_case(decide):
    det = decide("rectal", {"tumor.margin_status": "negative"})
    assert any(r.startswith("Evolent CG_226 covers IORT for rectal cancer only with positive or close margins") and "the margins are negative (rectal-close-or-positive-margins)" in r for r in det.reasons)


def test_single_fraction_limits_units_per_surgery(decide):
    det = decide("rectal", {"procedures": [{"code": "77425", "units": 2}, {"code": "77014"}]})
    assert det.outcome is MN
    electrons, other = det.line_items
    assert (electrons.units_requested, electrons.units_approved) == (2, 1) and "at most 1 per surgery" in electrons.reason
    assert other.outcome is NA


def test_a_case_without_an_iort_code_is_not_applicable(decide):
    assert decide("rectal", {"procedures": [{"code": "77014"}]}).outcome is NA


@pytest.mark.parametrize("site", ["desmoid", "bone_sarcoma", "uterine_sarcoma"])
def test_only_soft_tissue_sarcoma_is_the_sarcoma_site(decide, site):
    det = decide("sarcoma", {"tumor.site": site})
    assert det.outcome is INV
    assert det.criteria[0].id == "other-site" and det.criteria[0].result.value == "met"
