"""The guides' FHIRPath invariants, evaluated with fhirpathpy (FHIR R4 model).

Where fhirpathpy does not convert a one-item collection to a boolean, as FHIRPath does in a
boolean context, the expression evaluated adds ``.exists()``; ``expression`` keeps the
guide's own text, ``evaluated`` what runs.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import attrs
from fhirpathpy import compile as compile_fhirpath
from fhirpathpy.models import models

from .outcome import Issue, IssueType


@attrs.frozen
class Invariant:
    key: str
    human: str
    expression: str
    evaluated: str = ""

    @functools.cached_property
    def _compiled(self) -> Any:
        return compile_fhirpath(self.evaluated or self.expression, model=models["r4"])

    def holds(self, resource: dict[str, Any]) -> bool:
        """True only when the expression gives exactly ``[true]`` (empty fails, as for a missing entry)."""
        return self._compiled(resource) == [True]


CLAIM_FIRST = Invariant(
    "ClaimFirst", "A Prior Authorization Bundle must have the PAS Request as the first resource",
    "entry.first().resource is Claim",
)  # fmt: skip
CLAIM_RESPONSE_FIRST = Invariant(
    "ClaimResponseFirst", "A Prior Authorization Response Bundle must have the PAS Response as the first resource",
    "entry.first().resource is ClaimResponse",
)  # fmt: skip

COVERAGE_INFORMATION = (
    Invariant(
        "crd-ci-q1", "Questionnaire and QuestionnaireResponse are only allowed when doc-needed exists and not equal to 'no-doc'",
        "extension.where(url='questionnaire' or url='response').exists() implies (extension.where(url = 'doc-needed').exists() "
        "and extension.where(url = 'doc-needed').all(value != 'no-doc'))",
    ),
    Invariant(
        "crd-ci-q2", "If covered is set to 'not-covered', then 'pa-needed' should not exist.",
        "extension.where(url = 'covered' and value != 'not-covered') implies extension.where(url = 'pa-needed').exists()",
        "extension.where(url = 'covered' and value != 'not-covered').exists() implies extension.where(url = 'pa-needed').exists()",
    ),
    Invariant(
        "crd-ci-q3", "If 'info-needed' exists, then at least one of 'covered', 'pa-needed', or 'doc-needed' must be 'conditional'.",
        "extension.where(url = 'info-needed').exists() implies extension.where((url = 'covered' or url = 'pa-needed' or "
        "url = 'doc-needed') and value = 'conditional').count() >= 1",
    ),
    Invariant(
        "crd-ci-q4", "If 'pa-needed' is 'satisfied', then 'Doc-purpose' can't be 'PA'.",
        "extension.where(url = 'pa-needed' and value = 'satisfied') and extension.where(url = 'doc-purpose').exists() "
        "implies extension.where(url = 'doc-purpose').all(value != 'PA')",
        "extension.where(url = 'pa-needed' and value = 'satisfied').exists() and extension.where(url = 'doc-purpose').exists() "
        "implies extension.where(url = 'doc-purpose').all(value != 'PA')",
    ),
    Invariant(
        "crd-ci-q5", "'satisfied-pa-id' must exist if and only if 'pa-needed' is set to 'satisfied'.",
        "extension.where(url = 'pa-needed' and value = 'satisfied').exists() = extension.where(url = 'satisfied-pa-id').exists()",
    ),
)  # fmt: skip


def violations(resource: dict[str, Any], invariants: Sequence[Invariant], where: str) -> list[Issue]:
    """An issue at ``where`` for each invariant ``resource`` breaks."""
    return [
        Issue(where, f"{inv.key}: {inv.human} ({inv.expression})", IssueType.INVARIANT)
        for inv in invariants
        if not inv.holds(resource)
    ]
