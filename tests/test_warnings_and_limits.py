"""The core's warnings and the rule that an approval another reading would not give goes to a
person; exclusions, unit limits over a period and per plan, bundled codes, a policy's origin."""

from __future__ import annotations

import datetime as dt

import pytest
from repo_paths import EXAMPLES

import coverage_sdk as cs
from coverage_sdk.policy import icd10
from coverage_sdk.policy.authoring import (
    Bundled, Exclusion, Otherwise, Policy, Rule, ServiceCodes, UnitLimit, Version, citer, criterion, is_,
)  # fmt: skip
from coverage_sdk.policy.model import Audit, Outcome, PlanTechnique, SarcomaLocation, TumorSite, WarningCode

cite = citer("Test policy")
AUDIT = Audit("0", "test", "0", "sha", "now")

rectal = is_("rectal", "Rectal cancer.", cite("S", "Rectal."), "tumor.site", TumorSite.RECTUM)
sarcoma = is_("sarcoma", "Soft tissue sarcoma.", cite("S", "Sarcoma."), "tumor.site", TumorSite.SOFT_TISSUE_SARCOMA)
gist = criterion(
    "gist", "A GIST.", cite("S", "Other than GIST."), ("tumor.site", "tumor.histology"),
    lambda site, histology: site is TumorSite.SOFT_TISSUE_SARCOMA and (None if histology is None else "gist" in histology),
    required=("tumor.site",),
)  # fmt: skip
VERSION = Version(
    dt.date(2020, 1, 1),
    (Rule(rectal, Outcome.MEDICALLY_NECESSARY, "rectal"), Rule(sarcoma, Outcome.MEDICALLY_NECESSARY, "sarcoma")),
    Otherwise(Outcome.INVESTIGATIONAL, "other"),
    exclusions=(Exclusion(gist, Outcome.INVESTIGATIONAL, "GIST is excluded."),),
)
LIMITS = (
    UnitLimit("77338", 1, "IMRT plan", cite("U", "Once per plan."), per_plan=PlanTechnique.IMRT),
    UnitLimit("77338", 3, "60-day course", cite("U", "Three per course."), days=60),
)
POLICY = Policy(
    id="test", title="Test", payer="P", document="d.txt", services=ServiceCodes(cpt=("77425", "77338")),
    versions=(VERSION,), unit_limits=LIMITS, origin=dt.date(2018, 7, 1),
    bundled=(Bundled("77399", "planning", cite("Codes", "Part of the planning.")),),
)  # fmt: skip


def decide(tumor, date="2024-06-03", procedures=({"code": "77425"},), policy=POLICY, **extra):
    data = {"case_id": "t", "date_of_service": date, "procedures": list(procedures), "tumor": tumor, **extra}
    return policy.evaluate(cs.structure_case(data), AUDIT)


def test_an_exclusion_holds_across_every_inclusion():
    assert decide({"site": "soft_tissue_sarcoma", "histology": "leiomyosarcoma"}).outcome is Outcome.MEDICALLY_NECESSARY
    det = decide({"site": "soft_tissue_sarcoma", "histology": "gist"})
    assert (det.outcome, det.reasons) == (Outcome.INVESTIGATIONAL, ["GIST is excluded."])
    unknown = decide({"site": "soft_tissue_sarcoma"})
    assert unknown.outcome is Outcome.INSUFFICIENT_INFORMATION
    assert "(which would exclude it)" in unknown.reasons[0]


def test_a_contradicting_code_sends_an_approval_to_a_person_only_when_it_matters():
    assert decide({"site": "rectum"}, diagnoses=["C20"]).warnings == []
    det = decide({"site": "rectum"}, diagnoses=["C50.911"])
    assert det.outcome is Outcome.CLINICAL_REVIEW and det.requires_clinical_review
    assert det.reasons[0].startswith("A person must decide")
    assert det.warnings[0].code is WarningCode.DIAGNOSIS_CONFLICT
    same = decide({"site": "rectum"}, diagnoses=["C49.4"], policy=_policy_for_both_sites())
    assert same.outcome is Outcome.MEDICALLY_NECESSARY
    assert same.warnings[0].message.endswith("the outcome would be the same.")


def _policy_for_both_sites() -> Policy:
    both = is_("both", "Rectal or sarcoma.", cite("S", "Both."), "tumor.site", TumorSite.RECTUM, TumorSite.SOFT_TISSUE_SARCOMA)
    version = Version(dt.date(2020, 1, 1), (Rule(both, Outcome.MEDICALLY_NECESSARY, "both"),), Otherwise(Outcome.INVESTIGATIONAL, "other"))
    return Policy(id="both", title="B", payer="P", document="d.txt", services=ServiceCodes(cpt=("77425",)), versions=(version,))


@pytest.mark.parametrize(
    ("site", "code", "conflict"),
    [(TumorSite.DESMOID, "C49.4", None), (TumorSite.UTERINE_SARCOMA, "C54.1", None), (TumorSite.RECTUM, "C18.7", TumorSite.COLON),
     (TumorSite.OTHER, "C50.1", TumorSite.BREAST), (TumorSite.BREAST, "C79.51", None)],
)  # fmt: skip
def test_which_codes_contradict_a_site(site, code, conflict):
    assert icd10.contradicts(code, site) is conflict


def test_sarcoma_locations_of_the_c49_codes():
    assert icd10.location_of("C49.5") is SarcomaLocation.PELVIS
    assert icd10.location_of("C48.0") is SarcomaLocation.RETROPERITONEAL
    assert icd10.location_of("C49.9") is None


def test_unit_limits_count_lines_prior_services_and_plans():
    plans = {"plans": [{"label": "3D", "technique": "3dcrt"}] + [{"label": f"IMRT {n}", "technique": "imrt"} for n in range(3)]}
    lines = ({"code": "77338", "units": 2, "sequence": 1}, {"code": "77338", "units": 2, "sequence": 2})
    det = decide({"site": "rectum"}, procedures=lines, radiation=plans,
                 prior_services=[{"code": "77338", "units": 1, "date_of_service": "2024-04-05"},
                                 {"code": "77338", "units": 5, "date_of_service": "2024-04-04"}])  # fmt: skip
    assert [(i.sequence, i.units_approved) for i in det.line_items] == [(1, 2), (2, 0)]
    assert "1 unit(s) of prior_services from 2024-04-05 to 2024-06-03" in det.line_items[0].reason
    assert "2 unit(s) on earlier lines of this request" in det.line_items[1].reason
    no_plans = decide({"site": "rectum"}, procedures=lines[:1])
    assert no_plans.line_items[0].units_approved is None
    assert "no imrt plan is listed" in no_plans.line_items[0].reason


def test_a_bundled_code_gets_no_units_of_its_own():
    det = decide({"site": "rectum"}, procedures=({"code": "77425"}, {"code": "77399"}))
    assert [(i.outcome, i.units_approved) for i in det.line_items] == [(Outcome.MEDICALLY_NECESSARY, 1), (Outcome.MEDICALLY_NECESSARY, 0)]
    assert "Part of the planning" in det.line_items[1].reason


def test_dates_between_the_origin_and_the_first_version_go_to_a_person():
    det = decide({"site": "rectum"}, date="2019-12-31")
    assert (det.outcome, det.policy_version) == (Outcome.CLINICAL_REVIEW, None)
    assert [w.code for w in det.warnings] == [WarningCode.VERSION_NOT_ENCODED]
    assert decide({"site": "rectum"}, date="2018-06-30").outcome is Outcome.NOT_APPLICABLE


def test_no_example_is_approved_while_a_warning_could_change_its_outcome():
    for path in sorted(EXAMPLES.glob("*.json")):
        for det in cs.evaluate(cs.load_case(path)):
            if det.outcome is Outcome.MEDICALLY_NECESSARY:
                assert all(w.message.endswith("the outcome would be the same.") for w in det.warnings), (path.name, det.policy_id)
