"""The ``pas`` adapter the plugin host lists: PAS Request Bundle bytes in, PAS Response Bundle bytes out."""

from __future__ import annotations

import json
from collections.abc import Sequence

import attrs

import coverage_sdk as cs
from coverage_sdk.hookspecs import AdaptedRequest

from .claim_response import write_response
from .pas import read_request
from .payers import PayerMap


@attrs.frozen
class PasAdapter:
    """The ``pas`` adapter: PAS Request Bundle bytes -> Cases; Determinations -> PAS Response Bundle bytes."""

    payer_map: PayerMap = attrs.Factory(PayerMap)
    questionnaire_base: str = "https://coverage-sdk.invalid/fhir"
    name: str = "pas"

    def read(self, data: bytes, *, source: str | None = None) -> AdaptedRequest:
        return read_request(data, payer_map=self.payer_map, questionnaire_base=self.questionnaire_base, source=source)

    def write(self, request: AdaptedRequest, determinations: Sequence[Sequence[cs.Determination]]) -> bytes:
        return json.dumps(write_response(request, determinations), ensure_ascii=False).encode("utf-8")
