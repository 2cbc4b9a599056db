"""DTR: questionnaires generated from each policy version's criteria, and answers back into Cases."""

from __future__ import annotations

import enum
import json

import pytest
from coverage_sdk_fhir import FhirInputError, dtr, facts
from fhir_helpers import EXAMPLES, HERE, assert_valid, load, require

import coverage_sdk as cs

BASE = "http://127.0.0.1:8080"


def versions(host):
    return [(item.policy, version) for item in host.policies() for version in item.policy.versions]


def leaves(questionnaire):
    return [i for i in questionnaire["item"] if i["type"] != "display"]


def test_a_questionnaire_per_policy_version(host):
    require(host, "bcbsm-bcn-iort", "bcbsma-278-iort", "bcbsnc-imrt-extremity-sarcoma", "evolent-cg226-iort", "imrt-oar-proximity")
    pairs = versions(host)
    assert len(pairs) >= 10
    for policy, version in pairs:
        q = dtr.questionnaire(policy, version, base=BASE)
        assert_valid(q)
        assert q["url"] == f"{BASE}/Questionnaire/{policy.id}" and q["version"] == version.name
        for item in leaves(q):
            assert facts.is_question(item["linkId"])
            kind = facts.leaf_type(item["linkId"])
            if isinstance(kind, type) and issubclass(kind, enum.Enum):
                assert [o["valueCoding"]["code"] for o in item["answerOption"]] == [m.value for m in kind]
            [help_item] = item["item"]
            assert help_item["type"] == "display" and "Source:" in help_item["text"]


def test_questionnaire_items_are_the_facts_the_criteria_read(host):
    require(host, "bcbsma-278-iort")
    policy = next(i.policy for i in host.policies() if i.policy.id == "bcbsma-278-iort")
    q = dtr.questionnaire(policy, policy.versions[-1], base=BASE)
    assert [i["linkId"] for i in leaves(q)] == ["tumor.site", "tumor.margin_status", "tumor.t_stage", "tumor.recurrent"]
    margin = next(i for i in q["item"] if i["linkId"] == "tumor.margin_status")
    assert "Margins are positive or close." in margin["item"][0]["text"]
    assert "Rectal cancer with positive or close margins with T4 lesions or recurrent disease." in margin["item"][0]["text"]


def _answer(item):
    kind = facts.leaf_type(item["linkId"])
    if item["type"] == "choice":
        return {"valueCoding": item["answerOption"][0]["valueCoding"]}
    if item["type"] == "attachment":
        return {"valueAttachment": {"contentType": "application/pdf", "data": "JVBERi0="}}
    if kind is bool:
        return {"valueBoolean": True}
    if kind is int:
        return {"valueInteger": 1}
    return {"valueString": "T1" if item["linkId"] == "tumor.t_stage" else "text"}


def test_answering_every_item_gives_a_valid_case(host):
    require(host, "bcbsm-bcn-iort", "bcbsma-278-iort", "bcbsnc-imrt-extremity-sarcoma", "evolent-cg226-iort", "imrt-oar-proximity")
    for policy, version in versions(host):
        q = dtr.questionnaire(policy, version, base=BASE)
        response = {"resourceType": "QuestionnaireResponse", "status": "completed", "questionnaire": f"{q['url']}|{q['version']}",
                    "item": [{"linkId": i["linkId"], "answer": [_answer(i)]} for i in leaves(q)]}  # fmt: skip
        assert_valid(response)
        fragment = dtr.read_response(response)
        case = cs.structure_case({"case_id": "x", "date_of_service": version.name, "procedures": [{"code": "77425"}], **fragment})
        for item in leaves(q):
            if not item["linkId"].startswith("documentation."):
                assert cs.unstructure(case) != {}
                value = case
                for part in item["linkId"].split("."):
                    value = getattr(value, part)
                assert value is not None, item["linkId"]
            else:
                assert item["linkId"].split(".", 1)[1] in [d.value for d in case.documentation]


def test_missing_questionnaire_asks_exactly_the_missing_facts(host):
    require(host, "evolent-cg226-iort")
    case = cs.structure_case(json.loads((HERE / "data" / "iort-case.json").read_text()))
    [det] = cs.evaluate(case, host=host)
    policy = next(i.policy for i in host.policies() if i.policy.id == det.policy_id)
    version = next(v for v in policy.versions if v.name == det.policy_version)
    q = dtr.missing_questionnaire(policy, version, [m.field for m in det.missing_information], base=BASE)
    assert_valid(q)
    expected = [facts.ALIASES.get(m.field, m.field) for m in det.missing_information]
    assert [i["linkId"] for i in leaves(q)] == expected


def test_missing_plan_metrics_ask_for_the_plans(host):
    require(host, "bcbsnc-imrt-extremity-sarcoma")
    case = cs.structure_case({"case_id": "imrt", "date_of_service": "2025-03-10", "procedures": [{"code": "77301"}], "diagnoses": ["C79.51"]})
    det = next(d for d in cs.evaluate(case, host=host) if d.policy_id == "bcbsnc-imrt-extremity-sarcoma")
    policy = next(i.policy for i in host.policies() if i.policy.id == det.policy_id)
    version = next(v for v in policy.versions if v.name == det.policy_version)
    q = dtr.missing_questionnaire(policy, version, [m.field for m in det.missing_information], base=BASE)
    links = [i["linkId"] for i in q["item"]]
    assert links == ["tumor.site", "tumor.location", "radiation.structures.bone_kind", "radiation.structures.joint", "radiation.plans"]
    assert "application/dicom" in q["item"][-1]["text"]


def test_questionnaire_package(host):
    require(host, "bcbsm-bcn-iort", "bcbsma-278-iort", "evolent-cg226-iort")
    order = load(EXAMPLES / "crd-order-sign-request.json")["context"]["draftOrders"]["entry"][0]["resource"]
    parameters = {"resourceType": "Parameters", "parameter": [{"name": "order", "resource": order}]}
    out = dtr.questionnaire_package(parameters, host.policies(), base=BASE)
    assert_valid(out)
    urls = [p["resource"]["entry"][0]["resource"]["url"] for p in out["parameter"]]
    assert {u.rsplit("/", 1)[1] for u in urls} == {"bcbsm-bcn-iort", "bcbsma-278-iort", "evolent-cg226-iort"}
    assert all(p["name"] == "PackageBundle" for p in out["parameter"])
    context = {"resourceType": "Parameters", "parameter": [{"name": "context", "valueString": "bcbsma-278-iort|2007-01-01|tumor.margin_status"}]}
    [package] = dtr.questionnaire_package(context, host.policies(), base=BASE)["parameter"]
    assert [i["linkId"] for i in package["resource"]["entry"][0]["resource"]["item"]] == ["tumor.margin_status"]
    canonical = {"resourceType": "Parameters", "parameter": [{"name": "questionnaire", "valueCanonical": f"{BASE}/Questionnaire/bcbsma-278-iort|2007-01-01"}]}
    assert dtr.questionnaire_package(canonical, host.policies(), base=BASE)["parameter"][0]["resource"]["entry"][0]["resource"]["version"] == "2007-01-01"
    with pytest.raises(FhirInputError) as caught:
        dtr.questionnaire_package({"resourceType": "Parameters", "parameter": [{"name": "context", "valueString": "nope"}]}, host.policies(), base=BASE)
    assert caught.value.issues[0].expression == "Parameters.parameter[0].valueString"
