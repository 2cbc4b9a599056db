"""Where the data is (data/fhir: copies of shared/data/fhir; data/dicom) and builders of PAS bundles from the IORT example."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest
from coverage_sdk_fhir import check_response_bundle, invariants
from fhir.resources.R4B import get_fhir_model_class

HERE = Path(__file__).resolve().parent
INFERNO = HERE / "data" / "fhir" / "inferno"
EXAMPLES = HERE / "data" / "fhir" / "examples"
PHANTOM = HERE / "data" / "dicom" / "phantom"
CASE_VALUES = "https://coverage-sdk.invalid/fhir/CodeSystem/case-values"
PAS = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/"


def require(host: Any, *policy_ids: str) -> None:
    """Skip unless the in-repo policy plugins the test decides with are installed (they are not on
    PyPI: a wheel of this plugin alone, with its ``test`` extra, has none)."""
    missing = sorted(set(policy_ids) - {item.policy.id for item in host.policies()})
    if missing:
        pytest.skip(f"needs the policy plugins {', '.join(missing)}")


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def iort_request() -> dict[str, Any]:
    return load(EXAMPLES / "pas-request-bundle.json")


def claim(bundle: dict[str, Any]) -> dict[str, Any]:
    return bundle["entry"][0]["resource"]


def add_supporting(bundle: dict[str, Any], resource: dict[str, Any]) -> dict[str, Any]:
    """Add ``resource`` to the Bundle and reference it from the Claim's supportingInfo."""
    bundle = copy.deepcopy(bundle)
    key = f"{resource['resourceType']}/{resource['id']}"
    bundle["entry"].append({"fullUrl": f"http://example.org/fhir/{key}", "resource": resource})
    infos = claim(bundle).setdefault("supportingInfo", [])
    infos.append({
        "sequence": len(infos) + 1,
        "category": {"coding": [{"system": "http://hl7.org/fhir/us/davinci-pas/CodeSystem/PASTempCodes", "code": "additionalInformation"}]},
        "valueReference": {"reference": key},
    })
    return bundle


def questionnaire_response(id: str, answers: dict[str, Any]) -> dict[str, Any]:
    """A QuestionnaireResponse answering Case paths (linkIds) with codes, booleans, numbers or strings."""
    items = []
    for link, value in answers.items():
        if isinstance(value, bool):
            answer = {"valueBoolean": value}
        elif isinstance(value, int):
            answer = {"valueInteger": value}
        elif isinstance(value, float):
            answer = {"valueDecimal": value}
        elif isinstance(value, tuple):
            answer = {"valueCoding": {"system": CASE_VALUES, "code": value[0]}}
        else:
            answer = {"valueString": value}
        items.append({"linkId": link, "answer": [answer]})
    return {"resourceType": "QuestionnaireResponse", "id": id, "status": "completed", "subject": {"reference": "Patient/pat1"}, "item": items}


def plan_document(id: str, technique: str, label: str, rtdose: Path, rtstruct: Path) -> dict[str, Any]:
    return {
        "resourceType": "DocumentReference", "id": id, "status": "current", "description": label,
        "category": [{"coding": [{"system": CASE_VALUES, "code": technique}]}],
        "subject": {"reference": "Patient/pat1"},
        "content": [
            {"attachment": {"contentType": "application/dicom", "title": p.name, "data": base64.b64encode(p.read_bytes()).decode()}}
            for p in (rtdose, rtstruct)
        ],
    }  # fmt: skip


def set_items(bundle: dict[str, Any], items: list[tuple[str, int]], diagnosis: str, day: str) -> dict[str, Any]:
    """The IORT example's Claim with other CPT items (code, units) and diagnosis."""
    bundle = copy.deepcopy(bundle)
    template = claim(bundle)["item"][0]
    claim(bundle)["item"] = []
    for n, (code, units) in enumerate(items, start=1):
        item = copy.deepcopy(template)
        item["sequence"] = n
        item["extension"][0]["valueIdentifier"]["value"] = f"TRN-{n}"
        item["productOrService"] = {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": code}]}
        item["quantity"] = {"value": units}
        item["servicedDate"] = day
        claim(bundle)["item"].append(item)
    claim(bundle)["diagnosis"][0]["diagnosisCodeableConcept"]["coding"] = [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": diagnosis}]
    return bundle


def item_keys(bundle: dict[str, Any], resource_type: str = "Claim") -> list[tuple[int, str | None]]:
    """(sequence, trace number) of every item of the first resource."""
    first = bundle["entry"][0]["resource"]
    assert first["resourceType"] == resource_type
    key = "sequence" if resource_type == "Claim" else "itemSequence"
    out = []
    for item in first["item"]:
        trace = next((e["valueIdentifier"]["value"] for e in item.get("extension", []) if e["url"] == PAS + "extension-itemTraceNumber"), None)
        out.append((item[key], trace))
    return out


def review_actions(response: dict[str, Any]) -> list[str]:
    codes = []
    for item in response["entry"][0]["resource"]["item"]:
        action = item["adjudication"][0]["extension"][0]["extension"]
        codes.append(next(e["valueCodeableConcept"]["coding"][0]["code"] for e in action if e["url"].endswith("reviewActionCode")))
    return codes


def assert_valid_response(bundle: dict[str, Any]) -> None:
    """Parses with the R4B models, every entry too, and meets ClaimResponseFirst."""
    check_response_bundle(bundle)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    assert invariants.CLAIM_RESPONSE_FIRST.holds(bundle)


def assert_valid(resource: dict[str, Any]) -> None:
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
