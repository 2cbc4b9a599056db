"""Versions from the Joint BCBSM/BCN Medical Policy History: the date of service picks the
criteria, and ``policy_version`` names the effective date of the document in force."""

from __future__ import annotations

import datetime as dt

import pytest

from coverage_sdk.policy.model import Outcome, Result
from coverage_sdk_bcbsm_bcn_iort import POLICY

MN, INV = Outcome.MEDICALLY_NECESSARY, Outcome.INVESTIGATIONAL

RECTAL_T4_POSITIVE = dict(site="rectum", t_stage="T4", recurrent=False, margin_status="positive", distant_metastases=False)
RECURRENT_COLON = dict(site="colon", t_stage="T3", recurrent=True, distant_metastases=False)
RECTAL_T2_NEGATIVE = dict(site="rectum", t_stage="T2", recurrent=False, margin_status="negative", distant_metastases=False)

HISTORY_DATES = [
    "2008-01-01", "2009-03-01", "2012-12-01", "2014-01-01",
    *(f"{year}-07-01" for year in range(2015, 2025)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("facts", "day", "outcome", "version"),
    [
        (RECTAL_T4_POSITIVE, "2008-06-02", INV, "2008-01-01"),
        (RECTAL_T4_POSITIVE, "2016-06-06", MN, "2015-07-01"),
        (RECURRENT_COLON, "2012-06-04", INV, "2009-03-01"),
        (RECURRENT_COLON, "2016-06-06", MN, "2015-07-01"),
    ],
    ids=["rectal-2008", "rectal-2016", "colon-2012", "colon-2016"],
)
def test_acceptance_versioning(decide, facts, day, outcome, version):
    det = decide(**facts, day=day)
    assert (det.outcome, det.policy_version) == (outcome, version)


def test_the_versions_are_the_history_dates():
    assert [v.name for v in POLICY.versions] == HISTORY_DATES
    assert POLICY.versions[-1].effective_to is None


@pytest.mark.parametrize("day", HISTORY_DATES)
def test_policy_version_names_the_effective_date_in_force(decide, day):
    first = dt.date.fromisoformat(day)
    assert decide(**RECTAL_T4_POSITIVE, day=day).policy_version == day
    assert decide(**RECTAL_T4_POSITIVE, day=(first - dt.timedelta(days=1)).isoformat()).policy_version != day


def test_before_the_joint_policy_was_established_it_does_not_apply(decide):
    det = decide(**RECTAL_T4_POSITIVE, day="2007-12-31")
    assert det.outcome is Outcome.NOT_APPLICABLE and det.policy_version is None
    assert "2007-12-31" in det.reasons[0]


def test_2008_everything_is_investigational(decide, results):
    det = decide(site="cervix", recurrent=True, central_disease=True, prior_radiation_to_site=True, distant_metastases=False, day="2009-02-28")
    assert det.outcome is INV and results(det)["investigational-2008"] is Result.MET
    assert "3/1/09" in det.reasons[0]


@pytest.mark.parametrize(("day", "outcome"), [("2009-02-28", INV), ("2009-03-01", MN), ("2013-12-31", MN), ("2014-01-01", INV)])
def test_2009_rectal_cancer_is_established_without_stage_or_margin_conditions(decide, day, outcome):
    assert decide(**RECTAL_T2_NEGATIVE, day=day).outcome is outcome


@pytest.mark.parametrize(
    ("facts", "outcome"),
    [
        (dict(site="cervix", recurrent=False), MN),
        (dict(site="ovary"), MN),
        (dict(site="prostate"), MN),
        (dict(site="soft_tissue_sarcoma", location="pelvis"), MN),
        (dict(site="soft_tissue_sarcoma", location="extremity_lower"), INV),
        (dict(site="colon", recurrent=True), INV),
        (dict(site="pancreas", resectability="unresectable"), INV),
        (dict(site="soft_tissue_sarcoma"), Outcome.INSUFFICIENT_INFORMATION),
    ],
    ids=["cervix", "ovary", "prostate", "pelvic-sarcoma", "extremity-sarcoma", "colon", "pancreas", "sarcoma-location-unknown"],
)
def test_2009_pelvic_malignancies_reading(decide, results, facts, outcome):
    det = decide(**facts, day="2011-02-14")
    assert det.outcome is outcome
    if outcome is INV:
        assert results(det)["investigational-2009"] is Result.MET
        assert any("rectal cancer and pelvic malignancies" in r for r in det.reasons[1:])


def test_2012_reformat_kept_the_2009_criteria(decide):
    det = decide(site="vulva", day="2013-01-15")
    assert (det.outcome, det.policy_version) == (MN, "2012-12-01")
    assert decide(**RECURRENT_COLON, day="2013-01-15").outcome is INV


def test_the_nccn_list_replaced_the_pelvic_malignancies(decide):
    primary_cervix = dict(site="cervix", recurrent=False, resectability="resectable", distant_metastases=False)
    assert decide(**primary_cervix, day="2013-12-31").outcome is MN
    assert decide(**primary_cervix, day="2014-01-01").outcome is INV
