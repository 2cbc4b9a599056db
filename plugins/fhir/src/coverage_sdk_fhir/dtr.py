"""Da Vinci DTR: a Questionnaire per policy version, generated from its criteria.

One item per fact the version's criteria read, ``linkId`` the Case path, type and answer
options from the Case model, the criteria that read the fact and their citations as the
item's help. Facts the Claim itself carries (diagnoses, setting, line of business, the
patient) are not asked; facts a policy derives from DICOM plans are asked for as plan
attachments. For a determination with missing information, the questionnaire asks exactly
the missing facts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

import coverage_sdk as cs

from . import facts
from ._core import InstalledPolicy, label
from .outcome import FhirInputError, Issue, IssueType
from .pas import PROCEDURE_SYSTEMS

ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
CLAIM_FACTS = ("diagnoses", "procedures", "setting", "line_of_business", "patient.")
PLANS = "radiation.plans"


@attrs.frozen
class Fact:
    """A fact a version's criteria read, with every criterion that reads it (text and citation)."""

    path: str
    criteria: tuple[str, ...]


def version_facts(policy: Any, version: Any) -> tuple[list[Fact], list[Fact]]:
    """The Case facts of a version's criteria, and the facts the policy derives (from plans)."""
    found: dict[str, list[str]] = {}
    for rule in version.rules:
        for root in filter(None, (rule.when, rule.scope)):
            for node in root.walk():
                if node.condition is None:
                    continue
                help_text = f"{node.text} Source: {node.citation}"
                item = getattr(node.condition, "item", None)
                needs = [f"documentation.{getattr(item, 'value', item)}"] if item is not None else node.condition.needs
                for need in needs:
                    texts = found.setdefault(facts.ALIASES.get(need, need), [])
                    if help_text not in texts:
                        texts.append(help_text)
    derived = getattr(policy, "derived", {}) or {}
    asked = [Fact(p, tuple(t)) for p, t in found.items() if p not in derived and not p.startswith(CLAIM_FACTS) and facts.is_question(p)]
    return asked, [Fact(p, tuple(t)) for p, t in found.items() if p in derived]


def _help(link: str, text: str) -> dict[str, Any]:
    return {
        "linkId": f"{link}.help", "type": "display", "text": text,
        "extension": [{"url": ITEM_CONTROL, "valueCodeableConcept": {"coding": [{"system": "http://hl7.org/fhir/questionnaire-item-control", "code": "help"}]}}],
    }  # fmt: skip


def _item(fact: Fact) -> dict[str, Any]:
    kind, options = facts.item_type(fact.path)
    name = fact.path.split(".", 1)[1].replace("_", " ") if fact.path.startswith("documentation.") else label(fact.path)
    item: dict[str, Any] = {
        "linkId": fact.path,
        "text": f"Attach the {name}" if kind == "attachment" else name[0].upper() + name[1:],
        "type": kind,
    }
    if fact.path == "diagnoses":
        item["repeats"] = True
    if options:
        item["answerOption"] = options
    if fact.criteria:
        item["item"] = [_help(fact.path, "\n".join(fact.criteria))]
    return item


def _plans_item(derived: Sequence[Fact]) -> dict[str, Any]:
    names = ", ".join(label(f.path) for f in derived)
    return {
        "linkId": PLANS, "type": "display",
        "text": "Attach each treatment plan to the Claim as a DocumentReference with one RT Dose and one RT Structure Set "
                f"(application/dicom) and a category coding {facts.CASE_VALUES} 3dcrt or imrt; the policy computes from them: {names}.",
        "item": [_help(PLANS, "\n".join(dict.fromkeys(t for f in derived for t in f.criteria)))],
    }  # fmt: skip


def canonical(base: str, policy_id: str) -> str:
    return f"{base}/Questionnaire/{policy_id}"


def _name(text: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", text) if part) or "Questionnaire"


def questionnaire(policy: Any, version: Any, *, base: str) -> dict[str, Any]:
    """The Questionnaire of every fact ``version``'s criteria read."""
    asked, derived = version_facts(policy, version)
    items = [_item(f) for f in asked] + ([_plans_item(derived)] if derived else [])
    return _resource(f"{policy.id}-{version.name}", canonical(base, policy.id), version.name, policy, items, f"{policy.title}: information the criteria read")


def missing_questionnaire(policy: Any, version: Any, fields: Iterable[str], *, base: str) -> dict[str, Any]:
    """The Questionnaire of exactly ``fields``, the missing information of a determination."""
    asked, derived = version_facts(policy, version)
    known = {f.path: f for f in asked + derived}
    wanted = list(dict.fromkeys(facts.ALIASES.get(f, f) for f in fields))
    derived_wanted = [known[f] for f in wanted if f in {d.path for d in derived}]
    items = [_item(known.get(f, Fact(f, ()))) for f in wanted if facts.is_question(f)]
    if derived_wanted:
        items.append(_plans_item(derived_wanted))
    digest = hashlib.sha256(",".join(wanted).encode()).hexdigest()[:12]
    missing_id = f"{policy.id}-missing-{digest}"
    return _resource(missing_id, canonical(base, missing_id), version.name, policy, items, f"{policy.title}: information needed")


def _resource(id: str, url: str, version: str, policy: Any, items: list[dict[str, Any]], title: str) -> dict[str, Any]:
    resource = {
        "resourceType": "Questionnaire",
        "id": re.sub(r"[^A-Za-z0-9\-.]", "-", id)[:64],
        "url": url,
        "version": version,
        "name": _name(f"{policy.id} {version}"),
        "title": title,
        "status": "active",
        "subjectType": ["Patient"],
        "description": f"Generated by coverage-sdk-fhir from the criteria of {policy.id}, version in force from {version}.",
        "item": items,
    }
    if isinstance(getattr(policy, "payer", None), str):
        resource["publisher"] = policy.payer
    return resource


def read_response(response: dict[str, Any], path: str = "QuestionnaireResponse") -> dict[str, Any]:
    """The Case facts (Case JSON fragment) a QuestionnaireResponse gives."""
    found, issues = facts.answers(response, path)
    if issues:
        raise FhirInputError(issues)
    case: dict[str, Any] = {}
    for answer in found:
        facts.apply(case, answer)
    return case


# --- $questionnaire-package -----------------------------------------------------------------------


def order_day(order: dict[str, Any]) -> dt.date:
    for value in (order.get("occurrenceDateTime"), (order.get("occurrencePeriod") or {}).get("start"), order.get("authoredOn")):
        if value and re.match(r"\d{4}-\d{2}-\d{2}", value):
            return dt.date.fromisoformat(value[:10])
    return dt.date.today()


def order_codes(order: dict[str, Any]) -> list[tuple[str, str]]:
    """The (code, Case system) pairs of an order's procedure codings."""
    return [(c["code"], PROCEDURE_SYSTEMS[c["system"]]) for c in (order.get("code") or {}).get("coding") or [] if c.get("system") in PROCEDURE_SYSTEMS and c.get("code")]


def policies_for_order(order: dict[str, Any], installed: Sequence[InstalledPolicy]) -> list[tuple[Any, Any]]:
    """(policy, version in force) of every installed policy that decides one of the order's codes."""
    codes = order_codes(order)
    if not codes:
        return []
    day = order_day(order)
    probe = cs.structure_case({"case_id": "order", "date_of_service": day.isoformat(), "procedures": [{"code": c, "system": s} for c, s in codes]})
    found = []
    for item in installed:
        version = item.policy.version_for(day) if hasattr(item.policy, "version_for") else None
        if version is not None and item.policy.applies_to_services(probe):
            found.append((item.policy, version))
    return found


def _package(q: dict[str, Any]) -> dict[str, Any]:
    return {"name": "PackageBundle", "resource": {"resourceType": "Bundle", "type": "collection", "entry": [{"fullUrl": f"{q['url']}|{q['version']}", "resource": q}]}}


def questionnaire_package(parameters: dict[str, Any], installed: Sequence[InstalledPolicy], *, base: str) -> dict[str, Any]:
    """``$questionnaire-package``: for each ``order``, its policies' questionnaires; for a ``context``
    (a PAS Task's ``questionnaire-context``), the questionnaire of the missing facts; for a
    ``questionnaire`` canonical, that questionnaire."""
    by_id = {item.policy.id: item.policy for item in installed}
    out: list[dict[str, Any]] = []
    issues: list[Issue] = []
    for p, param in enumerate(parameters.get("parameter") or []):
        where = f"Parameters.parameter[{p}]"
        name = param.get("name")
        if name == "order" and isinstance(param.get("resource"), dict):
            for policy, version in policies_for_order(param["resource"], installed):
                out.append(_package(questionnaire(policy, version, base=base)))
        elif name == "context" and isinstance(param.get("valueString"), str):
            policy_id, _, rest = param["valueString"].partition("|")
            version_name, _, fields = rest.partition("|")
            policy = by_id.get(policy_id)
            version = next((v for v in getattr(policy, "versions", ()) if v.name == version_name), None)
            if version is None or not fields:
                issues.append(Issue(f"{where}.valueString", "not a questionnaire-context this service issued (policy|version|fields)", IssueType.NOT_FOUND))
                continue
            out.append(_package(missing_questionnaire(policy, version, fields.split(","), base=base)))
        elif name == "questionnaire" and isinstance(param.get("valueCanonical"), str):
            url, _, version_name = param["valueCanonical"].partition("|")
            policy = by_id.get(url.rsplit("/", 1)[-1]) if url.startswith(f"{base}/Questionnaire/") else None
            versions = [v for v in getattr(policy, "versions", ()) if not version_name or v.name == version_name]
            if not versions:
                issues.append(Issue(f"{where}.valueCanonical", f"no questionnaire {param['valueCanonical']} here", IssueType.NOT_FOUND))
                continue
            out.append(_package(questionnaire(policy, versions[-1], base=base)))
    if issues:
        raise FhirInputError(issues)
    if not out:
        raise FhirInputError([Issue("Parameters.parameter", "no order with a code an installed policy decides, no context and no questionnaire canonical", IssueType.NOT_FOUND)])
    return {"resourceType": "Parameters", "parameter": out}
