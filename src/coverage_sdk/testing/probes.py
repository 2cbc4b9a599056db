"""The cases the conformance suite sends to a policy, each with a label for failure messages.

Probes are built from the policy's service codes and versions and from the plugin's example
cases: a case that knows only a service code and a date, the examples with a foreign
procedure code or a date no version covers, and the examples with one fact taken away.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs

from coverage_sdk.policy.converter import load_case, structure_case
from coverage_sdk.errors import InputError
from coverage_sdk.policy.model import Case, Procedure, ProcedureSystem

FIXED_FIELDS = ("case_id", "date_of_service", "procedures")
# Lists whose entries are facts: without an entry, less is known.
FACT_LISTS = (("diagnoses",), ("documentation",))
# Lists that are the analysis asked for (plans compared, constraints checked), not facts:
# a row dropped is a different request, so only optional fields inside rows are removed.
REQUEST_LISTS = (("radiation", "plans"), ("radiation", "oar_constraints"))
FOREIGN_CODES = (("99499", ProcedureSystem.CPT), ("G9999", ProcedureSystem.HCPCS), ("0000T", ProcedureSystem.CPT))


@attrs.frozen
class Probe:
    """A case sent to the policy; ``example`` names the example file it is made from."""

    label: str
    case: Case
    example: str | None = None


@attrs.frozen
class Example:
    """An example case file: its raw JSON and the Case it structures to."""

    path: Path
    data: dict[str, Any]
    case: Case

    @property
    def name(self) -> str:
        return self.path.name


def read_example(path: Path) -> Example:
    case = load_case(path)
    return Example(path, json.loads(path.read_text(encoding="utf-8")), case)


def service_codes(services: Any) -> list[tuple[str, ProcedureSystem]]:
    """``(code, system)`` for every code of a :class:`~coverage_sdk.policy.authoring.ServiceCodes`."""
    return (
        [(c, ProcedureSystem.CPT) for c in services.cpt]
        + [(c, ProcedureSystem.HCPCS) for c in services.hcpcs]
        + [(c, ProcedureSystem.ICD10_PCS) for c in services.icd10_pcs]
    )


def minimal(policy_id: str, code: str, system: ProcedureSystem, day: dt.date) -> Probe:
    """A case that knows nothing but one procedure and the date of service."""
    case = Case(f"conformance-{policy_id}-{code}-{day.isoformat()}", day, [Procedure(code, system)])
    return Probe(f"a case with only {system.value} {code} on {day.isoformat()}", case)


def foreign_code(policy: Any) -> tuple[str, ProcedureSystem]:
    """A procedure code the policy does not decide."""
    for code, system in FOREIGN_CODES:
        if not policy.applies_to_services(Case("probe", dt.date(2000, 1, 1), [Procedure(code, system)])):
            return code, system
    raise AssertionError(f"the policy claims every one of {', '.join(c for c, _ in FOREIGN_CODES)}")


def with_procedure(example: Example, code: str, system: ProcedureSystem) -> Probe:
    case = attrs.evolve(example.case, procedures=[Procedure(code, system)])
    return Probe(f"example {example.name} with only {system.value} {code}", case, example.name)


def on_day(example: Example, day: dt.date, code: str | None = None, system: ProcedureSystem | None = None) -> Probe:
    case = attrs.evolve(example.case, date_of_service=day)
    label = f"example {example.name} on {day.isoformat()}"
    if code is not None:
        case = attrs.evolve(case, procedures=[Procedure(code, system or ProcedureSystem.CPT)])
        label += f" with only {case.procedures[0].system.value} {code}"
    return Probe(label, case, example.name)


def uncovered_days(versions: Sequence[Any], origin: dt.date | None = None) -> list[dt.date]:
    """The day before the first version, the days after gaps, the day after a closed last version,
    and the day before the policy's ``origin`` when it is earlier than the first version."""
    days = []
    if origin is not None and versions and origin < min(v.effective_from for v in versions) and origin > dt.date.min:
        days.append(origin - dt.timedelta(days=1))
    ordered = sorted(versions, key=lambda v: v.effective_from)
    if ordered and ordered[0].effective_from > dt.date.min:
        days.append(ordered[0].effective_from - dt.timedelta(days=1))
    for earlier, later in zip(ordered, ordered[1:]):
        if earlier.effective_to is not None and earlier.effective_to + dt.timedelta(days=1) < later.effective_from:
            days.append(earlier.effective_to + dt.timedelta(days=1))
    if ordered and ordered[-1].effective_to is not None and ordered[-1].effective_to < dt.date.max:
        days.append(ordered[-1].effective_to + dt.timedelta(days=1))
    return days


def _removals(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Paths (keys and list indexes) of every optional fact in the case JSON."""
    if isinstance(data, dict):
        for key, value in data.items():
            if not path and key in FIXED_FIELDS:
                continue
            if (*path, key) not in REQUEST_LISTS:
                yield (*path, key)
            if (*path, key) != ("extensions",):
                yield from _removals(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            if path in FACT_LISTS and len(data) > 1:
                yield (*path, index)
            yield from _removals(value, (*path, index))


def _without(data: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    reduced = copy.deepcopy(data)
    parent = reduced
    for step in path[:-1]:
        parent = parent[step]
    del parent[path[-1]]
    return reduced


def _spelled(path: tuple[Any, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(path))


def fact_removals(example: Example) -> Iterator[Probe]:
    """The example with one fact taken away: a field, an object, a diagnosis or a document.

    Removals that leave an invalid case (a required field of a plan, say) are not probes.
    """
    for path in _removals(example.data):
        try:
            case = structure_case(_without(example.data, path))
        except InputError:
            continue
        case = attrs.evolve(case, base_dir=example.case.base_dir)
        yield Probe(f"example {example.name} without {_spelled(path)}", case, example.name)
