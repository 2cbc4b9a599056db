"""Every criterion of CG_226, met, not met and unknown: each row changes one complete case."""

from __future__ import annotations

import pytest

from coverage_sdk.policy.model import Result
from coverage_sdk_evolent_cg226_iort import POLICY

MET, NOT_MET, UNKNOWN = Result.MET, Result.NOT_MET, Result.UNKNOWN
NO_DIAGNOSIS = {"diagnoses": []}
BEFORE_2024 = "2023-06-01"

# (criterion id, site of the case, changes, expected result[, date of service])
ROWS = [
    ("other-site", "lung", {}, MET),
    ("other-site", "breast", {}, NOT_MET),
    ("other-site", "breast", NO_DIAGNOSIS, UNKNOWN),
    ("electronic-brachytherapy", "breast", {"radiation.iort.device": "Xoft Axxent"}, MET),
    ("electronic-brachytherapy", "breast", {}, NOT_MET),
    ("electronic-brachytherapy", "breast", {"radiation.iort.device": None}, UNKNOWN),
    ("pancreatic-physician-review", "pancreas", {}, MET, BEFORE_2024),
    ("pancreatic-physician-review", "breast", {}, NOT_MET, BEFORE_2024),
    ("pancreatic-physician-review", "pancreas", NO_DIAGNOSIS, UNKNOWN, BEFORE_2024),
    ("pancreatic-site", "pancreas", {}, MET),
    ("pancreatic-site", "breast", {}, NOT_MET),
    ("pancreatic-site", "pancreas", NO_DIAGNOSIS, UNKNOWN),
    # breast
    ("breast", "breast", {}, MET),
    ("breast", "breast", {"patient.age_years": 45}, NOT_MET),
    ("breast", "breast", {"patient.age_years": None}, UNKNOWN),
    ("breast-site", "breast", {}, MET),
    ("breast-site", "rectal", {}, NOT_MET),
    ("breast-site", "breast", NO_DIAGNOSIS, UNKNOWN),
    ("single-fraction", "breast", {}, MET),
    ("single-fraction", "breast", {"radiation.iort.fractions": 2}, NOT_MET),
    ("single-fraction", "breast", {"radiation.iort.fractions": None}, UNKNOWN),
    ("breast-electron-beam", "breast", {}, MET),
    ("breast-electron-beam", "breast", {"radiation.iort.technique": "hdr_brachytherapy", "radiation.iort.device": "microSelectron HDR"}, NOT_MET),
    ("breast-electron-beam", "breast", {"radiation.iort.technique": None}, UNKNOWN),
    ("breast-age-50", "breast", {"patient.age_years": 50}, MET),
    ("breast-age-50", "breast", {"patient.age_years": 49}, NOT_MET),
    ("breast-age-50", "breast", {"patient.age_years": None}, UNKNOWN),
    ("breast-invasive", "breast", {}, MET),
    ("breast-invasive", "breast", {"tumor.invasive": False}, NOT_MET),
    ("breast-invasive", "breast", {"tumor.invasive": None}, UNKNOWN),
    ("breast-not-dcis", "breast", {}, MET),
    ("breast-not-dcis", "breast", {"tumor.histology": None}, MET),
    ("breast-not-dcis", "breast", {"tumor.histology": "DCIS", "tumor.invasive": None}, NOT_MET),
    ("breast-not-dcis", "breast", {"tumor.histology": None, "tumor.invasive": None}, UNKNOWN),
    ("breast-t-stage", "breast", {"tumor.t_stage": "T1a"}, MET),
    ("breast-t-stage", "breast", {"tumor.t_stage": "T2"}, NOT_MET),
    ("breast-t-stage", "breast", {"tumor.t_stage": "Tis"}, NOT_MET),
    ("breast-t-stage", "breast", {"tumor.t_stage": None}, UNKNOWN),
    ("breast-node-negative", "breast", {}, MET),
    ("breast-node-negative", "breast", {"tumor.clinical_node_status": "positive"}, NOT_MET),
    ("breast-node-negative", "breast", {"tumor.clinical_node_status": None}, UNKNOWN),
    ("breast-negative-margins", "breast", {}, MET),
    ("breast-negative-margins", "breast", {"tumor.margin_status": "close"}, NOT_MET),
    ("breast-negative-margins", "breast", {"tumor.margin_status": None}, UNKNOWN),
    # cervical
    ("cervical-indication", "cervical", {}, MET),
    ("cervical-indication", "cervical", {"tumor.recurrent": False}, NOT_MET),
    ("cervical-indication", "cervical", {"tumor.central_disease": None}, UNKNOWN),
    ("cervical-site", "cervical", {}, MET),
    ("cervical-site", "breast", {}, NOT_MET),
    ("cervical-site", "cervical", NO_DIAGNOSIS, UNKNOWN),
    ("cervical-or-boost", "cervical", {"tumor.recurrent": False, "tumor.margin_status": "positive"}, MET),
    ("cervical-or-boost", "cervical", {"tumor.recurrent": False}, NOT_MET),
    ("cervical-or-boost", "cervical", {"tumor.central_disease": None}, UNKNOWN),
    ("cervical", "cervical", {}, MET),
    ("cervical", "cervical", {"tumor.central_disease": False}, NOT_MET),
    ("cervical", "cervical", {"tumor.prior_radiation_to_site": None}, UNKNOWN),
    ("cervical-recurrence", "cervical", {}, MET),
    ("cervical-recurrence", "cervical", {"tumor.recurrent": False}, NOT_MET),
    ("cervical-recurrence", "cervical", {"tumor.recurrent": None}, UNKNOWN),
    ("cervical-central", "cervical", {}, MET),
    ("cervical-central", "cervical", {"tumor.central_disease": False}, NOT_MET),
    ("cervical-central", "cervical", {"tumor.central_disease": None}, UNKNOWN),
    ("cervical-prior-radiation", "cervical", {}, MET),
    ("cervical-prior-radiation", "cervical", {"tumor.prior_radiation_to_site": False}, NOT_MET),
    ("cervical-prior-radiation", "cervical", {"tumor.prior_radiation_to_site": None}, UNKNOWN),
    # the boost paragraph
    ("boost", "sarcoma", {}, MET),
    ("boost", "sarcoma", {"tumor.high_risk_of_recurrence": False}, NOT_MET),
    ("boost", "sarcoma", {"radiation.iort.role": None}, UNKNOWN),
    ("boost-site", "sarcoma", {}, MET),
    ("boost-site", "breast", {}, NOT_MET),
    ("boost-site", "sarcoma", NO_DIAGNOSIS, UNKNOWN),
    ("boost-role", "sarcoma", {}, MET),
    ("boost-role", "sarcoma", {"radiation.iort.role": "monotherapy"}, NOT_MET),
    ("boost-role", "sarcoma", {"radiation.iort.role": None}, UNKNOWN),
    ("boost-risk-or-margins", "sarcoma", {}, MET),
    ("boost-risk-or-margins", "sarcoma", {"tumor.high_risk_of_recurrence": False, "tumor.margin_status": "close"}, NOT_MET),
    ("boost-risk-or-margins", "sarcoma", {"tumor.high_risk_of_recurrence": None}, UNKNOWN),
    ("boost-high-risk", "sarcoma", {}, MET),
    ("boost-high-risk", "sarcoma", {"tumor.high_risk_of_recurrence": False}, NOT_MET),
    ("boost-high-risk", "sarcoma", {"tumor.high_risk_of_recurrence": None}, UNKNOWN),
    ("boost-positive-margins", "sarcoma", {"tumor.margin_status": "positive"}, MET),
    ("boost-positive-margins", "sarcoma", {"tumor.margin_status": "close"}, NOT_MET),
    ("boost-positive-margins", "sarcoma", {"tumor.margin_status": None}, UNKNOWN),
    # colon
    ("colon-indication", "colon", {}, MET),
    ("colon-indication", "colon", {"tumor.t_stage": "T3"}, NOT_MET),
    ("colon-indication", "colon", {"tumor.t_stage": "T3", "tumor.recurrent": None}, UNKNOWN),
    ("colon-site", "colon", {}, MET),
    ("colon-site", "rectal", {}, NOT_MET),
    ("colon-site", "colon", NO_DIAGNOSIS, UNKNOWN),
    ("colon-or-boost", "colon", {"tumor.t_stage": "T3", "tumor.high_risk_of_recurrence": True}, MET),
    ("colon-or-boost", "colon", {"tumor.t_stage": "T3"}, NOT_MET),
    ("colon-or-boost", "colon", {"tumor.penetration_or_perforation": None}, UNKNOWN),
    ("colon", "colon", {}, MET),
    ("colon", "colon", {"tumor.margin_status": "negative"}, NOT_MET),
    ("colon", "colon", {"radiation.iort.fractions": None}, UNKNOWN),
    ("colon-boost", "colon", {}, MET),
    ("colon-boost", "colon", {"radiation.iort.role": "monotherapy"}, NOT_MET),
    ("colon-boost", "colon", {"radiation.iort.role": None}, UNKNOWN),
    ("colon-t4-or-recurrent", "colon", {"tumor.t_stage": "T3", "tumor.recurrent": True}, MET),
    ("colon-t4-or-recurrent", "colon", {"tumor.t_stage": "T3"}, NOT_MET),
    ("colon-t4-or-recurrent", "colon", {"tumor.t_stage": "T3", "tumor.recurrent": None}, UNKNOWN),
    ("colon-t4", "colon", {}, MET),
    ("colon-t4", "colon", {"tumor.penetration_or_perforation": False}, NOT_MET),
    ("colon-t4", "colon", {"tumor.penetration_or_perforation": None}, UNKNOWN),
    ("colon-t4-stage", "colon", {}, MET),
    ("colon-t4-stage", "colon", {"tumor.t_stage": "T3"}, NOT_MET),
    ("colon-t4-stage", "colon", {"tumor.t_stage": None}, UNKNOWN),
    ("colon-penetration", "colon", {}, MET),
    ("colon-penetration", "colon", {"tumor.penetration_or_perforation": False}, NOT_MET),
    ("colon-penetration", "colon", {"tumor.penetration_or_perforation": None}, UNKNOWN),
    ("colon-close-or-positive-margins", "colon", {"tumor.margin_status": "positive"}, MET),
    ("colon-close-or-positive-margins", "colon", {"tumor.margin_status": "negative"}, NOT_MET),
    ("colon-close-or-positive-margins", "colon", {"tumor.margin_status": None}, UNKNOWN),
    ("colon-recurrent", "colon", {"tumor.recurrent": True}, MET),
    ("colon-recurrent", "colon", {}, NOT_MET),
    ("colon-recurrent", "colon", {"tumor.recurrent": None}, UNKNOWN),
    # rectal
    ("rectal-indication", "rectal", {}, MET),
    ("rectal-indication", "rectal", {"tumor.margin_status": "negative"}, NOT_MET),
    ("rectal-indication", "rectal", {"tumor.t_stage": None}, UNKNOWN),
    ("rectal-site", "rectal", {}, MET),
    ("rectal-site", "colon", {}, NOT_MET),
    ("rectal-site", "rectal", NO_DIAGNOSIS, UNKNOWN),
    ("rectal-or-boost", "rectal", {"tumor.t_stage": "T3", "tumor.margin_status": "positive"}, MET),
    ("rectal-or-boost", "rectal", {"tumor.t_stage": "T3"}, NOT_MET),
    ("rectal-or-boost", "rectal", {"tumor.recurrent": None, "tumor.t_stage": "T3"}, UNKNOWN),
    ("rectal", "rectal", {}, MET),
    ("rectal", "rectal", {"tumor.t_stage": "T3"}, NOT_MET),
    ("rectal", "rectal", {"tumor.margin_status": None}, UNKNOWN),
    ("rectal-close-or-positive-margins", "rectal", {"tumor.margin_status": "positive"}, MET),
    ("rectal-close-or-positive-margins", "rectal", {"tumor.margin_status": "negative"}, NOT_MET),
    ("rectal-close-or-positive-margins", "rectal", {"tumor.margin_status": None}, UNKNOWN),
    ("rectal-t4-or-recurrent", "rectal", {"tumor.t_stage": "T2", "tumor.recurrent": True}, MET),
    ("rectal-t4-or-recurrent", "rectal", {"tumor.t_stage": "T2"}, NOT_MET),
    ("rectal-t4-or-recurrent", "rectal", {"tumor.t_stage": "T2", "tumor.recurrent": None}, UNKNOWN),
    ("rectal-t4", "rectal", {}, MET),
    ("rectal-t4", "rectal", {"tumor.t_stage": "T3"}, NOT_MET),
    ("rectal-t4", "rectal", {"tumor.t_stage": None}, UNKNOWN),
    ("rectal-recurrent", "rectal", {"tumor.recurrent": True}, MET),
    ("rectal-recurrent", "rectal", {}, NOT_MET),
    ("rectal-recurrent", "rectal", {"tumor.recurrent": None}, UNKNOWN),
    # pancreatic cancer and soft tissue sarcoma
    ("pancreatic-or-sarcoma-boost", "sarcoma", {}, MET),
    ("pancreatic-or-sarcoma-boost", "pancreas", {}, NOT_MET),
    ("pancreatic-or-sarcoma-boost", "pancreas", {"tumor.high_risk_of_recurrence": None}, UNKNOWN),
    ("pancreatic-or-sarcoma-site", "pancreas", {}, MET),
    ("pancreatic-or-sarcoma-site", "cervical", {}, NOT_MET),
    ("pancreatic-or-sarcoma-site", "sarcoma", NO_DIAGNOSIS, UNKNOWN),
    ("pancreatic-case-by-case", "pancreas", {}, MET),
    ("pancreatic-case-by-case", "pancreas", {"tumor.margin_status": "negative"}, NOT_MET),
    ("pancreatic-case-by-case", "pancreas", {"tumor.resectability": None}, UNKNOWN),
    ("pancreatic-resection", "pancreas", {"tumor.resectability": "resectable"}, MET),
    ("pancreatic-resection", "pancreas", {"tumor.resectability": "unresectable"}, NOT_MET),
    ("pancreatic-resection", "pancreas", {"tumor.resectability": None}, UNKNOWN),
    ("pancreatic-close-or-involved-margin", "pancreas", {"tumor.margin_status": "positive"}, MET),
    ("pancreatic-close-or-involved-margin", "pancreas", {"tumor.margin_status": "negative"}, NOT_MET),
    ("pancreatic-close-or-involved-margin", "pancreas", {"tumor.margin_status": None}, UNKNOWN),
]  # fmt: skip


def _row_id(row: tuple) -> str:
    return f"{row[0]}-{row[3].value}-{'+'.join(f'{k}={v}' for k, v in row[2].items()) or row[1]}"


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_criterion(row, decide, results):
    criterion_id, site, changes, expected, *date = row
    assert results(decide(site, changes, *date))[criterion_id] is expected


def test_every_criterion_is_tested_met_not_met_and_unknown():
    declared = {node.id for node in POLICY.criteria()}
    tested = {(row[0], row[3]) for row in ROWS}
    untested = sorted(f"{c} {r.value}" for c in declared for r in (MET, NOT_MET, UNKNOWN) if (c, r) not in tested)
    assert not untested
    assert {row[0] for row in ROWS} <= declared


def test_investigational_for_all_other_joins_the_trail_only_when_no_rule_is_met(decide, results):
    assert results(decide("rectal", {"tumor.margin_status": "negative"}))["investigational-all-other"] is MET
    assert "investigational-all-other" not in results(decide("rectal"))
    assert "investigational-all-other" not in results(decide("lung"))
