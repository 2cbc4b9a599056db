"""coverage_sdk_fhir: Da Vinci PAS, CRD and DTR (FHIR R4) for coverage_sdk, and a reference service.

``read_request``/``write_response`` (PAS), ``crd.answer`` (CRD), ``dtr.questionnaire`` (DTR);
``PasAdapter`` is the ``pas`` adapter the plugin host lists. Bad input raises
:class:`FhirInputError`, whose ``issues`` name each element by FHIRPath. Names load on first
use, so that the entry point does not import the FHIR libraries for every ``coverage-sdk`` command.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .adapter import PasAdapter
    from .claim_response import write_response
    from .outcome import FhirInputError, Issue, operation_outcome
    from .pas import check_response_bundle, read_request
    from .payers import PayerMap

_EXPORTS = {
    "FhirInputError": "outcome", "Issue": "outcome", "operation_outcome": "outcome",
    "PasAdapter": "adapter", "PayerMap": "payers", "check_response_bundle": "pas", "read_request": "pas",
    "write_response": "claim_response",
}  # fmt: skip

__all__ = [
    "FhirInputError", "Issue", "PasAdapter", "PayerMap", "check_response_bundle", "operation_outcome", "read_request", "write_response",
]  # fmt: skip


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
