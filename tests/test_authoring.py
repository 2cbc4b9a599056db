"""The policy-authoring core: Kleene rules, versions by date of service, missing facts, units."""

from __future__ import annotations

import datetime as dt

import pytest

import coverage_sdk as cs
from coverage_sdk.policy.authoring import (
    Otherwise, Policy, PriorAuthRule, Rule, ServiceCodes, UnitLimit, Version, all_of, any_of, at_least, citer,
    documented, is_, not_, true,
)  # fmt: skip
from coverage_sdk.policy.model import Audit, Documentation, MarginStatus, Outcome, Result, Setting, TumorSite

cite = citer("Test policy")
AUDIT = Audit("0", "test", "0", "sha", "now")

rectal = is_("rectal", "Rectal cancer.", cite("S", "Rectal."), "tumor.site", TumorSite.RECTUM)
margins = is_("margins", "Close or positive margins.", cite("S", "Margins."), "tumor.margin_status", MarginStatus.CLOSE, MarginStatus.POSITIVE)
t4 = is_("t4", "T4.", cite("S", "T4."), "tumor.t_category", "T4")
recurrent = true("recurrent", "Recurrent.", cite("S", "Recurrent."), "tumor.recurrent")
adult = at_least("adult", "Adult.", cite("S", "Adult."), "patient.age_years", 18)
covered = all_of("covered", "Covered situation.", cite("S", "Covered."), rectal, margins,
                 any_of("t4-or-recurrent", "T4 or recurrent.", cite("S", "T4 or rec."), t4, recurrent))  # fmt: skip
metastatic = true("metastatic", "Distant metastases.", cite("S", "Mets."), "tumor.distant_metastases")


def make_policy(**changes):
    fields = dict(
        id="test-policy", title="Test", payer="Payer", document="doc.txt",
        services=ServiceCodes(cpt=("77425", "77338")),
        versions=(
            Version(dt.date(2010, 1, 1), (Rule(covered, Outcome.INVESTIGATIONAL, "old"),), Otherwise(Outcome.INVESTIGATIONAL, "old")),
            Version(
                dt.date(2015, 1, 1),
                (
                    Rule(metastatic, Outcome.NOT_MEDICALLY_NECESSARY, "metastatic"),
                    Rule(covered, Outcome.MEDICALLY_NECESSARY, "covered", requirement="Covered only for rectal cancer"),
                ),
                Otherwise(Outcome.INVESTIGATIONAL, "Otherwise investigational.", "otherwise", "Other uses.", cite("S", "Other.")),
            ),
        ),
        prior_authorization=(PriorAuthRule(is_("inpatient", "Inpatient.", cite("PA", "In."), "setting", Setting.INPATIENT), True),),
        unit_limits=(UnitLimit("77338", 3, "60-day course", cite("U", "Three.")),),
    )  # fmt: skip
    fields.update(changes)
    return Policy(**fields)


def decide(tumor=None, date="2020-06-01", **extra):
    data = {"case_id": "t", "date_of_service": date, "procedures": [{"code": "77425"}], "tumor": tumor or {}, **extra}
    return make_policy().evaluate(cs.structure_case(data), AUDIT)


FULL = {"site": "rectum", "margin_status": "close", "t_stage": "T4a", "distant_metastases": False}


def test_met_rule_decides():
    det = decide(FULL)
    assert det.outcome is Outcome.MEDICALLY_NECESSARY and det.reasons == ["covered"]
    assert not det.requires_clinical_review and det.policy_version == "2015-01-01"
    trail = {c.id: c for c in det.criteria}
    assert trail["t4"].result is Result.MET and trail["t4-or-recurrent"].parent == "covered"
    assert trail["recurrent"].result is Result.UNKNOWN


def test_unknown_that_matters_gives_insufficient_information_naming_it():
    det = decide({**FULL, "margin_status": None})
    assert det.outcome is Outcome.INSUFFICIENT_INFORMATION and det.requires_clinical_review
    assert [m.field for m in det.missing_information] == ["tumor.margin_status"]
    assert "margin status" in det.reasons[0]


def test_unknown_that_does_not_matter_is_not_reported():
    det = decide({**FULL, "recurrent": None, "site": "colon"})
    assert det.outcome is Outcome.INVESTIGATIONAL
    assert det.missing_information == []
    assert "tumor site is colon" in det.reasons[1]
    assert {c.id: c.result for c in det.criteria}["otherwise"] is Result.MET


def test_earlier_rule_unknown_blocks():
    det = decide({**FULL, "distant_metastases": None})
    assert det.outcome is Outcome.INSUFFICIENT_INFORMATION
    assert [m.field for m in det.missing_information] == ["tumor.distant_metastases"]


def test_version_by_date_of_service():
    assert decide(FULL, date="2012-03-04").outcome is Outcome.INVESTIGATIONAL
    assert decide(FULL, date="2012-03-04").policy_version == "2010-01-01"
    assert decide(FULL, date="2014-12-31").policy_version == "2010-01-01"
    assert decide(FULL, date="2015-01-01").policy_version == "2015-01-01"
    early = decide(FULL, date="2009-12-31")
    assert early.outcome is Outcome.NOT_APPLICABLE and early.policy_version is None


def test_foreign_codes_are_not_applicable():
    case = cs.structure_case({"case_id": "t", "date_of_service": "2020-01-01", "procedures": [{"code": "77385"}]})
    det = make_policy().evaluate(case, AUDIT)
    assert det.outcome is Outcome.NOT_APPLICABLE and not det.requires_clinical_review
    assert "77385" in det.reasons[0]


def test_prior_auth_and_unit_limits():
    data = {"case_id": "t", "date_of_service": "2020-01-01", "setting": "inpatient", "tumor": FULL,
            "procedures": [{"code": "77425"}, {"code": "77338", "units": 4}, {"code": "99999"}]}  # fmt: skip
    det = make_policy().evaluate(cs.structure_case(data), AUDIT)
    assert det.prior_authorization_required is True
    items = {i.code: i for i in det.line_items}
    assert (items["77338"].units_requested, items["77338"].units_approved) == (4, 3)
    assert items["77425"].units_approved == 1 and items["99999"].outcome is Outcome.NOT_APPLICABLE
    outpatient = make_policy().evaluate(cs.structure_case({**data, "setting": "outpatient"}), AUDIT)
    assert outpatient.prior_authorization_required is None


def test_not_and_documents():
    no_mets = not_("no-mets", "No distant metastases.", cite("S", "No mets."), metastatic)
    needs_doc = documented("dvh", "Colour DVH submitted.", cite("S", "DVH."), Documentation.DVH_COMPARISON_COLOR)
    rule = Rule(all_of("ok", "Ok.", cite("S", "Ok."), no_mets, needs_doc), Outcome.MEDICALLY_NECESSARY, "ok")
    policy = make_policy(versions=(Version(dt.date(2000, 1, 1), (rule,), Otherwise(Outcome.NOT_MEDICALLY_NECESSARY, "no")),))
    base = {"case_id": "t", "date_of_service": "2020-01-01", "procedures": [{"code": "77425"}], "tumor": {"distant_metastases": False}}
    det = policy.evaluate(cs.structure_case(base), AUDIT)
    assert det.outcome is Outcome.INSUFFICIENT_INFORMATION
    assert [m.field for m in det.missing_information] == ["documentation.dvh_comparison_color"]
    det = policy.evaluate(cs.structure_case({**base, "documentation": ["dvh_comparison_color"]}), AUDIT)
    assert det.outcome is Outcome.MEDICALLY_NECESSARY
    det = policy.evaluate(cs.structure_case({**base, "tumor": {"distant_metastases": True}, "documentation": ["dvh_comparison_color"]}), AUDIT)
    assert det.outcome is Outcome.NOT_MEDICALLY_NECESSARY


def test_overlapping_versions_and_clashing_ids_are_rejected():
    v1 = Version(dt.date(2010, 1, 1), (), Otherwise(Outcome.INVESTIGATIONAL, "x"), effective_to=dt.date(2016, 1, 1))
    v2 = Version(dt.date(2015, 1, 1), (), Otherwise(Outcome.INVESTIGATIONAL, "x"))
    with pytest.raises(ValueError, match="overlap"):
        make_policy(versions=(v1, v2))
    clash = is_("rectal", "Something else.", cite("S", "x"), "tumor.site", TumorSite.COLON)
    v3 = Version(dt.date(2010, 1, 1), (Rule(clash, Outcome.INVESTIGATIONAL, "x"), Rule(rectal, Outcome.INVESTIGATIONAL, "y")), Otherwise(Outcome.INVESTIGATIONAL, "x"))
    with pytest.raises(ValueError, match="share the id 'rectal'"):
        make_policy(versions=(v3,))


def test_every_adverse_outcome_requires_review():
    for outcome in Outcome:
        assert outcome.requires_clinical_review is (outcome not in (Outcome.MEDICALLY_NECESSARY, Outcome.NOT_APPLICABLE))


def test_an_unknown_rule_does_not_block_a_later_rule_with_the_same_outcome():
    colon = is_("colon", "Colon cancer.", cite("S", "Colon."), "tumor.site", TumorSite.COLON)
    colon_t4 = all_of("colon-t4", "Colon T4.", cite("S", "Colon T4."), colon, t4)
    rules = (
        Rule(covered, Outcome.MEDICALLY_NECESSARY, "rectal", requirement="Rectal cancer with margins", scope=rectal),
        Rule(colon_t4, Outcome.MEDICALLY_NECESSARY, "colon", requirement="Colon cancer T4", scope=colon),
    )
    policy = make_policy(versions=(Version(dt.date(2000, 1, 1), rules, Otherwise(Outcome.INVESTIGATIONAL, "Otherwise investigational.")),))

    def run(tumor):
        case = cs.structure_case({"case_id": "t", "date_of_service": "2020-01-01", "procedures": [{"code": "77425"}], "tumor": tumor})
        return policy.evaluate(case, AUDIT)

    assert run({"site": "colon", "t_stage": "T4"}).outcome is Outcome.MEDICALLY_NECESSARY
    adverse = run({"site": "colon", "t_stage": "T2"})
    assert adverse.outcome is Outcome.INVESTIGATIONAL
    assert adverse.reasons == ["Otherwise investigational.", "Colon cancer T4; in this case T stage is T2."]
    pending = run({"site": "rectum", "t_stage": "T4"})
    assert pending.outcome is Outcome.INSUFFICIENT_INFORMATION
    assert [m.field for m in pending.missing_information] == ["tumor.margin_status"]
