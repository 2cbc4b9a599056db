"""The decision record a host logs per request item, from which CMS-0057-F figures are computed.

The SDK recommends; the payer decides. A :class:`DecisionRecord` holds both: the request
(received when, through which channel, how urgent, which certification type, the original
request of an appeal or extension), the SDK's recommendation (outcome, policy and version, SDK
and plugin versions, case hash, copied from the Determination's audit), the final decision
(status, X12 278 action code, when, units, human review and reviewer), and the review-time
extension and appeal, where there were any. The JSON Schema ships as
``coverage_sdk/batch/decision-record.schema.json`` (``python -m coverage_sdk.batch.records``
rewrites it from the model).
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import os
import sys
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import attrs

import coverage_sdk as cs

from .core import RequestType, Urgency, class_schema, structure_checked
from .inputs import case_files

SCHEMA_FILE = "decision-record.schema.json"
SCHEMA_ID = "https://coverage-sdk.invalid/schema/decision-record-1.json"


class Channel(enum.Enum):
    """How the request came in."""

    FHIR_PAS = "fhir_pas"
    X12_278 = "x12_278"
    PORTAL = "portal"
    FAX = "fax"
    PHONE = "phone"
    MAIL = "mail"


class FinalStatus(enum.Enum):
    """The payer's decision on the request item."""

    APPROVED = "approved"
    MODIFIED = "modified"
    DENIED = "denied"
    PENDED = "pended"
    CANCELLED = "cancelled"


class ActionCode(enum.Enum):
    """X12 278 response HCR01 action code."""

    CERTIFIED_IN_TOTAL = "A1"
    CERTIFIED_PARTIAL = "A2"
    NOT_CERTIFIED = "A3"
    PENDED = "A4"
    MODIFIED = "A6"
    CANCELLED = "C"
    CONTACT_PAYER = "CT"
    NO_ACTION_REQUIRED = "NA"


ACTION_CODES = {
    FinalStatus.APPROVED: {ActionCode.CERTIFIED_IN_TOTAL, ActionCode.NO_ACTION_REQUIRED},
    FinalStatus.MODIFIED: {ActionCode.CERTIFIED_PARTIAL, ActionCode.MODIFIED},
    FinalStatus.DENIED: {ActionCode.NOT_CERTIFIED},
    FinalStatus.PENDED: {ActionCode.PENDED, ActionCode.CONTACT_PAYER},
    FinalStatus.CANCELLED: {ActionCode.CANCELLED},
}


class AppealOutcome(enum.Enum):
    APPROVED = "approved"
    MODIFIED = "modified"
    DENIED = "denied"
    WITHDRAWN = "withdrawn"
    PENDING = "pending"


@attrs.frozen
class Service:
    """The item or service requested."""

    code: str = attrs.field(validator=attrs.validators.min_len(1))
    system: str = "CPT"
    units: int = attrs.field(default=1, validator=attrs.validators.ge(1))


@attrs.frozen
class RequestInfo:
    """The prior-authorization request as received."""

    request_id: str
    received_at: dt.datetime
    urgency: Urgency
    certification_type: RequestType
    channel: Channel | None = None
    original_request_id: str | None = None


@attrs.frozen
class Recommendation:
    """The SDK's recommendation, from the Determination and its audit."""

    outcome: cs.Outcome
    policy_id: str
    policy_version: str | None
    sdk_version: str
    plugin: str
    plugin_version: str
    case_sha256: str

    @classmethod
    def of(cls, determination: cs.Determination) -> Recommendation:
        """The recommendation a Determination makes, for the record a host logs."""
        audit = determination.audit
        return cls(
            determination.outcome, determination.policy_id, determination.policy_version, audit.sdk_version,
            audit.plugin, audit.plugin_version, audit.case_sha256,
        )  # fmt: skip


def _action_matches(instance: FinalDecision, attribute: attrs.Attribute, value: ActionCode | None) -> None:
    if value is not None and value not in ACTION_CODES[instance.status]:
        allowed = ", ".join(sorted(code.value for code in ACTION_CODES[instance.status]))
        raise ValueError(f"'action_code' must be one of {allowed} for status {instance.status.value}: {value.value!r}")


@attrs.frozen
class FinalDecision:
    """What the payer decided, when, and who reviewed it."""

    status: FinalStatus
    human_review: bool
    decided_at: dt.datetime | None = None
    action_code: ActionCode | None = attrs.field(default=None, validator=_action_matches)
    units_approved: int | None = attrs.field(default=None, validator=attrs.validators.optional(attrs.validators.ge(0)))
    reviewer: str | None = None


@attrs.frozen
class Extension:
    """The review timeframe was extended (e.g. 14 more days to get information)."""

    extended_at: dt.datetime
    reason: str | None = None


@attrs.frozen
class Appeal:
    """An appeal of the decision and how it ended."""

    filed_at: dt.datetime
    outcome: AppealOutcome
    decided_at: dt.datetime | None = None


@attrs.frozen
class DecisionRecord:
    """One request item: the request, the SDK's recommendation, the payer's final decision.

    ``reporting_unit`` is the unit the figures are published for (a Medicare Advantage
    contract, a Medicaid or CHIP program, a QHP issuer).
    """

    record_id: str
    reporting_unit: str
    request: RequestInfo
    service: Service
    decision: FinalDecision
    recommendation: Recommendation | None = None
    extension: Extension | None = None
    appeal: Appeal | None = None


def structure_record(data: Any, *, source: str | None = None) -> DecisionRecord:
    """A DecisionRecord from parsed JSON; raises InputError naming the JSON path."""
    return structure_checked(data, DecisionRecord, source=source, what="a DecisionRecord")


def read_records(inputs: Iterable[str | os.PathLike[str]]) -> Iterator[DecisionRecord]:
    """Every record of ``inputs``: JSON Lines (one record a line) or JSON files (a record or a list)."""
    from .inputs import read_cases

    for item in read_cases(case_files(inputs)):
        try:
            data = json.loads(item.data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise cs.InputError(f"not a JSON record ({exc})", source=item.location) from None
        for index, one in enumerate(data if isinstance(data, list) else [data]):
            yield structure_record(one, source=item.location if not isinstance(data, list) else f"{item.location}[{index}]")


def record_schema() -> dict[str, Any]:
    """The DecisionRecord JSON Schema as the model defines it."""
    defs: dict[str, Any] = {}
    root = class_schema(DecisionRecord, defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "coverage_sdk DecisionRecord (CMS-0057-F reporting, version 1)",
        **root,
        "$defs": dict(sorted(defs.items())),
    }


def shipped_record_schema() -> dict[str, Any]:
    return json.loads(resources.files("coverage_sdk.batch").joinpath(SCHEMA_FILE).read_text("utf-8"))


def main() -> int:
    target = Path(__file__).with_name(SCHEMA_FILE)
    target.write_text(json.dumps(record_schema(), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
