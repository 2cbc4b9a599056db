"""The Blue Care Network coverage table as line-of-business rules, first in every version."""

from __future__ import annotations

import pytest

from coverage_sdk.policy.model import Outcome, Result

RECTAL = dict(site="rectum", t_stage="T4", margin_status="close", distant_metastases=False)
COLON_T2 = dict(site="colon", t_stage="T2", recurrent=False, distant_metastases=False)


@pytest.mark.parametrize("lob", ["commercial_hmo", "commercial_pos", "commercial_ppo", "commercial_indemnity"])
def test_commercial_products_apply_the_criteria(decide, lob):
    assert decide(**RECTAL, lob=lob).outcome is Outcome.MEDICALLY_NECESSARY
    assert decide(**COLON_T2, lob=lob).outcome is Outcome.INVESTIGATIONAL


@pytest.mark.parametrize("lob", ["medicare_advantage_hmo", "medicare_advantage_ppo"])
@pytest.mark.parametrize("facts", [RECTAL, COLON_T2, {}], ids=["meets-criteria", "fails-criteria", "no-tumor-facts"])
@pytest.mark.parametrize("day", ["2008-05-05", "2011-05-05", "2024-09-02"])
def test_bcna_medicare_advantage_goes_to_the_government_section(decide, results, lob, facts, day):
    det = decide(**facts, lob=lob, day=day)
    assert det.outcome is Outcome.CLINICAL_REVIEW and det.requires_clinical_review
    assert results(det)["bcna-medicare-advantage"] is Result.MET
    assert "national coverage determination (NCD)" in det.reasons[0]
    assert "Medicare coverage rules" in det.reasons[0]
    (entry,) = [c for c in det.criteria if c.id == "bcna-medicare-advantage"]
    assert "See government section" in entry.citation and entry.interpretation


@pytest.mark.parametrize("facts", [RECTAL, COLON_T2], ids=["meets-criteria", "fails-criteria"])
def test_bcn65_follows_primary_medicare(decide, results, facts):
    det = decide(**facts, lob="medicare_supplement")
    assert det.outcome is Outcome.CLINICAL_REVIEW
    assert results(det)["bcn65-medicare-complementary"] is Result.MET
    assert "only if primary Medicare covers the service" in det.reasons[0]


def test_medicaid_is_not_a_product_of_the_policy(decide):
    det = decide(**RECTAL, lob="medicaid")
    assert det.outcome is Outcome.NOT_APPLICABLE and det.policy_version == "2024-07-01"


def test_unknown_line_of_business_is_insufficient_information(decide):
    det = decide(**RECTAL, lob=None)
    assert det.outcome is Outcome.INSUFFICIENT_INFORMATION
    assert [m.field for m in det.missing_information] == ["line_of_business"]
