"""Bad FHIR input as an OperationOutcome whose issues name the element by FHIRPath."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any

import attrs

import coverage_sdk as cs


class IssueType(enum.Enum):
    """The FHIR ``issue-type`` codes this adapter reports."""

    STRUCTURE = "structure"
    REQUIRED = "required"
    VALUE = "value"
    INVARIANT = "invariant"
    NOT_FOUND = "not-found"
    NOT_SUPPORTED = "not-supported"
    BUSINESS_RULE = "business-rule"


@attrs.frozen
class Issue:
    """What is wrong (``diagnostics``, never patient data) and where (``expression``, FHIRPath)."""

    expression: str
    diagnostics: str
    code: IssueType = IssueType.VALUE


class FhirInputError(cs.InputError):
    """A FHIR request that cannot be read; ``issues`` name every element found wrong."""

    def __init__(self, issues: Sequence[Issue], *, source: str | None = None) -> None:
        self.issues = tuple(issues)
        message = "; ".join(f"{i.expression}: {i.diagnostics}" for i in self.issues)
        super().__init__(message, source=source, location=self.issues[0].expression if self.issues else None)


def operation_outcome(issues: Sequence[Issue]) -> dict[str, Any]:
    """An OperationOutcome (FHIR R4) with one error issue per :class:`Issue`."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {"severity": "error", "code": issue.code.value, "diagnostics": issue.diagnostics, "expression": [issue.expression]}
            for issue in issues
        ],
    }


def fhirpath(root: str, location: Sequence[Any]) -> str:
    """``("entry", 0, "resource", "item")`` under ``Bundle`` -> ``Bundle.entry[0].resource.item``."""
    path = root
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def validation_issues(exc: Any, root: str, limit: int = 20) -> list[Issue]:
    """Issues from a pydantic ValidationError raised by a ``fhir.resources`` model."""
    issues = []
    for error in exc.errors()[:limit]:
        kind = IssueType.REQUIRED if error["type"] == "missing" else IssueType.STRUCTURE
        message = "unknown element" if error["type"] == "extra_forbidden" else error["msg"].removeprefix("Value error, ")
        issues.append(Issue(fhirpath(root, error["loc"]), message, kind))
    return issues
