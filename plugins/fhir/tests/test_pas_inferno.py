"""The Inferno PAS test kit's fixtures: accepted bundles read and round-trip, rejected ones get an OperationOutcome."""

from __future__ import annotations

import json

import pytest
from coverage_sdk_fhir import FhirInputError, check_response_bundle, operation_outcome, read_request, write_response
from fhir_helpers import INFERNO, assert_valid, assert_valid_response, item_keys, load, review_actions

import coverage_sdk as cs

FIXTURES = sorted(p.name for p in INFERNO.glob("*.json"))
REQUESTS = [n for n in FIXTURES if n.startswith("conformant_")]
RESPONSES = [n for n in FIXTURES if n.startswith("valid_")]
REJECTED = {
    "nonconformant_pas_bundle_v110.json": {"Bundle.entry", "Bundle.entry[0].resource"},
    "missing_referenced_resource_request_bundle.json": {"Bundle.entry[0].resource.careTeam[0].provider.reference"},
    "invalid_first_entry_response_bundle.json": {"Bundle.entry[0].resource"},
}


def test_every_fixture_is_classified():
    preset = [n for n in FIXTURES if n.startswith("pas_client_")]
    assert set(FIXTURES) == set(REQUESTS) | set(RESPONSES) | set(REJECTED) | set(preset)
    assert REQUESTS and RESPONSES


@pytest.mark.parametrize("name", REQUESTS)
def test_conformant_request_round_trips(name, host):
    bundle = load(INFERNO / name)
    request = read_request(json.dumps(bundle).encode())
    response = write_response(request, [cs.evaluate(case, host=host) for case in request.cases])
    assert_valid_response(response)
    assert item_keys(response, "ClaimResponse") == item_keys(bundle)
    assert set(review_actions(response)) == {"A4"}  # X12 service-type codes: no policy decides them
    assert "A3" not in review_actions(response)


@pytest.mark.parametrize("name", RESPONSES)
def test_valid_response_reads(name):
    check_response_bundle((INFERNO / name).read_bytes())


def test_must_support_preset_responses_break_base_fhir_where_we_say():
    """The kit's must-support response presets are read, and two base R4 errors in them are named:
    a Claim item with both servicedDate and servicedPeriod (choice of one), a DeviceRequest without code[x] (1..1)."""
    preset = load(INFERNO / "pas_client_v221_must_support_preset.json")
    bundles = []
    for field in preset["inputs"]:
        if field["name"].endswith("_json_response"):
            bundles.append(json.loads(field["value"]))
        elif field["name"].startswith("ms_") and field["name"].endswith("_responses"):
            bundles += json.loads(field["value"])
    assert len(bundles) >= 6
    for bundle in bundles:
        with pytest.raises(FhirInputError) as caught:
            check_response_bundle(bundle)
        found = {(i.expression, bundle["entry"][int(i.expression.split("[")[1].split("]")[0])]["resource"]["resourceType"]) for i in caught.value.issues}
        assert found == {("Bundle.entry[8].resource.item[0]", "Claim"), ("Bundle.entry[13].resource", "DeviceRequest")}


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_rejected_bundle_gets_operation_outcome(name):
    data = (INFERNO / name).read_bytes()
    with pytest.raises(FhirInputError) as caught:
        if "response" in name:
            check_response_bundle(data)
        else:
            read_request(data)
    assert {issue.expression for issue in caught.value.issues} == REJECTED[name]
    outcome = operation_outcome(caught.value.issues)
    assert_valid(outcome)
    assert all(issue["diagnostics"] and issue["expression"] for issue in outcome["issue"])
