"""The reference service: PAS, CRD and DTR endpoints over the installed policies (an ASGI app).

It is the harness a vendor copies, not a payer platform: it has no authentication. Bad input
is HTTP 400 with an OperationOutcome. Every request is logged, without patient data, with its
outcome: one JSON line on the ``coverage_sdk_fhir.service`` logger.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import attrs
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

import coverage_sdk as cs

from . import crd, dtr
from ._core import PluginHost
from .claim_response import write_response
from .outcome import FhirInputError, Issue, IssueType, operation_outcome
from .pas import parse_json, read_request
from .payers import PayerMap

log = logging.getLogger("coverage_sdk_fhir.service")
FHIR_JSON = "application/fhir+json"
PAS_DEADLINE_S = 15.0


@attrs.frozen
class Settings:
    """What the service answers with: the installed policies, the host's payer map, and its base URL."""

    base_url: str
    payer_map: PayerMap = attrs.Factory(PayerMap)
    host: PluginHost = attrs.Factory(PluginHost.create)
    deadline_s: float = PAS_DEADLINE_S


class _Answer(Exception):
    def __init__(self, status: int, body: Any, summary: dict[str, Any]) -> None:
        self.status, self.body, self.summary = status, body, summary


def _fhir(status: int, body: Any) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=FHIR_JSON)


def _bad(issues: list[Issue] | tuple[Issue, ...]) -> _Answer:
    return _Answer(400, operation_outcome(issues), {"issues": [i.expression for i in issues][:10]})


def _review_actions(bundle: dict[str, Any]) -> dict[str, int]:
    response = bundle["entry"][0]["resource"]
    actions = Counter(
        ext["valueCodeableConcept"]["coding"][0]["code"]
        for item in response.get("item", []) for adj in item["adjudication"] for outer in adj.get("extension", [])
        for ext in outer.get("extension", []) if ext["url"].endswith("extension-reviewActionCode")
    )  # fmt: skip
    return dict(sorted(actions.items()))


def create_app(settings: Settings) -> FastAPI:
    """The ASGI app. Endpoints: PAS ``$submit``/``$inquire``, CRD ``cds-services``, DTR ``$questionnaire-package``."""
    app = FastAPI(
        title="coverage_sdk FHIR reference service",
        description="Da Vinci PAS, CRD and DTR over coverage_sdk policies. No authentication: a harness, not a payer platform.",
        version=_version(),
    )
    installed = settings.host.policies()

    async def handle(request: Request, work: Callable[[bytes], Awaitable[tuple[Any, dict[str, Any]]]]) -> JSONResponse:
        started = time.perf_counter()
        body = await request.body()
        record: dict[str, Any] = {
            "request_id": str(uuid.uuid4()), "method": request.method, "path": request.url.path,
            "bytes": len(body), "body_sha256": hashlib.sha256(body).hexdigest()[:16],
        }  # fmt: skip
        try:
            answer, summary = await work(body)
            status, response = 200, (answer if isinstance(answer, JSONResponse) else _fhir(200, answer))
        except _Answer as exc:
            status, summary, response = exc.status, exc.summary, _fhir(exc.status, exc.body)
        except FhirInputError as exc:
            bad = _bad(exc.issues)
            status, summary, response = 400, bad.summary, _fhir(400, bad.body)
        except Exception as exc:
            log.exception("request %s failed", record["request_id"])
            status, summary = 500, {"error": type(exc).__name__}
            response = _fhir(500, operation_outcome([Issue(request.url.path, "internal error; see the service log", IssueType.BUSINESS_RULE)]))
        record.update(status=status, ms=round((time.perf_counter() - started) * 1000, 1), **summary)
        log.info(json.dumps(record, sort_keys=True))
        return response

    async def decide(body: bytes) -> tuple[Any, dict[str, Any]]:
        received = dt.datetime.now(dt.timezone.utc)
        adapted = await run_in_threadpool(read_request, body, payer_map=settings.payer_map, received_at=received, questionnaire_base=settings.base_url)
        evaluation = run_in_threadpool(lambda: [cs.evaluate(case, host=settings.host) for case in adapted.cases])
        try:
            determinations = await asyncio.wait_for(evaluation, settings.deadline_s)
            undecided = None
        except asyncio.TimeoutError:
            determinations = [[] for _ in adapted.cases]
            undecided = f"Not decided within {settings.deadline_s:g} s; pended, no decision has been made. Ask again with $inquire."
        bundle = write_response(adapted, determinations, undecided=undecided)
        outcomes = Counter(d.outcome.value for dets in determinations for d in dets)
        return bundle, {"cases": len(adapted.cases), "outcomes": dict(sorted(outcomes.items())), "review_actions": _review_actions(bundle)}

    pas_body = {"requestBody": {"required": True, "content": {FHIR_JSON: {"schema": {"type": "object", "description": "a PAS Request Bundle"}}}}}

    @app.post("/Claim/$submit", openapi_extra=pas_body, summary="PAS: decide a prior-authorization request")
    async def submit(request: Request) -> JSONResponse:
        return await handle(request, decide)

    @app.post("/Claim/$inquire", openapi_extra=pas_body, summary="PAS: the current answer to a request (decided again)")
    async def inquire(request: Request) -> JSONResponse:
        return await handle(request, decide)

    @app.get("/cds-services", summary="CRD: the CDS Hooks discovery document")
    async def services(request: Request) -> JSONResponse:
        async def work(_: bytes) -> tuple[Any, dict[str, Any]]:
            return JSONResponse(crd.discovery(installed)), {}

        return await handle(request, work)

    hook_body = {"requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object", "description": "a CDS Hooks request"}}}}}

    @app.post("/cds-services/{service_id}", openapi_extra=hook_body, summary="CRD: answer an order-sign or order-select hook")
    async def hook(service_id: str, request: Request) -> JSONResponse:
        async def work(body: bytes) -> tuple[Any, dict[str, Any]]:
            try:
                data = json.loads(body)
            except ValueError as exc:
                raise _bad([Issue("(request)", f"malformed JSON: {exc}", IssueType.STRUCTURE)]) from None
            answer = await run_in_threadpool(crd.answer, service_id, data, settings.host, payer_map=settings.payer_map, base=settings.base_url)
            return JSONResponse(answer), {"cards": len(answer["cards"]), "system_actions": len(answer["systemActions"])}

        return await handle(request, work)

    package_body = {"requestBody": {"required": True, "content": {FHIR_JSON: {"schema": {"type": "object", "description": "a Parameters resource"}}}}}

    @app.post("/Questionnaire/$questionnaire-package", openapi_extra=package_body, summary="DTR: the questionnaires for an order or a PAS Task context")
    async def package(request: Request) -> JSONResponse:
        async def work(body: bytes) -> tuple[Any, dict[str, Any]]:
            parameters = parse_json(body, "Parameters")
            answer = dtr.questionnaire_package(parameters, installed, base=settings.base_url)
            return answer, {"questionnaires": len(answer["parameter"])}

        return await handle(request, work)

    @app.get("/Questionnaire/{questionnaire_id}", summary="DTR: a policy version's questionnaire (<policy id> for the latest version, or <policy id>-<version>)")
    async def read_questionnaire(questionnaire_id: str, request: Request) -> JSONResponse:
        async def work(_: bytes) -> tuple[Any, dict[str, Any]]:
            for item in installed:
                versions = {f"{item.policy.id}-{v.name}": v for v in item.policy.versions}
                if item.policy.id == questionnaire_id and item.policy.versions:
                    versions[questionnaire_id] = item.policy.versions[-1]
                if questionnaire_id in versions:
                    return dtr.questionnaire(item.policy, versions[questionnaire_id], base=settings.base_url), {}
            issue = Issue("Questionnaire.id", f"no questionnaire {questionnaire_id!r}", IssueType.NOT_FOUND)
            raise _Answer(404, operation_outcome([issue]), {"issues": ["Questionnaire.id"]})

        return await handle(request, work)

    @app.get("/healthz", summary="Liveness, with the installed policies")
    async def healthz() -> dict[str, Any]:
        return {"status": "ok", "policies": [item.policy.id for item in installed]}

    return app


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("coverage-sdk-fhir")
    except PackageNotFoundError:
        return "0+unknown"
