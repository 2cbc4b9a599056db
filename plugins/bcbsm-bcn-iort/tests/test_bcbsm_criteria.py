"""Every criterion of the policy is met, not met and unknown on a case made for it.

Each row: a case meeting the criterion, the change that makes it not met, and the facts whose
removal makes it unknown. A meta-test checks that the table names every criterion.
"""

from __future__ import annotations

import pytest

from coverage_sdk.policy.model import Result
from coverage_sdk_bcbsm_bcn_iort import POLICY

NCCN = "2024-09-02"
Y2010 = "2010-05-03"

RETROPERITONEAL = dict(
    site="soft_tissue_sarcoma", location="retroperitoneal", histology="liposarcoma",
    frozen_section_confirms_non_gist_non_desmoid=True, recurrent=False, resectability="resectable", distant_metastases=False,
)  # fmt: skip
EXTREMITY = dict(site="soft_tissue_sarcoma", location="extremity_lower", recurrent=True, distant_metastases=False)
CENTRAL_CERVICAL = dict(site="cervix", recurrent=True, central_disease=True, prior_radiation_to_site=True, distant_metastases=False)
COLON = dict(site="colon", t_stage="T4a", recurrent=False, distant_metastases=False)
RECURRENT_ENDOMETRIAL = dict(site="endometrium", recurrent=True, distant_metastases=False)
UTERINE_SARCOMA = dict(site="uterine_sarcoma", recurrent=False, resectability="unresectable", distant_metastases=False)
PANCREAS = dict(site="pancreas", resectability="resectable", margin_status="close", distant_metastases=False)
RECTUM = dict(site="rectum", t_stage="T4b", recurrent=False, margin_status="positive", distant_metastases=False)
ENDOMETRIAL_AFTER_EBRT = dict(
    site="endometrium", histology="endometrioid_adenocarcinoma", recurrent=True, prior_radiation_to_site=True,
    prior_radiation_type="ebrt", distant_metastases=False,
)  # fmt: skip
PELVIC_SARCOMA_2010 = dict(day=Y2010, site="soft_tissue_sarcoma", location="pelvis")

# (criterion id, case meeting it, changes making it not met, facts removed making it unknown)
ROWS = [
    ("bcna-medicare-advantage", dict(RECTUM, lob="medicare_advantage_ppo"), dict(lob="commercial_hmo"), ("lob",)),
    ("bcn65-medicare-complementary", dict(RECTUM, lob="medicare_supplement"), dict(lob="commercial_pos"), ("lob",)),
    ("inclusionary-header", RECTUM, dict(distant_metastases=True), ("distant_metastases",)),
    ("no-distant-metastases", RECTUM, dict(distant_metastases=True), ("distant_metastases",)),
    ("header-recurrent-or-unresectable", EXTREMITY, dict(recurrent=False, resectability="borderline"), ("recurrent",)),
    ("header-recurrent", EXTREMITY, dict(recurrent=False), ("recurrent",)),
    ("header-unresectable", UTERINE_SARCOMA, dict(resectability="resectable"), ("resectability",)),
    ("abdominal-retroperitoneal-sarcoma", RETROPERITONEAL, dict(location="extremity_upper"), ("frozen_section_confirms_non_gist_non_desmoid",)),
    ("abdominal-sarcoma-site", RETROPERITONEAL, dict(site="desmoid"), ("site",)),
    ("abdominal-sarcoma-location", dict(RETROPERITONEAL, location="abdominal"), dict(location="trunk"), ("location",)),
    ("abdominal-sarcoma-not-gist-or-desmoid", RETROPERITONEAL, dict(histology="GIST"), ("histology",)),
    ("abdominal-sarcoma-frozen-section", RETROPERITONEAL, dict(frozen_section_confirms_non_gist_non_desmoid=False), ("frozen_section_confirms_non_gist_non_desmoid",)),
    ("central-pelvic-recurrent-cervical", CENTRAL_CERVICAL, dict(central_disease=False), ("prior_radiation_to_site",)),
    ("central-cervical-site", CENTRAL_CERVICAL, dict(site="vagina"), ("site",)),
    ("central-cervical-recurrent", CENTRAL_CERVICAL, dict(recurrent=False), ("recurrent",)),
    ("central-cervical-central", CENTRAL_CERVICAL, dict(central_disease=False), ("central_disease",)),
    ("central-cervical-prior-radiation", CENTRAL_CERVICAL, dict(prior_radiation_to_site=False), ("prior_radiation_to_site",)),
    ("colon-t4-or-recurrent", COLON, dict(t_stage="T3"), ("role",)),
    ("colon-site", COLON, dict(site="rectum"), ("site",)),
    ("colon-stage", COLON, dict(t_stage="T2"), ("t_stage",)),
    ("colon-t4", COLON, dict(t_stage="T3"), ("t_stage",)),
    ("colon-recurrent", dict(COLON, t_stage="T2", recurrent=True), dict(recurrent=False), ("recurrent",)),
    ("colon-boost", COLON, dict(role="monotherapy"), ("role",)),
    ("gynecological-cervical", dict(site="cervix", recurrent=True), dict(recurrent=False, resectability="resectable"), ("recurrent",)),
    ("gynecological-cervical-site", dict(site="cervix", recurrent=True), dict(site="vulva"), ("site",)),
    ("gynecological-endometrial", RECURRENT_ENDOMETRIAL, dict(recurrent=False, resectability="resectable"), ("recurrent",)),
    ("gynecological-endometrial-site", RECURRENT_ENDOMETRIAL, dict(site="cervix"), ("site",)),
    ("gynecological-uterine-sarcoma", UTERINE_SARCOMA, dict(resectability="resectable"), ("resectability",)),
    ("gynecological-uterine-sarcoma-site", UTERINE_SARCOMA, dict(site="soft_tissue_sarcoma"), ("site",)),
    ("gynecological-other", dict(site="vulva", recurrent=True), dict(recurrent=False, resectability="borderline"), ("recurrent",)),
    ("gynecological-other-site", dict(site="ovary", recurrent=True), dict(site="cervix"), ("site",)),
    ("established-other-gynecological", dict(site="vagina", recurrent=True, distant_metastases=False), dict(distant_metastases=True), ("distant_metastases",)),
    ("excluded-gist-or-desmoid", dict(EXTREMITY, histology="desmoid"), dict(histology="liposarcoma"), ("histology",)),
    ("pancreatic-cancer", PANCREAS, dict(margin_status="negative"), ("margin_status",)),
    ("pancreatic-site", PANCREAS, dict(site="stomach"), ("site",)),
    ("pancreatic-unresectable-or-margins", dict(PANCREAS, resectability="unresectable", margin_status=None), dict(resectability="borderline", margin_status="negative"), ("resectability",)),
    ("pancreatic-unresectable", dict(PANCREAS, resectability="unresectable"), dict(resectability="borderline"), ("resectability",)),
    ("pancreatic-close-or-involved-margins", dict(PANCREAS, margin_status="positive"), dict(margin_status="negative"), ("margin_status",)),
    ("rectal-t4-or-recurrent-close-margins", RECTUM, dict(margin_status="negative"), ("margin_status",)),
    ("rectal-site", RECTUM, dict(site="anus"), ("site",)),
    ("rectal-stage", RECTUM, dict(t_stage="T3"), ("t_stage",)),
    ("rectal-t4", RECTUM, dict(t_stage="T3"), ("t_stage",)),
    ("rectal-recurrent", dict(RECTUM, recurrent=True), dict(recurrent=False), ("recurrent",)),
    ("rectal-close-or-positive-margins", dict(RECTUM, margin_status="close"), dict(margin_status="negative"), ("margin_status",)),
    ("rectal-boost", RECTUM, dict(role="monotherapy"), ("role",)),
    ("recurrent-endometrial-adenocarcinoma-after-ebrt", ENDOMETRIAL_AFTER_EBRT, dict(prior_radiation_type="brachytherapy"), ("histology",)),
    ("endometrial-ebrt-site", ENDOMETRIAL_AFTER_EBRT, dict(site="uterine_sarcoma"), ("site",)),
    ("endometrial-ebrt-adenocarcinoma", ENDOMETRIAL_AFTER_EBRT, dict(histology="carcinosarcoma"), ("histology",)),
    ("endometrial-ebrt-recurrent", ENDOMETRIAL_AFTER_EBRT, dict(recurrent=False), ("recurrent",)),
    ("endometrial-ebrt-prior-radiation", ENDOMETRIAL_AFTER_EBRT, dict(prior_radiation_to_site=False), ("prior_radiation_to_site",)),
    ("endometrial-ebrt-external-beam", dict(ENDOMETRIAL_AFTER_EBRT, prior_radiation_type="both"), dict(prior_radiation_type="brachytherapy"), ("prior_radiation_type",)),
    ("soft-tissue-sarcoma", EXTREMITY, dict(recurrent=False, resectability="resectable"), ("recurrent",)),
    ("soft-tissue-sarcoma-site", EXTREMITY, dict(site="bone_sarcoma"), ("site",)),
    ("established-soft-tissue-sarcoma", EXTREMITY, dict(distant_metastases=True), ("distant_metastases",)),
    ("established-soft-tissue-sarcoma-bullets", RETROPERITONEAL, dict(frozen_section_confirms_non_gist_non_desmoid=False), ("histology",)),
    ("established-cervical", CENTRAL_CERVICAL, dict(recurrent=False, resectability="resectable"), ("recurrent",)),
    ("established-cervical-bullets", dict(site="cervix", recurrent=True), dict(recurrent=False, resectability="resectable"), ("recurrent",)),
    ("established-colon", COLON, dict(distant_metastases=True), ("distant_metastases",)),
    ("established-endometrial", RECURRENT_ENDOMETRIAL, dict(recurrent=False, resectability="resectable"), ("recurrent",)),
    ("established-endometrial-bullets", ENDOMETRIAL_AFTER_EBRT, dict(recurrent=False, resectability="resectable"), ("recurrent",)),
    ("established-uterine-sarcoma", UTERINE_SARCOMA, dict(distant_metastases=True), ("distant_metastases",)),
    ("established-pancreatic", PANCREAS, dict(site="bladder"), ("site",)),
    ("established-rectal", RECTUM, dict(distant_metastases=True), ("distant_metastases",)),
    ("established-2009", dict(day=Y2010, site="rectum"), dict(site="colon"), ("site",)),
    ("rectal-cancer-2009", dict(day=Y2010, site="rectum"), dict(site="colon"), ("site",)),
    ("pelvic-malignancy-2009", dict(day=Y2010, site="ovary"), dict(site="colon"), ("site",)),
    ("pelvic-organ-cancer-2009", dict(day=Y2010, site="prostate"), dict(site="lung"), ("site",)),
    ("pelvic-sarcoma-2009", PELVIC_SARCOMA_2010, dict(location="extremity_lower"), ("location",)),
    ("sarcoma-2009", dict(PELVIC_SARCOMA_2010, site="bone_sarcoma"), dict(site="bladder"), ("site",)),
    ("sarcoma-in-pelvis-2009", PELVIC_SARCOMA_2010, dict(location="retroperitoneal"), ("location",)),
]


def _without(facts: dict, removed: tuple[str, ...]) -> dict:
    return {**{k: v for k, v in facts.items() if k not in removed}, **{k: None for k in removed if k in ("lob", "role")}}


def _clean(facts: dict) -> dict:
    return {k: v for k, v in facts.items() if v is not None or k in ("lob", "role")}


@pytest.mark.parametrize(("criterion", "met", "change", "removed"), ROWS, ids=[row[0] for row in ROWS])
def test_met_not_met_unknown(decide, results, criterion, met, change, removed):
    assert results(decide(**_clean(met)))[criterion] is Result.MET
    assert results(decide(**_clean({**met, **change})))[criterion] is Result.NOT_MET
    unknown = decide(**_without(_clean(met), removed))
    assert results(unknown)[criterion] is Result.UNKNOWN


def test_the_table_names_every_criterion():
    declared = {node.id for node in POLICY.criteria()}
    assert declared == {row[0] for row in ROWS}
