"""Determinations -> a PAS Response Bundle: the ClaimResponse first, items keyed by ``itemSequence``
and the echoed trace number, a review action per item (shared/spec/fhir.md table; never ``A3``)."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import attrs

import coverage_sdk as cs
from coverage_sdk.hookspecs import AdaptedRequest

from ._core import RequestType
from .pas import ADJUDICATION, PAS, PAS_CODES, X12_306, ClaimItem, PasRequest

CANCELLATION = (
    "A cancellation (certification type 3) is not decided by this service: it records no earlier request to cancel. "
    "Pended for a reviewer, no decision has been made."
)
NO_POLICY = (
    "No installed policy decides this service (none applies, or its code is not CPT, HCPCS or ICD-10-PCS); "
    "pended for a reviewer, no decision has been made."
)
REVIEW_ACTIONS = {"A1": "Certified in total", "A4": "Pended", "A6": "Modified"}
WORDS = {
    "not_medically_necessary": "not medically necessary", "investigational": "investigational",
    "insufficient_information": "insufficient information", "clinical_review": "clinical review",
}  # fmt: skip


def _review_action(code: str, number: str | None = None) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [{"url": "number", "valueString": number}] if number else []
    parts.append({"url": PAS + "extension-reviewActionCode", "valueCodeableConcept": {"coding": [{"system": X12_306, "code": code, "display": REVIEW_ACTIONS[code]}]}})
    return {
        "extension": [{"url": PAS + "extension-reviewAction", "extension": parts}],
        "category": {"coding": [{"system": ADJUDICATION, "code": "submitted"}]},
    }


def _note_text(det: cs.Determination) -> str:
    """The reasons, each rule of the criteria trail with its result and cited sentence, missing facts and warnings."""
    head = f"{det.policy_title or det.policy_id} ({det.policy_id}, version {det.policy_version or 'none'})"
    outcome = WORDS.get(det.outcome.value, det.outcome.value)
    lines = [f"{head}: recommendation {outcome}; pended for a clinician, no decision has been made."]
    lines += det.reasons
    for criterion in det.criteria:
        if criterion.parent is None:
            lines.append(f"[{criterion.id}] {criterion.text} ({criterion.result.value}) Source: {criterion.citation}")
    lines += [f"Missing: {m.field}: {m.reason}" for m in det.missing_information]
    lines += [f"Warning ({w.code.value}): {w.message}" for w in det.warnings]
    return "\n".join(lines)


def missing_context(det: cs.Determination) -> str:
    """The ``questionnaire-context`` of a Task: policy, version and the missing Case paths."""
    fields = ",".join(dict.fromkeys(m.field for m in det.missing_information))
    return f"{det.policy_id}|{det.policy_version or ''}|{fields}"


@attrs.frozen
class _Decision:
    action: str
    approved: int | None = None
    notes: tuple[int, ...] = ()
    determinations: tuple[cs.Determination, ...] = ()


def _decide(item: ClaimItem, dets: Sequence[cs.Determination], notes: dict[int, int], no_policy: Callable[[], int]) -> _Decision:
    """One item's review action from every determination that decides it (spec table, never A3)."""
    if item.case is None:
        return _Decision("A4", notes=(no_policy(),))
    deciding = []
    for det in dets:
        if det.outcome is cs.Outcome.NOT_APPLICABLE:
            continue
        line = det.line_items[item.position] if item.position is not None and item.position < len(det.line_items) else None
        if line is not None and line.outcome is cs.Outcome.NOT_APPLICABLE:
            continue
        deciding.append((det, line))
    if not deciding:
        return _Decision("A4", notes=(no_policy(),))
    if all(det.outcome is cs.Outcome.MEDICALLY_NECESSARY for det, _ in deciding):
        approved = min((line.units_approved if line and line.units_approved is not None else item.units) for _, line in deciding)
        own = tuple(notes[id(det)] for det, line in deciding if line is not None and line.reason and id(det) in notes)
        return _Decision("A1" if approved >= item.units else "A6", approved, own)
    pending = tuple(det for det, _ in deciding if det.outcome is not cs.Outcome.MEDICALLY_NECESSARY)
    return _Decision("A4", notes=tuple(notes[id(d)] for d in pending), determinations=pending)


def _uuid(*parts: Any) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, '|'.join(map(str, parts)))}"


def write_response(
    request: AdaptedRequest, determinations: Sequence[Sequence[cs.Determination]], *, now: dt.datetime | None = None,
    undecided: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The PAS Response Bundle: the ClaimResponse first, then the resources it references and the Tasks.

    An item no determination decides is pended with ``undecided`` as its note (by default: no
    installed policy decides it).
    """
    context: PasRequest = request.context
    now = now or dt.datetime.now(dt.timezone.utc)
    created = now.isoformat(timespec="seconds")
    claim = context.claim.resource
    claim_id = next((i.get("value") for i in claim.get("identifier") or [] if i.get("value")), claim.get("id", "claim"))

    notes: dict[int, int] = {}
    process_notes: list[dict[str, Any]] = []

    def note(text: str) -> int:
        process_notes.append({"number": len(process_notes) + 1, "type": "display", "text": text})
        return len(process_notes)

    for dets in determinations:
        for det in dets:
            if det.outcome is not cs.Outcome.NOT_APPLICABLE and (det.outcome is not cs.Outcome.MEDICALLY_NECESSARY or any(li.reason for li in det.line_items)):
                notes[id(det)] = note(_note_text(det) if det.outcome is not cs.Outcome.MEDICALLY_NECESSARY else
                                      f"{det.policy_id}: " + "; ".join(li.reason for li in det.line_items if li.reason))
    @functools.cache
    def no_policy() -> int:
        return note(undecided or NO_POLICY)

    @functools.cache
    def cancellation() -> int:
        return note(CANCELLATION)

    items: list[dict[str, Any]] = []
    add_items: list[dict[str, Any]] = []
    tasks_for: dict[int, tuple[cs.Determination, list[ClaimItem]]] = {}
    authorized = False
    for item in context.items:
        dets = determinations[item.case] if item.case is not None else []
        case = request.cases[item.case] if item.case is not None else None
        if case is not None and case.request is not None and case.request.type is RequestType.CANCELLATION:
            decision = _Decision("A4", notes=(cancellation(),))
        else:
            decision = _decide(item, dets, notes, no_policy)
        number = f"{claim_id}-{item.sequence}" if decision.action in ("A1", "A6") else None
        authorized |= number is not None
        extensions = [{"url": PAS + "extension-itemTraceNumber", "valueIdentifier": item.trace}] if item.trace else []
        if number and item.date:
            extensions += [
                {"url": PAS + "extension-itemPreAuthIssueDate", "valueDate": now.date().isoformat()},
                {"url": PAS + "extension-itemPreAuthPeriod", "valuePeriod": {"start": item.date.isoformat(), "end": item.date.isoformat()}},
            ]
        entry: dict[str, Any] = {"itemSequence": item.sequence, "adjudication": [_review_action(decision.action, number)]}
        if extensions:
            entry["extension"] = extensions
        if decision.notes:
            entry["noteNumber"] = list(decision.notes)
        items.append(entry)
        if decision.action == "A6":
            add_items.append({
                "itemSequence": [item.sequence],
                "productOrService": (claim["item"][item.index].get("productOrService")),
                "quantity": {"value": decision.approved},
                "adjudication": [_review_action("A1", number)],
                **({"extension": [{"url": PAS + "extension-itemTraceNumber", "valueIdentifier": item.trace}]} if item.trace else {}),
            })  # fmt: skip
        for det in decision.determinations:
            if det.outcome is cs.Outcome.INSUFFICIENT_INFORMATION and det.missing_information:
                tasks_for.setdefault(id(det), (det, []))[1].append(item)

    response: dict[str, Any] = {
        "resourceType": "ClaimResponse",
        "id": uuid.uuid5(uuid.NAMESPACE_URL, f"ClaimResponse|{claim_id}|{created}").hex,
        "meta": {"profile": [PAS + "profile-claimresponse"]},
        "extension": [{"url": PAS + "extension-claimResponseReviewer", "extension": [{"url": "wasHumanReviewedFlag", "valueBoolean": False}]}],
        "identifier": claim.get("identifier") or [{"value": claim_id}],
        "status": "active",
        "type": claim.get("type"),
        "use": "preauthorization",
        "patient": claim.get("patient"),
        "created": created,
        "insurer": claim.get("insurer"),
        "outcome": "complete",
        "item": items,
    }
    if claim.get("provider"):
        response["requestor"] = claim["provider"]
    response["request"] = {"reference": f"Claim/{claim.get('id')}", "identifier": (claim.get("identifier") or [{}])[0]} if claim.get("id") else {"identifier": (claim.get("identifier") or [{}])[0]}
    if authorized:
        response["preAuthRef"] = claim_id
    if add_items:
        response["addItem"] = add_items
    if process_notes:
        response["processNote"] = process_notes

    tasks = [_task(det, members, context, claim_id) for det, members in tasks_for.values()]
    copied = context.index.closure([response], skip=frozenset({"Claim"}))
    entries = [{"fullUrl": _uuid("ClaimResponse", claim_id, created), "resource": response}]
    entries += [{"fullUrl": e.full_url, "resource": e.resource} for e in copied]
    entries += [{"fullUrl": _uuid("Task", claim_id, created, n), "resource": t} for n, t in enumerate(tasks)]
    bundle = {
        "resourceType": "Bundle",
        "meta": {"profile": [PAS + "profile-pas-response-bundle"]},
        "identifier": context.bundle.get("identifier"),
        "type": "collection",
        "timestamp": created,
        "entry": entries,
    }
    return {k: v for k, v in bundle.items() if v is not None}


def _task(det: cs.Determination, members: Sequence[ClaimItem], context: PasRequest, claim_id: str) -> dict[str, Any]:
    """A PAS Task asking for the DTR questionnaire of the determination's missing facts."""
    claim = context.claim.resource
    inputs: list[dict[str, Any]] = [{"type": {"coding": [{"system": PAS_CODES, "code": "payer-url"}]}, "valueUrl": context.questionnaire_base}]
    inputs += [
        {
            "extension": [{"url": PAS + "extension-serviceLineNumber", "valuePositiveInt": item.sequence}],
            "type": {"coding": [{"system": PAS_CODES, "code": "questionnaire-context"}]},
            "valueString": missing_context(det),
        }
        for item in members
    ]
    task = {
        "resourceType": "Task",
        "meta": {"profile": [PAS + "profile-task"]},
        "status": "requested",
        "intent": "order",
        "code": {"coding": [{"system": PAS_CODES, "code": "attachment-request-questionnaire"}]},
        "for": claim.get("patient"),
        "reasonCode": {"coding": [{"system": PAS_CODES, "code": "priorAuthorization"}]},
        "reasonReference": {"reference": f"Claim/{claim.get('id')}"} if claim.get("id") else {"identifier": (claim.get("identifier") or [{}])[0]},
        "requester": claim.get("insurer"),
        "input": inputs,
        "note": [{"text": f"Answer the questionnaire of {det.policy_id} for: {', '.join(m.field for m in det.missing_information)} (claim {claim_id})."}],
    }
    if claim.get("provider"):
        task["owner"] = claim["provider"]
    return {k: v for k, v in task.items() if v is not None}
