"""Each sentence of the inclusionary and exclusionary guidelines (1/1/14 to 7/1/24) decides the
outcome: met gives medically_necessary, not met investigational with a reason naming the fact
at fault, unknown insufficient_information naming the missing fact. Then the readings of the
ambiguous sentences, each pinned by a test named in the plugin README."""

from __future__ import annotations

import pytest

from coverage_sdk.policy.model import Outcome, Result

MN, INV, INSUFFICIENT = Outcome.MEDICALLY_NECESSARY, Outcome.INVESTIGATIONAL, Outcome.INSUFFICIENT_INFORMATION

RECTUM = dict(site="rectum", t_stage="T4b", recurrent=False, margin_status="positive", distant_metastases=False)

# (sentence, qualifying case, change making it fail, the phrase the adverse reason must contain,
#  removed fact, the field insufficient_information must name)
SENTENCES = [
    (
        "abdominal-retroperitoneal-sarcoma",
        dict(site="soft_tissue_sarcoma", location="retroperitoneal", histology="leiomyosarcoma",
             frozen_section_confirms_non_gist_non_desmoid=True, recurrent=False, resectability="resectable", distant_metastases=False),
        dict(frozen_section_confirms_non_gist_non_desmoid=False), "frozen-section confirmation (not GIST, not desmoid) is no",
        "frozen_section_confirms_non_gist_non_desmoid", "tumor.frozen_section_confirms_non_gist_non_desmoid",
    ),
    (
        "central-pelvic-recurrent-cervical",
        dict(site="cervix", recurrent=True, resectability="resectable", central_disease=True, prior_radiation_to_site=True,
             distant_metastases=False),
        dict(recurrent=False), "recurrent disease is no",
        "recurrent", "tumor.recurrent",
    ),
    (
        "colon-t4-or-recurrent",
        dict(site="colon", t_stage="T4a", recurrent=False, distant_metastases=False),
        dict(t_stage="T3"), "T stage is T3",
        "t_stage", "tumor.t_category",
    ),
    (
        "gynecological-endometrial",
        dict(site="endometrium", recurrent=True, resectability="resectable", distant_metastases=False),
        dict(recurrent=False), "recurrent disease is no",
        "recurrent", "tumor.recurrent",
    ),
    (
        "pancreatic-cancer",
        dict(site="pancreas", resectability="resectable", margin_status="positive", distant_metastases=False),
        dict(margin_status="negative"), "margin status is negative",
        "margin_status", "tumor.margin_status",
    ),
    (
        "rectal-t4-or-recurrent-close-margins",
        RECTUM, dict(margin_status="negative"), "margin status is negative",
        "margin_status", "tumor.margin_status",
    ),
    (
        "recurrent-endometrial-adenocarcinoma-after-ebrt",
        dict(site="endometrium", histology="adenocarcinoma", recurrent=True, resectability="resectable",
             prior_radiation_to_site=True, prior_radiation_type="ebrt", distant_metastases=False),
        dict(recurrent=False), "recurrent disease is no",
        "recurrent", "tumor.recurrent",
    ),
    (
        "soft-tissue-sarcoma",
        dict(site="soft_tissue_sarcoma", location="trunk", histology="liposarcoma", resectability="unresectable",
             distant_metastases=False),
        dict(resectability="resectable", recurrent=False), "resectability is resectable",
        "resectability", "tumor.resectability",
    ),
    (
        "inclusionary-header",
        RECTUM, dict(distant_metastases=True), "distant metastases is yes",
        "distant_metastases", "tumor.distant_metastases",
    ),
]  # fmt: skip


def _without(facts: dict, key: str) -> dict:
    return {k: v for k, v in facts.items() if k != key}


@pytest.mark.parametrize(("sentence", "case", "change", "because", "removed", "field"), SENTENCES, ids=[s[0] for s in SENTENCES])
def test_sentence_met(decide, results, sentence, case, change, because, removed, field):
    det = decide(**case)
    assert det.outcome is MN and results(det)[sentence] is Result.MET
    assert not det.requires_clinical_review


@pytest.mark.parametrize(("sentence", "case", "change", "because", "removed", "field"), SENTENCES, ids=[s[0] for s in SENTENCES])
def test_sentence_not_met(decide, results, sentence, case, change, because, removed, field):
    det = decide(**{**case, **change})
    assert det.outcome is INV and results(det)[sentence] is Result.NOT_MET
    assert det.requires_clinical_review
    assert any(because in reason for reason in det.reasons[1:]), det.reasons


@pytest.mark.parametrize(("sentence", "case", "change", "because", "removed", "field"), SENTENCES, ids=[s[0] for s in SENTENCES])
def test_sentence_unknown(decide, results, sentence, case, change, because, removed, field):
    det = decide(**_without(case, removed))
    assert det.outcome is INSUFFICIENT and results(det)[sentence] is Result.UNKNOWN
    assert field in [m.field for m in det.missing_information]


def test_exclusion_met_for_other_indications(decide, results):
    det = decide(site="head_and_neck", recurrent=True, resectability="unresectable", distant_metastases=False)
    assert det.outcome is INV
    assert results(det)["investigational-all-other-indications"] is Result.MET
    assert det.reasons[0].startswith("Intraoperative radiotherapy is experimental/investigational for every indication")


def test_exclusion_not_met_for_a_listed_indication(decide, results):
    det = decide(**RECTUM)
    assert det.outcome is MN and "investigational-all-other-indications" not in results(det)


def test_exclusion_unknown_while_the_indication_is_unknown(decide, results):
    det = decide(**_without(RECTUM, "site"))
    assert det.outcome is INSUFFICIENT and "investigational-all-other-indications" not in results(det)
    assert "tumor.site" in [m.field for m in det.missing_information]


def test_the_adverse_reason_names_what_the_sites_bullet_requires(decide):
    det = decide(**{**RECTUM, "margin_status": "negative"})
    (rectal,) = [r for r in det.reasons if r.startswith("IORT for rectal cancer")]
    assert rectal == (
        "IORT for rectal cancer is established only for T4 or recurrent rectal cancer with very close or positive "
        "margins after resection, without distant metastases, with IORT as an additional boost; in this case "
        "margin status is negative."
    )


def test_distant_metastases_exclude_every_bullet(decide, results):
    det = decide(site="cervix", recurrent=True, central_disease=True, prior_radiation_to_site=True, distant_metastases=True)
    assert det.outcome is INV
    assert results(det)["central-pelvic-recurrent-cervical"] is Result.MET
    assert results(det)["no-distant-metastases"] is Result.NOT_MET


# --- readings of ambiguous sentences (README, interpretations table) ---------------------------


def test_header_recurrent_or_unresectable_is_not_added_to_t4_primary_resectable_rectal(decide, results):
    det = decide(**RECTUM, resectability="resectable")
    assert det.outcome is MN
    header = next(c for c in det.criteria if c.id == "inclusionary-header")
    assert 'recurrent and/or unresectable' in header.interpretation
    assert "header-recurrent-or-unresectable" in results(det)


def test_header_recurrent_or_unresectable_applies_to_soft_tissue_sarcoma(decide):
    primary = dict(site="soft_tissue_sarcoma", location="extremity_lower", histology="liposarcoma", recurrent=False,
                   resectability="resectable", distant_metastases=False)  # fmt: skip
    assert decide(**primary).outcome is INV
    assert decide(**{**primary, "recurrent": True}).outcome is MN
    assert decide(**{**primary, "resectability": "unresectable"}).outcome is MN


def test_header_recurrent_or_unresectable_applies_to_uterine_sarcoma(decide):
    primary = dict(site="uterine_sarcoma", recurrent=False, resectability="resectable", distant_metastases=False)
    assert decide(**primary).outcome is INV
    assert decide(**{**primary, "recurrent": True}).outcome is MN


def test_abdominal_sarcoma_primary_treatment_needs_frozen_section_not_recurrence(decide):
    primary = dict(site="soft_tissue_sarcoma", location="abdominal", histology="liposarcoma", recurrent=False,
                   resectability="resectable", distant_metastases=False)  # fmt: skip
    assert decide(**primary, frozen_section_confirms_non_gist_non_desmoid=True).outcome is MN
    assert decide(**primary, frozen_section_confirms_non_gist_non_desmoid=False).outcome is INV


def test_bullets_are_independent_routes(decide, results):
    recurrent_retroperitoneal = dict(
        site="soft_tissue_sarcoma", location="retroperitoneal", histology="liposarcoma", recurrent=True, distant_metastases=False
    )
    det = decide(**recurrent_retroperitoneal)
    assert det.outcome is MN
    assert results(det)["abdominal-retroperitoneal-sarcoma"] is Result.UNKNOWN
    assert results(det)["soft-tissue-sarcoma"] is Result.MET
    not_central = decide(site="cervix", recurrent=True, central_disease=False, distant_metastases=False)
    assert not_central.outcome is MN
    assert results(not_central)["central-pelvic-recurrent-cervical"] is Result.NOT_MET


@pytest.mark.parametrize(
    ("resectability", "margins", "outcome"),
    [("unresectable", None, MN), ("borderline", "close", MN), ("resectable", "positive", MN),
     ("resectable", "negative", INV), ("borderline", "negative", INV), ("resectable", None, INSUFFICIENT)],
)  # fmt: skip
def test_pancreatic_reading(decide, resectability, margins, outcome):
    facts = dict(site="pancreas", resectability=resectability, distant_metastases=False)
    if margins:
        facts["margin_status"] = margins
    assert decide(**facts).outcome is outcome


@pytest.mark.parametrize("site", ["rectum", "colon"])
def test_additional_boost_means_iort_as_a_boost(decide, site):
    facts = dict(site=site, t_stage="T4", recurrent=False, margin_status="close", distant_metastases=False)
    assert decide(**facts, role="boost").outcome is MN
    assert decide(**facts, role="monotherapy").outcome is INV
    unknown = decide(**facts, role=None)
    assert unknown.outcome is INSUFFICIENT and "radiation.iort.role" in [m.field for m in unknown.missing_information]


def test_very_close_margins_are_close_margins(decide):
    assert decide(**{**RECTUM, "margin_status": "close"}).outcome is MN
