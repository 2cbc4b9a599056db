"""CRD: the discovery document and order-sign/order-select answers with ext-coverage-information."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from coverage_sdk_fhir import FhirInputError, PayerMap, crd, invariants
from fhir_helpers import EXAMPLES, assert_valid, load, require

BASE = "http://127.0.0.1:8080"
TODAY = dt.date(2027, 1, 20)


def hook_request():
    return load(EXAMPLES / "crd-order-sign-request.json")


def subextensions(extension):
    return {e["url"]: next(v for k, v in e.items() if k.startswith("value")) for e in extension["extension"]}


def test_discovery_lists_the_hooks_and_the_policies_codes(host):
    document = crd.discovery(host.policies())
    assert [s["hook"] for s in document["services"]] == ["order-sign", "order-select"]
    for item in host.policies():
        assert item.policy.id in document["services"][0]["description"]
        assert all(code in document["services"][0]["description"] for code in item.policy.services.all)


def test_order_sign_answer(host):
    require(host, "evolent-cg226-iort")
    payer_map = PayerMap(default_payer="evolent", lines_of_business={"plan|MAPPO-01": "medicare_advantage_ppo"})
    answer = crd.answer("coverage-sdk-order-sign", hook_request(), host, payer_map=payer_map, base=BASE, today=TODAY)
    [card] = answer["cards"]
    assert card["summary"] == "Prior authorization may be required for 77425" and len(card["summary"]) <= 140
    assert "evolent-cg226-iort" in card["detail"] and "tumor.margin_status" in card["detail"]
    [action] = answer["systemActions"]
    assert action["type"] == "update"
    order = action["resource"]
    assert_valid(order)
    [extension] = order["extension"]
    assert extension["url"] == crd.COVERAGE_INFORMATION
    assert invariants.violations(extension, invariants.COVERAGE_INFORMATION, "ext") == []
    values = subextensions(extension)
    assert values["coverage"] == {"reference": "Coverage/cov1"}
    assert values["covered"] == "conditional" and values["pa-needed"] == "conditional" and values["doc-needed"] == "clinical"
    assert values["questionnaire"] == f"{BASE}/Questionnaire/evolent-cg226-iort|2024-01-01"
    assert values["date"] == "2027-01-20" and values["coverage-assertion-id"]
    assert "evolent-cg226-iort" in values["reason"]["text"]


def test_decided_from_codes_and_diagnoses_only(host):
    """The prefetched patient's birth date is not read: age stays a fact the questionnaire asks."""
    require(host, "bcbsma-278-iort", "evolent-cg226-iort")
    request = hook_request()
    assert request["prefetch"]["patient"]["birthDate"]
    answer = crd.answer("coverage-sdk-order-sign", request, host, payer_map=PayerMap(default_payer="evolent"), base=BASE, today=TODAY)
    assert "patient.age_years" in answer["cards"][0]["detail"]
    order = request["context"]["draftOrders"]["entry"][0]["resource"]
    order["reasonCode"][0]["coding"][0]["code"] = "C20"
    answer = crd.answer("coverage-sdk-order-sign", request, host, payer_map=PayerMap(default_payer="bcbsma"), base=BASE, today=TODAY)
    [extension] = answer["systemActions"][0]["resource"]["extension"]
    assert subextensions(extension)["doc-needed"] == "clinical"
    assert invariants.violations(extension, invariants.COVERAGE_INFORMATION, "ext") == []


def test_order_select_answers_only_the_selection(host):
    require(host, "evolent-cg226-iort")
    request = hook_request()
    request["hook"] = "order-select"
    other = copy.deepcopy(request["context"]["draftOrders"]["entry"][0])
    other["resource"]["id"] = "sr-other"
    request["context"]["draftOrders"]["entry"].append(other)
    request["context"]["selections"] = ["ServiceRequest/sr-other"]
    answer = crd.answer("coverage-sdk-order-select", request, host, payer_map=PayerMap(default_payer="evolent"), base=BASE, today=TODAY)
    assert [a["resource"]["id"] for a in answer["systemActions"]] == ["sr-other"]


def test_orders_no_policy_decides_get_no_card(host):
    request = hook_request()
    request["context"]["draftOrders"]["entry"][0]["resource"]["code"]["coding"][0]["code"] = "99213"
    assert crd.answer("coverage-sdk-order-sign", request, host, base=BASE) == {"cards": [], "systemActions": []}


def test_bad_hook_requests(host):
    with pytest.raises(FhirInputError) as caught:
        crd.answer("coverage-sdk-order-dispatch", hook_request(), host, base=BASE)
    assert caught.value.issues[0].expression == "service"
    request = hook_request()
    request["context"]["draftOrders"]["entry"][0]["resource"]["status"] = 7
    with pytest.raises(FhirInputError) as caught:
        crd.answer("coverage-sdk-order-sign", request, host, base=BASE)
    assert caught.value.issues[0].expression == "context.draftOrders.entry[0].resource.status"


def test_covered_answer_meets_the_invariants():
    import coverage_sdk as cs

    det = cs.Determination(
        case_id="x", policy_id="p", policy_version="2020-01-01", outcome=cs.Outcome.MEDICALLY_NECESSARY,
        requires_clinical_review=False, reasons=["met"], criteria=[], missing_information=[], prior_authorization_required=True,
        line_items=[], summary_table=[], audit=None,
    )  # fmt: skip
    extension = crd._information(det, "Coverage/c", "a1", TODAY, BASE)
    values = subextensions(extension)
    assert (values["covered"], values["pa-needed"], values["doc-needed"]) == ("covered", "auth-needed", "no-doc")
    assert "questionnaire" not in values
    assert invariants.violations(extension, invariants.COVERAGE_INFORMATION, "ext") == []
    broken = copy.deepcopy(extension)
    broken["extension"] = [e for e in broken["extension"] if e["url"] != "pa-needed"]
    assert [i.diagnostics.split(":")[0] for i in invariants.violations(broken, invariants.COVERAGE_INFORMATION, "ext")] == ["crd-ci-q2"]
