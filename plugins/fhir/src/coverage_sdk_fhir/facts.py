"""Case paths as DTR questions and answers: the ``linkId`` of an item is the Case path it fills."""

from __future__ import annotations

import enum
import functools
import types
import typing
from collections.abc import Iterator
from typing import Any

import attrs

import coverage_sdk as cs

from .outcome import Issue, IssueType

CASE_VALUES = "https://coverage-sdk.invalid/fhir/CodeSystem/case-values"
"""The code system of the Case model's enumerated values (answer options, plan techniques)."""

ALIASES = {"tumor.t_category": "tumor.t_stage"}
"""Facts the criteria read that the Case holds under another path."""


def _unwrap(kind: Any) -> Any:
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        return args[0] if len(args) == 1 else kind
    return kind


@functools.cache
def leaf_type(path: str) -> type | None:
    """The type of a single-valued Case field (an enum, bool, int, float or str), else None."""
    kind: Any = cs.Case
    for part in path.split("."):
        if not attrs.has(kind):
            return None
        kind = _unwrap(typing.get_type_hints(kind).get(part))
        if kind is None:
            return None
    if isinstance(kind, type) and (issubclass(kind, enum.Enum) or kind in (bool, int, float, str)):
        return kind
    return None


NOT_ANSWERED = ("case_id", "date_of_service", "payer", "request.")
"""Case paths that only the request itself gives (its identity, date, payer and receipt)."""


def is_question(path: str) -> bool:
    """Whether a QuestionnaireResponse may answer ``path``."""
    if path.startswith(NOT_ANSWERED):
        return False
    return path == "diagnoses" or path.startswith("documentation.") or leaf_type(path) is not None


def item_type(path: str) -> tuple[str, list[dict[str, Any]]]:
    """The Questionnaire item type of a Case path, and its answer options."""
    if path.startswith("documentation."):
        return "attachment", []
    if path == "diagnoses":
        return "string", []
    kind = leaf_type(path)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        options = [{"valueCoding": {"system": CASE_VALUES, "code": m.value, "display": m.value.replace("_", " ")}} for m in kind]
        return "choice", options
    return {bool: "boolean", int: "integer", float: "decimal"}.get(kind, "string"), []  # type: ignore[arg-type]


@attrs.frozen
class Answer:
    path: str
    value: Any
    expression: str


def _value(answer: dict[str, Any]) -> Any:
    for key, value in answer.items():
        if key.startswith("value"):
            if key == "valueCoding":
                return value.get("code")
            if key == "valueAttachment":
                return True
            return value
    return None


ROWS = {"radiation.oar_constraints": ("organ", "constraint", "source")}
"""Repeating groups: each answered group is one row of a Case list, its child linkIds the row's fields."""


def _items(items: list[dict[str, Any]] | None, path: str) -> Iterator[tuple[dict[str, Any], str]]:
    for index, item in enumerate(items or []):
        where = f"{path}.item[{index}]"
        yield item, where
        if item.get("linkId") in ROWS:
            continue
        yield from _items(item.get("item"), where)
        for a, answer in enumerate(item.get("answer") or []):
            yield from _items(answer.get("item"), f"{where}.answer[{a}]")


def _row(item: dict[str, Any], where: str) -> tuple[dict[str, Any], list[Issue]]:
    row, issues = {}, []
    for index, child in enumerate(item.get("item") or []):
        name = child.get("linkId", "")
        given = [_value(a) for a in child.get("answer") or [] if _value(a) is not None]
        if name not in ROWS[item["linkId"]]:
            issues.append(Issue(f"{where}.item[{index}].linkId", f"{name!r} is not a field of {item['linkId']} ({', '.join(ROWS[item['linkId']])})", IssueType.NOT_SUPPORTED))
        elif given:
            row[name] = given[0]
    return row, issues


def answers(response: dict[str, Any], path: str) -> tuple[list[Answer], list[Issue]]:
    """The answers of a QuestionnaireResponse by Case path; a linkId that is no Case path is an issue."""
    found, issues = [], []
    for item, where in _items(response.get("item"), path):
        link = ALIASES.get(item.get("linkId", ""), item.get("linkId", ""))
        if link in ROWS:
            row, problems = _row(item, where)
            issues += problems
            if row:
                found.append(Answer(link, row, where))
            continue
        given = [a for a in item.get("answer") or [] if _value(a) is not None]
        if not given:
            continue
        if not is_question(link):
            issues.append(Issue(f"{where}.linkId", f"{link!r} is not a Case path this service reads", IssueType.NOT_SUPPORTED))
            continue
        for a, answer in enumerate(given):
            found.append(Answer(link, _value(answer), f"{where}.answer[{a}]"))
    return found, issues


def apply(case: dict[str, Any], answer: Answer) -> None:
    """Put an answer into Case JSON: a documentation item, a diagnosis code, a list row, or a field."""
    if answer.path.startswith("documentation."):
        if answer.value is True and answer.path[14:] not in case.setdefault("documentation", []):
            case["documentation"].append(answer.path[14:])
        return
    *parents, name = answer.path.split(".")
    node = case
    for part in parents:
        node = node.setdefault(part, {})
    if answer.path == "diagnoses" or answer.path in ROWS:
        node.setdefault(name, []).append({"code": answer.value} if answer.path == "diagnoses" else answer.value)
        return
    value = answer.value
    if leaf_type(answer.path) is int and isinstance(value, float) and value.is_integer():
        value = int(value)
    node[name] = value
