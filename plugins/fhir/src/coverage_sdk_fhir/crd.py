"""Da Vinci CRD: a CDS Hooks service for ``order-sign`` and ``order-select``.

The answer is decided from the order's codes and diagnoses only (never DICOM, never facts
the order does not carry): a card per order and a system action that records
``ext-coverage-information`` on it, one extension per policy that decides the order.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

import coverage_sdk as cs

from . import dtr
from ._core import InstalledPolicy, PluginHost
from .outcome import FhirInputError, Issue, IssueType, validation_issues
from .pas import ICD10_CM
from .payers import PayerMap

COVERAGE_INFORMATION = "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information"
HOOKS = ("order-sign", "order-select")
SERVICE_PREFIX = "coverage-sdk-"


def discovery(installed: Sequence[InstalledPolicy]) -> dict[str, Any]:
    """The ``cds-services`` discovery document: one service per hook, naming the policies and their codes."""
    covered = "; ".join(
        f"{item.policy.id} ({', '.join(getattr(item.policy.services, 'all', ()))})" for item in installed
    ) or "no policy installed"  # fmt: skip
    return {
        "services": [
            {
                "hook": hook,
                "id": SERVICE_PREFIX + hook,
                "title": f"coverage_sdk coverage requirements ({hook})",
                "description": f"Coverage and prior-authorization requirements decided from the order's codes and diagnoses. Policies (codes): {covered}.",
                "prefetch": {
                    "patient": "Patient/{{context.patientId}}",
                    "coverage": "Coverage?patient={{context.patientId}}&status=active",
                },
            }
            for hook in HOOKS
        ]
    }


def _coverage(order: dict[str, Any], prefetch: dict[str, Any]) -> dict[str, Any] | None:
    bundle = prefetch.get("coverage") or {}
    coverages = [e.get("resource") or {} for e in bundle.get("entry") or []] if bundle.get("resourceType") == "Bundle" else [bundle]
    coverages = [c for c in coverages if c.get("resourceType") == "Coverage"]
    for ref in order.get("insurance") or []:
        target = ref.get("reference", "")
        match = next((c for c in coverages if target.endswith(f"Coverage/{c.get('id')}")), None)
        return match or {"resourceType": "Coverage", "reference": target}
    return coverages[0] if coverages else None


def _case(order: dict[str, Any], coverage: dict[str, Any] | None, payer_map: PayerMap) -> cs.Case | None:
    codes = dtr.order_codes(order)
    if not codes:
        return None
    case: dict[str, Any] = {
        "case_id": order.get("id") or "order",
        "date_of_service": dtr.order_day(order).isoformat(),
        "procedures": [{"code": c, "system": s} for c, s in codes],
        "diagnoses": [{"code": c["code"]} for r in order.get("reasonCode") or [] for c in r.get("coding") or [] if c.get("system") == ICD10_CM and c.get("code")],
    }
    payer = payer_map.payer([p.get("identifier") or {} for p in (coverage or {}).get("payor") or []])
    lob = payer_map.line_of_business((coverage or {}).get("class") or [])
    case.update({k: v for k, v in (("payer", payer), ("line_of_business", lob)) if v})
    return cs.structure_case(case)


def _information(det: cs.Determination, coverage_ref: str, assertion: str, today: dt.date, base: str) -> dict[str, Any]:
    pa = {True: "auth-needed", False: "no-auth", None: "conditional"}[det.prior_authorization_required]
    decided = det.outcome is cs.Outcome.MEDICALLY_NECESSARY
    parts: list[dict[str, Any]] = [
        {"url": "coverage", "valueReference": {"reference": coverage_ref}},
        {"url": "covered", "valueCode": "covered" if decided else "conditional"},
        {"url": "pa-needed", "valueCode": pa},
        {"url": "doc-needed", "valueCode": "no-doc" if decided else "clinical"},
    ]
    if not decided and det.policy_version:
        parts.append({"url": "questionnaire", "valueCanonical": f"{dtr.canonical(base, det.policy_id)}|{det.policy_version}"})
    reason = f"{det.policy_id} ({det.policy_version}): " + " ".join(det.reasons)
    parts += [
        {"url": "reason", "valueCodeableConcept": {"text": reason}},
        {"url": "date", "valueDate": today.isoformat()},
        {"url": "coverage-assertion-id", "valueString": assertion},
    ]
    return {"url": COVERAGE_INFORMATION, "extension": parts}


def _card(order: dict[str, Any], dets: Sequence[cs.Determination], codes: str, base: str) -> dict[str, Any]:
    pa = [d.prior_authorization_required for d in dets]
    need = "required" if True in pa else "not required" if pa and all(p is False for p in pa) else "may be required"
    lines = []
    for det in dets:
        lines.append(f"**{det.policy_title or det.policy_id}** ({det.policy_id}, version {det.policy_version}): {' '.join(det.reasons)}")
        if det.missing_information:
            lines.append("Documentation needed: " + "; ".join(m.field for m in det.missing_information)
                         + f" (questionnaire {dtr.canonical(base, det.policy_id)}|{det.policy_version}).")  # fmt: skip
    return {
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"card|{order.get('id')}|{codes}")),
        "summary": f"Prior authorization {need} for {codes}"[:140],
        "indicator": "info",
        "detail": "\n\n".join(lines),
        "source": {
            "label": "coverage_sdk",
            "topic": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/cdshooks-card-type", "code": "coverage-info", "display": "Coverage Information"}]},
        },
    }


def answer(
    service_id: str, request: dict[str, Any], host: PluginHost, *, payer_map: PayerMap | None = None,
    base: str, today: dt.date | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The CDS Hooks response to an ``order-sign``/``order-select`` request."""
    hook = service_id.removeprefix(SERVICE_PREFIX)
    if hook not in HOOKS or not service_id.startswith(SERVICE_PREFIX):
        raise FhirInputError([Issue("service", f"no CDS service {service_id!r} (services: {', '.join(SERVICE_PREFIX + h for h in HOOKS)})", IssueType.NOT_FOUND)])
    if not isinstance(request, dict) or request.get("hook") != hook:
        raise FhirInputError([Issue("hook", f"this service answers the {hook} hook", IssueType.VALUE)])
    context = request.get("context") or {}
    orders = context.get("draftOrders")
    if not isinstance(orders, dict) or orders.get("resourceType") != "Bundle":
        raise FhirInputError([Issue("context.draftOrders", "a Bundle of draft orders is required", IssueType.REQUIRED)])
    try:
        Bundle.model_validate(orders)
    except ValidationError as exc:
        raise FhirInputError(validation_issues(exc, "context.draftOrders")) from None
    selected = set(context.get("selections") or []) if hook == "order-select" else None
    today = today or dt.date.today()
    payer_map = payer_map or PayerMap()
    cards, actions = [], []
    for entry in orders.get("entry") or []:
        order = entry.get("resource") or {}
        if order.get("resourceType") != "ServiceRequest":
            continue
        if selected is not None and f"ServiceRequest/{order.get('id')}" not in selected:
            continue
        coverage = _coverage(order, request.get("prefetch") or {})
        case = _case(order, coverage, payer_map)
        if case is None:
            continue
        dets = [d for d in cs.evaluate(case, host=host) if d.outcome is not cs.Outcome.NOT_APPLICABLE]
        if not dets:
            continue
        codes = ", ".join(p.code for p in case.procedures)
        cards.append(_card(order, dets, codes, base))
        if coverage is None:
            continue
        coverage_ref = coverage.get("reference") or f"Coverage/{coverage.get('id')}"
        extensions = [
            _information(det, coverage_ref, str(uuid.uuid5(uuid.NAMESPACE_URL, f"{request.get('hookInstance')}|{order.get('id')}|{det.policy_id}")), today, base)
            for det in dets
        ]
        updated = dict(order)
        updated["extension"] = [e for e in order.get("extension") or [] if e.get("url") != COVERAGE_INFORMATION] + extensions
        actions.append({"type": "update", "description": "Record coverage information on the order", "resource": updated})
    return {"cards": cards, "systemActions": actions}
