"""The IORT and IMRT examples end to end: PAS request -> Cases -> Determinations -> PAS response."""

from __future__ import annotations

import copy
import json

import pytest
from coverage_sdk_fhir import FhirInputError, PasAdapter, PayerMap, read_request, write_response
from fhir_helpers import (
    HERE,
    PAS,
    PHANTOM,
    add_supporting,
    assert_valid_response,
    claim,
    iort_request,
    item_keys,
    plan_document,
    questionnaire_response,
    require,
    review_actions,
    set_items,
)  # fmt: skip

import coverage_sdk as cs
from coverage_sdk.hookspecs import AdaptedRequest

ELIGIBLE = {  # examples/cases/evolent-breast-eligible.json, as DTR answers
    "tumor.histology": "invasive ductal carcinoma", "tumor.invasive": True, "tumor.t_stage": "T1c",
    "tumor.clinical_node_status": ("negative",), "tumor.margin_status": ("negative",), "tumor.distant_metastases": False,
    "radiation.iort.technique": ("electron",), "radiation.iort.device": "Mobetron", "radiation.iort.fractions": 1,
    "radiation.iort.role": ("monotherapy",),
}  # fmt: skip


def decide(bundle, host, payer_map):
    request = read_request(json.dumps(bundle).encode(), payer_map=payer_map)
    determinations = [cs.evaluate(case, host=host) for case in request.cases]
    response = write_response(request, determinations)
    assert_valid_response(response)
    assert item_keys(response, "ClaimResponse") == item_keys(bundle)
    assert "A3" not in review_actions(response)
    return request, determinations, response


def outcomes(determinations):
    return [(d.policy_id, d.outcome, [(li.sequence, li.trace_number, li.units_approved) for li in d.line_items]) for d in determinations]


def test_iort_example_reads_as_the_equivalent_case(host, payer_map):
    require(host, "evolent-cg226-iort")
    request, determinations, response = decide(iort_request(), host, payer_map)
    expected = cs.structure_case(json.loads((HERE / "data" / "iort-case.json").read_text()))
    assert request.cases == (expected,)
    assert outcomes(determinations[0]) == outcomes(cs.evaluate(expected, host=host))
    [det] = determinations[0]
    assert det.policy_id == "evolent-cg226-iort" and det.outcome is cs.Outcome.INSUFFICIENT_INFORMATION
    assert review_actions(response) == ["A4", "A4"]
    resources = [e["resource"]["resourceType"] for e in response["entry"]]
    assert resources[0] == "ClaimResponse" and resources.count("Task") == 1
    task = next(e["resource"] for e in response["entry"] if e["resource"]["resourceType"] == "Task")
    assert task["code"]["coding"][0]["code"] == "attachment-request-questionnaire"
    context = next(i for i in task["input"] if i["type"]["coding"][0]["code"] == "questionnaire-context")
    assert context["valueString"].split("|")[2].split(",") == [m.field for m in det.missing_information]
    assert context["extension"][0]["valuePositiveInt"] == 1
    notes = response["entry"][0]["resource"]["processNote"]
    assert any("evolent-cg226-iort" in n["text"] and "Source:" in n["text"] for n in notes)


def test_dtr_answers_fill_the_case_and_certify(host, payer_map):
    require(host, "evolent-cg226-iort")
    bundle = add_supporting(iort_request(), questionnaire_response("qr1", ELIGIBLE))
    request, determinations, response = decide(bundle, host, payer_map)
    case = request.cases[0]
    assert case.tumor.margin_status.value == "negative" and case.radiation.iort.fractions == 1
    equivalent = json.loads((HERE / "data" / "iort-case.json").read_text())
    equivalent["tumor"] = {"histology": "invasive ductal carcinoma", "invasive": True, "t_stage": "T1c", "clinical_node_status": "negative",
                           "margin_status": "negative", "distant_metastases": False}  # fmt: skip
    equivalent["radiation"] = {"iort": {"technique": "electron", "device": "Mobetron", "fractions": 1, "role": "monotherapy"}}
    assert outcomes(determinations[0]) == outcomes(cs.evaluate(cs.structure_case(equivalent), host=host))
    assert determinations[0][0].outcome is cs.Outcome.MEDICALLY_NECESSARY
    assert review_actions(response) == ["A1", "A4"]  # 77469 is no service of CG_226
    first = response["entry"][0]["resource"]["item"][0]
    number = next(e["valueString"] for e in first["adjudication"][0]["extension"][0]["extension"] if e["url"] == "number")
    assert number == "PA-2027-000001-1"
    period = next(e["valuePeriod"] for e in first["extension"] if e["url"] == PAS + "extension-itemPreAuthPeriod")
    assert period == {"start": "2027-02-15", "end": "2027-02-15"}


def test_one_case_per_date_of_service(host, payer_map):
    bundle = iort_request()
    claim(bundle)["item"][1]["servicedDate"] = "2027-02-16"
    request, _, response = decide(bundle, host, payer_map)
    assert [(c.case_id, str(c.date_of_service), [p.code for p in c.procedures]) for c in request.cases] == [
        ("PA-2027-000001/2027-02-15", "2027-02-15", ["77425"]), ("PA-2027-000001/2027-02-16", "2027-02-16", ["77469"]),
    ]  # fmt: skip
    assert review_actions(response) == ["A4", "A4"]


def test_a_cancellation_is_pended_never_certified(host, payer_map):
    bundle = add_supporting(iort_request(), questionnaire_response("qr1", ELIGIBLE))
    for item in claim(bundle)["item"]:
        item["extension"][2]["valueCodeableConcept"]["coding"][0]["code"] = "3"
    request, _, response = decide(bundle, host, payer_map)
    assert request.cases[0].request.type.value == "cancellation"
    assert review_actions(response) == ["A4", "A4"]
    assert "cancellation" in response["entry"][0]["resource"]["processNote"][-1]["text"]


def test_imrt_request_decides_from_attached_plans(host):
    require(host, "bcbsnc-imrt-extremity-sarcoma")
    bundle = set_items(iort_request(), [("77301", 1), ("77338", 4), ("77386", 30)], "C49.22", "2024-10-07")
    answers = {"tumor.site": ("soft_tissue_sarcoma",), "tumor.location": ("extremity_lower",), "tumor.histology": "leiomyosarcoma",
               "tumor.t_stage": "T3", "radiation.structures.bone": "Femur_L", "radiation.structures.bone_kind": "femur",
               "radiation.structures.joint": "Knee_L", "radiation.structures.joint_kind": "knee"}  # fmt: skip
    bundle = add_supporting(bundle, questionnaire_response("qr-imrt", answers))
    for n, technique in enumerate(("3dcrt", "imrt")):
        bundle = add_supporting(bundle, plan_document(f"plan{n}", technique, f"{technique} plan", PHANTOM / f"rtdose-{technique}.dcm", PHANTOM / "rtstruct.dcm"))
    request, determinations, response = decide(bundle, host, PayerMap(default_payer="bcbsnc"))
    [det] = determinations[0]
    assert det.policy_id == "bcbsnc-imrt-extremity-sarcoma" and det.outcome is cs.Outcome.MEDICALLY_NECESSARY
    sources = [c.evidence for c in det.criteria if any("sources" in k for k in c.evidence)]
    assert sources and all("dicom" in json.dumps(e).lower() for e in sources)
    assert [li.units_approved for li in det.line_items] == [1, 1, 30]
    assert review_actions(response) == ["A1", "A6", "A1"]
    [added] = response["entry"][0]["resource"]["addItem"]
    assert added["itemSequence"] == [2] and added["quantity"]["value"] == 1
    [case] = request.cases
    assert case.base_dir is None and sorted(case.files) == ["plan1-rtdose.dcm", "plan1-rtstruct.dcm", "plan2-rtdose.dcm", "plan2-rtstruct.dcm"]


def test_attached_plans_decide_imrt_oar_proximity(host):
    """Both plans attached, organ-at-risk constraints as DTR group answers: DVHs computed from the bytes decide."""
    require(host, "bcbsnc-imrt-extremity-sarcoma", "imrt-oar-proximity")
    bundle = set_items(iort_request(), [("77301", 1)], "C79.51", "2025-03-10")
    rows = [
        {"linkId": "radiation.oar_constraints", "item": [
            {"linkId": "organ", "answer": [{"valueString": organ}]}, {"linkId": "constraint", "answer": [{"valueString": limit}]},
            {"linkId": "source", "answer": [{"valueString": "QUANTEC"}]},
        ]}
        for organ, limit in (("Femur_L", "Dmean < 40 Gy"), ("Knee_L", "V35Gy < 50 %"))
    ]  # fmt: skip
    documents = {f"documentation.{d}": True for d in ("clinical_history", "chart_notes", "imaging_reports", "dvh_comparison_color")}
    answers = questionnaire_response("qr-oar", documents)
    answers["item"] += rows
    bundle = add_supporting(bundle, answers)
    for technique in ("3dcrt", "imrt"):
        bundle = add_supporting(bundle, plan_document(f"plan-{technique}", technique, f"{technique} plan", PHANTOM / f"rtdose-{technique}.dcm", PHANTOM / "rtstruct.dcm"))
    request, determinations, response = decide(bundle, host, PayerMap())
    det = next(d for d in determinations[0] if d.policy_id == "imrt-oar-proximity")
    assert [c.organ for c in request.cases[0].radiation.oar_constraints] == ["Femur_L", "Knee_L"]
    computed = {(row.organ.split(" ")[0], plan): value for row in det.summary_table for plan, value in (("3d", row.value_3d), ("imrt", row.value_imrt))}
    case = cs.structure_case({**cs.unstructure(request.cases[0]), "radiation": {
        "oar_constraints": cs.unstructure(request.cases[0].radiation.oar_constraints),
        "plans": [{"label": t, "technique": t, "dicom": {"rtdose": f"rtdose-{t}.dcm", "rtstruct": "rtstruct.dcm"}} for t in ("3dcrt", "imrt")],
    }})  # fmt: skip
    expected = next(d for d in cs.evaluate(case, host=host, base_dir=PHANTOM) if d.policy_id == "imrt-oar-proximity")
    assert det.outcome is expected.outcome is cs.Outcome.MEDICALLY_NECESSARY  # only IMRT keeps the femur's mean under 40 Gy
    assert computed == pytest.approx({(r.organ.split(" ")[0], p): v for r in expected.summary_table for p, v in (("3d", r.value_3d), ("imrt", r.value_imrt))}, rel=1e-9)
    assert (computed["Femur_L", "3d"], computed["Femur_L", "imrt"]) == pytest.approx((43.125, 39.375))
    # no payer: BCBSNC's sarcoma policy decides 77301 too and lacks facts, so the item is pended (A1 needs every policy)
    assert review_actions(response) == ["A4"]
    [task] = [e["resource"] for e in response["entry"] if e["resource"]["resourceType"] == "Task"]
    assert task["input"][1]["valueString"].startswith("bcbsnc-imrt-extremity-sarcoma|")


def expressions(bundle):
    with pytest.raises(FhirInputError) as caught:
        read_request(bundle if isinstance(bundle, bytes) else json.dumps(bundle).encode())
    return [i.expression for i in caught.value.issues]


def test_malformed_requests_name_the_element():
    assert expressions(b"{not json") == ["Bundle"]
    assert expressions({"resourceType": "Claim"}) == ["Bundle"]
    bundle = iort_request()
    claim(bundle)["item"][1]["quantity"]["value"] = 0
    assert expressions(bundle) == ["Bundle.entry[0].resource.item[1].quantity.value"]
    bundle = iort_request()
    bundle["entry"][1]["resource"]["birthDate"] = "1958-13-45"
    assert expressions(bundle) == ["Bundle.entry[1].resource.birthDate"]
    bundle = iort_request()
    del claim(bundle)["item"][0]["servicedDate"]
    assert expressions(bundle) == ["Bundle.entry[0].resource.item[0].serviced[x]"]
    bundle = iort_request()
    bundle["entry"][7]["resource"]["content"][0]["attachment"]["data"] = "not base64!"
    assert expressions(bundle) == ["Bundle.entry[7].resource.content[0].attachment.data"]
    bundle = iort_request()
    del claim(bundle)["item"]
    assert expressions(bundle) == ["Bundle.entry[0].resource.item"]
    bundle = add_supporting(iort_request(), questionnaire_response("qr1", {"date_of_service": "2020-01-01"}))
    assert expressions(bundle) == ["Bundle.entry[8].resource.item[0].linkId"]
    bundle = iort_request()
    bundle["type"] = "transaction"
    assert expressions(bundle) == ["Bundle.type"]
    bundle = add_supporting(iort_request(), questionnaire_response("qr1", {"tumor.colour": "blue"}))
    assert expressions(bundle) == ["Bundle.entry[8].resource.item[0].linkId"]
    bundle = add_supporting(iort_request(), questionnaire_response("qr1", {"tumor.invasive": True, "tumor.margin_status": ("dirty",)}))
    assert expressions(bundle) == ["Bundle.entry[8].resource.item[1].answer[0]"]


def test_bad_plan_attachments_name_the_element():
    bundle = set_items(iort_request(), [("77301", 1)], "C50.412", "2025-03-10")
    document = plan_document("p", "imrt", "IMRT", PHANTOM / "rtdose-imrt.dcm", PHANTOM / "rtstruct.dcm")
    broken = copy.deepcopy(document)
    del broken["category"]
    assert expressions(add_supporting(bundle, broken)) == ["Bundle.entry[8].resource.category"]
    broken = copy.deepcopy(document)
    broken["content"][1]["attachment"]["data"] = "bm90IGRpY29t"
    assert expressions(add_supporting(bundle, broken)) == ["Bundle.entry[8].resource.content[1].attachment", "Bundle.entry[8].resource.content"]


def test_pas_adapter_is_registered_and_speaks_bytes(host):
    adapters = [a for group in host.pm.hook.coverage_sdk_adapters() for a in group]
    [pas] = [a for a in adapters if a.name == "pas"]
    assert isinstance(pas, PasAdapter)
    request = pas.read(json.dumps(iort_request()).encode(), source="request.json")
    assert isinstance(request, AdaptedRequest)
    answer = json.loads(pas.write(request, [cs.evaluate(c, host=host) for c in request.cases]))
    assert_valid_response(answer)
    with pytest.raises(cs.InputError) as caught:
        pas.read(b"[]", source="bad.json")
    assert str(caught.value).startswith("bad.json: Bundle:")
