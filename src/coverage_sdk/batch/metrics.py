"""CMS-0057-F prior-authorization figures from decision records.

The rule (42 CFR 422.122(c), 438.210(f), 440.230(e)(3), 457.732(c), 457.495(d); 45 CFR
156.223(b)) has payers publish every year, for all items and services together: the items
and services that need prior authorization; the percent of standard requests approved, denied,
and approved after appeal; the percent of requests whose review time was extended and that
were then approved; the percent of expedited requests approved and denied; the average and
median time from receipt to decision for standard and for expedited requests. Here they are
computed per reporting unit, and within it per policy and version, with the share of standard
requests decided within 7 calendar days, of expedited ones within 72 hours, and how often a
reviewer's final decision went against the SDK's recommendation.

Requests are the records of certification type initial, extension, renewal or revision;
an appeal is counted through the request it appeals (its ``appeal``, or an appeal record whose
``original_request_id`` names the request). The choices the rule leaves open are the fields of
:class:`Choices`, printed with the figures.
"""

from __future__ import annotations

import datetime as dt
import enum
import statistics
import zoneinfo
from collections.abc import Iterable, Sequence

import attrs

import coverage_sdk as cs

from .core import RequestType, Urgency
from .records import AppealOutcome, DecisionRecord, FinalStatus

REQUEST_TYPES = frozenset({RequestType.INITIAL, RequestType.EXTENSION, RequestType.RENEWAL, RequestType.REVISION})
ALL_POLICIES = "(all policies)"
NO_RECOMMENDATION = "(no recommendation)"


class Partial(enum.Enum):
    """How a partial approval (status ``modified``) counts."""

    APPROVED = "approved"
    DENIED = "denied"
    NEITHER = "neither"


class AppealBase(enum.Enum):
    """The denominator of "approved after appeal": every standard request, or the denied ones."""

    REQUESTS = "requests"
    DENIED = "denied"


class DayCount(enum.Enum):
    """How "within 7 days" is counted: calendar dates in the time zone, or 7 x 24 elapsed hours."""

    CALENDAR = "calendar"
    ELAPSED = "elapsed"


def _statuses(value: Iterable[FinalStatus | str]) -> tuple[FinalStatus, ...]:
    given = set()
    for item in value:
        try:
            given.add(FinalStatus(item))
        except ValueError:
            raise ValueError(f"{item!r} is not one of {', '.join(s.value for s in FinalStatus)}") from None
    return tuple(s for s in FinalStatus if s in given)


@attrs.frozen
class Choices:
    """What the rule leaves open, with the defaults used when nothing is said.

    ``denominator``: the final statuses of the requests counted (default: those decided,
    approved, modified and denied; pended and cancelled requests are left out). ``partial``:
    a modified (partial) approval counts as approved (default), denied, or neither.
    ``appeal_base``: approved after appeal as a percent of the standard requests (default) or
    of the denied ones. ``day_count`` and ``timezone``: "within 7 days" by calendar dates in
    this IANA time zone (default, UTC) or by 168 elapsed hours; a time without an offset is
    read in this zone.
    """

    denominator: tuple[FinalStatus, ...] = attrs.field(
        default=(FinalStatus.APPROVED, FinalStatus.MODIFIED, FinalStatus.DENIED), converter=_statuses
    )
    partial: Partial = attrs.field(default=Partial.APPROVED, converter=Partial)
    appeal_base: AppealBase = attrs.field(default=AppealBase.REQUESTS, converter=AppealBase)
    day_count: DayCount = attrs.field(default=DayCount.CALENDAR, converter=DayCount)
    timezone: str = attrs.field(default="UTC")

    @timezone.validator
    def _known_zone(self, attribute: attrs.Attribute, value: str) -> None:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone") from None

    def lines(self) -> list[str]:
        return [
            f"denominator: requests whose final status is {', '.join(s.value for s in self.denominator)}",
            f"partial approvals (modified) count as: {self.partial.value}",
            f"approved after appeal, as a percent of: {'standard requests' if self.appeal_base is AppealBase.REQUESTS else 'denied standard requests'}",
            f"within 7 days: {'calendar days' if self.day_count is DayCount.CALENDAR else '168 elapsed hours'}; time zone {self.timezone}",
        ]


@attrs.frozen
class Figures:
    """The published figures of one group of requests; a percent is None when its base is empty."""

    reporting_unit: str
    policy_id: str
    policy_version: str | None
    services: tuple[str, ...]
    requests: int
    standard_requests: int
    expedited_requests: int
    standard_approved_pct: float | None
    standard_denied_pct: float | None
    standard_approved_after_appeal_pct: float | None
    extended_then_approved_pct: float | None
    expedited_approved_pct: float | None
    expedited_denied_pct: float | None
    standard_mean_hours: float | None
    standard_median_hours: float | None
    expedited_mean_hours: float | None
    expedited_median_hours: float | None
    standard_within_7_days_pct: float | None
    expedited_within_72_hours_pct: float | None
    overridden_pct: float | None
    recommendations_compared: int


def _pct(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


def _aware(moment: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


@attrs.frozen
class _Reader:
    """How one record counts under the choices."""

    choices: Choices
    appeals: dict[str, AppealOutcome]

    @property
    def zone(self) -> dt.tzinfo:
        return zoneinfo.ZoneInfo(self.choices.timezone)

    def approved(self, status: FinalStatus) -> bool:
        return status is FinalStatus.APPROVED or (status is FinalStatus.MODIFIED and self.choices.partial is Partial.APPROVED)

    def denied(self, status: FinalStatus) -> bool:
        return status is FinalStatus.DENIED or (status is FinalStatus.MODIFIED and self.choices.partial is Partial.DENIED)

    def appeal_approved(self, record: DecisionRecord) -> bool:
        outcome = record.appeal.outcome if record.appeal else self.appeals.get(record.request.request_id)
        return outcome is AppealOutcome.APPROVED or (outcome is AppealOutcome.MODIFIED and self.choices.partial is Partial.APPROVED)

    def hours(self, record: DecisionRecord) -> float | None:
        if record.decision.decided_at is None:
            return None
        elapsed = _aware(record.decision.decided_at, self.zone) - _aware(record.request.received_at, self.zone)
        return elapsed.total_seconds() / 3600.0

    def within_days(self, record: DecisionRecord, days: int) -> bool | None:
        if record.decision.decided_at is None:
            return None
        if self.choices.day_count is DayCount.ELAPSED:
            hours = self.hours(record)
            return None if hours is None else hours <= 24 * days
        received = _aware(record.request.received_at, self.zone).astimezone(self.zone).date()
        decided = _aware(record.decision.decided_at, self.zone).astimezone(self.zone).date()
        return (decided - received).days <= days

    def overridden(self, record: DecisionRecord) -> bool | None:
        """Whether the final decision goes against a decisive recommendation (None: nothing to compare)."""
        if record.recommendation is None:
            return None
        status = record.decision.status
        outcome = record.recommendation.outcome
        if outcome is cs.Outcome.MEDICALLY_NECESSARY and (self.approved(status) or self.denied(status)):
            return self.denied(status)
        if outcome in (cs.Outcome.NOT_MEDICALLY_NECESSARY, cs.Outcome.INVESTIGATIONAL) and (self.approved(status) or self.denied(status)):
            return self.approved(status)
        return None


def _figures(unit: str, policy: str, version: str | None, records: Sequence[DecisionRecord], reader: _Reader) -> Figures:
    standard = [r for r in records if r.request.urgency is Urgency.STANDARD]
    expedited = [r for r in records if r.request.urgency is Urgency.EXPEDITED]
    standard_denied = [r for r in standard if reader.denied(r.decision.status)]
    appeal_base = standard if reader.choices.appeal_base is AppealBase.REQUESTS else standard_denied
    times = {name: [h for h in map(reader.hours, group) if h is not None] for name, group in (("standard", standard), ("expedited", expedited))}
    within_7 = [w for w in (reader.within_days(r, 7) for r in standard) if w is not None]
    within_72 = [h <= 72.0 for h in times["expedited"]]
    overrides = [o for o in map(reader.overridden, records) if o is not None]
    return Figures(
        reporting_unit=unit,
        policy_id=policy,
        policy_version=version,
        services=tuple(sorted({r.service.code for r in records})),
        requests=len(records),
        standard_requests=len(standard),
        expedited_requests=len(expedited),
        standard_approved_pct=_pct(sum(reader.approved(r.decision.status) for r in standard), len(standard)),
        standard_denied_pct=_pct(sum(reader.denied(r.decision.status) for r in standard), len(standard)),
        standard_approved_after_appeal_pct=_pct(sum(reader.appeal_approved(r) for r in appeal_base), len(appeal_base)),
        extended_then_approved_pct=_pct(sum(r.extension is not None and reader.approved(r.decision.status) for r in records), len(records)),
        expedited_approved_pct=_pct(sum(reader.approved(r.decision.status) for r in expedited), len(expedited)),
        expedited_denied_pct=_pct(sum(reader.denied(r.decision.status) for r in expedited), len(expedited)),
        standard_mean_hours=statistics.fmean(times["standard"]) if times["standard"] else None,
        standard_median_hours=statistics.median(times["standard"]) if times["standard"] else None,
        expedited_mean_hours=statistics.fmean(times["expedited"]) if times["expedited"] else None,
        expedited_median_hours=statistics.median(times["expedited"]) if times["expedited"] else None,
        standard_within_7_days_pct=_pct(sum(within_7), len(within_7)),
        expedited_within_72_hours_pct=_pct(sum(within_72), len(within_72)),
        overridden_pct=_pct(sum(overrides), len(overrides)),
        recommendations_compared=len(overrides),
    )


def compute_metrics(records: Iterable[DecisionRecord], choices: Choices | None = None) -> list[Figures]:
    """Figures per reporting unit (all policies together first), then per policy and version in it."""
    choices = choices or Choices()
    records = list(records)
    appeals = {
        r.request.original_request_id: _appeal_outcome(r.decision.status)
        for r in records
        if r.request.certification_type is RequestType.APPEAL and r.request.original_request_id
    }
    counted = [r for r in records if r.request.certification_type in REQUEST_TYPES and r.decision.status in choices.denominator]
    reader = _Reader(choices, appeals)
    out = []
    for unit in sorted({r.reporting_unit for r in records}):
        mine = [r for r in counted if r.reporting_unit == unit]
        out.append(_figures(unit, ALL_POLICIES, None, mine, reader))
        groups: dict[tuple[str, str | None], list[DecisionRecord]] = {}
        for r in mine:
            key = (r.recommendation.policy_id, r.recommendation.policy_version) if r.recommendation else (NO_RECOMMENDATION, None)
            groups.setdefault(key, []).append(r)
        out += [_figures(unit, policy, version, group, reader) for (policy, version), group in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))]
    return out


def _appeal_outcome(status: FinalStatus) -> AppealOutcome:
    return {FinalStatus.APPROVED: AppealOutcome.APPROVED, FinalStatus.MODIFIED: AppealOutcome.MODIFIED,
            FinalStatus.DENIED: AppealOutcome.DENIED, FinalStatus.CANCELLED: AppealOutcome.WITHDRAWN}.get(status, AppealOutcome.PENDING)  # fmt: skip


ROWS = (
    ("requests", "requests counted (standard / expedited)"),
    ("standard_approved_pct", "standard requests approved, %"),
    ("standard_denied_pct", "standard requests denied, %"),
    ("standard_approved_after_appeal_pct", "standard requests approved after appeal, %"),
    ("extended_then_approved_pct", "requests extended, then approved, %"),
    ("expedited_approved_pct", "expedited requests approved, %"),
    ("expedited_denied_pct", "expedited requests denied, %"),
    ("standard_mean_hours", "standard: receipt to decision, mean / median hours"),
    ("expedited_mean_hours", "expedited: receipt to decision, mean / median hours"),
    ("standard_within_7_days_pct", "standard decided within 7 days, %"),
    ("expedited_within_72_hours_pct", "expedited decided within 72 hours, %"),
    ("overridden_pct", "reviewer went against the recommendation, % (of compared)"),
)


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def metrics_text(figures: Sequence[Figures], choices: Choices) -> str:
    """The figures for a person, each group a block, the choices first."""
    lines = ["CMS-0057-F prior-authorization figures", *(f"  {line}" for line in choices.lines())]
    for f in figures:
        version = f", version {f.policy_version}" if f.policy_version else ""
        lines += ["", f"{f.reporting_unit}: {f.policy_id}{version}", f"  services requiring prior authorization: {', '.join(f.services) or '-'}"]
        for field, label in ROWS:
            if field == "requests":
                value = f"{f.requests} ({f.standard_requests} / {f.expedited_requests})"
            elif field.endswith("mean_hours"):
                median = getattr(f, field.replace("mean", "median"))
                value = f"{_number(getattr(f, field))} / {_number(median)}"
            elif field == "overridden_pct":
                value = f"{_number(f.overridden_pct)} (of {f.recommendations_compared})"
            else:
                value = _number(getattr(f, field))
            lines.append(f"  {label:<60} {value}")
    return "\n".join(lines)
