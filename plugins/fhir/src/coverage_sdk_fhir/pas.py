"""Da Vinci PAS: a Request Bundle in, Cases out (the response is :mod:`.claim_response`).

The mapping is shared/spec/fhir.md (PAS: Claim in, ClaimResponse out). Bad input raises
:class:`~coverage_sdk_fhir.outcome.FhirInputError`, whose issues name each element wrong.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

import coverage_sdk as cs
from coverage_sdk.hookspecs import AdaptedRequest

from . import attachments, facts
from .bundle import BundleIndex, Entry
from .invariants import CLAIM_FIRST, CLAIM_RESPONSE_FIRST, violations
from .outcome import FhirInputError, Issue, IssueType, validation_issues
from .payers import PayerMap

PAS = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/"
PAS_CODES = "http://hl7.org/fhir/us/davinci-pas/CodeSystem/PASTempCodes"
X12_306 = "https://codesystem.x12.org/005010/306"
ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"

PROCEDURE_SYSTEMS = {
    "http://www.ama-assn.org/go/cpt": "CPT",
    "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets": "HCPCS",
    "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets": "HCPCS",
    "http://www.cms.gov/Medicare/Coding/ICD10": "ICD-10-PCS",
}
ICD10_CM = "http://hl7.org/fhir/sid/icd-10-cm"

CERTIFICATION_TYPES = {"I": "initial", "1": "appeal", "2": "appeal", "3": "cancellation", "4": "extension", "R": "renewal", "S": "revision"}
"""X12 1322 certification type -> ``request.type``."""

INPATIENT_ENCOUNTERS = {"IMP", "ACUTE", "NONAC"}
OUTPATIENT_ENCOUNTERS = {"AMB", "OBSENC", "SS", "EMER", "HH", "VR", "FLD"}
INPATIENT_PLACES = {"21", "51", "61"}
OUTPATIENT_PLACES = {"11", "19", "22", "24", "49"}
"""HL7 v3 encounter classes and CMS places of service that say where the service is given."""

DOCUMENT_TYPES = {
    "11526-1": "pathology_report",
    "18776-5": "treatment_plan",
    "11506-3": "chart_notes",
    "18748-4": "imaging_reports",
    "11329-0": "clinical_history",
}
"""LOINC document types of a DocumentReference -> the Case's ``documentation`` vocabulary."""


def _code(concept: dict[str, Any] | None, system: str | None = None) -> str | None:
    for coding in (concept or {}).get("coding") or []:
        if system is None or coding.get("system", "").rstrip("/").split("://")[-1] == system.split("://")[-1]:
            return coding.get("code")
    return None


def _extension(element: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((e for e in element.get("extension") or [] if e.get("url") == PAS + name), None)


@attrs.frozen
class ClaimItem:
    """A Claim item and where it went: the Case (by index) and its place among that Case's procedures."""

    index: int
    sequence: int
    trace: dict[str, Any] | None
    code: str | None
    system: str | None
    units: int
    date: dt.date | None
    case: int | None = None
    position: int | None = None


@attrs.define
class PasRequest:
    """A read PAS request: its Bundle, the Claim's items, and its DICOM attachments' bytes by the
    names its Cases' plans give them (each Case's ``files``)."""

    bundle: dict[str, Any]
    index: BundleIndex
    claim: Entry
    items: tuple[ClaimItem, ...]
    questionnaire_base: str
    files: dict[str, bytes] = attrs.Factory(dict)


def parse_json(data: bytes | str | dict[str, Any], expected: str) -> dict[str, Any]:
    """JSON text as a resource of type ``expected``, or a FhirInputError."""
    if isinstance(data, dict):
        resource = data
    else:
        try:
            resource = json.loads(data)
        except UnicodeDecodeError as exc:
            raise FhirInputError([Issue(expected, f"not UTF-8 text (byte {exc.start})", IssueType.STRUCTURE)]) from None
        except json.JSONDecodeError as exc:
            raise FhirInputError([Issue(expected, f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}", IssueType.STRUCTURE)]) from None
    if not isinstance(resource, dict) or resource.get("resourceType") != expected:
        found = resource.get("resourceType") if isinstance(resource, dict) else type(resource).__name__
        raise FhirInputError([Issue(expected, f"expected a {expected} resource, got {found!r}", IssueType.STRUCTURE)])
    return resource


def _without_attachment_data(value: Any, path: str, data: list[tuple[str, str]]) -> Any:
    """A copy for the structure check with each attachment's base64 ``data`` set aside in ``data``
    (with its FHIRPath) and replaced by a stand-in: a DICOM plan is tens of megabytes."""
    if isinstance(value, list):
        return [_without_attachment_data(v, f"{path}[{i}]", data) for i, v in enumerate(value)]
    if not isinstance(value, dict):
        return value
    copied = {k: _without_attachment_data(v, f"{path}.{k}", data) for k, v in value.items()}
    if isinstance(value.get("attachment"), dict) and isinstance(value["attachment"].get("data"), str):
        data.append((f"{path}.attachment.data", value["attachment"]["data"]))
        copied["attachment"]["data"] = "AA=="
    return copied


def _base64_issues(data: list[tuple[str, str]]) -> list[Issue]:
    issues = []
    for where, text in data:
        try:
            base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            issues.append(Issue(where, "not base64 (base64Binary)", IssueType.STRUCTURE))
    return issues


def check_bundle(bundle: dict[str, Any], *, response: bool = False) -> BundleIndex:
    """The checks of a PAS request (or response) Bundle that come before reading it."""
    data: list[tuple[str, str]] = []
    try:
        Bundle.model_validate(_without_attachment_data(bundle, "Bundle", data))
    except ValidationError as exc:
        raise FhirInputError(validation_issues(exc, "Bundle")) from None
    issues = _base64_issues(data)
    if bundle.get("type") != "collection":
        issues.append(Issue("Bundle.type", f"a PAS Bundle is a 'collection', not {bundle.get('type')!r}", IssueType.VALUE))
    required = ("timestamp",) if response else ("identifier", "timestamp")
    issues += [Issue(f"Bundle.{name}", "required by the PAS Bundle profile (1..1)", IssueType.REQUIRED) for name in required if name not in bundle]
    if not bundle.get("entry"):
        issues.append(Issue("Bundle.entry", "a PAS Bundle has at least one entry (1..*)", IssueType.REQUIRED))
    for i, entry in enumerate(bundle.get("entry") or []):
        issues += [Issue(f"Bundle.entry[{i}].{name}", "required by the PAS Bundle profile (1..1)", IssueType.REQUIRED) for name in ("fullUrl", "resource") if name not in entry]
    issues += violations(bundle, [CLAIM_RESPONSE_FIRST if response else CLAIM_FIRST], "Bundle.entry[0].resource")
    if issues:
        raise FhirInputError(issues)
    index = BundleIndex.of(bundle)
    if not response:
        claim = index.entries[0].resource
        if not claim.get("item"):
            issues.append(Issue("Bundle.entry[0].resource.item", "a PAS Claim has at least one item (1..*)", IssueType.REQUIRED))
        if claim.get("use") != "preauthorization":
            issues.append(Issue("Bundle.entry[0].resource.use", f"a PAS Claim has use 'preauthorization', not {claim.get('use')!r}", IssueType.VALUE))
        issues += index.problems()
    if issues:
        raise FhirInputError(issues)
    return index


def check_response_bundle(data: bytes | str | dict[str, Any]) -> dict[str, Any]:
    """A PAS Response Bundle, checked (structure, ClaimResponseFirst); FhirInputError otherwise."""
    bundle = parse_json(data, "Bundle")
    check_bundle(bundle, response=True)
    return bundle


def _age(birth: str | None, day: dt.date) -> int | None:
    if not birth or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", birth):
        return None
    born = dt.date.fromisoformat(birth)
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value[:10]) if value and re.match(r"\d{4}-\d{2}-\d{2}", value) else None


def _service_date(item: dict[str, Any], index: BundleIndex) -> dt.date | None:
    day = _date(item.get("servicedDate")) or _date((item.get("servicedPeriod") or {}).get("start"))
    requested = _extension(item, "extension-requestedService")
    if day is None and requested is not None:
        order = index.get(requested.get("valueReference"))
        if order is not None:
            resource = order.resource
            day = _date(resource.get("occurrenceDateTime")) or _date((resource.get("occurrencePeriod") or {}).get("start"))
    return day


def _claim_items(claim: Entry, index: BundleIndex) -> tuple[list[ClaimItem], list[Issue]]:
    items, issues = [], []
    for i, item in enumerate(claim.resource.get("item") or []):
        where = f"{claim.path}.item[{i}]"
        code = system = None
        for coding in (item.get("productOrService") or {}).get("coding") or []:
            if coding.get("system") in PROCEDURE_SYSTEMS and coding.get("code"):
                code, system = coding["code"], PROCEDURE_SYSTEMS[coding["system"]]
                break
        quantity = (item.get("quantity") or {}).get("value", 1)
        if not (isinstance(quantity, int) or (isinstance(quantity, float) and quantity.is_integer())) or quantity < 1:
            issues.append(Issue(f"{where}.quantity.value", f"units must be a whole number of at least 1, got {quantity!r}", IssueType.VALUE))
            quantity = 1
        trace = _extension(item, "extension-itemTraceNumber")
        day = _service_date(item, index)
        if code is not None and day is None:
            issues.append(Issue(f"{where}.serviced[x]", "a date of service (servicedDate, servicedPeriod.start or the requested service's occurrence) is required to choose the policy version", IssueType.REQUIRED))
        items.append(ClaimItem(i, item.get("sequence"), trace.get("valueIdentifier") if trace else None, code, system, int(quantity), day))
    return items, issues


def _setting(claim: Entry, index: BundleIndex, first: dict[str, Any]) -> str | None:
    encounters = [index.get(ref) for ref in first.get("encounter") or []]
    encounters += [e for e in index.entries if e.resource.get("resourceType") == "Encounter"]
    for encounter in filter(None, encounters):
        code = (encounter.resource.get("class") or {}).get("code")
        if code in INPATIENT_ENCOUNTERS:
            return "inpatient"
        if code in OUTPATIENT_ENCOUNTERS:
            return "outpatient"
    place = _code(first.get("locationCodeableConcept"))
    return "inpatient" if place in INPATIENT_PLACES else "outpatient" if place in OUTPATIENT_PLACES else None


def _request(claim: dict[str, Any], items: Sequence[dict[str, Any]], received_at: dt.datetime | None) -> dict[str, Any]:
    request: dict[str, Any] = {}
    created = claim.get("created", "")
    if received_at is not None:
        request["received_at"] = received_at.isoformat(timespec="seconds")
    elif re.fullmatch(r"\d{4}-\d{2}-\d{2}T[0-9:.]+(Z|[+-]\d{2}:\d{2})?", created):
        request["received_at"] = created
    level = _extension(claim, "extension-levelOfServiceCode")
    urgent = _code((level or {}).get("valueCodeableConcept")) == "U" or _code(claim.get("priority")) == "stat"
    if level is not None or claim.get("priority"):
        request["urgency"] = "expedited" if urgent else "standard"
    for item in items:
        certification = _extension(item, "extension-certificationType")
        kind = CERTIFICATION_TYPES.get(_code((certification or {}).get("valueCodeableConcept")) or "")
        if kind:
            request["type"] = kind
            break
    for related in claim.get("related") or []:
        original = ((related.get("claim") or {}).get("identifier") or {}).get("value")
        if original:
            request["original_request_id"] = original
            break
    return request


def _supporting(claim: Entry, index: BundleIndex, case: dict[str, Any], origin: dict[str, str], plans: list[tuple[Entry, str]]) -> list[Issue]:
    """DTR answers, documents and DICOM plans that the Claim's supportingInfo references."""
    issues = []
    for s, info in enumerate(claim.resource.get("supportingInfo") or []):
        entry = index.get(info.get("valueReference"))
        if entry is None:
            continue
        kind = entry.resource.get("resourceType")
        if kind == "QuestionnaireResponse":
            found, problems = facts.answers(entry.resource, entry.path)
            issues += problems
            for answer in found:
                facts.apply(case, answer)
                origin.setdefault(answer.path, answer.expression)
        elif kind == "DocumentReference":
            contents = entry.resource.get("content") or []
            if any((c.get("attachment") or {}).get("contentType") == "application/dicom" for c in contents):
                plans.append((entry, f"{claim.path}.supportingInfo[{s}]"))
            document = DOCUMENT_TYPES.get(_code(entry.resource.get("type"), "http://loinc.org") or "")
            if document and document not in case.setdefault("documentation", []):
                case["documentation"].append(document)
    return issues


def _plans(found: list[tuple[Entry, str]], request: PasRequest) -> tuple[list[dict[str, Any]], list[Issue]]:
    plans, issues = [], []
    for n, (entry, _) in enumerate(found, start=1):
        technique = _code({"coding": [c for cat in entry.resource.get("category") or [] for c in cat.get("coding") or [] if c.get("system") == facts.CASE_VALUES]})
        if technique not in ("3dcrt", "imrt"):
            issues.append(Issue(f"{entry.path}.category", f"a plan's DocumentReference has a category coding from {facts.CASE_VALUES} with code 3dcrt or imrt", IssueType.REQUIRED))
        files: dict[str, str] = {}
        for c, content in enumerate(entry.resource.get("content") or []):
            attachment = content.get("attachment") or {}
            where = f"{entry.path}.content[{c}].attachment"
            if attachment.get("contentType") != "application/dicom":
                continue
            if "data" not in attachment:
                issues.append(Issue(f"{where}.data", "DICOM plans are read from the attachment's data; a url is not fetched", IssueType.NOT_SUPPORTED))
                continue
            try:
                data = base64.b64decode(attachment["data"], validate=True)
            except (binascii.Error, ValueError):
                issues.append(Issue(f"{where}.data", "not base64", IssueType.VALUE))
                continue
            role = attachments.modality(data)
            if role is None or role in files:
                issues.append(Issue(where, "expected one RT Dose and one RT Structure Set (DICOM Modality RTDOSE, RTSTRUCT)" if role is None else f"a second {role.upper()} in one plan", IssueType.VALUE))
                continue
            files[role] = f"plan{n}-{role}.dcm"
            request.files[files[role]] = data
        if set(files) != {"rtdose", "rtstruct"}:
            issues.append(Issue(f"{entry.path}.content", "a plan needs one RT Dose and one RT Structure Set attachment", IssueType.REQUIRED))
            continue
        plans.append({"label": entry.resource.get("description") or f"plan {n}", "technique": technique, "dicom": files})
    return plans, issues


def _case_error(exc: cs.InputError, origin: Mapping[str, str], fallback: str) -> list[Issue]:
    """The Case validator's ``path: message`` lines, each named by the FHIR element it came from."""
    issues = []
    for line in str(exc).split("; "):
        path, _, message = line.partition(": ")
        where = next((origin[p] for p in sorted(origin, key=len, reverse=True) if path == p or path.startswith((p + ".", p + "["))), fallback)
        issues.append(Issue(where, f"{path}: {message}", IssueType.VALUE))
    return issues


def read_request(
    data: bytes | str | dict[str, Any], *, payer_map: PayerMap | None = None, received_at: dt.datetime | None = None,
    questionnaire_base: str = "https://coverage-sdk.invalid/fhir", source: str | None = None,
) -> AdaptedRequest:  # fmt: skip
    """The Cases of a PAS Request Bundle: one per date of service of its procedure items.

    Items coded outside CPT, HCPCS and ICD-10-PCS belong to no Case; the response pends them.
    What the Claim and its Patient carry (setting, age, sex) wins over a DTR answer to the same fact.
    """
    try:
        bundle = parse_json(data, "Bundle")
        index = check_bundle(bundle)
        return _read(bundle, index, payer_map or PayerMap(), received_at, questionnaire_base)
    except FhirInputError as exc:
        raise FhirInputError(exc.issues, source=source) from None


def _read(bundle: dict[str, Any], index: BundleIndex, payer_map: PayerMap, received_at: dt.datetime | None, base: str) -> AdaptedRequest:
    claim = index.entries[0]
    resource = claim.resource
    items, issues = _claim_items(claim, index)
    common: dict[str, Any] = {}
    origin: dict[str, str] = {}
    diagnoses = [{"code": c["code"]} for d in resource.get("diagnosis") or [] for c in (d.get("diagnosisCodeableConcept") or {}).get("coding") or [] if c.get("system") == ICD10_CM and c.get("code")]
    if diagnoses:
        common["diagnoses"], origin["diagnoses"] = diagnoses, f"{claim.path}.diagnosis"
    insurer = index.get(resource.get("insurer"))
    payer = payer_map.payer(insurer.resource.get("identifier") or [] if insurer else [])
    if payer:
        common["payer"] = payer
    for insurance in resource.get("insurance") or []:
        coverage = index.get(insurance.get("coverage"))
        lob = payer_map.line_of_business(coverage.resource.get("class") or []) if coverage else None
        if lob:
            common["line_of_business"] = lob
            break
    request = _request(resource, resource.get("item") or [], received_at)
    if request:
        common["request"], origin["request"] = request, claim.path
    patient = index.get(resource.get("patient"))
    plans_found: list[tuple[Entry, str]] = []
    issues += _supporting(claim, index, common, origin, plans_found)
    context = PasRequest(bundle, index, claim, (), base)
    plans, problems = _plans(plans_found, context)
    issues += problems
    if plans:
        common.setdefault("radiation", {})["plans"] = plans
        origin["radiation.plans"] = plans_found[0][1]
    if issues:
        raise FhirInputError(issues)

    identifier = next((i.get("value") for i in resource.get("identifier") or [] if i.get("value")), resource.get("id", "claim"))
    dates = sorted({item.date for item in items if item.code is not None and item.date is not None})
    cases, placed = [], list(items)
    for c, day in enumerate(dates):
        case: dict[str, Any] = json.loads(json.dumps(common))
        case["case_id"] = identifier if len(dates) == 1 else f"{identifier}/{day.isoformat()}"
        case["date_of_service"] = day.isoformat()
        members = [item for item in items if item.code is not None and item.date == day]
        case["procedures"] = [
            {"code": m.code, "system": m.system, "units": m.units, "sequence": m.sequence,
             "trace_number": (m.trace or {}).get("value")} for m in members
        ]  # fmt: skip
        for p, member in enumerate(members):
            placed[member.index] = attrs.evolve(member, case=c, position=p)
            origin[f"procedures[{p}]"] = f"{claim.path}.item[{member.index}]"
        first = (resource.get("item") or [])[members[0].index]
        setting = _setting(claim, index, first)
        if setting:
            case["setting"] = setting
        if patient is not None:
            person = {"age_years": _age(patient.resource.get("birthDate"), day), "sex": patient.resource.get("gender")}
            case["patient"] = case.get("patient", {}) | {k: v for k, v in person.items() if v is not None}
            origin["patient"] = patient.path
        for procedure in case["procedures"]:
            for key in ("sequence", "trace_number"):
                if procedure[key] is None:
                    del procedure[key]
        try:
            built = cs.structure_case(case, files=context.files or None)
        except cs.InputError as exc:
            raise FhirInputError(_case_error(exc, origin, claim.path)) from None
        cases.append(built)
    context.items = tuple(placed)
    return AdaptedRequest(tuple(cases), context)
