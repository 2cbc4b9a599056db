"""Evaluate a case against installed policies, one determination per policy, with the audit trail."""

from __future__ import annotations

import copy
import datetime as dt
import enum
import functools
import logging
import math
import time
from collections.abc import Iterable
from typing import Any

import attrs

from coverage_sdk.errors import InputError, PluginError
from coverage_sdk.host.manager import InstalledPolicy, PluginHost, _sdk_version, default_host, select
from coverage_sdk.policy.converter import case_sha256
from coverage_sdk.policy.model import Audit, Case, Determination, MissingInformation, Outcome


log = logging.getLogger("coverage_sdk")


def sdk_version() -> str:
    """The installed version of the ``coverage-sdk`` distribution."""
    return _sdk_version()


def evaluate(
    case: Case, policies: Iterable[str] | None = None, *, host: PluginHost | None = None,
    evaluated_at: str | None = None,
) -> list[Determination]:  # fmt: skip
    """Determinations for ``case``: for the named policies, or for every installed policy
    that applies to the case's procedures (only the case's payer's, when it names one).

    Each policy gets its own copy of the case, and what it returns is checked before it is
    trusted. A plugin that fails gives a determination with ``error`` set (outcome
    ``clinical_review``); the other policies are still decided.
    """
    if not isinstance(case, Case):
        raise TypeError(f"evaluate() takes a coverage_sdk.Case (from load_case or structure_case), not {type(case).__name__}")
    if isinstance(policies, str):
        raise TypeError("policies is a list of policy ids, e.g. policies=['bcbsma-278-iort'], not one string")
    host = host or default_host()
    ids = None if policies is None else list(policies)
    installed = select(host.policies(), ids)
    if case.payer is not None and ids is None:
        installed = [p for p in installed if getattr(p.policy, "payer_id", None) == case.payer]
    copies = {p.policy.id: _own_copy(case) for p in installed}
    if ids is None:
        installed = [p for p in installed if _applies(p, copies[p.policy.id])]
    sha = case_sha256(case)
    when = evaluated_at or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    determinations = []
    for item in installed:
        audit = Audit(sdk_version(), item.distribution, item.version, sha, when)
        started = time.perf_counter()
        try:
            determinations.append(_checked(item, item.policy.evaluate(copies[item.policy.id], audit)))
        except InputError as exc:
            determinations.append(_failed(case, item.policy.id, audit, exc, Outcome.INSUFFICIENT_INFORMATION))
        except (Exception, SystemExit) as exc:
            determinations.append(_failed(case, item.policy.id, audit, exc, Outcome.CLINICAL_REVIEW))
            log.warning("policy %s failed on case %s: %s", item.policy.id, sha[:12], type(exc).__name__)
        log.debug(
            "policy %s decided case %s: %s in %.1f ms", item.policy.id, sha[:12], determinations[-1].outcome.value,
            1000 * (time.perf_counter() - started),
        )  # fmt: skip
    if ids is None:
        for broken in host.broken:
            audit = Audit(sdk_version(), broken.distribution, broken.version, sha, when)
            determinations.append(_failed(case, broken.name, audit, PluginError(broken.error), Outcome.CLINICAL_REVIEW))
    return determinations


def _own_copy(value: Any) -> Any:
    """A deep copy of a model value, made field by field: what one policy changes, no other sees."""
    kind = type(value)
    if kind in _ATOMS or isinstance(value, enum.Enum):
        return value
    if kind is list:
        return [_own_copy(item) for item in value]
    if kind is dict:
        return {key: _own_copy(item) for key, item in value.items()}
    if attrs.has(kind):
        new = object.__new__(kind)
        for name in _field_names(kind):
            object.__setattr__(new, name, _own_copy(getattr(value, name)))
        return new
    return copy.deepcopy(value)


_ATOMS = frozenset({str, int, float, bool, type(None), dt.date, dt.datetime})


@functools.cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(field.name for field in attrs.fields(kind))


def _applies(item: InstalledPolicy, case: Case) -> bool:
    try:
        return bool(item.policy.applies_to_services(case))
    except Exception:  # the policy is still asked to evaluate, where its failure is reported
        return True


def _checked(item: InstalledPolicy, det: object) -> Determination:
    """What a plugin returned, if it is a well-formed determination of its own policy."""
    if not isinstance(det, Determination):
        raise PluginError(f"evaluate returned {type(det).__name__}, not a Determination")
    if det.policy_id != item.policy.id:
        raise PluginError(f"evaluate returned a determination for policy {det.policy_id!r}, not {item.policy.id!r}")
    if not isinstance(det.outcome, Outcome):
        raise PluginError(f"evaluate returned the outcome {det.outcome!r}, not an Outcome")
    if det.requires_clinical_review is not det.outcome.requires_clinical_review:
        raise PluginError(f"requires_clinical_review is {det.requires_clinical_review} for outcome {det.outcome.value}")
    for row in det.summary_table:
        for name in ("value_3d", "value_imrt"):
            value = getattr(row, name)
            if value is not None and not (isinstance(value, (int, float)) and math.isfinite(value)):
                raise PluginError(f"summary_table {row.organ!r} {name} is {value!r}, not a finite number")
    return det


def _failed(case: Case, policy_id: str, audit: Audit, exc: BaseException, outcome: Outcome) -> Determination:
    if isinstance(exc, InputError):
        reason = f"The case's input could not be read ({exc}); correct it and resubmit."
        missing = [MissingInformation(exc.location or exc.source or "input", str(exc))]
        error = f"InputError: {exc}"
    else:
        reason = f"The policy plugin failed while evaluating this case; a clinician must review it ({type(exc).__name__})."
        missing = []
        error = str(exc) if type(exc) is PluginError else f"{type(exc).__name__}: {exc}"
    return Determination(
        case_id=case.case_id, policy_id=policy_id, policy_version=None, outcome=outcome,
        requires_clinical_review=True, reasons=[reason], criteria=[], missing_information=missing,
        prior_authorization_required=None, line_items=[], summary_table=[], audit=audit, error=error,
    )  # fmt: skip
