"""coverage_sdk_fhir: Da Vinci PAS, CRD and DTR (FHIR R4) for coverage_sdk, and a reference service.

``read_request``/``write_response`` (PAS), ``crd.answer`` (CRD), ``dtr.questionnaire`` (DTR);
``PasAdapter`` is the ``pas`` adapter the plugin host lists. Bad input raises
:class:`FhirInputError`, whose ``issues`` name each element by FHIRPath.
"""

from .outcome import FhirInputError, Issue, operation_outcome
from .pas import PasAdapter, PayerMap, check_response_bundle, read_request, write_response

__all__ = ["FhirInputError", "Issue", "PasAdapter", "PayerMap", "check_response_bundle", "operation_outcome", "read_request", "write_response"]
