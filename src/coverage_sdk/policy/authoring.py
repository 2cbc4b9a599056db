"""The policy-authoring core: write a policy so that it reads like the policy document.

A policy is a list of dated versions. Each version is an ordered list of rules; a rule
pairs a criterion with the outcome it gives when met. Criteria are three-valued (met, not
met, unknown; see :mod:`coverage_sdk.policy.logic`), carry an id, a text and the sentence of
the document they come from, and combine with :func:`all_of`, :func:`any_of` and
:func:`not_`. The first rule met decides; a rule that is unknown before any is met makes
the outcome ``insufficient_information`` and names the missing facts; when none is met the
version's ``otherwise`` decides. A leaf's test is a :class:`Condition` (facts, documents); a
leaf may be decided on part of its facts (``required=``); versions that differ only in their
numbers share their rules and carry ``parameters``; a rule's ``scope`` limits whom its
requirement is explained to. Example, BCBSMA Policy 278::

    rectal = is_("rectal", "The tumor is a rectal cancer.", cite("Policy", "Rectal cancer ..."),
                 "tumor.site", TumorSite.RECTUM)
    ...
    Version(date(2007, 1, 1), rules=(Rule(all_of(...), Outcome.MEDICALLY_NECESSARY, ...),),
            otherwise=Otherwise(Outcome.INVESTIGATIONAL, "... investigational for all other ..."))
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol

import attrs

from coverage_sdk.policy import logic
from coverage_sdk.policy.facts import Derivation, Facts, label, plain, policy_labels
from coverage_sdk.policy.findings import UNCHANGED, Finding, findings, outcome_words
from coverage_sdk.policy.model import (
    Audit, Case, CriterionResult, Determination, LineItem, LineOfBusiness, MissingInformation,
    Outcome, PlanTechnique, Procedure, ProcedureSystem, Result, SummaryRow, Warning, WarningCode,
)  # fmt: skip


__all__ = [
    "Answer", "Bundled", "Citation", "Condition", "Criterion", "DocumentCondition", "Exclusion", "FactCondition",
    "Otherwise", "Policy", "PriorAuthRule", "Rule", "ServiceCodes", "UnitLimit", "Version", "all_of", "always",
    "any_of", "at_least",
    "at_most", "citer", "coded", "criterion", "documented", "false", "is_", "not_", "true",
]  # fmt: skip


@attrs.frozen
class Citation:
    """Where a criterion comes from: the document, its section, and the sentence quoted."""

    document: str
    section: str
    quote: str

    def __str__(self) -> str:
        return f'{self.document}, {self.section}: "{self.quote}"'


def citer(document: str) -> Callable[[str, str], Citation]:
    """``cite = citer("BCBSMA Medical Policy 278")``, then ``cite(section, quote)``."""
    return lambda section, quote: Citation(document, section, quote)


# --- conditions: the test inside a leaf criterion -------------------------------------------


@attrs.frozen
class Answer:
    """A condition's answer: the result, and for unknown the facts that are missing."""

    result: Result
    missing: tuple[tuple[str, str], ...] = ()


_MET, _NOT_MET = Answer(Result.MET), Answer(Result.NOT_MET)


class Condition(Protocol):
    """The test inside a leaf criterion, whatever it reads (facts, documents, plan values).

    ``needs``: the facts shown as the criterion's evidence; ``evaluate`` answers met, not met
    or unknown (naming what is missing); ``explain`` says in words why it is not met.
    """

    @property
    def needs(self) -> tuple[str, ...]: ...

    def evaluate(self, facts: Facts) -> Answer: ...

    def explain(self, facts: Facts) -> str: ...


def _not_given(facts: Facts, paths: Sequence[str]) -> Iterator[tuple[str, str]]:
    return ((p, f"{label(p)} is not given") for p in paths)


def _paths(paths: Iterable[str]) -> tuple[str, ...]:
    return tuple(paths)


@attrs.frozen
class FactCondition:
    """A test over the values of ``needs``: True (met), False (not met) or None (undecided).

    Unknown when a fact of ``required`` (all of ``needs`` unless said) is unknown, or when
    ``test`` returns None; the others reach ``test`` as None, so a criterion can be decided
    on part of its facts ("electronic brachytherapy" by the device name alone).
    ``why_unknown(facts, paths)`` names what is missing, by default each unknown fact of
    ``required`` (or of ``needs`` when nothing is required). ``describe`` turns the values
    into words for a reason ("margin status is negative").
    """

    needs: tuple[str, ...] = attrs.field(converter=_paths)
    test: Callable[..., bool | None]
    describe: Callable[..., str]
    required: tuple[str, ...] = attrs.field(
        converter=_paths, default=attrs.Factory(lambda self: self.needs, takes_self=True)
    )  # fmt: skip
    why_unknown: Callable[[Facts, Sequence[str]], Iterable[tuple[str, str]]] = _not_given
    _one: str | None = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_one", self.needs[0] if len(self.needs) == 1 and self.required == self.needs else None)

    def evaluate(self, facts: Facts) -> Answer:
        if self._one is not None:
            value = facts.get(self._one)
            decided = None if value is None else self.test(value)
            if decided is not None:
                return _MET if decided else _NOT_MET
            return Answer(Result.UNKNOWN, tuple(self.why_unknown(facts, [self._one] if value is None else [])))
        get = facts.get
        values = [get(path) for path in self.needs]
        known = dict(zip(self.needs, values))
        for path in self.required:
            if known[path] is None:
                break
        else:
            decided = self.test(*values)
            if decided is not None:
                return _MET if decided else _NOT_MET
        unknown = [path for path in self.required or self.needs if known[path] is None]
        return Answer(Result.UNKNOWN, tuple(self.why_unknown(facts, unknown)))

    def explain(self, facts: Facts) -> str:
        return self.describe(*[facts.get(path) for path in self.needs])


def _words(value: Any) -> str:
    value = plain(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value).replace("_", " ")


@attrs.frozen
class DocumentCondition:
    """A document the policy requires; absent means unknown, reported as missing information."""

    item: Any

    @property
    def needs(self) -> tuple[str, ...]:
        return ("documentation",)

    def evaluate(self, facts: Facts) -> Answer:
        if self.item in facts.get("documentation"):
            return _MET
        name = plain(self.item)
        return Answer(Result.UNKNOWN, ((f"documentation.{name}", f"the {_words(name)} document was not submitted"),))

    def explain(self, facts: Facts) -> str:
        return f"the {_words(self.item)} document was not submitted"


# --- criteria ---------------------------------------------------------------------------------


@attrs.frozen
class Criterion:
    """A node of the criteria tree: a leaf with a condition, or ``all``/``any``/``not`` of parts."""

    id: str
    text: str
    citation: Citation
    condition: Condition | None = None
    combine: str | None = None
    parts: tuple[Criterion, ...] = ()
    interpretation: str | None = None

    def walk(self) -> Iterator[Criterion]:
        yield self
        for part in self.parts:
            yield from part.walk()

    @property
    def needs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p for c in self.walk() if c.condition for p in c.condition.needs))


def criterion(
    id: str, text: str, citation: Citation, needs: Sequence[str], test: Callable[..., bool | None],
    describe: Callable[..., str] | None = None, *, required: Sequence[str] | None = None,
    why_unknown: Callable[[Facts, Sequence[str]], Iterable[tuple[str, str]]] = _not_given,
    interpretation: str | None = None,
) -> Criterion:  # fmt: skip
    """A leaf criterion with any test over the values of ``needs`` (see :class:`FactCondition`).

    ``required=()`` decides on part of the facts: ``test`` gets None for an unknown fact and
    returns None while the facts it has do not decide.
    """
    needs = tuple(needs)
    describe = describe or (lambda *values: "; ".join(f"{label(p)} is {_words(v)}" for p, v in zip(needs, values)))
    required = needs if required is None else tuple(required)
    return Criterion(id, text, citation, FactCondition(needs, test, describe, required, why_unknown), interpretation=interpretation)


def always(id: str, text: str, citation: Citation, *, interpretation: str | None = None) -> Criterion:
    """Met for every request ("Prior authorization is required for all requests")."""
    return criterion(id, text, citation, (), lambda: True, lambda: "it applies to every request", interpretation=interpretation)


def is_(id: str, text: str, citation: Citation, path: str, *values: Any, interpretation: str | None = None) -> Criterion:
    """Met when the fact at ``path`` is one of ``values``."""
    accepted = frozenset(values)
    return criterion(id, text, citation, (path,), lambda value: value in accepted, interpretation=interpretation)


def true(id: str, text: str, citation: Citation, path: str, *, interpretation: str | None = None) -> Criterion:
    """Met when the yes/no fact at ``path`` is yes."""
    return criterion(id, text, citation, (path,), lambda value: value is True, interpretation=interpretation)


def false(id: str, text: str, citation: Citation, path: str, *, interpretation: str | None = None) -> Criterion:
    """Met when the yes/no fact at ``path`` is no."""
    return criterion(id, text, citation, (path,), lambda value: value is False, interpretation=interpretation)


def at_least(id: str, text: str, citation: Citation, path: str, bound: float, **kw: Any) -> Criterion:
    return criterion(id, text, citation, (path,), lambda value: value >= bound, **kw)


def at_most(id: str, text: str, citation: Citation, path: str, bound: float, **kw: Any) -> Criterion:
    return criterion(id, text, citation, (path,), lambda value: value <= bound, **kw)


def coded(id: str, text: str, citation: Citation, codes: Sequence[str], **kw: Any) -> Criterion:
    """Met when a submitted ICD-10-CM diagnosis is one of ``codes`` (or lies under one)."""
    from coverage_sdk.policy.icd10 import matches

    return criterion(
        id, text, citation, ("diagnoses",), lambda submitted: any(matches(c, codes) for c in submitted),
        lambda submitted: f"the diagnosis codes submitted ({', '.join(submitted)}) are not among {', '.join(codes)}",
        **kw,
    )  # fmt: skip


def documented(id: str, text: str, citation: Citation, item: Any) -> Criterion:
    """Met when the document ``item`` was submitted; unknown (and missing) otherwise."""
    return Criterion(id, text, citation, DocumentCondition(item))


def all_of(id: str, text: str, citation: Citation, *parts: Criterion, interpretation: str | None = None) -> Criterion:
    return Criterion(id, text, citation, combine="all", parts=parts, interpretation=interpretation)


def any_of(id: str, text: str, citation: Citation, *parts: Criterion, interpretation: str | None = None) -> Criterion:
    return Criterion(id, text, citation, combine="any", parts=parts, interpretation=interpretation)


def not_(id: str, text: str, citation: Citation, part: Criterion, *, interpretation: str | None = None) -> Criterion:
    return Criterion(id, text, citation, combine="not", parts=(part,), interpretation=interpretation)


# --- evaluation of a criteria tree --------------------------------------------------------------


class _Node:
    """A criterion compiled for evaluation: what its trail record needs, worked out once."""

    __slots__ = ("citation", "combine", "condition", "criterion", "id", "interpretation", "needs", "parts", "text")

    def __init__(self, criterion: Criterion, compiled: dict[int, _Node]) -> None:
        self.criterion = criterion
        self.id, self.text, self.interpretation = criterion.id, criterion.text, criterion.interpretation
        self.citation = str(criterion.citation)
        self.condition = criterion.condition
        self.needs = criterion.condition.needs if criterion.condition is not None else ()
        self.combine = {"all": logic.all_known, "any": logic.any_known}.get(criterion.combine or "not")
        self.parts = tuple(_compiled(part, compiled) for part in criterion.parts)


def _compiled(criterion: Criterion, compiled: dict[int, _Node]) -> _Node:
    """``criterion`` compiled, from ``compiled`` (by object id) when it is there."""
    node = compiled.get(id(criterion))
    if node is None or node.criterion is not criterion:
        node = compiled[id(criterion)] = _Node(criterion, compiled)
    return node


@attrs.define
class Evaluation:
    """Results by criterion id, the trail in evaluation order, and unknowns by leaf.

    ``compiled``: criteria compiled for evaluation, shared by every evaluation of one policy
    (the policy's), so a criteria tree is worked out once, not once per case.
    """

    facts: Facts
    results: dict[str, Result] = attrs.Factory(dict)
    trail: list[CriterionResult] = attrs.Factory(list)
    unknowns: dict[str, tuple[tuple[str, str], ...]] = attrs.Factory(dict)
    compiled: dict[int, _Node] = attrs.field(factory=dict, repr=False, eq=False)

    def evaluate(self, node: Criterion, parent: str | None = None) -> Result:
        return self._evaluate(_compiled(node, self.compiled), parent)

    def _evaluate(self, node: _Node, parent: str | None) -> Result:
        results = self.results
        result = results.get(node.id)
        if result is not None:
            return result
        trail = self.trail
        position = len(trail)
        condition = node.condition
        if condition is not None:
            answer = condition.evaluate(self.facts)
            result = answer.result
            if result.__class__ is not Result:
                raise TypeError(f"expected Result values, got {result!r}")
            if answer.missing:
                self.unknowns[node.id] = answer.missing
            evidence = self.facts.evidence(node.needs)
        else:
            evaluate, name = self._evaluate, node.id
            parts = [evaluate(part, name) for part in node.parts]
            result = node.combine(parts) if node.combine else logic.NOT[parts[0]]
            evidence = {part.id: value._value_ for part, value in zip(node.parts, parts)}
        results[node.id] = result
        trail.insert(position, CriterionResult(node.id, node.text, node.citation, result, evidence, node.interpretation, parent))
        return result

    def missing(self, node: Criterion) -> list[tuple[str, str]]:
        """The unknown facts that keep ``node`` from being decided (not those that do not matter)."""
        if self.results.get(node.id) is not Result.UNKNOWN:
            return []
        if node.condition is not None:
            return [(f, f"{reason}; needed for: {node.text}") for f, reason in self.unknowns.get(node.id, ())]
        return [m for part in node.parts for m in self.missing(part)]

    def why_not(self, node: Criterion) -> list[str]:
        """Phrases saying why ``node`` is not met, from the leaves that make it so."""
        result = self.results.get(node.id)
        if node.condition is not None:
            return [node.condition.explain(self.facts)] if result is Result.NOT_MET else []
        if node.combine == "not":
            return [f"{node.parts[0].text[0].lower()}{node.parts[0].text[1:].rstrip('.')} applies"]
        return [phrase for part in node.parts if self.results.get(part.id) is Result.NOT_MET for phrase in self.why_not(part)]


# --- policies -----------------------------------------------------------------------------------


@attrs.frozen
class Rule:
    """When ``when`` is met the outcome is ``outcome`` and ``reason`` says why.

    ``requirement`` (for favourable rules) says in a provider's words what the rule asks,
    and is used to explain an adverse outcome when the rule is not met; with a ``scope``
    (e.g. "the tumor is a pancreatic cancer or a soft tissue sarcoma") only to a case the
    scope is met for, so a breast case is not told what rectal cancer needs. ``remarks``:
    sentences added to the reasons, each when its criterion is met, where the rule decides
    (BCBSNC: "the joint is not one of the examples the policy names").
    """

    when: Criterion
    outcome: Outcome
    reason: str
    requirement: str | None = None
    scope: Criterion | None = None
    remarks: tuple[tuple[Criterion, str], ...] = ()


@attrs.frozen
class Otherwise:
    """The outcome when no rule is met; with ``id``/``text``/``citation`` it joins the trail."""

    outcome: Outcome
    reason: str
    id: str | None = None
    text: str | None = None
    citation: Citation | None = None
    interpretation: str | None = None


@attrs.frozen
class Exclusion:
    """A class of case the policy excludes, stated once and holding across every inclusion.

    Where ``when`` is met no rule whose outcome is ``medically_necessary`` decides, whichever
    bullet it is, and the outcome is ``outcome`` with ``reason``; where ``when`` is unknown an
    inclusion that is met cannot decide alone (``insufficient_information`` names what the
    exclusion needs). BCBSM/BCN: "for tumors other than gastrointestinal stromal tumors (GIST)
    and desmoid sarcomas" holds for "Soft tissue sarcomas." as well.
    """

    when: Criterion
    outcome: Outcome
    reason: str


class _Template(dict[str, Any]):
    def __missing__(self, key: str) -> Any:
        raise KeyError(f"no version parameter {key!r}")


def _fill(text: str | None, parameters: Mapping[str, Any]) -> Any:
    return text.format_map(_Template(parameters)) if text and "{" in text else text


def _bind_citation(citation: Citation, parameters: Mapping[str, Any]) -> Citation:
    return Citation(citation.document, _fill(citation.section, parameters), _fill(citation.quote, parameters))


def _bind_criterion(node: Criterion, parameters: Mapping[str, Any]) -> Criterion:
    return attrs.evolve(
        node, id=_fill(node.id, parameters), text=_fill(node.text, parameters),
        citation=_bind_citation(node.citation, parameters), interpretation=_fill(node.interpretation, parameters),
        parts=tuple(_bind_criterion(part, parameters) for part in node.parts),
    )  # fmt: skip


def _bind_rule(rule: Rule, parameters: Mapping[str, Any]) -> Rule:
    return attrs.evolve(
        rule, when=_bind_criterion(rule.when, parameters), reason=_fill(rule.reason, parameters),
        requirement=_fill(rule.requirement, parameters),
        scope=None if rule.scope is None else _bind_criterion(rule.scope, parameters),
        remarks=tuple((_bind_criterion(c, parameters), _fill(text, parameters)) for c, text in rule.remarks),
    )  # fmt: skip


def _bind_exclusion(exclusion: Exclusion, parameters: Mapping[str, Any]) -> Exclusion:
    return attrs.evolve(exclusion, when=_bind_criterion(exclusion.when, parameters), reason=_fill(exclusion.reason, parameters))


def _bind_otherwise(otherwise: Otherwise, parameters: Mapping[str, Any]) -> Otherwise:
    return attrs.evolve(
        otherwise, reason=_fill(otherwise.reason, parameters), id=_fill(otherwise.id, parameters),
        text=_fill(otherwise.text, parameters), citation=None if otherwise.citation is None else _bind_citation(otherwise.citation, parameters),
        interpretation=_fill(otherwise.interpretation, parameters),
    )  # fmt: skip


@attrs.frozen
class Version:
    """The criteria in force from ``effective_from`` to ``effective_to`` (inclusive; open if None).

    ``parameters``: the numbers and sentences of this version where one rule is written for
    several versions (BCBSNC's 50 % and 20 points from 2016, 25 % and 15 points from 2019).
    Conditions read them as facts (``policy_thresholds.minimum_3d_pct`` for the parameter
    ``policy_thresholds``), and ``{policy_thresholds.minimum_3d_pct:g}`` in an id, text,
    citation, reason, requirement or summary is filled in with them. ``exclusions``: see
    :class:`Exclusion`. Where a history entry says a review changed nothing, the text before
    it is the same text: start the version at the earlier date.
    """

    effective_from: dt.date
    rules: tuple[Rule, ...]
    otherwise: Otherwise
    effective_to: dt.date | None = None
    summary: str = ""
    parameters: Mapping[str, Any] = attrs.field(factory=dict, eq=False)
    exclusions: tuple[Exclusion, ...] = ()

    def __attrs_post_init__(self) -> None:
        if self.parameters:
            object.__setattr__(self, "rules", tuple(_bind_rule(rule, self.parameters) for rule in self.rules))
            object.__setattr__(self, "exclusions", tuple(_bind_exclusion(e, self.parameters) for e in self.exclusions))
            object.__setattr__(self, "otherwise", _bind_otherwise(self.otherwise, self.parameters))
            object.__setattr__(self, "summary", _fill(self.summary, self.parameters))

    @property
    def name(self) -> str:
        return self.effective_from.isoformat()

    def in_force(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


@attrs.frozen
class PriorAuthRule:
    """Prior authorization is ``required`` (True/False) when ``when`` is met."""

    when: Criterion
    required: bool


@attrs.frozen
class UnitLimit:
    """At most ``max_units`` of ``code`` per ``period`` (its words), counted over every line of
    the code in the request.

    ``days``: the period is a window of that many days ending on the date of service, and the
    units of ``prior_services`` of the code inside it count too ("limited to 3 units per 60-day
    treatment course"). ``per_plan``: ``max_units`` per plan of that technique in
    ``radiation.plans`` ("reported once per IMRT plan"); unknown when no such plan is listed.
    """

    code: str
    max_units: int
    period: str
    citation: Citation
    days: int | None = attrs.field(default=None, kw_only=True)
    per_plan: PlanTechnique | None = attrs.field(default=None, kw_only=True)

    def allowance(self, case: Case) -> tuple[int | None, str]:
        """Units this request may have (None: cannot be counted), and what was counted, in words."""
        if self.per_plan is not None:
            plans = [p for p in (case.radiation.plans if case.radiation else []) if p.technique is self.per_plan]
            if not plans:
                return None, f"no {self.per_plan.value} plan is listed in radiation.plans to count {self.period} against"
            return self.max_units * len(plans), f"{len(plans)} {self.per_plan.value} plan(s) in the request"
        if self.days is None:
            return self.max_units, "the lines of the request"
        start = case.date_of_service - dt.timedelta(days=self.days - 1)
        prior = sum(
            s.units for s in case.prior_services
            if s.code.upper() == self.code.upper() and start <= s.date_of_service <= case.date_of_service
        )  # fmt: skip
        return self.max_units - prior, (
            f"{prior} unit(s) of prior_services from {start.isoformat()} to {case.date_of_service.isoformat()}"
        )


@attrs.frozen
class Bundled:
    """A code the policy counts as part of another service: its line gets no units of its own."""

    code: str
    into: str
    citation: Citation


@attrs.frozen
class ServiceCodes:
    """The procedure codes a policy decides; a case with none of them is ``not_applicable``."""

    cpt: tuple[str, ...] = ()
    hcpcs: tuple[str, ...] = ()
    icd10_pcs: tuple[str, ...] = ()

    def covers(self, code: str, system: ProcedureSystem) -> bool:
        if system is ProcedureSystem.ICD10_PCS:
            return code.upper() in self.icd10_pcs
        return code.upper() in self.cpt or code.upper() in self.hcpcs

    @property
    def all(self) -> tuple[str, ...]:
        return self.cpt + self.hcpcs + self.icd10_pcs


def _missing_label(field: str) -> str:
    if field.startswith("documentation."):
        return f"the {field.split('.', 1)[1].replace('_', ' ')} document"
    return label(field)


def _merge_missing(missing: Sequence[tuple[str, str]]) -> list[MissingInformation]:
    """One entry per field, its reasons joined in order."""
    reasons: dict[str, list[str]] = {}
    for field, reason in missing:
        if reason not in reasons.setdefault(field, []):
            reasons[field].append(reason)
    return [MissingInformation(field, " ".join(r if r.endswith(".") else r + "." for r in texts)) for field, texts in reasons.items()]


def _close_versions(versions: Sequence[Version]) -> tuple[Version, ...]:
    ordered = tuple(sorted(versions, key=lambda v: v.effective_from))
    closed = []
    for current, following in zip(ordered, (*ordered[1:], None)):
        if following is not None and current.effective_to is None:
            current = attrs.evolve(current, effective_to=following.effective_from - dt.timedelta(days=1))
        closed.append(current)
    return tuple(closed)


@attrs.frozen
class Policy:
    """One payer policy: its services, its dated versions, prior-auth rules and unit limits.

    ``lines_of_business``: the products the policy covers, where it says; a case of another
    product is ``not_applicable``. ``derived``: facts computed from the case (e.g. plan
    metrics from DICOM). ``labels``: how reasons name this policy's own facts (derived ones,
    ``extensions.*``), e.g. ``{"extensions.medically_inoperable": "medical inoperability"}``.
    ``summary_table``: rows for plan-comparison policies. ``origin``:
    the policy's date of origin; a date of service from it on that no encoded version covers
    is ``clinical_review`` with the warning ``version_not_encoded``, an earlier one
    ``not_applicable``. ``bundled``: codes counted as part of another service (:class:`Bundled`).
    """

    id: str
    title: str
    payer: str
    document: str
    payer_id: str | None = attrs.field(default=None, kw_only=True)
    services: ServiceCodes
    versions: tuple[Version, ...] = attrs.field(converter=_close_versions)
    prior_authorization: tuple[PriorAuthRule, ...] = ()
    unit_limits: tuple[UnitLimit, ...] = ()
    lines_of_business: frozenset[LineOfBusiness] | None = None
    derived: Mapping[str, Derivation] = attrs.Factory(dict)
    summary_table: Callable[[Facts], list[SummaryRow]] | None = None
    labels: Mapping[str, str] = attrs.Factory(dict)
    origin: dt.date | None = attrs.field(default=None, kw_only=True)
    bundled: tuple[Bundled, ...] = attrs.field(default=(), kw_only=True)
    _compiled: dict[int, _Node] = attrs.field(factory=dict, init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        for earlier, later in zip(self.versions, self.versions[1:]):
            if earlier.effective_to is None or earlier.effective_to >= later.effective_from:
                raise ValueError(f"{self.id}: versions {earlier.name} and {later.name} overlap")
        seen: dict[str, Criterion] = {}
        for node in self.criteria():
            if seen.setdefault(node.id, node) is not node and seen[node.id] != node:
                raise ValueError(f"{self.id}: two different criteria share the id {node.id!r}")

    def criteria(self) -> Iterator[Criterion]:
        """Every criterion of every version and prior-auth rule."""
        for version in self.versions:
            for exclusion in version.exclusions:
                yield from exclusion.when.walk()
            for rule in version.rules:
                yield from rule.when.walk()
                if rule.scope is not None:
                    yield from rule.scope.walk()
                for remark, _ in rule.remarks:
                    yield from remark.walk()
        for prior in self.prior_authorization:
            yield from prior.when.walk()

    def version_for(self, day: dt.date) -> Version | None:
        return next((v for v in self.versions if v.in_force(day)), None)

    def applies_to_services(self, case: Case) -> bool:
        return any(self.services.covers(p.code, p.system) for p in case.procedures)

    def evaluate(self, case: Case, audit: Audit) -> Determination:
        with policy_labels(self.labels):
            return self._evaluate(case, audit)

    def _evaluate(self, case: Case, audit: Audit) -> Determination:
        version = self.version_for(case.date_of_service)
        if not self.applies_to_services(case):
            codes = ", ".join(p.code for p in case.procedures)
            return self._not_applicable(case, audit, version, f"None of the procedure codes in the request ({codes}) is a service covered by this policy ({', '.join(self.services.all)}).")
        if version is None and self.origin is not None and case.date_of_service >= self.origin:
            return self._not_encoded(case, audit, self.origin)
        if version is None:
            return self._not_applicable(case, audit, None, f"No version of this policy was in force on the date of service, {case.date_of_service.isoformat()}.")
        if self.lines_of_business and case.line_of_business and case.line_of_business not in self.lines_of_business:
            return self._not_applicable(case, audit, version, f"This policy does not apply to the member's line of business ({case.line_of_business.value}).")

        facts = Facts(case, self.derived, version.parameters)
        evaluation = Evaluation(facts, compiled=self._compiled)
        outcome, reasons, missing = self._decide(version, evaluation)
        outcome, reasons, warnings = self._weigh(version, outcome, reasons, findings(case))
        prior_auth = self._prior_authorization(evaluation)
        rows = self.summary_table(facts) if self.summary_table else []
        return Determination(
            case_id=case.case_id,
            policy_id=self.id,
            policy_version=version.name,
            outcome=outcome,
            requires_clinical_review=outcome.requires_clinical_review,
            reasons=reasons,
            criteria=evaluation.trail,
            missing_information=_merge_missing(missing),
            prior_authorization_required=prior_auth,
            line_items=self._line_items(case, outcome),
            summary_table=rows,
            audit=audit,
            payer=self.payer_id,
            policy_title=self.title,
            warnings=warnings,
        )

    def _weigh(
        self, version: Version, outcome: Outcome, reasons: list[str], found: Sequence[Finding]
    ) -> tuple[Outcome, list[str], list[Warning]]:
        """Each warning, with the outcome of the case read the other way; an automatic approval
        that another reading would not give becomes ``clinical_review`` (interchange spec, ``warnings``)."""
        warnings, conflicts = [], []
        for finding in found:
            other_facts = Facts(finding.other_reading, self.derived, version.parameters)
            other, _, _ = self._decide(version, Evaluation(other_facts, compiled=self._compiled))
            same = UNCHANGED if other is outcome else outcome_words(other)
            message = f"{finding.warning.message} Read as {finding.reading}, the outcome would be {same}."
            warnings.append(attrs.evolve(finding.warning, message=message))
            if outcome is Outcome.MEDICALLY_NECESSARY and other is not outcome:
                conflicts.append(f"{finding.warning.message} Read as {finding.reading}, the outcome would be {same}.")
        if not conflicts:
            return outcome, reasons, warnings
        review = "A person must decide: the criteria are met on the facts as submitted, but a warning could change the outcome. " + " ".join(conflicts)
        return Outcome.CLINICAL_REVIEW, [review, *reasons], warnings

    def _decide(self, version: Version, evaluation: Evaluation) -> tuple[Outcome, list[str], list[tuple[str, str]]]:
        """The first rule met decides, unless an earlier unknown rule could give another outcome.

        An exclusion that is met keeps every inclusion (a rule of outcome ``medically_necessary``)
        from deciding; one that is unknown keeps an inclusion from deciding alone.
        """
        excluded = [(e, evaluation.evaluate(e.when)) for e in version.exclusions]
        against = logic.any_known([result for _, result in excluded]) if excluded else Result.NOT_MET
        results = []
        for rule in version.rules:
            result = evaluation.evaluate(rule.when)
            if rule.outcome is Outcome.MEDICALLY_NECESSARY:
                result = logic.all_known([result, logic.NOT[against]])
            results.append((rule, result))
        for rule in version.rules:
            if rule.scope is not None:
                evaluation.evaluate(rule.scope)
        unknown: list[Rule] = []
        decided: tuple[Outcome, list[str]] | None = None
        for rule, result in results:
            if result is Result.MET:
                decided = (rule.outcome, [rule.reason, *(text for c, text in rule.remarks if evaluation.evaluate(c) is Result.MET)])
                break
            if result is Result.UNKNOWN:
                unknown.append(rule)
        exclusion = next((e for e, result in excluded if result is Result.MET), None)
        if decided is None and exclusion is not None:
            decided = (exclusion.outcome, [exclusion.reason])
        if decided is None:
            otherwise = version.otherwise
            decided = (otherwise.outcome, [otherwise.reason, *self._requirements(version, evaluation)])
        blocking = [rule for rule in unknown if rule.outcome is not decided[0]]
        if not blocking:
            otherwise = version.otherwise
            if exclusion is None and decided[0] is otherwise.outcome and otherwise.id and all(r is not Result.MET for _, r in results):
                evaluation.trail.append(CriterionResult(
                    otherwise.id, otherwise.text or otherwise.reason, str(otherwise.citation), Result.MET,
                    interpretation=otherwise.interpretation,
                ))  # fmt: skip
            return decided[0], decided[1], []
        open_exclusions = [e for e, result in excluded if result is Result.UNKNOWN]
        missing = [m for rule in blocking for m in evaluation.missing(rule.when)]
        missing += [m for e in open_exclusions for m in evaluation.missing(e.when)]
        needed = ", ".join(dict.fromkeys(_missing_label(f) for f, _ in missing))
        texts = "; ".join(rule.when.text.rstrip(".") for rule in blocking if evaluation.results[rule.when.id] is Result.UNKNOWN)
        ruled_out = "; ".join(f"whether {e.when.text[0].lower()}{e.when.text[1:].rstrip('.')} (which would exclude it)" for e in open_exclusions)
        what = "; and ".join(part for part in (texts, ruled_out) if part)
        return Outcome.INSUFFICIENT_INFORMATION, [f"The request cannot be decided yet: {what} cannot be assessed without: {needed}."], missing

    @staticmethod
    def _requirements(version: Version, evaluation: Evaluation) -> list[str]:
        """What each favourable rule asks, and why this case falls short, for the rules in scope."""
        out = []
        for rule in version.rules:
            if not rule.requirement or (rule.scope is not None and evaluation.results.get(rule.scope.id) is not Result.MET):
                continue
            why = "; ".join(dict.fromkeys(evaluation.why_not(rule.when)))
            out.append(f"{rule.requirement}; in this case {why}." if why else f"{rule.requirement}.")
        return out

    def _prior_authorization(self, evaluation: Evaluation) -> bool | None:
        decided: bool | None = None
        for rule in self.prior_authorization:
            if evaluation.evaluate(rule.when) is Result.MET and decided is None:
                decided = rule.required
        return decided

    def _line_items(self, case: Case, outcome: Outcome) -> list[LineItem]:
        """One line per procedure; where the outcome approves, unit limits count every line of the
        code (and prior services inside a period), and a bundled code gets no units of its own."""
        bundled = {b.code: b for b in self.bundled}
        counters = {limit: _Counter(limit, *limit.allowance(case)) for limit in self.unit_limits}
        items = []
        for procedure in case.procedures:
            code = procedure.code.upper()
            if code in bundled and procedure.system is not ProcedureSystem.ICD10_PCS:
                into = bundled[code]
                items.append(_line_item(
                    procedure, 0 if outcome is Outcome.MEDICALLY_NECESSARY else None, outcome,
                    f"{code} is not approved on its own: {into.citation.quote.rstrip('.')} ({into.into}).",
                ))  # fmt: skip
                continue
            if not self.services.covers(procedure.code, procedure.system):
                items.append(_line_item(procedure, None, Outcome.NOT_APPLICABLE, "not a service of this policy"))
                continue
            reason = None
            if outcome is Outcome.MEDICALLY_NECESSARY:
                approved: int | None = procedure.units
                mine = [c for limit, c in counters.items() if limit.code.upper() == code]
                for counter in mine:
                    approved = counter.grant(approved)
                reason = "; ".join(counter.record(procedure.units, approved) for counter in mine) or None
            elif outcome in (Outcome.INSUFFICIENT_INFORMATION, Outcome.CLINICAL_REVIEW, Outcome.NOT_APPLICABLE):
                approved = None
            else:
                approved = 0
            items.append(_line_item(procedure, approved, outcome, reason))
        return items

    def _not_encoded(self, case: Case, audit: Audit, origin: dt.date) -> Determination:
        """A date inside the policy's life whose text is not encoded: a person reads the version then in force."""
        first = self.versions[0].effective_from.isoformat() if self.versions else "none"
        day = case.date_of_service.isoformat()
        message = (
            f"The date of service {day} falls in this policy's life (origin {origin.isoformat()}), but the text "
            f"then in force is not encoded (the first encoded version is of {first})."
        )
        determination = self._not_applicable(case, audit, None, "")
        return attrs.evolve(
            determination, outcome=Outcome.CLINICAL_REVIEW, requires_clinical_review=True,
            reasons=[f"{message} A person must decide the request on the version in force on {day}."],
            line_items=[_line_item(p, None, Outcome.CLINICAL_REVIEW if self.services.covers(p.code, p.system) else Outcome.NOT_APPLICABLE, None) for p in case.procedures],
            warnings=[Warning(WarningCode.VERSION_NOT_ENCODED, message, "date_of_service")],
        )  # fmt: skip

    def _not_applicable(self, case: Case, audit: Audit, version: Version | None, reason: str) -> Determination:
        return Determination(
            case_id=case.case_id,
            policy_id=self.id,
            policy_version=version.name if version else None,
            outcome=Outcome.NOT_APPLICABLE,
            requires_clinical_review=False,
            reasons=[reason],
            criteria=[],
            missing_information=[],
            prior_authorization_required=None,
            line_items=[_line_item(p, None, Outcome.NOT_APPLICABLE, None) for p in case.procedures],
            summary_table=[],
            audit=audit,
            payer=self.payer_id,
            policy_title=self.title,
        )


def _line_item(procedure: Procedure, approved: int | None, outcome: Outcome, reason: str | None) -> LineItem:
    """A line of the request, keyed by the host's own sequence and trace number."""
    return LineItem(procedure.code, procedure.units, approved, outcome, reason, procedure.sequence, procedure.trace_number)


@attrs.define
class _Counter:
    """One unit limit over one request: the units it allows, what was counted for it, and the units lines took so far."""

    limit: UnitLimit
    allowance: int | None
    counted: str
    taken: int = 0

    def grant(self, approved: int | None) -> int | None:
        """At most ``approved`` units, within what the limit leaves; None when it cannot be counted."""
        if self.allowance is None or approved is None:
            return None
        return min(approved, max(self.allowance - self.taken, 0))

    def record(self, requested: int, approved: int | None) -> str:
        """Count the line's approved units, and say what was counted."""
        limit = self.limit
        head = f"at most {limit.max_units} per {limit.period} ({limit.citation.quote.rstrip('.')})"
        earlier = self.taken
        self.taken += requested if approved is None else approved
        if self.allowance is None:
            return f"{head}: cannot be counted, {self.counted}"
        return (
            f"{head}: counted {self.counted} and {earlier} unit(s) on earlier lines of this request; "
            f"{requested} requested, {'none' if approved is None else approved} approved"
        )
