"""Latency of the reference service, measured through HTTP: CRD order-sign, PAS submit without
DICOM, PAS submit with the breast plan attached (RT Dose + RT Structure Set, base64).

    python plugins/fhir/benchmarks/latency.py [--crd 300] [--pas 60] [--dicom 15]

Starts ``coverage-sdk serve`` on a free 127.0.0.1 port, sends each request once to warm up,
then the given number of times one after the other, and prints p50/p99/max in ms. The breast
plan is read from shared/data/dicom/breast-example beside the repository.
"""

from __future__ import annotations

import argparse
import base64
import copy
import json
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

PLUGIN = Path(__file__).resolve().parents[1]
EXAMPLES = PLUGIN / "tests" / "data" / "fhir" / "examples"
BREAST = PLUGIN.parents[1].parent / "shared" / "data" / "dicom" / "breast-example"
CASE_VALUES = "https://coverage-sdk.invalid/fhir/CodeSystem/case-values"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(id: str) -> dict:
    """DTR answers: the documents imrt-oar-proximity asks for and two organ-at-risk constraints."""
    documents = [{"linkId": f"documentation.{name}", "answer": [{"valueBoolean": True}]}
                 for name in ("clinical_history", "chart_notes", "imaging_reports", "dvh_comparison_color")]
    rows = [
        {"linkId": "radiation.oar_constraints", "item": [
            {"linkId": "organ", "answer": [{"valueString": organ}]},
            {"linkId": "constraint", "answer": [{"valueString": constraint}]},
            {"linkId": "source", "answer": [{"valueString": "QUANTEC"}]},
        ]}
        for organ, constraint in (("Heart", "Dmean < 26 Gy"), ("Lt Lung", "V20Gy < 30 %"))
    ]
    return {"resourceType": "QuestionnaireResponse", "id": id, "status": "completed", "item": documents + rows}


def breast_plan_request() -> dict:
    """The IORT example's request turned into an IMRT planning item (77301) for imrt-oar-proximity, with the
    breast plan attached as the 3D-CRT and as the IMRT plan and the DTR answers that policy reads."""
    bundle = json.loads((EXAMPLES / "pas-request-bundle.json").read_text())
    claim = bundle["entry"][0]["resource"]
    item = copy.deepcopy(claim["item"][0])
    item["productOrService"] = {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "77301"}]}
    claim["item"] = [item]
    attached = [{"attachment": {"contentType": "application/dicom", "data": base64.b64encode((BREAST / name).read_bytes()).decode()}}
                for name in ("rtdose.dcm", "rtss.dcm")]
    resources = [_answers("dtr-answers")] + [
        {"resourceType": "DocumentReference", "id": f"breast-{technique}", "status": "current", "description": f"breast ({technique})",
         "category": [{"coding": [{"system": CASE_VALUES, "code": technique}]}], "content": attached}
        for technique in ("3dcrt", "imrt")
    ]  # fmt: skip
    for resource in resources:
        key = f"{resource['resourceType']}/{resource['id']}"
        bundle["entry"].append({"fullUrl": f"http://example.org/fhir/{key}", "resource": resource})
        claim["supportingInfo"].append({"sequence": len(claim["supportingInfo"]) + 1, "category": claim["supportingInfo"][0]["category"],
                                        "valueReference": {"reference": key}})  # fmt: skip
    return bundle


def measure(client: httpx.Client, path: str, body: bytes, runs: int) -> list[float]:
    headers = {"Content-Type": "application/json"}
    assert client.post(path, content=body, headers=headers).status_code == 200
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        reply = client.post(path, content=body, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert reply.status_code == 200, reply.text[:500]
    return times


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crd", type=int, default=300)
    parser.add_argument("--pas", type=int, default=60)
    parser.add_argument("--dicom", type=int, default=15)
    args = parser.parse_args()
    port = free_port()
    payer_map = PLUGIN / "tests" / "data" / "payer-map.json"
    process = subprocess.Popen([sys.executable, "-m", "coverage_sdk.cli", "serve", "--port", str(port), "--payer-map", str(payer_map)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            for _ in range(300):
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            crd = (EXAMPLES / "crd-order-sign-request.json").read_bytes()
            pas = (EXAMPLES / "pas-request-bundle.json").read_bytes()
            dicom = json.dumps(breast_plan_request()).encode()
            rows = [
                ("CRD order-sign", len(crd), measure(client, "/cds-services/coverage-sdk-order-sign", crd, args.crd)),
                ("PAS submit, no DICOM", len(pas), measure(client, "/Claim/$submit", pas, args.pas)),
                ("PAS submit, breast plan attached", len(dicom), measure(client, "/Claim/$submit", dicom, args.dicom)),
            ]
    finally:
        process.terminate()
        process.wait(timeout=15)
    print(f"{'request':34} {'bytes':>10} {'runs':>5} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'mean ms':>8}")
    for name, size, times in rows:
        print(f"{name:34} {size:>10} {len(times):>5} {percentile(times, 0.5):>8.1f} {percentile(times, 0.99):>8.1f} {max(times):>8.1f} {statistics.mean(times):>8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
