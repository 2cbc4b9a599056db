"""The conformance checks every coverage_sdk policy plugin must pass (docs/writing-a-plugin.md).

A :class:`Conformance` finds one policy through the ``coverage_sdk`` entry-point group, the
way the SDK will, sends it probe cases (:mod:`coverage_sdk.testing.probes`) through
:func:`coverage_sdk.evaluate`, and checks what comes back. Each ``check_*`` method raises
:class:`ConformanceFailure` naming every case and criterion at fault.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import importlib.metadata
import importlib.resources
import json
import os
import re
import sys
import types
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import attrs

from coverage_sdk.policy.converter import get_converter, unstructure
from coverage_sdk.host.evaluate import evaluate
from coverage_sdk.errors import InputError
from coverage_sdk.policy.findings import UNCHANGED
from coverage_sdk.policy.model import Determination, Outcome
from coverage_sdk.host.manager import GROUP, POLICY_ID, InstalledPolicy, PluginHost
from coverage_sdk.testing import determinism, probes
from coverage_sdk.testing.probes import Example, Probe

CHECKS = (
    "entry_point", "metadata", "unique_ids", "versions", "criteria", "citations", "not_applicable",
    "unknown_facts", "clinical_review", "determinism", "round_trip", "examples",
)  # fmt: skip
UNDECIDED = frozenset({Outcome.INSUFFICIENT_INFORMATION, Outcome.CLINICAL_REVIEW})
SHOWN = 10


class ConformanceFailure(AssertionError):
    """A plugin does not conform; the message says where and what the contract asks."""


def normalise(text: str) -> str:
    """Text as quotes are compared: markdown aside (``**`` and ``[text](link)`` markup), runs of
    whitespace made one space, no space before closing punctuation (``required .``)."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text.replace("**", ""))
    return re.sub(r" ([.,;:)])", r"\1", " ".join(text.split()))


def _fail(headline: str, problems: list[str]) -> None:
    __tracebackhide__ = True
    if problems:
        shown = "\n".join(f"  - {p}" for p in problems[:SHOWN])
        more = f"\n  ... and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
        raise ConformanceFailure(f"{headline}\n{shown}{more}")


_stable_json = determinism.stable_json


def _differences(label: str, before: str, after: str, how: str) -> list[str]:
    if before == after:
        return []
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), "first", how, n=0, lineterm="")
    return [f"{label} ({how}): " + " | ".join(line.strip() for line in list(diff)[2:8])]


def _refines(less: Determination, more: Determination) -> bool:
    """Knowing more may only decide what knowing less left undecided (or make the policy not apply,
    or reveal a conflict a person must settle: ``clinical_review`` with a warning)."""
    revealed = more.outcome is Outcome.CLINICAL_REVIEW and bool(more.warnings)
    return less.outcome in UNDECIDED or more.outcome is Outcome.NOT_APPLICABLE or less.outcome is more.outcome or revealed


def _quote_of(citation: str) -> str | None:
    match = re.search(r': "(.*)"\s*$', citation, re.S)
    return match.group(1) if match else None


T = TypeVar("T")


def _paths(paths: Iterable[str | os.PathLike[str]]) -> tuple[Path, ...]:
    return tuple(Path(p) for p in paths)


@attrs.define
class Conformance:
    """The conformance suite for the installed policy ``policy_id``.

    ``policy_text``: path of the policy document's text (enables the ``citations`` check).
    ``examples``: paths of the plugin's example Case files. ``host``: the plugin host to use
    (default: a new one that loads every installed entry point, as the SDK does).
    """

    policy_id: str
    policy_text: Path | None = attrs.field(default=None, converter=attrs.converters.optional(Path))
    examples: tuple[Path, ...] = attrs.field(default=(), converter=_paths)
    host: PluginHost | None = None
    _cache: dict[str, Any] = attrs.field(factory=dict, init=False, repr=False)

    @property
    def checks(self) -> tuple[str, ...]:
        """The checks that apply: all of :data:`CHECKS`; ``citations`` only with ``policy_text``."""
        return tuple(c for c in CHECKS if c != "citations" or self.policy_text is not None)

    def run(self, check: str) -> None:
        __tracebackhide__ = True
        if check not in CHECKS:
            raise ValueError(f"no conformance check {check!r} (checks: {', '.join(CHECKS)})")
        getattr(self, f"check_{check}")()

    def _cached(self, key: str, make: Callable[[], T]) -> T:
        if key not in self._cache:
            self._cache[key] = make()
        value: T = self._cache[key]
        return value

    # --- what is checked ---------------------------------------------------------------------

    @property
    def plugin_host(self) -> PluginHost:
        return self._cached("host", lambda: self.host or PluginHost.create())

    @property
    def installed(self) -> InstalledPolicy:
        installed = self.plugin_host.policies()
        for item in installed:
            if item.policy.id == self.policy_id:
                return item
        if self._cache.get("not installed"):
            raise ConformanceFailure(f"policy {self.policy_id!r} is not installed (the first failing check says why)")
        self._cache["not installed"] = True
        found = ", ".join(i.policy.id for i in installed) or "none"
        broken = "".join(f"; plugin {b.name} ({b.distribution}) failed to load: {b.error}" for b in self.plugin_host.broken)
        raise ConformanceFailure(
            f"policy {self.policy_id!r} is not provided by any plugin installed in the {GROUP!r} entry-point group "
            f"(installed policies: {found}{broken}). Declare the entry point in pyproject.toml and install the "
            "plugin (pip install -e .)."
        )

    @property
    def policy(self) -> Any:
        return self.installed.policy

    def _service_codes(self) -> list[tuple[str, Any]]:
        try:
            return probes.service_codes(self.policy.services)
        except AttributeError:
            return []

    @property
    def codes(self) -> list[tuple[str, Any]]:
        codes = self._service_codes()
        if not codes:
            raise ConformanceFailure(
                f"policy {self.policy_id!r} has no service codes: give it `services=ServiceCodes(cpt=(...))`; "
                "the suite needs them to build its probe cases"
            )
        return codes

    @property
    def versions(self) -> list[Any]:
        return sorted(self.policy.versions, key=lambda v: v.effective_from)

    @property
    def loaded_examples(self) -> tuple[list[Example], list[str]]:
        """The examples that load, and a message for each that does not."""

        def make() -> tuple[list[Example], list[str]]:
            loaded, errors = [], []
            for path in self.examples:
                try:
                    loaded.append(probes.read_example(path))
                except InputError as exc:
                    errors.append(f"not a valid Case: {exc}")
            return loaded, errors

        return self._cached("examples", make)

    def _evaluate(self, probe: Probe) -> Determination:
        (det,) = evaluate(probe.case, [self.policy_id], host=self.plugin_host)
        if det.error:
            raise ConformanceFailure(f"policy {self.policy_id!r} failed on {probe.label}: {det.error}")
        return det

    def _evaluated(self, kind: str) -> list[tuple[Probe, Determination]]:
        return self._cached(f"evaluated:{kind}", lambda: [(p, self._evaluate(p)) for p in self._probes(kind)])

    def _probes(self, kind: str) -> list[Probe]:
        examples, _ = self.loaded_examples
        first_code, first_system = self.codes[0]
        if kind == "versions":
            return [
                probes.minimal(self.policy_id, first_code, first_system, day)
                for v in self.versions
                for day in dict.fromkeys((v.effective_from, v.effective_to))
                if day is not None
            ]  # fmt: skip
        if kind == "minimal":
            return [probes.minimal(self.policy_id, c, s, v.effective_from) for v in self.versions for c, s in self.codes]
        if kind == "examples":
            return [Probe(f"example {e.name}", e.case, e.name) for e in examples]
        if kind == "foreign":
            code, system = probes.foreign_code(self.policy)
            return [probes.minimal(self.policy_id, code, system, v.effective_from) for v in self.versions] + [
                probes.with_procedure(e, code, system) for e in examples
            ]
        if kind == "unversioned":
            days = probes.uncovered_days(self.versions, getattr(self.policy, "origin", None))
            return [probes.minimal(self.policy_id, first_code, first_system, d) for d in days] + [
                probes.on_day(e, d) for d in days for e in examples
            ]
        if kind == "removals":
            return [p for e in examples for p in probes.fact_removals(e)]
        raise ValueError(kind)

    def _all(self) -> list[tuple[Probe, Determination]]:
        kinds = ("versions", "minimal", "examples", "foreign", "unversioned", "removals")
        return [item for kind in kinds for item in self._evaluated(kind)]

    # --- the checks ----------------------------------------------------------------------------

    def check_entry_point(self) -> None:
        """The policy is reachable through the ``coverage_sdk`` entry-point group of an installed
        distribution whose name and version are known, and no plugin of that distribution is broken."""
        __tracebackhide__ = True
        item = self.installed
        points = {ep.name: ep for ep in importlib.metadata.entry_points(group=GROUP)}
        ep = points.get(item.plugin)
        problems = []
        if ep is None:
            problems.append(
                f"the plugin {item.plugin!r} that provides it is not an entry point of the {GROUP!r} group; add "
                f'[project.entry-points.{GROUP}] {item.plugin} = "your_package.plugin" to pyproject.toml and reinstall'
            )
        elif self.plugin_host.pm.get_plugin(item.plugin) is not ep.load():
            problems.append(f"the plugin registered as {item.plugin!r} is not the object its entry point {ep.value!r} names")
        elif ep.dist is None or (ep.dist.name, ep.dist.version) != (item.distribution, item.version):
            problems.append(f"entry point {ep.name!r} does not belong to the distribution {item.distribution!r}")
        if not item.distribution or not item.version or item.version == "unknown":
            problems.append(f"the distribution name and version are not known ({item.distribution!r} {item.version!r})")
        problems += [
            f"plugin {b.name} of the same distribution failed to load: {b.error}"
            for b in self.plugin_host.broken
            if b.distribution == item.distribution
        ]
        _fail(f"policy {self.policy_id!r}: entry point and metadata", problems)

    def check_metadata(self) -> None:
        """The policy has a well-formed id (lowercase words joined by hyphens), a title, service
        codes, and the methods the SDK calls: ``evaluate`` and ``applies_to_services``."""
        __tracebackhide__ = True
        policy, problems = self.policy, []
        if not isinstance(policy.id, str) or not POLICY_ID.fullmatch(policy.id):
            problems.append(f"id {policy.id!r} is not lowercase words, digits and hyphens (like 'acme-iort')")
        if not isinstance(getattr(policy, "title", None), str) or not policy.title.strip():
            problems.append("the policy has no title")
        for method in ("evaluate", "applies_to_services"):
            if not callable(getattr(policy, method, None)):
                problems.append(f"the policy has no {method}() method")
        if not self._service_codes():
            problems.append("the policy has no service codes (services=ServiceCodes(cpt=(...)))")
        _fail(f"policy {self.policy_id!r}: metadata", problems)

    def check_unique_ids(self) -> None:
        """Policy ids are unique among the installed plugins, and criterion ids within every
        determination's trail."""
        __tracebackhide__ = True
        mine = self.installed.plugin
        providers: dict[str, list[str]] = {}
        for name, plugin in self.plugin_host.pm.list_name_plugin():
            impl = getattr(plugin, "coverage_sdk_policies", None)
            if impl is None:
                continue
            try:
                provided = list(impl())
            except Exception:  # reported by the plugin's own conformance run
                continue
            for policy in provided:
                providers.setdefault(policy.id, []).append(name)
        problems = [
            f"policy id {pid!r} is provided {len(names)} times (by {', '.join(names)})"
            for pid, names in sorted(providers.items())
            if len(names) > 1 and mine in names
        ]
        for probe, det in self._all():
            ids = [c.id for c in det.criteria]
            twice = sorted({i for i in ids if ids.count(i) > 1})
            if twice:
                problems.append(f"{probe.label}: the criteria trail repeats the id(s) {', '.join(twice)}")
        _fail(f"policy {self.policy_id!r}: ids are not unique", problems)

    def check_versions(self) -> None:
        """At least one version; each starts no later than it ends; they are listed in date
        order and do not overlap; the date of service selects the version named in
        ``policy_version`` (its effective date) on its first and last day."""
        __tracebackhide__ = True
        listed, problems = list(self.policy.versions), []
        if not listed:
            _fail(f"policy {self.policy_id!r}: versions", ["the policy has no version"])
        for v in listed:
            if not isinstance(v.effective_from, dt.date):
                problems.append(f"effective_from {v.effective_from!r} is not a date")
            elif v.effective_to is not None and v.effective_to < v.effective_from:
                problems.append(f"version {v.effective_from} ends before it starts ({v.effective_to})")
        _fail(f"policy {self.policy_id!r}: versions", problems)
        for earlier, later in zip(listed, listed[1:]):
            if later.effective_from <= earlier.effective_from:
                problems.append(f"versions are not in date order: {earlier.effective_from} is listed before {later.effective_from}")
            elif earlier.effective_to is None or earlier.effective_to >= later.effective_from:
                end = earlier.effective_to or "open-ended"
                problems.append(f"version {earlier.effective_from} (to {end}) overlaps version {later.effective_from}")
        _fail(f"policy {self.policy_id!r}: versions", problems)
        for probe, det in self._evaluated("versions"):
            expected = max(v.effective_from for v in self.versions if v.effective_from <= probe.case.date_of_service)
            if det.policy_version != expected.isoformat():
                problems.append(f"{probe.label}: policy_version is {det.policy_version!r}, expected {expected.isoformat()!r}")
        _fail(f"policy {self.policy_id!r}: versions", problems)

    def _static_criteria(self) -> Iterable[tuple[str, str | None, Any]]:
        """``(where, text, citation)`` of every criterion the policy declares (authoring core)."""
        criteria = getattr(self.policy, "criteria", None)
        if callable(criteria):
            for node in criteria():
                yield f"criterion {node.id!r}", node.text, node.citation
        for v in self.policy.versions:
            otherwise = getattr(v, "otherwise", None)
            if otherwise is not None and getattr(otherwise, "id", None):
                yield f"criterion {otherwise.id!r} (otherwise of version {v.effective_from})", otherwise.text, otherwise.citation
        for limit in getattr(self.policy, "unit_limits", ()):
            yield f"unit limit of {limit.code}", "unit limit", limit.citation

    def check_criteria(self) -> None:
        """Every criterion, declared or in a determination's trail, has an id, a text and a
        citation naming the document, the section and the sentence quoted."""
        __tracebackhide__ = True
        problems = []
        criteria = getattr(self.policy, "criteria", None)
        nodes = list(criteria()) if callable(criteria) else []
        problems += [f"a criterion has no id (text: {n.text!r})" for n in nodes if not (isinstance(n.id, str) and n.id.strip())]
        for where, text, citation in self._static_criteria():
            if not (isinstance(text, str) and text.strip()):
                problems.append(f"{where} has no text")
            if citation is None:
                problems.append(f"{where} has no citation")
                continue
            problems += [
                f"{where}: the citation has no {part}"
                for part in ("document", "section", "quote")
                if not str(getattr(citation, part, "") or "").strip()
            ]
        for probe, det in self._all():
            for c in det.criteria:
                empty = [name for name in ("id", "text", "citation") if not getattr(c, name).strip() or getattr(c, name) == "None"]
                if empty:
                    problems.append(f"{probe.label}: trail entry {c.id!r} has no {', '.join(empty)}")
        _fail(f"policy {self.policy_id!r}: criteria without id, text or citation", list(dict.fromkeys(problems)))

    def check_citations(self) -> None:
        """Every quote, declared or in a determination's trail, occurs verbatim in the policy
        document (after removing ``**`` and collapsing whitespace on both sides)."""
        __tracebackhide__ = True
        assert self.policy_text is not None
        try:
            document = normalise(self.policy_text.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConformanceFailure(f"cannot read the policy document {self.policy_text}: {exc}") from None
        quotes: dict[str, str] = {}
        for where, _, citation in self._static_criteria():
            if citation is not None:
                quotes.setdefault(normalise(citation.quote), where)
        problems = []
        for probe, det in self._all():
            for c in det.criteria:
                quote = _quote_of(c.citation)
                if quote is None:
                    problems.append(
                        f'{probe.label}: trail entry {c.id!r} cites no quoted sentence ({c.citation!r}); '
                        'expected: document, section: "quote"'
                    )
                else:
                    quotes.setdefault(normalise(quote), f"trail entry {c.id!r}")
        problems += [f"{where}: {quote!r}" for quote, where in quotes.items() if quote not in document]
        _fail(f"policy {self.policy_id!r}: quotes not found verbatim in {self.policy_text.name}", list(dict.fromkeys(problems)))

    def check_not_applicable(self) -> None:
        """A case without any of the policy's procedure codes, and a case dated when no version
        is in force (before the first, in a gap, after a closed last), is ``not_applicable``;
        but a date from the policy's ``origin`` on that no encoded version covers is
        ``clinical_review`` with the warning ``version_not_encoded`` (interchange spec)."""
        __tracebackhide__ = True
        problems = []
        origin = getattr(self.policy, "origin", None)
        for probe in self._probes("minimal"):
            if not self.policy.applies_to_services(probe.case):
                problems.append(f"applies_to_services() is false for {probe.label}, a service of the policy")
        for kind, why in (("foreign", "a procedure the policy does not decide"), ("unversioned", "a date no version covers")):
            for probe, det in self._evaluated(kind):
                if kind == "unversioned" and origin is not None and probe.case.date_of_service >= origin:
                    codes = [w.code.value for w in det.warnings]
                    if det.outcome is not Outcome.CLINICAL_REVIEW or "version_not_encoded" not in codes:
                        problems.append(f"{probe.label} (in the policy's life, text not encoded) gets {det.outcome.value} {codes}, expected clinical_review with version_not_encoded")
                    continue
                if det.outcome is not Outcome.NOT_APPLICABLE:
                    problems.append(f"{probe.label} ({why}) gets {det.outcome.value}, expected not_applicable")
                elif kind == "foreign" and any(item.outcome is not Outcome.NOT_APPLICABLE for item in det.line_items):
                    problems.append(f"{probe.label}: a line item is not not_applicable")
                elif kind == "unversioned" and det.policy_version is not None:
                    problems.append(f"{probe.label}: policy_version is {det.policy_version!r}, expected null")
        _fail(f"policy {self.policy_id!r}: not_applicable", problems)

    def check_unknown_facts(self) -> None:
        """Unknown facts give ``insufficient_information`` (naming them), never a decided outcome.

        Knowing less may leave undecided what knowing more decides, never decide it otherwise.
        Pairs compared: each example and the example with one fact removed; a case with only a
        service code and a date, when decided, and every example moved to that code and date.
        ``insufficient_information`` must list the missing facts.
        """
        __tracebackhide__ = True
        problems = []
        examples, _ = self.loaded_examples
        full = {probe.example: (probe, det) for probe, det in self._evaluated("examples")}
        pairs: list[tuple[Probe, Determination, Probe, Determination]] = []
        for probe, det in self._evaluated("removals"):
            pairs.append((probe, det, *full[probe.example]))
        for probe, det in self._evaluated("minimal"):
            if det.outcome in UNDECIDED:
                continue
            procedure = probe.case.procedures[0]
            for example in examples:
                moved = probes.on_day(example, probe.case.date_of_service, procedure.code, procedure.system)
                pairs.append((probe, det, moved, self._evaluate(moved)))
        for less_probe, less, more_probe, more in pairs:
            if not _refines(less, more):
                problems.append(
                    f"{less_probe.label} gets {less.outcome.value}, but {more_probe.label}, which knows more, gets "
                    f"{more.outcome.value}: a fact the first case does not give was decided on"
                )
        for probe, det in self._all():
            if det.outcome is Outcome.INSUFFICIENT_INFORMATION and not det.missing_information:
                problems.append(f"{probe.label} gets insufficient_information but names no missing information")
        _fail(
            f"policy {self.policy_id!r}: an unknown fact decided the outcome (unknown must give "
            "insufficient_information naming the fact, never a guess)",
            problems,
        )

    def check_clinical_review(self) -> None:
        """``requires_clinical_review`` is true exactly for the outcomes other than
        ``medically_necessary`` and ``not_applicable``; and no ``medically_necessary`` carries a
        warning whose other reading gives another outcome (its message must end "the outcome
        would be the same.")."""
        __tracebackhide__ = True
        problems = [
            f"{probe.label} gets {det.outcome.value} with requires_clinical_review={det.requires_clinical_review}"
            for probe, det in self._all()
            if det.requires_clinical_review is not det.outcome.requires_clinical_review
        ]
        problems += [
            f"{probe.label} is medically_necessary with a warning that could change it: {w.code.value}: {w.message}"
            for probe, det in self._all()
            if det.outcome is Outcome.MEDICALLY_NECESSARY
            for w in det.warnings
            if not w.message.endswith(f"the outcome would be {UNCHANGED}.")
        ]
        _fail(f"policy {self.policy_id!r}: requires_clinical_review is wrong", problems)

    def check_determinism(self) -> None:
        """The same case gives byte-identical determination JSON (``audit.evaluated_at`` aside):
        again in this process, in reverse order, and in fresh processes under other hash seeds
        (``PYTHONHASHSEED``), when the plugin is an importable module."""
        __tracebackhide__ = True
        first = [item for kind in ("versions", "minimal", "examples", "foreign", "unversioned") for item in self._evaluated(kind)]
        problems = []
        for probe, det in reversed(first):
            problems += _differences(probe.label, _stable_json(det), _stable_json(self._evaluate(probe)), "again")
        module = self._plugin_module()
        if module is not None:
            distribution = (self.installed.distribution, self.installed.version)
            text = determinism.request(module, distribution, [p for p in sys.path if p], self.policy_id, [p.case for p, _ in first])
            for seed in determinism.SEEDS:
                again = determinism.in_fresh_process(text, seed, dict(os.environ))
                for (probe, det), other in zip(first, again):
                    problems += _differences(probe.label, _stable_json(det), other, f"PYTHONHASHSEED={seed}")
        _fail(f"policy {self.policy_id!r}: the same case gave different determinations", problems)

    def _plugin_module(self) -> str | None:
        plugin = self.plugin_host.pm.get_plugin(self.installed.plugin)
        name = getattr(plugin, "__name__", None)
        return name if isinstance(plugin, types.ModuleType) and getattr(plugin, "__file__", None) else None

    def check_round_trip(self) -> None:
        """Every determination survives JSON text and back through the public converter
        (``coverage_sdk.unstructure``, ``json``, ``get_converter().structure``) unchanged."""
        __tracebackhide__ = True
        problems = []
        for probe, det in self._all():
            try:
                text = json.dumps(unstructure(det), allow_nan=False)
                again = get_converter().structure(json.loads(text), Determination)
            except Exception as exc:
                problems.append(f"{probe.label}: {type(exc).__name__}: {exc}")
                continue
            if again != det:
                fields = [f.name for f in attrs.fields(Determination) if getattr(again, f.name) != getattr(det, f.name)]
                problems.append(f"{probe.label}: {', '.join(fields)} changed (use JSON values: str, int, float, bool, None, list, dict)")
        _fail(f"policy {self.policy_id!r}: determinations that do not round-trip through JSON", problems)

    def check_examples(self) -> None:
        """At least one example case is given; each is a valid Case (``coverage_sdk.load_case``,
        and the Case JSON Schema when jsonschema is installed); at least one is decided by the
        policy (not ``not_applicable``)."""
        __tracebackhide__ = True
        if not self.examples:
            raise ConformanceFailure(
                f"policy {self.policy_id!r}: no example cases; pass examples=[...] (Case JSON files that "
                "exercise the policy; the unknown_facts check probes them)"
            )
        examples, problems = self.loaded_examples
        problems = list(problems)
        validator = _schema_validator()
        if validator is not None:
            for path in self.examples:
                try:
                    data = json.loads(Path(path).read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    continue  # reported by load_case above
                problems += [f"{path}: {'.'.join(map(str, e.absolute_path)) or '$'}: {e.message}" for e in validator.iter_errors(data)]
        _fail(f"policy {self.policy_id!r}: invalid example cases", problems)
        if all(det.outcome is Outcome.NOT_APPLICABLE for _, det in self._evaluated("examples")):
            raise ConformanceFailure(
                f"policy {self.policy_id!r}: no example case is decided by the policy (all are not_applicable); "
                "add one with the policy's service code and a date of service a version covers"
            )


@functools.lru_cache(maxsize=1)
def _schema_validator() -> Any:
    """A validator for the Case JSON Schema, when the package ships it and jsonschema is installed.

    ``load_case`` is the contract's own validator (the schema is generated from the same
    model); the schema adds a check of the examples that does not go through Python.
    """
    resource = importlib.resources.files("coverage_sdk").joinpath("data", "case.schema.json")
    try:
        import jsonschema
    except ImportError:
        return None
    if not resource.is_file():
        return None
    schema = json.loads(resource.read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema, format_checker=jsonschema.FormatChecker())


def conformance_tests(
    policy_id: str, *, policy_text: str | os.PathLike[str] | None = None, examples: Iterable[str | os.PathLike[str]] = ()
) -> Any:  # fmt: skip
    """A pytest test function running every conformance check on ``policy_id``, one test per check.

    In a plugin's tests::

        test_conformance = conformance_tests("acme-iort", policy_text=DOCUMENT, examples=EXAMPLES)

    ``policy_text``: path of the policy document's text (checks every quote); ``examples``:
    paths of the plugin's example Case files. The plugin must be installed (``pip install -e .``).
    """
    import pytest

    suite = Conformance(policy_id, policy_text=policy_text, examples=tuple(examples))

    @pytest.mark.parametrize("check", suite.checks)
    def test_conformance(check: str) -> None:
        __tracebackhide__ = True
        suite.run(check)

    return test_conformance
