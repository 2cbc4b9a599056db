"""The policy-authoring core: Kleene rules, versions by date of service and their parameters, criteria
decided on part of their facts, rule scopes, missing facts, units."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest

import coverage_sdk as cs
from coverage_sdk.policy.authoring import (
    DocumentCondition, FactCondition, Otherwise, Policy, PriorAuthRule, Rule, ServiceCodes, UnitLimit, Version, all_of,
    always, any_of, at_least, citer, criterion, documented, is_, not_, true,
)  # fmt: skip
from coverage_sdk.policy.facts import label, plain
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


# --- criteria decided on part of their facts, version parameters, scopes ---------------------------

device = "radiation.iort.device"
technique = "radiation.iort.technique"


def _electronic(named, kind):
    if (named is not None and "intrabeam" in named.lower()) or (kind is not None and kind.value == "electronic_brachytherapy"):
        return True
    return None if named is None or kind is None else False


electronic = criterion("electronic", "Electronic brachytherapy.", cite("S", "EB."), (device, technique), _electronic,
                       lambda named, kind: f"device {named}, technique {kind}", required=())  # fmt: skip


def _decide_with(rule_when, **radiation):
    rule = Rule(rule_when, Outcome.INVESTIGATIONAL, "eb")
    policy = make_policy(versions=(Version(dt.date(2000, 1, 1), (rule,), Otherwise(Outcome.MEDICALLY_NECESSARY, "ok")),))
    data = {"case_id": "t", "date_of_service": "2020-01-01", "procedures": [{"code": "77425"}], "radiation": {"iort": radiation}}
    return policy.evaluate(cs.structure_case(data), AUDIT)


def test_a_criterion_decided_on_part_of_its_facts():
    assert _decide_with(electronic, device="INTRABEAM").outcome is Outcome.INVESTIGATIONAL
    assert _decide_with(electronic, technique="electronic_brachytherapy").outcome is Outcome.INVESTIGATIONAL
    assert _decide_with(electronic, device="Mobetron", technique="electron").outcome is Outcome.MEDICALLY_NECESSARY
    pending = _decide_with(electronic, device="Mobetron")
    assert pending.outcome is Outcome.INSUFFICIENT_INFORMATION
    assert [m.field for m in pending.missing_information] == [technique]


def test_a_condition_names_what_is_missing_its_own_way():
    def why(facts, paths):
        return [(path, f"ask the surgeon for the {path.rsplit('.', 1)[-1]}") for path in paths]

    leaf = criterion("device-known", "Device.", cite("S", "D."), (device,), lambda named: True, why_unknown=why)
    det = _decide_with(leaf, technique="electron")
    assert [(m.field, m.reason) for m in det.missing_information] == [(device, "ask the surgeon for the device; needed for: Device.")]


@attrs.frozen
class Limits:
    minimum_age: int
    quote: str


ONE_RULE = Rule(
    all_of("eligible-{limits.minimum_age}", "Rectal cancer at {limits.minimum_age} or older.", cite("S", "{limits.quote}"), rectal,
           criterion("age-{limits.minimum_age}", "Age {limits.minimum_age} or older.", cite("S", "{limits.quote}"),
                     ("patient.age_years", "limits.minimum_age"), lambda age, bound: age >= bound,
                     lambda age, bound: f"the patient is {age}, under {bound}", required=("patient.age_years",))),
    Outcome.MEDICALLY_NECESSARY, "Covered from {limits.minimum_age}.", requirement="Covered only from age {limits.minimum_age}",
)  # fmt: skip


def test_one_rule_with_a_parameter_set_per_version():
    versions = tuple(
        Version(dt.date(year, 1, 1), (ONE_RULE,), Otherwise(Outcome.INVESTIGATIONAL, "Otherwise investigational."),
                summary="From {limits.minimum_age}.", parameters={"limits": Limits(age, f"Age {age}.")})
        for year, age in ((2010, 55), (2020, 50))
    )  # fmt: skip
    policy = make_policy(versions=versions)
    assert [v.summary for v in policy.versions] == ["From 55.", "From 50."]
    assert {c.id for c in policy.criteria()} >= {"eligible-55", "eligible-50", "age-55", "age-50"}

    def run(date, age):
        data = {"case_id": "t", "date_of_service": date, "procedures": [{"code": "77425"}], "tumor": {"site": "rectum"}, "patient": {"age_years": age}}
        return policy.evaluate(cs.structure_case(data), AUDIT)

    assert run("2021-01-01", 52).outcome is Outcome.MEDICALLY_NECESSARY
    older = run("2015-01-01", 52)
    assert older.outcome is Outcome.INVESTIGATIONAL
    assert older.reasons == ["Otherwise investigational.", "Covered only from age 55; in this case the patient is 52, under 55."]
    trail = {c.id: c for c in older.criteria}
    assert trail["age-55"].evidence == {"patient.age_years": 52, "limits.minimum_age": 55}
    assert trail["age-55"].citation == 'Test policy, S: "Age 55."'


def test_a_parameter_a_version_lacks_is_an_error():
    with pytest.raises(KeyError, match="limits"):
        Version(dt.date(2010, 1, 1), (ONE_RULE,), Otherwise(Outcome.INVESTIGATIONAL, "x"), parameters={"other": 1})


def test_a_scope_of_several_sites_explains_its_requirement_only_to_those_sites():
    pelvic = is_("pelvic", "Rectal or cervical cancer.", cite("S", "Pelvic."), "tumor.site", TumorSite.RECTUM, TumorSite.CERVIX)
    rule = Rule(all_of("pelvic-t4", "Pelvic T4.", cite("S", "Pelvic T4."), pelvic, t4), Outcome.MEDICALLY_NECESSARY, "ok",
                requirement="Covered for pelvic T4 cancers", scope=pelvic)  # fmt: skip
    policy = make_policy(versions=(Version(dt.date(2000, 1, 1), (rule,), Otherwise(Outcome.INVESTIGATIONAL, "Otherwise.")),))

    def reasons(tumor):
        data = {"case_id": "t", "date_of_service": "2020-01-01", "procedures": [{"code": "77425"}], "tumor": tumor}
        return policy.evaluate(cs.structure_case(data), AUDIT).reasons

    assert reasons({"site": "cervix", "t_stage": "T2"}) == ["Otherwise.", "Covered for pelvic T4 cancers; in this case T stage is T2."]
    assert reasons({"site": "rectum", "t_stage": "T2"})[1].startswith("Covered for pelvic T4")
    assert reasons({"site": "breast", "t_stage": "T2"}) == ["Otherwise."]
    assert reasons({"t_stage": "T2"}) == ["Otherwise."]


def test_documents_facts_and_plans_share_one_condition_protocol():
    needs_doc = documented("dvh", "DVH.", cite("S", "DVH."), Documentation.DVH_COMPARISON_COLOR)
    for leaf in (needs_doc, rectal, electronic):
        condition = leaf.condition
        assert isinstance(condition.needs, tuple)
        assert callable(condition.evaluate) and callable(condition.explain)
    assert isinstance(rectal.condition, FactCondition) and isinstance(needs_doc.condition, DocumentCondition)


def test_a_typed_fact_shows_as_its_evidence():
    @attrs.frozen
    class Row:
        organ: str

        def evidence(self):
            return {"organ": self.organ, "levels": (1, 2)}

    assert plain([Row("Heart")]) == [{"organ": "Heart", "levels": [1, 2]}]


def test_always_is_met_for_every_request():
    every = always("pa-always", "Prior authorization is required for every request.", cite("PA", "All requests."))
    policy = make_policy(prior_authorization=(PriorAuthRule(every, True),))
    data = {"case_id": "t", "date_of_service": "2020-06-01", "procedures": [{"code": "77425"}]}
    det = policy.evaluate(cs.structure_case(data), AUDIT)
    assert det.prior_authorization_required is True
    assert next(c for c in det.criteria if c.id == "pa-always").result is Result.MET


def test_a_policy_names_its_own_facts():
    inoperable = true("inoperable", "Medically inoperable.", cite("S", "Inoperable."), "extensions.medically_inoperable")
    rules = (Rule(inoperable, Outcome.MEDICALLY_NECESSARY, "covered", requirement="Covered when inoperable"),)
    version = Version(dt.date(2015, 1, 1), rules, Otherwise(Outcome.INVESTIGATIONAL, "Otherwise investigational."))
    data = {"case_id": "t", "date_of_service": "2020-06-01", "procedures": [{"code": "77425"}], "extensions": {"medically_inoperable": False}}
    plain_policy = make_policy(versions=(version,))
    labelled = make_policy(versions=(version,), labels={"extensions.medically_inoperable": "medical inoperability"})
    assert "medically inoperable is no" in " ".join(plain_policy.evaluate(cs.structure_case(data), AUDIT).reasons)
    assert "medical inoperability is no" in " ".join(labelled.evaluate(cs.structure_case(data), AUDIT).reasons)
    assert label("extensions.medically_inoperable") == "medically inoperable"
