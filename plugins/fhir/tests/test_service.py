"""The reference service for real: ``coverage-sdk serve`` in a subprocess (uvicorn on a free
127.0.0.1 port), driven with httpx, stopped at the end."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from coverage_sdk_fhir import invariants
from fhir_helpers import EXAMPLES, HERE, INFERNO, add_supporting, assert_valid, assert_valid_response, iort_request, item_keys, load, questionnaire_response, require, review_actions


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("service") / "service.log"
    command = [sys.executable, "-m", "coverage_sdk.cli", "serve", "--port", str(port), "--payer-map", str(HERE / "data" / "payer-map.json")]
    with log.open("w") as stream:
        process = subprocess.Popen(command, stdout=stream, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            for _ in range(300):
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None:
                    pytest.fail(f"the service exited: {log.read_text()}")
                time.sleep(0.1)
            else:
                pytest.fail("the service did not start in 30 s")
            yield client, log
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_health_and_openapi(service):
    client, _ = service
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and isinstance(health["policies"], list)
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/Claim/$submit", "/Claim/$inquire", "/cds-services", "/cds-services/{service_id}", "/Questionnaire/$questionnaire-package", "/healthz"} <= set(paths)


def test_pas_submit_and_inquire(service):
    client, _ = service
    bundle = add_supporting(iort_request(), questionnaire_response("qr1", {"tumor.margin_status": ("negative",)}))
    for path in ("/Claim/$submit", "/Claim/$inquire"):
        reply = client.post(path, content=json.dumps(bundle), headers={"Content-Type": "application/fhir+json"})
        assert reply.status_code == 200 and reply.headers["content-type"].startswith("application/fhir+json")
        answer = reply.json()
        assert_valid_response(answer)
        assert item_keys(answer, "ClaimResponse") == item_keys(bundle)
    inquiry = client.post("/Claim/$inquire", content=(INFERNO / "conformant_pas_inquire_bundle_v110.json").read_bytes())
    assert inquiry.status_code == 200 and review_actions(inquiry.json()) == ["A4"]


def test_malformed_bundle_is_400_with_operation_outcome(service):
    client, _ = service
    for path in ("/Claim/$submit", "/Claim/$inquire"):  # what the Inferno server suite sends to test error handling
        reply = client.post(path, json={"resourceType": "Bundle"})
        assert reply.status_code == 400 and reply.json()["resourceType"] == "OperationOutcome"
    for body, expression in (
        (b"{", "Bundle"),
        ((INFERNO / "nonconformant_pas_bundle_v110.json").read_bytes(), "Bundle.entry"),
        ((INFERNO / "missing_referenced_resource_request_bundle.json").read_bytes(), "Bundle.entry[0].resource.careTeam[0].provider.reference"),
    ):
        reply = client.post("/Claim/$submit", content=body)
        assert reply.status_code == 400
        outcome = reply.json()
        assert_valid(outcome)
        assert outcome["issue"][0]["expression"] == [expression]


def test_crd_hook(service, host):
    require(host, "evolent-cg226-iort")
    client, _ = service
    services = client.get("/cds-services").json()["services"]
    assert {s["id"] for s in services} == {"coverage-sdk-order-sign", "coverage-sdk-order-select"}
    reply = client.post("/cds-services/coverage-sdk-order-sign", json=load(EXAMPLES / "crd-order-sign-request.json"))
    assert reply.status_code == 200
    answer = reply.json()
    [action] = answer["systemActions"]
    assert_valid(action["resource"])
    for extension in action["resource"]["extension"]:
        assert invariants.violations(extension, invariants.COVERAGE_INFORMATION, "ext") == []
    assert client.post("/cds-services/nope", json={}).status_code == 400


def test_dtr_package(service, host):
    require(host, "evolent-cg226-iort")
    client, _ = service
    order = load(EXAMPLES / "crd-order-sign-request.json")["context"]["draftOrders"]["entry"][0]["resource"]
    reply = client.post("/Questionnaire/$questionnaire-package", json={"resourceType": "Parameters", "parameter": [{"name": "order", "resource": order}]})
    assert reply.status_code == 200
    package = reply.json()
    assert_valid(package)
    [evolent] = [p for p in package["parameter"] if p["resource"]["entry"][0]["resource"]["id"].startswith("evolent")]
    assert evolent["resource"]["entry"][0]["resource"]["url"].startswith(str(client.base_url))
    submit = client.post("/Claim/$submit", content=json.dumps(iort_request())).json()
    task = next(e["resource"] for e in submit["entry"] if e["resource"]["resourceType"] == "Task")
    context = next(i["valueString"] for i in task["input"] if i["type"]["coding"][0]["code"] == "questionnaire-context")
    reply = client.post("/Questionnaire/$questionnaire-package", json={"resourceType": "Parameters", "parameter": [{"name": "context", "valueString": context}]})
    items = [i["linkId"] for i in reply.json()["parameter"][0]["resource"]["entry"][0]["resource"]["item"] if i["type"] != "display"]
    assert items == [f.replace("t_category", "t_stage") for f in context.split("|")[2].split(",")]
    assert client.post("/Questionnaire/$questionnaire-package", json={"resourceType": "Bundle"}).status_code == 400
    canonical = next(e["valueCanonical"] for e in client.post("/cds-services/coverage-sdk-order-sign", json=load(EXAMPLES / "crd-order-sign-request.json")).json()
                     ["systemActions"][0]["resource"]["extension"][0]["extension"] if e["url"] == "questionnaire")  # fmt: skip
    url, version = canonical.split("|")
    questionnaire = client.get(url.removeprefix(str(client.base_url)) + f"-{version}").json()
    assert_valid(questionnaire)
    assert (questionnaire["url"], questionnaire["version"]) == (url, version)
    assert client.get("/Questionnaire/nope").status_code == 404


def test_concurrent_requests(service):
    client, _ = service
    bodies = [json.dumps(iort_request()).encode(), (INFERNO / "conformant_pas_bundle_v110_multiple_items.json").read_bytes(), b"[]"] * 6

    def post(body):
        return client.post("/Claim/$submit", content=body)

    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(post, bodies))
    for body, reply in zip(bodies, replies):
        if body == b"[]":
            assert reply.status_code == 400
        else:
            assert reply.status_code == 200
            assert item_keys(reply.json(), "ClaimResponse") == item_keys(json.loads(body))


def test_every_request_is_logged_without_patient_data(service):
    client, log = service
    client.post("/Claim/$submit", content=json.dumps(iort_request()))
    client.post("/Claim/$submit", content=b"{")
    time.sleep(0.2)
    records = [json.loads(line.split(" INFO ", 1)[1]) for line in log.read_text().splitlines() if "coverage_sdk_fhir.service INFO" in line]
    assert {r["status"] for r in records} >= {200, 400}
    assert all({"request_id", "path", "status", "ms", "body_sha256"} <= set(r) for r in records)
    text = log.read_text()
    for patient_datum in ("Doe", "Jane", "1958-04-12", "M123456", "SMITH", "C50.412"):
        assert patient_datum not in text


def test_what_misses_the_pas_deadline_is_pended(host):
    import asyncio

    from coverage_sdk_fhir.service import Settings, create_app

    app = create_app(Settings("http://testserver", host=host, deadline_s=0.0))

    async def submit():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            return (await client.post("/Claim/$submit", content=json.dumps(iort_request()))).json()

    answer = asyncio.run(submit())
    assert_valid_response(answer)
    assert review_actions(answer) == ["A4", "A4"]
    assert "Not decided within 0 s" in answer["entry"][0]["resource"]["processNote"][0]["text"]
